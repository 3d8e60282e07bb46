//! Worktrees on another machine, reached with the person's own OpenSSH:
//! their `~/.ssh/config` (or the file the `ssh_config` setting or
//! `HANDOFF_SSH_CONFIG` names, passed as `ssh -F`), keys, agent,
//! `ProxyJump` and `known_hosts`. One multiplexed master per machine, kept
//! while Handoff runs (the `openssh` crate), SFTP over it
//! (`openssh-sftp-client`), the agent's `ssh` through it too; no SSH stack
//! of Handoff's own.
//!
//! A remote worktree is written `ssh://[user@]host[:port]/abs/path` or, as
//! `scp` writes it, `host:/abs/path` with `host` an alias of the SSH config.

mod check;
mod connect;
mod download;
mod env_file;
mod folder;
mod forward;
mod held;
mod pipeline;
mod place;
mod pool;
mod remove;
mod script;
mod send;
mod upload;

pub use crate::words::remote_spec::{BadRemoteSpec, RemoteSpec};
pub use connect::{ConnectOptions, Remote, SSH_CONFIG_ENV};
pub use download::DownloadError;
pub use forward::Forwarded;
pub use pool::{block_on, close_all, disconnect};
pub use upload::upload;

use crate::words::ErrorKind;
use std::path::PathBuf;

/// `word` quoted for a POSIX shell: in single quotes, each `'` written `'\''`.
#[must_use]
pub fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The remote worktree a record's file is on, if any (what its agent
/// published is snapshotted on this machine, so it is not).
pub fn worktree_of(
    store: &mut crate::Store,
    record: &crate::FileRecord,
) -> Result<Option<RemoteSpec>, crate::StoreError> {
    match record.worktree_id {
        Some(id) if record.destination != crate::destination::Destination::Published => {
            Ok(store.worktrees().get(id)?.remote())
        }
        _ => Ok(None),
    }
}

impl From<BadRemoteSpec> for RemoteError {
    fn from(e: BadRemoteSpec) -> Self {
        Self::BadSpec { text: e.text }
    }
}

/// Why a remote worktree cannot be reached. Each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// The text is not a remote worktree Handoff understands.
    #[error(
        "{text:?} is not a remote worktree: write ssh://[user@]host[:port]/absolute/path or host:/absolute/path"
    )]
    BadSpec {
        /// What was given.
        text: String,
    },
    /// The host's key is not the one `known_hosts` has (or none is known).
    #[error(
        "the host key of {host} does not match the one your known_hosts file has for it, or none is known ({detail}). Check that this is the right machine; if its key changed, remove the old one with `ssh-keygen -R {host}`, then connect once with `ssh {host}` to accept the new one"
    )]
    HostKey {
        /// The destination.
        host: String,
        /// What ssh said.
        detail: String,
    },
    /// The host refused every key offered.
    #[error(
        "{host} refused your key ({detail}). Add your public key to ~/.ssh/authorized_keys there, or load the right key into your agent with `ssh-add`"
    )]
    Auth {
        /// The destination.
        host: String,
        /// What ssh said.
        detail: String,
    },
    /// Nothing answered, or the name does not resolve.
    #[error(
        "{host} does not answer ({detail}). Check the host name and port, your network, and that an SSH server runs there"
    )]
    Unreachable {
        /// The destination.
        host: String,
        /// What ssh said.
        detail: String,
    },
    /// The folder is missing on the remote, or is not a folder.
    #[error("{path} on {host} is not a folder: {detail}")]
    NoFolder {
        /// The destination.
        host: String,
        /// The folder.
        path: PathBuf,
        /// What the server said.
        detail: String,
    },
    /// The connection dropped while working.
    #[error(
        "the connection to {host} was lost ({detail}); nothing was saved under a real name, send it again when {host} answers"
    )]
    Lost {
        /// The destination.
        host: String,
        /// What went wrong.
        detail: String,
    },
    /// Anything else SSH or SFTP reported.
    #[error("SSH to {host} failed: {detail}")]
    Failed {
        /// The destination.
        host: String,
        /// What went wrong.
        detail: String,
    },
}

impl RemoteError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::BadSpec { .. } => ErrorKind::InvalidInput,
            Self::HostKey { .. } => ErrorKind::RemoteHostKey,
            Self::Auth { .. } => ErrorKind::RemoteAuth,
            Self::Unreachable { .. } | Self::Lost { .. } => ErrorKind::RemoteUnreachable,
            Self::NoFolder { .. } => ErrorKind::NotFound,
            Self::Failed { .. } => ErrorKind::RemoteFailed,
        }
    }
}
