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
pub(crate) fn remote_session(ctx: &TestContext, sshd: &Sshd) -> String {
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
    let mut child = waiting_prompt(&ctx, &sshd, &id);
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

/// A prompt that makes the agent ask for permission: it waits on the
/// terminal (its stdin) for the answer.
fn waiting_prompt(ctx: &TestContext, sshd: &Sshd, id: &str) -> std::process::Child {
    handoff(
        ctx,
        sshd,
        &["prompt", "--session", id, "ask permission first"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
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

/// The port `pid` listens on, from `/proc` (its sockets, matched in the
/// table of TCP sockets by inode).
fn listening_port(pid: u32) -> Option<u16> {
    let sockets: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let table = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")).ok()?;
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let listening = fields.get(3) == Some(&"0A");
        let ours = fields
            .get(9)
            .is_some_and(|inode| sockets.iter().any(|s| s == inode));
        let port = fields.get(1)?.rsplit(':').next()?;
        (listening && ours)
            .then(|| u16::from_str_radix(port, 16).ok())
            .flatten()
    })
}

/// With 2,000 idle connections open to its publish server, a Handoff that
/// may hold 1,024 files (soft and hard limit) ran out of them at about
/// 1,000: the agent's publish got "connection reset" (and Handoff could
/// not open its own files). Now the server keeps 256 connections at most,
/// closing the oldest that never showed the session's secret for a new
/// one: the 2,000 connect, most are closed again, and the publish
/// succeeds. Runs about ten seconds.
#[test]
fn a_remote_agent_publishes_past_two_thousand_idle_connections() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let id = remote_session(&ctx, &sshd);
    std::fs::write(sshd.worktree.join("report.txt"), "findings\n").unwrap();
    let inner = handoff(
        &ctx,
        &sshd,
        &[
            "prompt",
            "--session",
            &id,
            "ask permission, then publish report.txt",
        ],
    );
    let mut limited = std::process::Command::new("prlimit");
    limited
        .arg("--nofile=1024:1024")
        .arg(inner.get_program())
        .args(inner.get_args())
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(inner.get_current_dir().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = limited.spawn().unwrap();
    // Asking for permission, the agent runs and the server listens.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("The agent asks") {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(n > 0, "the agent asked for permission");
    }
    let port = listening_port(child.id()).expect("Handoff's publish server listens");
    // A connection the server is too busy to take at once waits for the
    // kernel to try again (a second or more).
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let idle: Vec<_> = (1..=2000)
        .map(|n| {
            std::net::TcpStream::connect_timeout(&address, Duration::from_secs(10))
                .unwrap_or_else(|e| panic!("connection {n} refused: {e}"))
        })
        .collect();
    for stream in &idle {
        stream.set_nonblocking(true).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let closed = loop {
        let closed = idle
            .iter()
            .filter(|s| {
                let mut stream: &std::net::TcpStream = s;
                matches!(std::io::Read::read(&mut stream, &mut [0; 1]), Ok(0))
            })
            .count();
        if closed >= 2000 - 256 || Instant::now() > deadline {
            break closed;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(closed >= 2000 - 256, "the server closed only {closed}");
    child.stdin.take().unwrap().write_all(b"1\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("publish_file: Published report.txt (revision 1"),
        "{stdout}"
    );
}

/// A profile's environment (an API key) reaches the agent there, yet no
/// command line of either machine ever shows it — every user can read
/// `/proc/*/cmdline` — while the agent runs and waits; the file that
/// carried it is gone from the remote's temp folder once the agent started.
#[test]
fn a_remote_agents_environment_is_never_on_a_command_line() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let secret = "sk-test-5f0c1e2d3a4b";
    let start_agent = format!(
        "printf %s \"$API_KEY\" > key-seen; exec {} demo-agent",
        env!("CARGO_BIN_EXE_handoff")
    );
    let env = format!("API_KEY={secret}");
    run(
        &ctx,
        &sshd,
        &[
            "agent",
            "add",
            "keyed",
            "--command",
            "sh",
            "--arg",
            "-c",
            "--arg",
            &start_agent,
            "--env",
            &env,
        ],
    )
    .expect(0);
    let id = run(
        &ctx,
        &sshd,
        &[
            "session",
            "new",
            "--worktree",
            &remote(&sshd),
            "--agent",
            "keyed",
        ],
    )
    .expect(0)
    .stdout()
    .trim()
    .to_owned();

    let mut child = waiting_prompt(&ctx, &sshd, &id);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut scans = 0;
    loop {
        let lines = every_command_line();
        assert!(
            !lines.iter().any(|l| l.contains(secret)),
            "the secret is on a command line"
        );
        scans += 1;
        let agent = format!("{} demo-agent", env!("CARGO_BIN_EXE_handoff"));
        if lines.iter().any(|l| l.trim_end() == agent) && sshd.worktree.join("key-seen").exists() {
            break;
        }
        assert!(Instant::now() < deadline, "the agent never ran under sshd");
    }
    assert_eq!(
        std::fs::read_to_string(sshd.worktree.join("key-seen")).unwrap(),
        secret,
        "the agent there got its environment"
    );
    assert!(
        !every_command_line().iter().any(|l| l.contains(secret)),
        "the secret is on a command line while the agent waits"
    );
    let left: Vec<_> = std::fs::read_dir(sshd.remote_tmp())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".handoff-env-"))
        .collect();
    assert!(left.is_empty(), "the environment's file is left: {left:?}");
    child.stdin.take().unwrap().write_all(b"2\n").unwrap();
    Run(child.wait_with_output().unwrap()).expect(0);
    eprintln!("{scans} scans of every command line");
    assert!(
        sshd.wait_idle(),
        "processes left under sshd: {:?}",
        sshd.served()
    );
}

/// Every process's command line on this machine (both ends of the SSH
/// connection run here).
fn every_command_line() -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .map(command_line)
        .collect()
}
