//! The settings page: upload settings saved to the database (and refused
//! with a reason), agent profiles added and tested for real.

use anyhow::{Result, ensure};
use fantoccini::key::Key;

use crate::app::{App, World};

/// Selects a field's text and types over it, then leaves the field (as a
/// person does; `WebDriver` clear would save an empty value first).
async fn replace_text(app: &App, field: &str, text: &str) -> Result<()> {
    app.type_into(field, &format!("{}a{}", Key::Control, Key::Null))
        .await?;
    app.type_into(field, &format!("{text}\t")).await
}

/// Whether the field matching `css` comes to show `want`, looked up afresh
/// each time: the page draws a field again (after loading, after a refused
/// value), and a field drawn again is another element.
async fn shows_value(app: &App, css: &str, want: &str) -> Result<bool> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let value = app.wait_for(css).await?.prop("value").await.ok().flatten();
        if value.as_deref() == Some(want) {
            return Ok(true);
        }
        if std::time::Instant::now() > deadline {
            return Ok(false);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The profile form's field labelled in the n-th place (1-based).
fn form_field(n: usize) -> String {
    format!("[data-testid=profile-form] label:nth-of-type({n}) :is(input, textarea)")
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_are_saved_and_agents_added_and_tested() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        let input = app.wait_for("[data-testid=prompt-input]").await?;
        input.send_keys(&format!("{},", Key::Control)).await?;
        app.wait_for("[data-testid=settings]").await?;

        let size = "[data-testid=setting-max-file-size]";
        ensure!(shows_value(&app, size, "50 MB").await?);
        replace_text(&app, size, "2 GB").await?;
        app.wait_for_text("Saved").await?;
        ensure!(world.store().settings().load()?.max_file_size == 2_000_000_000);

        let folder = "[data-testid=setting-uploads-folder]";
        replace_text(&app, folder, "../outside").await?;
        let text = app
            .wait_for_text("The uploads folder cannot be “../outside”")
            .await?;
        ensure!(
            text.contains("must not hold `.` or `..`"),
            "the refusal says why"
        );
        ensure!(world.store().settings().load()?.uploads_folder == ".agor/uploads");
        // The field is drawn again with the stored value.
        ensure!(
            shows_value(&app, folder, ".agor/uploads").await?,
            "the stored value shows again"
        );

        // The built-in demo agent starts for real.
        app.click("[data-testid=profile-row]:first-child button")
            .await?;
        app.wait_for_text("Handoff demo agent started and answered (takes images).")
            .await?;

        // A custom agent: added, listed, and its failure to start explained.
        app.click("[data-testid=settings] > button").await?;
        app.type_into(&form_field(1), "Broken agent").await?;
        app.type_into(&form_field(2), "no-such-agent-acp").await?;
        app.type_into(&form_field(3), "--acp 'two words'").await?;
        app.type_into(&form_field(4), "API_KEY=secret").await?;
        app.click("[data-testid=profile-form] button[type=submit]")
            .await?;
        app.wait_for_text("no-such-agent-acp is not installed")
            .await?;
        let saved = world
            .store()
            .profiles()
            .find("Broken agent")?
            .expect("the profile is saved");
        ensure!(saved.args == ["--acp", "two words"], "{:?}", saved.args);
        ensure!(saved.env.get("API_KEY").map(String::as_str) == Some("secret"));
        app.screenshot("15-settings").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_chosen_in_settings_is_the_upload_dialogs_default() {
    let world = World::new();
    let uploads = world.worktree().join(".agor/uploads");
    let file = world.source("report.txt", b"the older report\n");
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        // The older report, uploaded as things stand (keep both).
        app.drop_files(&[&file]).await?;
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        std::fs::write(&file, b"the newer report\n")?;

        let input = app.wait_for("[data-testid=prompt-input]").await?;
        input.send_keys(&format!("{},", Key::Control)).await?;
        app.wait_for("[data-testid=settings]").await?;
        app.wait_for("#on-conflict")
            .await?
            .select_by_value("replace")
            .await?;
        app.wait_for_text("Saved").await?;
        ensure!(
            world.store().settings().load()?.on_conflict == handoff_core::ConflictPolicy::Replace
        );
        app.client
            .active_element()
            .await?
            .send_keys(&Key::Escape.to_string())
            .await?;
        app.wait_for(".app:not(:has([data-testid=settings]))")
            .await?;

        app.drop_files(&[&file]).await?;
        app.wait_for("[data-testid=upload-dialog]").await?;
        let chosen = app
            .wait_for("input[value=replace]")
            .await?
            .prop("checked")
            .await?;
        ensure!(
            chosen.as_deref() == Some("true"),
            "the dialog starts at the setting's Replace ({chosen:?})"
        );
        let taken = app.text("[data-testid=item-taken]").await?;
        ensure!(
            taken.contains("Replace overwrites it"),
            "the dialog says the name is taken: {taken}"
        );
        app.screenshot("58-upload-dialog-name-taken").await?;
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
    assert_eq!(
        std::fs::read(uploads.join("report.txt")).unwrap(),
        b"the newer report\n",
        "the older file was replaced"
    );
    assert!(
        !uploads.join("report (1).txt").exists(),
        "no copy was kept beside it"
    );
}
