//! The app among other desktop programs: a file dragged out of the window
//! lands in another app as the file itself, and the desktop hears (a
//! notification) when the agent is done or asks while Handoff is in the
//! background. Real parts: a GTK drop target over XDND, the X pointer moved
//! by xdotool, dunst as the notification server on a private session bus.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use handoff_core::store::{Direction, FileQuery};

use crate::app::{App, World};

/// A GTK window that takes drops (`fixtures/drop_target.py`), at the
/// screen's right edge; what it received arrives line by line.
pub(crate) struct DropTarget {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl DropTarget {
    pub(crate) fn start() -> Result<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/fixtures/drop_target.py");
        // Debian's own Python, which has the GTK bindings (python3-gi).
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let out = BufReader::new(child.stdout.take().context("the target's output")?);
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let target = Self { child, lines };
        ensure!(
            target.next(Duration::from_secs(10))? == "ready",
            "the drop target is up"
        );
        Ok(target)
    }

    fn next(&self, within: Duration) -> Result<String> {
        self.lines
            .recv_timeout(within)
            .context("the drop target said nothing")
    }

    /// Gives this window the X focus: the app's window is in the background.
    fn focus(&self) -> Result<()> {
        let found = Command::new("xdotool")
            .args(["search", "--sync", "--onlyvisible", "--pid"])
            .arg(self.child.id().to_string())
            .output()?;
        let window = String::from_utf8_lossy(&found.stdout);
        let window = window.lines().last().unwrap_or_default();
        ensure!(
            xdotool(&["windowfocus", "--sync", window])?,
            "focus the target"
        );
        Ok(())
    }
}

impl Drop for DropTarget {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn xdotool(args: &[&str]) -> Result<bool> {
    Ok(Command::new("xdotool").args(args).status()?.success())
}

/// The X window whose name matches `pattern`.
fn window_named(pattern: &str) -> Result<String> {
    let found = Command::new("xdotool")
        .args(["search", "--sync", "--onlyvisible", "--name", pattern])
        .output()?;
    ensure!(found.status.success(), "no window named {pattern}");
    Ok(String::from_utf8_lossy(&found.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned())
}

/// The screen position of the middle of the first element `css` matches.
async fn screen_point(app: &App, css: &str) -> Result<(i64, i64)> {
    app.wait_for(css).await?;
    let window = window_named("^Handoff$")?;
    let geometry = Command::new("xdotool")
        .args(["getwindowgeometry", "--shell", &window])
        .output()?;
    let geometry = String::from_utf8_lossy(&geometry.stdout).to_string();
    let field = |name: &str| -> Result<i64> {
        geometry
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.trim().parse().ok())
            .with_context(|| format!("no {name} in {geometry}"))
    };
    let rect = app
        .client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
            vec![serde_json::json!(css)],
        )
        .await?;
    let (x, y) = (rect[0].as_i64(), rect[1].as_i64());
    Ok((field("X")? + x.unwrap_or(0), field("Y")? + y.unwrap_or(0)))
}

