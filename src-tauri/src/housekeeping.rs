//! What runs in the background while the app is open: at start, the records
//! are checked against the disk (and unfinished writes removed); temp
//! uploads expire at start and hourly.

use handoff_core::expiry::{SWEEP_EVERY, Sweeper};
use handoff_core::{Store, clock, reconcile};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// Starts the start-up check and the expiry sweep (kept in the app's state,
/// so it stops with the app).
pub fn start(app: &AppHandle) {
    let handle = app.clone();
    std::thread::spawn(move || {
        let state = handle.state::<AppState>();
        let Ok(mut store) = Store::open_home(&state.home) else {
            return;
        };
        if let Ok(settings) = store.settings().load()
            && let Ok(folders) = reconcile::upload_folders(&mut store, &state.roots, &settings)
        {
            let _ = reconcile::reconcile(&mut store, &folders, clock::now());
        }
        // The sweep expires due temp uploads now, then every hour.
        if let Ok(sweeper) = Sweeper::spawn(store, SWEEP_EVERY, |_| {}) {
            handle.manage(sweeper);
        }
    });
}
