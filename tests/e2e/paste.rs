//! Pastes are what they claim: copied files arrive as those files (from
//! `text/uri-list` or GNOME's list), and bytes that are not a picture are
//! never saved as one, whatever target the clipboard's owner answers.

use std::process::Command;

use anyhow::{Result, ensure};

use crate::app::{App, World};
use crate::flows::{Clipboard, uploads, with_app};

/// Ctrl+V in the prompt box, as a real key press through the X server.
pub(crate) async fn press_ctrl_v(app: &App) -> Result<()> {
    app.click("[data-testid=prompt-input]").await?;
    // No window manager runs under Xvfb: keys go where the X focus is (or
    // the pointer), which need not be this app's window yet. Give it the
    // focus, then press through XTEST, as a keyboard would.
    let found = Command::new("xdotool")
        .args(["search", "--sync", "--onlyvisible", "--name", "^Handoff$"])
        .output()?;
    ensure!(found.status.success(), "the app's window is visible");
    let window = String::from_utf8_lossy(&found.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    let focused = Command::new("xdotool")
        .args(["windowfocus", "--sync", &window])
        .status()?;
    ensure!(focused.success(), "xdotool windowfocus");
    let pressed = Command::new("xdotool")
        .args(["key", "--clearmodifiers", "ctrl+v"])
        .status()?;
    ensure!(pressed.success(), "xdotool key");
    Ok(())
}

/// Pastes what `target` offers (the bytes of `offered`) and expects the
/// dialog to offer `source`, then uploads it and checks the saved bytes.
async fn paste_files(world: &World, target: &str, offered: &[u8], source: &std::path::Path) {
    let list = world.source(&format!("list-{}", target.replace('/', "-")), offered);
    let _clipboard = Clipboard::holding(target, &list);
    let name = source.file_name().unwrap().to_string_lossy().into_owned();
    let shown = name.clone();
    with_app(world, |app| async move {
        let result = async {
            press_ctrl_v(&app).await?;
            app.wait_for("[data-testid=upload-dialog]").await?;
            let item = app.text("[data-testid=item-name]").await?;
            ensure!(item == shown, "the dialog offers {item:?}");
            app.click("[data-testid=upload]").await?;
            app.dialog_closed().await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    assert_eq!(
        std::fs::read(uploads(world).join(&name)).unwrap(),
        std::fs::read(source).unwrap(),
        "the copied file arrives byte for byte"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn copied_files_paste_as_those_files() {
    let world = World::new();
    let pdf = world.source("spec.pdf", b"%PDF-1.4\n% a copied file\n");
    let uri = format!("file://{}\r\n", pdf.display());
    paste_files(&world, "text/uri-list", uri.as_bytes(), &pdf).await;

    let world = World::new();
    let notes = world.source("notes.txt", b"copied in a file manager\n");
    let gnome = format!("copy\nfile://{}", notes.display());
    paste_files(
        &world,
        "x-special/gnome-copied-files",
        gnome.as_bytes(),
        &notes,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bytes_that_are_not_a_picture_are_never_saved_as_one() {
    let world = World::new();
    let junk = world.source(
        "junk",
        b"file:///home/me/Pictures/shot.png\r\n# not a picture at all\r\n",
    );
    let _clipboard = Clipboard::holding("image/png", &junk);
    with_app(&world, |app| async move {
        let result = async {
            press_ctrl_v(&app).await?;
            let notice = app.wait_for("[role=status]").await?.text().await?;
            ensure!(
                notice == "The clipboard holds no picture and no files to attach.",
                "{notice}"
            );
            ensure!(
                app.client
                    .find_all(fantoccini::Locator::Css("[data-testid=upload-dialog]"))
                    .await?
                    .is_empty(),
                "no dialog offers the junk"
            );
            app.screenshot("29-paste-junk").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    let saved = std::fs::read_dir(uploads(&world)).map_or(0, Iterator::count);
    assert_eq!(saved, 0, "nothing was saved");
}

/// A long text paste is offered as a file, and can go in the message as
/// text instead: nothing pasted is thrown away.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_text_paste_can_go_in_the_message_instead() {
    let world = World::new();
    let text = (0..120).fold(String::new(), |mut text, n| {
        use std::fmt::Write as _;
        let _ = writeln!(
            text,
            "line {n:03} of a long build log that the person pasted"
        );
        text
    });
    assert!(text.len() > 6000);
    let source = world.source("log.txt", text.as_bytes());
    let _clipboard = Clipboard::holding("UTF8_STRING", &source);
    with_app(&world, |app| async move {
        let result = async {
            press_ctrl_v(&app).await?;
            app.wait_for("[data-testid=upload-dialog]").await?;
            let name = app.text("[data-testid=item-name]").await?;
            ensure!(name.starts_with("pasted-text-"), "offered as {name:?}");
            app.click("[data-testid=paste-as-text]").await?;
            app.dialog_closed().await?;
            let prompt = app.wait_for("[data-testid=prompt-input]").await?;
            let value = prompt.prop("value").await?.unwrap_or_default();
            ensure!(
                value == text,
                "the message holds the pasted text ({} chars)",
                value.len()
            );
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
}