/// Drags what `css` shows out of the window onto the drop target with the
/// real pointer, and returns the path of the file the target received.
pub(crate) async fn drag_out(app: &App, target: &DropTarget, css: &str) -> Result<PathBuf> {
    let (x, y) = screen_point(app, css).await?;
    ensure!(
        xdotool(&["mousemove", &x.to_string(), &y.to_string()])?,
        "move"
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    ensure!(xdotool(&["mousedown", "1"])?, "press");
    let (to_x, to_y) = (1300_i64, 90_i64);
    for step in 1..=8 {
        tokio::time::sleep(Duration::from_millis(120)).await;
        let px = x + (to_x - x) * step / 8;
        let py = y + (to_y - y) * step / 8;
        xdotool(&["mousemove", &px.to_string(), &py.to_string()])?;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    xdotool(&[
        "mousemove",
        &(to_x + 4).to_string(),
        &(to_y + 4).to_string(),
    ])?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    ensure!(xdotool(&["mouseup", "1"])?, "release");
    let line = target.next(Duration::from_secs(10))?;
    let uri = line
        .strip_prefix("dropped ")
        .with_context(|| format!("the target got {line}"))?;
    handoff_core::file_uri::to_path(uri).with_context(|| format!("{uri} is not a file URI"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_made_file_a_card_and_a_panel_row_drag_out_as_the_files_themselves() {
    let world = World::new();
    let app = App::launch(&world).await.expect("the app starts");
    let target = DropTarget::start().expect("the drop target starts");
    let result = async {
        crate::layout::ask(&app, "make file out/weekly report #3.md").await?;
        app.wait_for_text("Made this turn (1)").await?;
        let made = world.worktree().join("out/weekly report #3.md");

        // A turn's output: the file in the worktree, by its real name.
        let dropped = drag_out(&app, &target, "[data-testid=made-file] .made-detail").await?;
        ensure!(
            dropped == made,
            "{} is not {}",
            dropped.display(),
            made.display()
        );
        app.screenshot("67-dragged-out").await?;

        // A card: what was kept, not the file as it is later.
        app.client
            .execute(
                "document.querySelector('[data-testid=made] .made-open').focus();",
                vec![],
            )
            .await?;
        app.client.active_element().await?.send_keys("k").await?;
        app.wait_for("[data-testid=card]").await?;
        let kept_bytes = std::fs::read(&made)?;
        std::fs::write(&made, "# changed after it was kept\n")?;
        let dropped = drag_out(&app, &target, "[data-testid=card] .card-meta").await?;
        ensure!(dropped != made, "a card drags its snapshot");
        ensure!(std::fs::read(&dropped)? == kept_bytes, "the kept bytes");

        // A files-panel row.
        app.click("[data-testid=files-toggle]").await?;
        app.wait_for_text("Made by the agent").await?;
        let rows = world.store().files().list(&FileQuery {
            direction: Some(Direction::Made),
            ..FileQuery::default()
        })?;
        ensure!(rows.len() == 1, "{rows:?}");
        let row = format!(
            "[data-testid=file-row][title=\"{}\"] .info",
            rows[0].path.display()
        );
        let dropped = drag_out(&app, &target, &row).await?;
        ensure!(
            std::fs::read(&dropped)? == std::fs::read(&made)?,
            "the panel's file"
        );
        // The window still answers the real pointer afterwards (the drag
        // let it go): a click on Files closes the panel.
        let (x, y) = screen_point(&app, "[data-testid=files-toggle]").await?;
        ensure!(
            xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "1"])?,
            "click"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        ensure!(
            app.client
                .find(fantoccini::Locator::Css("[data-testid=files-panel]"))
                .await
                .is_err(),
            "the panel closed"
        );
        Ok(())
    }
    .await;
    drop(target);
    app.close().await;
    result.unwrap();
}

/// A private session bus with dunst on it, recording each notification it
/// gets (app, summary, body) in a file; ended (both) when dropped.
struct Notifications {
    bus: Child,
    dunst: Child,
    address: String,
    received: PathBuf,
    _dir: tempfile::TempDir,
}

impl Notifications {
    fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let received = dir.path().join("received");
        let record = dir.path().join("record.sh");
        std::fs::write(
            &record,
            format!(
                "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$1\" \"$2\" \"$3\" >> '{}'\n",
                received.display()
            ),
        )?;
        std::fs::set_permissions(&record, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
        let config = dir.path().join("dunstrc");
        std::fs::write(
            &config,
            format!(
                "[global]\n    follow = none\n[urgency_low]\n    timeout = 0\n\
                 [urgency_normal]\n    timeout = 0\n[urgency_critical]\n    timeout = 0\n\
                 [record]\n    appname = \"*\"\n    script = {}\n",
                record.display()
            ),
        )?;
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!(
                "--address=unix:path={}",
                dir.path().join("bus").display()
            ))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("start dbus-daemon")?;
        let mut address = String::new();
        BufReader::new(bus.stdout.take().context("the bus's output")?).read_line(&mut address)?;
        let address = address.trim().to_owned();
        let dunst = Command::new("dunst")
            .arg("-config")
            .arg(&config)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let dunst = match dunst {
            Ok(dunst) => dunst,
            Err(e) => {
                bus.kill().ok();
                bus.wait().ok();
                bail!("start dunst: {e}");
            }
        };
        let this = Self {
            bus,
            dunst,
            address,
            received,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !this.dunstctl(&["count"])? {
            ensure!(Instant::now() < deadline, "dunst did not answer on the bus");
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(this)
    }

    fn dunstctl(&self, args: &[&str]) -> Result<bool> {
        Ok(Command::new("dunstctl")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?
            .success())
    }

    /// What dunst received so far, one `app|summary|body` line each.
    fn received(&self) -> Vec<String> {
        std::fs::read_to_string(&self.received)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Waits for the `n`th notification.
    async fn wait_for(&self, n: usize) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(line) = self.received().get(n - 1) {
                return Ok(line.clone());
            }
            ensure!(
                Instant::now() < deadline,
                "no notification {n}: {:?}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        for child in [&mut self.dunst, &mut self.bus] {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// Asks the shown session and waits for `reply` (the turn's end).
async fn ask_and_wait(app: &App, message: &str, reply: &str) -> Result<()> {
    let before = app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=reply]"))
        .await?
        .len();
    crate::layout::ask(app, message).await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let replies = app
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=reply]"))
            .await?;
        if replies.len() > before && replies.last().unwrap().text().await?.contains(reply) {
            return Ok(());
        }
        if Instant::now() > deadline {
            app.screenshot("desktop-no-reply").await?;
            bail!("no reply to {message} with {reply} ({before} replies before)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_hears_of_a_turn_in_the_background_and_its_notification_brings_the_session_back()
 {
    let world = World::new();
    let desktop = Notifications::start().expect("a notification server runs");
    let app = App::launch_with(&world, &[("DBUS_SESSION_BUS_ADDRESS", &desktop.address)])
        .await
        .expect("the app starts");
    let other = DropTarget::start().expect("another window opens");
    let result = async {
        let first = app.text("[data-testid=session-title]").await?;

        // In front: nothing is told.
        ensure!(
            xdotool(&["windowfocus", "--sync", &window_named("^Handoff$")?])?,
            "focus"
        );
        ask_and_wait(&app, "hello", "I got your message").await?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        ensure!(desktop.received().is_empty(), "{:?}", desktop.received());

        // In the background: the turn's end, by the session's name.
        other.focus()?;
        ask_and_wait(&app, "hello again", "I got your message").await?;
        let told = desktop.wait_for(1).await?;
        ensure!(
            told == format!("Handoff|{first}|The agent finished its turn."),
            "{told}"
        );

        // The agent asks while another session is on screen; activating
        // the notification brings the window and the asking session back.
        crate::layout::ask(&app, "ask permission to go on").await?;
        let told = desktop.wait_for(2).await?;
        ensure!(
            told == format!("Handoff|{first}|The agent asks: Go ahead with the demo request"),
            "{told}"
        );
        app.click("button[aria-label^='New session in']").await?;
        app.click(".profiles li button").await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.text("[data-testid=session-title]").await? == first {
            ensure!(Instant::now() < deadline, "the new session shows");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        other.focus()?;
        ensure!(desktop.dunstctl(&["action", "0"])?, "dunstctl action");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let title = app.text("[data-testid=session-title]").await?;
            let focused = app
                .client
                .execute("return document.hasFocus();", vec![])
                .await?;
            if title == first && focused == serde_json::json!(true) {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "shown {title}, focused {focused}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The question asked while another session showed is there to answer.
        let question = app.text("[aria-label='Permission request']").await?;
        ensure!(
            question.contains("Go ahead with the demo request"),
            "{question}"
        );
        app.screenshot("68-back-from-a-notification").await?;

        // Turned off: nothing more is told.
        world.store().settings().set("notify", "false")?;
        other.focus()?;
        app.click("[aria-label='Permission request'] button:not(.primary)")
            .await?;
        app.wait_for_text("Permission refused").await?;
        ask_and_wait(&app, "hello once more", "I got your message").await?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        ensure!(desktop.received().len() == 2, "{:?}", desktop.received());
        Ok(())
    }
    .await;
    drop(other);
    app.close().await;
    drop(desktop);
    result.unwrap();
}
