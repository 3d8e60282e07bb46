//! What the agent makes with its own code, telling nobody, reaches the
//! person: listed under the turn, in the files panel's own section,
//! previewed from the list.

use anyhow::ensure;
use handoff_core::store::{Direction, FileQuery};

use crate::app::{App, World};

#[tokio::test(flavor = "multi_thread")]
async fn a_file_the_agent_makes_is_listed_under_its_turn_and_previews() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        crate::layout::ask(&app, "make file out/report.md").await?;
        app.wait_for_text("Made this turn (1)").await?;
        let row = app
            .text("[data-testid=made] [data-testid=made-file]")
            .await?;
        ensure!(row.contains("report.md") && row.contains("out/"), "{row}");
        let detail = app.text("[data-testid=made-detail]").await?;
        ensure!(detail.starts_with("new"), "{detail}");
        app.screenshot("63-made-this-turn").await?;

        app.click("[data-testid=made] .made-open").await?;
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        app.screenshot("64-made-preview").await?;
        let shown = app.text("[data-testid=preview-markdown] h1").await?;
        ensure!(
            shown.trim() == "report",
            "the preview shows the file: {shown}"
        );
        app.screenshot("64-made-preview").await?;
        app.client
            .active_element()
            .await?
            .send_keys(&fantoccini::key::Key::Escape.to_string())
            .await?;

        // The path in the agent's reply opens the same preview.
        let link = app.text("[data-testid=reply] a.file-link").await?;
        ensure!(link == "out/report.md", "the reply links {link:?}");
        app.click("[data-testid=reply] a.file-link").await?;
        app.wait_for("[data-testid=preview-markdown] h1").await?;
        app.screenshot("71-reply-path-opens-the-preview").await?;
        app.client
            .active_element()
            .await?
            .send_keys(&fantoccini::key::Key::Escape.to_string())
            .await?;

        let made = world.store().files().list(&FileQuery {
            direction: Some(Direction::Made),
            ..FileQuery::default()
        })?;
        ensure!(made.len() == 1, "{made:?}");
        ensure!(
            std::fs::read(&made[0].path)? == std::fs::read(world.worktree().join("out/report.md"))?,
            "recorded where it is"
        );

        // Save as… from the turn's list (A on the focused file): the same bytes.
        let saved = world.root.join("home/report-copy.md");
        app.client
            .execute(
                "document.querySelector('[data-testid=made] .made-open').focus();",
                vec![],
            )
            .await?;
        app.client.active_element().await?.send_keys("a").await?;
        crate::previews::answer_save_dialog(&saved.display().to_string(), &saved).await?;
        ensure!(
            std::fs::read(&saved)? == std::fs::read(world.worktree().join("out/report.md"))?,
            "saved byte for byte"
        );

        app.click("[data-testid=files-toggle]").await?;
        let panel = app.wait_for_text("Made by the agent 1").await?;
        ensure!(panel.contains("report.md"), "{panel}");
        app.screenshot("65-made-in-the-panel").await?;
        app.click("[data-testid=files-toggle]").await?;

        // Kept from the keyboard (K on the focused file): a snapshot, with
        // its card, that a later edit does not change.
        app.client
            .execute(
                "document.querySelector('[data-testid=made] .made-open').focus();",
                vec![],
            )
            .await?;
        app.client.active_element().await?.send_keys("k").await?;
        app.wait_for_text("Kept report.md as it is now").await?;
        app.wait_for("[data-testid=card]").await?;
        std::fs::write(world.worktree().join("out/report.md"), "# changed\n")?;
        let kept = world.store().files().list(&FileQuery {
            direction: Some(Direction::FromAgent),
            ..FileQuery::default()
        })?;
        ensure!(kept.len() == 1, "{kept:?}");
        ensure!(
            std::fs::read_to_string(&kept[0].path)?.starts_with("# report"),
            "what was kept stays"
        );

        // Handoff's own tool reads as what it does.
        crate::layout::ask(&app, "publish out/report.md").await?;
        app.wait_for_text("publish_file: Published report.md")
            .await?;
        let tool = app.text(".tool").await?;
        ensure!(
            tool.starts_with("Publish out/report.md") && !tool.contains("publish_file"),
            "{tool}"
        );
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_reads_as_markdown_and_runs_nothing_it_says() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        crate::layout::ask(
            &app,
            r#"**bold** <img src=x onerror="window.__ran=1"> [go](javascript:window.__ran=2) ![p](http://127.0.0.1:9/p.png) [docs](https://example.com/docs)"#,
        )
        .await?;
        app.wait_for_text("I got your message").await?;
        let seen = app
            .client
            .execute(
                "const r = [...document.querySelectorAll('[data-testid=reply]')].pop(); \
                 return [r.querySelector('strong')?.textContent ?? '', r.querySelectorAll('img, [href], [onerror]').length, \
                 r.querySelector('a[data-href]')?.getAttribute('data-href') ?? '', String(window.__ran), r.textContent.includes('<img src=x')];",
                vec![],
            )
            .await?;
        ensure!(
            seen == serde_json::json!(["bold", 0, "https://example.com/docs", "undefined", true]),
            "{seen}"
        );
        app.screenshot("66-reply-markdown").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// A file the agent changed previews as the file or as what changed since
/// the last commit.
#[tokio::test(flavor = "multi_thread")]
async fn a_changed_file_previews_with_what_changed() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        let repo = world.worktree();
        std::fs::write(repo.join("notes.md"), "# Notes\n\nfirst line\n")?;
        for args in [
            &["init", "-q"][..],
            &["-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "start",
            ],
        ] {
            let done = std::process::Command::new("git")
                .current_dir(&repo)
                .args(args)
                .status()?;
            ensure!(done.success(), "git {args:?}");
        }
        crate::layout::ask(&app, "edit file notes.md").await?;
        app.wait_for_text("Made this turn (1)").await?;
        let detail = app.text("[data-testid=made-detail]").await?;
        ensure!(
            detail.starts_with('+'),
            "a changed file counts its lines: {detail}"
        );
        app.click("[data-testid=made] .made-open").await?;
        app.click("[data-testid=preview-changes-toggle]").await?;
        let diff = app.text("[data-testid=preview-changes]").await?;
        ensure!(diff.starts_with("@@") && diff.contains("\n+"), "{diff}");
        ensure!(!diff.contains("diff --git"), "no git headers: {diff}");
        app.screenshot("72-changes-preview").await?;

        // Followed live afterwards: deleted on disk, its row says missing.
        app.click("[aria-label='Close preview']").await?;
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row][data-status=present]")
            .await?;
        std::fs::remove_file(repo.join("notes.md"))?;
        app.wait_for("[data-testid=file-row][data-status=missing]")
            .await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
