//! Worktrees, sessions, agent profiles and conversations.

use std::path::PathBuf;

use handoff_core::api::sessions::{self, NewSession, ProfileChoice};
use handoff_core::api::{ApiError, profiles, worktrees};
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::dto::{Message, Profile, Session, Worktree, each};
use crate::state::AppState;

/// Every worktree, oldest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_worktrees(state: State<'_, AppState>) -> Result<Vec<Worktree>, ApiError> {
    state.run(|ctx| worktrees::list(ctx).map(each)).await
}

/// Adds a worktree (a folder that exists).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn add_worktree(state: State<'_, AppState>, path: String) -> Result<Worktree, ApiError> {
    state
        .run(move |ctx| worktrees::add(ctx, &PathBuf::from(path)).map(Into::into))
        .await
}

/// Asks for a folder with the native picker.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app))]
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
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_sessions(
    state: State<'_, AppState>,
    worktree_id: Option<i64>,
) -> Result<Vec<Session>, ApiError> {
    state
        .run(move |ctx| sessions::list(ctx, worktree_id).map(each))
        .await
}

/// Starts a session in a worktree with a profile (the demo agent by default).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn create_session(
    state: State<'_, AppState>,
    worktree_id: i64,
    profile_id: Option<i64>,
) -> Result<Session, ApiError> {
    let new = NewSession {
        worktree_id,
        profile: profile_id.map_or(ProfileChoice::Default, ProfileChoice::Id),
        ..NewSession::default()
    };
    state
        .run(|ctx| sessions::create(ctx, new).map(Into::into))
        .await
}

/// Renames a session.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn rename_session(
    state: State<'_, AppState>,
    session_id: i64,
    title: String,
) -> Result<Session, ApiError> {
    state
        .run(move |ctx| sessions::rename(ctx, session_id, &title).map(Into::into))
        .await
}

/// The most recent session; on a fresh install, a first session with the
/// demo agent in a sample worktree.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn first_session(state: State<'_, AppState>) -> Result<Session, ApiError> {
    state.run(|ctx| sessions::first(ctx).map(Into::into)).await
}

/// Agent profiles, with what keeps each from starting.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_profiles(state: State<'_, AppState>) -> Result<Vec<Profile>, ApiError> {
    state.run(|ctx| profiles::list(ctx).map(each)).await
}

/// A session's conversation, oldest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_messages(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<Vec<Message>, ApiError> {
    state
        .run(move |ctx| sessions::messages(ctx, session_id).map(each))
        .await
}

/// The files the person can `@`-mention in a session: uploads first, then
/// the worktree's files as git sees them; paths relative to the worktree.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_mentionable(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<Vec<String>, ApiError> {
    state
        .run(move |ctx| sessions::mentionable(ctx, session_id))
        .await
}
