//! Files the app is asked to open: on its command line, or by a second
//! launch ("Open with Handoff" in a file manager). The window comes to the
//! front and the page offers them for upload.

use std::path::PathBuf;

use tauri::{AppHandle, Emitter, Manager, State};

use crate::state::AppState;

/// The event that tells the page files are waiting (`take_opened_paths`).
pub const OPENED_EVENT: &str = "handoff://opened";

/// A second launch handed over `paths`: keep them, bring the window to the
/// front, and tell the page.
pub fn arrived(app: &AppHandle, paths: Vec<PathBuf>) {
    app.state::<AppState>().offer_opened(paths);
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    let _ = app.emit(OPENED_EVENT, ());
}

/// The files and folders waiting to be offered for upload; each is handed
/// out once.
#[tauri::command]
#[specta::specta]
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
