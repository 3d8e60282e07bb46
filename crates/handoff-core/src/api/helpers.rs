//! The processes Handoff starts for agents, served by both executables (the
//! `handoff` command and the app) so an agent profile works the same under
//! either: the MCP publish server, the demo agent, and the step that starts
//! an agent in its worktree tied to Handoff.

use std::ffi::OsString;
use std::path::PathBuf;

use super::{ApiError, Context};
use crate::ErrorKind;
use crate::agent::launch;
use crate::mcp::{self, TOKEN_ENV};
use crate::publish::DEFAULT_MAX_SIZE;
use crate::size::ByteSize;

/// A helper process and its arguments.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Helper {
    /// Serve the publish tools for one session over MCP on stdio (started
    /// by agents).
    Mcp(McpArgs),
    /// Run the built-in demo agent (ACP on stdio).
    DemoAgent,
    /// Run an agent in its worktree, tied to Handoff: it ends when Handoff
    /// ends (started by Handoff for each agent).
    #[command(hide = true)]
    AgentExec(ExecArgs),
}

/// How the MCP publish server runs.
#[derive(Debug, Clone, clap::Args)]
pub struct McpArgs {
    /// The session whose files this server publishes (its secret comes in
    /// the environment).
    #[arg(long, value_name = "ID")]
    pub session: i64,
    /// Largest file an agent may publish.
    #[arg(long, value_name = "SIZE", default_value_t = ByteSize(DEFAULT_MAX_SIZE))]
    pub max_size: ByteSize,
}

/// How an agent is started.
#[derive(Debug, Clone, clap::Args)]
pub struct ExecArgs {
    /// The folder to run the agent in.
    #[arg(long, value_name = "DIR")]
    pub cwd: PathBuf,
    /// The agent's program and its arguments.
    #[arg(required = true, last = true)]
    pub command: Vec<OsString>,
}

/// The helpers' names, as the first argument of either executable.
pub const NAMES: [&str; 3] = ["mcp", "demo-agent", "agent-exec"];

/// Parses the arguments of a helper (`args` without the executable's
/// name): `None` when the first is not a helper's name.
#[must_use]
pub fn parse(args: &[OsString]) -> Option<Result<Helper, clap::Error>> {
    #[derive(clap::Parser)]
    #[command(name = "handoff")]
    struct Line {
        #[command(subcommand)]
        helper: Helper,
    }
    let first = args.first()?.to_str()?;
    NAMES.contains(&first).then(|| {
        <Line as clap::Parser>::try_parse_from(
            std::iter::once(OsString::from("handoff")).chain(args.iter().cloned()),
        )
        .map(|line| line.helper)
    })
}

impl Helper {
    /// Runs the helper until its input ends. `agent-exec` returns only when
    /// the agent could not be started.
    pub fn run(self, ctx: &Context) -> Result<(), ApiError> {
        let failed = |e: std::io::Error| ApiError::new(ErrorKind::Internal, e.to_string());
        match self {
            Self::Mcp(args) => {
                let token = std::env::var(TOKEN_ENV).map_err(|_| {
                    ApiError::invalid(format!(
                        "{TOKEN_ENV} is not set; Handoff passes it to agents"
                    ))
                })?;
                tokio::runtime::Runtime::new()
                    .map_err(failed)?
                    .block_on(mcp::serve_stdio(
                        ctx.home.clone(),
                        args.session,
                        &token,
                        args.max_size.0,
                    ))
                    .map_err(|e| ApiError::new(ErrorKind::Internal, e.to_string()))
            }
            Self::DemoAgent => tokio::runtime::Runtime::new()
                .map_err(failed)?
                .block_on(crate::demo_agent::run())
                .map_err(|e| {
                    ApiError::new(ErrorKind::Internal, format!("demo agent: {}", e.message))
                }),
            Self::AgentExec(args) => {
                let (program, rest) = args
                    .command
                    .split_first()
                    .ok_or_else(|| ApiError::invalid("no agent program given"))?;
                let error = launch::exec_agent(&args.cwd, program, rest);
                Err(ApiError::new(
                    ErrorKind::AgentNotInstalled,
                    format!("cannot start {}: {error}", program.to_string_lossy()),
                ))
            }
        }
    }
}
