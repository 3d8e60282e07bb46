//! Reading the clipboard natively. The Linux webview does not hand a pasted
//! image (or a copied file list) to the page, so when a paste carries no
//! file, the page asks Rust, which reads the system clipboard through GTK.
//! It asks which targets the clipboard offers first (some owners answer
//! every target with the same bytes), takes copied files before pictures
//! (a file manager's copy is the files), and takes a picture only when its
//! bytes decode as one: the raw `image/png` bytes (byte-identical to what
//! was copied), else any image GTK can convert. Must run on the GTK main
//! thread.

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

/// Copied files as GNOME's file managers offer them: `copy` or `cut`, then
/// one URI per line.
const GNOME_FILES: &str = "x-special/gnome-copied-files";

/// Reads the clipboard. Call on the main thread.
pub fn read() -> Clip {
    let clipboard = gtk::Clipboard::get(&gdk::SELECTION_CLIPBOARD);
    let targets: Vec<String> = clipboard
        .wait_for_targets()
        .unwrap_or_default()
        .iter()
        .map(|atom| atom.name().to_string())
        .collect();
    let offers = |target: &str| targets.iter().any(|t| t == target);
    if offers("text/uri-list") || offers(GNOME_FILES) {
        let paths = copied_files(&clipboard, offers(GNOME_FILES));
        if !paths.is_empty() {
            return Clip::Files(paths);
        }
    }
    if offers("image/png")
        && let Some(data) = clipboard.wait_for_contents(&gdk::Atom::intern("image/png"))
    {
        let bytes = data.data();
        if handoff_core::mime::decodes_as_picture(&bytes) {
            return Clip::Image(bytes);
        }
    }
    if targets.iter().any(|t| t.starts_with("image/"))
        && let Some(pixbuf) = clipboard.wait_for_image()
        && let Ok(bytes) = pixbuf.save_to_bufferv("png", &[])
    {
        return Clip::Image(bytes);
    }
    Clip::Nothing
}

/// The local files on the clipboard, from `text/uri-list` or GNOME's list.
fn copied_files(clipboard: &gtk::Clipboard, gnome: bool) -> Vec<PathBuf> {
    let uris: Vec<String> = if gnome {
        clipboard
            .wait_for_contents(&gdk::Atom::intern(GNOME_FILES))
            .map(|data| {
                String::from_utf8_lossy(&data.data())
                    .lines()
                    .filter(|l| l.starts_with("file://"))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        clipboard
            .wait_for_uris()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    uris.iter()
        .filter_map(|uri| handoff_core::file_uri::to_path(uri.trim()))
        .collect()
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

/// Reads the clipboard on the window's thread (GTK wants it there), with
/// the name a picture in it would be saved under.
pub async fn read_on_main_thread(
    app: &tauri::AppHandle,
) -> Result<(Clip, String), handoff_core::api::ApiError> {
    use handoff_core::{ErrorKind, api::ApiError};
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let _ = tx.send((read(), screenshot_name()));
    })
    .map_err(|e| ApiError::new(ErrorKind::ClipboardFailed, e.to_string()))?;
    rx.await.map_err(|_| {
        ApiError::new(
            ErrorKind::ClipboardFailed,
            "the clipboard could not be read",
        )
    })
}

/// Puts `text` on the clipboard (the page cannot once its click's moment
/// has passed, as after a share's upload), kept there after Handoff quits
/// where a clipboard manager runs.
pub async fn write_on_main_thread(
    app: &tauri::AppHandle,
    text: String,
) -> Result<(), handoff_core::api::ApiError> {
    use handoff_core::{ErrorKind, api::ApiError};
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let clipboard = gtk::Clipboard::get(&gdk::SELECTION_CLIPBOARD);
        clipboard.set_text(&text);
        clipboard.store();
        let _ = tx.send(());
    })
    .map_err(|e| ApiError::new(ErrorKind::ClipboardFailed, e.to_string()))?;
    rx.await
        .map_err(|_| ApiError::new(ErrorKind::ClipboardFailed, "the clipboard could not be set"))
}
