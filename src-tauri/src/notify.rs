//! Desktop notifications (freedesktop Notifications over D-Bus): when a
//! turn ends or fails, or the agent asks for permission, while the window
//! is not the focused one. Each names its session; activating it brings
//! the window to the front with that session shown. The `notify` setting
//! turns them off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use handoff_core::agent::{AgentEvent, StopReason};
use handoff_core::api::agents::Activity;
use handoff_core::api::{ApiError, Context};
use handoff_core::store::Session;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;
use handoff_core::logging::OrLog as _;

/// The event that tells the page to show a session (its id as payload).
pub const SHOW_SESSION_EVENT: &str = "handoff://show-session";

/// What is worth telling a person who is elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// The turn ended as the agent meant it to.
    Finished,
    /// The turn failed, and why.
    Failed(String),
    /// The agent waits for an answer to this question.
    Asks(String),
}

impl Alert {
    /// The alert an agent's activity calls for: none for a cancelled turn
    /// (the person stopped it) or for what only changes the conversation.
    #[must_use]
    pub fn of(activity: &Activity) -> Option<Self> {
        match activity {
            Activity::TurnEnded(Ok(StopReason::Cancelled)) => None,
            Activity::TurnEnded(Ok(_)) => Some(Self::Finished),
            Activity::TurnEnded(Err(why)) => Some(Self::Failed(why.clone())),
            Activity::Agent(AgentEvent::Permission(ask)) => Some(Self::Asks(ask.title.clone())),
            Activity::Busy | Activity::Agent(_) => None,
        }
    }

    /// The notification's text under the session's name.
    #[must_use]
    pub fn body(&self) -> String {
        match self {
            Self::Finished => "The agent finished its turn.".to_owned(),
            Self::Failed(why) => format!("The turn failed: {}", first_line(why)),
            Self::Asks(question) => format!("The agent asks: {}", first_line(question)),
        }
    }
}

/// At most this much of a failure or question goes into a notification.
const MOST_CHARS: usize = 200;

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut cut: String = line.chars().take(MOST_CHARS).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    cut
}

/// Sends the app's notifications; one shown per session at a time (a new
/// one replaces the last).
#[derive(Default)]
pub struct Notifier {
    app: OnceLock<AppHandle>,
    /// The notification shown for each session, by its id.
    shown: Arc<Mutex<HashMap<i64, u32>>>,
}

impl Notifier {
    /// Notifications need the app (its window and settings) from here on.
    pub fn attach(&self, app: AppHandle) {
        self.app.set(app).ok();
    }

    /// Tells the desktop of `alert` in `session_id` unless the window is
    /// focused or the setting is off. The work happens on a thread of its
    /// own, which then waits for the person to activate or close it.
    pub fn tell(&self, session_id: i64, alert: Alert) {
        let Some(app) = self.app.get().cloned() else {
            return;
        };
        let focused = app
            .get_webview_window("main")
            .is_some_and(|window| window.is_focused().unwrap_or(false));
        if focused {
            return;
        }
        let shown = Arc::clone(&self.shown);
        let spawned = std::thread::Builder::new()
            .name("notification".to_owned())
            .spawn(move || show(&app, &shown, session_id, &alert));
        spawned.or_log("starting a notification's thread");
    }
}

/// The session to notify of, when notifications are on.
fn wanted(ctx: &Context, session_id: i64) -> Result<Option<Session>, ApiError> {
    let mut store = ctx.store()?;
    if !store.settings().load()?.notify {
        return Ok(None);
    }
    Ok(Some(store.sessions().get(session_id)?))
}

/// Shows the notification and waits until it is activated or closed.
fn show(app: &AppHandle, shown: &Mutex<HashMap<i64, u32>>, session_id: i64, alert: &Alert) {
    let session = match wanted(&app.state::<AppState>().ctx, session_id) {
        Ok(Some(session)) => session,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(session = session_id, error = %e, "no notification: the session was not found");
            return;
        }
    };
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Handoff")
        .summary(&session.title)
        .body(&alert.body())
        .icon("handoff")
        .hint(notify_rust::Hint::DesktopEntry("handoff".to_owned()))
        .action("default", "Show");
    if let Some(&earlier) = lock(shown).get(&session_id) {
        notification.id(earlier);
    }
    let handle = match notification.show() {
        Ok(handle) => handle,
        Err(e) => {
            tracing::warn!(session = session_id, error = %e, "the desktop took no notification");
            return;
        }
    };
    let id = handle.id();
    lock(shown).insert(session_id, id);
    handle.wait_for_action(|action| {
        if action == "default" {
            bring_to_front(app, session_id);
        }
    });
    let mut shown = lock(shown);
    if shown.get(&session_id) == Some(&id) {
        shown.remove(&session_id);
    }
}

/// Brings the window to the front and has the page show `session_id`.
fn bring_to_front(app: &AppHandle, session_id: i64) {
    if let Some(window) = app.get_webview_window("main") {
        window.unminimize().or_log("unminimizing the window");
        window.show().or_log("showing the window");
        window
            .set_focus()
            .or_log("bringing the window to the front");
    }
    app.emit(SHOW_SESSION_EVENT, session_id)
        .or_log("telling the page which session to show");
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cancelled turn and a busy conversation tell nobody; an ended,
    /// failed or asking one does, in words.
    #[test]
    fn what_is_worth_a_notification() {
        assert_eq!(
            Alert::of(&Activity::TurnEnded(Ok(StopReason::Cancelled))),
            None
        );
        assert_eq!(Alert::of(&Activity::Busy), None);
        assert_eq!(
            Alert::of(&Activity::TurnEnded(Ok(StopReason::EndTurn))),
            Some(Alert::Finished)
        );
        let failed = Alert::of(&Activity::TurnEnded(Err("the agent exited\nwith 3".into())));
        assert_eq!(
            failed.map(|a| a.body()),
            Some("The turn failed: the agent exited".to_owned())
        );
        let long = Alert::Asks("x".repeat(500)).body();
        assert!(long.ends_with('…') && long.chars().count() < 240, "{long}");
    }
}
