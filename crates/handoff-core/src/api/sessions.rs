//! Sessions: conversations with one agent in one worktree.

use std::collections::BTreeMap;

use super::{ApiError, Context, profiles, worktrees};
use crate::clock;
use crate::store::{Message, Session};

/// Which agent profile a new session uses.
#[derive(Debug, Clone, Default)]
pub enum ProfileChoice {
    /// The default (the demo agent).
    #[default]
    Default,
    /// The profile with this id.
    Id(i64),
    /// The profile with this name (any case).
    Name(String),
}

/// A session to start.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    /// The worktree the agent works in.
    pub worktree_id: i64,
    /// Its agent.
    pub profile: ProfileChoice,
    /// Its title; "<profile> in <worktree>" when absent or blank.
    pub title: Option<String>,
    /// The mode its agent starts in, instead of the profile's.
    pub mode: Option<String>,
    /// Agent settings (option id → value), instead of the profile's.
    pub options: BTreeMap<String, String>,
}

/// Starts a session (its agent starts with the first prompt).
pub fn create(ctx: &Context, new: NewSession) -> Result<Session, ApiError> {
    let mut store = ctx.store()?;
    let worktree = store.worktrees().get(new.worktree_id)?;
    let profile = match new.profile {
        ProfileChoice::Default => store.profiles().default_profile()?,
        ProfileChoice::Id(id) => store.profiles().get(id)?,
        ProfileChoice::Name(name) => profiles::named(&mut store, &name)?,
    };
    let chosen = new
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let title = if let Some(title) = chosen {
        title.to_owned()
    } else {
        let taken: Vec<String> = store
            .sessions()
            .list(Some(worktree.id))?
            .into_iter()
            .map(|s| s.title)
            .collect();
        untaken(&format!("{} in {}", profile.name, worktree.name), &taken)
    };
    let session = store
        .sessions()
        .create(worktree.id, Some(profile.id), &title, clock::now())?;
    drop(store);
    remember(ctx, session.id, new.mode.as_deref(), &new.options)
}

/// `title`, or `title (2)`, `title (3)`… the first that no session of the
/// worktree has: sessions named for the same agent can be told apart.
fn untaken(title: &str, taken: &[String]) -> String {
    let numbered = |n: usize| format!("{title} ({n})");
    // Of these taken.len() + 1 names, at least one is free.
    std::iter::once(title.to_owned())
        .chain((2..=taken.len() + 1).map(numbered))
        .find(|t| !taken.contains(t))
        .unwrap_or_else(|| numbered(taken.len() + 2))
}

/// Keeps a mode and agent settings for the session's agent (settings are
/// added to the ones kept before); a blank mode changes nothing.
pub fn remember(
    ctx: &Context,
    session_id: i64,
    mode: Option<&str>,
    options: &BTreeMap<String, String>,
) -> Result<Session, ApiError> {
    let mut store = ctx.store()?;
    let session = store.sessions().get(session_id)?;
    if let Some(mode) = mode.map(str::trim).filter(|m| !m.is_empty()) {
        store
            .sessions()
            .set_mode(session.id, Some(mode), clock::now())?;
    }
    if !options.is_empty() {
        let mut kept = session.options;
        kept.extend(options.clone());
        store
            .sessions()
            .set_options(session.id, &kept, clock::now())?;
    }
    Ok(store.sessions().get(session_id)?)
}

/// The most recent session; on a fresh install, a first session with the
/// demo agent in a sample worktree.
pub fn first(ctx: &Context) -> Result<Session, ApiError> {
    if let Some(session) = list(ctx, None)?.into_iter().next() {
        return Ok(session);
    }
    let worktree = worktrees::sample(ctx)?;
    create(
        ctx,
        NewSession {
            worktree_id: worktree.id,
            ..NewSession::default()
        },
    )
}

/// Gives a session another title (trimmed, not blank).
pub fn rename(ctx: &Context, session_id: i64, title: &str) -> Result<Session, ApiError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ApiError::invalid("a session needs a title"));
    }
    Ok(ctx
        .store()?
        .sessions()
        .rename(session_id, title, clock::now())?)
}

/// Sessions, most recent first, of one worktree or all.
pub fn list(ctx: &Context, worktree_id: Option<i64>) -> Result<Vec<Session>, ApiError> {
    Ok(ctx.store()?.sessions().list(worktree_id)?)
}

/// A session's conversation, oldest first.
pub fn messages(ctx: &Context, session_id: i64) -> Result<Vec<Message>, ApiError> {
    let mut store = ctx.store()?;
    store.sessions().get(session_id)?;
    Ok(store.messages().list(session_id)?)
}

/// The files the person can `@`-mention in a session: uploads first, then
/// the worktree's files as git sees them; paths relative to the worktree.
pub fn mentionable(ctx: &Context, session_id: i64) -> Result<Vec<String>, ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    let worktree = store.worktrees().get(session.worktree_id)?;
    if worktree.host.is_some() {
        // Its files are on another machine, not listed from here.
        return Ok(Vec::new());
    }
    Ok(crate::mentions::mentionable(
        &worktree.path,
        &settings.uploads_folder,
    ))
}
