//! What runs in the background while the app is open: at start, the records
//! are checked against the disk (and unfinished writes removed); temp
//! uploads expire at start and hourly; the uploads folders are watched, and
//! any write to the database (by the app, the CLI, an agent's publish
//! server, or the watcher) tells the page to refresh, within a quarter of a
//! second.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use handoff_core::expiry::{SWEEP_EVERY, Sweeper};
use handoff_core::watch::{DEBOUNCE, WatchEvent, Watcher};
use handoff_core::{Store, clock, reconcile};
use tauri::{AppHandle, Manager};

use crate::dto::AgentUpdate;
use crate::state::AppState;

/// How often the database is checked for other processes' writes.
const POLL: Duration = Duration::from_millis(250);

/// Starts the background work; it stops with the app.
pub fn start(app: &AppHandle) {
    let handle = app.clone();
    std::thread::spawn(move || {
        let state = handle.state::<AppState>();
        let open = || Store::open_home(&state.home).ok();
        let Some(mut store) = open() else { return };
        if let Ok(settings) = store.settings().load()
            && let Ok(folders) = reconcile::upload_folders(&mut store, &state.roots, &settings)
        {
            let _ = reconcile::reconcile(&mut store, &folders, clock::now());
        }
        // The sweep expires due temp uploads now, then every hour.
        if let Ok(sweeper) = Sweeper::spawn(store, SWEEP_EVERY, |_| {}) {
            handle.manage(sweeper);
        }
        let (Some(mut poll), Some(watcher_store)) = (open(), open()) else {
            return;
        };
        let Ok((mut watcher, events)) = Watcher::start(watcher_store, &[], DEBOUNCE) else {
            return;
        };
        let mut known_folders: HashSet<PathBuf> = HashSet::new();
        let mut version = poll.data_version().unwrap_or_default();
        loop {
            // A new worktree's uploads folder appears with its first upload:
            // watch it, and catch up on what happened there before.
            let settings = poll.settings().load().unwrap_or_default();
            let folders =
                reconcile::upload_folders(&mut poll, &state.roots, &settings).unwrap_or_default();
            let new: Vec<PathBuf> = folders
                .into_iter()
                .filter(|f| !known_folders.contains(f))
                .collect();
            if !new.is_empty() {
                for folder in &new {
                    if watcher.add(folder).is_ok() {
                        known_folders.insert(folder.clone());
                    }
                }
                // Files already there with no record show in the panel.
                if reconcile::reconcile(&mut poll, &new, clock::now())
                    .is_ok_and(|report| !report.untracked.is_empty())
                {
                    state.notify_all(&AgentUpdate::Changed);
                }
            }
            std::thread::sleep(POLL);
            // Status changes show up in the data version; a file with no
            // record only as an event.
            let untracked = events
                .try_iter()
                .filter(|e| matches!(e, WatchEvent::Untracked { .. }))
                .count();
            let now = poll.data_version().unwrap_or(version);
            if now != version || untracked > 0 {
                version = now;
                state.notify_all(&AgentUpdate::Changed);
            }
        }
    });
}
