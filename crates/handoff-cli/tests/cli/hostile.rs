//! Uploads that must not leak, tear or flood: permissions kept, sources
//! that change while read, a folder far over the batch limit.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::agreement::files_under;
use crate::context::{TestContext, p};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A 0600 source stayed readable by other users once uploaded (always
/// 0644); and a temp folder of ours left at 0777 was used as it was. Now a
/// file keeps its source's bits, never wider than 0644 (0600 in temp), and
/// the temp folder is narrowed to 0700.
#[test]
fn uploads_are_never_more_readable_than_their_source() {
    let ctx = TestContext::new();
    let private = ctx.source("private.key", b"secret");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let script = ctx.source("run.sh", b"#!/bin/sh\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o775)).unwrap();
    ctx.run(&["upload", p(&private), p(&script)]).expect(0);
    assert_eq!(mode(&ctx.uploads().join("private.key")), 0o600);
    assert_eq!(
        mode(&ctx.uploads().join("run.sh")),
        0o644,
        "no execute, no group write"
    );

    let temp = ctx.root.join("tmp/agor-uploads");
    std::fs::create_dir_all(&temp).unwrap();
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o777)).unwrap();
    let shared = ctx.source("shared.txt", b"x");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
    ctx.run(&["upload", "--dest", "temp", p(&shared)]).expect(0);
    assert_eq!(mode(&temp), 0o700, "the temp folder is ours alone again");
    assert_eq!(mode(&temp.join("shared.txt")), 0o600);
}

/// A source appended to (or truncated) while it is copied was saved torn
/// without a word. Now it is refused, and nothing is left.
#[test]
fn a_source_that_changes_while_read_is_refused() {
    let ctx = TestContext::new();
    let src = ctx.source("growing.log", &vec![b'x'; 64 << 20]);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (src, stop) = (src.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut file = std::fs::OpenOptions::new().append(true).open(&src).unwrap();
            while !stop.load(Ordering::Relaxed) {
                file.write_all(b"more\n").unwrap();
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        })
    };
    let run = ctx.run(&["upload", "--max-file-size", "1GB", p(&src)]);
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr().contains("changed while it was being read"),
        "{}",
        run.stderr()
    );
    let left: Vec<_> = files_under(&ctx.uploads())
        .into_iter()
        .filter(|f| !f.ends_with(".gitignore"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A folder of 3,000 files with a limit of 10 copied 10 and printed an
/// error line for each of the other 2,990. Now it is checked before
/// anything is copied and said once.
#[test]
fn a_folder_over_the_batch_limit_is_refused_once_before_copying() {
    let ctx = TestContext::new();
    for i in 0..3000 {
        ctx.source(&format!("many/{i}.txt"), b"x");
    }
    let run = ctx.run(&["upload", p(&ctx.root.join("src/many"))]);
    assert_eq!(run.code(), 1);
    assert_eq!(run.stderr().lines().count(), 1, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("3000 files are over the 10-file limit for one upload; nothing was saved"),
        "{}",
        run.stderr()
    );
    assert!(files_under(&ctx.uploads()).is_empty(), "nothing copied");
}

/// Another user on the machine (`nobody`) tries to read what Handoff keeps:
/// a private upload, the database, a published snapshot. Needs root to act
/// as that user, as CI runs; says so when skipped.
#[test]
fn another_local_user_reads_nothing_private() {
    if !rustix::process::getuid().is_root() {
        eprintln!("skipped: acting as a second user needs root");
        return;
    }
    let ctx = TestContext::new();
    // Only Handoff's own modes stand in the way, not the test's temp folder.
    for dir in [&ctx.root, &ctx.worktree, &ctx.root.join("src")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let private = ctx.source("private.key", b"secret");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let public = ctx.source("public.txt", b"hello");
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o644)).unwrap();
    ctx.run(&["upload", p(&private), p(&public)]).expect(0);
    let as_nobody = |path: &std::path::Path| {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
            .arg(path)
            .output()
            .unwrap()
    };
    let control = as_nobody(&ctx.uploads().join("public.txt"));
    assert!(
        control.status.success(),
        "nobody reads a public upload: {control:?}"
    );
    for secret in [
        ctx.uploads().join("private.key"),
        ctx.root.join("data/handoff.db"),
    ] {
        let run = as_nobody(&secret);
        assert!(!run.status.success(), "nobody read {}", secret.display());
        assert!(run.stdout.is_empty());
    }
    let data = ctx.root.join("data");
    assert_eq!(mode(&data), 0o700, "the data folder is private");
    assert_eq!(
        mode(&data.join("handoff.db")),
        0o600,
        "the database is private"
    );
}

/// Unmounts a test file system however the test ends.
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// A worktree on a 20 MB file system and three 8 MiB files: what fits is
/// saved, the one that does not says why, and nothing half-written stays.
/// Needs root to mount; says so when skipped.
#[test]
fn a_full_disk_fails_the_file_that_does_not_fit_and_saves_the_rest() {
    let ctx = TestContext::new();
    let mounted = rustix::process::getuid().is_root()
        && std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=20m", "tmpfs"])
            .arg(&ctx.worktree)
            .status()
            .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: mounting a small file system needs root");
        return;
    }
    let _mount = Mount(ctx.worktree.clone());
    std::fs::create_dir(ctx.worktree.join(".git")).unwrap();
    let sources: Vec<_> = (0..3)
        .map(|i| ctx.source(&format!("part{i}.bin"), &vec![i as u8; 8 << 20]))
        .collect();
    let run = ctx.run(&["upload", p(&sources[0]), p(&sources[1]), p(&sources[2])]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("part2.bin: cannot save it: No space left on device"),
        "{}",
        run.stderr()
    );
    for i in 0..2 {
        let saved = std::fs::read(ctx.uploads().join(format!("part{i}.bin"))).unwrap();
        assert_eq!(saved, vec![i as u8; 8 << 20]);
    }
    crate::agreement::assert_records_match_disk(&ctx);
}

/// An uploads folder named after a folder of the person's own files (set
/// before Handoff knew the worktree) is refused at upload time: Handoff's
/// `.gitignore` of `*` would hide those files from git.
#[test]
fn uploads_never_take_over_a_folder_of_the_persons_files() {
    let ctx = TestContext::new();
    ctx.run(&["settings", "set", "uploads_folder", "docs"])
        .expect(0);
    std::fs::create_dir_all(ctx.worktree.join("docs")).unwrap();
    std::fs::write(ctx.worktree.join("docs/guide.md"), "# mine\n").unwrap();
    let src = ctx.source("shot.png", b"png");
    let run = ctx.run(&["upload", p(&src)]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("cannot hold uploads"),
        "{}",
        run.stderr()
    );
    assert!(!ctx.worktree.join("docs/.gitignore").exists());
    assert!(!ctx.worktree.join("docs/shot.png").exists());
}
