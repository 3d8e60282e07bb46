use super::*;
use crate::destination::Destination;
use crate::ingest::Origin;

fn new_file(path: &str, session_id: Option<i64>, worktree_id: Option<i64>) -> NewFile {
    NewFile {
        session_id,
        worktree_id,
        direction: Direction::ToAgent,
        destination: Destination::Worktree,
        filename: path.rsplit('/').next().unwrap().to_owned(),
        path: PathBuf::from(path),
        size: 3,
        mime: "text/plain".to_owned(),
        sniffed_mime: Some("text/plain".to_owned()),
        sha256: "ab".repeat(32),
        source: Origin::Cli,
        display_name: None,
        description: None,
        revision: 1,
        mtime_ns: 7,
        expires_at: None,
    }
}

#[test]
fn migrates_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("sub/handoff.db")).unwrap();
    let version: i64 = store
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, migrations::latest());
    let mode: String = store
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    assert!(
        store
            .files()
            .list(&FileQuery::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn refuses_a_database_from_a_newer_build() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handoff.db");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = Store::open(&path).err().expect("a newer schema is refused");
    assert!(
        matches!(err, StoreError::TooNew { found: 999, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("newer version of Handoff"),
        "{err}"
    );
}

#[test]
fn lists_newest_first_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    let wt = store.worktrees().ensure(Path::new("/w"), 1).unwrap();
    assert_eq!(
        store.worktrees().ensure(Path::new("/w"), 2).unwrap(),
        wt,
        "ensure is idempotent"
    );
    let session = store.sessions().create(wt.id, None, "s", 1).unwrap();
    store
        .files()
        .insert_many(&[new_file("/w/a", Some(session.id), Some(wt.id))], &[], 10)
        .unwrap();
    store
        .files()
        .insert_many(&[new_file("/w/b", None, Some(wt.id))], &[], 20)
        .unwrap();
    let all = store.files().list(&FileQuery::default()).unwrap();
    assert_eq!(
        all.iter().map(|f| f.filename.as_str()).collect::<Vec<_>>(),
        ["b", "a"]
    );
    let in_session = store
        .files()
        .list(&FileQuery {
            session_id: Some(session.id),
            ..FileQuery::default()
        })
        .unwrap();
    assert_eq!(in_session.len(), 1);
    let missing = store
        .files()
        .list(&FileQuery {
            status: Some(FileStatus::Missing),
            ..FileQuery::default()
        })
        .unwrap();
    assert!(missing.is_empty());
    let limited = store
        .files()
        .list(&FileQuery {
            limit: Some(1),
            ..FileQuery::default()
        })
        .unwrap();
    assert_eq!(limited[0].filename, "b");
}

#[test]
fn live_under_matches_the_folder_and_not_its_siblings() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    let files = [
        new_file("/u/d/a", None, None),
        new_file("/u/d/e/b", None, None),
        new_file("/u/d2/c", None, None),
    ];
    store.files().insert_many(&files, &[], 1).unwrap();
    let mut under: Vec<_> = store
        .files()
        .live_under(Path::new("/u/d"))
        .unwrap()
        .into_iter()
        .map(|f| f.filename)
        .collect();
    under.sort();
    assert_eq!(under, ["a", "b"]);
    assert_eq!(
        store.files().live_under(Path::new("/u/d/a")).unwrap().len(),
        1
    );
}

#[test]
fn settings_persist_and_refuse_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let mut store = Store::open(&path).unwrap();
    store.settings().set("max_file_size", "2MB").unwrap();
    assert!(matches!(
        store.settings().set("max_file_size", "big"),
        Err(StoreError::InvalidSetting(_))
    ));
    drop(store);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.settings().load().unwrap().max_file_size, 2_000_000);
}

#[test]
fn custom_profiles_can_be_edited_and_deleted_but_built_ins_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("handoff.db")).unwrap();
    let env = std::collections::BTreeMap::from([("KEY".to_owned(), "v".to_owned())]);
    let custom = store
        .profiles()
        .save_custom("Mine", "my-agent", &["--acp".to_owned()], &env)
        .unwrap();
    let edited = store
        .profiles()
        .update_custom(custom.id, "Mine 2", "other-agent", &[], &env)
        .unwrap();
    assert_eq!(
        (
            edited.name.as_str(),
            edited.command.as_str(),
            edited.env.len()
        ),
        ("Mine 2", "other-agent", 1)
    );
    let demo = store.profiles().find("Demo agent").unwrap().unwrap();
    assert!(matches!(
        store.profiles().update_custom(demo.id, "x", "y", &[], &env),
        Err(StoreError::NotFound { .. })
    ));
    // A built-in's name, in any case, stays the built-in's.
    for name in ["demo AGENT", "Demo agent"] {
        let taken = store.profiles().save_custom(name, "y", &[], &env);
        assert!(
            matches!(&taken, Err(StoreError::BuiltinProfile { name }) if name == "Demo agent"),
            "{taken:?}"
        );
    }
    assert!(matches!(
        store
            .profiles()
            .update_custom(custom.id, "DEMO agent", "y", &[], &env),
        Err(StoreError::BuiltinProfile { .. })
    ));
    assert!(store.profiles().delete_custom(demo.id).is_err());
    store.profiles().delete_custom(custom.id).unwrap();
    assert!(store.profiles().find("Mine 2").unwrap().is_none());
}

#[test]
fn a_found_file_can_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("handoff.db")).unwrap();
    let mut file = new_file("/w/.agor/uploads/found.txt", None, None);
    file.source = Origin::Found;
    let saved = store.files().insert_many(&[file], &[], 5).unwrap();
    assert_eq!(
        store.files().get(saved[0].id).unwrap().source,
        Origin::Found
    );
}
