//! Talking to coding agents over the Agent Client Protocol (ACP).
//!
//! An [`AgentSession`] starts the session's agent (its profile's command, in
//! the session's worktree), opens an ACP session that offers Handoff's MCP
//! publish server, and sends prompts composed from a message and the files
//! handed over (see [`prompt`]). Everything the agent streams is recorded in
//! the session's conversation and forwarded as [`AgentEvent`]s. Failures
//! (not installed, sign-in needed, crash, hang) are typed, carry the agent's
//! stderr tail, and are recorded in the conversation too; the uploads they
//! concern are never lost. The agent's process group dies with the session,
//! and with Handoff itself.

mod connection;
mod error;
pub mod launch;
mod modes;
pub mod options;
pub mod picture;
mod probe;
pub mod prompt;
mod recorder;
pub mod remote_launch;
mod remote_pictures;
mod sign_in;
mod stderr;
mod supervise;
mod tool_detail;
mod transport;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use agent_client_protocol::v1::schema::{EnvVariable, McpServer, McpServerStdio};
use tokio::sync::{mpsc, oneshot};

pub use agent_client_protocol::v1::schema::StopReason;
pub use connection::AgentInfo;
pub use error::AgentError;
pub use modes::{Mode, Modes};
pub use options::{ConfigOption, OptionValue};
pub use probe::{probe, sign_in};
pub use sign_in::{AuthMethod, SignIn};

use crate::clock;
use crate::destination::{Destination, Folder, Roots};
use crate::home::{HOME_ENV, Home};
use crate::mcp;
use crate::mcp_http::HttpServer;
use crate::store::{
    AgentProfile, AuthWay, ErrorData, FileRecord, MessageData, MessageKind, NewMessage, Role,
    Session, Store, Unsent, Worktree,
};
use connection::{Connection, Launch};
use recorder::Recorder;

/// The profile used when a session names none.
pub use crate::words::DEFAULT_PROFILE;

/// How long an agent may take to initialize and open a session.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// What the agent is doing, as it happens.
#[derive(Debug)]
pub enum AgentEvent {
    /// A piece of the agent's reply.
    Text(String),
    /// A piece of the agent's reasoning.
    Thought(String),
    /// A tool call started or changed status.
    ToolCall {
        /// The call's id.
        id: String,
        /// What it does.
        title: String,
        /// `pending`, `in_progress`, `completed` or `failed`.
        status: String,
        /// The files it touches (`path` or `path:line`).
        paths: Vec<String>,
    },
    /// The agent's plan.
    Plan(Vec<String>),
    /// The agent switched its session to another mode (its id).
    Mode(String),
    /// The agent's settings for the session changed (all of them, as now).
    Options(Vec<ConfigOption>),
    /// The agent asks for permission; answer through `reply`.
    Permission(PermissionAsk),
}

/// A permission request waiting for the person.
#[derive(Debug)]
pub struct PermissionAsk {
    /// What the agent wants to do.
    pub title: String,
    /// The choices it offers.
    pub options: Vec<PermissionChoice>,
    /// Send the chosen option's id, or `None` to cancel.
    pub reply: oneshot::Sender<Option<String>>,
}

/// One choice of a permission request.
pub use crate::words::agent::PermissionChoice;

/// How to run a session's agent.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Handoff's data folder (passed on to the MCP server).
    pub home: Home,
    /// Handoff's own executable (runs the exec step, the MCP server, the demo agent).
    pub handoff_exe: PathBuf,
    /// Where temp and global uploads live (folders the agent may read).
    pub roots: Roots,
    /// How long the agent may take to start.
    pub handshake_timeout: Duration,
    /// How long one turn may take; `None` waits as long as the agent works.
    pub prompt_timeout: Option<Duration>,
}

/// A turn being watched for what the agent makes: in a worktree on this
/// machine, or in a remote one.
enum Watching {
    Here(crate::outputs::TurnWatch),
    There(crate::remote::RemoteSpec, crate::outputs::RemoteTurn),
}

/// A running agent attached to a Handoff session.
pub struct AgentSession {
    connection: Connection,
    recorder: Arc<Mutex<Recorder>>,
    session: Session,
    worktree: Worktree,
    prompt_timeout: Option<Duration>,
    /// The mode set since the agent started, when it changed.
    mode: Mutex<Option<String>>,
    /// The agent's settings for the session, as last heard.
    options: Mutex<Vec<ConfigOption>>,
    /// A remote agent's publish server and forward, kept as long as the session.
    _publish: Option<RemotePublish>,
    /// How its worktree's machine is reached, when it is remote.
    connect: crate::remote::ConnectOptions,
    /// What the last turn made in the worktree.
    made: Mutex<crate::outputs::Found>,
}

