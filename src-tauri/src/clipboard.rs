//! Reading the clipboard natively. The Linux webview does not hand a pasted
//! image (or a copied file list) to the page, so when a paste carries no
//! file, the page asks Rust, which reads the system clipboard through GTK:
//! the raw `image/png` bytes first (byte-identical to what was copied),
//! then any image GTK can convert, then copied files (`text/uri-list`).
//! Must run on the GTK main thread.

use std::path::PathBuf;

use gtk::gdk;

/// What the clipboard holds that Handoff can attach.
pub enum Clip {
    /// PNG bytes.
    Image(Vec<u8>),
    /// Files copied in a file manager.
    Files(Vec<PathBuf>),
    /// Nothing to attach.
    Nothing,
}

/// Reads the clipboard. Call on the main thread.
pub fn read() -> Clip {
    let clipboard = gtk::Clipboard::get(&gdk::SELECTION_CLIPBOARD);
    if let Some(data) = clipboard.wait_for_contents(&gdk::Atom::intern("image/png")) {
        let bytes = data.data();
        if !bytes.is_empty() {
            return Clip::Image(bytes);
        }
    }
    if let Some(pixbuf) = clipboard.wait_for_image()
        && let Ok(bytes) = pixbuf.save_to_bufferv("png", &[])
    {
        return Clip::Image(bytes);
    }
    let paths: Vec<PathBuf> = clipboard
        .wait_for_uris()
        .iter()
        .filter_map(|uri| handoff_core::file_uri::to_path(uri))
        .collect();
    if paths.is_empty() {
        Clip::Nothing
    } else {
        Clip::Files(paths)
    }
}

/// `pasted-screenshot-YYYYMMDD-HHMMSS.png`, in local time.
pub fn screenshot_name() -> String {
    let stamp = gtk::glib::DateTime::now_local()
        .and_then(|now| now.format("%Y%m%d-%H%M%S"))
        .map_or_else(
            |_| handoff_core::clock::now().to_string(),
            |s| s.to_string(),
        );
    format!("pasted-screenshot-{stamp}.png")
}
