//! One ACP connection to one agent process, for one session.
//!
//! The connection runs as a task: it initializes the agent, opens the
//! session (handing it Handoff's MCP server), then serves prompts and
//! cancels sent through a channel. Streamed updates are recorded and
//! forwarded as they arrive; the agent's file reads and permission requests
//! are answered. Dropping the connection kills the agent's process group.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    AuthenticateRequest, CancelNotification, ClientCapabilities, ContentBlock,
    FileSystemCapabilities, Implementation, InitializeRequest, McpServer, NewSessionRequest,
    NewSessionResponse, PermissionOptionKind, PromptRequest, ReadTextFileRequest,
    ReadTextFileResponse, RequestPermissionOutcome, RequestPermissionRequest,
    RequestPermissionResponse, SelectedPermissionOutcome, SessionConfigOptionValue,
    SessionNotification, SetSessionConfigOptionRequest, SetSessionModeRequest, StopReason,
};
use agent_client_protocol::{Agent, Client, ErrorCode, Responder, V1};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::modes::Modes;
use super::options::{self, Choices, ConfigOption};
use super::recorder::Recorder;
use super::sign_in::AuthMethod;
use super::stderr::StderrTail;
use super::transport::AgentProcess;
use super::{AgentError, AgentEvent, PermissionAsk, PermissionChoice};
use crate::store::{MessageData, MessageKind, NewMessage, Role};

/// How long to wait for the agent's exit status once its connection broke
/// (a loaded machine can take seconds to reap a child that died).
const EXIT_WAIT: Duration = Duration::from_secs(3);

/// How long an internal error waits to tell a dying agent from a live one
/// that refused: the live one's message is shown after this.
const EXIT_PROBE: Duration = Duration::from_secs(1);

/// What the connection needs to start.
pub struct Launch {
    /// The executable to run (Handoff's own, which execs the agent).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// The worktree, absolute: the agent's working folder.
    pub cwd: PathBuf,
    /// MCP servers offered in `session/new`.
    pub mcp_servers: Vec<McpServer>,
    /// Folders the agent may read through `fs/read_text_file`.
    pub read_roots: Vec<PathBuf>,
    /// How long initialize and session/new may take.
    pub handshake_timeout: Duration,
    /// The profile's name, until the agent names itself.
    pub label: String,
    /// The session mode to put the agent in (id or name), if any.
    pub mode: Option<String>,
    /// The settings to give the session (option id or name → value).
    pub options: Choices,
    /// The agent's program and arguments (what its terminal sign-in runs).
    pub agent_command: Vec<String>,
    /// The sign-in method to run (`authenticate`) before opening the session.
    pub authenticate: Option<String>,
    /// The most bytes one message of the agent may hold; a longer one
    /// stops it.
    pub max_message: u64,
}

/// What the agent said of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentInfo {
    /// Its name, for people.
    pub name: String,
    /// Its own id (`agentInfo.name`, e.g. `gemini-cli`), or the profile's
    /// name when it gave none.
    pub id: String,
    /// Whether it takes image blocks in prompts.
    pub images: bool,
    /// Its id for the session.
    pub session_id: String,
    /// The modes it offers and the one the session is in.
    pub modes: Modes,
    /// The settings it offers for the session, with their values.
    pub options: Vec<ConfigOption>,
    /// The ways it offers to sign in.
    pub auth_methods: Vec<AuthMethod>,
    /// The name of the profile it was started from.
    pub profile: String,
    /// It runs on another machine and cannot reach Handoff's publish
    /// tool there (it does not speak MCP over HTTP).
    pub cannot_publish: bool,
}

enum Command {
    Prompt(
        Vec<ContentBlock>,
        oneshot::Sender<Result<StopReason, AgentError>>,
    ),
    Cancel,
    SetMode(String, oneshot::Sender<Result<(), AgentError>>),
    SetOption(
        String,
        SessionConfigOptionValue,
        oneshot::Sender<Result<Vec<ConfigOption>, AgentError>>,
    ),
}

/// A running agent.
pub struct Connection {
    commands: Option<mpsc::UnboundedSender<Command>>,
    task: Option<JoinHandle<Result<(), agent_client_protocol::Error>>>,
    stderr: StderrTail,
    /// What the agent said of itself.
    pub info: AgentInfo,
}