impl AgentSession {
    /// Starts the agent of session `session_id`. Failures are recorded in
    /// the conversation as well as returned.
    pub async fn start(
        options: &SessionOptions,
        session_id: i64,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> Result<Self, AgentError> {
        let mut store = Store::open_home(&options.home)?;
        let session = store.sessions().get(session_id)?;
        let worktree = store.worktrees().get(session.worktree_id)?;
        let profile = match session.agent_profile_id {
            Some(id) => store.profiles().get(id)?,
            None => store.profiles().default_profile()?,
        };
        let settings = store.settings().load()?;
        let recorder = Arc::new(Mutex::new(Recorder::new(store, session_id)));
        let mut publish = None;
        let started = match place(options, &session, &profile, &worktree, &settings).await {
            Ok(Placed {
                program,
                exec_in,
                env,
                mcp_servers,
                read_roots,
                publish: bridge,
            }) => {
                publish = bridge;
                let launch = Launch {
                    program: options.handoff_exe.clone(),
                    args: launch::exec_args(&exec_in, &program),
                    env,
                    cwd: worktree.folder(),
                    mcp_servers,
                    read_roots,
                    handshake_timeout: options.handshake_timeout,
                    label: profile.name.clone(),
                    mode: session
                        .mode
                        .clone()
                        .or_else(|| profile.default_mode.clone()),
                    options: profile
                        .default_options
                        .clone()
                        .into_iter()
                        .chain(session.options.clone())
                        .collect(),
                    agent_command: program.command_line(),
                    authenticate: None,
                    max_message: settings.max_agent_message,
                };
                Connection::start(launch, Arc::clone(&recorder), events).await
            }
            Err(e) => Err(e),
        };
        let connection = match started {
            Ok(connection) => connection,
            Err(e) => {
                record_error(&recorder, &e);
                return Err(e);
            }
        };
        if connection.info.cannot_publish {
            let note = format!(
                "{} runs on {} and does not speak MCP over HTTP, so it cannot reach Handoff's publish_file tool from there: files it makes stay on that machine.",
                connection.info.name,
                worktree.host.as_deref().unwrap_or("another machine")
            );
            if let Err(e) = with(&recorder, |r| {
                r.record(&NewMessage::text(Role::System, note))
            }) {
                tracing::warn!(error = %e, "the conversation did not record a note");
            }
        }
        let agent_options = connection.info.options.clone();
        Ok(Self {
            connection,
            recorder,
            session,
            worktree,
            prompt_timeout: options.prompt_timeout,
            mode: Mutex::new(None),
            _publish: publish,
            connect: crate::remote::ConnectOptions::for_settings(&settings),
            options: Mutex::new(agent_options),
            made: Mutex::default(),
        })
    }

    /// What the agent said of itself.
    #[must_use]
    pub fn info(&self) -> &AgentInfo {
        &self.connection.info
    }

    /// The modes the agent offers, with the one the session is in now.
    #[must_use]
    pub fn modes(&self) -> Modes {
        let mut modes = self.connection.info.modes.clone();
        if let Some(current) = self
            .mode
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            modes.current = Some(current);
        }
        modes
    }

