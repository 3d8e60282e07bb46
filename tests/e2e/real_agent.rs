//! The app with a real coding agent: Claude Code (its ACP adapter, installed
//! by `scripts/setup.sh`), its model requests answered by the mock model on
//! 127.0.0.1. A real Ctrl+V of a picture, Notify on: the picture reaches
//! the model byte for byte; the agent asks before publishing, the person
//! allows it in the conversation, and the card of the published file opens
//! in the preview.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, ensure};
use handoff_core::clock;
use handoff_mock_model::agents;
use handoff_mock_model::{MockModel, Script};
use serde_json::json;

use crate::app::{App, World};
use crate::flows::{Clipboard, png};

const REPLY: &str = "I looked at your screenshot and published the report.";

/// A session of Claude Code (in its asking mode) on a worktree of the
/// world, which the app opens first.
fn claude_session(world: &World, mock: &MockModel) -> std::path::PathBuf {
    let setup = agents::claude(&mock.url());
    let bin = agents::bin_path(
        setup.bin,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/node_modules/.bin"),
    );
    assert!(
        bin.exists(),
        "{} is missing: scripts/setup.sh installs the agents",
        bin.display()
    );
    let worktree = world.root.join("worktree");
    std::fs::create_dir_all(worktree.join(".git")).unwrap();
    let mut store = world.store();
    let env = setup.env_pairs().into_iter().collect();
    let profile = store
        .profiles()
        .save_custom("Claude Code (mock model)", bin.to_str().unwrap(), &[], &env)
        .unwrap();
    store
        .profiles()
        .set_default_mode(profile.id, setup.mode)
        .unwrap();
    let worktree_row = store.worktrees().ensure(&worktree, clock::now()).unwrap();
    store
        .sessions()
        .create(
            worktree_row.id,
            Some(profile.id),
            "Claude Code in worktree",
            clock::now(),
        )
        .unwrap();
    worktree
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_gets_a_pasted_picture_and_hands_a_file_back() {
    let world = World::new();
    let mock = MockModel::start(
        Script::new()
            .call_tool_containing(
                "publish_file",
                json!({"path": "report.md", "display_name": "Report"}),
            )
            .then_text(REPLY)
            .side_reply("A title"),
    )
    .unwrap();
    let worktree = claude_session(&world, &mock);
    std::fs::write(worktree.join("report.md"), "# Findings\n\nAll good.\n").unwrap();
    let image = world.source("screenshot.png", &png());
    let _clipboard = Clipboard::png(&image);
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        app.click("[data-testid=prompt-input]").await?;
        let pressed = Command::new("xdotool")
            .args(["key", "--clearmodifiers", "ctrl+v"])
            .status()?;
        ensure!(pressed.success(), "xdotool key");
        app.wait_for("[data-testid=upload-dialog]").await?;
        let notify = app.wait_for("[data-testid=notify]").await?;
        ensure!(
            notify.prop("checked").await?.as_deref() == Some("true"),
            "Notify is on"
        );
        app.click("[data-testid=upload]").await?;
        // Claude Code asks before its first publish_file: the person allows.
        app.wait_for(".permission button.primary").await?;
        app.screenshot("20-claude-permission").await?;
        app.click(".permission button.primary").await?;
        app.wait_for_text(REPLY).await?;
        app.wait_for("[data-testid=card]").await?;
        app.screenshot("21-claude-card").await?;
        app.click("[data-testid=card] .card-title").await?;
        app.wait_for("[data-testid=preview-markdown] h1").await?;
        let title = app.text("[data-testid=preview-markdown] h1").await?;
        ensure!(title == "Findings", "the preview shows {title:?}");
        app.screenshot("22-claude-preview").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();

    let images: Vec<_> = mock
        .requests()
        .iter()
        .filter(|r| r.is_scripted())
        .flat_map(handoff_mock_model::Request::images)
        .collect();
    assert!(
        images.iter().any(|i| i.bytes == png()),
        "the pasted picture reached the model byte for byte ({} pictures)",
        images.len()
    );
    let published = world
        .store()
        .files()
        .list(&handoff_core::store::FileQuery::default())
        .unwrap()
        .into_iter()
        .filter(|f| f.direction == handoff_core::store::Direction::FromAgent)
        .count();
    assert_eq!(published, 1);
}
