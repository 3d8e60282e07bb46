//! Attacks with races: a folder swapped for a symlink while uploads run,
//! the same name replaced from many processes, the same bytes sent again.

use std::ffi::OsStr;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rustix::fs::{Mode, OFlags, RenameFlags};

use crate::agreement::{assert_records_match_disk, files_under};
use crate::context::{TestContext, p};

/// Flips `.agor/uploads` with a symlink to an outside folder
/// (`renameat2(RENAME_EXCHANGE)` in a tight loop) while 40 uploads run.
/// Before the folder was held by handle, such a run put a whole upload, a
/// `.part` and a `.gitignore` outside, and recorded a path where nothing was.
/// Each upload either lands inside (and its record is true) or is refused.
#[test]
fn a_folder_flipped_to_a_symlink_never_receives_a_byte_outside() {
    let ctx = TestContext::new();
    let outside = ctx.root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(ctx.uploads()).unwrap();
    std::fs::write(ctx.uploads().join(".gitignore"), "*\n").unwrap();
    std::os::unix::fs::symlink(&outside, ctx.worktree.join(".agor/flip")).unwrap();
    let agor: Arc<OwnedFd> = Arc::new(
        rustix::fs::open(
            ctx.worktree.join(".agor"),
            OFlags::DIRECTORY | OFlags::RDONLY,
            Mode::empty(),
        )
        .unwrap(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let flips = Arc::new(AtomicUsize::new(0));
    let flipper = {
        let (agor, stop, flips) = (Arc::clone(&agor), Arc::clone(&stop), Arc::clone(&flips));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                rustix::fs::renameat_with(&*agor, "uploads", &*agor, "flip", RenameFlags::EXCHANGE)
                    .unwrap();
                flips.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let (mut saved, mut refused) = (0, 0);
    for i in 0..40 {
        let src = ctx.source(&format!("u{i}.bin"), &vec![i as u8; 200 << 10]);
        let run = ctx.run(&["upload", p(&src)]);
        if run.code() == 0 {
            saved += 1;
        } else {
            let err = run.stderr();
            assert!(
                err.contains("refusing to write there") || err.contains("moved or replaced"),
                "refused for the right reason: {err}"
            );
            refused += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    // Put the real folder back under its name.
    if std::fs::symlink_metadata(ctx.uploads())
        .unwrap()
        .is_symlink()
    {
        rustix::fs::renameat_with(&*agor, "uploads", &*agor, "flip", RenameFlags::EXCHANGE)
            .unwrap();
    }
    let leaked = files_under(&outside);
    assert!(
        leaked.is_empty(),
        "written outside the worktree: {leaked:?}"
    );
    assert_records_match_disk(&ctx);
    eprintln!(
        "{} flips during 40 uploads: {saved} saved inside, {refused} refused",
        flips.load(Ordering::Relaxed)
    );
}

/// Eight processes replace one name at once, ten rounds. Before, 5–6
/// records were `present` for one path, once with a hash the file did not
/// have. Exactly one live record per path, holding the file's bytes.
#[test]
fn concurrent_replaces_leave_exactly_one_live_record() {
    let ctx = TestContext::new();
    ctx.run(&["ls"]).expect(0);
    for round in 0..10 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                let src = ctx.source(
                    &format!("r{round}-{i}/report.txt"),
                    format!("{round}-{i}").as_bytes(),
                );
                ctx.command(&["upload", "--on-conflict", "replace", p(&src)])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert_eq!(
        assert_records_match_disk(&ctx),
        2,
        "report.txt and the .gitignore"
    );
    let ls = ctx
        .run(&["ls", "--json", "--status", "present"])
        .expect(0)
        .json();
    assert_eq!(ls.as_array().unwrap().len(), 1, "{ls:#}");
}

/// The same bytes sent again after a keep-both clash reuse the copy that
/// holds them (`a b (1).png`), instead of making a third.
#[test]
fn the_same_bytes_after_a_clash_are_not_saved_a_third_time() {
    let ctx = TestContext::new();
    let first = ctx.source("one/a b.png", b"first");
    let second = ctx.source("two/a b.png", b"second");
    for src in [&first, &second, &second, &first] {
        ctx.run(&["upload", p(src)]).expect(0);
    }
    let mut names: Vec<_> = std::fs::read_dir(ctx.uploads())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            OsStr::new(".gitignore"),
            OsStr::new("a b (1).png"),
            OsStr::new("a b.png")
        ]
    );
    assert_records_match_disk(&ctx);
}
