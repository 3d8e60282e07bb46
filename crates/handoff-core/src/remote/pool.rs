//! One SSH connection per remote machine, kept while Handoff runs: the
//! first operation on a host opens a multiplexed master and an SFTP channel
//! over it, every later one (uploads, the files panel's checks, thumbnails,
//! publish fetches, the agent's own `ssh`) goes through them. A connection
//! found dead is dropped and the next operation opens a new one.
//!
//! The connections live on the process's network runtime
//! ([`crate::runtime`]), so they outlast the callers' runtimes.
//! [`close_all`] ends them when Handoff quits; a master whose Handoff was
//! killed ends by itself seconds after (its SFTP channel, open as long as
//! Handoff holds the connection, closes with Handoff's end of it).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use openssh::{ControlPersist, KnownHosts, Session, SessionBuilder};
use openssh_sftp_client::{Sftp, SftpOptions};

use super::connect::{classify, failed};
use super::{ConnectOptions, RemoteError, RemoteSpec};

/// How long a master outlives its last channel when nobody closes it
/// (long enough for the SFTP channel to open after it starts).
const ORPHAN_GRACE_SECS: usize = 5;

/// How many commands Handoff's own work runs at once over one master
/// (held folders, reads, deletes): OpenSSH serves ten channels per
/// connection unless told otherwise, and SFTP and the agents' own `ssh`
/// need theirs.
pub(crate) const COMMANDS_AT_ONCE: usize = 4;

/// A master connection and the SFTP channel over it.
pub(crate) struct Link {
    pub(crate) session: Arc<Session>,
    pub(crate) sftp: Sftp,
    /// Turns for commands run over it (see [`COMMANDS_AT_ONCE`]).
    pub(crate) commands: Arc<tokio::sync::Semaphore>,
}

/// Which connection serves a worktree: its destination, as reached with
/// which SSH config.
type Key = (String, Option<PathBuf>);

type Slot = Arc<tokio::sync::Mutex<Option<Arc<Link>>>>;

#[derive(Default)]
struct Pool {
    slots: Mutex<HashMap<Key, Slot>>,
}

static POOL: OnceLock<Pool> = OnceLock::new();

fn runtime() -> Result<&'static tokio::runtime::Runtime, RemoteError> {
    crate::runtime::get().map_err(|e| RemoteError::Failed {
        host: "this machine".to_owned(),
        detail: e.to_string(),
    })
}

impl Pool {
    fn slot(&self, key: Key) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(key).or_default())
    }
}

fn key(spec: &RemoteSpec, options: &ConnectOptions) -> Key {
    (spec.destination.clone(), options.ssh_config.clone())
}

/// Runs `work` to completion from blocking code, on the connections'
/// runtime (so what it opens outlives it).
pub fn block_on<T, E: From<RemoteError>>(work: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    runtime()?.handle().block_on(work)
}

/// Runs `work` on the connections' runtime, from any runtime or none.
pub(crate) fn spawn(work: impl Future<Output = ()> + Send + 'static) {
    match runtime() {
        Ok(runtime) => drop(runtime.spawn(work)),
        Err(e) => tracing::warn!(error = %e, "cannot run SSH work"),
    }
}

/// The connection to `spec`'s machine: the kept one, or a new one.
pub(crate) async fn link(
    spec: &RemoteSpec,
    options: &ConnectOptions,
) -> Result<Arc<Link>, RemoteError> {
    let slot = POOL.get_or_init(Pool::default).slot(key(spec, options));
    let mut held = slot.lock().await;
    if let Some(link) = held.as_ref() {
        return Ok(Arc::clone(link));
    }
    let (spec, options) = (spec.clone(), options.clone());
    let host = spec.host().to_owned();
    let link = runtime()?
        .spawn(async move { open(&spec, &options).await })
        .await
        .map_err(|e| RemoteError::Failed {
            host,
            detail: format!("connecting stopped: {e}"),
        })??;
    let link = Arc::new(link);
    *held = Some(Arc::clone(&link));
    Ok(link)
}

/// Drops `link` from the pool (it was found dead) and ends it.
pub(crate) async fn forget(spec: &RemoteSpec, options: &ConnectOptions, link: Arc<Link>) {
    let slot = POOL.get_or_init(Pool::default).slot(key(spec, options));
    let mut held = slot.lock().await;
    if held.as_ref().is_some_and(|kept| Arc::ptr_eq(kept, &link)) {
        *held = None;
    }
    drop(held);
    spawn(close(link));
}

/// Ends the kept connection to `spec`'s machine, if there is one (a
/// channel still in use, such as a running agent's, ends with it).
pub async fn disconnect(spec: &RemoteSpec, options: &ConnectOptions) {
    let slot = POOL.get_or_init(Pool::default).slot(key(spec, options));
    let link = slot.lock().await.take();
    if let Some(link) = link {
        let (done, ended) = tokio::sync::oneshot::channel();
        spawn(async move {
            close(link).await;
            let _ = done.send(());
        });
        let _ = ended.await;
    }
}

/// Ends every kept connection (when Handoff quits). Call it from blocking
/// code.
pub fn close_all() {
    let (Some(pool), Some(runtime)) = (POOL.get(), crate::runtime::started()) else {
        return;
    };
    let slots: Vec<Slot> = pool
        .slots
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .drain()
        .map(|(_, slot)| slot)
        .collect();
    runtime.block_on(async {
        for slot in slots {
            let link = slot.lock().await.take();
            if let Some(link) = link {
                close(link).await;
            }
        }
    });
}

/// Opens the master and its SFTP channel.
async fn open(spec: &RemoteSpec, options: &ConnectOptions) -> Result<Link, RemoteError> {
    let mut builder = SessionBuilder::default();
    builder
        .known_hosts_check(KnownHosts::Strict)
        .connect_timeout(options.timeout)
        .server_alive_interval(Duration::from_secs(15))
        .control_persist(ControlPersist::IdleFor(
            NonZeroUsize::new(ORPHAN_GRACE_SECS).unwrap_or(NonZeroUsize::MIN),
        ))
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
    Ok(Link {
        session,
        sftp,
        commands: Arc::new(tokio::sync::Semaphore::new(COMMANDS_AT_ONCE)),
    })
}

/// Ends SFTP and the master: in order when nobody else holds the
/// connection, else by asking the master to exit.
async fn close(link: Arc<Link>) {
    match Arc::try_unwrap(link) {
        Ok(Link { session, sftp, .. }) => {
            if let Err(e) = sftp.close().await {
                tracing::debug!(error = %e, "closing SFTP failed");
            }
            match Arc::try_unwrap(session) {
                Ok(session) => {
                    if let Err(e) = session.close().await {
                        tracing::debug!(error = %e, "closing the SSH master failed");
                    }
                }
                Err(session) => exit_master(&session).await,
            }
        }
        Err(shared) => exit_master(&shared.session).await,
    }
}

/// `ssh -O exit` to the master behind `session`.
async fn exit_master(session: &Session) {
    let asked = tokio::process::Command::new("ssh")
        .args(["-F", "/dev/null", "-O", "exit", "-S"])
        .arg(session.control_socket())
        .arg("handoff")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await;
    if let Err(e) = asked {
        tracing::debug!(error = %e, "asking the SSH master to exit failed");
    }
}

/// SFTP tuned for large files: up to 8 MiB of writes in flight per file
/// (the default, 640 KiB, leaves the link idle between round trips).
fn sftp_options() -> SftpOptions {
    SftpOptions::new()
        .tokio_compat_file_write_limit(NonZeroUsize::new(8 << 20).unwrap_or(NonZeroUsize::MIN))
}
