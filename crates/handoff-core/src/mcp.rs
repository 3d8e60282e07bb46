//! The MCP server an agent uses to hand files back: `handoff mcp --session ID`.
//!
//! Handoff lists this server in every ACP `session/new`; the agent starts it
//! over stdio. It serves one session only, proven by the session's secret in
//! `HANDOFF_PUBLISH_TOKEN`. Tools: `publish_file` and `list_uploads`.
//! Failures come back as tool results with `isError`, worded for the agent to
//! act on ("/tmp/x.zip does not exist").

use rmcp::handler::server::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
use serde::Deserialize;

use crate::clock;
use crate::home::Home;
use crate::logging::Chain;
use crate::publish::{self, PublishError, PublishRequest};
use crate::size::ByteSize;
use crate::store::{Direction, FileQuery, Store};

/// The environment variable carrying the session's publish secret.
pub const TOKEN_ENV: &str = "HANDOFF_PUBLISH_TOKEN";

/// The MCP server's name, as agents list it.
pub const SERVER_NAME: &str = "handoff";

/// Arguments of `publish_file`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct PublishArgs {
    /// Path of the file to hand to the person (relative to the worktree, or absolute).
    pub path: String,
    /// Name to show the person; the file's name when absent. Publishing the
    /// same name again adds a new revision.
    #[serde(default)]
    pub display_name: Option<String>,
    /// One sentence on what the file is.
    #[serde(default)]
    pub description: Option<String>,
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The session or its secret is wrong.
    #[error(transparent)]
    Refused(#[from] PublishError),
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The MCP transport failed.
    #[error("MCP server failed: {0}")]
    Transport(String),
}

/// The tools of one session.
#[derive(Clone)]
pub struct PublishServer {
    home: Home,
    session_id: i64,
    max_size: u64,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl PublishServer {
    /// A server for `session_id`, whose secret the caller has checked.
    #[must_use]
    pub fn new(home: Home, session_id: i64, max_size: u64) -> Self {
        Self {
            home,
            session_id,
            max_size,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Hand a file you made (a report, a chart, a patch, an archive) to the person. \
        They see a card in the conversation and can preview, open or save it. The file is copied at once; \
        later changes to it are not shared unless you publish it again."
    )]
    async fn publish_file(
        &self,
        Parameters(args): Parameters<PublishArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let span =
            tracing::info_span!("publish_file", session = self.session_id, path = ?args.path);
        let (home, request) = (
            self.home.clone(),
            PublishRequest {
                session_id: self.session_id,
                path: args.path.into(),
                display_name: args.display_name,
                description: args.description,
                max_size: self.max_size,
            },
        );
        let outcome = tokio::task::spawn_blocking(move || -> Result<_, PublishError> {
            let mut store = Store::open_home(&home)?;
            publish::publish(&mut store, &home, &request, clock::now())
        })
        .await
        .map_err(|e| failed(&span, &e))?;
        Ok(match outcome {
            Ok(published) => {
                let r = &published.record;
                CallToolResult::success(vec![ContentBlock::text(format!(
                    "Published {} (revision {}, {}, {}). The person now sees it in the conversation.",
                    r.display_name.as_deref().unwrap_or(&r.filename),
                    r.revision,
                    ByteSize(r.size),
                    r.mime
                ))])
            }
            Err(e) => {
                tracing::warn!(parent: &span, "refused: {}", Chain(&e));
                CallToolResult::error(vec![ContentBlock::text(e.to_string())])
            }
        })
    }

    #[tool(
        description = "List the files the person handed to you in this session, newest first, \
        with their paths, sizes and types."
    )]
    async fn list_uploads(&self) -> Result<CallToolResult, ErrorData> {
        let span = tracing::info_span!("list_uploads", session = self.session_id);
        let (home, session_id) = (self.home.clone(), self.session_id);
        let files = tokio::task::spawn_blocking(move || {
            let mut store = Store::open_home(&home)?;
            let query = FileQuery {
                session_id: Some(session_id),
                direction: Some(Direction::ToAgent),
                ..FileQuery::default()
            };
            store.files().list(&query)
        })
        .await
        .map_err(|e| failed(&span, &e))?;
        Ok(match files {
            Ok(files) if files.is_empty() => CallToolResult::success(vec![ContentBlock::text(
                "No files were handed to you in this session.",
            )]),
            Ok(files) => {
                let lines: Vec<String> = files
                    .iter()
                    .map(|f| {
                        format!(
                            "{} ({}, {}, {})",
                            f.path.display(),
                            ByteSize(f.size),
                            f.mime,
                            f.status
                        )
                    })
                    .collect();
                CallToolResult::success(vec![ContentBlock::text(lines.join("\n"))])
            }
            Err(e) => {
                tracing::warn!(parent: &span, "failed: {}", Chain(&e));
                CallToolResult::error(vec![ContentBlock::text(e.to_string())])
            }
        })
    }
}

/// A tool's task that panicked or was cancelled: logged in the tool's span,
/// and an internal error for the agent.
fn failed(span: &tracing::Span, e: &tokio::task::JoinError) -> ErrorData {
    tracing::error!(parent: span, "the tool's task failed: {e}");
    ErrorData::internal_error(e.to_string(), None)
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for PublishServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Use publish_file to hand files you made to the person; use list_uploads to see the files they gave you.",
            )
    }
}

/// Serves session `session_id` over stdio until the agent closes it.
/// Refuses at once when `token` is not the session's secret.
pub async fn serve_stdio(
    home: Home,
    session_id: i64,
    token: &str,
    max_size: u64,
) -> Result<(), McpError> {
    let mut store = Store::open_home(&home)?;
    publish::authorize(&mut store, session_id, token)?;
    drop(store);
    // A line that is not JSON gets a Parse error instead of silence.
    let stdio = crate::mcp_stdio::stdio();
    let service = PublishServer::new(home, session_id, max_size)
        .serve(stdio.transport)
        .await
        .map_err(|e| McpError::Transport(e.to_string()))?;
    service
        .waiting()
        .await
        .map_err(|e| McpError::Transport(e.to_string()))?;
    let _ = stdio.writer.await;
    Ok(())
}
