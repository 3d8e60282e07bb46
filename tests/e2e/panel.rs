//! The live files panel: changes on disk and writes by other processes show
//! without a reload.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use fantoccini::Locator;

use crate::app::{App, World, target_dir};

async fn statuses(app: &App) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for row in app
        .client
        .find_all(Locator::Css("[data-testid=file-row]"))
        .await?
    {
        out.push(row.attr("data-status").await?.unwrap_or_default());
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_panel_follows_the_disk_and_the_cli() {
    let world = World::new();
    let file = world.source("watched.txt", b"watch me");
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        app.drop_files(&[&file]).await?;
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row][data-status=present]")
            .await?;

        std::fs::remove_file(world.worktree().join(".agor/uploads/watched.txt"))?;
        let deleted = Instant::now();
        app.wait_for("[data-testid=file-row][data-status=missing]")
            .await?;
        let took = deleted.elapsed();
        ensure!(
            took < Duration::from_secs(2),
            "marked missing after {took:?}"
        );
        println!(
            "delete on disk to row marked missing: {} ms",
            took.as_millis()
        );

        let from_terminal = world.source("from-terminal.md", b"# hi");
        let status = Command::new(target_dir().join("debug/handoff"))
            .args(["upload", "--session", "1"])
            .arg(&from_terminal)
            .env("HANDOFF_HOME", world.root.join("data"))
            .status()?;
        ensure!(status.success(), "handoff upload");
        let deadline = Instant::now() + Duration::from_secs(5);
        while statuses(&app).await?.len() < 2 {
            ensure!(
                Instant::now() < deadline,
                "the CLI upload never showed in the panel"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ensure!(
            app.text("[data-testid=files-panel]")
                .await?
                .contains("from-terminal.md")
        );
        app.screenshot("07-files-panel").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_at_completes_worktree_files() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        let input = app.wait_for("[data-testid=prompt-input]").await?;
        input.send_keys("see @readm").await?;
        let list = app.wait_for("[data-testid=mentions]").await?;
        ensure!(
            list.text().await?.contains("README.md")
                || app
                    .text("[data-testid=mentions]")
                    .await?
                    .contains("README.md")
        );
        app.screenshot("10-mentions").await?;
        input.send_keys("\u{E007}").await?; // Enter picks the first match.
        let value = input.prop("value").await?.unwrap_or_default();
        ensure!(value == "see @README.md ", "{value:?}");
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
