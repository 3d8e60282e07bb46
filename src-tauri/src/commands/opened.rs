//! Files the app is asked to open: on its command line, or by a second
//! launch ("Open with Handoff" in a file manager). The window comes to the
//! front and the page offers them for upload.

use std::path::PathBuf;

use tauri::{AppHandle, Emitter, Manager, State};

use crate::state::AppState;
use handoff_core::logging::OrLog as _;

/// The event that tells the page files are waiting (`take_opened_paths`).
pub const OPENED_EVENT: &str = "handoff://opened";

/// A second launch handed over `paths`: keep them, bring the window to the
/// front, and tell the page.
pub fn arrived(app: &AppHandle, paths: Vec<PathBuf>) {
    app.state::<AppState>().offer_opened(paths);
    if let Some(window) = app.get_webview_window("main") {
        window.unminimize().or_log("unminimizing the window");
        window.show().or_log("showing the window");
        window
            .set_focus()
            .or_log("bringing the window to the front");
    }
    app.emit(OPENED_EVENT, ())
        .or_log("telling the page of opened files");
}

/// The files and folders waiting to be offered for upload; each is handed
/// out once.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn take_opened_paths(state: State<'_, AppState>) -> Vec<String> {
    std::mem::take(
        &mut *state
            .opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_iter()
    .map(|p| p.display().to_string())
    .collect()
}
