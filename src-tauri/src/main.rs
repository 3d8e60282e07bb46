//! Handoff's desktop app. The same executable also serves the helper
//! processes agents need (`demo-agent`, `mcp`, `agent-exec`), so the app is
//! complete on its own; those are handled before any window exists.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // A file over `ulimit -f` fails alone instead of killing the app.
    handoff_core::process::ignore_file_size_signal();
    // Connections to the publish servers, agents and watched folders each
    // hold files: the most the system allows, not the usual 1,024.
    handoff_core::process::raise_open_files_limit();
    if let Some(code) = handoff_app::helper::run_from_args() {
        std::process::exit(code);
    }
    handoff_app::run();
}