    /// Switches the running agent to the mode `asked` (its id or name) and
    /// remembers it for the session's next start. Refused while a turn runs.
    pub async fn set_mode(&self, asked: &str) -> Result<Modes, AgentError> {
        let id = self
            .connection
            .info
            .modes
            .find(asked, &self.connection.info.name)?
            .id
            .clone();
        self.connection.set_mode(id.clone()).await?;
        with(&self.recorder, |r| {
            r.store()
                .sessions()
                .set_mode(self.session.id, Some(&id), clock::now())
        })?;
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner) = Some(id);
        Ok(self.modes())
    }

    /// The settings the agent offers for the session, with their values.
    #[must_use]
    pub fn options(&self) -> Vec<ConfigOption> {
        self.options
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets the agent's setting `key` (its id or name) to `value` (an id or
    /// name it takes) on the running agent, and remembers it for the
    /// session's next start. Refused while a turn runs.
    pub async fn set_option(
        &self,
        key: &str,
        value: &str,
    ) -> Result<Vec<ConfigOption>, AgentError> {
        let (id, chosen) =
            options::resolve(&self.options(), key, value, &self.connection.info.name)?;
        let remembered = options::value_text(&chosen);
        let now = self.connection.set_option(id.clone(), chosen).await?;
        with(&self.recorder, |r| {
            let mut asked = r.store().sessions().get(self.session.id)?.options;
            asked.insert(id, remembered);
            r.store()
                .sessions()
                .set_options(self.session.id, &asked, clock::now())
        })?;
        now.clone_into(&mut self.options.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(now)
    }

    /// Prompts the agent with `message` (placeholders filled from `files`)
    /// and the files themselves, and waits for the turn to end. The prompt,
    /// how each file was sent, and any failure are recorded; the files stay
    /// where they are whatever happens.
    pub async fn prompt(
        &self,
        message: &str,
        files: &[FileRecord],
    ) -> Result<StopReason, AgentError> {
        let (text, records) = (message.to_owned(), files.to_vec());
        let worktree = self.worktree.folder();
        let delivery = prompt::Delivery::for_agent(&self.info().id, self.info().images);
        let copies = match self.worktree.remote() {
            Some(spec) if delivery.images => {
                remote_pictures::fetch(&spec, &self.connect, &records).await
            }
            _ => remote_pictures::Copies::default(),
        };
        // Pictures are read and may be scaled: not on the async threads.
        let composed = tokio::task::spawn_blocking(move || {
            prompt::compose_reading(&text, &records, Some(&worktree), delivery, &copies.paths)
        })
        .await
        .map_err(|e| AgentError::Store(format!("composing the prompt failed: {e}")))?;
        with(&self.recorder, |r| {
            r.record(&NewMessage::text(Role::User, composed.text.clone()))?;
            if !composed.ways.is_empty() {
                let body = composed
                    .ways
                    .iter()
                    .map(crate::store::FileWay::describe)
                    .collect::<Vec<_>>()
                    .join("; ");
                r.record(&NewMessage::with(
                    Role::System,
                    MessageKind::Files,
                    format!("Sent {body}"),
                    MessageData::Sent {
                        files: composed.ways,
                    },
                ))?;
            }
            Ok(())
        })?;
        let watch = self.watch_outputs().await;
        let turn = self.connection.prompt(composed.blocks);
        let result = match self.prompt_timeout {
            Some(limit) => tokio::time::timeout(limit, turn).await.unwrap_or_else(|_| {
                self.connection.cancel();
                Err(AgentError::Timeout {
                    stage: "the prompt",
                    seconds: limit.as_secs(),
                    stderr_tail: self.connection.stderr_tail(),
                })
            }),
            None => turn.await,
        };
        if let Err(e) = self
            .recorder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .end_turn()
        {
            tracing::error!(error = %e, "the rest of the agent's reply was not kept");
        }
        if let Some(watch) = watch {
            self.record_outputs(watch).await;
        }
        match &result {
            Ok(StopReason::EndTurn) => {}
            Err(e) => {
                record_error(&self.recorder, e);
                let ids: Vec<i64> = files.iter().map(|f| f.id).collect();
                with(&self.recorder, |r| {
                    keep_unsent(r.store(), self.session.id, message, &ids)
                })?;
            }
            Ok(stop) => {
                let line = NewMessage::with(
                    Role::System,
                    MessageKind::Text,
                    format!("The turn ended: {}.", describe_stop(*stop)),
                    MessageData::TurnEnded {
                        stop_reason: serde_json::to_value(stop)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                    },
                );
                with(&self.recorder, |r| r.record(&line))?;
            }
        }
        result
    }

    /// What the last turn made, changed and deleted in the worktree.
    #[must_use]
    pub fn made(&self) -> crate::outputs::Found {
        self.made
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Starts watching the worktree for what the turn makes: here, its
    /// events and git; on a remote, a listing over the kept connection.
    async fn watch_outputs(&self) -> Option<Watching> {
        let settings = with(&self.recorder, |r| {
            // Edits described in a turn that never ended are not this one's.
            r.take_described();
            r.store().settings().load()
        })
        .inspect_err(|e| tracing::warn!(error = %e, "no settings for a turn's outputs"))
        .ok()?;
        if let Some(spec) = self.worktree.remote() {
            let remote = crate::remote::Remote::connect(&spec, &self.connect)
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "no look at a remote turn's outputs"))
                .ok()?;
            let turn = crate::outputs::RemoteTurn::start(
                &remote,
                &settings.noise_folders,
                &settings.uploads_folder,
            )
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "listing a remote worktree failed"))
            .ok()?;
            return Some(Watching::There(spec, turn));
        }
        let folder = self.worktree.folder();
        tokio::task::spawn_blocking(move || {
            crate::outputs::TurnWatch::start(
                &folder,
                &settings.noise_folders,
                &settings.uploads_folder,
            )
        })
        .await
        .inspect_err(|e| tracing::error!(error = %e, "watching a turn's outputs failed"))
        .ok()
        .map(Watching::Here)
    }

    /// Finds and records what the turn made; a failure is logged, never
    /// the turn's.
    async fn record_outputs(&self, watch: Watching) {
        let described = with(&self.recorder, |r| {
            Ok::<_, crate::StoreError>(r.take_described())
        })
        .unwrap_or_default();
        let found = match watch {
            Watching::Here(watch) => tokio::task::spawn_blocking(move || watch.finish(&described))
                .await
                .map_err(|e| e.to_string()),
            Watching::There(spec, turn) => {
                match crate::remote::Remote::connect(&spec, &self.connect).await {
                    Ok(remote) => turn
                        .finish(&remote, &described)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        let found = match found {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "finding a turn's outputs failed");
                return;
            }
        };
        if let Err(e) = with(&self.recorder, |r| {
            crate::outputs::record(r.store(), &self.session, &found, clock::now())
        }) {
            tracing::error!(error = %e, "the conversation did not record a turn's outputs");
        }
        *self.made.lock().unwrap_or_else(PoisonError::into_inner) = found;
    }

    /// Asks the agent to stop the running turn.
    pub fn cancel(&self) {
        self.connection.cancel();
    }

    /// Ends the agent process cleanly.
    pub async fn shutdown(self) {
        self.connection.shutdown().await;
    }
}

