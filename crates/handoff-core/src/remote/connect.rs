//! Connecting: one master per remote, SFTP over it, and SSH's own words
//! turned into what a person can do about them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use openssh::{KnownHosts, Session, SessionBuilder};
use openssh_sftp_client::{Sftp, SftpOptions};

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

/// A connection to a remote worktree's machine, checked to hold the folder.
pub struct Remote {
    spec: RemoteSpec,
    session: Arc<Session>,
    sftp: Sftp,
}

impl Remote {
    /// Connects to `spec`'s machine (its host key checked strictly against
    /// `known_hosts`, never asking anything) and checks that the worktree
    /// is a folder there.
    pub async fn connect(spec: &RemoteSpec, options: &ConnectOptions) -> Result<Self, RemoteError> {
        let mut builder = SessionBuilder::default();
        builder
            .known_hosts_check(KnownHosts::Strict)
            .connect_timeout(options.timeout)
            .server_alive_interval(Duration::from_secs(15))
            .control_directory(&options.control_dir);
        if let Some(config) = &options.ssh_config {
            builder.config_file(config);
        }
        let session = builder
            .connect_mux(&spec.destination)
            .await
            .map_err(|e| classify(spec, &e))?;
        let session = Arc::new(session);
        let sftp = Sftp::from_clonable_session(Arc::clone(&session), sftp_options())
            .await
            .map_err(|e| failed(spec, &e))?;
        let remote = Self {
            spec: spec.clone(),
            session,
            sftp,
        };
        match remote.check_folder(&spec.path).await {
            Ok(()) => Ok(remote),
            Err(e) => {
                // No master is left running for a worktree that is not there.
                if let Err(closing) = remote.close().await {
                    tracing::warn!(error = %closing, "closing the connection failed");
                }
                Err(e)
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
        &self.sftp
    }

    /// The SSH connection (to run commands through the same master).
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    async fn check_folder(&self, path: &Path) -> Result<(), RemoteError> {
        let no_folder = |detail: String| RemoteError::NoFolder {
            host: self.spec.host().to_owned(),
            path: path.to_owned(),
            detail,
        };
        let meta = self
            .sftp
            .fs()
            .metadata(path)
            .await
            .map_err(|e| no_folder(e.to_string()))?;
        if meta.file_type().is_some_and(|t| t.is_dir()) {
            Ok(())
        } else {
            Err(no_folder("it is a file".to_owned()))
        }
    }

    /// Ends SFTP and the master.
    pub async fn close(self) -> Result<(), RemoteError> {
        let Self {
            spec,
            session,
            sftp,
        } = self;
        sftp.close().await.map_err(|e| failed(&spec, &e))?;
        if let Ok(session) = Arc::try_unwrap(session) {
            session.close().await.map_err(|e| failed(&spec, &e))?;
        }
        Ok(())
    }
}

/// SFTP tuned for large files: up to 8 MiB of writes in flight per file
/// (the default, 640 KiB, leaves the link idle between round trips).
fn sftp_options() -> SftpOptions {
    SftpOptions::new().tokio_compat_file_write_limit(
        std::num::NonZeroUsize::new(8 << 20).unwrap_or(std::num::NonZeroUsize::MIN),
    )
}

fn failed(spec: &RemoteSpec, e: &dyn std::error::Error) -> RemoteError {
    RemoteError::Failed {
        host: spec.host().to_owned(),
        detail: chain(e),
    }
}

/// The error and its causes, one sentence.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(said.trim());
        }
        source = cause.source();
    }
    text
}

/// What ssh's own message says went wrong.
fn classify(spec: &RemoteSpec, e: &openssh::Error) -> RemoteError {
    let said = chain(e);
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
