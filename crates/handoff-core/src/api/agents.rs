//! The agents a shell keeps running, one per session: started on first use
//! (only that session waits while one starts), turns queued, a crashed
//! agent started afresh on the next prompt, every agent ended on quit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use super::{ApiError, Context};
use crate::agent::{AgentEvent, AgentSession, ConfigOption, Modes, SessionOptions, StopReason};
use crate::store::FileRecord;

/// What a shell hears about a session's agent.
#[derive(Debug)]
pub enum Activity {
    /// The agent is starting, or a turn began: the conversation changes.
    Busy,
    /// The turn ended: how, or why it failed (the failure is in the
    /// conversation too).
    TurnEnded(Result<StopReason, String>),
    /// Something the agent did or asked.
    Agent(AgentEvent),
}

/// Receives every session's activity.
pub type ActivitySink = Arc<dyn Fn(i64, Activity) + Send + Sync>;

/// A running agent and the lock that queues its turns.
struct Live {
    session: AgentSession,
    turn: tokio::sync::Mutex<()>,
}

/// The running agents, by session.
pub struct Agents {
    options: SessionOptions,
    sink: ActivitySink,
    live: tokio::sync::Mutex<HashMap<i64, Arc<Live>>>,
    /// One gate per session while its agent starts (removed by the last
    /// one through).
    starting: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

/// A session's agent's modes and settings.
#[derive(Debug, Clone)]
pub struct AgentSettings {
    /// The modes it offers and the one it is in.
    pub modes: Modes,
    /// Its other settings.
    pub options: Vec<ConfigOption>,
}

impl Agents {
    /// No agents yet; they will start as `ctx` says and report to `sink`.
    #[must_use]
    pub fn new(ctx: &Context, sink: ActivitySink) -> Self {
        Self {
            options: ctx.agent_options(None),
            sink,
            live: tokio::sync::Mutex::default(),
            starting: Mutex::default(),
        }
    }

    /// Prompts the session's agent with `message` and the files `file_ids`
    /// (`{filepath}` filled from them), starting the agent if needed; waits
    /// for a running turn first. When the agent cannot start, the message
    /// is kept in the conversation with the failure, to send again.
    pub async fn prompt(
        &self,
        ctx: &Context,
        session_id: i64,
        message: &str,
        file_ids: &[i64],
    ) -> Result<StopReason, ApiError> {
        let files: Vec<FileRecord> = {
            let mut store = ctx.store()?;
            file_ids
                .iter()
                .map(|id| store.files().get(*id))
                .collect::<Result<_, _>>()?
        };
        let live = match self.live(session_id).await {
            Ok(live) => live,
            Err(e) => {
                crate::agent::keep_unsent(&mut ctx.store()?, session_id, message, file_ids)?;
                (self.sink)(session_id, Activity::TurnEnded(Err(e.to_string())));
                return Err(e);
            }
        };
        let result = {
            let _turn = live.turn.lock().await;
            (self.sink)(session_id, Activity::Busy);
            live.session.prompt(message, &files).await
        };
        let ended = match &result {
            Ok(stop) => Ok(*stop),
            Err(e) => Err(e.to_string()),
        };
        (self.sink)(session_id, Activity::TurnEnded(ended));
        if let Err(e) = &result {
            tracing::warn!(session = session_id, error = %e, "the turn failed; the agent starts afresh next time");
            self.live.lock().await.remove(&session_id);
        }
        Ok(result?)
    }

    /// Asks the session's agent to stop its turn (nothing when none runs).
    pub async fn cancel(&self, session_id: i64) {
        if let Some(live) = self.live.lock().await.get(&session_id) {
            live.session.cancel();
        }
    }

    /// The session's agent's modes and settings (starting it if needed).
    pub async fn settings(&self, session_id: i64) -> Result<AgentSettings, ApiError> {
        let live = self.live(session_id).await?;
        Ok(settings_of(&live.session))
    }

    /// Switches the session's agent to `mode` (an id or name it offers);
    /// kept for the session's next start. Refused while a turn runs.
    pub async fn set_mode(&self, session_id: i64, mode: &str) -> Result<AgentSettings, ApiError> {
        let live = self.live(session_id).await?;
        live.session.set_mode(mode).await?;
        (self.sink)(session_id, Activity::Busy);
        Ok(settings_of(&live.session))
    }

    /// Sets one of the session's agent's settings; kept for its next start.
    pub async fn set_option(
        &self,
        session_id: i64,
        setting: &str,
        value: &str,
    ) -> Result<AgentSettings, ApiError> {
        let live = self.live(session_id).await?;
        live.session.set_option(setting, value).await?;
        Ok(settings_of(&live.session))
    }

    /// Ends the session's agent; the next prompt starts it again.
    pub async fn stop(&self, session_id: i64) {
        let live = self.live.lock().await.remove(&session_id);
        if let Some(live) = live.and_then(|l| Arc::try_unwrap(l).ok()) {
            live.session.shutdown().await;
        }
    }

    /// Ends every agent (when the shell quits).
    pub async fn stop_all(&self) {
        let all: Vec<_> = self.live.lock().await.drain().map(|(_, l)| l).collect();
        for live in all {
            if let Ok(live) = Arc::try_unwrap(live) {
                live.session.shutdown().await;
            }
        }
    }

    /// How many agents run, and how many sessions wait for one to start.
    pub async fn counts(&self) -> (usize, usize) {
        let running = self.live.lock().await.len();
        let starting = lock(&self.starting).len();
        (running, starting)
    }

    /// The running agent of a session, started on first use.
    async fn live(&self, session_id: i64) -> Result<Arc<Live>, ApiError> {
        let gate = Arc::clone(lock(&self.starting).entry(session_id).or_default());
        let started = {
            let _starting = gate.lock().await;
            self.live_behind_gate(session_id).await
        };
        let mut gates = lock(&self.starting);
        // The map's and ours: nobody else waits on this gate.
        if Arc::strong_count(&gate) == 2 {
            gates.remove(&session_id);
        }
        started
    }

    async fn live_behind_gate(&self, session_id: i64) -> Result<Arc<Live>, ApiError> {
        if let Some(live) = self.live.lock().await.get(&session_id) {
            return Ok(Arc::clone(live));
        }
        let (events, mut incoming) = mpsc::unbounded_channel();
        (self.sink)(session_id, Activity::Busy);
        let session = AgentSession::start(&self.options, session_id, events).await?;
        let live = Arc::new(Live {
            session,
            turn: tokio::sync::Mutex::new(()),
        });
        self.live.lock().await.insert(session_id, Arc::clone(&live));
        let sink = Arc::clone(&self.sink);
        tokio::spawn(async move {
            while let Some(event) = incoming.recv().await {
                sink(session_id, Activity::Agent(event));
            }
        });
        Ok(live)
    }
}

fn settings_of(session: &AgentSession) -> AgentSettings {
    AgentSettings {
        modes: session.modes(),
        options: session.options(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
