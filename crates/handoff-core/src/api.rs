//! The use cases both shells call: the desktop app's commands and the CLI's
//! subcommands are adapters that parse their input, call one function here
//! and show the result. Decisions (which profile a session gets, what a
//! session is called, how a worktree is found, what an upload records)
//! are made here once.
//!
//! Every function returns [`ApiError`]: a [`ErrorKind`](crate::ErrorKind)
//! and a message written for people.

pub mod agents;
mod error;
pub mod files;
pub mod helpers;
pub mod live_folders;
pub mod profiles;
pub mod sessions;
pub mod shares;
pub mod uploads;
pub mod worktrees;

use std::path::PathBuf;

pub use error::ApiError;

use crate::agent::{HANDSHAKE_TIMEOUT, SessionOptions};
use crate::{Home, Roots, Store};

/// Where Handoff's data is and how it runs agents: what every use case needs.
#[derive(Debug, Clone)]
pub struct Context {
    /// The data folder.
    pub home: Home,
    /// Where temp and global uploads live.
    pub roots: Roots,
    /// This executable: it serves the demo agent, the MCP server and the
    /// step that starts an agent.
    pub exe: PathBuf,
}

impl Context {
    /// The context of this process: the data folder and roots from the
    /// environment (or `home` when given), this executable.
    #[must_use]
    pub fn from_env(home: Option<PathBuf>) -> Self {
        Self {
            home: home.map_or_else(Home::from_env, Home::at),
            roots: Roots::from_env(),
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("handoff")),
        }
    }

    /// A connection to the database (SQLite connections are cheap; each use
    /// case opens its own).
    pub fn store(&self) -> Result<Store, ApiError> {
        Ok(Store::open_home(&self.home)?)
    }

    /// How agents are started, waiting `handshake_timeout` for one to answer.
    #[must_use]
    pub fn agent_options(&self, handshake_timeout: Option<std::time::Duration>) -> SessionOptions {
        SessionOptions {
            home: self.home.clone(),
            handoff_exe: self.exe.clone(),
            roots: self.roots.clone(),
            handshake_timeout: handshake_timeout.unwrap_or(HANDSHAKE_TIMEOUT),
            prompt_timeout: None,
        }
    }
}

/// Runs blocking work (disk, SQLite) off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await?
}
