//! Checking that an agent profile works before a session depends on it: the
//! command is started in a scratch folder, the ACP handshake (initialize and
//! `session/new`) is run, and the agent is shut down again. Nothing is
//! written to the person's database.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::connection::{Connection, Launch};
use super::recorder::Recorder;
use super::{AgentError, AgentInfo, SessionOptions, launch};
use crate::clock;
use crate::store::{AgentProfile, Store};

/// Starts `profile`'s agent, opens an ACP session and ends it; returns what
/// the agent said of itself, or why it could not start (not installed, needs
/// sign-in, crashed, hung — with its stderr tail).
pub async fn probe(
    options: &SessionOptions,
    profile: &AgentProfile,
) -> Result<AgentInfo, AgentError> {
    handshake(options, profile, None).await
}

/// Asks `profile`'s agent to sign in with `method` (ACP `authenticate`: the
/// agent may open a browser and wait for the person), then opens a session
/// to show that it worked. Allow `options.handshake_timeout` for the person.
pub async fn sign_in(
    options: &SessionOptions,
    profile: &AgentProfile,
    method: &str,
) -> Result<AgentInfo, AgentError> {
    handshake(options, profile, Some(method)).await
}

async fn handshake(
    options: &SessionOptions,
    profile: &AgentProfile,
    authenticate: Option<&str>,
) -> Result<AgentInfo, AgentError> {
    let program = launch::resolve(profile, &options.handoff_exe)?;
    let scratch = tempfile::tempdir().map_err(|e| AgentError::Store(e.to_string()))?;
    let cwd = scratch
        .path()
        .canonicalize()
        .unwrap_or_else(|_| scratch.path().to_owned());
    // The handshake may stream updates; they go to a throwaway database.
    let mut store = Store::open(&cwd.join("probe.db"))?;
    let worktree = store.worktrees().ensure(&cwd, clock::now())?;
    let session = store
        .sessions()
        .create(worktree.id, None, "probe", clock::now())?;
    let recorder = Arc::new(Mutex::new(Recorder::new(store, session.id)));
    let (events, _ignored) = mpsc::unbounded_channel();
    let launch = Launch {
        program: options.handoff_exe.clone(),
        args: launch::exec_args(&cwd, &program),
        env: profile.env.clone().into_iter().collect(),
        cwd: cwd.clone(),
        mcp_servers: Vec::new(),
        read_roots: vec![cwd],
        handshake_timeout: options.handshake_timeout,
        label: profile.name.clone(),
        mode: profile.default_mode.clone(),
        options: profile.default_options.clone(),
        agent_command: program.command_line(),
        authenticate: authenticate.map(str::to_owned),
        max_message: crate::Settings::default().max_agent_message,
    };
    let connection = Connection::start(launch, recorder, events).await?;
    let info = connection.info.clone();
    connection.shutdown().await;
    Ok(info)
}
