//! A hostile remote machine: an agent there swaps files and folders for
//! symlinks as fast as it can while Handoff publishes, uploads and
//! deletes through a real `sshd` (see [`crate::sshd`]). What Handoff reads
//! or writes there is what it checked: no byte from outside the worktree
//! is published, no byte lands outside it, no file outside is touched.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use handoff_core::Home;
use handoff_core::publish::{PublishRequest, publish};

use crate::agreement::files_under;
use crate::context::{TestContext, p};
use crate::ssh_upload::{remote, run};
use crate::sshd::Sshd;

/// How long each race runs.
const RACE: Duration = Duration::from_secs(30);

/// A thread that runs `flip` until told to stop; counts its flips.
struct Flipper {
    stop: Arc<AtomicBool>,
    flips: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Flipper {
    fn start(mut flip: impl FnMut() + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flips = Arc::new(AtomicU64::new(0));
        let (s, f) = (Arc::clone(&stop), Arc::clone(&flips));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                flip();
                f.fetch_add(1, Ordering::Relaxed);
            }
        });
        Self {
            stop,
            flips,
            thread: Some(thread),
        }
    }

    /// Stops it; how many flips it made.
    fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        self.flips.load(Ordering::Relaxed)
    }
}

/// Swaps `at` (a real file or folder) with a symlink to `outside` and
/// back, once, each state held for 0–15 ms (`seed` varies it: some
/// requests see one state throughout, others a swap between two steps);
/// `at` is the real thing again afterwards.
fn swap_once(at: &Path, outside: &Path, seed: &mut u64) {
    let mut pause = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        std::thread::sleep(Duration::from_micros(*seed % 15_000));
    };
    let real = at.with_extension("real");
    let link = at.with_extension("link");
    drop(std::fs::remove_file(&link));
    symlink(outside, &link).unwrap();
    std::fs::rename(at, &real).unwrap();
    std::fs::rename(&link, at).unwrap();
    pause();
    std::fs::remove_file(at).unwrap();
    std::fs::rename(&real, at).unwrap();
    pause();
}

/// A session in the remote worktree, with the test's SSH config set.
fn remote_session(ctx: &TestContext, sshd: &Sshd) -> i64 {
    ctx.store()
        .settings()
        .set("ssh_config", p(&sshd.path("ssh_config")))
        .unwrap();
    run(ctx, sshd, &["session", "new", "--worktree", &remote(sshd)])
        .expect(0)
        .stdout()
        .trim()
        .parse()
        .unwrap()
}

/// Publishes `path` again and again for [`RACE`]; (published, refused),
/// and panics if a snapshot ever holds `secret`.
fn publish_while_raced(ctx: &TestContext, session: i64, path: &str, secret: &[u8]) -> (u32, u32) {
    let mut store = ctx.store();
    let home = Home::at(ctx.root.join("data"));
    let (mut published, mut refused) = (0, 0);
    let started = Instant::now();
    while started.elapsed() < RACE {
        let request = PublishRequest {
            session_id: session,
            path: PathBuf::from(path),
            display_name: None,
            description: None,
            max_size: 1 << 20,
        };
        match publish(&mut store, &home, &request, 0) {
            Ok(done) => {
                let bytes = std::fs::read(&done.record.path).unwrap();
                assert_ne!(bytes, secret, "a snapshot holds the secret from outside");
                assert_eq!(bytes, b"inside", "a snapshot holds what was inside");
                published += 1;
            }
            Err(_) => refused += 1,
        }
    }
    (published, refused)
}

/// The file being published is swapped for a symlink to a secret outside
/// the worktree, and then its folder for a symlink to a folder outside
/// holding a file of the same name, each for 30 s: every snapshot holds
/// the worktree's bytes; the secret is never read.
#[test]
fn a_publish_raced_by_symlink_swaps_never_reads_outside_the_worktree() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let session = remote_session(&ctx, &sshd);
    let secret = b"the secret outside the worktree";
    let outside = sshd.path("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("victim.txt"), secret).unwrap();

    let victim = sshd.worktree.join("victim.txt");
    std::fs::write(&victim, b"inside").unwrap();
    let file_swaps = {
        let (victim, target) = (victim.clone(), outside.join("victim.txt"));
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        Flipper::start(move || swap_once(&victim, &target, &mut seed))
    };
    let (published, refused) = publish_while_raced(&ctx, session, "victim.txt", secret);
    let flips = file_swaps.stop();
    eprintln!("file swapped {flips} times: {published} published, {refused} refused");
    assert!(published > 0 && refused > 0, "the race was run");

    let folder = sshd.worktree.join("dir");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("victim.txt"), b"inside").unwrap();
    let folder_swaps = {
        let (folder, outside) = (folder.clone(), outside.clone());
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        Flipper::start(move || swap_once(&folder, &outside, &mut seed))
    };
    let (published, refused) = publish_while_raced(&ctx, session, "dir/victim.txt", secret);
    let flips = folder_swaps.stop();
    eprintln!("folder swapped {flips} times: {published} published, {refused} refused");
    assert!(published > 0 && refused > 0, "the race was run");
}

