//! The processes Handoff starts for agents: the MCP publish server, the demo
//! agent, and the step that starts an agent in its worktree, tied to Handoff.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use handoff_core::agent::launch;
use handoff_core::mcp::{self, TOKEN_ENV};
use handoff_core::publish::DEFAULT_MAX_SIZE;
use handoff_core::size::ByteSize;

use crate::context::Context;

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// The session whose files this server publishes (its secret comes in
    /// HANDOFF_PUBLISH_TOKEN).
    #[arg(long, value_name = "ID")]
    session: i64,
    /// Largest file an agent may publish.
    #[arg(long, value_name = "SIZE", default_value_t = ByteSize(DEFAULT_MAX_SIZE))]
    max_size: ByteSize,
}

#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// The folder to run the agent in.
    #[arg(long, value_name = "DIR")]
    cwd: PathBuf,
    /// The agent's program and its arguments.
    #[arg(required = true, last = true)]
    command: Vec<OsString>,
}

/// `handoff mcp`: serves `publish_file` and `list_uploads` on stdio.
pub fn mcp(ctx: &Context, args: &McpArgs) -> Result<bool> {
    let token = std::env::var(TOKEN_ENV)
        .with_context(|| format!("{TOKEN_ENV} is not set; Handoff passes it to agents"))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(mcp::serve_stdio(
        ctx.home.clone(),
        args.session,
        &token,
        args.max_size.0,
    ))?;
    Ok(true)
}

/// `handoff demo-agent`: the built-in ACP agent on stdio.
pub fn demo_agent() -> Result<bool> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime
        .block_on(handoff_core::demo_agent::run())
        .map_err(|e| anyhow::anyhow!("demo agent: {}", e.message))?;
    Ok(true)
}

/// `handoff agent-exec`: runs the agent tied to Handoff, and exits with its
/// status (returns only on failure).
pub fn agent_exec(args: &ExecArgs) -> Result<bool> {
    let (program, rest) = args
        .command
        .split_first()
        .context("no agent program given")?;
    let error = launch::exec_agent(&args.cwd, program, rest);
    Err(anyhow::anyhow!(
        "cannot start {}: {error}",
        program.to_string_lossy()
    ))
}
