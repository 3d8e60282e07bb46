//! Starting the app through `tauri-driver` in a throwaway world, and the
//! browser-automation steps the flows share.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The workspace's target folder.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// A throwaway world for the app: data, home, temp and a worktree.
pub struct World {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl World {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for sub in ["data", "home", "tmp", "src"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        Self { _dir: dir, root }
    }

    pub fn source(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root.join("src").join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn store(&self) -> handoff_core::Store {
        handoff_core::Store::open(&self.root.join("data/handoff.db")).unwrap()
    }

    /// The sample worktree the app opens on first start.
    pub fn worktree(&self) -> PathBuf {
        self.root.join("data/sample-worktree")
    }
}

/// A running app and the `tauri-driver` that started it.
pub struct App {
    pub client: Client,
    /// Dropped last: ends the driver and everything it started.
    _driver: Driver,
}

/// A started `tauri-driver`, in a process group of its own with the
/// `WebKitWebDriver` and the app it starts. Dropping it (a test that ends,
/// fails or panics; a launch that fails) ends the whole group: SIGTERM,
/// then SIGKILL for what is left after a grace period.
pub struct Driver {
    child: Child,
}

/// How long the group may take to end after SIGTERM.
const GRACE: Duration = Duration::from_secs(3);
/// How long a driver may take to listen, and a session to start.
const CONNECT: Duration = Duration::from_secs(30);
const SESSION: Duration = Duration::from_secs(90);

impl Driver {
    /// Starts `command` (a `tauri-driver`) as the leader of a new process group.
    pub fn spawn(mut command: Command) -> Result<Self> {
        use std::os::unix::process::CommandExt;
        let child = command
            .process_group(0)
            .spawn()
            .context("start tauri-driver (cargo install tauri-driver)")?;
        Ok(Self { child })
    }

    fn signal_group(&self, signal: &str) -> bool {
        Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.signal_group("-TERM");
        let deadline = Instant::now() + GRACE;
        // Until the leader is reaped and no process of the group is left.
        let mut reaped = false;
        while Instant::now() < deadline {
            reaped = reaped || self.child.try_wait().ok().flatten().is_some();
            if reaped && !self.signal_group("-0") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.signal_group("-KILL");
        let _ = self.child.wait();
    }
}

static NEXT_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(4444);

impl App {
    /// Starts the app in `world` and waits for its first session to show.
    pub async fn launch(world: &World) -> Result<Self> {
        Self::launch_with(world, &[]).await
    }

    /// Starts the app in `world` with these environment variables too.
    pub async fn launch_with(world: &World, extra_env: &[(&str, &str)]) -> Result<Self> {
        Self::start(|port| {
            let mut driver = Command::new(tauri_driver());
            driver
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &(port + 1).to_string(),
                ])
                .env("HANDOFF_HOME", world.root.join("data"))
                .env("HOME", world.root.join("home"))
                .env("XDG_DATA_HOME", world.root.join("home/.local/share"))
                .env("TMPDIR", world.root.join("tmp"))
                .envs(extra_env.iter().copied())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            Driver::spawn(driver)
        })
        .await
    }

    /// Starts a driver with `spawn(port)` on free ports and connects to it;
    /// a session that fails to start is tried once more with a fresh
    /// driver on fresh ports (the first one ended).
    pub async fn start(spawn: impl Fn(u16) -> Result<Driver>) -> Result<Self> {
        let port = Self::ports();
        match Self::connect(spawn(port)?, port).await {
            Ok(app) => Ok(app),
            Err(first) => {
                eprintln!("the app did not start ({first:#}); trying once more");
                let port = Self::ports();
                Self::connect(spawn(port)?, port)
                    .await
                    .with_context(|| format!("the app did not start twice (first: {first:#})"))
            }
        }
    }

    /// The next pair of ports (`tauri-driver`'s and `WebKitWebDriver`'s)
    /// that are both free now.
    pub fn ports() -> u16 {
        loop {
            let port = NEXT_PORT.fetch_add(2, std::sync::atomic::Ordering::Relaxed);
            let free = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok();
            if free(port) && free(port + 1) {
                return port;
            }
        }
    }

