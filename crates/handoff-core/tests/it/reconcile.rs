use std::fs;
use std::time::{Duration, SystemTime};

use handoff_core::Destination;
use handoff_core::reconcile::{self, STALE_TEMP_AFTER};
use handoff_core::store::FileStatus;

use crate::env::Env;

#[test]
fn marks_missing_modified_and_back_to_present() {
    let mut env = Env::new();
    let a = env
        .upload_bytes("a.txt", b"aaaa", Destination::Worktree)
        .saved()
        .next()
        .unwrap()
        .clone();
    let b = env
        .upload_bytes("b.txt", b"bbbb", Destination::Worktree)
        .saved()
        .next()
        .unwrap()
        .clone();
    let c = env
        .upload_bytes("c.txt", b"cccc", Destination::Worktree)
        .saved()
        .next()
        .unwrap()
        .clone();
    let folders = vec![env.uploads()];

    fs::remove_file(&a.path).unwrap();
    fs::write(&b.path, b"longer now").unwrap();
    // Same size, new mtime, same bytes: hashed, found unchanged.
    fs::write(&c.path, b"cccc").unwrap();
    let f = fs::File::options().write(true).open(&c.path).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();

    let report = reconcile::reconcile(&mut env.store, &folders, 2_000).unwrap();
    let changes: Vec<_> = report.changed.iter().map(|c| (c.id, c.to)).collect();
    assert_eq!(
        changes,
        [(a.id, FileStatus::Missing), (b.id, FileStatus::Modified)]
    );
    assert_eq!(
        env.store.files().get(c.id).unwrap().status,
        FileStatus::Present
    );
    assert_ne!(
        env.store.files().get(c.id).unwrap().mtime_ns,
        c.mtime_ns,
        "the new mtime is recorded"
    );

    fs::write(&a.path, b"aaaa").unwrap();
    let report = reconcile::reconcile(&mut env.store, &folders, 3_000).unwrap();
    assert_eq!(report.changed.len(), 1);
    assert_eq!(
        env.store.files().get(a.id).unwrap().status,
        FileStatus::Present,
        "the same bytes came back"
    );
    let again = reconcile::reconcile(&mut env.store, &folders, 4_000).unwrap();
    assert!(again.changed.is_empty(), "a second pass finds nothing new");
}

#[test]
fn lists_untracked_files_and_removes_stale_temp_files() {
    let mut env = Env::new();
    env.upload_bytes("known.txt", b"k", Destination::Worktree);
    let uploads = env.uploads();
    fs::write(uploads.join("dropped-by-agent.log"), b"?").unwrap();
    let stale = uploads.join(".handoff-abc123.part");
    let fresh = uploads.join(".handoff-def456.part");
    fs::write(&stale, b"half").unwrap();
    fs::write(&fresh, b"in progress").unwrap();
    let old = SystemTime::now() - STALE_TEMP_AFTER - Duration::from_secs(1);
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();

    let folders = reconcile::upload_folders(&mut env.store, &env.roots, &env.settings).unwrap();
    assert_eq!(
        folders,
        std::slice::from_ref(&uploads),
        "only existing folders are listed"
    );
    let report = reconcile::reconcile(&mut env.store, &folders, 2_000).unwrap();
    assert_eq!(report.untracked, [uploads.join("dropped-by-agent.log")]);
    assert_eq!(report.removed_temp, std::slice::from_ref(&stale));
    assert!(!stale.exists());
    assert!(
        fresh.exists(),
        "a temp file still being written is left alone"
    );
}
