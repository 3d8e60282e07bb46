//! What can be done with a remote worktree's files from this machine:
//! deleted there over SSH (never a file at the same path here, never
//! through a folder an agent swapped for a symlink), copied here for Save
//! as and Open, refused for Show in folder.

use handoff_core::api::{Context, files};
use handoff_core::remote::{self, RemoteError};
use serde_json::Value;

use crate::context::{TestContext, p};
use crate::ssh_upload::{remote, run};
use crate::sshd::Sshd;

/// Uploads `names` (their bytes are their names) into the remote worktree;
/// the listing of it.
fn upload(ctx: &TestContext, sshd: &Sshd, names: &[&str]) -> Vec<Value> {
    let spec = remote(sshd);
    let sources: Vec<_> = names.iter().map(|n| ctx.source(n, n.as_bytes())).collect();
    let mut args = vec!["upload", "--worktree", spec.as_str()];
    args.extend(sources.iter().map(|s| p(s)));
    run(ctx, sshd, &args).expect(0);
    listed(ctx, sshd)
}

fn listed(ctx: &TestContext, sshd: &Sshd) -> Vec<Value> {
    run(ctx, sshd, &["ls", "--worktree", &remote(sshd), "--json"])
        .expect(0)
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn field(files: &[Value], name: &str, key: &str) -> String {
    let file = files.iter().find(|f| f["filename"] == name).unwrap();
    match &file[key] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `handoff rm` of a remote file deletes it on the remote; a file at the
/// same path on this machine would be another file, so the local trash
/// stays empty. When an agent swapped the uploads folder for a symlink,
/// nothing is deleted; when the server is down, the record stays live.
#[test]
fn a_remote_file_is_deleted_there_and_only_there() {
    let mut sshd = Sshd::start();
    let ctx = TestContext::new();
    let files = upload(&ctx, &sshd, &["a.txt", "b.txt", "c.txt"]);
    let uploads = sshd.worktree.join(".agor/uploads");

    let out = run(&ctx, &sshd, &["rm", &field(&files, "a.txt", "id")]).expect(0);
    assert!(
        out.stdout().starts_with("deleted on devbox "),
        "{}",
        out.stdout()
    );
    assert!(!uploads.join("a.txt").exists());
    assert!(uploads.join("b.txt").exists());
    let trash = ctx.root.join("home/.local/share/Trash");
    assert!(!trash.exists() || std::fs::read_dir(trash.join("files")).unwrap().count() == 0);
    assert_eq!(field(&listed(&ctx, &sshd), "a.txt", "status"), "deleted");

    // The server is down: a clear error, the record still live.
    sshd.kill();
    let down = run(&ctx, &sshd, &["rm", &field(&files, "c.txt", "id")]).expect(1);
    assert!(
        down.stderr().contains("devbox does not answer"),
        "{}",
        down.stderr()
    );
    sshd.restart();
    assert_eq!(field(&listed(&ctx, &sshd), "c.txt", "status"), "present");

    // An agent moved the uploads folder away and left a symlink to it.
    let elsewhere = sshd.worktree.join("elsewhere");
    std::fs::rename(&uploads, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &uploads).unwrap();
    let refused = run(&ctx, &sshd, &["rm", &field(&files, "b.txt", "id")]).expect(1);
    assert!(
        refused
            .stderr()
            .contains("through a symlink; nothing was deleted"),
        "{}",
        refused.stderr()
    );
    assert!(elsewhere.join("b.txt").exists());
}

/// Save as and Open fetch a remote file's bytes over SFTP; Show in folder
/// says the file is on the other machine.
#[test]
fn a_remote_file_is_copied_here_for_save_as_and_open() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let config = sshd.path("ssh_config");
    ctx.run(&["settings", "set", "ssh_config", config.to_str().unwrap()])
        .expect(0);
    let files = upload(&ctx, &sshd, &["notes.txt"]);
    let id: i64 = field(&files, "notes.txt", "id").parse().unwrap();
    let api = Context::from_env(Some(ctx.root.join("data")));
    let record = files::get(&api, id).unwrap();

    let dest = ctx.root.join("saved.txt");
    std::fs::write(&dest, "an older file the person chose to replace").unwrap();
    files::save_copy(&api, &record, &dest).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"notes.txt");

    let copy = files::local_path(&api, &record).unwrap();
    assert!(
        copy.starts_with(ctx.root.join("data/remote-copies")),
        "{copy:?}"
    );
    assert_eq!(std::fs::read(&copy).unwrap(), b"notes.txt");

    let refused = files::here(&api, record.clone()).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("notes.txt is on devbox, not on this machine"),
        "{refused}"
    );

    std::fs::remove_file(sshd.worktree.join(".agor/uploads/notes.txt")).unwrap();
    let gone = files::save_copy(&api, &record, &ctx.root.join("again.txt")).unwrap_err();
    assert!(gone.to_string().contains("it does not exist"), "{gone}");
    assert!(!ctx.root.join("again.txt").exists());
    assert_eq!(
        std::fs::read_dir(&ctx.root)
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".handoff-fetch")
            })
            .count(),
        0,
        "no temp file left"
    );
    remote::block_on(async {
        remote::disconnect(&sshd.spec(), &sshd.options()).await;
        Ok::<_, RemoteError>(())
    })
    .unwrap();
}
