//! What the agent makes with its own code, telling nobody, reaches the
//! person: listed under the turn, in the files panel's own section,
//! previewed from the list.

use anyhow::ensure;
use handoff_core::store::{Direction, FileQuery};

use crate::app::{App, World};

#[tokio::test(flavor = "multi_thread")]
async fn a_file_the_agent_makes_is_listed_under_its_turn_and_previews() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        crate::layout::ask(&app, "make file out/report.md").await?;
        app.wait_for_text("Made this turn (1)").await?;
        let row = app
            .text("[data-testid=made] [data-testid=made-file]")
            .await?;
        ensure!(row.contains("report.md") && row.contains("out/"), "{row}");
        let detail = app.text("[data-testid=made-detail]").await?;
        ensure!(detail.starts_with("new"), "{detail}");
        app.screenshot("63-made-this-turn").await?;

        app.click("[data-testid=made] .made-open").await?;
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        app.screenshot("64-made-preview").await?;
        let shown = app.text("[data-testid=preview-markdown] h1").await?;
        ensure!(
            shown.trim() == "report",
            "the preview shows the file: {shown}"
        );
        app.screenshot("64-made-preview").await?;
        app.client
            .active_element()
            .await?
            .send_keys(&fantoccini::key::Key::Escape.to_string())
            .await?;

        let made = world.store().files().list(&FileQuery {
            direction: Some(Direction::Made),
            ..FileQuery::default()
        })?;
        ensure!(made.len() == 1, "{made:?}");
        ensure!(
            std::fs::read(&made[0].path)? == std::fs::read(world.worktree().join("out/report.md"))?,
            "recorded where it is"
        );

        app.click("[data-testid=files-toggle]").await?;
        let panel = app.wait_for_text("Made by the agent 1").await?;
        ensure!(panel.contains("report.md"), "{panel}");
        app.screenshot("65-made-in-the-panel").await?;
        app.click("[data-testid=files-toggle]").await?;

        // Handoff's own tool reads as what it does.
        crate::layout::ask(&app, "publish out/report.md").await?;
        app.wait_for_text("publish_file: Published report.md")
            .await?;
        let tool = app.text(".tool").await?;
        ensure!(
            tool.starts_with("Publish out/report.md") && !tool.contains("publish_file"),
            "{tool}"
        );
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
