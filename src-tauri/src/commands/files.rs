//! The files panel: every file that moved, and what can be done with one.

use handoff_core::remove::{self, Removal};
use handoff_core::store::FileQuery;
use handoff_core::{FileRecord, clock, naming, untracked};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;

use crate::dto::{FileInfo, FilePreview, UntrackedFile};
use crate::error::IpcError;
use crate::state::AppState;

/// The files of a session, or of its whole worktree, newest first (async:
/// a long list is read off the window's thread).
#[tauri::command]
#[specta::specta]
pub async fn list_files(
    state: State<'_, AppState>,
    session_id: i64,
    whole_worktree: bool,
) -> Result<Vec<FileInfo>, IpcError> {
    let mut store = state.store()?;
    let session = store.sessions().get(session_id)?;
    let query = if whole_worktree {
        FileQuery {
            worktree_id: Some(session.worktree_id),
            ..FileQuery::default()
        }
    } else {
        FileQuery {
            session_id: Some(session_id),
            ..FileQuery::default()
        }
    };
    Ok(store
        .files()
        .list(&query)?
        .iter()
        .map(FileInfo::from)
        .collect())
}

/// Files in the session's uploads folders (its worktree's, temp, global)
/// that no record follows, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_untracked(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<Vec<UntrackedFile>, IpcError> {
    let mut store = state.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    let worktree = store.worktrees().get(session.worktree_id)?;
    let folders = untracked::session_folders(&state.roots, &worktree.path, &settings);
    tokio::task::spawn_blocking(move || untracked::list(&mut store, &folders))
        .await
        .map_err(|e| IpcError::new("internal", e.to_string()))?
        .map(|found| found.into_iter().map(Into::into).collect())
        .map_err(Into::into)
}

/// Records an untracked file of the session's uploads folders where it is.
#[tauri::command]
#[specta::specta]
pub fn add_untracked(
    state: State<'_, AppState>,
    session_id: i64,
    path: String,
) -> Result<FileInfo, IpcError> {
    let mut store = state.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    let record = untracked::add(
        &mut store,
        &state.roots,
        &settings,
        &session,
        std::path::Path::new(&path),
        clock::now(),
    )
    .map_err(|e| IpcError::new("addFailed", e.to_string()))?;
    Ok(FileInfo::from(&record))
}

/// What the preview panel may show of a recorded file (looked up by id).
#[tauri::command]
#[specta::specta]
pub fn preview_file(state: State<'_, AppState>, file_id: i64) -> Result<FilePreview, IpcError> {
    let record = state.shown_file(file_id)?;
    handoff_core::preview::preview(&record)
        .map(Into::into)
        .map_err(|e| IpcError::new("notFound", format!("{}: {e}", record.path.display())))
}

/// Opens a recorded file with the system's default app.
#[tauri::command]
#[specta::specta]
pub fn open_file(state: State<'_, AppState>, file_id: i64) -> Result<(), IpcError> {
    let path = existing(&state, file_id)?.path;
    tauri_plugin_opener::open_path(&path, None::<&str>)
        .map_err(|e| IpcError::new("openFailed", e.to_string()))
}

/// Opens a web link from a preview in the default browser; only `http` and
/// `https` addresses are opened.
#[tauri::command]
#[specta::specta]
pub fn open_link(url: String) -> Result<(), IpcError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(IpcError::new(
            "refused",
            format!("{url} is not a web address"),
        ));
    }
    tauri_plugin_opener::open_url(&url, None::<&str>)
        .map_err(|e| IpcError::new("openFailed", e.to_string()))
}

/// Shows a recorded file in the file manager.
#[tauri::command]
#[specta::specta]
pub fn reveal_file(state: State<'_, AppState>, file_id: i64) -> Result<(), IpcError> {
    let path = existing(&state, file_id)?.path;
    tauri_plugin_opener::reveal_item_in_dir(&path)
        .map_err(|e| IpcError::new("openFailed", e.to_string()))
}

/// Saves a copy of a recorded file where the person chooses; returns the
/// path, or nothing when they cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_file_as(
    app: AppHandle,
    state: State<'_, AppState>,
    file_id: i64,
) -> Result<Option<String>, IpcError> {
    let record = existing(&state, file_id)?;
    let suggested = naming::sanitize(&record.filename);
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Downloads, where people look for what they saved (else home).
    let folder = [app.path().download_dir(), app.path().home_dir()]
        .into_iter()
        .flatten()
        .find(|dir| dir.is_dir());
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Save as")
        .set_file_name(&suggested);
    if let Some(folder) = folder {
        dialog = dialog.set_directory(folder);
    }
    dialog.save_file(move |dest| {
        let _ = tx.send(dest.and_then(|d| d.into_path().ok()));
    });
    let Some(dest) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    std::fs::copy(&record.path, &dest).map_err(|e| {
        IpcError::new(
            "writeFailed",
            format!("cannot save to {}: {e}", dest.display()),
        )
    })?;
    Ok(Some(dest.display().to_string()))
}

/// Moves a recorded file to the OS trash and marks it deleted.
#[tauri::command]
#[specta::specta]
pub fn delete_file(state: State<'_, AppState>, file_id: i64) -> Result<FileInfo, IpcError> {
    let mut store = state.store()?;
    let record = remove::remove(&mut store, file_id, Removal::Trash, clock::now())
        .map_err(|e| IpcError::new("deleteFailed", e.to_string()))?;
    Ok(FileInfo::from(&record))
}

/// The record of a file of the worktree on screen that is still on disk.
fn existing(state: &AppState, file_id: i64) -> Result<FileRecord, IpcError> {
    let record = state.shown_file(file_id)?;
    if record.path.is_file() {
        Ok(record)
    } else {
        Err(IpcError::new(
            "notFound",
            format!("{} is no longer there", record.path.display()),
        ))
    }
}
