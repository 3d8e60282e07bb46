//! What runs in the background while the app is open: the core's live
//! folders (records checked at start, temp uploads expired hourly, uploads
//! folders watched, other processes' writes noticed), each change telling
//! the page to refresh within a quarter of a second.

use handoff_core::api::live_folders::{self, LiveEvent, LiveOptions};
use tauri::{AppHandle, Manager};

use crate::dto::AgentUpdate;
use crate::state::AppState;

/// Starts the background work; it stops with the app.
pub fn start(app: &AppHandle) {
    let handle = app.clone();
    std::thread::spawn(move || {
        let state = handle.state::<AppState>();
        let options = LiveOptions {
            sweep: true,
            ..LiveOptions::default()
        };
        let result = live_folders::run(&state.ctx, &options, &mut |event| match event {
            LiveEvent::Watching(folder) => {
                tracing::info!(folder = %folder.display(), "watching");
            }
            LiveEvent::Disk(handoff_core::watch::WatchEvent::Error { message }) => {
                tracing::warn!(%message, "watching");
            }
            _ => state.notify_all(&AgentUpdate::Changed),
        });
        if let Err(e) = result {
            tracing::error!(error = %e, "the files panel will not follow changes on disk");
        }
    });
}
