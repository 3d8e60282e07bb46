//! Sharing from the desktop app: the storage set up in Settings (Test
//! connection says what works), a published card's Share…, an encrypted
//! link on the clipboard that opens the viewer page, the conversation
//! saying so, and the Shared list revoking it (the link stops at once).

use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, ensure};

use crate::app::{App, World, target_dir};

use crate::garage;

async fn ask(app: &App, text: &str) -> Result<()> {
    let input = app.wait_for("[data-testid=prompt-input]").await?;
    input.send_keys(text).await?;
    app.click("[data-testid=send]").await?;
    Ok(())
}

/// `handoff` on the world's data, as the app sees it.
fn handoff(world: &World, args: &[&str]) {
    let status = Command::new(target_dir().join("debug/handoff"))
        .args(args)
        .env("HANDOFF_HOME", world.root.join("data"))
        .env("HANDOFF_NO_KEYRING", "1")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "handoff {args:?}");
}

fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_file_is_shared_as_an_encrypted_link_and_revoked() {
    let world = World::new();
    let garage = garage::Garage::start();
    for (key, value) in [
        ("share_region", garage::REGION),
        ("share_bucket", garage.bucket.as_str()),
    ] {
        handoff(&world, &["settings", "set", key, value]);
    }
    let app = App::launch_with(&world, &[("HANDOFF_NO_KEYRING", "1")])
        .await
        .expect("the app starts");
    std::fs::write(
        world.worktree().join("report.md"),
        "# Findings\n\nAll good.\n",
    )
    .unwrap();
    let result = async {
        set_up_in_settings(&app, &garage).await?;
        ask(&app, "publish report.md").await?;
        app.wait_for("[data-testid=card]").await?;
        app.wait_for(".app:not(:has([data-testid=cancel]))").await?;
        app.click("[data-testid=card] .card-actions button:last-child")
            .await?;
        app.wait_for("[data-testid=share-dialog]").await?;
        app.click("[data-testid=share-encrypt]").await?;
        app.screenshot("53-share-dialog").await?;
        app.click("[data-testid=share-confirm]").await?;
        let link = app
            .wait_for("[data-testid=share-link]")
            .await?
            .prop("value")
            .await?
            .context("no link")?;
        ensure!(link.contains("#k=AGE-SECRET-KEY-1"), "{link}");
        app.wait_for("[data-testid=share-copied]").await?;
        ensure!(clipboard() == link, "the clipboard holds the link");
        app.screenshot("54-share-link").await?;
        let (page, fragment) = link.split_once('#').context("no fragment")?;
        let (status, _, html) = garage::fetch(page);
        ensure!(
            status == 200 && html.starts_with(b"<!doctype html>"),
            "{status}"
        );
        let object = fragment
            .split('&')
            .find_map(|kv| kv.strip_prefix("u="))
            .context("no object link")?;
        let object = garage::percent_decode(object);
        ensure!(garage::fetch(&object).0 == 200, "the ciphertext is there");
        app.click("[data-testid=share-dialog] .buttons .primary")
            .await?;
        app.wait_for_text("Shared report.md (end-to-end encrypted), expires in 24 h")
            .await?;

        // The Shared list: revoke, and the link stops at once.
        app.click("[data-testid=shared-button]").await?;
        app.wait_for("[data-testid=shared-row]").await?;
        app.client
            .execute("window.confirm = () => true", vec![])
            .await?;
        app.click("[data-testid=shared-revoke]").await?;
        let state = app.wait_for_text("revoked").await?;
        ensure!(state.contains("revoked"), "{state}");
        app.screenshot("55-shared-list").await?;
        let gone = garage::fetch(&object).0;
        ensure!(
            gone == 404 || gone == 403,
            "revoked, the object answers {gone}"
        );
        Ok::<_, anyhow::Error>(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// Settings → Sharing: the endpoint and the key, then Test connection.
async fn set_up_in_settings(app: &App, garage: &garage::Garage) -> Result<()> {
    app.click("[data-testid=settings-button]").await?;
    // Tab leaves the field, which saves it.
    app.type_into(
        "[data-testid=setting-share-endpoint]",
        &format!("{}\t", garage.endpoint),
    )
    .await?;
    app.wait_for_text("Saved").await?;
    app.type_into("[data-testid=share-key-id]", &garage.key_id)
        .await?;
    app.type_into("[data-testid=share-key-secret]", &garage.secret)
        .await?;
    app.client
        .execute(
            "document.querySelector('[data-testid=share-test]').scrollIntoView()",
            vec![],
        )
        .await?;
    app.click("[data-testid=share-key-save]").await?;
    app.wait_for_text("kept in a file only you can read")
        .await?;
    app.click("[data-testid=share-test]").await?;
    let tested = app.text("[data-testid=share-test-result]").await?;
    ensure!(tested.contains("the key is accepted"), "{tested}");
    app.screenshot("52-sharing-settings").await?;
    app.client
        .execute(
            "document.querySelector('[data-testid=settings] .top button').click()",
            vec![],
        )
        .await?;
    app.dialog_closed().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn share_with_no_storage_leads_straight_to_the_sharing_settings() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    std::fs::write(world.worktree().join("report.md"), "# Findings\n").unwrap();
    let result = async {
        ask(&app, "publish report.md").await?;
        app.wait_for("[data-testid=card]").await?;
        app.wait_for(".app:not(:has([data-testid=cancel]))").await?;
        app.click("[data-testid=card] .card-actions button:last-child")
            .await?;
        let text = app.text("[data-testid=share-not-set-up]").await?;
        ensure!(text.starts_with("Sharing is not set up yet."), "{text}");
        let choices = app
            .client
            .find_all(fantoccini::Locator::Css(
                "[data-testid=share-dialog] input[name=expires], [data-testid=share-encrypt]",
            ))
            .await?;
        ensure!(choices.is_empty(), "nothing to choose before storage is named");
        app.screenshot("56-share-not-set-up").await?;
        app.click("[data-testid=share-set-up]").await?;
        app.wait_for("[data-testid=settings]").await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let at = app
                .client
                .execute(
                    "const f = document.getElementById('share-endpoint'); const box = document.querySelector('[data-testid=settings]').getBoundingClientRect(); \
                     const r = f ? f.getBoundingClientRect() : null; \
                     return !!r && document.activeElement === f && r.top >= box.top && r.bottom <= box.bottom;",
                    vec![],
                )
                .await?;
            if at == serde_json::json!(true) {
                break;
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "Settings did not open at Sharing with its endpoint field focused"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        app.screenshot("57-settings-at-sharing").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
