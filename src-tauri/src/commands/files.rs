//! The files panel: every file that moved, and what can be done with one.

use std::path::PathBuf;

use handoff_core::api::{ApiError, files};
use handoff_core::preview::Preview;
use handoff_core::{ErrorKind, FileRecord, naming};
use tauri::{AppHandle, Manager, State, WebviewWindow};
use tauri_plugin_dialog::DialogExt;

use crate::dto::{FileChanges, FileInfo, UntrackedFile, each};
use crate::state::AppState;

/// The files of a session, or of its whole worktree, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_files(
    state: State<'_, AppState>,
    session_id: i64,
    whole_worktree: bool,
) -> Result<Vec<FileInfo>, ApiError> {
    state
        .run(move |ctx| files::list(ctx, session_id, whole_worktree).map(each))
        .await
}

/// Looks at a remote worktree's files and records what changed there (the
/// panel asks on opening, on focus and every few seconds while shown);
/// returns how many records changed. Nothing to do for a local worktree.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn check_remote_files(
    state: State<'_, AppState>,
    worktree_id: i64,
) -> Result<u32, ApiError> {
    state
        .run(move |ctx| {
            files::check_remote(ctx, worktree_id).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        })
        .await
}

/// Files in the session's uploads folders (its worktree's, temp, global)
/// that no record follows, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_untracked(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<Vec<UntrackedFile>, ApiError> {
    state
        .run(move |ctx| files::untracked(ctx, session_id).map(each))
        .await
}

/// Records an untracked file of the session's uploads folders where it is.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn add_untracked(
    state: State<'_, AppState>,
    session_id: i64,
    path: String,
) -> Result<FileInfo, ApiError> {
    state
        .run(move |ctx| files::add_untracked(ctx, session_id, &PathBuf::from(path)).map(Into::into))
        .await
}

/// What the preview panel may show of a recorded file (looked up by id).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn preview_file(state: State<'_, AppState>, file_id: i64) -> Result<Preview, ApiError> {
    let record = shown(&state, file_id).await?;
    state
        .run(move |ctx| {
            // A remote worktree's file is previewed from a fresh copy.
            let record = FileRecord {
                path: files::local_path(ctx, &record)?,
                ..record
            };
            handoff_core::preview::preview(&record)
                .map_err(|e| ApiError::not_found(format!("{}: {e}", record.path.display())))
        })
        .await
}

/// What changed in a recorded file since its worktree's last commit, for
/// the preview's Changes view; nothing when git has nothing to show.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn file_changes(
    state: State<'_, AppState>,
    file_id: i64,
) -> Result<Option<FileChanges>, ApiError> {
    let record = shown(&state, file_id).await?;
    state
        .run(move |ctx| {
            Ok(files::changes(ctx, &record)?.map(|(diff, cut)| FileChanges { diff, cut }))
        })
        .await
}

/// Opens a recorded file with the system's default app.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn open_file(state: State<'_, AppState>, file_id: i64) -> Result<(), ApiError> {
    let record = shown(&state, file_id).await?;
    let path = state
        .run(move |ctx| files::local_path(ctx, &record))
        .await?;
    tauri_plugin_opener::open_path(&path, None::<&str>).map_err(open_failed)
}

/// Drags a recorded file out of the window as the file (its snapshot for a
/// published one; a remote worktree's file fetched here first), while the
/// person holds the button down over it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(window, state), err(level = "warn", Debug))]
pub async fn drag_file_out(
    window: WebviewWindow,
    state: State<'_, AppState>,
    file_id: i64,
) -> Result<(), ApiError> {
    let record = shown(&state, file_id).await?;
    let path = state
        .run(move |ctx| files::local_path(ctx, &record))
        .await?;
    crate::drag_out::start(&window, path).await
}

/// Opens a web link from a preview in the default browser; only `http` and
/// `https` addresses are opened.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(url), err(level = "warn", Debug))]
pub async fn open_link(url: String) -> Result<(), ApiError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(ApiError::invalid(format!("{url} is not a web address")));
    }
    tauri_plugin_opener::open_url(&url, None::<&str>).map_err(open_failed)
}

/// Shows a recorded file in the file manager (a file on this machine).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn reveal_file(state: State<'_, AppState>, file_id: i64) -> Result<(), ApiError> {
    let record = shown(&state, file_id).await?;
    let path = state.run(move |ctx| files::here(ctx, record)).await?.path;
    tauri_plugin_opener::reveal_item_in_dir(&path).map_err(open_failed)
}

/// Saves a copy of a recorded file where the person chooses (Downloads
/// first); returns the path, or nothing when they cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(level = "warn", Debug))]
pub async fn save_file_as(
    app: AppHandle,
    state: State<'_, AppState>,
    file_id: i64,
) -> Result<Option<String>, ApiError> {
    let record = shown(&state, file_id).await?;
    let Some(dest) = ask_where(&app, &naming::sanitize(&record.filename)).await else {
        return Ok(None);
    };
    let shown = dest.display().to_string();
    state
        .run(move |ctx| files::save_copy(ctx, &record, &dest))
        .await?;
    Ok(Some(shown))
}

/// Moves a recorded file to the OS trash and marks it deleted.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn delete_file(state: State<'_, AppState>, file_id: i64) -> Result<FileInfo, ApiError> {
    state
        .run(move |ctx| files::trash(ctx, file_id).map(Into::into))
        .await
}

/// Keeps a file the agent made as it is now: a snapshot with its card.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn keep_file(state: State<'_, AppState>, file_id: i64) -> Result<FileInfo, ApiError> {
    shown(&state, file_id).await?;
    state
        .run(move |ctx| files::keep(ctx, file_id).map(Into::into))
        .await
}

/// The record of a file of the worktree on screen.
pub(crate) async fn shown(state: &AppState, file_id: i64) -> Result<FileRecord, ApiError> {
    let record = state.run(move |ctx| files::get(ctx, file_id)).await?;
    state.shown_file(record)
}

/// Asks where to save `suggested`, starting in Downloads (else home).
async fn ask_where(app: &AppHandle, suggested: &str) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let folder = [app.path().download_dir(), app.path().home_dir()]
        .into_iter()
        .flatten()
        .find(|dir| dir.is_dir());
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Save as")
        .set_file_name(suggested);
    if let Some(folder) = folder {
        dialog = dialog.set_directory(folder);
    }
    dialog.save_file(move |dest| {
        let _ = tx.send(dest.and_then(|d| d.into_path().ok()));
    });
    rx.await.ok().flatten()
}

fn open_failed(e: tauri_plugin_opener::Error) -> ApiError {
    ApiError::new(ErrorKind::OpenFailed, e.to_string())
}
