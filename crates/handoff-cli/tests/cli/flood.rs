//! Agents that flood Handoff through `handoff prompt`: a line that never
//! ends, and one line of 500 MB. Each is a real agent process (the fake
//! agent) speaking ACP on stdio to the real `handoff` binary, which writes
//! a real SQLite file; Handoff's memory is read from `/proc` while it runs.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use handoff_core::store::MessageKind;

use crate::agents::{read_pid, wait_gone};
use crate::context::TestContext;

/// Handoff's own memory may grow by this much reading an agent: the
/// 64 MB of the longest message it takes, with room for the copies made
/// while one is parsed and recorded.
const MEMORY_LIMIT_KIB: u64 = 400 << 10;

/// How one `handoff prompt` went.
struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    /// The most memory the process held (`VmHWM`), in KiB.
    peak_kib: u64,
    took: Duration,
}

/// Reads all of a pipe on a thread of its own.
fn read_all(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Runs `handoff prompt` for the session, reading its peak memory from
/// `/proc` until it exits (at most two minutes).
fn prompt(ctx: &TestContext, session_id: i64) -> Measured {
    let start = Instant::now();
    let mut child = ctx
        .command(&["prompt", "--session", &session_id.to_string(), "go"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let code = loop {
        if let Some(kib) = std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| high_water_mark(&s))
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if start.elapsed() > Duration::from_secs(120) || peak_kib > 4 * MEMORY_LIMIT_KIB {
            child.kill().unwrap();
            child.wait().unwrap();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Measured {
        code,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        peak_kib,
        took: start.elapsed(),
    }
}

/// `VmHWM` of a `/proc/<pid>/status`, in KiB.
fn high_water_mark(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The database and its write-ahead log, in bytes.
fn database_size(ctx: &TestContext) -> u64 {
    ["handoff.db", "handoff.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(ctx.root.join("data").join(name)).ok())
        .map(|m| m.len())
        .sum()
}

/// An agent that answered with a line that never ends grew Handoff's
/// memory as fast as it wrote (4 GB after 60 s), and one line of 500 MB
/// took 3 GB and grew the database to 1 GB: the agent's output was read a
/// whole line at a time, however long. Now a message over the limit (64 MB
/// by default) stops the agent with an error saying so, and Handoff's
/// memory stays under 400 MB. Runs about two seconds each.
#[test]
fn a_line_that_never_ends_stops_the_agent_and_memory_stays_bounded() {
    for mode in ["endless", "huge"] {
        let ctx = TestContext::new();
        let (session_id, pidfile) = ctx.fake_agent(mode);
        let run = prompt(&ctx, session_id);
        assert_eq!(run.code, 1, "{mode}: {}", run.stderr);
        assert!(
            run.stderr.contains(
                "the agent sent one message of over 64 MB, more than Handoff takes (setting max_agent_message), so Handoff stopped it"
            ),
            "{mode}: {}",
            run.stderr
        );
        assert!(
            run.peak_kib < MEMORY_LIMIT_KIB,
            "{mode}: Handoff held {} MiB",
            run.peak_kib >> 10
        );
        assert!(
            run.stdout.trim().is_empty(),
            "{mode}: nothing of it was shown"
        );
        assert!(
            wait_gone(read_pid(&pidfile)),
            "{mode}: the agent was stopped"
        );
        assert!(
            database_size(&ctx) < 8 << 20,
            "{mode}: the database grew to {} bytes",
            database_size(&ctx)
        );
        let messages = ctx.store().messages().list(session_id).unwrap();
        let error = messages.last().unwrap();
        assert_eq!(error.kind, MessageKind::Error, "{:?}", error.body);
        assert!(error.body.contains("over 64 MB"), "{}", error.body);
        eprintln!(
            "{mode}: stopped after {:?}, Handoff's peak {} MiB",
            run.took,
            run.peak_kib >> 10
        );
    }
}
