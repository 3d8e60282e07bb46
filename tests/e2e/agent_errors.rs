//! An agent that stops: the conversation says how it ended (its exit
//! status and last lines), keeps the message that was not sent, and sends
//! it again on Retry once the agent works; Settings → Test says the same.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use fantoccini::key::Key;
use handoff_core::clock;

use crate::app::{App, World};

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_stops_is_explained_and_the_message_is_kept_for_retry() {
    let world = World::new();
    let script = world.root.join("dying-agent");
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'loading the model…' >&2\necho 'fatal: no model configured' >&2\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let worktree = world.root.join("worktree");
    std::fs::create_dir_all(&worktree).unwrap();
    let (profile, session) = {
        let mut store = world.store();
        let profile = store
            .profiles()
            .save_custom(
                "Dying agent",
                script.to_str().unwrap(),
                &[],
                &BTreeMap::new(),
            )
            .unwrap();
        let tree = store.worktrees().ensure(&worktree, clock::now()).unwrap();
        let session = store
            .sessions()
            .create(
                tree.id,
                Some(profile.id),
                "Dying agent in worktree",
                clock::now(),
            )
            .unwrap();
        (profile, session)
    };
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        let input = app.wait_for("[data-testid=prompt-input]").await?;
        input.send_keys("Summarise the failing test").await?;
        app.click("[data-testid=send]").await?;
        let error = app.wait_for("[role=alert] .error-text").await?;
        let text = error.text().await?;
        ensure!(text == "the agent stopped (exit 3)", "{text}");
        app.click("[role=alert] details summary").await?;
        let tail = app.text("[role=alert] details pre").await?;
        ensure!(
            tail == "loading the model…\nfatal: no model configured",
            "{tail}"
        );
        let unsent = app.text("[data-testid=unsent]").await?;
        ensure!(unsent == "Not sent: Summarise the failing test", "{unsent}");
        app.screenshot("27-agent-stopped").await?;

        // Settings → Test says the same.
        input.send_keys(&format!("{},", Key::Control)).await?;
        let said = test_in_settings(&app, "Dying agent").await?;
        ensure!(said.starts_with("the agent stopped (exit 3)"), "{said}");
        app.screenshot("28-agent-stopped-test").await?;
        app.client
            .find(Locator::XPath(
                "//*[@data-testid='settings']//button[normalize-space()='Done']",
            ))
            .await?
            .click()
            .await?;

        // The agent is fixed (here: the profile now runs the demo agent);
        // Retry sends the kept message.
        world.store().profiles().update_custom(
            profile.id,
            "Dying agent",
            "handoff",
            &["demo-agent".to_owned()],
            &BTreeMap::new(),
        )?;
        app.click("[data-testid=retry]").await?;
        app.wait_for_text("text: \"Summarise the failing test\"")
            .await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
    let users = world
        .store()
        .messages()
        .list(session.id)
        .unwrap()
        .into_iter()
        .filter(|m| m.body == "Summarise the failing test")
        .count();
    assert_eq!(users, 1, "the message went out once, on Retry");
}

/// Presses Test on the settings row of profile `name`; its result.
async fn test_in_settings(app: &App, name: &str) -> Result<String> {
    let rows = app
        .client
        .find_all(Locator::Css("[data-testid=profile-row]"))
        .await?;
    let mut tested = false;
    for row in rows {
        if row.text().await?.contains(name) {
            row.find(Locator::XPath(".//button[normalize-space()='Test']"))
                .await?
                .click()
                .await?;
            tested = true;
        }
    }
    ensure!(tested, "no settings row for {name}");
    Ok(app
        .wait_for("[data-testid=profile-test-result]")
        .await?
        .text()
        .await?)
}
