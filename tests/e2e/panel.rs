//! The live files panel: changes on disk and writes by other processes show
//! without a reload.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use fantoccini::Locator;
use fantoccini::key::Key;
use handoff_core::store::{Direction, NewFile};
use handoff_core::{Destination, Origin, clock};

use crate::app::{App, World, target_dir};

async fn statuses(app: &App) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for row in app
        .client
        .find_all(Locator::Css("[data-testid=file-row]"))
        .await?
    {
        out.push(row.attr("data-status").await?.unwrap_or_default());
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_panel_follows_the_disk_and_the_cli() {
    let world = World::new();
    let file = world.source("watched.txt", b"watch me");
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        app.drop_files(&[&file]).await?;
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row][data-status=present]")
            .await?;

        std::fs::remove_file(world.worktree().join(".agor/uploads/watched.txt"))?;
        let deleted = Instant::now();
        app.wait_for("[data-testid=file-row][data-status=missing]")
            .await?;
        let took = deleted.elapsed();
        ensure!(
            took < Duration::from_secs(2),
            "marked missing after {took:?}"
        );
        println!(
            "delete on disk to row marked missing: {} ms",
            took.as_millis()
        );

        let from_terminal = world.source("from-terminal.md", b"# hi");
        let status = Command::new(target_dir().join("debug/handoff"))
            .args(["upload", "--session", "1"])
            .arg(&from_terminal)
            .env("HANDOFF_HOME", world.root.join("data"))
            .status()?;
        ensure!(status.success(), "handoff upload");
        let deadline = Instant::now() + Duration::from_secs(5);
        while statuses(&app).await?.len() < 2 {
            ensure!(
                Instant::now() < deadline,
                "the CLI upload never showed in the panel"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ensure!(
            app.text("[data-testid=files-panel]")
                .await?
                .contains("from-terminal.md")
        );
        app.screenshot("07-files-panel").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_at_completes_worktree_files() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        let input = app.wait_for("[data-testid=prompt-input]").await?;
        input.send_keys("see @readm").await?;
        let list = app.wait_for("[data-testid=mentions]").await?;
        ensure!(
            list.text().await?.contains("README.md")
                || app
                    .text("[data-testid=mentions]")
                    .await?
                    .contains("README.md")
        );
        app.screenshot("10-mentions").await?;
        input.send_keys("\u{E007}").await?; // Enter picks the first match.
        let value = input.prop("value").await?.unwrap_or_default();
        ensure!(value == "see @README.md ", "{value:?}");
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_no_record_can_be_added_from_the_panel() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        app.click("[data-testid=files-toggle]").await?;
        let uploads = world.worktree().join(".agor/uploads");
        std::fs::create_dir_all(&uploads)?;
        std::fs::write(uploads.join("left-by-agent.log"), "step 1\nstep 2\n")?;
        app.wait_for("[data-testid=untracked-row]").await?;
        ensure!(
            app.text("[data-testid=untracked-row]")
                .await?
                .contains("left-by-agent.log")
        );
        app.screenshot("13-untracked").await?;
        app.click("[data-testid=untracked-row] .add").await?;
        app.wait_for("[data-testid=file-row][data-status=present]")
            .await?;
        let records = world
            .store()
            .files()
            .list(&handoff_core::store::FileQuery::default())?;
        ensure!(records.len() == 1, "{records:?}");
        ensure!(records[0].path == uploads.join("left-by-agent.log"));
        ensure!(records[0].source == handoff_core::Origin::Found);
        ensure!(records[0].session_id == Some(1));
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// Records `count` real files in the sample worktree's uploads folder.
fn many_files(world: &World, count: usize) {
    let uploads = world.worktree().join(".agor/uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    let mut store = world.store();
    let worktree = store.worktrees().ensure(&world.worktree(), 1).unwrap();
    let files: Vec<NewFile> = (0..count)
        .map(|n| {
            let name = format!("log-{n:05}.txt");
            let path = uploads.join(&name);
            std::fs::write(&path, n.to_string()).unwrap();
            let meta = std::fs::metadata(&path).unwrap();
            NewFile {
                session_id: Some(1),
                worktree_id: Some(worktree.id),
                direction: Direction::ToAgent,
                destination: Destination::Worktree,
                filename: name,
                path,
                size: meta.len(),
                mime: "text/plain".to_owned(),
                sniffed_mime: Some("text/plain".to_owned()),
                sha256: String::new(),
                source: Origin::Cli,
                display_name: None,
                description: None,
                revision: 1,
                mtime_ns: clock::mtime_ns(&meta),
                expires_at: None,
            }
        })
        .collect();
    store
        .files()
        .insert_many(&files, &[], clock::now())
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_files_open_and_filter_quickly() {
    let world = World::new();
    // The first start makes the sample worktree and session 1.
    let app = App::launch(&world).await.expect("the app starts");
    app.close().await;
    many_files(&world, 10_000);
    let app = App::launch(&world).await.expect("the app starts again");
    let result = async {
        let opened = Instant::now();
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row]").await?;
        let open_ms = opened.elapsed().as_millis();
        let rendered = statuses(&app).await?.len();
        ensure!(rendered < 100, "only the rows in view are drawn ({rendered})");
        let count = app.text("[data-testid=files-panel] .section").await?;
        ensure!(count.contains("10000"), "{count}");

        // Typed one key at a time in the page; each key is timed until the
        // next frame is drawn with the narrowed list.
        let keys = app
            .client
            .execute_async(
                "const done = arguments[0]; const input = document.querySelector('[data-testid=files-filter]'); \
                 const text = 'log-0424'; const times = []; let i = 0; \
                 const next = () => { if (i === text.length) return done(times); \
                   const start = performance.now(); input.value = text.slice(0, ++i); \
                   input.dispatchEvent(new Event('input', { bubbles: true })); \
                   requestAnimationFrame(() => setTimeout(() => { times.push(performance.now() - start); next(); })); }; \
                 next();",
                vec![],
            )
            .await?;
        let keys: Vec<f64> = serde_json::from_value(keys)?;
        ensure!(statuses(&app).await?.len() == 10, "the filter narrowed to 10 rows");
        let worst_key = keys.iter().copied().fold(0.0_f64, f64::max);

        let frames = app
            .client
            .execute_async(
                "const done = arguments[0]; const input = document.querySelector('[data-testid=files-filter]'); \
                 input.value = ''; input.dispatchEvent(new Event('input', { bubbles: true })); \
                 const list = document.querySelector('[data-testid=files-panel] .list'); \
                 let frame = 0; let worst = 0; let last = performance.now(); \
                 const step = (now) => { worst = Math.max(worst, now - last); last = now; \
                   list.scrollTop += 400; if (++frame < 60) requestAnimationFrame(step); else done(worst); }; \
                 requestAnimationFrame((now) => { last = now; requestAnimationFrame(step); });",
                vec![],
            )
            .await?;
        println!(
            "files panel with 10,000 files: open {open_ms} ms, slowest filter keystroke {worst_key:.0} ms (of {keys:.0?}), slowest scroll frame {frames} ms"
        );
        app.screenshot("14-ten-thousand").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// The row menu closes on a press elsewhere; Shift+F10 opens it from a
/// focused row, arrows move in it, Esc closes it (not the panel) and gives
/// focus back to the row.
async fn menu_from_the_keyboard(app: &App) -> Result<()> {
    app.click("[data-testid=row-menu]").await?;
    app.wait_for("[data-testid=row-actions]").await?;
    app.click("[data-testid=files-filter]").await?;
    app.wait_for(".app:not(:has([data-testid=row-actions]))")
        .await?;
    app.client
        .execute(
            "document.querySelector('[data-testid=file-row]').focus();",
            vec![],
        )
        .await?;
    let driver = &app.client;
    let keys = |k: String| async move {
        driver.active_element().await?.send_keys(&k).await?;
        anyhow::Ok(())
    };
    keys(format!("{}{}{}", Key::Shift, Key::F10, Key::Null)).await?;
    app.wait_for("[data-testid=row-actions]").await?;
    keys(Key::Down.to_string()).await?;
    for (width, height) in [(900, 600), (1400, 900)] {
        app.client.set_window_size(width, height).await?;
        app.screenshot(&format!("35-row-menu-keys-{width}x{height}"))
            .await?;
    }
    let focused = app
        .client
        .execute(
            "return document.activeElement.dataset.action || null;",
            vec![],
        )
        .await?;
    ensure!(
        focused == "open",
        "ArrowDown moves to the second item: {focused}"
    );
    keys(Key::Escape.to_string()).await?;
    app.wait_for(".app:not(:has([data-testid=row-actions]))")
        .await?;
    let back = app
        .client
        .execute(
            "return !!document.querySelector('[data-testid=files-dock]') && document.activeElement === document.querySelector('[data-testid=file-row]');",
            vec![],
        )
        .await?;
    ensure!(
        back == true,
        "Esc closes the menu only, and the row has focus again"
    );
    Ok(())
}

/// Rows keep their name in view whatever the pointer does, say which
/// folder each file is in (two `notes.txt`, from `proj/` and `proj (1)/`,
/// differ), and act from a compact menu or from keys on a focused row.
#[tokio::test(flavor = "multi_thread")]
async fn rows_show_their_folder_and_act_from_a_menu_or_keys() {
    let world = World::new();
    let first = world.root.join("src/one/proj");
    let second = world.root.join("src/two/proj");
    for dir in [&first, &second] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("notes.txt"), dir.display().to_string()).unwrap();
    }
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        for dir in [&first, &second] {
            app.drop_files(&[dir]).await?;
            app.click("[data-testid=notify]").await?;
            app.click("[data-testid=upload]").await?;
            app.dialog_closed().await?;
        }
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row]").await?;
        let mut folders = Vec::new();
        for row in app
            .client
            .find_all(Locator::Css("[data-testid=file-row]"))
            .await?
        {
            row.find(Locator::Css("[data-testid=file-name]"))
                .await?
                .click()
                .await?;
            let name = row.find(Locator::Css("[data-testid=file-name]")).await?;
            let shown = app
                .client
                .execute(
                    "const n = arguments[0]; const s = getComputedStyle(n); \
                     return [n.getBoundingClientRect().width, s.display, s.visibility];",
                    vec![serde_json::to_value(&name)?],
                )
                .await?;
            ensure!(
                shown[0].as_f64().unwrap_or(0.0) > 20.0
                    && shown[1] != "none"
                    && shown[2] != "hidden",
                "the name stays in view under the pointer: {shown}"
            );
            folders.push(
                row.find(Locator::Css("[data-testid=file-folder]"))
                    .await?
                    .text()
                    .await?,
            );
        }
        folders.sort();
        ensure!(
            folders == [".agor/uploads/proj", ".agor/uploads/proj (1)"],
            "{folders:?}"
        );

        // The menu: every action named, with its key.
        app.click("[data-testid=row-menu]").await?;
        let menu = app.text("[data-testid=row-actions]").await?;
        for item in [
            "Preview",
            "Open",
            "Show in folder",
            "Copy path",
            "Mention in the message",
            "Save a copy as…",
            "Move to trash",
        ] {
            ensure!(menu.contains(item), "{item} is missing from {menu}");
        }
        app.screenshot("35-row-menu").await?;
        app.click("[data-testid=row-actions] [data-action=mention]")
            .await?;
        let prompt = app.wait_for("[data-testid=prompt-input]").await?;
        let text = prompt.prop("value").await?.unwrap_or_default();
        ensure!(text.contains("@.agor/uploads/proj"), "mentioned: {text}");

        menu_from_the_keyboard(&app).await?;

        // Keys on a focused row: Enter previews.
        app.client
            .execute(
                "document.querySelector('[data-testid=file-row]').focus();",
                vec![],
            )
            .await?;
        app.client
            .active_element()
            .await?
            .send_keys(&Key::Enter.to_string())
            .await?;
        app.wait_for("[data-testid=preview]").await?;
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_gone_from_disk_keeps_only_its_path_and_its_preview_says_why() {
    let world = World::new();
    let file = world.source("gone.txt", b"soon gone");
    let app = App::launch(&world).await.expect("the app starts");
    let result = async {
        app.drop_files(&[&file]).await?;
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for("[data-testid=file-row][data-status=present]")
            .await?;
        std::fs::remove_file(world.worktree().join(".agor/uploads/gone.txt"))?;
        app.wait_for("[data-testid=file-row][data-status=missing]")
            .await?;

        app.click("[data-testid=row-menu]").await?;
        let menu = app.text("[data-testid=row-actions]").await?;
        ensure!(menu.contains("No longer at its path"), "{menu}");
        ensure!(menu.contains("Copy path"), "{menu}");
        for absent in [
            "Preview",
            "Open",
            "Send to the agent again",
            "Share",
            "Save a copy",
        ] {
            ensure!(
                !menu.contains(absent),
                "{absent} is offered for a missing file: {menu}"
            );
        }
        app.screenshot("59-missing-row-menu").await?;
        app.client
            .active_element()
            .await?
            .send_keys(&Key::Escape.to_string())
            .await?;
        app.click("[data-testid=files-toggle]").await?;

        // A published file whose snapshot is gone: the sheet itself says why.
        std::fs::write(world.worktree().join("notes.md"), "# Notes\n")?;
        crate::layout::ask(&app, "publish notes.md").await?;
        app.wait_for_text("publish_file: Published notes.md")
            .await?;
        let published = world
            .store()
            .files()
            .list(&handoff_core::store::FileQuery::default())?
            .into_iter()
            .find(|f| f.direction == Direction::FromAgent)
            .expect("the published record");
        std::fs::remove_file(&published.path)?;
        app.click("[data-testid=card]").await?;
        let why = app
            .text("[data-testid=preview] [data-testid=preview-error]")
            .await?;
        ensure!(
            !why.trim().is_empty(),
            "the preview says why it shows nothing"
        );
        println!("a gone snapshot's preview says: {why}");
        app.screenshot("60-missing-preview").await?;
        // The failure is logged once, where the page's command ended, with
        // the file it was about and what the person was told.
        let log = std::fs::read_to_string(world.root.join("data/handoff.log"))?;
        let logged: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(&format!("preview_file{{file_id={}}}", published.id)))
            .collect();
        ensure!(logged.len() == 1, "{logged:#?}");
        ensure!(
            logged[0].contains(" WARN ") && logged[0].contains(why.trim()),
            "{}",
            logged[0]
        );
        Ok(())
    }
    .await;
    app.close().await;
    result.unwrap();
}
