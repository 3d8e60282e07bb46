//! What the e2e build adds for its driver, and nothing else has: the
//! window may emit events (the tests drop real paths by emitting Tauri's
//! drag-drop event). Built only with the `e2e` feature.

/// Grants the e2e capability to the main window.
pub fn grant(app: &tauri::App) -> tauri::Result<()> {
    tauri::Manager::add_capability(app, include_str!("../e2e/capability.json"))
}
