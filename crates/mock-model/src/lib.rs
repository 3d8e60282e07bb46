//! A model server for tests: real coding agents (Claude Code, Codex, Gemini
//! CLI) send their model requests here instead of to a provider.
//!
//! It listens on 127.0.0.1 only, speaks the Anthropic Messages, `OpenAI`
//! Responses and Gemini `streamGenerateContent` APIs far enough for an agent
//! to run a turn, answers each agent's main requests from a [`Script`]
//! (call a tool, stream text), answers side requests (titles, suggestions,
//! token counts) with a fixed reply, and records every request so a test
//! can assert what the model was sent.
//!
//! ```no_run
//! use handoff_mock_model::{MockModel, Script};
//! use serde_json::json;
//!
//! let mock = MockModel::start(
//!     Script::new()
//!         .call_tool_containing("publish_file", json!({"path": "out/report.md"}))
//!         .then_text("Done."),
//! )
//! .unwrap();
//! // Point the agent at mock.url(), run it, then:
//! let images = mock.requests().iter().flat_map(|r| r.images()).count();
//! # let _ = images;
//! ```

pub mod agents;
mod anthropic;
mod extract;
mod gemini;
mod openai;
mod sse;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub use extract::Image;

/// What the mock answers to an agent's main requests, one step per request.
#[derive(Debug, Clone)]
pub struct Script {
    steps: Vec<Step>,
    side_reply: String,
}

/// One scripted answer to a main request.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Call the first offered tool whose name contains `name_contains`, with
    /// these arguments.
    CallTool {
        /// A part of the tool's name, e.g. `publish_file` for
        /// `mcp__handoff__publish_file`.
        name_contains: String,
        /// The tool's arguments.
        args: Value,
    },
    /// Stream this text and end the turn.
    Text(String),
    /// Stream the start of this text, then hold the response open, sending
    /// nothing more, until the agent hangs up (a turn to cancel).
    Stall(String),
}

impl Default for Script {
    fn default() -> Self {
        Self::new()
    }
}

impl Script {
    /// A script with no steps: every request gets the side reply.
    #[must_use]
    pub fn new() -> Self {
        Self {
            steps: Vec::new(),
            side_reply: "OK".to_owned(),
        }
    }

    /// Next, call the offered tool whose name contains `name_contains`.
    #[must_use]
    pub fn call_tool_containing(mut self, name_contains: &str, args: Value) -> Self {
        self.steps.push(Step::CallTool {
            name_contains: name_contains.to_owned(),
            args,
        });
        self
    }

    /// Next, stream `text` and end the turn.
    #[must_use]
    pub fn then_text(mut self, text: &str) -> Self {
        self.steps.push(Step::Text(text.to_owned()));
        self
    }

    /// Next, stream the start of `text` and stall until the agent gives up.
    #[must_use]
    pub fn then_stall(mut self, text: &str) -> Self {
        self.steps.push(Step::Stall(text.to_owned()));
        self
    }

    /// The text for side requests (titles, suggestions, classifiers) and for
    /// main requests once the steps are used up (default `OK`).
    #[must_use]
    pub fn side_reply(mut self, text: &str) -> Self {
        text.clone_into(&mut self.side_reply);
        self
    }
}

/// Which provider API a request spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Anthropic Messages (`/v1/messages`).
    Anthropic,
    /// `OpenAI` Responses (`/v1/responses`).
    OpenAi,
    /// Gemini (`/v1beta/models/{model}:…`).
    Gemini,
    /// Anything else (answered 404).
    Unknown,
}

/// How the mock answered a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A main request, answered with this step of the script.
    Step(Step),
    /// A main request wanting a tool call, but no offered tool matched;
    /// answered with a text saying so.
    ToolMissing(String),
    /// A side request (or a main one after the script ran out), answered
    /// with the side reply.
    Side,
    /// A token count.
    Count,
    /// Not understood: 404.
    NotFound,
}

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// The path and query, e.g. `/v1/messages?beta=true`.
    pub path: String,
    /// The API it spoke.
    pub api: Api,
    /// The body parsed as JSON (`Null` when it was not JSON).
    pub body: Value,
    /// How it was answered.
    pub answer: Answer,
}

impl Request {
    /// Whether it was a main request answered from the script.
    #[must_use]
    pub fn is_scripted(&self) -> bool {
        matches!(self.answer, Answer::Step(_) | Answer::ToolMissing(_))
    }

    /// The names of the tools the request offered the model.
    #[must_use]
    pub fn tool_names(&self) -> Vec<String> {
        self.offered_tools()
            .into_iter()
            .map(|t| t.display_name())
            .collect()
    }

    /// Every picture in the request (base64 blocks, `data:` URLs, inline
    /// data), decoded.
    #[must_use]
    pub fn images(&self) -> Vec<Image> {
        extract::images(&self.body)
    }

    /// Every text in the request: prompts, system text, tool results.
    #[must_use]
    pub fn texts(&self) -> Vec<String> {
        extract::texts(&self.body)
    }

    fn offered_tools(&self) -> Vec<Tool> {
        match self.api {
            Api::Anthropic => anthropic::tools(&self.body),
            Api::OpenAi => openai::tools(&self.body),
            Api::Gemini => gemini::tools(&self.body),
            Api::Unknown => Vec::new(),
        }
    }
}

