//! Names, descriptions and agent text full of terminal control sequences
//! are shown, never obeyed: no command prints a raw control character.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use handoff_core::Destination;
use handoff_core::store::Direction;

use crate::context::{Run, TestContext, new_file, p};

/// Clears the screen, retitles the window, rings, hides text with NUL, CR,
/// a C1 CSI, DEL and backspace.
const EVIL: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{0}\r\u{9b}31m\u{7f}\u{8}";
/// [`EVIL`] without NUL, which no file name or argument can hold.
const EVIL_ARG: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{9b}31m\u{7f}\u{8}";

/// Fails when `text` holds a control character other than those `allowed`,
/// or does not show the escaped form of ESC.
fn assert_shown_not_obeyed(what: &str, text: &str, allowed: &[char]) {
    let raw: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && !allowed.contains(c))
        .collect();
    assert!(raw.is_empty(), "{what} printed raw {raw:?}: {text:?}");
    assert!(text.contains("\\x1b"), "{what} shows the escape: {text:?}");
}

/// Checks stdout and stderr together: both reach the terminal.
fn check(what: &str, run: &Run) {
    let both = format!("{}{}", run.stdout(), run.stderr());
    assert_shown_not_obeyed(what, &both, &['\n']);
}

/// A worktree whose own folder name is hostile: every path under it is.
fn hostile_worktree(ctx: &TestContext) -> PathBuf {
    let worktree = ctx.root.join(format!("wt{EVIL_ARG}"));
    std::fs::create_dir_all(worktree.join(".git")).unwrap();
    worktree
}

#[test]
fn listings_escape_names_descriptions_and_paths() {
    let ctx = TestContext::new();
    let session = ctx.session("Demo agent");
    let mut published = new_file(
        ctx.root.join(format!("data/published/{EVIL_ARG}.md")),
        Direction::FromAgent,
        Destination::Published,
    );
    published.session_id = Some(session);
    published.display_name = Some(format!("Report {EVIL}"));
    published.description = Some(format!("Looks fine {EVIL}"));
    ctx.record(published.clone());
    published.display_name = None;
    ctx.record(published);
    check("published ls", &ctx.run(&["published", "ls"]).expect(0));

    // Upload (a real path): the saved path and the message hold the
    // worktree's hostile name.
    let worktree = hostile_worktree(&ctx);
    let a = ctx.source("a.txt", b"a");
    let run = ctx
        .run(&["upload", "--worktree", p(&worktree), p(&a)])
        .expect(0);
    check("upload", &run);
    let missing = ctx.root.join(format!("src/gone{EVIL_ARG}.txt"));
    check("upload error", &ctx.run(&["upload", p(&missing)]).expect(1));

    check("ls", &ctx.run(&["ls"]).expect(0));

    // gc: a record whose file went away, and an untracked hostile file.
    let uploads = worktree.join(".agor/uploads");
    std::fs::remove_file(uploads.join("a.txt")).unwrap();
    std::fs::write(uploads.join(format!("stray{EVIL_ARG}")), "?").unwrap();
    let run = ctx.run(&["gc"]).expect(0);
    assert!(run.stdout().contains("untracked"), "{}", run.stdout());
    check("gc", &run);

    let gone = ctx.run(&["ls", "--json"]).json()[0]["id"].to_string();
    check("rm", &ctx.run(&["rm", "--permanent", &gone]));

    // Sessions and agent profiles, through the commands that make them.
    ctx.run(&["session", "new", "--title", &format!("Fix {EVIL_ARG}")])
        .expect(0);
    ctx.run(&["session", "new", "--worktree", p(&worktree)])
        .expect(0);
    check("session ls", &ctx.run(&["session", "ls"]).expect(0));
    let run = ctx
        .run(&[
            "agent",
            "add",
            &format!("bot{EVIL_ARG}"),
            "--command",
            &format!("nowhere{EVIL_ARG}"),
        ])
        .expect(0);
    check("agent add", &run);
    check("agent ls", &ctx.run(&["agent", "ls"]).expect(0));
}

#[test]
fn watch_escapes_the_names_it_reports() {
    let ctx = TestContext::new();
    let worktree = hostile_worktree(&ctx);
    let a = ctx.source("a.txt", b"a");
    ctx.run(&["upload", "--worktree", p(&worktree), p(&a)])
        .expect(0);
    let mut child = ctx
        .command(&["watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut ready = String::new();
    stderr.read_line(&mut ready).unwrap();
    assert_shown_not_obeyed("watch (stderr)", &ready, &['\n']);

    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let uploads = worktree.join(".agor/uploads");
    std::fs::write(uploads.join(format!("new{EVIL_ARG}")), "?").unwrap();
    std::fs::remove_file(uploads.join("a.txt")).unwrap();
    let lines: Vec<_> = [
        rx.recv_timeout(Duration::from_secs(5)),
        rx.recv_timeout(Duration::from_secs(5)),
    ]
    .into_iter()
    .map(|l| String::from_utf8(l.expect("two events within 5 s")).unwrap())
    .collect();
    child.kill().unwrap();
    child.wait().unwrap();
    for line in lines {
        assert_shown_not_obeyed("watch", &line, &[]);
    }
}

#[test]
fn prompt_keeps_line_breaks_and_tabs_of_agent_text_and_nothing_else() {
    let ctx = TestContext::new();
    let (session, _pidfile) = ctx.fake_agent("hostile");
    let a = ctx.source(&format!("shot{EVIL_ARG}.txt"), b"a");
    let run = ctx
        .run(&[
            "prompt",
            "--session",
            &session.to_string(),
            "--timeout",
            "20",
            "--attach",
            p(&a),
            "go",
        ])
        .expect(0);
    let out = run.stdout();
    assert_shown_not_obeyed("prompt", &out, &['\n', '\t']);
    assert!(out.contains("line one\n\tindented \\x1b[2J"), "{out:?}");
    let err = run.stderr();
    assert_shown_not_obeyed("prompt (stderr)", &err, &['\n']);
    assert!(err.contains("attached"), "{err:?}");
    for shown in ["thinking \\x1b", "run \\x1b", "plan: step \\x1b"] {
        assert!(err.contains(shown), "{shown}: {err:?}");
    }
}
