//! What the app keeps while it runs: where its data is, the running agents,
//! clipboard images waiting to be uploaded, and open permission requests.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use handoff_core::agent::{AgentSession, HANDSHAKE_TIMEOUT, SessionOptions};
use handoff_core::{FileRecord, Home, Roots, Store};
use tauri::ipc::Channel;
use tokio::sync::oneshot;

use crate::dto::AgentUpdate;
use crate::error::IpcError;

/// Clipboard bytes waiting to be uploaded, with the name to save them under.
pub type Paste = (String, Arc<[u8]>);

/// A running agent and the lock that queues its turns.
pub struct LiveAgent {
    pub session: AgentSession,
    pub turn: tokio::sync::Mutex<()>,
}

/// The app's state, shared by every command.
pub struct AppState {
    pub home: Home,
    pub roots: Roots,
    /// This executable: it also serves the demo agent, MCP and exec helpers.
    pub exe: PathBuf,
    pub agents: tokio::sync::Mutex<HashMap<i64, Arc<LiveAgent>>>,
    /// One gate per session, held while its agent starts, so a slow start
    /// delays only that session's prompts.
    starting: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    pastes: Mutex<HashMap<u32, Paste>>,
    offers: Mutex<HashMap<u32, PathBuf>>,
    permissions: Mutex<HashMap<u32, oneshot::Sender<Option<String>>>>,
    subscribers: Mutex<HashMap<i64, Channel<AgentUpdate>>>,
    /// The worktree of the session on screen: the only one whose files the
    /// page may preview.
    shown_worktree: Mutex<Option<i64>>,
    /// Files and folders the app was asked to open (its command line, or a
    /// second launch's), not yet offered for upload.
    pub opened: Mutex<Vec<PathBuf>>,
    next_id: AtomicU32,
}

impl AppState {
    /// State for the data folder from the environment.
    pub fn from_env() -> Self {
        Self {
            home: Home::from_env(),
            roots: Roots::from_env(),
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("handoff-app")),
            agents: tokio::sync::Mutex::default(),
            starting: Mutex::default(),
            pastes: Mutex::default(),
            offers: Mutex::default(),
            permissions: Mutex::default(),
            subscribers: Mutex::default(),
            shown_worktree: Mutex::default(),
            opened: Mutex::default(),
            next_id: AtomicU32::new(1),
        }
    }

    /// Keeps files and folders the app was asked to open, for the page.
    pub fn offer_opened(&self, paths: Vec<PathBuf>) {
        lock(&self.opened).extend(paths);
    }

    /// A connection to the database (each command opens its own: SQLite
    /// connections are cheap and this keeps commands independent).
    pub fn store(&self) -> Result<Store, IpcError> {
        Ok(Store::open_home(&self.home)?)
    }

    /// How agents are started.
    pub fn agent_options(&self) -> SessionOptions {
        SessionOptions {
            home: self.home.clone(),
            handoff_exe: self.exe.clone(),
            roots: self.roots.clone(),
            handshake_timeout: HANDSHAKE_TIMEOUT,
            prompt_timeout: None,
        }
    }

    /// The gate held while session `session_id`'s agent starts.
    pub fn start_gate(&self, session_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(lock(&self.starting).entry(session_id).or_default())
    }

    fn next(&self) -> u32 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Keeps clipboard bytes (and the name to save them under) until they
    /// are uploaded; returns their id.
    pub fn hold_paste(&self, name: String, bytes: Arc<[u8]>) -> u32 {
        let id = self.next();
        lock(&self.pastes).insert(id, (name, bytes));
        id
    }

    /// Clipboard bytes held under `id`, with their name.
    pub fn paste(&self, id: u32) -> Option<(String, Arc<[u8]>)> {
        lock(&self.pastes).get(&id).cloned()
    }

    /// Remembers a path the person offered (drop, picker, copied files).
    pub fn offer(&self, path: PathBuf) -> u32 {
        let id = self.next();
        lock(&self.offers).insert(id, path);
        id
    }

    /// The offered path with this id.
    pub fn offered(&self, id: u32) -> Option<PathBuf> {
        lock(&self.offers).get(&id).cloned()
    }

    /// Forgets clipboard bytes once uploaded.
    pub fn release_paste(&self, id: u32) {
        lock(&self.pastes).remove(&id);
    }

    /// Keeps a permission request's reply; returns its id.
    pub fn hold_permission(&self, reply: oneshot::Sender<Option<String>>) -> u32 {
        let id = self.next();
        lock(&self.permissions).insert(id, reply);
        id
    }

    /// Answers a held permission request.
    pub fn answer_permission(&self, id: u32, option: Option<String>) -> bool {
        lock(&self.permissions)
            .remove(&id)
            .is_some_and(|reply| reply.send(option).is_ok())
    }

    /// Sends the page watching `session_id` an update.
    pub fn notify(&self, session_id: i64, update: AgentUpdate) {
        if let Some(channel) = lock(&self.subscribers).get(&session_id) {
            let _ = channel.send(update);
        }
    }

    /// Sends every watching page an update (a change made by another
    /// process or found on disk may concern any session).
    pub fn notify_all(&self, update: &AgentUpdate) {
        for channel in lock(&self.subscribers).values() {
            let _ = channel.send(update.clone());
        }
    }

    /// The page now shows `session_id` and watches it through `channel`.
    pub fn subscribe(
        &self,
        session_id: i64,
        channel: Channel<AgentUpdate>,
    ) -> Result<(), IpcError> {
        let worktree_id = self.store()?.sessions().get(session_id)?.worktree_id;
        *lock(&self.shown_worktree) = Some(worktree_id);
        lock(&self.subscribers).insert(session_id, channel);
        Ok(())
    }

    /// The record of a file of the worktree on screen; a file of another
    /// worktree is refused as if it did not exist.
    pub fn shown_file(&self, file_id: i64) -> Result<FileRecord, IpcError> {
        let record = self.store()?.files().get(file_id)?;
        let shown = *lock(&self.shown_worktree);
        if shown.is_some() && record.worktree_id == shown {
            Ok(record)
        } else {
            Err(IpcError::new(
                "notFound",
                format!("file {file_id} is not a file of this worktree"),
            ))
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
