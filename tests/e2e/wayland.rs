//! The app on Wayland: a headless sway compositor, the app with
//! `GDK_BACKEND=wayland` and no X display, the clipboard owned by
//! `wl-copy`. A pasted picture arrives byte for byte and a copied file list
//! arrives as those files. (Drops are not driven here: no tool sends a
//! Wayland drag to another client headless.)
//!
//! Sway refuses to run as root, so as root (CI) the compositor, the driver
//! and the app run as the user `scripts/setup.sh` creates, in folders that
//! user owns; as anyone else they run as that person.

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};

use crate::app::{App, Driver, World, tauri_driver};
use crate::flows::png;

/// The user the set-up creates for running the compositor when root.
const USER: &str = "handoff-e2e";

/// Whether this process is root.
fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A process group started for the session, ended (TERM, then KILL) when
/// dropped.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let kill = |signal: &str| {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        kill("-TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if self.0.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        kill("-KILL");
        let _ = self.0.wait();
    }
}

/// A headless Wayland session: the compositor, and how to run programs in
/// it (as the session's user, with only the environment given).
struct Session {
    runtime: PathBuf,
    compositor: Option<Group>,
}

impl Session {
    fn start(world: &World) -> Result<Self> {
        let runtime = world.root.join("runtime");
        std::fs::create_dir_all(&runtime)?;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))?;
        std::fs::write(
            runtime.join("sway.cfg"),
            "output HEADLESS-1 resolution 1200x800\n",
        )?;
        // The driver from the cargo home, which another user may not reach.
        std::fs::copy(tauri_driver(), runtime.join("tauri-driver"))
            .context("tauri-driver is installed by scripts/setup.sh")?;
        if root() {
            let owned = Command::new("chown")
                .args(["-R", USER])
                .arg(&world.root)
                .status()?;
            ensure!(
                owned.success(),
                "no user {USER}: scripts/setup.sh creates it"
            );
        }
        let mut session = Self {
            runtime,
            compositor: None,
        };
        let sway = session
            .command(
                "sway",
                &[
                    ("WLR_BACKENDS", "headless"),
                    ("WLR_LIBINPUT_NO_DEVICES", "1"),
                    ("WLR_RENDERER", "pixman"),
                ],
            )
            .arg("-c")
            .arg(session.runtime.join("sway.cfg"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("sway (scripts/setup.sh installs it)")?;
        session.compositor = Some(Group(sway));
        let socket = session.runtime.join("wayland-1");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !socket.exists() {
            if Instant::now() > deadline {
                bail!("sway did not open {}", socket.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(session)
    }

    /// `program` in the session, in its own process group, with only
    /// `env` and the session's variables set.
    fn command(&self, program: &str, env: &[(&str, &str)]) -> Command {
        let mut cmd = if root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", USER, "--", "env"]);
            cmd
        } else {
            Command::new("env")
        };
        cmd.arg("-i")
            .arg("PATH=/usr/local/bin:/usr/bin:/bin")
            .arg(format!("XDG_RUNTIME_DIR={}", self.runtime.display()))
            .arg("WAYLAND_DISPLAY=wayland-1");
        for (key, value) in env {
            cmd.arg(format!("{key}={value}"));
        }
        cmd.arg(program).process_group(0);
        cmd
    }

    /// `wl-copy` owning the clipboard with `bytes` as `mime`, until dropped.
    fn copy(&self, mime: &str, bytes: &[u8]) -> Result<Group> {
        let mut child = self
            .command("wl-copy", &[])
            .args(["--foreground", "--type", mime])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), bytes)?;
        let group = Group(child);
        // Owned once wl-paste sees the offer.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let offered = self.command("wl-paste", &[]).arg("--list-types").output()?;
            if String::from_utf8_lossy(&offered.stdout).contains(mime) {
                return Ok(group);
            }
            ensure!(Instant::now() < deadline, "wl-copy never offered {mime}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The app, through tauri-driver, in this session.
    async fn launch(&self, world: &World) -> Result<App> {
        let path = |p: &Path| p.display().to_string();
        let env = [
            ("GDK_BACKEND", "wayland".to_owned()),
            ("HOME", path(&world.root.join("home"))),
            ("HANDOFF_HOME", path(&world.root.join("data"))),
            ("TMPDIR", path(&world.root.join("tmp"))),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        App::start(|port| {
            let mut driver = self.command(&path(&self.runtime.join("tauri-driver")), &env);
            driver
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &(port + 1).to_string(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            Driver::spawn(driver)
        })
        .await
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.compositor.take();
        if root() {
            // Whatever the session's user still runs belongs to this test.
            let _ = Command::new("pkill").args(["-KILL", "-u", USER]).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline
                && Command::new("pgrep")
                    .args(["-u", USER])
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Presses Ctrl+V in the prompt box (a `WebDriver` key action: the clipboard
/// read that follows is the real Wayland one).
async fn paste(app: &App) -> Result<()> {
    app.click("[data-testid=prompt-input]").await?;
    app.client
        .active_element()
        .await?
        .send_keys(&format!(
            "{}v{}",
            fantoccini::key::Key::Control,
            fantoccini::key::Key::Null
        ))
        .await?;
    app.wait_for("[data-testid=upload-dialog]").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn on_wayland_a_pasted_picture_and_copied_files_arrive_whole() {
    let world = World::new();
    let notes = world.source("notes.txt", b"copied on Wayland\n");
    let session = Session::start(&world).expect("a headless Wayland session");
    let app = session
        .launch(&world)
        .await
        .expect("the app starts on Wayland");
    let result: Result<()> = async {
        let backend = app
            .client
            .execute("return navigator.userAgent;", vec![])
            .await?;
        ensure!(backend.is_string(), "the page answers");

        let clipboard = session.copy("image/png", &png())?;
        paste(&app).await?;
        let name = app.text("[data-testid=item-name]").await?;
        ensure!(
            name.starts_with("pasted-screenshot-"),
            "the dialog offers {name:?}"
        );
        app.screenshot("36-wayland-paste").await?;
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        drop(clipboard);

        let list = format!("file://{}\r\n", notes.display());
        let clipboard = session.copy("text/uri-list", list.as_bytes())?;
        paste(&app).await?;
        let name = app.text("[data-testid=item-name]").await?;
        ensure!(name == "notes.txt", "the dialog offers {name:?}");
        app.click("[data-testid=notify]").await?;
        app.click("[data-testid=upload]").await?;
        app.dialog_closed().await?;
        drop(clipboard);
        Ok(())
    }
    .await;
    app.close().await;
    drop(session);
    result.unwrap();
    let uploads = world.root.join("data/sample-worktree/.agor/uploads");
    let pasted: Vec<_> = std::fs::read_dir(&uploads)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert_eq!(pasted.len(), 1);
    assert_eq!(std::fs::read(&pasted[0]).unwrap(), png(), "byte for byte");
    assert_eq!(
        std::fs::read(uploads.join("notes.txt")).unwrap(),
        b"copied on Wayland\n"
    );
}
