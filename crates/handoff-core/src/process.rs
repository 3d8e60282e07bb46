//! Process-wide settings and process-tree helpers: surviving a file-size
//! limit, the most open files allowed, and finding and ending every
//! process below this one.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::logging::OrLog as _;
use rustix::process::{Pid, Signal, WaitOptions};

/// Stops the kernel from killing this process when a write goes over the
/// file-size limit (`ulimit -f`, SIGXFSZ): the write fails with `EFBIG`
/// instead, so that one file is refused and the rest of the work goes on.
/// Programs this process starts get the default behaviour back.
pub fn ignore_file_size_signal() {
    // A handler that only sets a flag nobody reads: unlike SIG_IGN, it is
    // reset for the programs this process executes.
    signal_hook::flag::register(Signal::XFSZ.as_raw(), Arc::new(AtomicBool::new(false)))
        .or_log("ignoring the file size signal");
}

/// Raises this process's limit of open files (the soft limit, often 1,024)
/// to the most it may have (the hard limit): each connection to a publish
/// server, each agent and each watched folder holds some, and at the soft
/// limit a connection is refused. Programs this process starts inherit it.
pub fn raise_open_files_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    // The kernel never allows an unlimited number of open files.
    let Some(most) = limit.maximum else {
        return;
    };
    if limit.current.is_some_and(|current| current >= most) {
        return;
    }
    let raised = Rlimit {
        current: Some(most),
        maximum: Some(most),
    };
    if let Err(e) = setrlimit(Resource::Nofile, raised) {
        tracing::warn!(error = %e, "cannot raise the limit of open files");
    }
}

/// The live processes below `root` (children, their children…), read from
/// `/proc`. Zombies are left out: they are already gone.
#[must_use]
pub fn descendants(root: Pid) -> Vec<Pid> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Some((ppid, state)) = parent_and_state(pid)
            && state != 'Z'
        {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut found = Vec::new();
    let mut queue = vec![root.as_raw_nonzero().get()];
    while let Some(pid) = queue.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            found.extend(Pid::from_raw(child));
            queue.push(child);
        }
    }
    found
}

/// The parent and state of `process` from `/proc/<pid>/stat`.
fn parent_and_state(process: i32) -> Option<(i32, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).ok()?;
    // The command name may hold spaces and parentheses: read after the last `)`.
    let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((ppid, state))
}

/// Ends every process below this one: SIGTERM, then SIGKILL to whatever is
/// left after `grace`, until none is left, reaping them (see
/// [`reap_children`]; this process should be a child subreaper, so that
/// orphans come to it). Gives up after `grace` plus two seconds.
pub fn end_descendants(grace: Duration) {
    let me = rustix::process::getpid();
    let start = Instant::now();
    let mut signal = Signal::TERM;
    let mut signalled = Vec::new();
    loop {
        let _ = reap_children();
        let left = descendants(me);
        if left.is_empty() || start.elapsed() > grace + Duration::from_secs(2) {
            return;
        }
        if signal == Signal::TERM && start.elapsed() >= grace {
            signal = Signal::KILL;
            signalled.clear();
        }
        for pid in left {
            // Each process gets each signal once: it may be slow to react.
            if !signalled.contains(&pid) {
                signalled_or_gone(rustix::process::kill_process(pid, signal));
                signalled.push(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Logs a signal that did not reach its process, unless the process (or
/// group) is gone already.
pub fn signalled_or_gone(sent: rustix::io::Result<()>) {
    match sent {
        Ok(()) | Err(rustix::io::Errno::SRCH) => {}
        Err(e) => tracing::warn!(error = %e, "cannot signal a process"),
    }
}

/// Reaps every child that has ended; returns them with their wait status
/// as an exit code (128 + the signal for a killed one). Only for a process
/// that waits for all its children itself: it takes any child's status.
#[must_use = "a child's status is read only once"]
pub fn reap_children() -> Vec<(Pid, i32)> {
    let mut reaped = Vec::new();
    while let Ok(Some((pid, status))) = rustix::process::wait(WaitOptions::NOHANG) {
        let code = status
            .exit_status()
            .or_else(|| status.terminating_signal().map(|s| 128 + s))
            .unwrap_or(1);
        reaped.push((pid, code));
    }
    reaped
}
