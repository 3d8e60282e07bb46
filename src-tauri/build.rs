//! Builds the Tauri context (config, icons, capabilities) at compile time.

fn main() {
    tauri_build::build();
}
