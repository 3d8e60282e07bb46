//! Watching uploads folders live: when the agent (or anyone) moves, edits or
//! deletes an uploaded file, the record follows within a fraction of a
//! second and a [`WatchEvent`] tells the subscriber. The folders of a
//! worktree holding files an agent made are watched too (each on its own),
//! so a made file that goes or changes is followed the same way.
//!
//! File-system events are collected until the folders have been quiet for
//! the debounce time (or a ceiling is reached during a storm), then the
//! touched paths are checked against the store in one transaction: a
//! thousand deletions cost one pass, not a thousand.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use serde::Serialize;

use crate::clock;
use crate::reconcile::{self, Change};
use crate::store::{StatusChange, Store, StoreError};

/// How long the folders must be quiet before changes are processed.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum WatchEvent {
    /// A record's status changed (already saved to the store).
    StatusChanged(Change),
    /// A file appeared in an uploads folder that no record follows.
    Untracked {
        /// The file.
        path: PathBuf,
    },
    /// Watching or updating failed; watching goes on.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The operating system's watcher refused.
    #[error("cannot watch {path}: {source}")]
    Notify {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
    /// The watcher's thread could not start.
    #[error("cannot start the watcher: {0}")]
    Thread(#[from] std::io::Error),
}

/// Watches uploads folders (and the folders of files agents made) until
/// dropped.
pub struct Watcher {
    notify: RecommendedWatcher,
    thread: Option<JoinHandle<()>>,
    /// Folders whose files with no record are not reported: a worktree's
    /// folders, watched for the files agents made in them.
    quiet: Quiet,
}

/// Folders whose unrecorded files are the worktree's own.
type Quiet = Arc<Mutex<HashSet<PathBuf>>>;

impl Watcher {
    /// Starts watching `folders` (recursively), updating the records in
    /// `store` (a connection of its own); events arrive on the receiver.
    pub fn start(
        store: Store,
        folders: &[PathBuf],
        debounce: Duration,
    ) -> Result<(Self, Receiver<WatchEvent>), WatchError> {
        let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<notify::Event>>();
        let (tx, rx) = mpsc::channel();
        let quiet = Quiet::default();
        let heard_quiet = Arc::clone(&quiet);
        let notify = notify::recommended_watcher(raw_tx).map_err(|source| WatchError::Notify {
            path: folders.first().cloned().unwrap_or_default(),
            source,
        })?;
        let thread = std::thread::Builder::new()
            .name("handoff-watch".to_owned())
            .spawn(move || run(store, &raw_rx, &tx, debounce, &heard_quiet))?;
        let mut watcher = Self {
            notify,
            thread: Some(thread),
            quiet,
        };
        for folder in folders {
            watcher.add(folder)?;
        }
        Ok((watcher, rx))
    }

    /// Watches the files an agent made in `folder` of a worktree (not its
    /// subfolders; its other files are not reported).
    pub fn add_made(&mut self, folder: &Path) -> Result<(), WatchError> {
        self.quiet
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(folder.to_owned());
        self.notify
            .watch(folder, RecursiveMode::NonRecursive)
            .map_err(|source| WatchError::Notify {
                path: folder.to_owned(),
                source,
            })
    }

    /// Watches one more folder (a new worktree's uploads folder, say).
    pub fn add(&mut self, folder: &Path) -> Result<(), WatchError> {
        self.notify
            .watch(folder, RecursiveMode::Recursive)
            .map_err(|source| WatchError::Notify {
                path: folder.to_owned(),
                source,
            })
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        // Replacing the OS watcher drops its sender, which ends the thread.
        if let Ok(idle) = notify::recommended_watcher(|_| {}) {
            drop(std::mem::replace(&mut self.notify, idle));
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the watcher's thread panicked");
        }
    }
}

fn run(
    mut store: Store,
    raw: &Receiver<notify::Result<notify::Event>>,
    tx: &Sender<WatchEvent>,
    debounce: Duration,
    quiet: &Mutex<HashSet<PathBuf>>,
) {
    let ceiling = debounce * 5;
    while let Ok(first) = raw.recv() {
        let mut paths = BTreeSet::new();
        collect(first, &mut paths, tx);
        let started = Instant::now();
        loop {
            let left = ceiling.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            match raw.recv_timeout(debounce.min(left)) {
                Ok(event) => collect(event, &mut paths, tx),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let quiet = quiet.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Err(e) = process(&mut store, &paths, tx, &quiet) {
            let _ = tx.send(WatchEvent::Error {
                message: e.to_string(),
            });
        }
    }
}

fn collect(
    event: notify::Result<notify::Event>,
    paths: &mut BTreeSet<PathBuf>,
    tx: &Sender<WatchEvent>,
) {
    match event {
        Ok(event) if !event.kind.is_access() => paths.extend(event.paths),
        Ok(_) => {}
        Err(e) => {
            let _ = tx.send(WatchEvent::Error {
                message: e.to_string(),
            });
        }
    }
}

/// Checks the records at or below each touched path; reports untracked
/// files that appeared in uploads folders.
fn process(
    store: &mut Store,
    paths: &BTreeSet<PathBuf>,
    tx: &Sender<WatchEvent>,
    quiet: &HashSet<PathBuf>,
) -> Result<(), StoreError> {
    let mut updates = Vec::new();
    let mut events = Vec::new();
    let mut files = store.files();
    for path in paths {
        let records = files.live_under(path)?;
        let is_file = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        let worktree_own = path.parent().is_some_and(|folder| quiet.contains(folder));
        if records.is_empty()
            && is_file
            && !worktree_own
            && !reconcile::is_temp_file(path)
            && !is_gitignore(path)
        {
            events.push(WatchEvent::Untracked { path: path.clone() });
        }
        for record in records {
            if let Some((status, mtime_ns)) = reconcile::check(&record) {
                updates.push(StatusChange {
                    id: record.id,
                    status,
                    mtime_ns,
                });
                if status != record.status {
                    events.push(WatchEvent::StatusChanged(Change {
                        id: record.id,
                        path: record.path,
                        from: record.status,
                        to: status,
                    }));
                }
            }
        }
    }
    files.set_status(&updates, clock::now())?;
    for event in events {
        if tx.send(event).is_err() {
            break;
        }
    }
    Ok(())
}

fn is_gitignore(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == ".gitignore")
}
