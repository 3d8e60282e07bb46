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