impl Connection {
    /// Starts the agent and opens the session.
    pub async fn start(
        launch: Launch,
        recorder: Arc<Mutex<Recorder>>,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> Result<Self, AgentError> {
        let stderr = StderrTail::default();
        let agent = AgentProcess {
            program: launch.program.clone(),
            args: launch.args.clone(),
            env: launch.env.clone(),
            max_line: usize::try_from(launch.max_message).unwrap_or(usize::MAX),
            stderr: stderr.clone(),
        };
        let (ready_tx, ready_rx) = oneshot::channel();
        let (commands, command_rx) = mpsc::unbounded_channel();
        let timeout = launch.handshake_timeout;
        let task = tokio::spawn(run(
            agent,
            launch,
            recorder,
            events,
            ready_tx,
            command_rx,
            stderr.clone(),
        ));
        let mut connection = Self {
            commands: Some(commands),
            task: Some(task),
            stderr,
            info: AgentInfo::default(),
        };
        match tokio::time::timeout(timeout, ready_rx).await {
            Ok(Ok(Ok(info))) => {
                connection.info = info;
                Ok(connection)
            }
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => {
                // The connection ended before the session opened.
                let message = match connection.task.take() {
                    Some(task) => match tokio::time::timeout(Duration::from_secs(5), task).await {
                        Ok(Ok(Err(e))) if !agent_client_protocol::is_connection_terminated(&e) => {
                            Some(e.message)
                        }
                        _ => None,
                    },
                    None => None,
                };
                connection.stderr.wait_exit(EXIT_WAIT).await;
                Err(match message {
                    Some(message) if connection.stderr.text().is_empty() => {
                        AgentError::Refused { message }
                    }
                    _ => connection.stderr.crashed(),
                })
            }
            Err(_) => Err(AgentError::Timeout {
                stage: "initialize and session/new",
                seconds: timeout.as_secs(),
                stderr_tail: connection.stderr.text(),
            }),
        }
    }

    /// Sends a prompt and waits for the turn to end.
    pub async fn prompt(&self, blocks: Vec<ContentBlock>) -> Result<StopReason, AgentError> {
        self.request(|reply| Command::Prompt(blocks, reply)).await
    }

    /// Switches the session to the mode `id` (`session/set_mode`); refused
    /// while a turn runs.
    pub async fn set_mode(&self, id: String) -> Result<(), AgentError> {
        self.request(|reply| Command::SetMode(id, reply)).await
    }

    /// Sets the session's setting `id` to `value`
    /// (`session/set_config_option`); answers every setting as it is now.
    /// Refused while a turn runs.
    pub async fn set_option(
        &self,
        id: String,
        value: SessionConfigOptionValue,
    ) -> Result<Vec<ConfigOption>, AgentError> {
        self.request(|reply| Command::SetOption(id, value, reply))
            .await
    }

    /// Hands the connection task a command and waits for its answer.
    async fn request<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T, AgentError>>) -> Command,
    ) -> Result<T, AgentError> {
        let (reply, answer) = oneshot::channel();
        let sent = self
            .commands
            .as_ref()
            .is_some_and(|commands| commands.send(command(reply)).is_ok());
        if sent && let Ok(answered) = answer.await {
            return answered;
        }
        // The connection ended before it answered: the agent is gone, and
        // its exit status follows.
        self.stderr.wait_exit(EXIT_WAIT).await;
        Err(self.stderr.crashed())
    }

    /// Asks the agent to stop the running turn.
    pub fn cancel(&self) {
        if let Some(commands) = &self.commands {
            let _ = commands.send(Command::Cancel);
        }
    }

    /// The last lines the agent wrote to stderr.
    #[must_use]
    pub fn stderr_tail(&self) -> String {
        self.stderr.text()
    }

    /// Ends the session: closes the agent's stdin, lets it exit (then
    /// terminates its process group if it does not), and waits for that.
    pub async fn shutdown(mut self) {
        drop(self.commands.take());
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Dropping the connection future kills the agent's process group.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The connection task: handshake, then prompts until the commands end.
async fn run(
    agent: AgentProcess,
    launch: Launch,
    recorder: Arc<Mutex<Recorder>>,
    events: mpsc::UnboundedSender<AgentEvent>,
    ready: oneshot::Sender<Result<AgentInfo, AgentError>>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    stderr: StderrTail,
) -> Result<(), agent_client_protocol::Error> {
    let Launch {
        cwd,
        mcp_servers,
        read_roots,
        label,
        mode,
        options,
        agent_command,
        authenticate,
        ..
    } = launch;
    let client_reads = !read_roots.is_empty();
    let updates = (Arc::clone(&recorder), events.clone());
    let permissions = (recorder, events);
    Client
        .v1()
        .name("handoff")
        .on_receive_notification(
            async move |notification: SessionNotification, _cx| {
                let (recorder, events) = &updates;
                let event = recorder
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .update(&notification.update);
                if let Ok(Some(event)) = event {
                    let _ = events.send(event);
                }
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .on_receive_request(
            async move |request: ReadTextFileRequest, responder, _cx| match read_text(
                &read_roots,
                &request,
            ) {
                Ok(text) => responder.respond(ReadTextFileResponse::new(text)),
                Err(message) => responder.respond_with_error(agent_client_protocol::Error::new(
                    ErrorCode::INVALID_PARAMS,
                    message,
                )),
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: RequestPermissionRequest, responder, cx: ConnectionTo<Agent>| {
                let (recorder, events) = permissions.clone();
                ask_permission(&request, responder, &cx, recorder, &events)
            },
            agent_client_protocol::on_receive_request!(),
        )
        .connect_with(agent, async move |cx: ConnectionTo<Agent>| {
            let asked = Handshake {
                cwd,
                reads: client_reads,
                mcp_servers,
                label: &label,
                mode: mode.as_deref(),
                options: &options,
                agent_command: &agent_command,
                authenticate: authenticate.as_deref(),
            };
            let info = match handshake(&cx, asked).await {
                Ok(info) => info,
                Err(Some(e)) => {
                    let _ = ready.send(Err(e));
                    return Ok(());
                }
                Err(None) => return Ok(()),
            };
            let _ = ready.send(Ok(info.clone()));
            serve(&cx, &info, &mut commands, &stderr).await;
            Ok(())
        })
        .await
}

/// Passes a permission request to the person and answers the agent with
/// their choice (cancelled when nobody listens), recording both.
fn ask_permission(
    request: &RequestPermissionRequest,
    responder: Responder<RequestPermissionResponse, V1>,
    cx: &ConnectionTo<Agent>,
    recorder: Arc<Mutex<Recorder>>,
    events: &mpsc::UnboundedSender<AgentEvent>,
) -> Result<(), agent_client_protocol::Error> {
    let title = request
        .tool_call
        .fields
        .title
        .clone()
        .unwrap_or_else(|| "The agent asks for permission".to_owned());
    let options: Vec<PermissionChoice> = request
        .options
        .iter()
        .map(|o| PermissionChoice {
            id: o.option_id.0.to_string(),
            name: o.name.clone(),
            allow: is_allow(o.kind),
        })
        .collect();
    let (reply, choice) = oneshot::channel();
    let asked = PermissionAsk {
        title: title.clone(),
        options: options.clone(),
        reply,
    };
    let delivered = events.send(AgentEvent::Permission(asked)).is_ok();
    // Wait for the person outside the dispatch loop.
    cx.spawn(async move {
        let chosen = if delivered {
            choice.await.ok().flatten()
        } else {
            None
        };
        let name = chosen
            .as_ref()
            .and_then(|id| options.iter().find(|o| &o.id == id))
            .map(|o| o.name.clone());
        let body = format!("{title}: {}", name.as_deref().unwrap_or("cancelled"));
        let data = MessageData::Permission {
            options,
            chosen: chosen.clone(),
        };
        let written = recorder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(&NewMessage::with(
                Role::System,
                MessageKind::Permission,
                body,
                data,
            ));
        if let Err(e) = written {
            tracing::error!(error = %e, "the conversation did not record a permission answer");
        }
        let outcome = match chosen {
            Some(id) => RequestPermissionOutcome::Selected(SelectedPermissionOutcome::new(id)),
            None => RequestPermissionOutcome::Cancelled,
        };
        responder.respond(RequestPermissionResponse::new(outcome))
    })
}

/// What the handshake asks of the agent.
struct Handshake<'a> {
    cwd: PathBuf,
    /// Whether the agent may read files through Handoff (not a remote
    /// agent: Handoff's reads are of this machine).
    reads: bool,
    mcp_servers: Vec<McpServer>,
    label: &'a str,
    mode: Option<&'a str>,
    options: &'a Choices,
    agent_command: &'a [String],
    authenticate: Option<&'a str>,
}

/// Initializes, signs in when asked to, and opens the session.
/// `Err(None)`: the connection ended.
async fn handshake(
    cx: &ConnectionTo<Agent>,
    asked: Handshake<'_>,
) -> Result<AgentInfo, Option<AgentError>> {
    let Handshake {
        cwd,
        reads,
        mcp_servers,
        label,
        mode,
        options: asked_options,
        agent_command,
        authenticate,
    } = asked;
    let init = cx
        .send_request(
            InitializeRequest::new(ProtocolVersion::V1)
                .client_capabilities(
                    ClientCapabilities::new()
                        .fs(FileSystemCapabilities::new().read_text_file(reads))
                        // Terminal sign-in: the person runs the command Handoff shows.
                        .meta(terminal_auth_meta()),
                )
                .client_info(
                    Implementation::new("handoff", env!("CARGO_PKG_VERSION")).title("Handoff"),
                ),
        )
        .block_task()
        .await
        .map_err(refused)?;
    let name = init.agent_info.as_ref().map_or_else(
        || label.to_owned(),
        |i| i.title.clone().unwrap_or_else(|| i.name.clone()),
    );
    let images = init.agent_capabilities.prompt_capabilities.image;
    let auth_methods: Vec<AuthMethod> = init
        .auth_methods
        .iter()
        .map(|m| AuthMethod::from_acp(m, agent_command))
        .collect();
    if let Some(method) = authenticate {
        cx.send_request(AuthenticateRequest::new(method.to_owned()))
            .block_task()
            .await
            .map_err(|e| {
                refused(e).map(|e| AgentError::Refused {
                    message: format!("signing in failed: {e}"),
                })
            })?;
    }
    // An HTTP server only for an agent that says it speaks MCP over HTTP.
    let http = init.agent_capabilities.mcp_capabilities.http;
    let (mcp_servers, unreachable): (Vec<_>, Vec<_>) = mcp_servers
        .into_iter()
        .partition(|server| http || !matches!(server, McpServer::Http(_)));
    match cx
        .send_request(NewSessionRequest::new(cwd).mcp_servers(mcp_servers))
        .block_task()
        .await
    {
        Ok(session) => {
            let (modes, options) = settle(cx, &session, mode, asked_options, &name).await?;
            Ok(AgentInfo {
                id: init
                    .agent_info
                    .as_ref()
                    .map_or_else(|| label.to_owned(), |i| i.name.clone()),
                name,
                images,
                session_id: session.session_id.0.to_string(),
                modes,
                options,
                auth_methods,
                profile: label.to_owned(),
                cannot_publish: !unreachable.is_empty(),
            })
        }
        Err(e)
            if e.code == ErrorCode::AUTH_REQUIRED || e.message.to_lowercase().contains("auth") =>
        {
            Err(Some(AgentError::AuthRequired {
                agent: name,
                profile: label.to_owned(),
                methods: auth_methods,
            }))
        }
        Err(e) => Err(refused(e)),
    }
}

/// A failed handshake request: `None` when the agent is gone.
fn refused(e: agent_client_protocol::Error) -> Option<AgentError> {
    if agent_client_protocol::is_connection_terminated(&e)
        || agent_client_protocol::is_incoming_transport_closed(&e)
    {
        None
    } else {
        Some(AgentError::Refused { message: e.message })
    }
}

/// Puts a new session in the mode and settings asked for; answers them as
/// they are then.
async fn settle(
    cx: &ConnectionTo<Agent>,
    session: &NewSessionResponse,
    mode: Option<&str>,
    asked_options: &Choices,
    agent: &str,
) -> Result<(Modes, Vec<ConfigOption>), Option<AgentError>> {
    let mut modes = Modes::from_state(session.modes.as_ref());
    if let Some(asked) = mode {
        let id = modes.find(asked, agent).map_err(Some)?.id.clone();
        if modes.current.as_deref() != Some(id.as_str()) {
            cx.send_request(SetSessionModeRequest::new(
                session.session_id.clone(),
                id.clone(),
            ))
            .block_task()
            .await
            .map_err(refused)?;
            modes.current = Some(id);
        }
    }
    let mut options = options::from_acp(session.config_options.as_deref().unwrap_or_default());
    for (key, value) in asked_options {
        let (id, value) = options::resolve(&options, key, value, agent).map_err(Some)?;
        let set = cx
            .send_request(SetSessionConfigOptionRequest::new(
                session.session_id.clone(),
                id,
                value,
            ))
            .block_task()
            .await
            .map_err(refused)?;
        options = options::from_acp(&set.config_options);
    }
    Ok((modes, options))
}

/// Serves prompts one at a time; a cancel during a turn is passed on.
async fn serve(
    cx: &ConnectionTo<Agent>,
    info: &AgentInfo,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    stderr: &StderrTail,
) {
    let session_id = info.session_id.as_str();
    while let Some(command) = commands.recv().await {
        let (blocks, reply) = match command {
            Command::Prompt(blocks, reply) => (blocks, reply),
            Command::SetMode(id, reply) => {
                let set = cx
                    .send_request(SetSessionModeRequest::new(session_id.to_owned(), id))
                    .block_task()
                    .await;
                let _ = reply.send(match set {
                    Ok(_) => Ok(()),
                    Err(e) => Err(failure(&e, stderr).await),
                });
                continue;
            }
            Command::SetOption(id, value, reply) => {
                let set = cx
                    .send_request(SetSessionConfigOptionRequest::new(
                        session_id.to_owned(),
                        id,
                        value,
                    ))
                    .block_task()
                    .await;
                let _ = reply.send(match set {
                    Ok(set) => Ok(options::from_acp(&set.config_options)),
                    Err(e) => Err(failure(&e, stderr).await),
                });
                continue;
            }
            Command::Cancel => continue,
        };
        let turn = cx
            .send_request(PromptRequest::new(session_id.to_owned(), blocks))
            .block_task();
        tokio::pin!(turn);
        let result = loop {
            tokio::select! {
                result = &mut turn => break result,
                command = commands.recv() => match command {
                    Some(Command::Cancel) => {
                        let _ = cx.send_notification(CancelNotification::new(session_id.to_owned()));
                    }
                    Some(Command::Prompt(_, busy)) => {
                        let _ = busy.send(Err(AgentError::Busy));
                    }
                    Some(Command::SetMode(_, busy)) => {
                        let _ = busy.send(Err(AgentError::Busy));
                    }
                    Some(Command::SetOption(_, _, busy)) => {
                        let _ = busy.send(Err(AgentError::Busy));
                    }
                    None => return,
                },
            }
        };
        let _ = reply.send(match result {
            Ok(response) => Ok(response.stop_reason),
            // Some agents only find out at the first prompt that nobody signed in.
            Err(e) if e.code == ErrorCode::AUTH_REQUIRED => Err(AgentError::AuthRequired {
                agent: info.name.clone(),
                profile: info.profile.clone(),
                methods: info.auth_methods.clone(),
            }),
            Err(e) => Err(failure(&e, stderr).await),
        });
    }
}

/// A failed request: the agent is gone (even when the transport reports
/// it as an internal error, the agent's exit tells), or it refused.
async fn failure(e: &agent_client_protocol::Error, stderr: &StderrTail) -> AgentError {
    if agent_client_protocol::is_connection_terminated(e)
        || agent_client_protocol::is_incoming_transport_closed(e)
    {
        stderr.wait_exit(EXIT_WAIT).await;
        return stderr.crashed();
    }
    if e.code == ErrorCode::INTERNAL_ERROR && stderr.wait_exit(EXIT_PROBE).await.is_some() {
        return stderr.crashed();
    }
    AgentError::Refused {
        message: e.message.clone(),
    }
}

/// Reads a text file for the agent, only inside the allowed folders.
fn read_text(roots: &[PathBuf], request: &ReadTextFileRequest) -> Result<String, String> {
    let path = std::fs::canonicalize(&request.path)
        .map_err(|e| format!("{}: {e}", request.path.display()))?;
    let allowed = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .any(|r| path.starts_with(r));
    if !allowed {
        return Err(format!(
            "{} is outside the worktree and Handoff's upload folders",
            request.path.display()
        ));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let start = request.line.map_or(0, |l| l.saturating_sub(1) as usize);
    let lines = text.lines().skip(start);
    Ok(match request.limit {
        Some(limit) => lines.take(limit as usize).collect::<Vec<_>>().join("\n"),
        None if start == 0 => text,
        None => lines.collect::<Vec<_>>().join("\n"),
    })
}

fn is_allow(kind: PermissionOptionKind) -> bool {
    matches!(
        kind,
        PermissionOptionKind::AllowOnce | PermissionOptionKind::AllowAlways
    )
}

/// Says that Handoff shows terminal sign-in commands to the person (the
/// `terminal-auth` capability agents read from `_meta`).
fn terminal_auth_meta() -> serde_json::Map<String, serde_json::Value> {
    let mut meta = serde_json::Map::new();
    meta.insert("terminal-auth".to_owned(), json!(true));
    meta
}