/// Attaches to the session's newest error the prompt it kept from going
/// out (`retry`: the message and the files' ids), so that the person sees
/// it and can send it again.
pub fn keep_unsent(
    store: &mut Store,
    session_id: i64,
    message: &str,
    file_ids: &[i64],
) -> Result<(), crate::StoreError> {
    let Some(error) = store
        .messages()
        .last_of_kind(session_id, MessageKind::Error)?
    else {
        return Ok(());
    };
    let Some(MessageData::Error(mut data)) = error.data else {
        return Ok(());
    };
    data.retry = Some(Unsent {
        message: message.to_owned(),
        file_ids: file_ids.to_vec(),
    });
    store
        .messages()
        .update(error.id, &error.body, Some(&MessageData::Error(data)))
}

/// Why a turn ended, in a person's words.
#[must_use]
pub fn describe_stop(stop: StopReason) -> &'static str {
    match stop {
        StopReason::EndTurn => "end of turn",
        StopReason::MaxTokens => "the agent ran out of tokens",
        StopReason::MaxTurnRequests => "too many requests in one turn",
        StopReason::Refusal => "the agent refused",
        StopReason::Cancelled => "cancelled",
        _ => "stopped",
    }
}

/// The MCP server offered to the agent: this Handoff's `mcp` command for
/// this session, with the session's secret.
fn publish_server(options: &SessionOptions, session: &Session) -> McpServer {
    McpServer::Stdio(
        McpServerStdio::new(mcp::SERVER_NAME, &options.handoff_exe)
            .args(vec![
                "mcp".to_owned(),
                "--session".to_owned(),
                session.id.to_string(),
            ])
            .env(vec![
                EnvVariable::new(HOME_ENV, options.home.dir().to_string_lossy().into_owned()),
                EnvVariable::new(mcp::TOKEN_ENV, session.publish_token.clone()),
            ]),
    )
}

/// Where and how a session's agent runs.
struct Placed {
    /// The agent's program.
    program: launch::Program,
    /// The local folder the tie process starts it in.
    exec_in: PathBuf,
    /// Extra environment for the local process.
    env: Vec<(String, String)>,
    /// The MCP servers offered to it.
    mcp_servers: Vec<McpServer>,
    /// What it may read through Handoff (nothing for a remote agent: it
    /// reads its own machine's files).
    read_roots: Vec<PathBuf>,
    /// How a remote agent reaches the publish server here.
    publish: Option<RemotePublish>,
}

