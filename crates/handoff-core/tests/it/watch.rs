use std::fs;
use std::time::{Duration, Instant};

use handoff_core::reconcile::Change;
use handoff_core::store::FileStatus;
use handoff_core::watch::{DEBOUNCE, WatchEvent, Watcher};
use handoff_core::{Destination, Store};

use crate::env::Env;

fn next(events: &std::sync::mpsc::Receiver<WatchEvent>) -> WatchEvent {
    events
        .recv_timeout(Duration::from_secs(5))
        .expect("an event within 5 s")
}

#[test]
fn follows_deletes_edits_and_new_files() {
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
    let (_watcher, events) = Watcher::start(
        Store::open(env.store.path()).unwrap(),
        &[env.uploads()],
        DEBOUNCE,
    )
    .unwrap();

    let started = Instant::now();
    fs::remove_file(&a.path).unwrap();
    assert_eq!(
        next(&events),
        WatchEvent::StatusChanged(Change {
            id: a.id,
            path: a.path.clone(),
            from: FileStatus::Present,
            to: FileStatus::Missing
        })
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "noticed in {:?}",
        started.elapsed()
    );
    assert_eq!(
        env.store.files().get(a.id).unwrap().status,
        FileStatus::Missing,
        "the store already knows"
    );

    fs::write(&b.path, b"changed!").unwrap();
    assert!(matches!(
        next(&events),
        WatchEvent::StatusChanged(Change {
            to: FileStatus::Modified,
            ..
        })
    ));

    let stray = env.uploads().join("from-agent.txt");
    fs::write(&stray, b"x").unwrap();
    assert_eq!(next(&events), WatchEvent::Untracked { path: stray });

    // Moving a file away is a deletion at its recorded path.
    let moved = env.root().join("moved.txt");
    fs::rename(&b.path, &moved).unwrap();
    assert!(matches!(
        next(&events),
        WatchEvent::StatusChanged(Change {
            to: FileStatus::Missing,
            ..
        })
    ));
}

#[test]
fn a_storm_of_deletes_is_one_pass() {
    let mut env = Env::new();
    env.settings.max_batch_files = 300;
    let sources: Vec<_> = (0..300)
        .map(|i| env.source(&format!("many/{i}.txt"), b"x"))
        .collect();
    let folder = sources[0].parent().unwrap().to_owned();
    let report = env.upload_paths(&[&folder]);
    assert!(report.all_saved());
    let (_watcher, events) = Watcher::start(
        Store::open(env.store.path()).unwrap(),
        &[env.uploads()],
        DEBOUNCE,
    )
    .unwrap();
    for record in report.saved() {
        fs::remove_file(&record.path).unwrap();
    }
    let last_delete = Instant::now();
    let mut missing = 0;
    while missing < 300 {
        if let WatchEvent::StatusChanged(Change {
            to: FileStatus::Missing,
            ..
        }) = next(&events)
        {
            missing += 1;
        }
    }
    assert!(
        last_delete.elapsed() < Duration::from_secs(2),
        "all 300 marked in {:?}",
        last_delete.elapsed()
    );
}
