//! Tests of the real `handoff` binary on temp folders.

mod agent_requests;
mod agents;
mod agreement;
mod context;
mod crash;
mod file_size_limit;
mod first_use;
mod gc;
mod hostile;
mod kills;
mod lifetime;
mod ls_rm;
mod mcp;
mod modes;
mod prompt;
mod races;
mod settings;
mod ssh;
mod ssh_agent;
mod ssh_files;
mod ssh_upload;
mod sshd;
mod terminal;
mod upload;
mod use_cases;
mod watch;
