//! Every process an agent starts ends with its session and with Handoff,
//! however Handoff ends: end of the turn, Ctrl-C, SIGTERM, `kill -9`, and
//! the profile check (`handoff agent test`). The agents here start
//! `sleep <marker>` children, one of which leaves the agent's session and
//! process group; the tests look for the marker in every process's command
//! line.

use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::context::TestContext;

/// A unique `sleep` argument, and the processes that carry it. Dropping it
/// kills whatever is left, so a failing test leaves nothing behind.
struct Marker(String);

impl Marker {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self(format!("301.{}{n:03}", std::process::id()))
    }

    /// Live processes whose arguments include the marker.
    fn processes(&self) -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                    cmdline
                        .split(|&b| b == 0)
                        .any(|arg| arg == self.0.as_bytes())
                })
            })
            .collect()
    }

    /// Waits until `count` marked processes run.
    fn wait_for(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.processes().len() < count {
            assert!(
                Instant::now() < deadline,
                "the agent started {count} marked processes"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether every marked process is gone within `limit`.
    fn all_gone_within(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.processes().is_empty() {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Marker {
    fn drop(&mut self) {
        for pid in self.processes() {
            signal(pid, "KILL");
        }
    }
}

/// A running `handoff`, killed if the test ends first.
struct Running(Child);

impl Running {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// The exit code (or -signal) if it ends within `limit`.
    fn wait_within(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                use std::os::unix::process::ExitStatusExt;
                return Some(status.code().unwrap_or_else(|| -status.signal().unwrap()));
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&mut self) -> String {
        use std::io::Read;
        let mut text = String::new();
        if let Some(mut err) = self.0.stderr.take() {
            let _ = err.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(pid: u32, name: &str) {
    let _ = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

impl TestContext {
    /// A session whose agent is `sh -c script`.
    fn shell_agent(&self, script: &str) -> i64 {
        let mut store = self.store();
        let profile = store
            .profiles()
            .save_custom(
                "shell",
                "sh",
                &["-c".to_owned(), script.to_owned()],
                &std::collections::BTreeMap::new(),
            )
            .unwrap();
        let worktree = store.worktrees().ensure(&self.worktree, 0).unwrap();
        store
            .sessions()
            .create(worktree.id, Some(profile.id), "shell", 0)
            .unwrap()
            .id
    }

    /// A session with the fake agent in `mode`, starting marked children.
    fn marked_agent(&self, mode: &str, marker: &Marker) -> i64 {
        self.fake_agent_with(mode, &[("FAKE_AGENT_MARKER", marker.0.clone())])
            .0
    }

    fn prompt(&self, session: i64) -> Running {
        Running(
            self.command(&["prompt", "--session", &session.to_string(), "hello"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    }
}

/// An agent that never answers: a shell with a child in its group, a
/// daemon that left it, and a `sleep` in the foreground.
fn silent_script(marker: &Marker) -> String {
    let m = &marker.0;
    format!("sleep {m} & setsid -f sleep {m}; sleep {m}; true")
}

const GONE: Duration = Duration::from_secs(5);

#[test]
fn kill_9_of_handoff_ends_every_agent_process() {
    for during_turn in [false, true] {
        let ctx = TestContext::new();
        let marker = Marker::new();
        let session = if during_turn {
            ctx.marked_agent("slow", &marker)
        } else {
            ctx.shell_agent(&silent_script(&marker))
        };
        let mut handoff = ctx.prompt(session);
        marker.wait_for(if during_turn { 2 } else { 3 });
        std::thread::sleep(Duration::from_millis(300));
        signal(handoff.pid(), "KILL");
        assert_eq!(handoff.wait_within(GONE), Some(-9));
        assert!(
            marker.all_gone_within(GONE),
            "during the turn: {during_turn}: left {:?}",
            marker.processes()
        );
    }
}

#[test]
fn sigterm_of_handoff_ends_every_agent_process() {
    for during_turn in [false, true] {
        let ctx = TestContext::new();
        let marker = Marker::new();
        let session = if during_turn {
            ctx.marked_agent("slow", &marker)
        } else {
            ctx.shell_agent(&silent_script(&marker))
        };
        let mut handoff = ctx.prompt(session);
        marker.wait_for(if during_turn { 2 } else { 3 });
        std::thread::sleep(Duration::from_millis(300));
        signal(handoff.pid(), "TERM");
        let code = handoff.wait_within(GONE);
        let stderr = handoff.stderr();
        assert!(code.is_some(), "handoff ended: {stderr}");
        assert!(
            marker.all_gone_within(GONE),
            "during the turn: {during_turn}: left {:?}; {stderr}",
            marker.processes()
        );
        assert!(stderr.contains("handoff: stopped (terminated)"), "{stderr}");
    }
}

#[test]
fn ctrl_c_during_a_turn_cancels_it_and_ends_every_agent_process() {
    let ctx = TestContext::new();
    let marker = Marker::new();
    let session = ctx.marked_agent("slow", &marker);
    let mut handoff = ctx.prompt(session);
    marker.wait_for(2);
    std::thread::sleep(Duration::from_millis(300));
    signal(handoff.pid(), "INT");
    let code = handoff.wait_within(GONE);
    let stderr = handoff.stderr();
    assert!(
        marker.all_gone_within(GONE),
        "left {:?}; {stderr}",
        marker.processes()
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("cancelling"), "{stderr}");
    assert!(stderr.contains("(cancelled)"), "{stderr}");
}

#[test]
fn ctrl_c_while_the_agent_starts_stops_at_once() {
    let ctx = TestContext::new();
    let marker = Marker::new();
    let session = ctx.shell_agent(&silent_script(&marker));
    let mut handoff = ctx.prompt(session);
    marker.wait_for(3);
    std::thread::sleep(Duration::from_millis(700));
    let sent = Instant::now();
    signal(handoff.pid(), "INT");
    let code = handoff.wait_within(Duration::from_secs(10));
    let took = sent.elapsed();
    let stderr = handoff.stderr();
    assert!(code.is_some(), "handoff ended: {stderr}");
    assert!(
        marker.all_gone_within(GONE),
        "left {:?}; {stderr}",
        marker.processes()
    );
    assert!(took < Duration::from_secs(2), "stopped in {took:?}");
    assert!(
        stderr.contains("handoff: stopped (interrupted) while starting the agent"),
        "{stderr}"
    );
    assert_ne!(code, Some(0));
}

#[test]
fn the_end_of_a_session_ends_every_agent_process() {
    let ctx = TestContext::new();
    let marker = Marker::new();
    let session = ctx.marked_agent("quick", &marker);
    let mut handoff = ctx.prompt(session);
    let code = handoff.wait_within(Duration::from_secs(20));
    let stderr = handoff.stderr();
    assert!(
        marker.all_gone_within(GONE),
        "left {:?}; {stderr}",
        marker.processes()
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("(end of turn)"), "{stderr}");
}

#[test]
fn agent_test_ends_every_agent_process() {
    let ctx = TestContext::new();
    let marker = Marker::new();
    ctx.marked_agent("quick", &marker);
    let run = ctx.run(&["agent", "test", "fake quick"]).expect(0);
    assert_eq!(
        run.stdout().trim(),
        "fake quick: ready (Fake agent, text and links only)"
    );
    assert!(
        marker.all_gone_within(GONE),
        "left {:?}",
        marker.processes()
    );

    // Killed while the agent starts.
    let marker = Marker::new();
    ctx.shell_agent(&silent_script(&marker));
    let mut test = Running(
        ctx.command(&["agent", "test", "shell"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    marker.wait_for(3);
    signal(test.pid(), "KILL");
    assert_eq!(test.wait_within(GONE), Some(-9));
    assert!(
        marker.all_gone_within(GONE),
        "left {:?}",
        marker.processes()
    );
}
