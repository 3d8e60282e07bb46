//! What the agent makes in its worktree with its own code, telling nobody:
//! found at the end of the turn, recorded, listed by `handoff prompt` and
//! `handoff ls`, in the conversation, and followed on disk afterwards.

use std::process::Command;

use handoff_core::store::{Change, Direction, FileQuery, FileStatus, MessageData, MessageKind};
use sha2::{Digest, Sha256};

use crate::context::TestContext;

impl TestContext {
    /// Makes the worktree a real git repository with `files` committed.
    fn git_worktree(&self, files: &[(&str, &str)]) {
        std::fs::remove_dir_all(self.worktree.join(".git")).unwrap();
        git_repo(&self.worktree, files);
    }

    fn new_session(&self) -> String {
        self.run(&["session", "new"])
            .expect(0)
            .stdout()
            .trim()
            .to_owned()
    }

    pub(crate) fn made_records(&self) -> Vec<handoff_core::FileRecord> {
        self.store()
            .files()
            .list(&FileQuery {
                direction: Some(Direction::Made),
                ..FileQuery::default()
            })
            .unwrap()
    }
}

/// Makes `folder` a real git repository with `files` committed.
pub(crate) fn git_repo(folder: &std::path::Path, files: &[(&str, &str)]) {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-C"])
            .arg(folder)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "-q"]);
    for (path, text) in files {
        let path = folder.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "start"]);
}

pub(crate) fn sha(bytes: &[u8]) -> String {
    handoff_core::words::hex(&Sha256::digest(bytes))
}

#[test]
fn what_the_agent_makes_changes_and_deletes_unannounced_is_the_turns_output() {
    let ctx = TestContext::new();
    ctx.git_worktree(&[
        ("src/app.ts", "let a = 1;\nlet b = 2;\n"),
        ("old.txt", "old\n"),
    ]);
    let id = ctx.new_session();
    let run = ctx
        .run(&[
            "prompt",
            "--session",
            &id,
            "make file out/report.md\nedit file src/app.ts\ndelete file old.txt",
        ])
        .expect(0);
    let out = run.stdout();
    let made = out
        .lines()
        .find(|l| l.starts_with("made: "))
        .unwrap_or_else(|| panic!("no made line: {out}"));
    assert_eq!(
        made,
        "made: old.txt (deleted); out/report.md (60 B, new); src/app.ts (+1 −0)"
    );

    let records = ctx.made_records();
    let names: Vec<&str> = records.iter().map(|r| r.filename.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for record in &records {
        let bytes = std::fs::read(&record.path).unwrap();
        assert_eq!(record.sha256, sha(&bytes), "{}", record.path.display());
        assert_eq!(record.size, bytes.len() as u64);
        assert_eq!(record.session_id, Some(id.parse().unwrap()));
    }

    let line = ctx
        .store()
        .messages()
        .list(id.parse().unwrap())
        .unwrap()
        .into_iter()
        .find(|m| m.kind == MessageKind::Made)
        .expect("the conversation lists what the turn made");
    let Some(MessageData::Made(data)) = line.data else {
        panic!("{line:?}");
    };
    let changes: Vec<(&str, Change, bool)> = data
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.change, f.file_id.is_some()))
        .collect();
    assert_eq!(
        changes,
        [
            ("old.txt", Change::Deleted, false),
            ("out/report.md", Change::New, true),
            ("src/app.ts", Change::Changed, true),
        ]
    );

    // Afterwards the record follows the disk like any other.
    std::fs::remove_file(ctx.worktree.join("out/report.md")).unwrap();
    ctx.run(&["gc"]).expect(0);
    let listed = ctx
        .run(&["ls", "--direction", "made", "--json"])
        .expect(0)
        .json();
    let statuses: Vec<(String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["filename"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("report.md".to_owned(), "missing".to_owned())),
        "{statuses:?}"
    );
}

#[test]
fn a_burst_in_node_modules_and_handoffs_own_uploads_are_never_outputs() {
    let ctx = TestContext::new();
    ctx.git_worktree(&[("README.md", "# r\n")]);
    let id = ctx.new_session();
    let shot = ctx.source("shot.txt", b"uploaded");
    let run = ctx
        .run(&[
            "prompt",
            "--session",
            &id,
            "--attach",
            shot.to_str().unwrap(),
            "make 5000 files in node_modules/pkg\nmake file notes.md",
        ])
        .expect(0);
    let out = run.stdout();
    assert!(
        out.contains("I made 5000 files in node_modules/pkg."),
        "{out}"
    );
    let made: Vec<&str> = out.lines().filter(|l| l.starts_with("made: ")).collect();
    assert_eq!(made, ["made: notes.md (59 B, new)"], "{out}");
    let records = ctx.made_records();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        ctx.store()
            .files()
            .list(&FileQuery::default())
            .unwrap()
            .iter()
            .filter(|r| r.direction == Direction::ToAgent)
            .count(),
        1,
        "the upload stays the person's"
    );
}

