//! `make bench`, part six (B7): the desktop app's launch and weight, in the
//! release build, on the display `make bench` gives it (Xvfb).
//! - the first launch on a new data folder, and a later one: to the window
//!   shown, and to the page showing its session (its log's line);
//! - idle memory (PSS, after the first session shows and 3 s pass) of the
//!   app and its `WebKit` processes, against an empty Tauri 2 window on the
//!   same WebKitGTK (`src-tauri/examples/empty_window.rs`), as a ratio; the
//!   agent's helper processes are counted apart.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// Each bench uses a part of what the benches share.
#[allow(dead_code)]
mod common;

const RUNS: usize = 5;
const SHOWN: &str = "the page shows the session";
const WAIT: Duration = Duration::from_secs(30);
const IDLE: Duration = Duration::from_secs(3);

fn main() {
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release");
    let app = release.join("handoff-app");
    let empty = release.join("examples/empty_window");
    for program in [&app, &empty] {
        assert!(
            program.is_file(),
            "{} is missing: `make bench` builds it",
            program.display()
        );
    }
    if std::env::var_os("DISPLAY").is_none() {
        println!("B7 needs a display: `make bench` runs it under Xvfb");
        return;
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-launch");
    drop(std::fs::remove_dir_all(&work));

    println!("B7: the desktop app, release build ({RUNS} runs, medians)");
    let mut first = (Vec::new(), Vec::new());
    let mut later = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let home = work.join(format!("data-{run}"));
        for times in [&mut first, &mut later] {
            let launch = Launch::start(&app, &home);
            times.0.push(launch.window());
            times.1.push(launch.shown(&home));
        }
    }
    for (case, (window, shown)) in [("first launch", first), ("later launch", later)] {
        let window = middle(window);
        let shown = middle(shown);
        common::report("B7", &format!("{case}: to the window"), window, None, "-");
        let target = if case == "first launch" {
            "≤ 1 s"
        } else {
            "≤ 0.5 s"
        };
        common::report(
            "B7",
            &format!("{case}: to the session shown"),
            shown,
            None,
            target,
        );
    }

    let home = work.join("data-memory");
    let launch = Launch::start(&app, &home);
    launch.shown(&home);
    std::thread::sleep(IDLE);
    let ours = launch.memory();
    drop(launch);
    let launch = Launch::start(&empty, &work.join("data-empty"));
    launch.window();
    std::thread::sleep(IDLE);
    let baseline = launch.memory();
    drop(launch);
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "B7   idle memory: app {:.0} MiB + WebKit {:.0} MiB = {:.0} MiB; empty Tauri window {:.0} + {:.0} = {:.0} MiB; ratio {:.2}× (agent helpers {:.0} MiB more)",
        mib(ours.app),
        mib(ours.webkit),
        mib(ours.app + ours.webkit),
        mib(baseline.app),
        mib(baseline.webkit),
        mib(baseline.app + baseline.webkit),
        (ours.app + ours.webkit) as f64 / (baseline.app + baseline.webkit) as f64,
        mib(ours.helpers),
    );
}

fn middle(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A started program, in a process group of its own (ended when dropped).
struct Launch {
    child: Child,
    started: Instant,
}

impl Launch {
    fn start(program: &Path, home: &Path) -> Self {
        let started = Instant::now();
        let child = Command::new(program)
            .env("HANDOFF_HOME", home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        Self { child, started }
    }

    /// How long the program took to show a window.
    fn window(&self) -> Duration {
        let pid = self.child.id().to_string();
        loop {
            let found = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--pid", &pid])
                .output()
                .unwrap();
            if found.status.success() && !found.stdout.is_empty() {
                return self.started.elapsed();
            }
            assert!(self.started.elapsed() < WAIT, "no window within {WAIT:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How long the app took until its page showed a session: the first
    /// line saying so in the log since this launch.
    fn shown(&self, home: &Path) -> Duration {
        let log = home.join("handoff.log");
        let before = std::fs::read_to_string(&log).map_or(0, |t| t.matches(SHOWN).count());
        loop {
            let now = std::fs::read_to_string(&log).map_or(0, |t| t.matches(SHOWN).count());
            if now > before {
                return self.started.elapsed();
            }
            assert!(
                self.started.elapsed() < WAIT,
                "no session shown within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The proportional memory of the program and its descendants.
    fn memory(&self) -> Memory {
        let mut memory = Memory::default();
        for pid in tree(self.child.id()) {
            let Some(kib) = pss_kib(pid) else { continue };
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            let name = exe.file_name().unwrap_or_default().to_string_lossy();
            if pid == self.child.id() {
                memory.app += kib;
            } else if name.starts_with("WebKit") {
                memory.webkit += kib;
            } else {
                memory.helpers += kib;
            }
        }
        memory
    }
}

impl Drop for Launch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        Command::new("kill")
            .args(["-TERM", "--", &group])
            .status()
            .ok();
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status()
            .ok();
        self.child.wait().ok();
    }
}

/// Proportional set sizes in KiB, by kind of process.
#[derive(Default)]
struct Memory {
    app: u64,
    webkit: u64,
    helpers: u64,
}

/// `root` and every process below it.
fn tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The parent follows the command's closing parenthesis and state.
            let after = &stat[stat.rfind(')')? + 2..];
            let parent = after.split(' ').nth(1)?.parse().ok()?;
            Some((pid, parent))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    found
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup =
        std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/smaps_rollup"))).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
