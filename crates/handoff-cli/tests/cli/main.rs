//! Tests of the real `handoff` binary on temp folders.

mod agent_requests;
mod agents;
mod context;
mod crash;
mod first_use;
mod gc;
mod ls_rm;
mod mcp;
mod prompt;
mod settings;
mod terminal;
mod upload;
mod watch;