/// Uploads again and again for [`RACE`] with `policy` while `flipper`
/// runs; how many runs saved every file.
fn upload_while_raced(ctx: &TestContext, sshd: &Sshd, policy: &str, flipper: Flipper) -> u32 {
    let spec = remote(sshd);
    let sources: Vec<PathBuf> = (0..5)
        .map(|i| ctx.source(&format!("f{i}.txt"), &vec![b'u'; 10_000 + i]))
        .collect();
    let mut args = vec![
        "upload",
        "--worktree",
        spec.as_str(),
        "--on-conflict",
        policy,
    ];
    args.extend(sources.iter().map(|s| p(s)));
    let started = Instant::now();
    let (mut runs, mut saved) = (0, 0);
    while started.elapsed() < RACE {
        // Refused or not, each run says so; what counts is where bytes land.
        if run(ctx, sshd, &args).code() == 0 {
            saved += 1;
        }
        runs += 1;
    }
    let flips = flipper.stop();
    eprintln!("{policy}: {runs} uploads of 5 files ({saved} saved them all), {flips} flips");
    saved
}

/// Files outside the worktree, named as the uploads are: they must be
/// there afterwards, untouched, and nothing else may join them.
fn decoys(outside: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::create_dir_all(outside.join("uploads")).unwrap();
    (0..5)
        .map(|i| {
            let path = outside.join(format!("uploads/f{i}.txt"));
            let bytes = format!("decoy {i}").into_bytes();
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes)
        })
        .collect()
}

fn assert_outside_untouched(outside: &Path, decoys: &[(PathBuf, Vec<u8>)]) {
    for (path, bytes) in decoys {
        let now = std::fs::read(path).expect("an outside file was deleted");
        assert!(
            &now == bytes,
            "{} outside was overwritten ({} bytes now)",
            path.display(),
            now.len()
        );
    }
    let mut found = files_under(outside);
    found.sort();
    let mut expected: Vec<PathBuf> = decoys.iter().map(|(p, _)| p.clone()).collect();
    expected.sort();
    assert_eq!(found, expected, "nothing lands outside the worktree");
}

/// Every record that says its file is present there has those bytes there.
fn assert_records_true(ctx: &TestContext, sshd: &Sshd) {
    let listed = run(ctx, sshd, &["ls", "--worktree", &remote(sshd), "--json"])
        .expect(0)
        .json();
    for file in listed.as_array().unwrap() {
        if file["status"] == "present" {
            let path = PathBuf::from(file["path"].as_str().unwrap());
            let bytes = std::fs::read(&path).expect("a present record's file is there");
            assert_eq!(bytes.len() as u64, file["size"].as_u64().unwrap());
        }
    }
}

/// The uploads folder is flipped to a symlink to a folder outside while
/// uploads keep both (30 s), then `.agor` while uploads replace (30 s):
/// no byte lands outside, no outside file is overwritten or deleted, and
/// every record that says present is true.
#[test]
fn uploads_raced_by_folder_flips_never_write_outside_the_worktree() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let outside = sshd.path("outside");
    let spec = remote(&sshd);
    let first = ctx.source("first.txt", b"first");
    run(&ctx, &sshd, &["upload", "--worktree", &spec, p(&first)]).expect(0);
    let decoys = decoys(&outside);

    let uploads = sshd.worktree.join(".agor/uploads");
    let flipper = {
        let (at, to) = (uploads.clone(), outside.join("uploads"));
        let mut seed = 0x1234_5678_9abc_def1_u64;
        Flipper::start(move || swap_once(&at, &to, &mut seed))
    };
    let saved = upload_while_raced(&ctx, &sshd, "keep-both", flipper);
    assert!(saved > 0, "the race was run");
    assert_outside_untouched(&outside, &decoys);
    assert_records_true(&ctx, &sshd);

    let agor = sshd.worktree.join(".agor");
    let flipper = {
        let (at, to) = (agor.clone(), outside.clone());
        let mut seed = 0x0fed_cba9_8765_4321_u64;
        Flipper::start(move || swap_once(&at, &to, &mut seed))
    };
    let saved = upload_while_raced(&ctx, &sshd, "replace", flipper);
    assert!(saved > 0, "the race was run");
    assert_outside_untouched(&outside, &decoys);
    assert_records_true(&ctx, &sshd);
}
