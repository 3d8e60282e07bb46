//! Files the agent publishes: cards in the conversation, previews that show
//! them and never run anything, and a picture scheme that serves known ids
//! only.

use std::time::Duration;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use serde_json::json;

use crate::app::{App, World};

async fn ask(app: &App, text: &str) -> Result<()> {
    let input = app.wait_for("[data-testid=prompt-input]").await?;
    input.send_keys(text).await?;
    app.click("[data-testid=send]").await?;
    Ok(())
}

async fn cards(app: &App) -> Result<usize> {
    Ok(app
        .client
        .find_all(Locator::Css("[data-testid=card]"))
        .await?
        .len())
}

async fn wait_cards(app: &App, n: usize) -> Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while cards(app).await? < n {
        ensure!(
            std::time::Instant::now() < deadline,
            "only {} cards",
            cards(app).await?
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

async fn open_card(app: &App, index: usize) -> Result<()> {
    let all = app
        .client
        .find_all(Locator::Css("[data-testid=card] .card-title"))
        .await?;
    all[index].click().await?;
    app.wait_for("[data-testid=preview]").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn published_files_show_as_cards_and_preview_safely() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let worktree = world.worktree();
    std::fs::write(
        worktree.join("report.md"),
        "# Findings\n\n<script>window.__ran = 1</script>\n<img src=x onerror=\"window.__ran = 2\">\n",
    )
    .unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../icons/128x128.png"),
        worktree.join("chart.png"),
    )
    .unwrap();
    std::fs::write(
        worktree.join("data.csv"),
        "city,people\n\"Oslo, NO\",709000\nBergen,291000\n",
    )
    .unwrap();
    let result = async {
        for (n, file) in ["report.md", "chart.png", "data.csv"].into_iter().enumerate() {
            ask(&app, &format!("publish {file}")).await?;
            wait_cards(&app, n + 1).await?;
        }
        ask(&app, "publish report.md").await?;
        wait_cards(&app, 4).await?;
        ensure!(app.text("body").await?.contains("Published report.md (v2,"), "a second publish is revision 2");
        app.screenshot("08-cards").await?;

        open_card(&app, 0).await?;
        let text = app.text("[data-testid=preview-text]").await?;
        ensure!(text.contains("<script>window.__ran = 1</script>"), "markdown shown as text: {text}");
        open_card(&app, 1).await?;
        let mut width = json!(0);
        for _ in 0..50 {
            width = app
                .client
                .execute("const img = document.querySelector('[data-testid=preview-image]'); return img && img.complete ? img.naturalWidth : 0;", vec![])
                .await?;
            if width != json!(0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ensure!(width == json!(128), "the picture previews ({width})");
        open_card(&app, 2).await?;
        let table = app.text("[data-testid=preview-table]").await?;
        ensure!(table.contains("Oslo, NO") && table.contains("291000"), "{table}");
        app.screenshot("09-csv-preview").await?;
        let ran = app.client.execute("return window.__ran === undefined", vec![]).await?;
        ensure!(ran == json!(true), "nothing in a preview ran");

        // The picture scheme serves recorded ids only.
        let refused = app
            .client
            .execute_async(
                "const done = arguments[0]; const results = []; \
                 const urls = ['handoff://localhost/file/99999', 'handoff://localhost/file/..%2F..%2Fetc%2Fpasswd', 'handoff://localhost/etc/passwd']; \
                 let left = urls.length; \
                 for (const url of urls) { const img = new Image(); \
                   img.onload = () => { results.push(url + ' loaded'); if (--left === 0) done(results); }; \
                   img.onerror = () => { results.push(url + ' refused'); if (--left === 0) done(results); }; \
                   img.src = url; }",
                vec![],
            )
            .await?;
        let refused = refused.to_string();
        ensure!(!refused.contains("loaded"), "{refused}");
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
