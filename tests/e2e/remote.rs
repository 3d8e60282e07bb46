//! A remote worktree in the desktop app: added by its `host:/path` in the
//! sidebar, a real Ctrl+V of a PNG saved on the remote with Notify on, the
//! demo agent's reply from its run there, and the card of the file it
//! published back through the forwarded port. The remote is a real `sshd`
//! on 127.0.0.1 with a client config of its own.

use anyhow::{Result, ensure};
use fantoccini::key::Key;
use sha2::{Digest, Sha256};

use crate::app::{App, World};
use crate::flows::{Clipboard, png};
use crate::paste::press_ctrl_v;

#[allow(dead_code)]
#[path = "../../crates/handoff-cli/tests/cli/sshd.rs"]
mod sshd;

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paste_into_a_remote_worktree_reaches_the_agent_there_and_comes_back() {
    let world = World::new();
    let sshd = sshd::Sshd::start();
    let report = "# Report\n\nWritten on the remote.\n";
    std::fs::write(sshd.worktree.join("report.md"), report).unwrap();
    let shot = world.source("shot.png", &png());
    let _clipboard = Clipboard::png(&shot);
    let config = sshd.path("ssh_config").display().to_string();
    let spec = format!("devbox:{}", sshd.worktree.display());
    let app = App::launch_with(&world, &[("HANDOFF_SSH_CONFIG", &config)])
        .await
        .expect("the app starts");
    let result = async {
        add_remote(&app, &spec).await?;

        press_ctrl_v(&app).await?;
        app.wait_for("[data-testid=upload-dialog]").await?;
        let folder = app.text("[data-testid=folder]").await?;
        let expected = sshd.worktree.join(".agor/uploads");
        ensure!(folder == expected.display().to_string(), "{folder}");
        ensure!(
            app.wait_for("[data-testid=notify]")
                .await?
                .prop("checked")
                .await?
                .as_deref()
                == Some("true"),
            "Notify is on"
        );
        let message = "[data-testid=message]";
        app.type_into(message, &format!("{}a{}", Key::Control, Key::Null))
            .await?;
        app.type_into(message, "See {filepath}, then publish report.md")
            .await?;
        app.click("[data-testid=upload]").await?;
        app.wait_for_text("I got your message in 3 parts:").await?;
        app.wait_for_text("image: image/png, 128×128 px").await?;
        let card = app.text("[data-testid=card]").await?;
        ensure!(card.contains("report.md"), "{card}");
        app.screenshot("42-remote-conversation").await?;

        // Dragged out of the window, the remote picture is fetched here first.
        app.click("[data-testid=files-toggle]").await?;
        let target = crate::desktop::DropTarget::start()?;
        let row = "[data-testid=file-row][data-status=present] .info";
        let dropped = crate::desktop::drag_out(&app, &target, row).await?;
        drop(target);
        ensure!(
            dropped.starts_with(world.root.join("data/remote-copies")),
            "a copy fetched here: {}",
            dropped.display()
        );
        ensure!(std::fs::read(&dropped)? == png(), "the remote's bytes");
        app.click("[data-testid=files-toggle]").await?;

        remote_delete_shows(&app, &expected).await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();

    let pictures: Vec<_> = world
        .store()
        .files()
        .list(&handoff_core::store::FileQuery {
            direction: Some(handoff_core::store::Direction::ToAgent),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(pictures.len(), 1, "one picture recorded");
    assert_eq!(
        pictures[0].sha256,
        sha(&png()),
        "byte-identical when it was saved"
    );
    assert!(
        pictures[0]
            .path
            .starts_with(sshd.worktree.join(".agor/uploads"))
    );
    let published = world
        .store()
        .files()
        .list(&handoff_core::store::FileQuery {
            direction: Some(handoff_core::store::Direction::FromAgent),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(
        published[0].sha256,
        sha(report.as_bytes()),
        "the snapshot is the remote file"
    );
    assert!(
        sshd.wait_idle(),
        "processes left under sshd: {:?}",
        sshd.served()
    );
}

/// Adds the remote worktree `spec` in the sidebar and waits for its session.
async fn add_remote(app: &App, spec: &str) -> Result<()> {
    app.click("[data-testid=add-remote]").await?;
    app.type_into("[data-testid=remote-spec]", spec).await?;
    app.screenshot("40-remote-form").await?;
    app.type_into("[data-testid=remote-spec]", &Key::Enter.to_string())
        .await?;
    app.wait_for("[data-testid=remote-badge]").await?;
    app.wait_for(".app:not(:has([data-testid=remote-form]))")
        .await?;
    app.screenshot("41-remote-worktree").await?;
    Ok(())
}

/// The files panel looks at the remote while it shows: a picture the agent
/// deletes in `folder` there is missing on screen within 5 s.
async fn remote_delete_shows(app: &App, folder: &std::path::Path) -> Result<()> {
    app.click("[data-testid=files-toggle]").await?;
    app.wait_for("[data-testid=file-row][data-status=present]")
        .await?;
    let picture = std::fs::read_dir(folder)?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".png"))
        .map(|e| e.path())
        .ok_or_else(|| anyhow::anyhow!("no picture on the remote"))?;
    ensure!(
        std::fs::read(&picture)? == png(),
        "byte-identical on the remote"
    );
    std::fs::remove_file(&picture)?;
    let deleted = std::time::Instant::now();
    app.wait_for("[data-testid=file-row][data-status=missing]")
        .await?;
    let took = deleted.elapsed();
    eprintln!(
        "a remote delete showed as missing after {} ms",
        took.as_millis()
    );
    ensure!(
        took < std::time::Duration::from_secs(5),
        "seen after {took:?}"
    );
    app.screenshot("43-remote-files-panel").await?;
    Ok(())
}
