//! Worktrees, sessions, agent profiles and conversations.

use std::path::PathBuf;

use handoff_core::agent::DEFAULT_PROFILE;
use handoff_core::clock;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::dto::{Message, Profile, Session, Worktree};
use crate::error::IpcError;
use crate::state::AppState;

/// Every worktree, oldest first.
#[tauri::command]
#[specta::specta]
pub fn list_worktrees(state: State<'_, AppState>) -> Result<Vec<Worktree>, IpcError> {
    Ok(state
        .store()?
        .worktrees()
        .list()?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Adds a worktree (a folder that exists).
#[tauri::command]
#[specta::specta]
pub fn add_worktree(state: State<'_, AppState>, path: String) -> Result<Worktree, IpcError> {
    let canonical = std::fs::canonicalize(&path)
        .ok()
        .filter(|p| p.is_dir())
        .ok_or_else(|| IpcError::new("notFound", format!("{path} is not a folder")))?;
    Ok(state
        .store()?
        .worktrees()
        .ensure(&canonical, clock::now())?
        .into())
}

/// Asks for a folder with the native picker.
#[tauri::command]
#[specta::specta]
pub async fn pick_folder(app: tauri::AppHandle) -> Option<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Add a worktree")
        .pick_folder(move |folder| {
            let _ = tx.send(folder.and_then(|f| f.into_path().ok()));
        });
    rx.await.ok().flatten().map(|p| p.display().to_string())
}

/// Sessions, most recent first, of one worktree or all.
#[tauri::command]
#[specta::specta]
pub fn list_sessions(
    state: State<'_, AppState>,
    worktree_id: Option<i64>,
) -> Result<Vec<Session>, IpcError> {
    Ok(state
        .store()?
        .sessions()
        .list(worktree_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Starts a session in a worktree with a profile (the demo agent by default).
#[tauri::command]
#[specta::specta]
pub fn create_session(
    state: State<'_, AppState>,
    worktree_id: i64,
    profile_id: Option<i64>,
) -> Result<Session, IpcError> {
    let mut store = state.store()?;
    let worktree = store.worktrees().get(worktree_id)?;
    let profile = match profile_id {
        Some(id) => store.profiles().get(id)?,
        None => store
            .profiles()
            .find(DEFAULT_PROFILE)?
            .ok_or_else(|| IpcError::new("notFound", "the demo agent profile is missing"))?,
    };
    let title = format!("{} in {}", profile.name, worktree.name);
    Ok(store
        .sessions()
        .create(worktree.id, Some(profile.id), &title, clock::now())?
        .into())
}

/// Renames a session.
#[tauri::command]
#[specta::specta]
pub fn rename_session(
    state: State<'_, AppState>,
    session_id: i64,
    title: String,
) -> Result<Session, IpcError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(IpcError::new("invalidTitle", "a session needs a title"));
    }
    Ok(state
        .store()?
        .sessions()
        .rename(session_id, title, clock::now())?
        .into())
}

/// The most recent session; on a fresh install, a first session with the
/// demo agent in a sample worktree.
#[tauri::command]
#[specta::specta]
pub fn first_session(state: State<'_, AppState>) -> Result<Session, IpcError> {
    let mut store = state.store()?;
    if let Some(session) = store.sessions().list(None)?.into_iter().next() {
        return Ok(session.into());
    }
    let sample: PathBuf = state.home.dir().join("sample-worktree");
    std::fs::create_dir_all(&sample).map_err(|e| IpcError::new("writeFailed", e.to_string()))?;
    let readme = sample.join("README.md");
    if !readme.exists() {
        let text = "# Sample worktree\n\nDrop files on Handoff's prompt box: they land in .agor/uploads/ here.\n";
        std::fs::write(&readme, text).map_err(|e| IpcError::new("writeFailed", e.to_string()))?;
    }
    let canonical =
        std::fs::canonicalize(&sample).map_err(|e| IpcError::new("writeFailed", e.to_string()))?;
    let worktree = store.worktrees().ensure(&canonical, clock::now())?;
    drop(store);
    create_session(state, worktree.id, None)
}

/// Agent profiles, with what keeps each from starting.
#[tauri::command]
#[specta::specta]
pub fn list_profiles(state: State<'_, AppState>) -> Result<Vec<Profile>, IpcError> {
    Ok(state
        .store()?
        .profiles()
        .list()?
        .into_iter()
        .map(|p| Profile::new(p, &state.exe))
        .collect())
}

/// A session's conversation, oldest first.
#[tauri::command]
#[specta::specta]
pub fn list_messages(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<Vec<Message>, IpcError> {
    Ok(state
        .store()?
        .messages()
        .list(session_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The files the person can `@`-mention in a session: uploads first, then
/// the worktree's files as git sees them; paths relative to the worktree.
#[tauri::command]
#[specta::specta]
pub async fn list_mentionable(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<Vec<String>, IpcError> {
    let mut store = state.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    let worktree = store.worktrees().get(session.worktree_id)?;
    tokio::task::spawn_blocking(move || {
        handoff_core::mentions::mentionable(&worktree.path, &settings.uploads_folder)
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))
}
