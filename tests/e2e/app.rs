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

/// A running app and its driver.
pub struct App {
    driver: Child,
    pub client: Client,
}

static NEXT_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(4444);

impl App {
    /// Starts the app in `world` and waits for its first session to show.
    pub async fn launch(world: &World) -> Result<Self> {
        Self::launch_with(world, &[]).await
    }

    /// Starts the app in `world` with these environment variables too.
    pub async fn launch_with(world: &World, extra_env: &[(&str, &str)]) -> Result<Self> {
        let port = Self::ports();
        let driver = Command::new(tauri_driver())
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
            .stderr(Stdio::null())
            .spawn()
            .context("start tauri-driver (cargo install tauri-driver)")?;
        Self::connect(driver, port).await
    }

    /// The next free pair of ports (`tauri-driver`'s and `WebKitWebDriver`'s).
    pub fn ports() -> u16 {
        NEXT_PORT.fetch_add(2, std::sync::atomic::Ordering::Relaxed)
    }

    /// Connects to a `tauri-driver` started on `port` (it is stopped if
    /// that fails) and waits for the app's first session to show.
    pub async fn connect(mut driver: Child, port: u16) -> Result<Self> {
        let connected = async {
            let deadline = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if Instant::now() > deadline {
                    bail!("tauri-driver did not listen on {port}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let app = target_dir().join("debug/handoff-app");
            let caps = json!({ "browserName": "wry", "tauri:options": { "application": app } });
            Ok(ClientBuilder::native()
                .capabilities(caps.as_object().unwrap().clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await?)
        }
        .await;
        let client = match connected {
            Ok(client) => client,
            Err(e) => {
                let _ = Command::new("kill").arg(driver.id().to_string()).status();
                let _ = driver.wait();
                return Err(e);
            }
        };
        let app = Self { driver, client };
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

    pub async fn text(&self, css: &str) -> Result<String> {
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

    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    /// Simulates the window's drag-drop event (what Tauri emits for a real
    /// OS drop) with these paths.
    pub async fn drop_files(&self, paths: &[&Path]) -> Result<()> {
        let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        self.client
            .execute(
                "window.__TAURI__.event.emit('tauri://drag-drop', { paths: arguments[0], position: { x: 600, y: 700 } }); return true;",
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

    /// Ends the driver session (closing the app) and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        // SIGTERM lets tauri-driver stop WebKitWebDriver and the app.
        let _ = Command::new("kill")
            .arg(self.driver.id().to_string())
            .status();
        let _ = self.driver.wait();
    }
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
