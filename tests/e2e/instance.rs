//! One app per data folder, with or without a session bus: a second launch
//! ("Open with Handoff" on a file) hands its files to the running app,
//! which offers them for upload, and exits; no second window, no second
//! writer on the database.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};

use crate::app::{App, World, target_dir};

/// A private D-Bus session bus, stopped when dropped.
struct SessionBus {
    daemon: Child,
    address: String,
}

impl SessionBus {
    fn start() -> Self {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (package dbus-daemon)");
        let mut address = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(daemon.stdout.take().unwrap()),
            &mut address,
        )
        .unwrap();
        Self {
            daemon,
            address: address.trim().to_owned(),
        }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// Launches the app again in `world` with `file` on its command line, as a
/// file manager does; it must hand over and exit on its own.
fn launch_again(world: &World, file: &Path, bus: Option<&str>) -> Result<()> {
    let mut second = Command::new(target_dir().join("debug/handoff-app"));
    second
        .arg(file)
        .env("HANDOFF_HOME", world.root.join("data"))
        .env("HOME", world.root.join("home"))
        .env("TMPDIR", world.root.join("tmp"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match bus {
        Some(address) => second.env("DBUS_SESSION_BUS_ADDRESS", address),
        None => second.env_remove("DBUS_SESSION_BUS_ADDRESS"),
    };
    let mut second = second.spawn()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = second.try_wait()? {
            ensure!(status.success(), "the second launch ended with {status}");
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            bail!("the second launch did not hand over and exit (a second app ran)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The running app offers `name` for upload, and uploads it.
async fn offered_and_uploaded(app: &App, name: &str) -> Result<()> {
    app.wait_for("[data-testid=upload-dialog]").await?;
    let item = app.text("[data-testid=item-name]").await?;
    ensure!(item == name, "the dialog offers {item:?}");
    app.click("[data-testid=upload]").await?;
    app.dialog_closed().await?;
    Ok(())
}

async fn second_launch_hands_over(bus: Option<SessionBus>) {
    let world = World::new();
    let report = world.source("report.pdf", b"%PDF-1.4\n% opened with Handoff\n");
    let address = bus.as_ref().map(|b| b.address.clone());
    let env: Vec<(&str, &str)> = address
        .as_deref()
        .map(|a| vec![("DBUS_SESSION_BUS_ADDRESS", a)])
        .unwrap_or_default();
    let app = App::launch_with(&world, &env)
        .await
        .expect("the app starts");
    let result = async {
        launch_again(&world, &report, address.as_deref())?;
        offered_and_uploaded(&app, "report.pdf").await?;
        app.screenshot(if address.is_some() {
            "30-open-with-bus"
        } else {
            "30-open-without-bus"
        })
        .await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    app.close().await;
    result.unwrap();
    let saved = world
        .root
        .join("data/sample-worktree/.agor/uploads/report.pdf");
    assert_eq!(
        std::fs::read(saved).unwrap(),
        std::fs::read(&report).unwrap()
    );
    drop(bus);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_hands_its_files_to_the_first_without_a_session_bus() {
    second_launch_hands_over(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_hands_its_files_to_the_first_with_a_session_bus() {
    second_launch_hands_over(Some(SessionBus::start())).await;
}
