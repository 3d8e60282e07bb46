//! Dialogs are modal to the keyboard too: focus moves into the upload
//! dialog, Settings and the preview when they open, Tab and Shift+Tab stay
//! inside, and focus returns where it was on close; Esc also closes the
//! files panel. A 200-character name wraps instead of pushing the
//! conversation sideways. A published file's card is one Tab stop. Enter
//! sends from the prompt box (Shift+Enter adds a line; a setting swaps
//! them), and Esc closes the remote worktree field from any of its controls.

use anyhow::{Result, ensure};
use fantoccini::key::Key;

use crate::app::{App, World};
use crate::layout::{ask, settle};

/// Whether the focused element is inside `css`.
async fn focus_inside(app: &App, css: &str) -> Result<bool> {
    let inside = app
        .client
        .execute(
            "const box = document.querySelector(arguments[0]); return !!box && box.contains(document.activeElement);",
            vec![serde_json::json!(css)],
        )
        .await?;
    Ok(inside == serde_json::json!(true))
}

async fn press(app: &App, keys: &str) -> Result<()> {
    app.client.active_element().await?.send_keys(keys).await?;
    Ok(())
}

/// Tabs forward and back through `css` and checks focus never leaves it.
async fn tab_stays_in(app: &App, css: &str) -> Result<()> {
    ensure!(focus_inside(app, css).await?, "focus moved into {css}");
    for _ in 0..25 {
        press(app, &Key::Tab.to_string()).await?;
        ensure!(focus_inside(app, css).await?, "Tab left {css}");
    }
    for _ in 0..8 {
        press(app, &format!("{}{}", Key::Shift, Key::Tab)).await?;
        ensure!(focus_inside(app, css).await?, "Shift+Tab left {css}");
    }
    press(app, &Key::Null.to_string()).await?;
    Ok(())
}

/// Whether the focused element is the `index`th card.
async fn card_has_focus(app: &App, index: usize) -> Result<bool> {
    let at = app
        .client
        .execute(
            "return document.activeElement === document.querySelectorAll('[data-testid=card]')[arguments[0]];",
            vec![serde_json::json!(index)],
        )
        .await?;
    Ok(at == serde_json::json!(true))
}

async fn prompt_has_focus(app: &App) -> Result<bool> {
    focus_inside(app, "[data-testid=prompt-box]").await
}

#[tokio::test(flavor = "multi_thread")]
async fn dialogs_keep_the_keyboard_and_give_it_back() {
    let world = World::new();
    let long = format!("{}.txt", "a-very-long-name-".repeat(12));
    let file = world.source(&long, b"long name\n");
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        app.click("[data-testid=prompt-input]").await?;

        app.drop_files(&[&file]).await?;
        app.wait_for("[data-testid=upload-dialog]").await?;
        tab_stays_in(&app, "[data-testid=upload-dialog]").await?;
        press(&app, &Key::Escape.to_string()).await?;
        app.dialog_closed().await?;
        ensure!(prompt_has_focus(&app).await?, "focus is back in the prompt box");

        // The long name, uploaded, wraps in the conversation.
        app.drop_files(&[&file]).await?;
        app.wait_for("[data-testid=upload-dialog]").await?;
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        app.wait_for_text("Uploaded a-very-long-name").await?;
        let sideways = app
            .client
            .execute("const c = document.querySelector('[data-testid=conversation]'); return c.scrollWidth - c.clientWidth;", vec![])
            .await?;
        ensure!(sideways == serde_json::json!(0), "the conversation scrolls sideways by {sideways}");
        app.screenshot("34-long-name").await?;

        app.click("[data-testid=prompt-input]").await?;
        press(&app, &format!("{},{}", Key::Control, Key::Null)).await?;
        app.wait_for("[data-testid=settings]").await?;
        tab_stays_in(&app, "[data-testid=settings]").await?;
        press(&app, &Key::Escape.to_string()).await?;
        ensure!(prompt_has_focus(&app).await?, "focus is back after Settings");

        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=files-dock]").await?;
        ensure!(
            focus_inside(&app, "[data-testid=files-filter]").await?,
            "opening the files panel puts the keyboard in its filter"
        );
        // (The upload without Notify left a mention in the prompt box: its
        // suggestions take the first Esc. Start from an empty box.)
        app.click("[data-testid=prompt-input]").await?;
        press(&app, &format!("{}a{}{}", Key::Control, Key::Null, Key::Backspace)).await?;
        press(&app, &Key::Escape.to_string()).await?;
        let open = app
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=files-dock]"))
            .await?;
        ensure!(open.is_empty(), "Esc closes the files panel");
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// Tab goes from card to card to the prompt box, one stop each; Enter on a
/// card opens its preview, which keeps the keyboard until Esc gives it
/// back to the card.
#[tokio::test(flavor = "multi_thread")]
async fn cards_are_one_tab_stop_and_the_preview_keeps_the_keyboard() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        for name in ["notes.md", "todo.md"] {
            std::fs::write(world.worktree().join(name), format!("# {name}\n"))?;
            ask(&app, &format!("publish {name}")).await?;
            app.wait_for_text(&format!("publish_file: Published {name}"))
                .await?;
        }
        // Two cards.
        app.wait_for(
            "[data-message-id]:has([data-testid=card]) ~ [data-message-id]:has([data-testid=card])",
        )
        .await?;
        app.client
            .execute(
                "document.querySelector('[data-testid=card]').focus();",
                vec![],
            )
            .await?;
        ensure!(card_has_focus(&app, 0).await?, "the first card takes focus");
        press(&app, &Key::Tab.to_string()).await?;
        ensure!(
            card_has_focus(&app, 1).await?,
            "one Tab goes to the next card"
        );
        press(&app, &Key::Tab.to_string()).await?;
        ensure!(
            prompt_has_focus(&app).await?,
            "one more Tab reaches the prompt box"
        );
        press(&app, &format!("{}{}", Key::Shift, Key::Tab)).await?;
        ensure!(
            card_has_focus(&app, 1).await?,
            "Shift+Tab goes back to the card"
        );
        press(&app, &Key::Null.to_string()).await?;

        press(&app, &Key::Enter.to_string()).await?;
        app.wait_for("[data-testid=preview-markdown]").await?;
        tab_stays_in(&app, "[data-testid=preview]").await?;
        for (width, height) in [(900, 600), (1400, 900)] {
            app.client.set_window_size(width, height).await?;
            settle(&app).await?;
            ensure!(
                focus_inside(&app, "[data-testid=preview]").await?,
                "focus stays in the preview at {width}×{height}"
            );
            app.screenshot(&format!("36-preview-focused-{width}x{height}"))
                .await?;
        }
        press(&app, &Key::Escape.to_string()).await?;
        app.wait_for(".app:not(:has([data-testid=preview]))")
            .await?;
        ensure!(
            card_has_focus(&app, 1).await?,
            "focus is back on the card after the preview"
        );
        app.screenshot("36-card-focused-1400x900").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// The prompt box's text, read from the page.