/// A remote agent's way back: the session's HTTP publish server here and
/// the port forwarded to it from the remote's loopback (closed first).
struct RemotePublish {
    _forward: crate::remote::Forwarded,
    _server: HttpServer,
}

/// Runs the agent in the worktree: here, or for a remote worktree, on its
/// machine through the person's `ssh` over the kept master (with the
/// profile's environment set there), whose connection forwards a port on
/// the remote's loopback to the session's HTTP publish server here.
async fn place(
    options: &SessionOptions,
    session: &Session,
    profile: &AgentProfile,
    worktree: &Worktree,
    settings: &crate::Settings,
) -> Result<Placed, AgentError> {
    if let Some(spec) = worktree.remote() {
        let connect = crate::remote::ConnectOptions::for_settings(settings);
        let remote = crate::remote::Remote::connect(&spec, &connect).await?;
        let server = HttpServer::start(
            options.home.clone(),
            session.id,
            &session.publish_token,
            crate::publish::DEFAULT_MAX_SIZE,
        )
        .map_err(|e| AgentError::Store(format!("cannot start the publish server: {e}")))?;
        let forward = remote.forward(server.port()).await?;
        let env_file = if profile.env.is_empty() {
            None
        } else {
            Some(remote.env_file(&profile.env).await?)
        };
        return Ok(Placed {
            program: remote_launch::ssh_program(
                profile,
                &options.handoff_exe,
                &spec,
                connect.ssh_config.as_deref(),
                remote.session().control_socket(),
                env_file.as_deref(),
            ),
            exec_in: options.home.dir().to_owned(),
            env: Vec::new(),
            mcp_servers: vec![remote_launch::mcp_server(
                forward.remote_port(),
                &session.publish_token,
            )],
            read_roots: Vec::new(),
            publish: Some(RemotePublish {
                _forward: forward,
                _server: server,
            }),
        });
    }
    Ok(Placed {
        program: launch::resolve(profile, &options.handoff_exe)?,
        exec_in: worktree.path.clone(),
        env: profile.env.clone().into_iter().collect(),
        mcp_servers: vec![publish_server(options, session)],
        read_roots: if offers_reads(profile) {
            read_roots(options, &worktree.path, settings)
        } else {
            Vec::new()
        },
        publish: None,
    })
}

/// Whether the agent is offered `fs/read_text_file`. Not Gemini CLI: it
/// asks the client for a file before it writes it and takes the client's
/// "no such file" for a failure (its ACP client passes the error on as a
/// plain object, which its check for a missing file cannot read), so with
/// the offer it could never make a new file; without it, it reads and
/// writes with its own tools, in its worktree as everywhere else.
fn offers_reads(profile: &AgentProfile) -> bool {
    !std::iter::once(&profile.command)
        .chain(&profile.args)
        .any(|part| part.to_ascii_lowercase().contains("gemini"))
}

/// The worktree and the temp and global uploads folders, as the settings
/// name them.
fn read_roots(
    options: &SessionOptions,
    worktree: &Path,
    settings: &crate::Settings,
) -> Vec<PathBuf> {
    let mut roots = vec![worktree.to_owned()];
    for destination in [Destination::Temp, Destination::Global] {
        if let Ok(folder) = Folder::resolve(destination, &options.roots, None, settings) {
            roots.push(folder.path());
        }
    }
    roots
}

fn with<T>(
    recorder: &Mutex<Recorder>,
    f: impl FnOnce(&mut Recorder) -> Result<T, crate::StoreError>,
) -> Result<T, AgentError> {
    Ok(f(&mut recorder
        .lock()
        .unwrap_or_else(PoisonError::into_inner))?)
}

fn record_error(recorder: &Mutex<Recorder>, error: &AgentError) {
    let mut data = ErrorData {
        kind: error.kind(),
        stderr_tail: error.stderr_tail().map(str::to_owned),
        auth_methods: Vec::new(),
        profile: None,
        retry: None,
    };
    if let AgentError::AuthRequired {
        methods, profile, ..
    } = error
    {
        data.auth_methods = methods
            .iter()
            .map(|m| AuthWay {
                method: m.clone(),
                instruction: m.instruction(profile),
            })
            .collect();
        data.profile = Some(profile.clone());
    }
    let message = NewMessage::with(
        Role::System,
        MessageKind::Error,
        error.headline(),
        MessageData::Error(data),
    );
    if let Err(e) = with(recorder, |r| r.record(&message)) {
        tracing::error!(error = %e, failure = %error, "the conversation did not record a failure");
    }
}
