//! A real S3-compatible server for tests and benchmarks: Garage, one node
//! on 127.0.0.1 and free ports, its data in a folder of its own, with a
//! bucket and a key made for each run (`make test` installs `garage`).

use std::fmt::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A Garage server of this test's own.
pub struct Garage {
    dir: TempDir,
    child: Child,
    admin: u16,
    /// The S3 endpoint (`http://127.0.0.1:<port>`).
    pub endpoint: String,
    /// The bucket made for the test.
    pub bucket: String,
    /// Its access key id.
    pub key_id: String,
    /// The key's secret.
    pub secret: String,
}

/// The region Garage answers for.
pub const REGION: &str = "garage";

/// The `garage` program: on the `PATH`, else where `cargo install` puts it.
pub fn program() -> PathBuf {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin/garage"));
    cargo_bin
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("garage"))
}

impl Garage {
    pub fn start() -> Self {
        let dir = tempfile::Builder::new().prefix("garage").tempdir().unwrap();
        let d = dir.path();
        let (rpc, s3, admin) = (free_port(), free_port(), free_port());
        let mut secret = [0_u8; 32];
        rustix::rand::getrandom(&mut secret, rustix::rand::GetRandomFlags::empty()).unwrap();
        let secret = secret.iter().fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        });
        let config = d.join("garage.toml");
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{d}/meta\"\ndata_dir = \"{d}/data\"\ndb_engine = \"sqlite\"\n\
                 replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_public_addr = \"127.0.0.1:{rpc}\"\nrpc_secret = \"{secret}\"\n\
                 [s3_api]\ns3_region = \"{REGION}\"\napi_bind_addr = \"127.0.0.1:{s3}\"\n\
                 root_domain = \".s3.garage.localhost\"\n[admin]\napi_bind_addr = \"127.0.0.1:{admin}\"\n",
                d = d.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        let child = Command::new(program())
            .process_group(0)
            .arg("-c")
            .arg(&config)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("garage.log")).unwrap())
            .spawn()
            .expect("garage starts (make test installs it)");
        let mut garage = Self {
            dir,
            child,
            admin,
            endpoint: format!("http://127.0.0.1:{s3}"),
            bucket: "handoff-shares".to_owned(),
            key_id: String::new(),
            secret: String::new(),
        };
        garage.set_up();
        garage
    }

    /// One node, its layout applied, a bucket and a key allowed on it. Each
    /// step waits for what it needs: `node id` only reads a file, so the
    /// node's RPC is awaited (`status` answers) before the layout is set,
    /// and the cluster's health before the bucket is made.
    fn set_up(&mut self) {
        self.wait_until("its RPC answers", || self.cli(&["status"]).status.success());
        let id = self.ok(&["node", "id", "-q"]);
        let id = id.trim().split('@').next().unwrap().to_owned();
        self.ok(&["layout", "assign", "-z", "dc1", "-c", "1G", &id]);
        self.ok(&["layout", "apply", "--version", "1"]);
        self.wait_until("it says it is healthy", || {
            http_status(self.admin, "/health") == Some(200)
        });
        let bucket = self.bucket.clone();
        self.ok(&["bucket", "create", &bucket]);
        let key = self.ok(&["key", "create", "handoff-test"]);
        let field = |name: &str| {
            key.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map_or_else(|| panic!("no {name} in {key}"), |v| v.trim().to_owned())
        };
        self.key_id = field("Key ID:");
        self.secret = field("Secret key:");
        self.ok(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            &bucket,
            "--key",
            "handoff-test",
        ]);
    }

    /// Polls `ready` every 50 ms for up to 30 s.
    fn wait_until(&self, what: &str, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready() {
            assert!(
                Instant::now() < deadline,
                "garage started, but not until {what}: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `garage` against this server.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(program())
            .arg("-c")
            .arg(self.dir.path().join("garage.toml"))
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "garage {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The keys of the multipart uploads in progress in the bucket, as a
    /// real `ListMultipartUploads` request (signed by curl) lists them.
    pub fn multipart_uploads(&self) -> Vec<String> {
        elements(&self.bucket_get("uploads="), "Upload", "Key")
    }

    /// The keys of the objects in the bucket (`ListObjectsV2`).
    pub fn objects(&self) -> Vec<String> {
        elements(&self.bucket_get("list-type=2"), "Contents", "Key")
    }

    /// A `GET` of the bucket with `query`, signed with the test's key by
    /// curl (not by the code under test); the answer's body.
    fn bucket_get(&self, query: &str) -> String {
        let out = Command::new("curl")
            .args(["-s", "-S", "-w", "\n%{http_code}", "-H"])
            // The SHA-256 of the empty body (S3 wants it said).
            .arg("x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            .arg("--aws-sigv4")
            .arg(format!("aws:amz:{REGION}:s3"))
            .arg("--user")
            .arg(format!("{}:{}", self.key_id, self.secret))
            .arg(format!("{}/{}?{query}", self.endpoint, self.bucket))
            .output()
            .expect("curl runs");
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, status) = text.rsplit_once('\n').unwrap_or_default();
        assert!(
            out.status.success() && status == "200",
            "GET ?{query}: {status} {body} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        body.to_owned()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("garage.log")).unwrap_or_default()
    }

    /// Stops the server (its data stays).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The text of each `<field>` inside each `<entry>` of an S3 listing.
fn elements(xml: &str, entry: &str, field: &str) -> Vec<String> {
    let (open, close) = (format!("<{entry}>"), format!("</{entry}>"));
    let (start, end) = (format!("<{field}>"), format!("</{field}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| {
            let body = rest.split(&close).next()?;
            let value = body.split(&start).nth(1)?.split(&end).next()?;
            Some(value.to_owned())
        })
        .collect()
}

/// The status of a plain `GET path` on 127.0.0.1:`port`, if anything
/// answers there.
fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// `curl` of `url`: the status, the headers (lowercased names) and the body.
pub fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (headers, body) = (dir.path().join("headers"), dir.path().join("body"));
    let out = Command::new("curl")
        .args(["-s", "-g", "-o"])
        .arg(&body)
        .arg("-D")
        .arg(&headers)
        .args(["-w", "%{http_code}", "--"])
        .arg(url)
        .output()
        .expect("curl runs");
    let status = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    (
        status,
        std::fs::read_to_string(&headers)
            .unwrap_or_default()
            .to_ascii_lowercase(),
        std::fs::read(&body).unwrap_or_default(),
    )
}

/// `%XX` escapes in a link's parts decoded.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