async fn prompt_text(app: &App) -> Result<String> {
    Ok(app
        .wait_for("[data-testid=prompt-input]")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn enter_sends_shift_enter_adds_a_line_and_a_setting_swaps_them() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        // Each call of WebDriver's send keys lets go of the modifiers at its end.
        let prompt = "[data-testid=prompt-input]";
        app.type_into(prompt, "first line").await?;
        app.type_into(prompt, &format!("{}{}", Key::Shift, Key::Enter))
            .await?;
        app.type_into(prompt, "second line").await?;
        let text = prompt_text(&app).await?;
        ensure!(
            text == "first line\nsecond line",
            "Shift+Enter adds a line: {text:?}"
        );
        press(&app, &Key::Enter.to_string()).await?;
        app.wait_for_text("I got your message in 1 part:").await?;
        ensure!(
            prompt_text(&app).await?.is_empty(),
            "Enter sent the message"
        );

        app.client
            .active_element()
            .await?
            .send_keys(&format!("{},", Key::Control))
            .await?;
        app.wait_for("#enter-sends")
            .await?
            .select_by_value("false")
            .await?;
        app.wait_for_text("Saved").await?;
        ensure!(!world.store().settings().load()?.enter_sends);
        press(&app, &Key::Escape.to_string()).await?;
        app.wait_for(".app:not(:has([data-testid=settings]))")
            .await?;

        app.type_into(prompt, &format!("third{}", Key::Enter))
            .await?;
        let text = prompt_text(&app).await?;
        ensure!(
            text == "third\n",
            "with the setting, Enter adds a line: {text:?}"
        );
        app.type_into(prompt, "fourth").await?;
        app.type_into(prompt, &format!("{}{}", Key::Control, Key::Enter))
            .await?;
        app.wait_for_text("fourth").await?;
        ensure!(prompt_text(&app).await?.is_empty(), "Ctrl+Enter sent it");
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
    let sent: Vec<String> = world
        .store()
        .messages()
        .list(1)
        .unwrap()
        .into_iter()
        .filter(|m| {
            m.kind == handoff_core::store::MessageKind::Text
                && m.role == handoff_core::store::Role::User
        })
        .map(|m| m.body)
        .collect();
    assert_eq!(sent, ["first line\nsecond line", "third\nfourth"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn esc_closes_the_remote_worktree_field_from_its_buttons() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result: Result<()> = async {
        app.click("[data-testid=add-remote]").await?;
        app.wait_for("[data-testid=remote-form]").await?;
        // From the field to its Cancel button, then Esc.
        app.click("[data-testid=remote-spec]").await?;
        press(&app, &Key::Tab.to_string()).await?;
        ensure!(
            focus_inside(&app, "[data-testid=remote-form] button").await?,
            "Tab reached the field's buttons"
        );
        press(&app, &Key::Escape.to_string()).await?;
        app.wait_for(".app:not(:has([data-testid=remote-form]))")
            .await?;
        ensure!(
            focus_inside(&app, "[data-testid=add-remote]").await?,
            "the keyboard is back on the button that opened the field"
        );
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
