//! Names read right at every window size: a 200-character name wraps in
//! the "Uploaded … → …" and "Sent …" lines and ellipsizes on a card, in
//! the preview, in the files panel and in the header with the full name on
//! hover, and nothing scrolls sideways. A revision is set apart from its name
//! ("Metrics v1", not "Metricsv1").

use anyhow::{Result, ensure};
use serde_json::{Value, json};

use crate::app::{App, World};
use crate::layout::{ask, settle};

/// Runs `script` in the page and returns what it gives.
async fn run(app: &App, script: &str, args: Vec<Value>) -> Result<Value> {
    Ok(app.client.execute(script, args).await?)
}

/// Checks that nothing in the conversation or the page reaches past the
/// conversation's right edge.
async fn nothing_sideways(app: &App, case: &str) -> Result<()> {
    let widths = run(
        app,
        "const c = document.querySelector('[data-testid=conversation]'); const right = c.getBoundingClientRect().right; \
         let widest = 0; for (const e of c.querySelectorAll('[data-message-id] *')) widest = Math.max(widest, e.getBoundingClientRect().right - right); \
         return [c.scrollWidth - c.clientWidth, document.documentElement.scrollWidth - window.innerWidth, widest];",
        vec![],
    )
    .await?;
    ensure!(
        widths[0] == json!(0) && widths[1] == json!(0) && widths[2].as_f64().unwrap_or(1.0) <= 0.0,
        "{case}: the conversation scrolls sideways, the page scrolls sideways, a line overflows by: {widths}"
    );
    Ok(())
}

/// The text of the conversation lines that start with `prefix`.
async fn lines(app: &App, prefix: &str) -> Result<Vec<String>> {
    let found = run(
        app,
        "return [...document.querySelectorAll('[data-message-id] .line')].map((l) => l.textContent.trim()).filter((t) => t.startsWith(arguments[0]));",
        vec![json!(prefix)],
    )
    .await?;
    Ok(serde_json::from_value(found)?)
}

/// The `title` (shown on hover) of the first element matching `css`.
async fn hover_text(app: &App, css: &str) -> Result<String> {
    app.wait_for(css).await?;
    let title = run(
        app,
        "return document.querySelector(arguments[0]).getAttribute('title') || '';",
        vec![json!(css)],
    )
    .await?;
    Ok(title.as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn long_names_wrap_or_show_in_full_on_hover() {
    let world = World::new();
    let long = format!("{}.md", "quarterly-latency-report-".repeat(8));
    assert!(long.len() >= 200);
    let file = world.source(&long, b"# Latency\n");
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        // Uploaded with Notify on: an "Uploaded … → …" line and a "Sent …" line.
        app.drop_files(&[&file]).await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        app.wait_for_text("Sent .agor/uploads/quarterly").await?;
        std::fs::write(world.worktree().join(&long), "# Latency\n")?;
        ask(&app, &format!("publish {long}")).await?;
        app.wait_for("[data-testid=card]").await?;
        for prefix in ["Uploaded ", "Sent "] {
            let found = lines(&app, prefix).await?;
            ensure!(
                found.iter().any(|l| l.contains(&long)),
                "a {prefix:?} line names {long} in full: {found:?}"
            );
        }
        ensure!(
            hover_text(&app, "[data-testid=card] .card-title").await? == long,
            "the card's name shows in full on hover"
        );

        // A long session name ellipsizes in the header, the Files button stays.
        let title = long.replace(".md", " review session");
        app.client
            .execute(
                "document.querySelector('.session').dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));",
                vec![],
            )
            .await?;
        app.wait_for("input.rename").await?;
        app.client
            .execute(
                "const i = document.querySelector('input.rename'); i.value = arguments[0]; i.dispatchEvent(new Event('input')); \
                 i.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));",
                vec![json!(title)],
            )
            .await?;
        app.wait_for_text(&title).await?;
        ensure!(
            hover_text(&app, "[data-testid=session-title]").await? == title,
            "the session's name shows in full on hover"
        );

        for (width, height) in [(900, 600), (1400, 900)] {
            app.client.set_window_size(width, height).await?;
            settle(&app).await?;
            nothing_sideways(&app, &format!("{width}×{height}")).await?;
            let toggle = run(
                &app,
                "return window.innerWidth - document.querySelector('[data-testid=files-toggle]').getBoundingClientRect().right;",
                vec![],
            )
            .await?;
            ensure!(
                toggle.as_f64().unwrap_or(-1.0) >= 0.0,
                "{width}×{height}: the Files button is pushed out of the window ({toggle})"
            );
            app.screenshot(&format!("37-long-names-{width}x{height}"))
                .await?;
        }

        app.client
            .execute(
                "document.querySelector('[data-testid=card]').click();",
                vec![],
            )
            .await?;
        ensure!(
            hover_text(&app, "[data-testid=preview] .title").await? == long,
            "the preview's title shows in full on hover"
        );
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row]").await?;
        let rows = run(
            &app,
            "return [...document.querySelectorAll('[data-testid=file-row]')].map((r) => r.getAttribute('title'));",
            vec![],
        )
        .await?;
        let rows: Vec<String> = serde_json::from_value(rows)?;
        ensure!(
            rows.len() == 2 && rows.iter().all(|t| t.ends_with(&format!("/{long}"))),
            "every row shows its full path on hover: {rows:?}"
        );
        settle(&app).await?;
        nothing_sideways(&app, "1400×900 with the files panel and the preview").await?;
        app.screenshot("37-long-names-panels-1400x900").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revision_is_set_apart_from_its_name() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        std::fs::write(world.worktree().join("metrics.csv"), "week,p50\n1,12\n")?;
        ask(&app, "publish metrics.csv as Metrics").await?;
        app.wait_for("[data-testid=card]").await?;
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row]").await?;
        let names = run(
            &app,
            "const words = (css) => document.querySelector(css).innerText.replace(/\\s+/g, ' ').trim(); \
             return [words('[data-testid=card] .card-head'), words('[data-testid=file-row] [data-testid=file-name]')];",
            vec![],
        )
        .await?;
        ensure!(
            names == json!(["Metrics v1", "Metrics v1"]),
            "the card and the files panel read: {names}"
        );
        for (width, height) in [(900, 600), (1400, 900)] {
            app.client.set_window_size(width, height).await?;
            settle(&app).await?;
            app.screenshot(&format!("37-revision-apart-{width}x{height}"))
                .await?;
        }
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_made_with_the_cli_shows_in_the_sidebar_told_apart() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        app.wait_for(".session").await?;
        let status = std::process::Command::new(crate::app::target_dir().join("debug/handoff"))
            .args(["session", "new", "--worktree"])
            .arg(world.worktree())
            .env("HANDOFF_HOME", world.root.join("data"))
            .stdout(std::process::Stdio::null())
            .status()?;
        ensure!(status.success(), "handoff session new");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let titles = loop {
            let titles = run(
                &app,
                "return [...document.querySelectorAll('.session')].map((s) => s.textContent.trim());",
                vec![],
            )
            .await?;
            if titles.as_array().map_or(0, Vec::len) == 2 {
                break titles;
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "the CLI's session never showed in the sidebar: {titles}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        let [first, second] = [&titles[0], &titles[1]].map(|t| t.as_str().unwrap_or_default().to_owned());
        ensure!(first != second, "two sessions read the same: {titles}");
        ensure!(
            [&first, &second].iter().any(|t| t.ends_with(" (2)")),
            "{titles}"
        );
        app.screenshot("61-cli-session-in-sidebar").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
