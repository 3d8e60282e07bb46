//! The mode picker in the prompt box: the agent's modes, switched while it
//! runs, honoured on the next prompt and kept for the session.

use anyhow::Result;
use fantoccini::Locator;

use crate::app::{App, World};

/// Picks the option named `name` in the mode picker.
async fn pick_mode(app: &App, name: &str) -> Result<()> {
    let select = app.wait_for("[data-testid=mode]").await?;
    select
        .find(Locator::XPath(&format!(
            "./option[normalize-space()='{name}']"
        )))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mode_picked_in_the_prompt_box_is_honoured_by_the_agent() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        std::fs::write(world.worktree().join("x.txt"), "x")?;
        app.click("[data-testid=load-modes]").await?;
        pick_mode(&app, "Ask first").await?;
        app.wait_for_text("The agent is now in mode ask.").await?;
        app.wait_for("[data-testid=prompt-input]")
            .await?
            .send_keys("publish x.txt")
            .await?;
        app.click("[data-testid=send]").await?;
        app.wait_for_text("The agent asks:").await?;
        app.screenshot("mode-ask-permission").await?;
        app.click(".permission button.primary").await?;
        app.wait_for_text("publish_file: Published x.txt").await?;
        // The tool call shows the file it touched.
        let paths = app.text("[data-testid=tool-paths]").await?;
        anyhow::ensure!(paths.ends_with("/x.txt"), "{paths}");
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
    let session = world.store().sessions().get(1).unwrap();
    assert_eq!(
        session.mode.as_deref(),
        Some("ask"),
        "the session keeps its mode"
    );
}
