//! One agent's world: its own data folder, HOME, TMPDIR and a git worktree
//! in a temp folder, a mock model, and the real `handoff` binary. Every
//! process whose environment names the world is killed when it is dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use handoff_mock_model::MockModel;
use tempfile::TempDir;

/// The longest any one `handoff` command may take before the test kills it.
const COMMAND_DEADLINE: Duration = Duration::from_secs(240);

pub struct World {
    pub root: PathBuf,
    pub worktree: PathBuf,
    pub home: PathBuf,
    pub mock: MockModel,
    _dir: TempDir,
}

/// What one `handoff` command did.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// From the start to the end.
    pub wall: Duration,
    /// From the start to the first byte on stdout (the agent's first chunk).
    pub first_chunk: Option<Duration>,
    /// From the start to the agent being ready (`→ NAME` on stderr).
    pub agent_ready: Option<Duration>,
    /// The permission options chosen, by name.
    pub answered: Vec<String>,
    /// Peak resident memory of the largest process Handoff waited for, in
    /// KiB, when `/usr/bin/time` is there to say.
    pub peak_kib: Option<u64>,
    /// The peak resident memory of every process of the world summed, in
    /// KiB, taken when the agent asked for permission (mid-turn).
    pub tree_peak_kib: Option<u64>,
}

impl Outcome {
    pub fn expect_ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "{self:#?}");
        self
    }
}

/// An agent's program (see `handoff_mock_model::agents`): in
/// `$HANDOFF_INTEROP_AGENTS` when set (another checkout's install), else
/// where `scripts/setup.sh` installs them.
pub fn agent_bin(program: &str) -> PathBuf {
    let bin = handoff_mock_model::agents::program_path(
        program,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/agents/node_modules"),
    );
    assert!(
        bin.exists(),
        "{} is missing: run scripts/setup.sh (or make test), which installs the agents, \
         or point HANDOFF_INTEROP_AGENTS at an installed tests/agents/node_modules",
        bin.display()
    );
    bin.canonicalize().unwrap()
}

impl World {
    pub fn new(mock: MockModel) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("handoff-interop-")
            .tempdir()
            .unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for sub in ["data", "home", "tmp", "src", "worktree/.git"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        Self {
            worktree: root.join("worktree"),
            home: root.join("home"),
            root,
            mock,
            _dir: dir,
        }
    }

