//! The flows of the desktop app, each asserted on disk, in the database and
//! on screen.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use handoff_core::store::{FileQuery, MessageKind};

use crate::app::{App, World};

/// A real PNG (the app icon, 128×128).
pub(crate) fn png() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../icons/128x128.png")).unwrap()
}

/// Runs `steps` against a fresh app, closing it whatever happens.
pub(crate) async fn with_app<F, Fut>(world: &World, steps: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = (App, Result<()>)>,
{
    let app = App::launch(world).await.expect("the app starts");
    let (app, result) = steps(app).await;
    app.close().await;
    result.unwrap();
}

pub(crate) fn uploads(world: &World) -> PathBuf {
    world.worktree().join(".agor/uploads")
}

#[tokio::test(flavor = "multi_thread")]
async fn dropped_files_reach_the_worktree_and_the_agent() {
    let world = World::new();
    let image = world.source("shot one é.png", &png());
    let notes = world.source("notes.txt", b"first line\nsecond line\n");
    with_app(&world, |app| async move {
        let result = async {
            app.screenshot("01-first-start").await?;
            real_drag(&app, &[&image, &notes]).await?;
            app.wait_for("[data-testid=upload-dialog]").await?;
            let rows = app
                .client
                .find_all(Locator::Css("[data-testid=upload-item]"))
                .await?;
            ensure!(rows.len() == 2, "two rows in the dialog");
            ensure!(
                app.text("[data-testid=folder]")
                    .await?
                    .ends_with("sample-worktree/.agor/uploads")
            );
            app.screenshot("02-upload-dialog").await?;
            app.click("[data-testid=upload]").await?;
            app.wait_for_text("I got your message in 4 parts:").await?;
            // The reply streams in: the picture, inline, comes after its first words.
            let page = app.wait_for_text("image: image/png, 128×128 px").await?;
            ensure!(
                page.contains(
                    "Please review .agor/uploads/shot one é.png, .agor/uploads/notes.txt"
                ),
                "{page}"
            );
            app.wait_for("img.thumb").await?;
            app.screenshot("03-conversation").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    let dir = uploads(&world);
    assert_eq!(
        std::fs::read(dir.join("shot one é.png")).unwrap(),
        png(),
        "byte-identical"
    );
    assert_eq!(
        std::fs::read(dir.join("notes.txt")).unwrap(),
        b"first line\nsecond line\n"
    );
    let files = world.store().files().list(&FileQuery::default()).unwrap();
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .all(|f| f.source == handoff_core::Origin::Drop && f.session_id.is_some())
    );
}

/// Drags files for real: a GTK drag source window offers them over XDND,
/// and xdotool moves the X pointer from it onto the app's prompt box.
async fn real_drag(app: &App, files: &[&Path]) -> Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/fixtures/drag_source.py");
    // Debian's own Python, which has the GTK bindings (python3-gi).
    let mut source = Command::new("/usr/bin/python3")
        .arg(script)
        .args(files)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(source.stdout.take().unwrap()),
        &mut ready,
    )?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let xdotool = |args: &[&str]| Command::new("xdotool").args(args).status();
    let result = async {
        ensure!(ready.trim() == "ready", "the drag source window is up");
        xdotool(&["mousemove", "1300", "90"])?;
        xdotool(&["mousedown", "1"])?;
        for (x, y) in [
            (1280, 100),
            (1200, 200),
            (1000, 400),
            (800, 600),
            (700, 700),
            (690, 705),
        ] {
            tokio::time::sleep(Duration::from_millis(150)).await;
            xdotool(&["mousemove", &x.to_string(), &y.to_string()])?;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.wait_for(".prompt.dragging").await?;
        app.screenshot("01b-drag-over").await?;
        xdotool(&["mouseup", "1"])?;
        Ok(())
    }
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = source.kill();
    let _ = source.wait();
    result
}

/// Owns the X clipboard with a PNG until dropped.
pub(crate) struct Clipboard(Child);

impl Clipboard {
    pub(crate) fn png(path: &Path) -> Self {
        Self::holding("image/png", path)
    }

    /// Owns the clipboard with the bytes of `path` offered as `target`
    /// only; like many owners, xclip answers any target asked for with
    /// those bytes.
    pub(crate) fn holding(target: &str, path: &Path) -> Self {
        let child = Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-t", target, "-i"])
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip");
        std::thread::sleep(Duration::from_millis(300));
        Self(child)
    }
}

impl Drop for Clipboard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_ctrl_v_of_a_png_is_saved_byte_identical() {
    let world = World::new();
    let image = world.source("copied.png", &png());
    let _clipboard = Clipboard::png(&image);
    with_app(&world, |app| async move {
        let result = async {
            // A real key press through the X server, not a synthetic event.
            crate::paste::press_ctrl_v(&app).await?;
            app.wait_for("[data-testid=upload-dialog]").await?;
            app.screenshot("04-paste-dialog").await?;
            let name = app.text("[data-testid=item-name]").await?;
            ensure!(
                name.starts_with("pasted-screenshot-") && name.to_lowercase().ends_with(".png"),
                "the dialog names {name:?}"
            );
            app.click("[data-testid=upload]").await?;
            let page = app.wait_for_text("image: image/png, 128×128 px").await?;
            ensure!(page.contains("I got your message in 3 parts:"), "{page}");
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    let saved: Vec<_> = std::fs::read_dir(uploads(&world))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")))
        .collect();
    assert_eq!(saved.len(), 1);
    assert_eq!(
        std::fs::read(&saved[0]).unwrap(),
        png(),
        "the pasted PNG is byte-identical"
    );
    let files = world.store().files().list(&FileQuery::default()).unwrap();
    assert_eq!(files[0].source, handoff_core::Origin::Paste);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_over_the_limit_fails_alone() {
    let world = World::new();
    world
        .store()
        .settings()
        .set("max_file_size", "1kB")
        .unwrap();
    let big = world.source("big.log", &vec![b'x'; 5000]);
    let small = world.source("small.txt", b"fits");
    with_app(&world, |app| async move {
        let result = async {
            app.drop_files(&[&big, &small]).await?;
            app.click("[data-testid=upload]").await?;
            let error = app
                .wait_for("[data-testid=item-error]")
                .await?
                .text()
                .await?;
            ensure!(error == "5 kB is over the 1 kB limit", "{error}");
            app.screenshot("05-per-file-error").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    assert!(
        uploads(&world).join("small.txt").is_file(),
        "the other file is saved"
    );
    assert!(!uploads(&world).join("big.log").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_notify_a_mention_is_inserted() {
    let world = World::new();
    let file = world.source("my notes.md", b"# notes");
    with_app(&world, |app| async move {
        let result = async {
            app.drop_files(&[&file]).await?;
            app.click("[data-testid=notify]").await?;
            app.click("[data-testid=upload]").await?;
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let value = app
                    .wait_for("[data-testid=prompt-input]")
                    .await?
                    .prop("value")
                    .await?
                    .unwrap_or_default();
                if value == "@\".agor/uploads/my notes.md\" " {
                    break;
                }
                ensure!(
                    std::time::Instant::now() < deadline,
                    "prompt box holds {value:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    let messages = world.store().messages().list(1).unwrap();
    assert!(
        messages.iter().all(|m| m.kind != MessageKind::Text),
        "the agent was not prompted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn temp_and_global_destinations() {
    let world = World::new();
    let a = world.source("to-temp.txt", b"t");
    let b = world.source("to-global.txt", b"g");
    with_app(&world, |app| async move {
        let result = async {
            for (file, destination) in [(&a, "temp"), (&b, "global")] {
                app.drop_files(&[file]).await?;
                app.click(&format!("input[value={destination}]")).await?;
                app.click("[data-testid=notify]").await?;
                app.click("[data-testid=upload]").await?;
                app.dialog_closed().await?;
            }
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    assert!(world.root.join("tmp/agor-uploads/to-temp.txt").is_file());
    assert!(
        world
            .root
            .join("home/.agor/uploads/to-global.txt")
            .is_file()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_conversation_and_thumbnails_survive_a_restart() {
    let world = World::new();
    let image = world.source("before.png", &png());
    with_app(&world, |app| async move {
        let result = async {
            app.drop_files(&[&image]).await?;
            app.click("[data-testid=upload]").await?;
            app.wait_for_text("image: image/png, 128×128 px").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    with_app(&world, |app| async move {
        let result = async {
            let page = app.wait_for_text("image: image/png, 128×128 px").await?;
            ensure!(page.contains("Uploaded before.png → .agor/uploads/before.png"), "{page}");
            app.wait_for("img.thumb").await?;
            let width = app
                .client
                .execute("const img = document.querySelector('img.thumb'); return img.complete ? img.naturalWidth : -1;", vec![])
                .await?;
            ensure!(width == serde_json::json!(128), "the thumbnail loads after a restart (width {width})");
            app.screenshot("06-after-restart").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
}

/// The natural widths of the pictures matching `css`, once all have loaded
/// (0: one did not).
async fn picture_widths(app: &App, css: &str) -> Result<Vec<u64>> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let widths = app
            .client
            .execute(
                "const all = [...document.querySelectorAll(arguments[0])]; \
                 return all.every((i) => i.complete) ? all.map((i) => i.naturalWidth) : null;",
                vec![serde_json::json!(css)],
            )
            .await?;
        if let Some(widths) = widths.as_array() {
            return Ok(widths
                .iter()
                .filter_map(serde_json::Value::as_u64)
                .collect());
        }
        ensure!(std::time::Instant::now() < deadline, "{css} never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_picture_still_shows_what_was_sent_after_a_restart() {
    let world = World::new();
    world
        .store()
        .settings()
        .set("on_conflict", "replace")
        .unwrap();
    let small =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../icons/32x32.png")).unwrap();
    let image = world.source("shot.png", &png());
    with_app(&world, |app| async move {
        let result = async {
            for bytes in [png(), small.clone()] {
                std::fs::write(&image, bytes)?;
                app.drop_files(&[&image]).await?;
                app.click("[data-testid=notify]").await?;
                app.click("[data-testid=upload]").await?;
                app.dialog_closed().await?;
            }
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while picture_widths(&app, "img.thumb").await?.len() < 2 {
                ensure!(
                    std::time::Instant::now() < deadline,
                    "two uploads, two thumbnails"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    assert_eq!(
        std::fs::read(uploads(&world).join("shot.png")).unwrap(),
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../icons/32x32.png")).unwrap(),
        "the second upload replaced the first"
    );
    with_app(&world, |app| async move {
        let result = async {
            app.wait_for_text("Uploaded shot.png").await?;
            let widths = picture_widths(&app, "img.thumb").await?;
            ensure!(
                widths == [128, 32],
                "the conversation shows each picture as it was sent: {widths:?}"
            );
            app.click("[data-testid=files-toggle]").await?;
            app.wait_for("[data-testid=file-row][data-status=replaced] img")
                .await?;
            let replaced =
                picture_widths(&app, "[data-testid=file-row][data-status=replaced] img").await?;
            ensure!(
                replaced == [128],
                "the replaced row shows what was sent: {replaced:?}"
            );
            app.screenshot("62-replaced-picture-after-restart").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
}
