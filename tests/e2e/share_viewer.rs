//! Share links in a real browser (headless Chromium through `chromedriver`)
//! against a real S3-compatible server (Garage): a plain link saves the
//! same bytes; an encrypted link opens the viewer page, which decrypts in
//! the browser, shows the picture, saves the same bytes and asks nothing of
//! any server but the bucket's; a tampered fragment says the link is
//! damaged and shows nothing; a revoked link says so.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::app::target_dir;

use crate::garage;

/// `handoff` with its own data folder, sharing to `garage`.
struct Handoff {
    dir: tempfile::TempDir,
}

impl Handoff {
    fn new(garage: &garage::Garage) -> Self {
        let handoff = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        for (key, value) in [
            ("share_endpoint", garage.endpoint.as_str()),
            ("share_region", garage::REGION),
            ("share_bucket", garage.bucket.as_str()),
        ] {
            handoff.run(&["settings", "set", key, value], None);
        }
        handoff.run(
            &["share", "key", "--id", &garage.key_id],
            Some(&format!("{}\n", garage.secret)),
        );
        handoff
    }

    fn run(&self, args: &[&str], input: Option<&str>) -> String {
        let mut child = Command::new(target_dir().join("debug/handoff"))
            .args(args)
            .env("HANDOFF_HOME", self.dir.path().join("data"))
            .env("HANDOFF_NO_KEYRING", "1")
            .env("TMPDIR", self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = input {
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "handoff {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Uploads `bytes` as `name` and shares it; the share.
    fn share(&self, name: &str, bytes: &[u8], how: &str) -> Value {
        let src = self.dir.path().join(name);
        std::fs::write(&src, bytes).unwrap();
        let up: Value = serde_json::from_str(&self.run(
            &["upload", "--dest", "temp", "--json", src.to_str().unwrap()],
            None,
        ))
        .unwrap();
        let id = up["files"][0]["file"]["id"].to_string();
        serde_json::from_str(&self.run(&["share", "--json", how, &id], None)).unwrap()
    }
}

/// Headless Chromium through its own `chromedriver`, downloading into `downloads`.
struct Browser {
    driver: Child,
    client: Client,
    downloads: PathBuf,
}

impl Browser {
    async fn start(downloads: &Path) -> Result<Self> {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
            .local_addr()?
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("chromedriver starts (make test installs chromium-driver)")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not listen");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=900,700"],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                    "plugins.always_open_pdf_externally": true,
                },
            }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        Ok(Self {
            driver,
            client,
            downloads: downloads.to_owned(),
        })
    }

    /// Waits for a finished download named `name`; its bytes.
    async fn downloaded(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.downloads.join(name);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let busy = std::fs::read_dir(&self.downloads)?
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
            if path.is_file() && !busy {
                return Ok(std::fs::read(&path)?);
            }
            if Instant::now() > deadline {
                bail!("{name} was not downloaded");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the viewer page has shown the file or failed; its state
    /// and what it says.
    async fn settled(&self) -> Result<(String, String)> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let body = self.client.find(Locator::Css("body")).await?;
            let state = body.attr("data-state").await?.unwrap_or_default();
            if state != "working" {
                let status = self
                    .client
                    .find(Locator::Id("status"))
                    .await?
                    .text()
                    .await?;
                return Ok((state, status));
            }
            if Instant::now() > deadline {
                bail!("the viewer page never finished");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) -> Result<()> {
        let dir = target_dir().join("e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join(format!("{name}.png")),
            self.client.screenshot().await?,
        )?;
        Ok(())
    }

    async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(&self.driver),
            rustix::process::Signal::KILL,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A 200×120 PNG with a marker in a text chunk.
fn picture() -> Vec<u8> {
    let mut png = crate::flows::png();
    png.extend_from_slice(b"HANDOFF-VIEWER-MARKER");
    png
}

#[tokio::test(flavor = "multi_thread")]
async fn share_links_open_in_a_real_browser() {
    let garage = garage::Garage::start();
    let handoff = Handoff::new(&garage);
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(downloads.path())
        .await
        .expect("chromium starts");
    let result = async {
        // A plain link: the browser saves the very bytes.
        let pdf = b"%PDF-1.4\n% shared as it is\n%%EOF\n".repeat(300);
        let plain = handoff.share("plain report.pdf", &pdf, "--plain");
        browser.client.goto(plain["url"].as_str().unwrap()).await?;
        ensure!(browser.downloaded("plain report.pdf").await? == pdf, "plain bytes differ");

        // An encrypted link: decrypted in the page, shown, saved whole.
        let png = picture();
        let sealed = handoff.share("secret shot.png", &png, "--encrypt");
        let url = sealed["url"].as_str().unwrap().to_owned();
        browser.client.goto(&url).await?;
        let (state, status) = browser.settled().await?;
        ensure!(state == "shown", "{state}: {status}");
        browser.client.find(Locator::Css("#view img")).await?;
        browser.screenshot("50-share-viewer").await?;
        let requests = browser
            .client
            .execute(
                "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]",
                vec![],
            )
            .await?;
        let bucket = format!("{}/{}/", garage.endpoint, garage.bucket);
        for asked in requests.as_array().context("no request list")? {
            let asked = asked.as_str().unwrap_or_default();
            ensure!(asked.starts_with(&bucket), "a request outside the bucket: {asked}");
        }
        browser.client.find(Locator::Id("save")).await?.click().await?;
        ensure!(browser.downloaded("secret shot.png").await? == png, "decrypted bytes differ");

        // A tampered key: damaged, nothing shown.
        let (page, fragment) = url.split_once("#k=AGE-SECRET-KEY-1").context("no key")?;
        let flipped = if fragment.starts_with('Q') { 'P' } else { 'Q' };
        browser
            .client
            .goto(&format!("{page}#k=AGE-SECRET-KEY-1{flipped}{}", &fragment[1..]))
            .await?;
        browser.client.refresh().await?;
        let (state, status) = browser.settled().await?;
        ensure!(state == "failed" && status.contains("damaged"), "{state}: {status}");
        ensure!(
            browser.client.find_all(Locator::Css("#view *")).await?.is_empty(),
            "nothing shown"
        );
        browser.screenshot("51-share-viewer-damaged").await?;

        // Revoked: the page says so.
        handoff.run(&["share", "revoke", &sealed["id"].to_string()], None);
        browser.client.goto(&url).await?;
        browser.client.refresh().await?;
        let (state, status) = browser.settled().await?;
        ensure!(state == "failed" && status.contains("revoked"), "{state}: {status}");
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.unwrap();
}
