//! An empty Tauri 2 window on the same WebKitGTK as the app: the baseline
//! `make bench` weighs the app's idle memory against (B7).

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!(
            "examples/empty_window/tauri.conf.json"
        ))
        .unwrap_or_else(|e| {
            eprintln!("empty window: {e}");
            std::process::exit(1);
        });
}
