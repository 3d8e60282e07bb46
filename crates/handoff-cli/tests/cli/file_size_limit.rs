//! Under a file-size limit (`ulimit -f`), a file over it is refused with a
//! message and the rest of the batch is saved: the kernel's SIGXFSZ does
//! not kill Handoff halfway through a write.

use std::process::Command;

use crate::context::{TestContext, p};

#[test]
fn a_file_over_ulimit_f_is_refused_and_the_rest_is_saved() {
    let ctx = TestContext::new();
    // The database exists before the limit applies.
    ctx.run(&["ls"]).expect(0);
    let small = ctx.source("small.txt", b"small\n");
    let big = ctx.source("big.bin", &vec![7; 1 << 20]);
    let small2 = ctx.source("small2.txt", b"small 2\n");

    // `ulimit -f` counts 512-byte blocks in POSIX sh: 200 is 100 KB.
    let base = ctx.command(&[]);
    let mut limited = Command::new("sh");
    limited
        .args(["-c", "ulimit -f 200 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_handoff"))
        .args(["upload", p(&small), p(&big), p(&small2)])
        .current_dir(&ctx.worktree);
    for (key, value) in base.get_envs() {
        if let Some(value) = value {
            limited.env(key, value);
        }
    }
    let out = limited.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: cannot save it: it is over this process's file-size limit (ulimit -f)",
            p(&big)
        )),
        "{stderr}"
    );

    let uploads = ctx.uploads();
    assert_eq!(
        std::fs::read(uploads.join("small.txt")).unwrap(),
        b"small\n"
    );
    assert_eq!(
        std::fs::read(uploads.join("small2.txt")).unwrap(),
        b"small 2\n"
    );
    assert!(!uploads.join("big.bin").exists());
    let left: Vec<_> = std::fs::read_dir(&uploads)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".handoff-"))
        .collect();
    assert!(left.is_empty(), "unfinished writes left: {left:?}");
    let ls = ctx.run(&["ls", "--json"]).json();
    let mut names: Vec<_> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["small.txt", "small2.txt"]);
}
