//! Signing in, as a person with no key would: the agent says it needs it,
//! Handoff lists each way the agent offers with what to do, and `handoff
//! agent login` runs the one picked.

use handoff_core::Store;
use handoff_mock_model::agents;
use handoff_mock_model::{MockModel, Script};
use serde_json::json;

use crate::world::{World, agent_bin};

/// Codex with no key: `agent test` lists its ways; the API-key way needs
/// the key in the profile first; with it, `agent login` signs Codex in
/// (`authenticate`), and the sign-in outlives the key's removal.
#[test]
fn codex_signs_in_with_an_api_key_through_handoff() {
    let world = World::new(MockModel::start(Script::new()).unwrap());
    let bin = agent_bin(agents::CODEX);
    let codex_home = world.root.join("codex-home");
    std::fs::create_dir_all(&codex_home).unwrap();
    let add = |extra: &[&str]| {
        let home = format!("CODEX_HOME={}", codex_home.display());
        let mut args = vec![
            "agent",
            "add",
            "my-codex",
            "--command",
            bin.to_str().unwrap(),
            "--env",
            &home,
        ];
        args.extend(extra);
        world.handoff(&args).expect_ok();
    };
    add(&[]);

    let test = world.handoff(&["agent", "test", "my-codex"]);
    assert_eq!(test.code, Some(1), "{test:#?}");
    assert!(
        test.stderr
            .contains("my-codex: Codex needs you to sign in first"),
        "{test:#?}"
    );
    assert!(
        test.stderr.contains("API Key")
            && test.stderr.contains("as OPENAI_API_KEY")
            && test
                .stderr
                .contains("`handoff agent login my-codex chat-gpt`"),
        "{test:#?}"
    );

    // The key is not in the profile yet: Handoff says where it goes.
    let early = world.handoff(&["agent", "login", "my-codex", "api-key"]);
    assert_eq!(early.code, Some(1), "{early:#?}");
    assert!(early.stderr.contains("as OPENAI_API_KEY"), "{early:#?}");
    assert!(!codex_home.join("auth.json").exists());

    add(&["--env", "OPENAI_API_KEY=sk-offline-test"]);
    let login = world.handoff(&["agent", "login", "my-codex", "api-key"]);
    login.expect_ok();
    assert!(
        login.stdout.contains("my-codex: ready (Codex"),
        "{login:#?}"
    );
    assert!(codex_home.join("auth.json").exists());

    // Signed in for good: ready without the key in the profile.
    add(&[]);
    let again = world.handoff(&["agent", "test", "my-codex"]);
    again.expect_ok();
    world.assert_no_processes();
}

/// Claude Code with no key opens a session, so it only finds out at the
/// first prompt: Handoff says so with its ways (in the terminal and in the
/// conversation), and `agent login` runs Claude's own login in the terminal.
#[test]
fn claude_without_a_key_shows_its_ways_and_runs_its_own_login() {
    let world = World::new(MockModel::start(Script::new().then_text("Hi")).unwrap());
    let bin = agent_bin(agents::CLAUDE);
    let base = format!("ANTHROPIC_BASE_URL={}", world.mock.url());
    world
        .handoff(&[
            "agent",
            "add",
            "my-claude",
            "--command",
            bin.to_str().unwrap(),
            "--env",
            &base,
            "--env",
            "IS_SANDBOX=1",
            "--env",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
        ])
        .expect_ok();
    let session = world.handoff(&["session", "new", "--agent", "my-claude"]);
    let id = session.stdout.lines().next().unwrap().trim().to_owned();
    let prompt = world.handoff(&["prompt", "--session", &id, "Hello"]);
    assert_eq!(prompt.code, Some(1), "{prompt:#?}");
    assert!(
        prompt.stderr.contains("needs you to sign in first")
            && prompt
                .stderr
                .contains("run `handoff agent login my-claude console-login`")
            && prompt.stderr.contains("--cli auth login --console"),
        "{prompt:#?}"
    );
    let mut store = Store::open(&world.root.join("data/handoff.db")).unwrap();
    let messages = store.messages().list(id.parse().unwrap()).unwrap();
    let error = messages.last().unwrap();
    let data = serde_json::to_value(error.data.as_ref().unwrap()).unwrap();
    assert_eq!(data["kind"], "authRequired", "{error:#?}");
    let ways = data["authMethods"].as_array().unwrap();
    assert!(
        ways.iter().any(|w| w["method"]["id"] == "console-login"
            && w["method"]["how"]["kind"] == "terminal"
            && w["instruction"]
                .as_str()
                .unwrap()
                .contains("handoff agent login my-claude console-login")),
        "{}",
        json!(ways)
    );
    world.assert_no_processes();

    // The terminal way: Claude's own login runs here, showing where to go;
    // Ctrl-C ends it and everything it started.
    let seen = world.interrupt_when(
        &["agent", "login", "my-claude", "console-login"],
        "https://",
    );
    assert!(
        seen.contains("--cli auth login --console") && seen.contains("oauth"),
        "{seen}"
    );
    world.assert_no_processes();
}