    /// Writes a file under the world's root.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_handoff"));
        cmd.args(args)
            .current_dir(&self.worktree)
            .env("HANDOFF_HOME", self.root.join("data"))
            .env("HOME", &self.home)
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("TMPDIR", self.root.join("tmp"));
        cmd
    }

    /// `handoff ARGS` under `/usr/bin/time` when it is there, which writes
    /// the peak memory to `rss_file`.
    fn timed(&self, args: &[&str], rss_file: &Path) -> Command {
        let time = Path::new("/usr/bin/time");
        let inner = self.command(args);
        if !time.exists() {
            return inner;
        }
        let mut cmd = Command::new(time);
        cmd.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(rss_file)
            .arg(inner.get_program())
            .args(inner.get_args())
            .current_dir(&self.worktree);
        for (k, v) in inner.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        cmd
    }

    /// Runs `handoff ARGS` to its end, answering any permission request
    /// with the first option that allows.
    pub fn handoff(&self, args: &[&str]) -> Outcome {
        self.handoff_as(args, Person::Allows)
    }

    /// Runs `handoff ARGS` to its end, answering permission requests as
    /// `person` does.
    pub fn handoff_as(&self, args: &[&str], person: Person) -> Outcome {
        let rss_file = self.root.join("tmp/peak-rss");
        let mut cmd = self.timed(args, &rss_file);
        let start = Instant::now();
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = Killer(child);
        let mut stdin = child.0.stdin.take();
        let stdout = child.0.stdout.take().unwrap();
        let stderr = child.0.stderr.take().unwrap();

        let (err_reader, incoming) = read_lines(stderr);
        let out_reader = read_stdout(stdout, start);

        let mut stderr_text = String::new();
        let mut answered = Vec::new();
        let mut asking = false;
        let mut agent_ready = None;
        let mut tree_peak_kib = None;
        loop {
            let left = COMMAND_DEADLINE.saturating_sub(start.elapsed());
            match incoming.recv_timeout(left) {
                Ok(line) => {
                    stderr_text.push_str(&line);
                    stderr_text.push('\n');
                    if agent_ready.is_none() && line.starts_with("→ ") {
                        agent_ready = Some(start.elapsed());
                    }
                    if line.starts_with("The agent asks:") {
                        asking = true;
                        tree_peak_kib = Some(self.peak_memory_kib());
                    } else if asking && let Some((n, name)) = person.choice(&line) {
                        asking = false;
                        answered.push(name);
                        if let Some(stdin) = stdin.as_mut() {
                            let _ = writeln!(stdin, "{n}");
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.0.kill();
                    panic!(
                        "handoff {args:?} still ran after {COMMAND_DEADLINE:?}; stderr:\n{stderr_text}"
                    );
                }
            }
        }
        drop(stdin);
        let status = child.0.wait().unwrap();
        let wall = start.elapsed();
        let _ = err_reader.join();
        let (stdout, first_chunk) = out_reader.join().unwrap();
        let peak_kib = std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
        let _ = std::fs::remove_file(&rss_file);
        Outcome {
            code: status.code(),
            stdout,
            stderr: stderr_text,
            wall,
            first_chunk,
            agent_ready,
            answered,
            tree_peak_kib,
            peak_kib,
        }
    }

    /// Runs `handoff ARGS` until the agent's reply begins on stdout, then
    /// presses Ctrl-C (SIGINT) as a person would, and waits for the end.
    /// Also says how long Handoff took to end after the signal.
    pub fn interrupt_at_first_chunk(&self, args: &[&str]) -> (Outcome, Duration) {
        let start = Instant::now();
        let child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = Killer(child);
        let (err_reader, incoming) = read_lines(child.0.stderr.take().unwrap());
        let (first_tx, first_rx) = mpsc::channel();
        let out_reader = read_stdout_noting(child.0.stdout.take().unwrap(), start, first_tx);
        if first_rx.recv_timeout(COMMAND_DEADLINE).is_err() {
            let _ = child.0.kill();
            let seen: Vec<String> = incoming.try_iter().collect();
            panic!("handoff {args:?} never began a reply:\n{}", seen.join("\n"));
        }
        let pid = rustix::process::Pid::from_raw(child.0.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
        let signalled = Instant::now();
        let deadline = Instant::now() + COMMAND_DEADLINE;
        let status = loop {
            if let Some(status) = child.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "handoff {args:?} did not end after Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let ended_after = signalled.elapsed();
        let _ = err_reader.join();
        let stderr: Vec<String> = incoming.try_iter().collect();
        let (stdout, first_chunk) = out_reader.join().unwrap();
        let outcome = Outcome {
            code: status.code(),
            stdout,
            stderr: stderr.join("\n"),
            wall: start.elapsed(),
            first_chunk,
            agent_ready: None,
            answered: Vec::new(),
            peak_kib: None,
            tree_peak_kib: None,
        };
        (outcome, ended_after)
    }

    /// Runs `handoff ARGS` in its own process group, as a terminal runs a
    /// command, until a line of its output contains `until`; then presses
    /// Ctrl-C (SIGINT to the group) and returns everything it wrote.
    pub fn interrupt_when(&self, args: &[&str], until: &str) -> String {
        use std::os::unix::process::CommandExt as _;
        let child = self
            .command(args)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = Killer(child);
        let (out_reader, out) = read_lines(child.0.stdout.take().unwrap());
        let (err_reader, err) = read_lines(child.0.stderr.take().unwrap());
        let (lines, incoming) = mpsc::channel();
        let forward = |from: mpsc::Receiver<String>| {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in from {
                    let _ = lines.send(line);
                }
            })
        };
        let forwarders = [forward(out), forward(err)];
        drop(lines);
        let start = Instant::now();
        let mut seen = String::new();
        loop {
            let left = COMMAND_DEADLINE.saturating_sub(start.elapsed());
            match incoming.recv_timeout(left) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                    if line.contains(until) {
                        break;
                    }
                }
                Err(e) => panic!("handoff {args:?} never wrote {until:?} ({e}):\n{seen}"),
            }
        }
        let group = rustix::process::Pid::from_raw(child.0.id() as i32).unwrap();
        rustix::process::kill_process_group(group, rustix::process::Signal::INT).unwrap();
        drop(child.0.stdin.take());
        child.0.wait().unwrap();
        let _ = (out_reader.join(), err_reader.join());
        for forwarder in forwarders {
            let _ = forwarder.join();
        }
        seen.extend(incoming.try_iter().map(|l| l + "\n"));
        seen
    }

    /// Runs `handoff ARGS` until the agent asks for permission, then kills
    /// Handoff outright (SIGKILL), as a crash or the OOM killer would.
    pub fn kill_at_permission(&self, args: &[&str]) {
        let child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = Killer(child);
        let (reader, incoming) = read_lines(child.0.stderr.take().unwrap());
        let start = Instant::now();
        let mut seen = String::new();
        loop {
            let left = COMMAND_DEADLINE.saturating_sub(start.elapsed());
            match incoming.recv_timeout(left) {
                Ok(line) if line.starts_with("The agent asks:") => break,
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                }
                Err(e) => panic!("handoff {args:?} never asked for permission ({e}):\n{seen}"),
            }
        }
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        drop(incoming);
        let _ = reader.join();
    }

    /// The ids of live processes whose command line or environment names
    /// this world (the agents get its HOME and TMPDIR).
    pub fn processes(&self) -> Vec<i32> {
        let marker = self.root.to_string_lossy().into_owned();
        let me = std::process::id() as i32;
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            if pid == me {
                continue;
            }
            let names_world = ["cmdline", "environ"].iter().any(|f| {
                std::fs::read(entry.path().join(f))
                    .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(&marker))
            });
            // A zombie waiting for its parent is gone already.
            let zombie = std::fs::read_to_string(entry.path().join("stat")).is_ok_and(|s| {
                s.rsplit_once(") ")
                    .is_some_and(|(_, rest)| rest.starts_with('Z'))
            });
            if names_world && !zombie {
                found.push(pid);
            }
        }
        found
    }

    /// The peak resident memory (`VmHWM`) of this world's processes, summed.
    fn peak_memory_kib(&self) -> u64 {
        self.processes()
            .iter()
            .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
            .filter_map(|status| {
                let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .sum()
    }

    /// Asserts that no process of this world is left, waiting a while for
    /// ones that are ending.
    pub fn assert_no_processes(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = self.processes();
            if left.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                let described: Vec<String> = left
                    .iter()
                    .map(|pid| {
                        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                        format!(
                            "{pid}: {}",
                            String::from_utf8_lossy(&cmd).replace('\0', " ")
                        )
                    })
                    .collect();
                panic!("agent processes left behind:\n{}", described.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for pid in self.processes() {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
    }
}

/// Reads lines on a thread, handing each over as it comes.
fn read_lines(
    from: impl Read + Send + 'static,
) -> (std::thread::JoinHandle<()>, mpsc::Receiver<String>) {
    let (lines, incoming) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (reader, incoming)
}

/// Reads all of stdout on a thread, noting when the first visible byte came.
fn read_stdout(
    stdout: impl Read + Send + 'static,
    start: Instant,
) -> std::thread::JoinHandle<(String, Option<Duration>)> {
    read_stdout_noting(stdout, start, mpsc::channel().0)
}

/// Reads all of stdout on a thread, noting when the first visible byte came
/// and saying so on `first` at once.
fn read_stdout_noting(
    mut stdout: impl Read + Send + 'static,
    start: Instant,
    first_seen: mpsc::Sender<()>,
) -> std::thread::JoinHandle<(String, Option<Duration>)> {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut first = None;
        let mut buf = [0u8; 4096];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if first.is_none() && buf[..n].iter().any(|b| !b.is_ascii_whitespace()) {
                        first = Some(start.elapsed());
                        let _ = first_seen.send(());
                    }
                    all.extend_from_slice(&buf[..n]);
                }
            }
        }
        (String::from_utf8_lossy(&all).into_owned(), first)
    })
}

/// A child killed when dropped, so a failing test leaves nothing running.
struct Killer(Child);

impl Drop for Killer {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// How the person answers the agent's permission requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Person {
    /// Picks the first option that allows.
    Allows,
    /// Picks the first option that refuses.
    Refuses,
}

impl Person {
    /// `  2) Allow once` → `(2, "Allow once")` when the person picks it.
    fn choice(self, line: &str) -> Option<(usize, String)> {
        let (n, name) = line.trim_start().split_once(") ")?;
        let n: usize = n.parse().ok()?;
        let lower = name.to_lowercase();
        let allows = ["allow", "yes", "approve", "proceed"]
            .iter()
            .any(|w| lower.contains(w));
        let refuses = [
            "reject", "deny", "don't", "do not", "no,", "decline", "cancel",
        ]
        .iter()
        .any(|w| lower.contains(w))
            || lower == "no";
        let picked = match self {
            Self::Allows => allows && !refuses,
            Self::Refuses => refuses && !allows,
        };
        picked.then(|| (n, name.to_owned()))
    }
}
