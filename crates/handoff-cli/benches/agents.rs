//! `make bench`, part two: what Handoff adds to a real coding agent's turn.
//!
//! B5: per agent (Claude Code, Codex, Gemini CLI; model requests answered
//! by the mock model on 127.0.0.1), the time from starting a prompt to the
//! agent's first reply chunk, each run starting the agent afresh:
//! - through Handoff: `handoff prompt --session N` (agent start through the
//!   tie process, MCP publish server, mode, composing, recording), from
//!   spawn to the first byte of reply on stdout;
//! - direct: a bare ACP client in this process spawning the same agent with
//!   the same environment (initialize, session/new without MCP servers,
//!   prompt), from spawn to the first `agent_message_chunk`.
//!
//! The difference is Handoff's overhead. Skipped when the agents are not
//! installed (`scripts/setup.sh` installs them).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    ContentBlock, InitializeRequest, NewSessionRequest, PromptRequest, RequestPermissionOutcome,
    RequestPermissionRequest, RequestPermissionResponse, SessionNotification, SessionUpdate,
    SetSessionModeRequest, TextContent,
};
use agent_client_protocol::{AcpAgent, AcpAgentConfig, Agent, Client};
use handoff_mock_model::agents::{self, AgentSetup};
use handoff_mock_model::{MockModel, Script};
use tokio::sync::mpsc;

const RUNS: usize = 5;
const REPLY: &str = "Hello from the mock model.";

fn main() {
    let node_modules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/agents/node_modules");
    if !agents::program_path(agents::CLAUDE, &node_modules).exists() {
        println!("B5 skipped: the agents are not installed (scripts/setup.sh installs them)");
        return;
    }
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-agents");
    let _ = std::fs::remove_dir_all(&work);
    println!("B5: prompt → first reply chunk, agent started each time ({RUNS} runs, medians)");
    println!(
        "{:<4} {:<22} {:>14} {:>10} {:>10}",
        "", "agent", "via handoff", "direct", "overhead"
    );
    let mock = MockModel::start(Script::new()).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let root = work.canonicalize().unwrap();
    let url = mock.url();
    for name in ["claude", "codex", "gemini"] {
        let dir = root.join(name);
        let setup = match name {
            "claude" => agents::claude(&url),
            "codex" => agents::codex(&url, &dir),
            _ => agents::gemini(&url, "home"),
        };
        let bin = agents::program_path(setup.program, &node_modules);
        let world = World::new(&dir, &setup, &bin);
        let mut via = Vec::new();
        let mut direct = Vec::new();
        for _ in 0..RUNS {
            mock.set_script(Script::new().then_text(REPLY));
            via.push(world.through_handoff());
            mock.set_script(Script::new().then_text(REPLY));
            direct.push(world.direct(&setup, &bin));
        }
        let (via, direct) = (median(via), median(direct));
        println!(
            "{:<4} {:<22} {:>12.0}ms {:>8.0}ms {:>8.0}ms",
            "B5",
            name,
            ms(via),
            ms(direct),
            ms(via) - ms(direct)
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// One agent's scratch world: data folder, home, worktree, a session.
struct World {
    root: PathBuf,
    worktree: PathBuf,
    session: String,
}

impl World {
    fn new(root: &Path, setup: &AgentSetup, bin: &Path) -> Self {
        let worktree = root.join("worktree");
        for sub in ["data", "home", "tmp", "worktree/.git"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        setup.write_files(root).unwrap();
        let mut world = Self {
            root: root.to_owned(),
            worktree,
            session: String::new(),
        };
        let mut add = vec![
            "agent".to_owned(),
            "add".to_owned(),
            setup.name.to_owned(),
            "--command".to_owned(),
            bin.display().to_string(),
        ];
        for arg in &setup.args {
            add.extend(["--arg".to_owned(), arg.clone()]);
        }
        for env in &setup.env {
            add.extend(["--env".to_owned(), env.clone()]);
        }
        if let Some(mode) = setup.mode {
            add.extend(["--mode".to_owned(), mode.to_owned()]);
        }
        world.handoff(&add);
        let session = world.handoff(&[
            "session".into(),
            "new".into(),
            "--agent".into(),
            setup.name.into(),
        ]);
        session
            .lines()
            .next()
            .unwrap()
            .trim()
            .clone_into(&mut world.session);
        world
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_handoff"));
        cmd.current_dir(&self.worktree)
            .env("HANDOFF_HOME", self.root.join("data"))
            .env("HOME", self.root.join("home"))
            .env("TMPDIR", self.root.join("tmp"));
        cmd
    }

    fn handoff(&self, args: &[String]) -> String {
        let out = self.command().args(args).output().unwrap();
        assert!(out.status.success(), "handoff {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `handoff prompt`: spawn to the first byte of the reply.
    fn through_handoff(&self) -> Duration {
        let start = Instant::now();
        let mut child = self
            .command()
            .args(["prompt", "--session", &self.session, "Say hello"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = None;
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            if first.is_none() && buf[..n].iter().any(|b| !b.is_ascii_whitespace()) {
                first = Some(start.elapsed());
            }
        }
        assert!(child.wait().unwrap().success());
        first.expect("no reply through handoff")
    }

    /// A bare ACP client: spawn to the first reply chunk.
    fn direct(&self, setup: &AgentSetup, bin: &Path) -> Duration {
        let mut env = setup.env_pairs();
        env.push(("HOME".into(), self.root.join("home").display().to_string()));
        env.push(("TMPDIR".into(), self.root.join("tmp").display().to_string()));
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(first_chunk(
            bin,
            &setup.args,
            env,
            &self.worktree,
            setup.mode,
        ))
    }
}

async fn first_chunk(
    bin: &Path,
    args: &[String],
    env: Vec<(String, String)>,
    cwd: &Path,
    mode: Option<&str>,
) -> Duration {
    let start = Instant::now();
    std::env::set_current_dir(cwd).unwrap();
    let agent = AcpAgent::new(AcpAgentConfig::new(bin).args(args.to_vec()).envs(env));
    let (chunks, mut first) = mpsc::unbounded_channel();
    let (cwd, mode) = (cwd.to_owned(), mode.map(str::to_owned));
    let run = Client
        .v1()
        .name("bench")
        .on_receive_notification(
            async move |n: SessionNotification, _cx| {
                if matches!(n.update, SessionUpdate::AgentMessageChunk(_)) {
                    let _ = chunks.send(start.elapsed());
                }
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .on_receive_request(
            async move |_: RequestPermissionRequest, responder, _cx| {
                responder.respond(RequestPermissionResponse::new(
                    RequestPermissionOutcome::Cancelled,
                ))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .connect_with(agent, async move |cx: ConnectionTo<Agent>| {
            cx.send_request(InitializeRequest::new(ProtocolVersion::V1))
                .block_task()
                .await?;
            let session = cx
                .send_request(NewSessionRequest::new(cwd))
                .block_task()
                .await?;
            if let Some(mode) = mode {
                cx.send_request(SetSessionModeRequest::new(session.session_id.clone(), mode))
                    .block_task()
                    .await?;
            }
            let text = ContentBlock::Text(TextContent::new("Say hello"));
            cx.send_request(PromptRequest::new(session.session_id, vec![text]))
                .block_task()
                .await?;
            Ok(())
        });
    run.await.unwrap();
    first.recv().await.expect("no reply chunk from the agent")
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