/// A tool offered to the model: its name, and for `OpenAI` the namespace it
/// was grouped under.
#[derive(Debug, Clone)]
struct Tool {
    name: String,
    namespace: Option<String>,
}

impl Tool {
    fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// What a provider module is asked to send back.
enum Reply<'a> {
    Text(&'a str),
    Call {
        tool: &'a Tool,
        args: &'a Value,
        /// Makes the call's id unique within the server's life.
        id: usize,
    },
}

#[derive(Debug)]
struct State {
    script: Script,
    next_step: usize,
    requests: Vec<Request>,
}

/// The running server; stops when dropped.
pub struct MockModel {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl MockModel {
    /// Starts a server on 127.0.0.1 on a free port, on its own threads, so
    /// both plain and async tests can use it.
    pub fn start(script: Script) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("mock-model")
            .enable_all()
            .build()?;
        // Bound without blocking on the runtime: tests may call this from
        // inside their own.
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let listener = {
            let _inside = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let state = Arc::new(Mutex::new(State {
            script,
            next_step: 0,
            requests: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
            let state = Arc::clone(&shared);
            async move {
                let (response, stall) = handle(&state, &method, &uri, &body);
                match stall {
                    Some(text) => sse::stalled(response, &text).await,
                    None => response,
                }
            }
        });
        // Prompts carry pictures: take bodies as large as a provider does.
        let app = app.layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            state,
            runtime: Some(runtime),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    #[must_use]
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.state).requests.clone()
    }

    /// Replaces the script (for the next turn of a reused session); the
    /// recorded requests stay.
    pub fn set_script(&self, script: Script) {
        let mut state = lock(&self.state);
        state.script = script;
        state.next_step = 0;
    }
}

impl Drop for MockModel {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn api_of(path: &str) -> Api {
    let path = path.split('?').next().unwrap_or(path);
    if path.starts_with("/v1/messages") {
        Api::Anthropic
    } else if path.ends_with("/responses") {
        Api::OpenAi
    } else if path.contains("/models/") && path.contains(':') {
        Api::Gemini
    } else {
        Api::Unknown
    }
}

/// Answers a request; with the text to stall after, for a stalled step.
fn handle(
    state: &Mutex<State>,
    method: &Method,
    uri: &Uri,
    body: &Bytes,
) -> (Response, Option<String>) {
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), ToString::to_string);
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let api = api_of(&path);
    let mut request = Request {
        method: method.to_string(),
        path,
        api,
        body,
        answer: Answer::NotFound,
    };
    let mut state = lock(state);
    let response = answer(&mut state, &mut request);
    let stall = match &request.answer {
        Answer::Step(Step::Stall(text)) => Some(text.clone()),
        _ => None,
    };
    state.requests.push(request);
    (response, stall)
}

/// Picks the answer, notes it in `request`, and renders it in the API's
/// shape.
fn answer(state: &mut State, request: &mut Request) -> Response {
    let body = &request.body;
    let bare = request.path.split('?').next().unwrap_or_default();
    let counting = bare.ends_with("/count_tokens") || bare.ends_with(":countTokens");
    if request.api == Api::Unknown {
        return (StatusCode::NOT_FOUND, "mock model: unknown endpoint").into_response();
    }
    if counting {
        request.answer = Answer::Count;
        return match request.api {
            Api::Gemini => gemini::count(body),
            _ => anthropic::count(body),
        };
    }
    let stream = match request.api {
        Api::Anthropic => body["stream"].as_bool().unwrap_or(false),
        Api::OpenAi => body["stream"].as_bool().unwrap_or(true),
        _ => bare.contains(":streamGenerateContent"),
    };
    let tools = request.offered_tools();
    let main = stream && !tools.is_empty();
    let step = if main {
        state.script.steps.get(state.next_step).cloned()
    } else {
        None
    };
    let side_reply = state.script.side_reply.clone();
    let missing;
    let matched;
    let reply = match &step {
        None => {
            request.answer = Answer::Side;
            Reply::Text(&side_reply)
        }
        Some(step) => {
            state.next_step += 1;
            match step {
                Step::Text(text) | Step::Stall(text) => {
                    request.answer = Answer::Step(step.clone());
                    Reply::Text(text)
                }
                Step::CallTool {
                    name_contains,
                    args,
                } => {
                    // A tool of exactly that name wins (`Write` over `TodoWrite`).
                    let found = tools
                        .iter()
                        .find(|t| t.name == *name_contains)
                        .or_else(|| tools.iter().find(|t| t.name.contains(name_contains)));
                    if let Some(tool) = found {
                        request.answer = Answer::Step(step.clone());
                        matched = tool.clone();
                        Reply::Call {
                            tool: &matched,
                            args,
                            id: state.requests.len(),
                        }
                    } else {
                        missing = format!(
                            "The mock model wanted a tool named like {name_contains}, \
                             but none was offered."
                        );
                        request.answer = Answer::ToolMissing(name_contains.clone());
                        Reply::Text(&missing)
                    }
                }
            }
        }
    };
    match request.api {
        Api::Anthropic => anthropic::reply(body, &reply, stream),
        Api::OpenAi => openai::reply(body, &reply),
        _ => gemini::reply(body, &reply, stream),
    }
}
