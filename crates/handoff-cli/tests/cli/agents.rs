//! The agent side with real processes: the demo agent over ACP, publishing
//! over MCP, and agents that crash, hang or want a sign-in.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use handoff_core::agent::{AgentError, AgentEvent, AgentSession, SessionOptions};
use handoff_core::store::{Direction, FileQuery, MessageKind, Role};
use handoff_core::{Home, Origin, Roots, Source, Store, Upload, clock, ingest};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::context::TestContext;

/// A real 640×480 PNG of one colour.
pub const PNG: &[u8] = include_bytes!("fixtures/640x480.png");

pub fn sha(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl TestContext {
    pub fn options(&self) -> SessionOptions {
        SessionOptions {
            home: Home::at(self.root.join("data")),
            handoff_exe: PathBuf::from(env!("CARGO_BIN_EXE_handoff")),
            roots: Roots {
                temp: self.root.join("tmp"),
                home: self.root.join("home"),
            },
            handshake_timeout: Duration::from_secs(20),
            prompt_timeout: Some(Duration::from_secs(20)),
        }
    }

    /// A session in the worktree with the named profile.
    pub fn session(&self, profile: &str) -> i64 {
        let mut store = self.store();
        let worktree = store.worktrees().ensure(&self.worktree, 0).unwrap();
        let profile = store
            .profiles()
            .find(profile)
            .unwrap()
            .expect("profile exists");
        store
            .sessions()
            .create(worktree.id, Some(profile.id), "test", 0)
            .unwrap()
            .id
    }

    pub fn store(&self) -> Store {
        Store::open(&self.database()).unwrap()
    }

    /// Uploads files into the session as the CLI would.
    pub fn attach(&self, session_id: i64, paths: &[&Path]) -> Vec<handoff_core::FileRecord> {
        let mut store = self.store();
        let settings = store.settings().load().unwrap();
        let session = store.sessions().get(session_id).unwrap();
        let mut upload = Upload::new(
            paths
                .iter()
                .map(|p| Source::Path(p.to_path_buf()))
                .collect(),
            Origin::Cli,
            &settings,
        );
        upload.session_id = Some(session_id);
        upload.worktree = Some(store.worktrees().get(session.worktree_id).unwrap());
        let roots = self.options().roots;
        let report = ingest::upload(
            &mut store,
            &roots,
            &settings,
            &upload,
            clock::now(),
            &mut |_| {},
        );
        assert!(report.all_saved(), "{:?}", report.outcomes);
        report.saved().cloned().collect()
    }

    /// A custom profile running the fake agent in `mode`.
    pub fn fake_agent(&self, mode: &str) -> (i64, PathBuf) {
        self.fake_agent_with(mode, &[])
    }

    /// A custom profile running the fake agent in `mode`, with more
    /// environment variables.
    pub fn fake_agent_with(&self, mode: &str, vars: &[(&str, String)]) -> (i64, PathBuf) {
        let pidfile = self.root.join(format!("{mode}.pid"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/fixtures/fake_agent.py");
        let mut store = self.store();
        let mut env: std::collections::BTreeMap<String, String> = [(
            "FAKE_AGENT_PIDFILE".to_owned(),
            pidfile.to_string_lossy().into_owned(),
        )]
        .into();
        env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let profile = store
            .profiles()
            .save_custom(
                &format!("fake {mode}"),
                "python3",
                &[script.to_string_lossy().into_owned(), mode.to_owned()],
                &env,
            )
            .unwrap();
        let worktree = store.worktrees().ensure(&self.worktree, 0).unwrap();
        let session = store
            .sessions()
            .create(worktree.id, Some(profile.id), "fake", 0)
            .unwrap();
        (session.id, pidfile)
    }
}

/// Collects the agent's reply text from the events.
pub fn reply(events: &mut mpsc::UnboundedReceiver<AgentEvent>) -> String {
    let mut text = String::new();
    while let Ok(event) = events.try_recv() {
        if let AgentEvent::Text(t) = event {
            text.push_str(&t);
        }
    }
    text
}

/// Whether the process is gone (or a zombie nobody reaps here).
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

pub fn wait_gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if process_gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

pub fn read_pid(pidfile: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(pidfile)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        assert!(Instant::now() < deadline, "the agent wrote its pid");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_agent_reports_exactly_what_it_received() {
    let ctx = TestContext::new();
    let session_id = ctx.session("Demo agent");
    let png = ctx.source("screen shot.png", PNG);
    let notes = ctx.source("notes.txt", b"first line\nsecond line\nthird\nfourth\n");
    let pdf_bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n";
    let pdf = ctx.source("spec.pdf", pdf_bytes);
    let files = ctx.attach(session_id, &[&png, &notes, &pdf]);

    let (tx, mut events) = mpsc::unbounded_channel();
    let agent = AgentSession::start(&ctx.options(), session_id, tx)
        .await
        .unwrap();
    assert_eq!(agent.info().name, "Handoff demo agent");
    assert!(agent.info().images, "the demo agent takes images");
    agent
        .prompt("Please review {filepath}", &files)
        .await
        .unwrap();
    let text = reply(&mut events);
    agent.shutdown().await;

    let uploads = ctx.uploads();
    let expected = [
        "I got your message in 5 parts:".to_owned(),
        r#"text: "Please review .agor/uploads/screen shot.png, .agor/uploads/notes.txt, .agor/uploads/spec.pdf""#.to_owned(),
        format!("file: {} (image/png, {} bytes), sha256 {}, 640×480 px", uploads.join("screen shot.png").display(), PNG.len(), sha(PNG)),
        format!("image: image/png, 640×480 px, {} bytes, sha256 {}", PNG.len(), sha(PNG)),
        format!(
            "file: {} (text/plain, 36 bytes), sha256 {}\n    | first line\n    | second line\n    | third",
            uploads.join("notes.txt").display(),
            sha(b"first line\nsecond line\nthird\nfourth\n")
        ),
        format!("file: {} (application/pdf, {} bytes), sha256 {}", uploads.join("spec.pdf").display(), pdf_bytes.len(), sha(pdf_bytes)),
    ];
    assert_eq!(text, expected.join("\n") + "\n");

    let messages = ctx.store().messages().list(session_id).unwrap();
    let kinds: Vec<_> = messages.iter().map(|m| (m.role, m.kind)).collect();
    assert_eq!(
        kinds,
        [
            (Role::User, MessageKind::Text),
            (Role::System, MessageKind::Files),
            (Role::Agent, MessageKind::Text)
        ]
    );
    let data = serde_json::to_value(&messages[1].data).unwrap();
    let ways = &data["files"];
    assert_eq!(
        ways[0]["sentAs"],
        serde_json::json!(["resource_link", "image"]),
        "the PNG went inline too"
    );
    assert_eq!(ways[1]["sentAs"], serde_json::json!(["resource_link"]));
    assert_eq!(ways[2]["sentAs"], serde_json::json!(["resource_link"]));
    assert_eq!(ways[0]["fileId"], files[0].id);
    assert_eq!(
        messages[1].body,
        "Sent .agor/uploads/screen shot.png: picture 640×480 and link; .agor/uploads/notes.txt: link; .agor/uploads/spec.pdf: link"
    );
    assert_eq!(
        messages[2].body, text,
        "the streamed reply is recorded whole"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_agent_publishes_revisions_that_outlive_their_source() {
    let ctx = TestContext::new();
    let session_id = ctx.session("Demo agent");
    let report = ctx.worktree.join("out/report.md");
    std::fs::create_dir_all(report.parent().unwrap()).unwrap();
    std::fs::write(&report, "# Findings\n\nAll good.\n").unwrap();

    let (tx, mut events) = mpsc::unbounded_channel();
    let agent = AgentSession::start(&ctx.options(), session_id, tx)
        .await
        .unwrap();
    agent
        .prompt("publish out/report.md as Weekly report", &[])
        .await
        .unwrap();
    let first = reply(&mut events);
    assert!(
        first.contains("publish_file: Published Weekly report (revision 1, 22 B, text/markdown)"),
        "{first}"
    );
    std::fs::write(&report, "# Findings\n\nOne regression.\n").unwrap();
    agent
        .prompt("publish out/report.md as Weekly report", &[])
        .await
        .unwrap();
    let second = reply(&mut events);
    assert!(second.contains("revision 2"), "{second}");
    agent.shutdown().await;
    std::fs::remove_file(&report).unwrap();

    let mut store = ctx.store();
    let published = store
        .files()
        .list(&FileQuery {
            session_id: Some(session_id),
            direction: Some(Direction::FromAgent),
            ..FileQuery::default()
        })
        .unwrap();
    assert_eq!(
        published.iter().map(|f| f.revision).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(
        std::fs::read_to_string(&published[1].path).unwrap(),
        "# Findings\n\nAll good.\n",
        "v1 is a snapshot"
    );
    assert_eq!(
        std::fs::read_to_string(&published[0].path).unwrap(),
        "# Findings\n\nOne regression.\n"
    );
    assert!(
        published[0]
            .path
            .starts_with(ctx.root.join(format!("data/published/{session_id}")))
    );
    assert_eq!(published[0].display_name.as_deref(), Some("Weekly report"));
    assert_eq!(published[0].mime, "text/markdown");
    let cards: Vec<_> = store
        .messages()
        .list(session_id)
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == MessageKind::Published)
        .map(|m| m.body)
        .collect();
    assert_eq!(
        cards,
        [
            "Published Weekly report (v1, 22 B)",
            "Published Weekly report (v2, 28 B)"
        ]
    );
    let tool_calls: Vec<_> = store
        .messages()
        .list(session_id)
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == MessageKind::ToolCall)
        .collect();
    assert_eq!(
        serde_json::to_value(&tool_calls[0].data).unwrap()["status"],
        "completed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_dies_mid_prompt_is_reported_with_its_stderr_and_the_upload_stays() {
    let ctx = TestContext::new();
    let (session_id, pidfile) = ctx.fake_agent("crash");
    let file = ctx.source("log.txt", b"boom");
    let files = ctx.attach(session_id, &[&file]);
    let (tx, _events) = mpsc::unbounded_channel();
    let agent = AgentSession::start(&ctx.options(), session_id, tx)
        .await
        .unwrap();
    let pid = read_pid(&pidfile);
    let err = agent
        .prompt("look at {filepath}", &files)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AgentError::Crashed { exit: Some(3), .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the agent stopped (exit 3); its last words:\n\
         fake agent starting in crash mode\nfatal: the model exploded"
    );
    agent.shutdown().await;
    assert!(wait_gone(pid), "no orphan agent process");
    assert!(files[0].path.is_file(), "the upload survives the crash");
    let messages = ctx.store().messages().list(session_id).unwrap();
    let last = messages.last().unwrap();
    assert_eq!(last.kind, MessageKind::Error);
    let data = serde_json::to_value(&last.data).unwrap();
    assert_eq!(data["kind"], "agentCrashed");
    assert!(
        data["stderrTail"]
            .as_str()
            .unwrap()
            .contains("the model exploded")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_never_answers_times_out_and_is_killed() {
    let ctx = TestContext::new();
    let (session_id, pidfile) = ctx.fake_agent("hang");
    let mut options = ctx.options();
    options.handshake_timeout = Duration::from_secs(2);
    let (tx, _events) = mpsc::unbounded_channel();
    let started = Instant::now();
    let err = AgentSession::start(&options, session_id, tx)
        .await
        .err()
        .expect("a hang is an error");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, AgentError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string().contains("fake agent starting in hang mode"),
        "stderr tail included: {err}"
    );
    assert!(wait_gone(read_pid(&pidfile)), "no orphan agent process");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_wants_a_sign_in_lists_its_methods() {
    let ctx = TestContext::new();
    let (session_id, pidfile) = ctx.fake_agent("auth");
    let (tx, _events) = mpsc::unbounded_channel();
    let err = AgentSession::start(&ctx.options(), session_id, tx)
        .await
        .err()
        .expect("sign-in needed");
    let AgentError::AuthRequired {
        agent,
        methods,
        profile,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(agent, "Fake agent");
    assert!(!profile.is_empty());
    assert_eq!(methods[0].id, "google");
    assert_eq!(methods[0].name, "Log in with Google");
    assert_eq!(
        err.to_string(),
        "Fake agent needs you to sign in first (Log in with Google)"
    );
    assert!(wait_gone(read_pid(&pidfile)), "no orphan agent process");
    let last = ctx
        .store()
        .messages()
        .list(session_id)
        .unwrap()
        .pop()
        .unwrap();
    let data = serde_json::to_value(&last.data).unwrap();
    let way = &data["authMethods"][0];
    assert_eq!(way["method"]["name"], "Log in with Google");
    assert_eq!(way["method"]["how"]["kind"], "agent");
    assert!(
        way["instruction"]
            .as_str()
            .unwrap()
            .contains(" google` (the agent signs you in itself"),
        "{way}"
    );
}

#[test]
fn a_profile_whose_command_is_missing_says_how_to_install_it() {
    let ctx = TestContext::new();
    let run = ctx.run(&["agent", "ls"]).expect(0);
    assert!(
        run.stdout()
            .contains("Demo agent     handoff demo-agent           ready"),
        "{}",
        run.stdout()
    );
    let session = ctx.run(&["session", "new", "--agent", "Codex"]).expect(0);
    assert!(
        session
            .stderr()
            .contains("npm install -g @agentclientprotocol/codex-acp"),
        "{}",
        session.stderr()
    );
    let id = session.stdout().trim().to_owned();
    let run = ctx
        .command(&["prompt", "--session", &id, "hello"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("codex-acp is not installed"));
    let unknown = ctx.run(&["session", "new", "--agent", "Nope"]).expect(1);
    assert!(
        unknown.stderr().contains(
            "there is no agent profile called \"Nope\" (there are \"Demo agent\", \"Gemini CLI\", \"Codex\", \"Claude\")"
        ),
        "{}",
        unknown.stderr()
    );
}

#[test]
fn agent_test_starts_a_profile_and_says_what_is_wrong() {
    let ctx = TestContext::new();
    let ready = ctx.run(&["agent", "test", "Demo agent"]).expect(0);
    assert!(
        ready
            .stdout()
            .starts_with("Demo agent: ready (Handoff demo agent, takes images)\n"),
        "{}",
        ready.stdout()
    );
    ctx.fake_agent("auth");
    let auth = ctx.run(&["agent", "test", "fake auth"]).expect(1);
    assert!(
        auth.stderr().contains("Log in with Google"),
        "{}",
        auth.stderr()
    );
    ctx.fake_agent("hang");
    let hang = ctx
        .run(&["agent", "test", "fake hang", "--timeout", "1"])
        .expect(1);
    assert!(
        hang.stderr().contains("fake agent starting in hang mode"),
        "{}",
        hang.stderr()
    );
    let missing = ctx
        .command(&["agent", "test", "Codex"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("codex-acp is not installed"));
    let sessions = ctx.store().sessions().list(None).unwrap();
    assert_eq!(
        sessions.len(),
        2,
        "only the fake agents' sessions: the tests wrote nothing"
    );
}
