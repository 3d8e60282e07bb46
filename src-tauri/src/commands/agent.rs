//! The session's agent: start on first use, prompt (turns queue), cancel,
//! permission answers, restart.

use handoff_core::api::ApiError;
use tauri::State;
use tauri::ipc::Channel;

use crate::dto::{AgentModes, AgentUpdate};
use crate::state::AppState;

/// The page watches a session: conversation changes and permission
/// requests arrive on `updates`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, updates), err(level = "warn", Debug))]
pub async fn watch_session(
    state: State<'_, AppState>,
    session_id: i64,
    updates: Channel<AgentUpdate>,
) -> Result<(), ApiError> {
    let session = state
        .run(move |ctx| Ok(ctx.store()?.sessions().get(session_id)?))
        .await?;
    state.subscribe(session.id, session.worktree_id, updates);
    tracing::info!(session = session.id, "the page shows the session");
    Ok(())
}

/// Prompts the session's agent with `message` and the uploaded files
/// (`{filepath}` is filled from them), starting the agent if needed. A
/// prompt sent while a turn runs waits for it. Returns when the turn ends.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, message), err(level = "warn", Debug))]
pub async fn send_prompt(
    state: State<'_, AppState>,
    session_id: i64,
    message: String,
    file_ids: Vec<i64>,
) -> Result<(), ApiError> {
    let ctx = state.ctx.clone();
    state
        .agents
        .prompt(&ctx, session_id, &message, &file_ids)
        .await
        .map(drop)
}

/// Asks the agent to stop the running turn.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn cancel_turn(state: State<'_, AppState>, session_id: i64) -> Result<(), ApiError> {
    state.agents.cancel(session_id).await;
    Ok(())
}

/// Answers a permission request (`None` cancels it).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn answer_permission(
    state: State<'_, AppState>,
    request_id: u32,
    option_id: Option<String>,
) -> bool {
    state.answer_permission(request_id, option_id)
}

/// The modes the session's agent offers (starting it if needed).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn agent_modes(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<AgentModes, ApiError> {
    Ok(state.agents.settings(session_id).await?.into())
}

/// Switches the session's agent to `mode` (an id or name it offers); kept
/// for the session's next start. Refused while a turn runs.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn set_agent_mode(
    state: State<'_, AppState>,
    session_id: i64,
    mode: String,
) -> Result<AgentModes, ApiError> {
    Ok(state.agents.set_mode(session_id, &mode).await?.into())
}

/// Sets one of the session's agent settings (`setting` and `value`: ids or
/// names it offers); kept for the session's next start. Refused while a
/// turn runs.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn set_agent_setting(
    state: State<'_, AppState>,
    session_id: i64,
    setting: String,
    value: String,
) -> Result<AgentModes, ApiError> {
    let settings = state.agents.set_option(session_id, &setting, &value);
    Ok(settings.await?.into())
}

/// Stops the session's agent; the next prompt starts it again.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn restart_agent(state: State<'_, AppState>, session_id: i64) -> Result<(), ApiError> {
    state.agents.stop(session_id).await;
    Ok(())
}
