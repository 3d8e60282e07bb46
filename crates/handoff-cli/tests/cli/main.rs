//! Tests of the real `handoff` binary on temp folders.

mod agent_requests;
mod agents;
mod context;
mod crash;
mod file_size_limit;
mod gc;
mod lifetime;
mod ls_rm;
mod mcp;
mod prompt;
mod upload;
mod watch;
