//! What an agent asks of Handoff during a turn: reading files (inside the
//! worktree and the upload folders only), and being cancelled.

use std::time::Duration;

use handoff_core::agent::{AgentSession, StopReason};
use tokio::sync::mpsc;

use crate::agents::{read_pid, reply, wait_gone};
use crate::context::TestContext;

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_reads_files_of_its_worktree_only() {
    let ctx = TestContext::new();
    let inside = ctx.worktree.join("notes.txt");
    std::fs::write(&inside, "one\ntwo\n").unwrap();
    let outside = ctx.source("secret.txt", b"do not tell");
    let escape = ctx.worktree.join("link-out");
    std::os::unix::fs::symlink(&outside, &escape).unwrap();
    let paths = [&inside, &outside, &escape]
        .map(|p| p.display().to_string())
        .join(":");
    let (session_id, pidfile) = ctx.fake_agent_with("reader", &[("FAKE_AGENT_READ", paths)]);
    let (tx, mut events) = mpsc::unbounded_channel();
    let agent = AgentSession::start(&ctx.options(), session_id, tx)
        .await
        .unwrap();
    let stop = agent.prompt("read", &[]).await.unwrap();
    assert_eq!(stop, StopReason::EndTurn);
    let reply = reply(&mut events);
    assert!(
        reply.contains(&format!("{}: 'one\\ntwo\\n'", inside.display())),
        "{reply}"
    );
    for refused in [&outside, &escape] {
        assert!(
            reply.contains(&format!("{}: refused: ", refused.display()))
                && !reply.contains("do not tell"),
            "{reply}"
        );
    }
    let pid = read_pid(&pidfile);
    agent.shutdown().await;
    assert!(wait_gone(pid));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_turn_can_be_cancelled() {
    let ctx = TestContext::new();
    let (session_id, pidfile) = ctx.fake_agent("slow");
    let (tx, _events) = mpsc::unbounded_channel();
    let agent = std::sync::Arc::new(
        AgentSession::start(&ctx.options(), session_id, tx)
            .await
            .unwrap(),
    );
    let turn = tokio::spawn({
        let agent = std::sync::Arc::clone(&agent);
        async move { agent.prompt("take your time", &[]).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!turn.is_finished(), "the slow agent is still working");
    agent.cancel();
    let stop = tokio::time::timeout(Duration::from_secs(5), turn)
        .await
        .expect("the turn ends soon after the cancel")
        .unwrap()
        .unwrap();
    assert_eq!(stop, StopReason::Cancelled);
    let pid = read_pid(&pidfile);
    std::sync::Arc::try_unwrap(agent)
        .ok()
        .expect("the turn let go of the agent")
        .shutdown()
        .await;
    assert!(wait_gone(pid));
}
