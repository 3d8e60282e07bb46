//! The app with a real coding agent: Claude Code (its ACP adapter, installed
//! by `scripts/setup.sh`), its model requests answered by the mock model on
//! 127.0.0.1. A real Ctrl+V of a picture, Notify on: the picture reaches
//! the model byte for byte; the agent asks before publishing, the person
//! allows it in the conversation, and the card of the published file opens
//! in the preview.

use std::path::Path;

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
    let bin = agents::program_path(
        setup.program,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/node_modules"),
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
        crate::paste::press_ctrl_v(&app).await?;
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
        own_write_shows_its_diff(&app, &mock, &worktree).await?;

        // A setting Claude Code offers (its model), picked in the prompt
        // box, is what the next request asks the model for.
        mock.set_script(Script::new().then_text("Second answer."));
        let model = app
            .wait_for("[data-testid=setting][data-setting=model]")
            .await?;
        model
            .find(fantoccini::Locator::Css("option[value=haiku]"))
            .await?
            .click()
            .await?;
        app.screenshot("23-claude-settings").await?;
        app.wait_for("[data-testid=prompt-input]")
            .await?
            .send_keys("Once more")
            .await?;
        app.click("[data-testid=send]").await?;
        app.wait_for_text("Second answer.").await?;

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
    let last = mock
        .requests()
        .into_iter()
        .rfind(handoff_mock_model::Request::is_scripted)
        .unwrap();
    assert!(
        last.body["model"]
            .as_str()
            .is_some_and(|m| m.contains("haiku")),
        "the model picked in the app: {}",
        last.body["model"]
    );
    let session = world.store().sessions().get(1).unwrap();
    assert_eq!(
        session.options.get("model").map(String::as_str),
        Some("haiku")
    );
}

/// Codex with no key, from Settings: Test says it needs a sign-in, the
/// ways are listed with what to do, the key goes into the profile, and
/// Sign in signs Codex in for real (its `auth.json` is written).
#[tokio::test(flavor = "multi_thread")]
async fn codex_is_signed_in_from_settings() {
    let world = World::new();
    let bin = agents::program_path(
        agents::CODEX,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/node_modules"),
    );
    let codex_home = world.root.join("codex-home");
    std::fs::create_dir_all(&codex_home).unwrap();
    let env = [("CODEX_HOME".to_owned(), codex_home.display().to_string())].into();
    world
        .store()
        .profiles()
        .save_custom("Codex, no key", bin.to_str().unwrap(), &[], &env)
        .unwrap();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        let input = app.wait_for("[data-testid=prompt-input]").await?;
        input
            .send_keys(&format!("{},", fantoccini::key::Key::Control))
            .await?;
        let row = profile_row(&app, "Codex, no key").await?;
        button(&row, "Test").await?.click().await?;
        app.wait_for_text("Codex needs you to sign in first")
            .await?;
        app.click("[data-testid=sign-in-load]").await?;
        let key_way = app
            .wait_for("[data-testid=sign-in-way][data-kind=apiKey]")
            .await?;
        ensure!(key_way.text().await?.contains("OPENAI_API_KEY"));
        app.wait_for("[data-testid=sign-in-way][data-kind=agent]")
            .await?;
        app.screenshot("24-sign-in-ways").await?;

        // The person adds the key to the profile, then checks again.
        button(&row, "Edit").await?.click().await?;
        let form = app.wait_for("[data-testid=profile-form]").await?;
        form.find(fantoccini::Locator::Css("textarea"))
            .await?
            .send_keys(&format!(
                "{}OPENAI_API_KEY=sk-offline-test",
                fantoccini::key::Key::Enter
            ))
            .await?;
        app.click("[data-testid=profile-form] button[type=submit]")
            .await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !world
            .store()
            .profiles()
            .find("Codex, no key")?
            .is_some_and(|p| p.env.contains_key("OPENAI_API_KEY"))
        {
            ensure!(
                std::time::Instant::now() < deadline,
                "the key never reached the profile"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        app.screenshot("25-key-added").await?;
        app.click("[data-testid=sign-in-recheck]").await?;
        app.wait_for("[data-testid=sign-in-way][data-kind=apiKey] [data-testid=sign-in-button]")
            .await?
            .click()
            .await?;
        let done = app.wait_for("[data-testid=sign-in-done]").await?;
        ensure!(
            done.text().await? == "Codex is signed in and ready.",
            "{}",
            done.text().await?
        );
        app.screenshot("26-signed-in").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
    assert!(codex_home.join("auth.json").is_file(), "Codex is signed in");
}

/// The settings row of the profile named `name`.
async fn profile_row(app: &App, name: &str) -> Result<fantoccini::elements::Element> {
    app.wait_for("[data-testid=profile-row]").await?;
    for row in app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=profile-row]"))
        .await?
    {
        if row.text().await?.contains(name) {
            return Ok(row);
        }
    }
    anyhow::bail!("no profile row for {name}")
}

/// The button of `row` labelled `label`.
async fn button(
    row: &fantoccini::elements::Element,
    label: &str,
) -> Result<fantoccini::elements::Element> {
    Ok(row
        .find(fantoccini::Locator::XPath(&format!(
            ".//button[normalize-space()='{label}']"
        )))
        .await?)
}

/// Claude Code's own Write reads as an edit, the new lines folded beneath.
async fn own_write_shows_its_diff(
    app: &App,
    mock: &MockModel,
    worktree: &std::path::Path,
) -> Result<()> {
    mock.set_script(
        Script::new()
            .call_tool_containing(
                "Write",
                json!({"file_path": worktree.join("summary.md"), "content": "# Summary\n\nAll good.\n"}),
            )
            .then_text("Wrote the summary.")
            // Claude Code asks the model for side answers (a title) too.
            .side_reply("A title"),
    );
    app.wait_for("[data-testid=prompt-input]")
        .await?
        .send_keys("Write a summary")
        .await?;
    app.click("[data-testid=send]").await?;
    // Claude Code may ask before it writes: the person allows.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !app.client.source().await?.contains("Wrote the summary.") {
        if std::time::Instant::now() > deadline {
            app.screenshot("70-claude-edit-no-reply").await?;
            anyhow::bail!("no reply after the write");
        }
        if let Ok(allow) = app
            .client
            .find(fantoccini::Locator::Css(".permission button.primary"))
            .await
        {
            allow.click().await.ok();
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let kind = app.text("[data-testid=tool-kind]").await?;
    ensure!(kind == "Edit", "the write reads as {kind:?}");
    app.click("[data-testid=tool-diff] summary").await?;
    let diff = app.text("[data-testid=tool-diff]").await?;
    ensure!(
        diff.contains("summary.md") && diff.contains("+3") && diff.contains("+All good."),
        "{diff}"
    );
    app.screenshot("70-claude-edit-diff").await?;
    Ok(())
}