#[test]
fn outside_git_the_events_alone_find_the_outputs_and_a_later_edit_replaces_the_record() {
    let ctx = TestContext::new();
    std::fs::remove_dir_all(ctx.worktree.join(".git")).unwrap();
    std::fs::create_dir_all(ctx.worktree.join(".git")).unwrap();
    let id = ctx.new_session();
    let first = ctx
        .run(&["prompt", "--session", &id, "make file deep/in/here/plan.md"])
        .expect(0)
        .stdout();
    assert!(
        first.contains("made: deep/in/here/plan.md (58 B, new)"),
        "a file in folders made during the turn is found: {first}"
    );
    let second = ctx
        .run(&["prompt", "--session", &id, "edit file deep/in/here/plan.md"])
        .expect(0)
        .stdout();
    assert!(
        second.contains("made: deep/in/here/plan.md (93 B, changed)"),
        "{second}"
    );
    let records = ctx.made_records();
    let statuses: Vec<FileStatus> = records.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [FileStatus::Present, FileStatus::Replaced],
        "newest first: the edit, then what the first turn made"
    );
    let third = ctx
        .run(&["prompt", "--session", &id, "nothing to make"])
        .expect(0)
        .stdout();
    assert!(!third.contains("made: "), "{third}");
}

#[test]
fn a_kept_output_is_a_snapshot_later_edits_do_not_change() {
    let ctx = TestContext::new();
    let id = ctx.new_session();
    ctx.run(&["prompt", "--session", &id, "make file out/plan.md"])
        .expect(0);
    let made = ctx.made_records();
    let before = std::fs::read(&made[0].path).unwrap();
    let kept = ctx
        .run(&["keep", &made[0].id.to_string()])
        .expect(0)
        .stdout();
    assert!(kept.starts_with("kept plan.md (revision 1, "), "{kept}");
    ctx.run(&["prompt", "--session", &id, "edit file out/plan.md"])
        .expect(0);
    let published = ctx.run(&["published", "ls", "--json"]).expect(0).json();
    let snapshot = published.as_array().unwrap()[0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        std::fs::read(snapshot).unwrap(),
        before,
        "what was kept stays"
    );
    assert_ne!(
        std::fs::read(&made[0].path).unwrap(),
        before,
        "the file moved on"
    );

    let upload = ctx.source("in.txt", b"mine");
    ctx.run(&["upload", upload.to_str().unwrap()]).expect(0);
    let uploaded = ctx.store().files().list(&FileQuery::default()).unwrap();
    let mine = uploaded
        .iter()
        .find(|r| r.direction == Direction::ToAgent)
        .unwrap();
    let refused = ctx.run(&["keep", &mine.id.to_string()]);
    assert_eq!(refused.0.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.0.stderr).contains("only those are kept"),
        "{:?}",
        refused.0
    );
}

/// A made file is followed live, as an upload is: `handoff watch` (the
/// app's live folders) reports it missing when it goes and modified when
/// it changes, within a second; the worktree's own files beside it are
/// not reported as untracked.
#[test]
fn a_made_file_is_followed_live_and_its_neighbours_are_left_alone() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};
    let ctx = TestContext::new();
    let id = ctx.new_session();
    ctx.run(&[
        "prompt",
        "--session",
        &id,
        "make file out/a.md\nmake file out/b.md",
    ])
    .expect(0);
    // An upload gives `watch` an uploads folder to say it watches.
    let sent = ctx.source("sent.txt", b"sent");
    ctx.run(&["upload", crate::context::p(&sent)]).expect(0);
    let mut child = ctx
        .command(&["watch", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut ready = String::new();
    stderr.read_line(&mut ready).unwrap();
    assert!(ready.starts_with("watching "), "{ready}");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The folders of made files are watched once the database is read.
    std::thread::sleep(Duration::from_millis(800));
    let out = ctx.worktree.join("out");
    std::fs::write(out.join("neighbour.txt"), b"the worktree's own").unwrap();
    let started = Instant::now();
    std::fs::remove_file(out.join("a.md")).unwrap();
    std::fs::write(out.join("b.md"), b"changed by the person").unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) else {
            break;
        };
        seen.push(serde_json::from_str::<serde_json::Value>(&line).unwrap());
    }
    let took = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    seen.extend(rx.try_iter().map(|l| serde_json::from_str(&l).unwrap()));
    child.kill().unwrap();
    child.wait().unwrap();
    let changes: Vec<(String, String)> = seen
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_owned(),
                e["to"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("statusChanged".to_owned(), "missing".to_owned()),
            ("statusChanged".to_owned(), "modified".to_owned())
        ],
        "{seen:?}"
    );
    assert!(took < Duration::from_secs(1), "noticed in {took:?}");
    let records = ctx.made_records();
    let status = |name: &str| {
        records
            .iter()
            .find(|r| r.filename == name)
            .map(|r| r.status)
    };
    assert_eq!(status("a.md"), Some(FileStatus::Missing));
    assert_eq!(status("b.md"), Some(FileStatus::Modified));
}
