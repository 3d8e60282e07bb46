//! What the app keeps while it runs: the core's context and running agents,
//! and what only a window needs — clipboard images and offered paths held
//! for the page, open permission requests, the pages watching sessions.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use handoff_core::agent::AgentEvent;
use handoff_core::api::agents::{Activity, Agents};
use handoff_core::api::{self, ApiError, Context};
use handoff_core::{FileRecord, Source};
use tauri::ipc::Channel;
use tokio::sync::oneshot;

use crate::dto::{AgentUpdate, PermissionOption, UploadSource};
use crate::notify::{Alert, Notifier};

/// Clipboard bytes waiting to be uploaded, with the name to save them under.
pub type Paste = (String, Arc<[u8]>);

/// The most clipboard images held at once (the oldest goes first).
const HELD_PASTES: usize = 16;
/// The most offered paths remembered at once (for their thumbnails).
const HELD_OFFERS: usize = 4096;

/// The app's state, shared by every command.
pub struct AppState {
    /// Where the data is and how agents start.
    pub ctx: Context,
    /// The running agents.
    pub agents: Agents,
    page: Arc<Page>,
    pastes: Mutex<BTreeMap<u32, Paste>>,
    offers: Mutex<BTreeMap<u32, PathBuf>>,
    /// Files and folders the app was asked to open (its command line, or a
    /// second launch's), not yet offered for upload.
    pub opened: Mutex<Vec<PathBuf>>,
}

/// What the pages watching sessions hear, and the questions put to them.
#[derive(Default)]
struct Page {
    subscribers: Mutex<HashMap<i64, Channel<AgentUpdate>>>,
    permissions: Mutex<HashMap<u32, Question>>,
    /// The worktree of the session on screen: the only one whose files the
    /// page may preview.
    shown_worktree: Mutex<Option<i64>>,
    next_id: AtomicU32,
    notifier: Notifier,
}

/// A permission request waiting for the person's answer.
struct Question {
    session_id: i64,
    /// What the page was shown (shown again when the session is).
    asked: AgentUpdate,
    reply: oneshot::Sender<Option<String>>,
}

impl Page {
    fn next(&self) -> u32 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn notify(&self, session_id: i64, update: AgentUpdate) {
        if let Some(channel) = lock(&self.subscribers).get(&session_id)
            && let Err(e) = channel.send(update)
        {
            tracing::debug!(session = session_id, error = %e, "the page stopped listening");
        }
    }

    /// Turns an agent's activity into what the page hears, and what the
    /// desktop hears while the window is in the background.
    fn hear(&self, session_id: i64, activity: Activity) {
        if let Some(alert) = Alert::of(&activity) {
            self.notifier.tell(session_id, alert);
        }
        let update = match activity {
            Activity::TurnEnded(_) => AgentUpdate::TurnEnded,
            Activity::Agent(AgentEvent::Permission(ask)) => {
                let mut held = lock(&self.permissions);
                // Questions whose turn ended unanswered are dropped.
                held.retain(|_, question| !question.reply.is_closed());
                let request_id = self.next();
                let asked = AgentUpdate::Permission {
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
                    request_id,
                };
                held.insert(
                    request_id,
                    Question {
                        session_id,
                        asked: asked.clone(),
                        reply: ask.reply,
                    },
                );
                asked
            }
            Activity::Busy | Activity::Agent(_) => AgentUpdate::Changed,
        };
        self.notify(session_id, update);
    }
}

impl AppState {
    /// State for the data folder from the environment.
    pub fn from_env() -> Self {
        let mut ctx = Context::from_env(None);
        ctx.exe = helper_executable(ctx.exe);
        let page = Arc::new(Page::default());
        let hears = Arc::clone(&page);
        Self {
            agents: Agents::new(&ctx, Arc::new(move |id, activity| hears.hear(id, activity))),
            ctx,
            page,
            pastes: Mutex::default(),
            offers: Mutex::default(),
            opened: Mutex::default(),
        }
    }

