use handoff_core::Destination;
use handoff_core::expiry;
use handoff_core::store::FileStatus;

use crate::env::Env;

#[test]
fn temp_uploads_expire_when_their_time_is_up() {
    let mut env = Env::new();
    let temp = env
        .upload_bytes("t.txt", b"t", Destination::Temp)
        .saved()
        .next()
        .unwrap()
        .clone();
    let kept = env
        .upload_bytes("w.txt", b"w", Destination::Worktree)
        .saved()
        .next()
        .unwrap()
        .clone();
    let due = temp.expires_at.unwrap();

    assert!(
        expiry::expire(&mut env.store, due - 1).unwrap().is_empty(),
        "not yet"
    );
    assert!(temp.path.exists());

    let expired = expiry::expire(&mut env.store, due).unwrap();
    assert_eq!(expired.iter().map(|r| r.id).collect::<Vec<_>>(), [temp.id]);
    assert!(!temp.path.exists(), "the file is deleted");
    assert_eq!(
        env.store.files().get(temp.id).unwrap().status,
        FileStatus::Expired
    );
    assert_eq!(
        env.store.files().get(kept.id).unwrap().status,
        FileStatus::Present
    );
    assert!(
        expiry::expire(&mut env.store, due + 1).unwrap().is_empty(),
        "expiring twice does nothing"
    );
}

#[test]
fn the_sweeper_runs_at_start() {
    let mut env = Env::new();
    env.settings.temp_expiry_secs = 0;
    let temp = env
        .upload_bytes("t.txt", b"t", Destination::Temp)
        .saved()
        .next()
        .unwrap()
        .clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let store = handoff_core::Store::open(env.store.path()).unwrap();
    let _sweeper = expiry::Sweeper::spawn(store, expiry::SWEEP_EVERY, move |records| {
        let _ = tx.send(records);
    })
    .unwrap();
    let records = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(records[0].id, temp.id);
    assert!(!temp.path.exists());
}
