//! The conversation never collapses: at every window size from 900×600 up,
//! with the files panel and a preview open in any combination, the
//! conversation and the prompt box keep a usable width (panels lie over
//! the conversation when there is no room beside it), nothing scrolls
//! sideways, and opening a panel keeps the place the person was reading.

use std::time::Duration;

use anyhow::{Result, ensure};
use serde_json::{Value, json};

use crate::app::{App, World};

const MIN_WIDTH: f64 = 420.0;

pub(crate) async fn ask(app: &App, text: &str) -> Result<()> {
    app.wait_for("[data-testid=prompt-input]")
        .await?
        .send_keys(text)
        .await?;
    app.click("[data-testid=send]").await?;
    Ok(())
}

/// Runs `script` in the page and returns its number.
async fn number(app: &App, script: &str) -> Result<f64> {
    let value = app.client.execute(script, vec![]).await?;
    value
        .as_f64()
        .ok_or_else(|| anyhow::anyhow!("{script} gave {value}"))
}

/// Waits two frames, so a resize or a toggle is laid out.
pub(crate) async fn settle(app: &App) -> Result<()> {
    app.client
        .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", vec![])
        .await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// Opens or closes the panel shown as `dock`, clicking (by script: a
/// driver click would scroll the conversation) `opener` or `closer`.
async fn set_panel(app: &App, dock: &str, open: bool, opener: &str, closer: &str) -> Result<()> {
    let shown = !app
        .client
        .find_all(fantoccini::Locator::Css(dock))
        .await?
        .is_empty();
    if shown != open {
        let target = if open { opener } else { closer };
        app.client
            .execute(
                "document.querySelector(arguments[0]).click();",
                vec![serde_json::json!(target)],
            )
            .await?;
    }
    Ok(())
}

async fn set_preview(app: &App, open: bool) -> Result<()> {
    let close = "[aria-label=\"Close preview\"]";
    set_panel(
        app,
        "[data-testid=preview-dock]",
        open,
        "[data-testid=card]",
        close,
    )
    .await
}

async fn set_files(app: &App, open: bool) -> Result<()> {
    let toggle = "[data-testid=files-toggle]";
    set_panel(app, "[data-testid=files-dock]", open, toggle, toggle).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_conversation_keeps_its_width_with_every_panel_at_every_size() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        std::fs::write(world.worktree().join("notes.md"), "# Notes\n")?;
        ask(&app, "publish notes.md").await?;
        app.wait_for("[data-testid=card]").await?;
        app.wait_for_text("publish_file: Published notes.md").await?;
        for (width, height) in [(900, 600), (1100, 700), (1400, 900)] {
            app.client.set_window_size(width, height).await?;
            for (files, preview) in [(false, false), (true, false), (false, true), (true, true)] {
                set_files(&app, files).await?;
                set_preview(&app, preview).await?;
                settle(&app).await?;
                let inner = number(&app, "return window.innerWidth;").await?;
                let conversation = number(&app, "return document.querySelector('[data-testid=conversation]').getBoundingClientRect().width;").await?;
                let prompt = number(&app, "return document.querySelector('[data-testid=prompt-box]').getBoundingClientRect().width;").await?;
                let sideways = number(&app, "return document.documentElement.scrollWidth - window.innerWidth;").await?;
                let case = format!("{inner}×{height}, files {files}, preview {preview}");
                ensure!(conversation >= MIN_WIDTH, "{case}: the conversation is {conversation} px");
                ensure!(prompt >= MIN_WIDTH - 48.0, "{case}: the prompt box is {prompt} px");
                ensure!(sideways <= 0.0, "{case}: the page scrolls sideways by {sideways} px");
                app.screenshot(&format!("33-layout-{width}x{height}-files-{files}-preview-{preview}")).await?;
            }
            set_files(&app, false).await?;
            set_preview(&app, false).await?;
            dialogs_fit(&app, &world, width, height).await?;
        }
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// The upload dialog and Settings fit the window (nothing sideways, the
/// dialog within the window), each photographed at this size.
async fn dialogs_fit(app: &App, world: &World, width: u32, height: u32) -> Result<()> {
    let file = world.source("report.pdf", b"%PDF-1.4\n");
    app.drop_files(&[&file]).await?;
    app.wait_for("[data-testid=upload-dialog]").await?;
    settle(app).await?;
    let right = number(app, "return document.querySelector('[data-testid=upload-dialog]').getBoundingClientRect().right - window.innerWidth;").await?;
    ensure!(
        right <= 0.0,
        "{width}×{height}: the upload dialog sticks out by {right} px"
    );
    app.screenshot(&format!("37-upload-dialog-{width}x{height}"))
        .await?;
    app.client
        .execute(
            "document.querySelector('[data-testid=upload-dialog] .buttons button').click();",
            vec![],
        )
        .await?;
    app.dialog_closed().await?;
    app.wait_for("[data-testid=prompt-input]")
        .await?
        .send_keys(&format!(
            "{},{}",
            fantoccini::key::Key::Control,
            fantoccini::key::Key::Null
        ))
        .await?;
    app.wait_for("[data-testid=settings]").await?;
    settle(app).await?;
    let right = number(app, "return document.querySelector('[data-testid=settings]').getBoundingClientRect().right - window.innerWidth;").await?;
    ensure!(
        right <= 0.0,
        "{width}×{height}: Settings sticks out by {right} px"
    );
    app.screenshot(&format!("37-settings-{width}x{height}"))
        .await?;
    app.client
        .execute("[...document.querySelectorAll('[data-testid=settings] button')].find((b) => b.textContent.trim() === 'Done').click();", vec![])
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_a_panel_keeps_the_place_being_read() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        app.client.set_window_size(1400, 900).await?;
        std::fs::write(world.worktree().join("notes.md"), "# Notes\n")?;
        ask(&app, "publish notes.md").await?;
        app.wait_for_text("publish_file: Published notes.md").await?;
        for n in 0..10 {
            ask(&app, &format!("question {n}: what changed in the build?")).await?;
            app.wait_for_text(&format!("text: \"question {n}: what changed in the build?\"")).await?;
        }
        // The person scrolls up to read something older.
        app.client
            .execute("const c = document.querySelector('[data-testid=conversation]'); c.scrollTop = c.scrollHeight / 3; c.dispatchEvent(new Event('scroll'));", vec![])
            .await?;
        settle(&app).await?;
        let top = "const c = document.querySelector('[data-testid=conversation]'); const t = c.getBoundingClientRect().top; \
                   for (const l of c.querySelectorAll('[data-message-id]')) { const b = l.getBoundingClientRect(); \
                   if (b.bottom > t) return [l.dataset.messageId, b.top - t]; } return null;";
        let before: Value = app.client.execute(top, vec![]).await?;
        set_files(&app, true).await?;
        settle(&app).await?;
        let with_files: Value = app.client.execute(top, vec![]).await?;
        set_preview(&app, true).await?;
        settle(&app).await?;
        let with_preview: Value = app.client.execute(top, vec![]).await?;
        for (what, after) in [("the files panel", &with_files), ("the preview", &with_preview)] {
            ensure!(after[0] == before[0], "opening {what} moved the view from line {} to {}", before[0], after[0]);
            let drift = (after[1].as_f64().unwrap_or(0.0) - before[1].as_f64().unwrap_or(0.0)).abs();
            ensure!(drift <= 4.0, "opening {what} moved line {} by {drift} px", before[0]);
        }
        ensure!(before != json!(null));
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// A card clicked to preview stays under the pointer while the preview
/// takes its room: the click lands on the card, not on the Reveal button
/// the narrower conversation would have moved there.
#[tokio::test(flavor = "multi_thread")]
async fn a_card_opened_in_the_preview_stays_under_the_pointer() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        for n in 0..4 {
            let words = "a longer question that wraps onto more lines when the conversation narrows ".repeat(3);
            ask(&app, &format!("question {n}: {words}")).await?;
            app.wait_for_text(&format!("text: \"question {n}:")).await?;
        }
        ask(&app, "publish out/report.md").await?;
        app.wait_for_text("publish_file: Published report.md").await?;
        settle(&app).await?;
        // Pressed where the card's type and size are, just above its buttons.
        let point = "const r = document.querySelector('[data-testid=card] .card-meta').getBoundingClientRect(); \
                     return [r.left + 8, r.top + r.height / 2, document.querySelector('[data-testid=card]').getBoundingClientRect().top];";
        let at: Value = app.client.execute(point, vec![]).await?;
        app.click("[data-testid=card] .card-meta").await?;
        app.wait_for("[data-testid=preview-dock][data-placement=docked]").await?;
        settle(&app).await?;
        let under: Value = app
            .client
            .execute(
                "const e = document.elementFromPoint(arguments[0], arguments[1]); \
                 return [e?.closest('[data-testid=card]') !== null, e?.tagName ?? '', \
                 document.querySelector('[data-testid=card]').getBoundingClientRect().top];",
                vec![at[0].clone(), at[1].clone()],
            )
            .await?;
        app.screenshot("69-card-stays-under-the-pointer").await?;
        let drift = (under[2].as_f64().unwrap_or(0.0) - at[2].as_f64().unwrap_or(0.0)).abs();
        ensure!(drift <= 4.0, "the card moved {drift} px when the preview opened");
        ensure!(
            under[0] == json!(true) && under[1] != json!("BUTTON"),
            "after the preview opened the pointer is over {under}"
        );
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// A tooltip shown over a button goes when the dialog the button opens
/// comes up, whether clicked or opened from the keyboard (a native tooltip
/// is a window of its own: the app's visible windows are counted).
#[tokio::test(flavor = "multi_thread")]
async fn no_tooltip_stays_over_a_dialog() {
    use std::process::Command;
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        let pid = Command::new("pgrep")
            .args(["-n", "-f", "target/debug/handoff-app"])
            .output()?;
        let pid = String::from_utf8(pid.stdout)?.trim().to_owned();
        let windows = || -> Result<usize> {
            let out = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--pid", &pid])
                .output()?;
            Ok(String::from_utf8_lossy(&out.stdout).lines().count())
        };
        let hover = async |css: &str| -> Result<()> {
            let at: Value = app
                .client
                .execute(
                    "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                     return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
                    vec![json!(css)],
                )
                .await?;
            let (x, y) = (at[0].as_i64().unwrap_or(0), at[1].as_i64().unwrap_or(0));
            for dx in [0, 1] {
                Command::new("xdotool")
                    .args(["mousemove", &(x + dx).to_string(), &y.to_string()])
                    .status()?;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            tokio::time::sleep(Duration::from_millis(1200)).await;
            ensure!(windows()? == 2, "the tooltip of {css} shows");
            Ok(())
        };
        let gone = async |how: &str| -> Result<()> {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            app.wait_for("[role=dialog]").await?;
            ensure!(
                windows()? == 1,
                "a tooltip stays over the dialog opened by {how}"
            );
            Ok(())
        };
        hover("[data-testid=settings-button]").await?;
        Command::new("xdotool").args(["click", "1"]).status()?;
        gone("a click").await?;
        Command::new("xdotool").args(["key", "Escape"]).status()?;
        hover("[data-testid=files-toggle]").await?;
        Command::new("xdotool")
            .args(["key", "ctrl+comma"])
            .status()?;
        gone("Ctrl+,").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
