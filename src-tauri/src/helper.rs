//! The helper processes the app's executable serves for agents, chosen by
//! the first argument: `demo-agent`, `mcp --session ID` and
//! `agent-exec --cwd DIR -- PROGRAM ARGS…`. They match the `handoff`
//! command's, so an agent profile works the same under either.

use std::ffi::OsString;
use std::path::PathBuf;

use handoff_core::Home;
use handoff_core::agent::launch;
use handoff_core::mcp::{self, TOKEN_ENV};
use handoff_core::publish::DEFAULT_MAX_SIZE;

/// Runs the helper named by the arguments and returns its exit code, or
/// `None` when the arguments ask for the app itself.
#[must_use]
pub fn run_from_args() -> Option<i32> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let command = args.first()?.to_str()?;
    let result = match command {
        "demo-agent" => runtime().and_then(|rt| {
            rt.block_on(handoff_core::demo_agent::run())
                .map_err(|e| e.message)
        }),
        "mcp" => mcp_server(&args[1..]),
        "agent-exec" => Err(agent_exec(&args[1..])),
        _ => return None,
    };
    Some(match result {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("handoff: {message}");
            1
        }
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Runtime::new().map_err(|e| e.to_string())
}

fn mcp_server(args: &[OsString]) -> Result<(), String> {
    let session = match args {
        [flag, id, ..] if flag == "--session" => id
            .to_str()
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or("--session needs a session id")?,
        _ => return Err("usage: mcp --session ID".to_owned()),
    };
    let token = std::env::var(TOKEN_ENV).map_err(|_| format!("{TOKEN_ENV} is not set"))?;
    runtime()?
        .block_on(mcp::serve_stdio(
            Home::from_env(),
            session,
            &token,
            DEFAULT_MAX_SIZE,
        ))
        .map_err(|e| e.to_string())
}

fn agent_exec(args: &[OsString]) -> String {
    let [flag, cwd, separator, program, rest @ ..] = args else {
        return "usage: agent-exec --cwd DIR -- PROGRAM ARGS…".to_owned();
    };
    if flag != "--cwd" || separator != "--" {
        return "usage: agent-exec --cwd DIR -- PROGRAM ARGS…".to_owned();
    }
    let error = launch::exec_agent(&PathBuf::from(cwd), program, rest);
    format!("cannot start {}: {error}", program.to_string_lossy())
}
