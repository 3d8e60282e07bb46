//! `handoff demo-agent`: a real ACP agent with no model, deterministic.
//!
//! It advertises image prompts and, for every prompt, streams back a report
//! of what it received: the text, each image (type, pixel size, hash) and
//! each linked file (read from disk: size, hash, first lines). When the
//! prompt says `publish <path> [as <name>]`, it calls `publish_file` on the
//! MCP server it was given, as a real MCP client, and reports the result.
//! When it says `ask permission`, it asks the client for permission first.
//! It offers two session modes: `default` (asks only when told to) and `ask`
//! (asks before every publish). Lines such as `make file PATH`, `edit file
//! PATH`, `delete file PATH` and `make N files in FOLDER` it carries out with
//! its own code, telling the client nothing ([`files`]), as a coding
//! agent's shell commands would.
//! It is the default agent, so Handoff does its whole job with no account.

mod files;
mod report;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    AgentCapabilities, CancelNotification, ContentBlock, ContentChunk, CurrentModeUpdate,
    Implementation, InitializeRequest, InitializeResponse, McpCapabilities, McpServer,
    NewSessionRequest, NewSessionResponse, PermissionOption, PermissionOptionKind,
    PromptCapabilities, PromptRequest, PromptResponse, RequestPermissionOutcome,
    RequestPermissionRequest, SessionMode, SessionModeState, SessionNotification, SessionUpdate,
    SetSessionModeRequest, SetSessionModeResponse, StopReason, TextContent, ToolCall,
    ToolCallLocation, ToolCallStatus, ToolCallUpdate, ToolCallUpdateFields, ToolKind,
};
use agent_client_protocol::{Agent, Client, Stdio};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};

/// The demo agent's name, as it introduces itself.
pub const NAME: &str = "handoff-demo-agent";

/// What the agent remembers of a session.
#[derive(Debug, Clone)]
struct DemoSession {
    publish_server: Option<McpServer>,
    /// The session's working folder.
    cwd: std::path::PathBuf,
    /// `default` or `ask`.
    mode: &'static str,
}

/// The modes the demo agent offers: (id, name, what it does).
const MODES: [(&str, &str, &str); 2] = [
    (
        "default",
        "Default",
        "Asks for permission when the prompt says so",
    ),
    (
        "ask",
        "Ask first",
        "Asks for permission before every publish",
    ),
];

fn mode_state(current: &str) -> SessionModeState {
    SessionModeState::new(
        current.to_owned(),
        MODES
            .iter()
            .map(|(id, name, about)| SessionMode::new(*id, *name).description((*about).to_owned()))
            .collect(),
    )
}

type Sessions = Arc<Mutex<HashMap<String, DemoSession>>>;

