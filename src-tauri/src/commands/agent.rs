//! The session's agent: start on first use, prompt (turns queue), cancel,
//! permission answers, restart.

use std::sync::Arc;

use handoff_core::agent::{AgentEvent, AgentSession};
use handoff_core::store::FileRecord;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tokio::sync::mpsc;

use crate::dto::{AgentModes, AgentUpdate, PermissionOption};
use crate::error::IpcError;
use crate::state::{AppState, LiveAgent};

/// The page watches a session: conversation changes and permission
/// requests arrive on `updates`.
#[tauri::command]
#[specta::specta]
pub fn watch_session(
    state: State<'_, AppState>,
    session_id: i64,
    updates: Channel<AgentUpdate>,
) -> Result<(), IpcError> {
    state.subscribe(session_id, updates)
}

/// Prompts the session's agent with `message` and the uploaded files
/// (`{filepath}` is filled from them), starting the agent if needed. A
/// prompt sent while a turn runs waits for it. Returns when the turn ends.
#[tauri::command]
#[specta::specta]
pub async fn send_prompt(
    app: AppHandle,
    state: State<'_, AppState>,
    session_id: i64,
    message: String,
    file_ids: Vec<i64>,
) -> Result<(), IpcError> {
    let files: Vec<FileRecord> = {
        let mut store = state.store()?;
        file_ids
            .iter()
            .map(|id| store.files().get(*id))
            .collect::<Result<_, _>>()?
    };
    let agent = match live_agent(&app, &state, session_id).await {
        Ok(agent) => agent,
        Err(e) => {
            // The failure is in the conversation: keep the message with it.
            handoff_core::agent::keep_unsent(&mut state.store()?, session_id, &message, &file_ids)?;
            state.notify(session_id, AgentUpdate::TurnEnded);
            return Err(e);
        }
    };
    let result = {
        let _turn = agent.turn.lock().await;
        state.notify(session_id, AgentUpdate::Changed);
        agent.session.prompt(&message, &files).await
    };
    state.notify(session_id, AgentUpdate::TurnEnded);
    if result.is_err() {
        // A crashed agent is started afresh on the next prompt.
        state.agents.lock().await.remove(&session_id);
    }
    result.map(drop).map_err(Into::into)
}

/// Asks the agent to stop the running turn.
#[tauri::command]
#[specta::specta]
pub async fn cancel_turn(state: State<'_, AppState>, session_id: i64) -> Result<(), IpcError> {
    if let Some(agent) = state.agents.lock().await.get(&session_id) {
        agent.session.cancel();
    }
    Ok(())
}

/// Answers a permission request (`None` cancels it).
#[tauri::command]
#[specta::specta]
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
pub async fn agent_modes(
    app: AppHandle,
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<AgentModes, IpcError> {
    let agent = live_agent(&app, &state, session_id).await?;
    Ok(AgentModes::of(&agent.session))
}

/// Switches the session's agent to `mode` (an id or name it offers); kept
/// for the session's next start. Refused while a turn runs.
#[tauri::command]
#[specta::specta]
pub async fn set_agent_mode(
    app: AppHandle,
    state: State<'_, AppState>,
    session_id: i64,
    mode: String,
) -> Result<AgentModes, IpcError> {
    let agent = live_agent(&app, &state, session_id).await?;
    agent.session.set_mode(&mode).await?;
    state.notify(session_id, AgentUpdate::Changed);
    Ok(AgentModes::of(&agent.session))
}

/// Sets one of the session's agent settings (`setting` and `value`: ids or
/// names it offers); kept for the session's next start. Refused while a
/// turn runs.
#[tauri::command]
#[specta::specta]
pub async fn set_agent_setting(
    app: AppHandle,
    state: State<'_, AppState>,
    session_id: i64,
    setting: String,
    value: String,
) -> Result<AgentModes, IpcError> {
    let agent = live_agent(&app, &state, session_id).await?;
    agent.session.set_option(&setting, &value).await?;
    Ok(AgentModes::of(&agent.session))
}

/// Stops the session's agent; the next prompt starts it again.
#[tauri::command]
#[specta::specta]
pub async fn restart_agent(state: State<'_, AppState>, session_id: i64) -> Result<(), IpcError> {
    let agent = state.agents.lock().await.remove(&session_id);
    if let Some(agent) = agent.and_then(|a| Arc::try_unwrap(a).ok()) {
        agent.session.shutdown().await;
    }
    Ok(())
}

/// The running agent of a session, started on first use.
async fn live_agent(
    app: &AppHandle,
    state: &State<'_, AppState>,
    session_id: i64,
) -> Result<Arc<LiveAgent>, IpcError> {
    // Only this session waits while its agent starts; other sessions (and
    // a cancel) go on.
    let gate = state.start_gate(session_id);
    let _starting = gate.lock().await;
    if let Some(agent) = state.agents.lock().await.get(&session_id) {
        return Ok(Arc::clone(agent));
    }
    let (events, mut incoming) = mpsc::unbounded_channel();
    state.notify(session_id, AgentUpdate::Changed);
    let session = AgentSession::start(&state.agent_options(), session_id, events).await?;
    let agent = Arc::new(LiveAgent {
        session,
        turn: tokio::sync::Mutex::new(()),
    });
    state
        .agents
        .lock()
        .await
        .insert(session_id, Arc::clone(&agent));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(event) = incoming.recv().await {
            forward(&app.state::<AppState>(), session_id, event);
        }
    });
    Ok(agent)
}

/// Forwards an agent's events to the page watching its session.
fn forward(state: &AppState, session_id: i64, event: AgentEvent) {
    let update = match event {
        AgentEvent::Permission(ask) => AgentUpdate::Permission {
            title: ask.title,
            options: ask
                .options
                .into_iter()
                .map(|o| PermissionOption {
                    id: o.id,
                    name: o.name,
                    allow: o.allow,
                })
                .collect(),
            request_id: state.hold_permission(ask.reply),
        },
        _ => AgentUpdate::Changed,
    };
    state.notify(session_id, update);
}
