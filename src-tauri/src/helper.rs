//! The helper processes the app's executable serves for agents, chosen by
//! the first argument (`demo-agent`, `mcp --session ID`, `agent-exec --cwd
//! DIR -- PROGRAM ARGS…`): the core's, exactly as the `handoff` command
//! serves them, so an agent profile works the same under either.

use handoff_core::api::{Context, helpers};

/// Runs the helper named by the arguments and returns its exit code, or
/// `None` when the arguments ask for the app itself.
#[must_use]
pub fn run_from_args() -> Option<i32> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let result = match helpers::parse(&args)? {
        Ok(helper) => helper.run(&Context::from_env(None)),
        Err(usage) => {
            let _ = usage.print();
            return Some(2);
        }
    };
    Some(match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("handoff: {e}");
            1
        }
    })
}
