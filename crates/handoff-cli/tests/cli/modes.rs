//! Session modes: what an agent offers, chosen per profile, per session or
//! per prompt, and honoured by the agent.

use std::io::Write;
use std::process::Stdio;

use crate::context::TestContext;

fn new_session(ctx: &TestContext, extra: &[&str]) -> String {
    let mut args = vec!["session", "new"];
    args.extend_from_slice(extra);
    ctx.run(&args).expect(0).stdout().trim().to_owned()
}

/// Runs a prompt that publishes `x.txt`, answering `answer` on the terminal.
fn publish_prompt(ctx: &TestContext, id: &str, extra: &[&str], answer: &str) -> (String, String) {
    let mut args = vec!["prompt", "--session", id];
    args.extend_from_slice(extra);
    args.push("publish x.txt");
    let mut child = ctx
        .command(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn agent_test_lists_the_modes_an_agent_offers() {
    let ctx = TestContext::new();
    let out = ctx.run(&["agent", "test", "Demo agent"]).expect(0).stdout();
    assert!(out.contains("* mode default"), "{out}");
    assert!(
        out.contains("  mode ask                  Asks for permission before every publish"),
        "{out}"
    );
}

#[test]
fn a_mode_asked_for_is_set_and_honoured_and_kept_for_the_session() {
    let ctx = TestContext::new();
    std::fs::write(ctx.worktree.join("x.txt"), "x").unwrap();
    let id = new_session(&ctx, &[]);
    // The agent's own mode publishes without asking.
    let (out, err) = publish_prompt(&ctx, &id, &[], "");
    assert!(out.contains("publish_file: Published x.txt"), "{out}");
    assert!(!err.contains("The agent asks"), "{err}");
    // In `ask` (by its name, any case) it asks; a refusal is honoured.
    let (out, err) = publish_prompt(&ctx, &id, &["--mode", "ASK FIRST"], "2\n");
    assert!(err.contains("(session 1, mode Ask first)"), "{err}");
    assert!(
        err.contains("The agent asks: Go ahead with the demo request"),
        "{err}"
    );
    assert!(out.contains("Permission refused"), "{out}");
    // The session keeps its mode; allowing publishes.
    let (out, err) = publish_prompt(&ctx, &id, &[], "1\n");
    assert!(err.contains("The agent asks"), "{err}");
    assert!(out.contains("publish_file: Published x.txt"), "{out}");
    let messages = ctx.store().messages().list(id.parse().unwrap()).unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.body == "The agent is now in mode ask."),
        "the switch is in the conversation"
    );
}

#[test]
fn a_profile_default_mode_applies_and_an_unknown_mode_says_what_is_offered() {
    let ctx = TestContext::new();
    std::fs::write(ctx.worktree.join("x.txt"), "x").unwrap();
    ctx.run(&[
        "agent",
        "add",
        "careful",
        "--command",
        "handoff",
        "--arg",
        "demo-agent",
        "--mode",
        "ask",
    ])
    .expect(0);
    let id = new_session(&ctx, &["--agent", "careful"]);
    let (out, err) = publish_prompt(&ctx, &id, &[], "2\n");
    assert!(err.contains("mode Ask first"), "{err}");
    assert!(out.contains("Permission refused"), "{out}");

    let id = new_session(&ctx, &["--mode", "yolo"]);
    let (_, err) = publish_prompt(&ctx, &id, &[], "");
    assert!(
        err.contains("has no mode \"yolo\"; it offers: default, ask"),
        "{err}"
    );
}

#[test]
fn a_built_in_profile_takes_an_environment_and_a_mode_but_keeps_its_name() {
    let ctx = TestContext::new();
    ctx.run(&[
        "agent",
        "add",
        "Demo agent",
        "--command",
        "handoff",
        "--env",
        "DEMO_KEY=k1",
        "--mode",
        "ask",
    ])
    .expect(0);
    let demo = ctx.store().profiles().find("Demo agent").unwrap().unwrap();
    assert!(demo.builtin);
    assert_eq!(demo.env.get("DEMO_KEY").map(String::as_str), Some("k1"));
    assert_eq!(demo.default_mode.as_deref(), Some("ask"));
    assert_eq!(demo.args, ["demo-agent"], "its command is untouched");

    // Another command under a built-in's name, in any case, is refused.
    let taken = ctx
        .run(&["agent", "add", "demo AGENT", "--command", "my-agent"])
        .expect(1);
    assert!(
        taken
            .stderr()
            .contains("Demo agent is a built-in agent profile; give yours another name"),
        "{}",
        taken.stderr()
    );
}
