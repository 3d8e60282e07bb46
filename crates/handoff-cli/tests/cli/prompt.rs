//! `handoff prompt` end to end: attachments, streaming, permissions, and
//! the agent dying with Handoff.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::agents::{PNG, read_pid, wait_gone};
use crate::context::{TestContext, p};

#[test]
fn prompt_attaches_streams_and_publishes_back() {
    let ctx = TestContext::new();
    let id = ctx
        .run(&["session", "new"])
        .expect(0)
        .stdout()
        .trim()
        .to_owned();
    let shot = ctx.source("shot.png", PNG);
    std::fs::write(ctx.worktree.join("summary.md"), "# Summary\n").unwrap();
    let run = ctx
        .run(&[
            "prompt",
            "--session",
            &id,
            "--attach",
            p(&shot),
            "See {filepath}, then publish summary.md",
        ])
        .expect(0);
    let out = ctx.redact(&run.stdout());
    assert!(
        out.starts_with(
            "I got your message in 3 parts:\ntext: \"See .agor/uploads/shot.png, then publish summary.md\"\n"
        ),
        "{out}"
    );
    assert!(out.contains("image: image/png, 640×480 px"), "{out}");
    assert!(
        out.contains("publish_file: Published summary.md (revision 1, 10 B, text/markdown)"),
        "{out}"
    );
    assert!(
        run.stderr().contains("→ Handoff demo agent"),
        "{}",
        run.stderr()
    );
    let saved = ctx.run(&["published", "ls", "--json"]).json();
    let file_id = saved[0]["id"].to_string();
    let dest = ctx.root.join("saved.md");
    ctx.run(&["published", "save", &file_id, p(&dest)])
        .expect(0);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "# Summary\n");
    // The person's copy has their usual permissions, not the snapshot's private ones.
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&dest).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o666 & !umask(), "saved as {mode:o}");
    ctx.run(&["published", "save", &file_id, p(&dest)])
        .expect(1);
}

#[test]
fn permission_requests_are_asked_on_the_terminal() {
    let ctx = TestContext::new();
    let id = ctx
        .run(&["session", "new"])
        .expect(0)
        .stdout()
        .trim()
        .to_owned();
    std::fs::write(ctx.worktree.join("x.txt"), "x").unwrap();
    for (answer, published) in [("2\n", false), ("1\n", true)] {
        let mut child = ctx
            .command(&[
                "prompt",
                "--session",
                &id,
                "ask permission, then publish x.txt",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(
                "The agent asks: Go ahead with the demo request\n  1) Allow\n  2) Reject"
            )
        );
        assert_eq!(
            stdout.contains("publish_file: Published "),
            published,
            "{stdout}"
        );
        assert_eq!(
            stdout.contains("Permission refused"),
            !published,
            "{stdout}"
        );
    }
    let messages = ctx.store().messages().list(id.parse().unwrap()).unwrap();
    let answers: Vec<_> = messages
        .iter()
        .filter(|m| m.kind == handoff_core::store::MessageKind::Permission)
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(
        answers,
        [
            "Go ahead with the demo request: Reject",
            "Go ahead with the demo request: Allow"
        ]
    );
}

#[test]
fn the_agent_dies_with_handoff_even_when_handoff_is_killed() {
    let ctx = TestContext::new();
    let (session_id, pidfile) = ctx.fake_agent("hang");
    let mut handoff = ctx
        .command(&[
            "prompt",
            "--session",
            &session_id.to_string(),
            "--start-timeout",
            "60",
            "hello",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let agent = read_pid(&pidfile);
    std::thread::sleep(Duration::from_millis(100));
    handoff.kill().unwrap();
    handoff.wait().unwrap();
    assert!(
        wait_gone(agent),
        "the agent (pid {agent}) ended with Handoff"
    );
}

/// The README's walkthrough, word for word, in a worktree that has no
/// `out/review.md`: the demo agent writes it, then publishes it. A path
/// outside the worktree is not written, only refused by `publish_file`.
#[test]
fn the_readme_demo_line_works_in_a_fresh_worktree() {
    let ctx = TestContext::new();
    let id = ctx
        .run(&["session", "new"])
        .expect(0)
        .stdout()
        .trim()
        .to_owned();
    let shot = ctx.source("screen shot.png", PNG);
    let run = ctx
        .run(&[
            "prompt",
            "--session",
            &id,
            "--attach",
            p(&shot),
            "What is wrong in {filepath}? Then publish out/review.md as Layout review",
        ])
        .expect(0);
    let out = run.stdout();
    assert!(
        out.contains("out/review.md did not exist: I wrote it."),
        "{out}"
    );
    assert!(
        out.contains("publish_file: Published Layout review (revision 1"),
        "{out}"
    );
    let written = std::fs::read_to_string(ctx.worktree.join("out/review.md")).unwrap();
    assert!(written.starts_with("# Layout review\n"), "{written}");

    let outside = ctx
        .run(&["prompt", "--session", &id, "publish ../escape.md"])
        .expect(0)
        .stdout();
    assert!(!outside.contains("I wrote it"), "{outside}");
    assert!(!ctx.worktree.join("../escape.md").exists());
    assert!(outside.contains("publish_file refused"), "{outside}");
}

/// This process's umask, read from /proc (reading it with umask(2) would change it).
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}
