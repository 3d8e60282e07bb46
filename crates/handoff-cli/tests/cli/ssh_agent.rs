//! An agent in a remote worktree: started on the remote machine through the
//! person's `ssh` (a real `sshd`, see [`crate::sshd`]), given the remote
//! paths and the picture inline, and gone from the remote when the session
//! ends.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::agents::PNG;
use crate::context::{Run, TestContext, p};
use crate::ssh_upload::{handoff, remote, run};
use crate::sshd::Sshd;

/// A new session in the remote worktree; its id.
fn remote_session(ctx: &TestContext, sshd: &Sshd) -> String {
    run(ctx, sshd, &["session", "new", "--worktree", &remote(sshd)])
        .expect(0)
        .stdout()
        .trim()
        .to_owned()
}

#[test]
fn the_demo_agent_runs_on_the_remote_with_the_remote_paths_and_ends_there() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let id = remote_session(&ctx, &sshd);
    let shot = ctx.source("shot.png", PNG);
    let out = run(
        &ctx,
        &sshd,
        &[
            "prompt",
            "--session",
            &id,
            "--attach",
            p(&shot),
            "See {filepath}",
        ],
    )
    .expect(0)
    .stdout();
    assert!(
        out.starts_with("I got your message in 3 parts:\ntext: \"See .agor/uploads/shot.png\"\n"),
        "{out}"
    );
    assert!(out.contains("image: image/png, 640×480 px"), "{out}");
    let remote_file = sshd.worktree.join(".agor/uploads/shot.png");
    assert!(
        out.contains(&format!("file: {} (image/png, ", remote_file.display())),
        "the link is the remote path: {out}"
    );
    assert_eq!(std::fs::read(&remote_file).unwrap(), PNG);
    assert!(
        sshd.wait_idle(),
        "processes left under sshd: {:?}",
        sshd.served()
    );

    // While the agent waits for an answer, it runs under the SSH server.
    let mut child = handoff(
        &ctx,
        &sshd,
        &["prompt", "--session", &id, "ask permission first"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sshd
        .served()
        .iter()
        .any(|pid| command_line(*pid).contains("demo-agent"))
    {
        assert!(Instant::now() < deadline, "the agent never ran under sshd");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        sshd.connections(),
        1,
        "the agent's ssh goes through the master the upload opened"
    );
    child.stdin.take().unwrap().write_all(b"2\n").unwrap();
    let out = Run(child.wait_with_output().unwrap()).expect(0).stdout();
    assert!(out.contains("Permission refused"), "{out}");
    assert!(
        sshd.wait_idle(),
        "processes left under sshd: {:?}",
        sshd.served()
    );
}

fn command_line(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
        .unwrap_or_default()
}

/// The remote agent publishes through the port its `ssh` forwards to
/// Handoff's HTTP publish server; the file is fetched over SFTP and the
/// snapshot is byte-identical. A path outside the worktree, or a symlink
/// out of it, is refused there as here.
#[test]
fn a_remote_agent_publishes_back_over_the_forwarded_port() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let id = remote_session(&ctx, &sshd);
    let report: Vec<u8> = (0..200_000_u32).flat_map(u32::to_le_bytes).collect();
    std::fs::write(sshd.worktree.join("report.bin"), &report).unwrap();
    let secret = sshd.path("secret.txt");
    std::fs::write(&secret, "not yours").unwrap();
    std::os::unix::fs::symlink(&secret, sshd.worktree.join("link.txt")).unwrap();

    let out = run(
        &ctx,
        &sshd,
        &["prompt", "--session", &id, "publish report.bin"],
    )
    .expect(0)
    .stdout();
    assert!(
        out.contains("publish_file: Published report.bin (revision 1, 800 kB"),
        "{out}"
    );
    let published = run(&ctx, &sshd, &["published", "ls", "--json"]).json();
    let file_id = published[0]["id"].to_string();
    let saved = ctx.root.join("saved.bin");
    run(&ctx, &sshd, &["published", "save", &file_id, p(&saved)]).expect(0);
    assert_eq!(std::fs::read(&saved).unwrap(), report, "byte-identical");

    for (asked, refusal) in [
        (p(&secret).to_owned(), "is outside this session's worktree"),
        ("link.txt".to_owned(), "is outside this session's worktree"),
        ("missing.txt".to_owned(), ""),
    ] {
        let out = run(
            &ctx,
            &sshd,
            &["prompt", "--session", &id, &format!("publish {asked}")],
        )
        .expect(0)
        .stdout();
        if refusal.is_empty() {
            // The demo agent writes a missing file first, then publishes it.
            assert!(out.contains("publish_file: Published missing.txt"), "{out}");
        } else {
            assert!(
                out.contains("publish_file refused: ") && out.contains(refusal),
                "{out}"
            );
        }
    }
    assert_eq!(
        run(&ctx, &sshd, &["published", "ls", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2,
        "nothing from outside was published"
    );
    assert!(
        sshd.wait_idle(),
        "processes left under sshd: {:?}",
        sshd.served()
    );
}
