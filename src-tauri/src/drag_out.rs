//! Dragging a file out of the window as the file itself. The webview's own
//! drag of an element hands other apps a link or some text; this starts a
//! GTK drag of the window that offers `text/uri-list` with the file's
//! `file://` URI, what file managers, browsers and chat apps take as a file.
//!
//! The page starts it from the element's `dragstart` (which it cancels, so
//! the webview drags nothing of its own) while the pointer's button is held.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use gtk::gdk;
use gtk::glib::SignalHandlerId;
use gtk::prelude::*;
use handoff_core::ErrorKind;
use handoff_core::api::ApiError;
use tauri::WebviewWindow;

/// Starts dragging `path` out of `window`, if the pointer's first button is
/// still held (a file fetched from a remote worktree may arrive after the
/// person let go: then nothing is dragged, and the caller says so).
pub async fn start(window: &WebviewWindow, path: PathBuf) -> Result<(), ApiError> {
    let uri = handoff_core::file_uri::from_path(&path);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let shown = window.clone();
    window
        .run_on_main_thread(move || {
            let started = shown
                .gtk_window()
                .map_err(|e| ApiError::new(ErrorKind::Internal, format!("no window: {e}")))
                .and_then(|gtk_window| begin(&gtk_window, uri));
            tx.send(started).ok();
        })
        .map_err(|e| ApiError::new(ErrorKind::Internal, format!("no window thread: {e}")))?;
    rx.await.map_err(|_| {
        ApiError::new(
            ErrorKind::Internal,
            "the window's thread did not start the drag",
        )
    })?
}

/// Begins the GTK drag on the window's thread; the handlers it adds are
/// removed when the drag ends (dropped, refused or cancelled).
fn begin(window: &gtk::ApplicationWindow, uri: String) -> Result<(), ApiError> {
    if !button_held(window) {
        return Err(ApiError::invalid(
            "The button was let go before the file was ready: drag it again",
        ));
    }
    let targets = gtk::TargetList::new(&[]);
    targets.add_uri_targets(0);
    let handlers: Handlers = Rc::default();
    handlers
        .borrow_mut()
        .push(window.connect_drag_data_get(move |_, _, data, _, _| {
            if !data.set_uris(&[uri.as_str()]) {
                tracing::warn!(uri, "the drop target took no file URI");
            }
        }));
    let on_end = Rc::clone(&handlers);
    handlers
        .borrow_mut()
        .push(window.connect_drag_end(move |window, _| disconnect(window, &on_end)));
    let started =
        window.drag_begin_with_coordinates(&targets, gdk::DragAction::COPY, 1, None, -1, -1);
    if started.is_none() {
        disconnect(window, &handlers);
        return Err(ApiError::new(
            ErrorKind::Internal,
            "GTK did not start the drag",
        ));
    }
    Ok(())
}

/// The signal handlers one drag added to the window.
type Handlers = Rc<RefCell<Vec<SignalHandlerId>>>;

fn disconnect(window: &gtk::ApplicationWindow, handlers: &Handlers) {
    for id in handlers.borrow_mut().drain(..) {
        window.disconnect(id);
    }
}

/// Whether the pointer's first button is down now.
fn button_held(window: &gtk::ApplicationWindow) -> bool {
    let Some(pointer) = WidgetExt::display(window)
        .default_seat()
        .and_then(|seat| seat.pointer())
    else {
        return false;
    };
    let Some(root) = GtkWindowExt::screen(window).and_then(|screen| screen.root_window()) else {
        return false;
    };
    let (_, _, _, mask) = root.device_position(&pointer);
    mask.contains(gdk::ModifierType::BUTTON1_MASK)
}
