//! Reaching a remote worktree over its machine's kept connection, and SSH's own words
//! turned into what a person can do about them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use openssh::Session;
use openssh_sftp_client::Sftp;

use super::pool::{self, Link};
use super::{RemoteError, RemoteSpec};

/// Names an SSH config file to use instead of `~/.ssh/config` (which `ssh`
/// finds through the password database, not `$HOME`).
pub const SSH_CONFIG_ENV: &str = "HANDOFF_SSH_CONFIG";

/// How to reach remotes.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// An SSH config file (`ssh -F`); none: the person's own.
    pub ssh_config: Option<PathBuf>,
    /// Where the master's control socket lives (a private folder; its
    /// path must stay short, sockets have a length limit).
    pub control_dir: PathBuf,
    /// How long connecting may take.
    pub timeout: Duration,
}

impl ConnectOptions {
    /// The options from the environment: `HANDOFF_SSH_CONFIG` when set, a
    /// control folder in the temp folder, a 20 s timeout.
    #[must_use]
    pub fn from_env() -> Self {
        Self {
            ssh_config: std::env::var_os(SSH_CONFIG_ENV).map(PathBuf::from),
            control_dir: std::env::temp_dir(),
            timeout: Duration::from_secs(20),
        }
    }

    /// The options `settings` ask for (their `ssh_config`), with
    /// `HANDOFF_SSH_CONFIG` winning when set.
    #[must_use]
    pub fn for_settings(settings: &crate::Settings) -> Self {
        let mut options = Self::from_env();
        if options.ssh_config.is_none() && !settings.ssh_config.is_empty() {
            options.ssh_config = Some(PathBuf::from(&settings.ssh_config));
        }
        options
    }
}

/// A remote worktree's machine, reached through its kept connection
/// (see [`super::pool`]), checked to hold the folder.
pub struct Remote {
    spec: RemoteSpec,
    link: Arc<Link>,
}

impl Remote {
    /// Reaches `spec`'s machine (on a new connection its host key is checked
    /// strictly against `known_hosts`, never asking anything) and checks
    /// that the worktree is a folder there. A kept connection found dead is
    /// replaced by a new one.
    pub async fn connect(spec: &RemoteSpec, options: &ConnectOptions) -> Result<Self, RemoteError> {
        let mut retried = false;
        loop {
            let link = pool::link(spec, options).await?;
            match check_folder(spec, &link.sftp).await {
                Ok(()) => {
                    return Ok(Self {
                        spec: spec.clone(),
                        link,
                    });
                }
                Err(Checked::Missing(e)) => return Err(e),
                Err(Checked::Dead(e)) => {
                    pool::forget(spec, options, link).await;
                    if retried {
                        return Err(e);
                    }
                    retried = true;
                }
            }
        }
    }

    /// What this connects to.
    #[must_use]
    pub fn spec(&self) -> &RemoteSpec {
        &self.spec
    }

    /// The SFTP channel.
    #[must_use]
    pub fn sftp(&self) -> &Sftp {
        &self.link.sftp
    }

    /// The SSH connection (to run commands through the same master).
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.link.session
    }

    /// The connection itself, to hold it open.
    pub(crate) fn link(&self) -> Arc<Link> {
        Arc::clone(&self.link)
    }
}

/// Why the folder check failed: the server answered that it is not a
/// folder, or the connection did not answer.
enum Checked {
    Missing(RemoteError),
    Dead(RemoteError),
}

async fn check_folder(spec: &RemoteSpec, sftp: &Sftp) -> Result<(), Checked> {
    let no_folder = |detail: String| {
        Checked::Missing(RemoteError::NoFolder {
            host: spec.host().to_owned(),
            path: spec.path.clone(),
            detail,
        })
    };
    match sftp.fs().metadata(&spec.path).await {
        Ok(meta) if meta.file_type().is_some_and(|t| t.is_dir()) => Ok(()),
        Ok(_) => Err(no_folder("it is a file".to_owned())),
        Err(e @ openssh_sftp_client::Error::SftpError(..)) => Err(no_folder(e.to_string())),
        Err(e) => Err(Checked::Dead(failed(spec, &e))),
    }
}

pub(super) fn failed(spec: &RemoteSpec, e: &dyn std::error::Error) -> RemoteError {
    RemoteError::Failed {
        host: spec.host().to_owned(),
        detail: crate::logging::Chain(e).to_string(),
    }
}

/// What ssh's own message says went wrong.
pub(super) fn classify(spec: &RemoteSpec, e: &openssh::Error) -> RemoteError {
    let said = crate::logging::Chain(e).to_string();
    let detail = said
        .lines()
        .map(str::trim)
        .rfind(|l| {
            !l.is_empty() && !l.starts_with('@') && !l.starts_with("Warning: Permanently added")
        })
        .unwrap_or(&said)
        .to_owned();
    let host = spec.host().to_owned();
    let lower = said.to_ascii_lowercase();
    if lower.contains("host key verification failed")
        || lower.contains("remote host identification has changed")
        || lower.contains("no matching host key")
    {
        RemoteError::HostKey { host, detail }
    } else if lower.contains("permission denied")
        || lower.contains("too many authentication failures")
    {
        RemoteError::Auth { host, detail }
    } else if [
        "connection refused",
        "timed out",
        "no route to host",
        "could not resolve hostname",
        "network is unreachable",
        "connection closed",
    ]
    .iter()
    .any(|s| lower.contains(s))
    {
        RemoteError::Unreachable { host, detail }
    } else {
        RemoteError::Failed { host, detail }
    }
}
