use std::fs;
use std::path::Path;

use handoff_core::Store;

use crate::context::{TestContext, p};

#[test]
fn ls_filters_by_worktree_session_status_and_direction() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"a");
    let b = ctx.source("b.txt", b"b");
    ctx.run(&["upload", p(&a)]).expect(0);
    let session = {
        let mut store = Store::open(&ctx.database()).unwrap();
        let wt = store.worktrees().find(&ctx.worktree).unwrap().unwrap();
        store.sessions().create(wt.id, None, "review", 1).unwrap()
    };
    let id = session.id.to_string();
    ctx.run(&["upload", "--session", &id, p(&b)]).expect(0);
    let conversation = Store::open(&ctx.database())
        .unwrap()
        .messages()
        .list(session.id)
        .unwrap();
    assert_eq!(
        conversation
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>(),
        ["Uploaded b.txt → .agor/uploads/b.txt (1 B)"],
        "an upload into a session shows in its conversation"
    );

    let all = ctx.run(&["ls", "--json"]).expect(0).json();
    let names: Vec<_> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b.txt", "a.txt"], "newest first");
    assert_eq!(
        ctx.run(&["ls", "--json", "--session", &id])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        ctx.run(&["ls", "--json", "--worktree", p(&ctx.worktree)])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        ctx.run(&["ls", "--json", "--worktree", p(&ctx.root)])
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        ctx.run(&["ls", "--json", "--direction", "from_agent"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        ctx.run(&["ls", "--json", "--status", "present", "--limit", "1"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(ctx.run(&["ls", "--status", "gone"]).code(), 2);

    let table = ctx.run(&["ls"]).expect(0).stdout();
    assert!(table.starts_with("    ID  STATUS"), "{table}");
    assert!(table.contains("present   →agent  worktree"), "{table}");
    let missing_session = ctx.run(&["upload", "--session", "999", p(&a)]).expect(1);
    assert!(
        missing_session
            .stderr()
            .contains("session 999 does not exist"),
        "{}",
        missing_session.stderr()
    );
}

#[test]
fn rm_moves_to_the_trash_by_default() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"keep me");
    let b = ctx.source("b.txt", b"bye");
    ctx.run(&["upload", p(&a), p(&b)]).expect(0);
    let files = ctx.run(&["ls", "--json"]).json();
    let id_of = |name: &str| {
        files
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["filename"] == name)
            .unwrap()["id"]
            .to_string()
    };

    let run = ctx.run(&["rm", &id_of("a.txt")]).expect(0);
    assert!(
        run.stdout().starts_with("moved to trash"),
        "{}",
        run.stdout()
    );
    assert!(!ctx.uploads().join("a.txt").exists());
    let trashed = find_in_trash(&ctx.root.join("home/.local/share/Trash/files"), "a.txt");
    assert_eq!(
        fs::read(trashed).unwrap(),
        b"keep me",
        "the file can be restored from the trash"
    );

    ctx.run(&["rm", "--permanent", &id_of("b.txt")]).expect(0);
    assert!(!ctx.uploads().join("b.txt").exists());

    let json = ctx
        .run(&["rm", "--json", &id_of("a.txt"), "4242"])
        .expect(1)
        .json();
    assert_eq!(json[0]["error"]["kind"], "alreadyGone");
    assert_eq!(json[1]["error"]["kind"], "notFound");
    let deleted = ctx.run(&["ls", "--json", "--status", "deleted"]).json();
    assert_eq!(deleted.as_array().unwrap().len(), 2);
}

fn find_in_trash(trash: &Path, name: &str) -> std::path::PathBuf {
    fs::read_dir(trash)
        .unwrap_or_else(|e| panic!("{} exists: {e}", trash.display()))
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(name.trim_end_matches(".txt"))
        })
        .expect("the file is in the trash")
}

#[test]
fn an_upload_that_wrote_nothing_does_not_read_as_uploaded() {
    let ctx = TestContext::new();
    let b = ctx.source("b.txt", b"b");
    let c = ctx.source("c.txt", b"c");
    let id = ctx
        .run(&["session", "new"])
        .expect(0)
        .stdout()
        .trim()
        .to_owned();
    ctx.run(&["upload", "--session", &id, p(&b)]).expect(0);
    // The same bytes again: nothing is written, and the line says so.
    let again = ctx.run(&["upload", "--session", &id, p(&b)]).expect(0);
    assert!(
        again.stderr().contains("already there with the same bytes"),
        "{}",
        again.stderr()
    );
    ctx.run(&["upload", "--session", &id, p(&b), p(&c)])
        .expect(0);
    let conversation = Store::open(&ctx.database())
        .unwrap()
        .messages()
        .list(id.parse().unwrap())
        .unwrap();
    assert_eq!(
        conversation
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>(),
        [
            "Uploaded b.txt → .agor/uploads/b.txt (1 B)",
            "Already there with the same bytes, nothing written: b.txt → .agor/uploads/b.txt (1 B)",
            "Uploaded b.txt → .agor/uploads/b.txt (1 B, already there with the same bytes), c.txt → .agor/uploads/c.txt (1 B)",
        ],
        "a reused upload does not read as written"
    );

    // Other bytes under the same name, replacing: the line says so.
    std::fs::write(&b, b"bb").unwrap();
    ctx.run(&[
        "upload",
        "--session",
        &id,
        "--on-conflict",
        "replace",
        p(&b),
    ])
    .expect(0);
    let last = Store::open(&ctx.database())
        .unwrap()
        .messages()
        .list(id.parse().unwrap())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        last.body,
        "Uploaded b.txt → .agor/uploads/b.txt (2 B, replaced the earlier one)"
    );
}
