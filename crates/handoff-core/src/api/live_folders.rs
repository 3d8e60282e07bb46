//! Keeping the records true while a shell runs: the records are checked
//! against the disk at start (unfinished writes settled), every uploads
//! folder is watched (a new worktree's as soon as it has one), and writes
//! to the database by any process (the app, the CLI, an agent's publish
//! server, the watcher) are noticed within a quarter of a second.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{ApiError, Context};
use crate::expiry::{SWEEP_EVERY, Sweeper};
use crate::watch::{DEBOUNCE, WatchEvent, Watcher};
use crate::{clock, reconcile};

/// How often the database is checked for other processes' writes.
pub const POLL: Duration = Duration::from_millis(250);

/// What the live folders report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// An uploads folder is now watched.
    Watching(PathBuf),
    /// The watcher saw a change on disk (a status change is already saved).
    Disk(WatchEvent),
    /// Files already in a newly watched folder that no record follows.
    FoundUntracked(Vec<PathBuf>),
    /// Another write reached the database.
    DatabaseChanged,
}

/// How the live folders run.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Also expire temp uploads now and every hour (the app does; a CLI
    /// watching leaves that to `handoff gc`).
    pub sweep: bool,
    /// Set to stop (checked every [`POLL`]).
    pub stop: Arc<AtomicBool>,
}

/// Runs until `options.stop` is set, reporting to `on_event` (blocking: run
/// it on a thread of its own). Fails only when it cannot start.
pub fn run(
    ctx: &Context,
    options: &LiveOptions,
    on_event: &mut dyn FnMut(LiveEvent),
) -> Result<(), ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let folders = reconcile::upload_folders(&mut store, &ctx.roots, &settings)?;
    if let Err(e) = reconcile::reconcile(&mut store, &folders, clock::now()) {
        tracing::warn!(error = %e, "checking the records against the disk failed");
    }
    let _sweeper = if options.sweep {
        Some(
            Sweeper::spawn(ctx.store()?, SWEEP_EVERY, |_| {}).map_err(|e| {
                ApiError::new(
                    crate::ErrorKind::Internal,
                    format!("cannot start expiring temp uploads: {e}"),
                )
            })?,
        )
    } else {
        None
    };
    let (mut watcher, events) = Watcher::start(ctx.store()?, &[], DEBOUNCE)
        .map_err(|e| ApiError::new(crate::ErrorKind::Internal, e.to_string()))?;
    let mut known: HashSet<PathBuf> = HashSet::new();
    let mut known_made: HashSet<PathBuf> = HashSet::new();
    let mut version = store.data_version()?;
    // Made files are recorded through the database: their folders are
    // looked for again whenever it changed.
    let mut made_checked = None;
    let mut shares_swept: Option<std::time::Instant> = None;
    while !options.stop.load(Ordering::Relaxed) {
        if options.sweep && shares_swept.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
            shares_swept = Some(std::time::Instant::now());
            sweep_shares(ctx);
        }
        watch_new_folders(ctx, &mut store, &mut watcher, &mut known, on_event);
        if made_checked != Some(version) {
            made_checked = Some(version);
            watch_made_folders(&mut store, &mut watcher, &mut known_made, on_event);
        }
        std::thread::sleep(POLL);
        for event in events.try_iter() {
            on_event(LiveEvent::Disk(event));
        }
        match store.data_version() {
            Ok(now) if now != version => {
                version = now;
                on_event(LiveEvent::DatabaseChanged);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the database's version"),
        }
    }
    Ok(())
}

/// Deletes the objects of expired share links and aborts the uploads
/// killed shares left, on a thread of its own (the storage may be slow to
/// answer, or not answer).
fn sweep_shares(ctx: &Context) {
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name("handoff-shares".to_owned())
        .spawn(move || match super::shares::sweep(&ctx) {
            Ok(swept) if swept == crate::share::Swept::default() => {}
            Ok(swept) => tracing::info!(
                deleted = swept.objects,
                aborted = swept.uploads,
                "expired shares and unfinished uploads removed from the storage"
            ),
            Err(e) => tracing::warn!(error = %e, "the storage was not swept; next time"),
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot sweep expired shares");
    }
}

/// The most folders of made files watched at once (each costs one inotify
/// watch; the kernel's default allows some eight thousand per user).
const MOST_MADE_FOLDERS: usize = 2_000;

/// Watches the folders of made files that appeared since the last look,
/// then checks those files (a change between their record and the watch is
/// seen by one or the other).
fn watch_made_folders(
    store: &mut crate::Store,
    watcher: &mut Watcher,
    known: &mut HashSet<PathBuf>,
    on_event: &mut dyn FnMut(LiveEvent),
) {
    let folders = match store.files().made_folders() {
        Ok(folders) => folders,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the folders of made files");
            return;
        }
    };
    for folder in folders {
        if known.len() >= MOST_MADE_FOLDERS {
            tracing::warn!(
                most = MOST_MADE_FOLDERS,
                "not watching more folders of made files"
            );
            return;
        }
        if known.contains(&folder) {
            continue;
        }
        if let Err(e) = watcher.add_made(&folder) {
            // A folder that is gone: its files' records say so at the next check.
            tracing::debug!(folder = %folder.display(), error = %e, "cannot watch");
            continue;
        }
        known.insert(folder.clone());
        match reconcile::check_in(store, &folder, clock::now()) {
            Ok(changes) => {
                for change in changes {
                    on_event(LiveEvent::Disk(WatchEvent::StatusChanged(change)));
                }
            }
            Err(e) => {
                tracing::warn!(folder = %folder.display(), error = %e, "checking made files failed");
            }
        }
    }
}

/// Watches uploads folders that appeared since the last look, and reports
/// what was already in them with no record.
fn watch_new_folders(
    ctx: &Context,
    store: &mut crate::Store,
    watcher: &mut Watcher,
    known: &mut HashSet<PathBuf>,
    on_event: &mut dyn FnMut(LiveEvent),
) {
    let settings = store.settings().load().unwrap_or_default();
    let folders = match reconcile::upload_folders(store, &ctx.roots, &settings) {
        Ok(folders) => folders,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the uploads folders");
            return;
        }
    };
    let new: Vec<PathBuf> = folders.into_iter().filter(|f| !known.contains(f)).collect();
    if new.is_empty() {
        return;
    }
    let mut watching = Vec::new();
    for folder in new {
        match watcher.add(&folder) {
            Ok(()) => {
                known.insert(folder.clone());
                watching.push(folder);
            }
            Err(e) => tracing::warn!(folder = %folder.display(), error = %e, "cannot watch"),
        }
    }
    // Watched first, then checked: a change in between is seen by one or
    // the other, and reported before the folder is said to be watched.
    match reconcile::reconcile(store, &watching, clock::now()) {
        Ok(report) => {
            for change in report.changed {
                on_event(LiveEvent::Disk(WatchEvent::StatusChanged(change)));
            }
            if !report.untracked.is_empty() {
                on_event(LiveEvent::FoundUntracked(report.untracked));
            }
        }
        Err(e) => tracing::warn!(error = %e, "checking new uploads folders failed"),
    }
    for folder in watching {
        on_event(LiveEvent::Watching(folder));
    }
}
