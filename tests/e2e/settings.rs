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
        ensure!(app.wait_for(size).await?.prop("value").await?.as_deref() == Some("50 MB"));
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
            app.wait_for(folder).await?.prop("value").await?.as_deref() == Some(".agor/uploads"),
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
