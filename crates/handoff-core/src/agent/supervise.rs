//! Keeping every process an agent starts within Handoff's reach.
//!
//! `handoff agent-exec` runs as two processes between Handoff and the agent:
//!
//! - the **tie**, the process Handoff starts. The ACP transport makes it the
//!   leader of a process group and signals that group (and it) to end the
//!   agent. The kernel kills it when Handoff dies, however Handoff dies. It
//!   starts the keeper and waits for it, passing a SIGTERM on (and, should
//!   the keeper be killed, ends what the keeper kept).
//! - the **keeper**, the tie's child, in a process group of its own so that
//!   no signal aimed at the tie's group reaches it. It is a child subreaper:
//!   everything the agent starts stays below it, even a daemon that forks
//!   and calls `setsid()`. It starts the agent, and when the agent ends, or
//!   the tie dies or passes a signal on, it ends all the processes below it
//!   (SIGTERM, then SIGKILL after a grace period) and exits with the
//!   agent's status.
//!
//! So an agent's processes end with the session (the transport ends the
//! tie's group), and with Handoff even on `kill -9`: the tie dies with
//! Handoff, and the keeper with the tie.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustix::process::{Pid, Signal};

use crate::process;

/// Set in the keeper's environment: the tie's pid.
const TIE_ENV: &str = "HANDOFF_AGENT_TIE";

/// How long the agent's processes get to end after SIGTERM. The ACP
/// transport waits two seconds after its own SIGTERM before it kills the
/// tie, and the tie should have seen the keeper finish by then.
const GRACE: Duration = Duration::from_secs(1);

/// How often the tie and the keeper look at their children and signals.
const TICK: Duration = Duration::from_millis(50);

/// Runs `program` in `cwd` as the tie or the keeper (see the module), and
/// exits with the agent's status. Returns only if that cannot start.
pub fn run(cwd: &Path, program: &OsStr, args: &[OsString]) -> std::io::Error {
    let stop = match stop_flag() {
        Ok(stop) => stop,
        Err(e) => return e,
    };
    let tie = std::env::var(TIE_ENV)
        .ok()
        .and_then(|pid| pid.parse().ok())
        .and_then(Pid::from_raw);
    let code = match tie {
        None => be_the_tie(&stop),
        Some(tie) => be_the_keeper(tie, &stop, cwd, program, args),
    };
    match code {
        Ok(code) => std::process::exit(code),
        Err(e) => e,
    }
}

/// A flag raised by SIGTERM, SIGINT or SIGHUP.
fn stop_flag() -> std::io::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [Signal::TERM, Signal::INT, Signal::HUP] {
        signal_hook::flag::register(signal.as_raw(), Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// Whether the parent is still `expected` (else it died and this process
/// was handed to another).
fn parent_is(expected: Option<Pid>) -> bool {
    expected.is_some() && rustix::process::getppid() == expected
}

fn be_the_tie(stop: &AtomicBool) -> std::io::Result<i32> {
    let handoff = rustix::process::getppid();
    // The signal is delivered when Handoff dies, even by SIGKILL. If
    // Handoff is already gone, stop here.
    rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
    if handoff.is_none_or(|p| p.as_raw_nonzero().get() == 1) || !parent_is(handoff) {
        return Err(std::io::Error::other(
            "Handoff exited before the agent started",
        ));
    }
    // Should the keeper itself be killed, what it kept comes here.
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))?;
    let mut keeper = Command::new(std::env::current_exe()?)
        .args(std::env::args_os().skip(1))
        .env(
            TIE_ENV,
            rustix::process::getpid().as_raw_nonzero().to_string(),
        )
        .process_group(0)
        .spawn()?;
    let mut passed_on = false;
    loop {
        if let Some(status) = keeper.try_wait()? {
            process::end_descendants(GRACE);
            let code = exit_code(status);
            if !passed_on {
                // The last line Handoff reads: how the agent ended.
                eprintln!("{}{code}", super::stderr::EXIT_MARK);
            }
            return Ok(code);
        }
        if stop.load(Ordering::Relaxed) && !passed_on {
            if let Some(pid) = Pid::from_raw(keeper.id() as i32) {
                crate::process::signalled_or_gone(rustix::process::kill_process(pid, Signal::TERM));
            }
            passed_on = true;
        }
        std::thread::sleep(TICK);
    }
}

fn be_the_keeper(
    tie: Pid,
    stop: &AtomicBool,
    cwd: &Path,
    program: &OsStr,
    args: &[OsString],
) -> std::io::Result<i32> {
    rustix::process::set_parent_process_death_signal(Some(Signal::TERM))?;
    if !parent_is(Some(tie)) {
        return Err(std::io::Error::other(
            "Handoff exited before the agent started",
        ));
    }
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))?;
    let agent = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_remove(TIE_ENV)
        .process_group(0)
        .spawn()?;
    let agent = Pid::from_raw(agent.id() as i32);
    let code = loop {
        let ended = process::reap_children();
        if let Some(&(_, code)) = ended.iter().find(|(pid, _)| Some(*pid) == agent) {
            break code;
        }
        if stop.load(Ordering::Relaxed) {
            break 128 + Signal::TERM.as_raw();
        }
        std::thread::sleep(TICK);
    };
    process::end_descendants(GRACE);
    Ok(code)
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}