    /// Runs blocking core work (disk, SQLite) off the window's thread.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Context) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let ctx = self.ctx.clone();
        api::blocking(move || work(&ctx)).await
    }

    /// From here on the app's window and settings are there: the desktop
    /// can be told of what happens while the window is in the background.
    pub fn attach(&self, app: tauri::AppHandle) {
        self.page.notifier.attach(app);
    }

    /// Keeps files and folders the app was asked to open, for the page.
    pub fn offer_opened(&self, paths: Vec<PathBuf>) {
        lock(&self.opened).extend(paths);
    }

    /// Keeps clipboard bytes (and the name to save them under) until they
    /// are uploaded; returns their id.
    pub fn hold_paste(&self, name: String, bytes: Arc<[u8]>) -> u32 {
        let id = self.page.next();
        hold(&self.pastes, id, (name, bytes), HELD_PASTES);
        id
    }

    /// Clipboard bytes held under `id`, with their name.
    pub fn paste(&self, id: u32) -> Option<Paste> {
        lock(&self.pastes).get(&id).cloned()
    }

    /// The core sources of the ones the page named (held clipboard bytes
    /// by their id).
    pub fn sources(&self, sources: &[UploadSource]) -> Result<Vec<Source>, ApiError> {
        sources
            .iter()
            .map(|source| {
                Ok(match source {
                    UploadSource::Path { path } => Source::Path(PathBuf::from(path)),
                    UploadSource::Paste { paste_id } => {
                        let (name, bytes) = self.paste(*paste_id).ok_or_else(|| {
                            ApiError::not_found(
                                "that pasted image is no longer held; paste it again",
                            )
                        })?;
                        Source::Bytes { name, bytes }
                    }
                    UploadSource::Text { name, text } => Source::Bytes {
                        name: name.clone(),
                        bytes: Arc::from(text.as_bytes()),
                    },
                })
            })
            .collect()
    }

    /// Forgets the clipboard bytes of an upload once it is done.
    pub fn release_pastes(&self, sources: &[UploadSource]) {
        let mut pastes = lock(&self.pastes);
        for source in sources {
            if let UploadSource::Paste { paste_id } = source {
                pastes.remove(paste_id);
            }
        }
    }

    /// Remembers a path the person offered (drop, picker, copied files).
    pub fn offer(&self, path: PathBuf) -> u32 {
        let id = self.page.next();
        hold(&self.offers, id, path, HELD_OFFERS);
        id
    }

    /// The offered path with this id.
    pub fn offered(&self, id: u32) -> Option<PathBuf> {
        lock(&self.offers).get(&id).cloned()
    }

    /// Answers a held permission request.
    pub fn answer_permission(&self, id: u32, option: Option<String>) -> bool {
        lock(&self.page.permissions)
            .remove(&id)
            .is_some_and(|question| question.reply.send(option).is_ok())
    }

    /// Sends every watching page an update (a change made by another
    /// process or found on disk may concern any session).
    pub fn notify_all(&self, update: &AgentUpdate) {
        for channel in lock(&self.page.subscribers).values() {
            if let Err(e) = channel.send(update.clone()) {
                tracing::debug!(error = %e, "a page stopped listening");
            }
        }
    }

    /// The page now shows `session_id` (of `worktree_id`) and watches it
    /// through `channel`; the page shows one session at a time. A question
    /// the agent asked while the page showed another session (or before
    /// the page came back from a notification) is asked again.
    pub fn subscribe(&self, session_id: i64, worktree_id: i64, channel: Channel<AgentUpdate>) {
        *lock(&self.page.shown_worktree) = Some(worktree_id);
        let waiting: Vec<AgentUpdate> = lock(&self.page.permissions)
            .values()
            .filter(|q| q.session_id == session_id && !q.reply.is_closed())
            .map(|q| q.asked.clone())
            .collect();
        for asked in waiting {
            if let Err(e) = channel.send(asked) {
                tracing::debug!(session = session_id, error = %e, "the page stopped listening");
            }
        }
        let mut subscribers = lock(&self.page.subscribers);
        subscribers.clear();
        subscribers.insert(session_id, channel);
    }

    /// The record of a file of the worktree on screen; a file of another
    /// worktree is refused as if it did not exist.
    pub fn shown_file(&self, record: FileRecord) -> Result<FileRecord, ApiError> {
        let shown = *lock(&self.page.shown_worktree);
        if shown.is_some() && record.worktree_id == shown {
            Ok(record)
        } else {
            Err(ApiError::not_found(format!(
                "file {} is not a file of this worktree",
                record.id
            )))
        }
    }
}

/// Keeps `value` under `id`, dropping the oldest beyond `most`.
fn hold<T>(map: &Mutex<BTreeMap<u32, T>>, id: u32, value: T, most: usize) {
    let mut map = lock(map);
    map.insert(id, value);
    while map.len() > most {
        map.pop_first();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The executable the agents' helper processes (the tie, the keeper, the
/// MCP server, the demo agent) run: the `handoff` command installed beside
/// the app when it is there, a few MB a process; else the app itself,
/// which serves them too but loads the whole webview's libraries in each.
fn helper_executable(app: PathBuf) -> PathBuf {
    app.parent()
        .map(|folder| folder.join("handoff"))
        .filter(|cli| cli.is_file())
        .unwrap_or(app)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// Held clipboard images and offered paths stay bounded: past the
    /// limit the oldest go first.
    #[test]
    fn what_the_window_holds_stays_bounded() {
        let map: Mutex<BTreeMap<u32, u32>> = Mutex::default();
        for id in 1..=40 {
            super::hold(&map, id, id * 10, super::HELD_PASTES);
        }
        let held = map.lock().unwrap();
        assert_eq!(held.len(), super::HELD_PASTES);
        assert_eq!(held.keys().next(), Some(&25));
        assert_eq!(held.get(&40), Some(&400));
    }
}
