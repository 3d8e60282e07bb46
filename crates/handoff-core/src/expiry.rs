//! Temp uploads expire: their files are deleted and their records marked
//! `expired`, at start-up and then on a timer.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::{self, Timestamp};
use crate::store::{FileRecord, FileStatus, StatusChange, Store, StoreError};

/// How often the background sweep runs.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes the files of temp uploads due by `now` and marks them expired;
/// returns the records as they were before.
pub fn expire(store: &mut Store, now: Timestamp) -> Result<Vec<FileRecord>, StoreError> {
    let due = store.files().due_to_expire(now)?;
    let mut changes = Vec::with_capacity(due.len());
    for record in &due {
        match std::fs::remove_file(&record.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // Not removable now: try again on the next sweep.
            Err(_) => continue,
        }
        changes.push(StatusChange {
            id: record.id,
            status: FileStatus::Expired,
            mtime_ns: None,
        });
    }
    store.files().set_status(&changes, now)?;
    let expired: std::collections::HashSet<i64> = changes.iter().map(|c| c.id).collect();
    Ok(due
        .into_iter()
        .filter(|r| expired.contains(&r.id))
        .collect())
}

/// A background thread that runs [`expire`] every `interval` on its own
/// connection, until dropped.
pub struct Sweeper {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sweeper {
    /// Starts sweeping now and every `interval` with `store` (a connection
    /// of its own); `on_expired` hears about each non-empty sweep.
    pub fn spawn(
        mut store: Store,
        interval: Duration,
        on_expired: impl Fn(Vec<FileRecord>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("handoff-expiry".to_owned())
            .spawn(move || {
                loop {
                    if let Ok(records) = expire(&mut store, clock::now())
                        && !records.is_empty()
                    {
                        on_expired(records);
                    }
                    match stopped.recv_timeout(interval) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the expiry sweeper's thread panicked");
        }
    }
}