    /// Connects to the driver listening on `port` and waits for the app's
    /// first session to show; on failure the driver (and all it started)
    /// is ended.
    async fn connect(driver: Driver, port: u16) -> Result<Self> {
        let deadline = Instant::now() + CONNECT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not listen on {port} within {CONNECT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let app = target_dir().join("debug/handoff-app");
        let caps = json!({ "browserName": "wry", "tauri:options": { "application": app } });
        let mut builder = ClientBuilder::native();
        builder.capabilities(caps.as_object().unwrap().clone());
        let url = format!("http://127.0.0.1:{port}");
        let client = tokio::time::timeout(SESSION, builder.connect(&url))
            .await
            .with_context(|| format!("no WebDriver session within {SESSION:?}"))??;
        let app = Self {
            client,
            _driver: driver,
        };
        if let Err(e) = app.wait_for(".app[data-ready=true]").await {
            app.close().await;
            return Err(e);
        }
        Ok(app)
    }

    /// Waits until `css` matches an element.
    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    /// Waits until the page's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, needle: &str) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text("body").await?;
            if text.contains(needle) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                bail!("{needle:?} never appeared; the page says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element matching `css`, once there is one.
    pub async fn text(&self, css: &str) -> Result<String> {
        // What the page shows after an async command may come a moment later.
        self.wait_for(css).await?;
        // textContent: WebDriver's visible text misses absolutely placed rows.
        let text = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                vec![json!(css)],
            )
            .await?;
        text.as_str()
            .map(str::to_owned)
            .with_context(|| format!("no element matches {css}"))
    }

    /// Waits until the upload dialog has closed.
    pub async fn dialog_closed(&self) -> Result<()> {
        self.wait_for(".app:not(:has([data-testid=upload-dialog]))")
            .await
            .map(drop)
    }

    /// Clicks the element matching `css`, found again if the page redrew it
    /// between finding and clicking.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.retry_redrawn(css, |element| async move { element.click().await })
            .await
    }

    /// Types `keys` into the element matching `css`, found again if the page
    /// redrew it between finding and typing.
    pub async fn type_into(&self, css: &str, keys: &str) -> Result<()> {
        self.retry_redrawn(css, |element| async move { element.send_keys(keys).await })
            .await
    }

    /// Runs `act` on the element matching `css`; a reference the page threw
    /// away by drawing again (a stale element) is looked up afresh.
    async fn retry_redrawn<F, Fut>(&self, css: &str, act: F) -> Result<()>
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
    {
        let mut attempts = 0;
        loop {
            let element = self.wait_for(css).await?;
            match act(element).await {
                Ok(()) => return Ok(()),
                Err(error) if attempts < 5 && is_stale(&error) => attempts += 1,
                Err(error) => return Err(error).with_context(|| format!("acting on {css}")),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Simulates the window's drag-drop event (what Tauri emits for a real
    /// OS drop) with these paths: only the e2e build lets the page emit it.
    pub async fn drop_files(&self, paths: &[&Path]) -> Result<()> {
        let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        self.client
            .execute(
                "window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event: 'tauri://drag-drop', payload: { paths: arguments[0], position: { x: 600, y: 700 } } }); return true;",
                vec![json!(paths)],
            )
            .await?;
        Ok(())
    }

    /// Saves a screenshot under `target/e2e-screenshots/NAME.png`, after
    /// two animation frames so it shows the current page.
    pub async fn screenshot(&self, name: &str) -> Result<()> {
        self.client
            .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", vec![])
            .await?;
        let png = self.client.screenshot().await?;
        let dir = target_dir().join("e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("{name}.png")), png)?;
        Ok(())
    }

    /// Ends the browser-automation session (closing the app), then the driver and
    /// whatever it left.
    pub async fn close(self) {
        let closing = self.client.clone().close();
        let _ = tokio::time::timeout(Duration::from_secs(10), closing).await;
    }
}

/// Whether `WebDriver` refused because the element is no longer in the page.
fn is_stale(error: &fantoccini::error::CmdError) -> bool {
    let text = error.to_string();
    text.contains("stale element") || text.contains("was not found")
}

pub fn tauri_driver() -> PathBuf {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin/tauri-driver"));
    cargo_bin
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}
