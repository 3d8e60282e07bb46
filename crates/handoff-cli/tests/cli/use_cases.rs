//! The core's use cases as both shells call them: the agents a shell keeps
//! (turns queued, nothing left behind), uploads whose conversation line
//! cannot be written, what an agent may read, and profile names.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use handoff_core::agent::StopReason;
use handoff_core::api::agents::{Activity, Agents};
use handoff_core::api::uploads::{self, UploadRequest};
use handoff_core::api::{Context, sessions};
use handoff_core::{ErrorKind, Home, Origin, Roots, Source};

use crate::agents::reply;
use crate::context::TestContext;

impl TestContext {
    /// The core's context for this world, agents served by `handoff`.
    fn api(&self) -> Context {
        Context {
            home: Home::at(self.root.join("data")),
            roots: Roots {
                temp: self.root.join("tmp"),
                home: self.root.join("home"),
            },
            exe: PathBuf::from(env!("CARGO_BIN_EXE_handoff")),
        }
    }
}

/// Two prompts sent at once to a session whose agent is not running start
/// one agent and take turns; afterwards the registry keeps the agent and
/// no start gate; quitting ends it.
#[tokio::test(flavor = "multi_thread")]
async fn prompts_at_once_start_one_agent_and_take_turns() {
    let ctx = TestContext::new();
    let api = ctx.api();
    let session = ctx.session("Demo agent");
    let heard: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = {
        let heard = Arc::clone(&heard);
        Arc::new(move |_: i64, activity: Activity| {
            let name = match activity {
                Activity::Busy => "busy",
                Activity::TurnEnded(_) => "ended",
                Activity::Agent(_) => return,
            };
            heard.lock().unwrap().push(name.to_owned());
        })
    };
    let agents = Arc::new(Agents::new(&api, sink));
    let turns: Vec<_> = ["first", "second"]
        .into_iter()
        .map(|text| {
            let (agents, api) = (Arc::clone(&agents), api.clone());
            tokio::spawn(async move { agents.prompt(&api, session, text, &[]).await })
        })
        .collect();
    for turn in turns {
        assert_eq!(turn.await.unwrap().unwrap(), StopReason::EndTurn);
    }
    assert_eq!(agents.counts().await, (1, 0), "one agent, no gate left");
    let ended = heard
        .lock()
        .unwrap()
        .iter()
        .filter(|h| *h == "ended")
        .count();
    assert_eq!(ended, 2);
    let replies = ctx
        .store()
        .messages()
        .list(session)
        .unwrap()
        .into_iter()
        .filter(|m| m.role == handoff_core::store::Role::Agent)
        .count();
    assert_eq!(replies, 2, "each turn got its own reply");
    agents.stop_all().await;
    assert_eq!(agents.counts().await, (0, 0));
}

/// Files saved into a session whose conversation cannot take the line are
/// saved all the same, and the upload says the line is missing and why.
#[test]
fn an_upload_the_conversation_cannot_record_is_kept_and_reported() {
    let ctx = TestContext::new();
    let api = ctx.api();
    let session = ctx.session("Demo agent");
    rusqlite::Connection::open(ctx.database())
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER full BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .unwrap();
    let source = ctx.source("notes.txt", b"keep me");
    let request = UploadRequest {
        session_id: Some(session),
        ..UploadRequest::new(vec![Source::Path(source)], Origin::Drop)
    };
    let uploaded = uploads::upload(&api, request, &mut |_| {}).unwrap();
    assert!(uploaded.report.all_saved());
    let saved = uploaded.saved_paths();
    assert_eq!(std::fs::read(saved[0]).unwrap(), b"keep me");
    let missing = uploaded.unrecorded.expect("the missing line is reported");
    assert_eq!(missing.kind, ErrorKind::StoreFailed);
    assert!(
        missing.message.contains("the files were saved")
            && missing.message.contains("disk is full"),
        "{missing:?}"
    );
}

/// With the uploads folder set to another name, the agent may read the
/// global uploads folder under that name (and not the default one).
#[tokio::test(flavor = "multi_thread")]
async fn the_agent_reads_uploads_where_the_settings_put_them() {
    let ctx = TestContext::new();
    ctx.run(&["settings", "set", "uploads_folder", "handoff-drop"])
        .expect(0);
    let dropped = ctx.root.join("home/handoff-drop/notes.txt");
    std::fs::create_dir_all(dropped.parent().unwrap()).unwrap();
    std::fs::write(&dropped, "from the drop\n").unwrap();
    let (session, _pidfile) = ctx.fake_agent_with(
        "reader",
        &[("FAKE_AGENT_READ", dropped.display().to_string())],
    );
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let agent = handoff_core::agent::AgentSession::start(&ctx.options(), session, tx)
        .await
        .unwrap();
    agent.prompt("read", &[]).await.unwrap();
    let reply = reply(&mut events);
    assert!(
        reply.contains(&format!("{}: 'from the drop\\n'", dropped.display())),
        "{reply}"
    );
    agent.shutdown().await;
}

/// Profile names are one regardless of case; an unknown one is named in
/// the error with the known ones.
#[test]
fn profile_names_are_one_regardless_of_case() {
    let ctx = TestContext::new();
    let first = ctx.run(&["agent", "add", "Mine", "--command", "true"]);
    let again = ctx.run(&["agent", "add", "MINE", "--command", "false"]);
    assert_eq!(first.stdout(), again.stdout(), "{}", again.stderr());
    let builtin = ctx.run(&["agent", "add", "demo AGENT", "--command", "x"]);
    assert_ne!(builtin.code(), 0);
    assert!(
        builtin.stderr().contains("is a built-in agent profile"),
        "{}",
        builtin.stderr()
    );
    let unknown = ctx.run(&["session", "new", "--agent", "nope"]);
    assert_ne!(unknown.code(), 0);
    assert!(
        unknown
            .stderr()
            .contains("there is no agent profile called \"nope\"")
            && unknown.stderr().contains("\"MINE\""),
        "{}",
        unknown.stderr()
    );
    let api = ctx.api();
    let worktree = handoff_core::api::worktrees::add(&api, &ctx.worktree).unwrap();
    let session = sessions::create(
        &api,
        sessions::NewSession {
            worktree_id: worktree.id,
            profile: sessions::ProfileChoice::Name("mine".to_owned()),
            ..sessions::NewSession::default()
        },
    )
    .unwrap();
    assert_eq!(session.title, "MINE in worktree");
}

#[test]
fn sessions_named_for_the_same_agent_can_be_told_apart() {
    let ctx = TestContext::new();
    for _ in 0..3 {
        ctx.run(&["session", "new"]).expect(0);
    }
    ctx.run(&["session", "new", "--title", "Mine"]).expect(0);
    ctx.run(&["session", "new", "--title", "Mine"]).expect(0);
    let listed = ctx.run(&["session", "ls", "--json"]).expect(0).json();
    let mut titles: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        [
            "Demo agent in worktree",
            "Demo agent in worktree (2)",
            "Demo agent in worktree (3)",
            "Mine",
            "Mine",
        ],
        "a title the person chose is theirs, even twice"
    );
}