/// Serves ACP over this process's stdin and stdout until the client leaves.
pub async fn run() -> Result<(), agent_client_protocol::Error> {
    let sessions: Sessions = Arc::default();
    let for_new = Arc::clone(&sessions);
    let for_prompt = Arc::clone(&sessions);
    let for_mode = Arc::clone(&sessions);
    Agent
        .v1()
        .name(NAME)
        .on_receive_request(
            async |init: InitializeRequest, responder, _cx| {
                responder.respond(
                    InitializeResponse::new(init.protocol_version)
                        .agent_capabilities(
                            AgentCapabilities::new()
                                .prompt_capabilities(PromptCapabilities::new().image(true))
                                .mcp_capabilities(McpCapabilities::new().http(true)),
                        )
                        .agent_info(
                            Implementation::new(NAME, env!("CARGO_PKG_VERSION"))
                                .title("Handoff demo agent"),
                        ),
                )
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: NewSessionRequest, responder, _cx| {
                let cwd = request.cwd.clone();
                let publish_server = request
                    .mcp_servers
                    .into_iter()
                    .find(|server| matches!(server, McpServer::Stdio(_) | McpServer::Http(_)));
                let mut sessions = for_new
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let id = format!("demo-{}", sessions.len() + 1);
                sessions.insert(
                    id.clone(),
                    DemoSession {
                        publish_server,
                        cwd,
                        mode: MODES[0].0,
                    },
                );
                responder.respond(NewSessionResponse::new(id).modes(mode_state(MODES[0].0)))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: SetSessionModeRequest, responder, cx: ConnectionTo<Client>| {
                match set_mode(&for_mode, &request, &cx) {
                    Ok(response) => responder.respond(response),
                    Err(()) => {
                        responder.respond_with_error(agent_client_protocol::Error::invalid_params())
                    }
                }
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: PromptRequest, responder, cx: ConnectionTo<Client>| {
                let session = for_prompt
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get(request.session_id.0.as_ref())
                    .cloned();
                let Some(session) = session else {
                    return responder
                        .respond_with_error(agent_client_protocol::Error::invalid_params());
                };
                // Answer outside the dispatch loop: the answer may ask the
                // client for permission, which needs the loop running.
                let worker = cx.clone();
                cx.spawn(async move {
                    let stop = answer(&worker, &request, &session).await;
                    responder.respond(PromptResponse::new(stop))
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_notification(
            async |_cancel: CancelNotification, _cx| Ok(()),
            agent_client_protocol::on_receive_notification!(),
        )
        .connect_to(Stdio::new())
        .await
}

/// Streams the report for one prompt, then ends the turn.
async fn answer(
    cx: &ConnectionTo<Client>,
    request: &PromptRequest,
    session: &DemoSession,
) -> StopReason {
    let say = |text: String| {
        let chunk = ContentChunk::new(ContentBlock::Text(TextContent::new(text)));
        let _ = cx.send_notification(SessionNotification::new(
            request.session_id.clone(),
            SessionUpdate::AgentMessageChunk(chunk),
        ));
    };
    let parts = request.prompt.len();
    let plural = if parts == 1 { "" } else { "s" };
    say(format!("I got your message in {parts} part{plural}:\n"));
    let mut asked_text = String::new();
    for block in &request.prompt {
        let line = match block {
            ContentBlock::Text(t) => {
                asked_text.push_str(&t.text);
                format!("text: {:?}", t.text)
            }
            ContentBlock::Image(image) => report::image(&image.mime_type, &image.data),
            ContentBlock::ResourceLink(link) => {
                report::linked_file(&link.name, &link.uri, link.mime_type.as_deref())
            }
            ContentBlock::Audio(_) => "audio: not supported by the demo agent".to_owned(),
            ContentBlock::Resource(_) => "embedded resource: not read by the demo agent".to_owned(),
            _ => "unknown block".to_owned(),
        };
        say(format!("{line}\n"));
    }
    let publishing = report::publish_request(&asked_text);
    let ask = asked_text.to_lowercase().contains("ask permission")
        || (session.mode == "ask" && publishing.is_some());
    if ask && !permission_granted(cx, request).await {
        say("Permission refused; doing nothing.\n".to_owned());
        return StopReason::EndTurn;
    }
    let work = files::asked(&asked_text);
    if !work.is_empty() {
        say(files::run(&session.cwd, &work));
    }
    if let Some((path, name)) = publishing {
        if let Some(wrote) = write_when_missing(&session.cwd, &path, name.as_deref()) {
            say(wrote);
        }
        say(publish(cx, request, session, &path, name.as_deref()).await);
    }
    StopReason::EndTurn
}

/// Writes a short file at `path` (inside `cwd`, relative, no `..`) when
/// there is none, as an agent asked to publish a report would write it
/// first; says so. Anything else is left to `publish_file` to judge.
fn write_when_missing(cwd: &std::path::Path, path: &str, name: Option<&str>) -> Option<String> {
    use std::path::Component;
    let relative = std::path::Path::new(path);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    let target = cwd.join(relative);
    if !plain || std::fs::symlink_metadata(&target).is_ok() {
        return None;
    }
    let title = name.map_or_else(
        || {
            relative
                .file_stem()
                .map_or_else(|| path.to_owned(), |s| s.to_string_lossy().into_owned())
        },
        str::to_owned,
    );
    let text = format!(
        "# {title}\n\nWritten by the Handoff demo agent, which has no model: you asked it to \
         publish this file, and it did not exist yet.\n"
    );
    let written = target
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&target)
        })
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()));
    Some(match written {
        Ok(()) => format!("{path} did not exist: I wrote it.\n"),
        Err(e) => format!("{path} did not exist, and I could not write it: {e}\n"),
    })
}

/// Switches a session to one of [`MODES`] and tells the client; `Err` for
/// an unknown session or mode.
fn set_mode(
    sessions: &Sessions,
    request: &SetSessionModeRequest,
    cx: &ConnectionTo<Client>,
) -> Result<SetSessionModeResponse, ()> {
    let (mode, ..) = MODES
        .iter()
        .find(|(id, ..)| *id == request.mode_id.0.as_ref())
        .ok_or(())?;
    sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get_mut(request.session_id.0.as_ref())
        .ok_or(())?
        .mode = mode;
    let _ = cx.send_notification(SessionNotification::new(
        request.session_id.clone(),
        SessionUpdate::CurrentModeUpdate(CurrentModeUpdate::new(*mode)),
    ));
    Ok(SetSessionModeResponse::new())
}

/// Asks the client whether to go on; true when an allow option was chosen.
async fn permission_granted(cx: &ConnectionTo<Client>, request: &PromptRequest) -> bool {
    let tool_call = ToolCallUpdate::new(
        "demo-permission",
        ToolCallUpdateFields::new()
            .title("Go ahead with the demo request")
            .kind(ToolKind::Other),
    );
    let options = vec![
        PermissionOption::new("allow", "Allow", PermissionOptionKind::AllowOnce),
        PermissionOption::new("reject", "Reject", PermissionOptionKind::RejectOnce),
    ];
    let asked = cx
        .send_request(RequestPermissionRequest::new(
            request.session_id.clone(),
            tool_call,
            options,
        ))
        .block_task()
        .await;
    matches!(asked, Ok(response) if matches!(&response.outcome,
        RequestPermissionOutcome::Selected(selected) if selected.option_id.0.as_ref() == "allow"))
}

/// Calls `publish_file` through the session's MCP server and says how it went.
async fn publish(
    cx: &ConnectionTo<Client>,
    request: &PromptRequest,
    session: &DemoSession,
    path: &str,
    name: Option<&str>,
) -> String {
    let Some(server) = &session.publish_server else {
        return "Cannot publish: the client gave me no MCP server.\n".to_owned();
    };
    let tool_call_id = "demo-publish";
    let update = |status: ToolCallStatus| {
        let update = ToolCallUpdate::new(tool_call_id, ToolCallUpdateFields::new().status(status));
        let _ = cx.send_notification(SessionNotification::new(
            request.session_id.clone(),
            SessionUpdate::ToolCallUpdate(update),
        ));
    };
    let call = ToolCall::new(tool_call_id, format!("publish_file {path}"))
        .kind(ToolKind::Other)
        .locations(vec![ToolCallLocation::new(session.cwd.join(path))])
        .status(ToolCallStatus::InProgress);
    let _ = cx.send_notification(SessionNotification::new(
        request.session_id.clone(),
        SessionUpdate::ToolCall(call),
    ));
    match call_publish(server, path, name).await {
        Ok((false, text)) => {
            update(ToolCallStatus::Completed);
            format!("publish_file: {text}\n")
        }
        Ok((true, text)) => {
            update(ToolCallStatus::Failed);
            format!("publish_file refused: {text}\n")
        }
        Err(e) => {
            update(ToolCallStatus::Failed);
            format!("publish_file failed: {e}\n")
        }
    }
}

/// Reaches the MCP server as given in `session/new` (starts it, or
/// connects to it over HTTP with the headers given), calls the tool, and
/// returns (`is_error`, text).
async fn call_publish(
    server: &McpServer,
    path: &str,
    name: Option<&str>,
) -> Result<(bool, String), String> {
    let client = match server {
        McpServer::Stdio(server) => {
            let command = tokio::process::Command::new(&server.command).configure(|cmd| {
                cmd.args(&server.args);
                for var in &server.env {
                    cmd.env(&var.name, &var.value);
                }
            });
            let transport = TokioChildProcess::new(command).map_err(|e| e.to_string())?;
            ().serve(transport).await.map_err(|e| e.to_string())?
        }
        McpServer::Http(server) => {
            let mut config = StreamableHttpClientTransportConfig::with_uri(server.url.as_str());
            if let Some(token) = server
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("authorization"))
                .and_then(|h| h.value.strip_prefix("Bearer "))
            {
                config = config.auth_header(token);
            }
            let transport = StreamableHttpClientTransport::from_config(config);
            ().serve(transport).await.map_err(|e| e.to_string())?
        }
        _ => return Err("the demo agent speaks MCP over stdio and HTTP only".to_owned()),
    };
    let mut arguments = serde_json::Map::new();
    arguments.insert("path".into(), path.into());
    if let Some(name) = name {
        arguments.insert("display_name".into(), name.into());
    }
    arguments.insert(
        "description".into(),
        "Published by the demo agent on request.".into(),
    );
    let result = client
        .call_tool(CallToolRequestParams::new("publish_file").with_arguments(arguments))
        .await
        .map_err(|e| e.to_string());
    let _ = client.cancel().await;
    let result = result?;
    let text = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join(" ");
    Ok((result.is_error.unwrap_or(false), text))
}
