use super::*;
use crate::words::Destination;
use crate::words::Origin;

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

/// A database written before lines' details were typed (schema 7) opens
/// with every line's details readable, old cards complete.
#[test]
fn lines_written_before_their_details_were_typed_read_back_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handoff.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::from_slice(migrations::MIGRATIONS)
            .to_version(&mut conn, 7)
            .unwrap();
        conn.execute_batch(
            r#"
INSERT INTO worktrees (id, path, name, created_at) VALUES (1, '/w', 'w', 0);
INSERT INTO sessions (id, worktree_id, title, created_at, updated_at, publish_token) VALUES (1, 1, 't', 0, 0, 'x');
INSERT INTO files (id, session_id, worktree_id, direction, destination, filename, path, size, mime, sniffed_mime, sha256, source, display_name, revision, status, mtime_ns, created_at, updated_at)
  VALUES (5, 1, 1, 'from_agent', 'published', 'r.md', '/p/r.md', 42, 'text/markdown', NULL, 'ab', 'mcp', 'Report', 2, 'present', 0, 0, 0);
INSERT INTO messages (session_id, seq, role, kind, body, data, created_at) VALUES
  (1, 1, 'system', 'files', 'Uploaded a.png', '{"files":[{"fileId":3,"path":"/w/a.png","size":9,"mime":"image/png"}]}', 0),
  (1, 2, 'system', 'files', 'Sent a.png', '{"files":[{"fileId":3,"path":"a.png","sentAs":["resource_link","image"]}]}', 0),
  (1, 3, 'agent', 'published', 'Published Report (v2, 42 B)', '{"fileId":5,"revision":2}', 0),
  (1, 4, 'agent', 'tool_call', 'Read', '{"id":"t1","title":"Read","status":"completed","paths":[]}', 0),
  (1, 5, 'system', 'text', 'The agent is now in mode plan.', '{"mode":"plan"}', 0),
  (1, 6, 'system', 'text', 'The turn ended.', '{"stopReason":"max_tokens"}', 0),
  (1, 7, 'system', 'error', 'crashed', '{"kind":"agentCrashed","retry":{"message":"m","fileIds":[3]}}', 0),
  (1, 8, 'system', 'permission', 'Write: Allow', '{"options":[{"id":"a","name":"Allow","allow":true}],"chosen":"a"}', 0),
  (1, 9, 'agent', 'plan', '- one', '{"entries":["one"]}', 0);
"#,
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let data: Vec<MessageData> = store
        .messages()
        .list(1)
        .unwrap()
        .into_iter()
        .map(|m| m.data.expect("readable details"))
        .collect();
    assert!(matches!(&data[0], MessageData::Uploaded { files } if files[0].mime == "image/png"));
    assert!(
        matches!(&data[1], MessageData::Sent { files } if files[0].sent_as == [SentAs::ResourceLink, SentAs::Image])
    );
    assert_eq!(
        data[2],
        MessageData::Published(Card {
            file_id: 5,
            revision: 2,
            name: "Report".to_owned(),
            mime: "text/markdown".to_owned(),
            size: 42,
            description: None,
        })
    );
    assert!(matches!(&data[3], MessageData::ToolCall(call) if call.status == "completed"));
    assert_eq!(
        data[4],
        MessageData::Mode {
            mode: "plan".to_owned()
        }
    );
    assert!(
        matches!(&data[5], MessageData::TurnEnded { stop_reason } if stop_reason == "max_tokens")
    );
    assert!(
        matches!(&data[6], MessageData::Error(e) if e.kind == crate::ErrorKind::AgentCrashed && e.retry.as_ref().unwrap().file_ids == [3])
    );
    assert!(
        matches!(&data[7], MessageData::Permission { chosen, .. } if chosen.as_deref() == Some("a"))
    );
    assert!(matches!(&data[8], MessageData::Plan { entries } if entries == &["one"]));
}

/// Profile names are unique regardless of case: saving a name another
/// profile has in another case changes that profile, never adds one that
/// could not be found; renaming onto another's name is refused.
#[test]
fn profile_names_are_unique_regardless_of_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("handoff.db")).unwrap();
    let env = std::collections::BTreeMap::new();
    let first = store
        .profiles()
        .save_custom("mine", "a", &[], &env)
        .unwrap();
    let again = store
        .profiles()
        .save_custom("MINE", "b", &[], &env)
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!((again.name.as_str(), again.command.as_str()), ("MINE", "b"));
    assert_eq!(store.profiles().find("mine").unwrap().unwrap().id, first.id);
    let other = store
        .profiles()
        .save_custom("other", "c", &[], &env)
        .unwrap();
    assert!(matches!(
        store
            .profiles()
            .update_custom(other.id, "Mine", "c", &[], &env),
        Err(StoreError::ProfileNameTaken { .. })
    ));
    assert!(matches!(
        store.profiles().save_custom("demo AGENT", "x", &[], &env),
        Err(StoreError::BuiltinProfile { .. })
    ));
}

/// A database with shares moves to `made` files (migration 12 rebuilds
/// `files` and `shares`) with every share still pointing at its file, and
/// the reference still enforced.
#[test]
fn shares_keep_their_files_when_files_learn_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handoff.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::from_slice(migrations::MIGRATIONS)
            .to_version(&mut conn, 11)
            .unwrap();
        conn.execute_batch(
            r"
INSERT INTO worktrees (id, path, name, created_at) VALUES (1, '/w', 'w', 0);
INSERT INTO sessions (id, worktree_id, title, created_at, updated_at, publish_token) VALUES (1, 1, 't', 0, 0, 'x');
INSERT INTO files (id, session_id, worktree_id, direction, destination, filename, path, size, mime, sha256, source, revision, status, mtime_ns, created_at, updated_at)
  VALUES (5, 1, 1, 'from_agent', 'published', 'r.md', '/p/r.md', 42, 'text/markdown', 'ab', 'mcp', 1, 'present', 0, 0, 0);
INSERT INTO shares (id, file_id, object_key, sha256, encrypted, url, created_at, expires_at) VALUES (3, 5, 'k', 'ab', 0, 'https://s/k', 0, 99);
",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    let share: (i64, i64) = conn
        .query_row("SELECT id, file_id FROM shares", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(share, (3, 5));
    let dangling = conn.execute(
        "INSERT INTO shares (file_id, object_key, sha256, encrypted, url, created_at, expires_at) VALUES (999, 'k', 'x', 0, 'u', 0, 9)",
        [],
    );
    assert!(dangling.is_err(), "a share of no file is refused");
    let made = NewFile {
        direction: crate::store::Direction::Made,
        source: crate::words::Origin::Turn,
        ..new_file("/w/out/report.md", Some(1), Some(1))
    };
    store.files().insert_many(&[made], &[], 1).unwrap();
}
