//! A writer killed mid-copy leaves no partial file under a real name.

use std::fs::{self, File};
use std::time::{Duration, Instant};

use crate::context::{TestContext, p};

#[test]
fn a_killed_upload_leaves_only_a_temp_file_that_the_next_gc_removes() {
    let ctx = TestContext::new();
    let src = ctx.root.join("src/huge.bin");
    // Sparse: instant to create, slow enough to copy.
    File::create(&src).unwrap().set_len(4 << 30).unwrap();
    let mut child = ctx
        .command(&["upload", "--max-file-size", "8GB", p(&src)])
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(20);
    let temp = loop {
        let found = fs::read_dir(ctx.uploads()).ok().and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".handoff-")
                    && fs::metadata(p).is_ok_and(|m| m.len() > 0)
            })
        });
        if let Some(path) = found {
            break path;
        }
        assert!(Instant::now() < deadline, "the copy started");
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(
        !ctx.uploads().join("huge.bin").exists(),
        "no partial file under the real name"
    );
    assert!(temp.exists(), "the unfinished write is a hidden temp file");
    let ls = ctx.run(&["ls", "--json"]).json();
    assert_eq!(ls.as_array().unwrap().len(), 0, "nothing was recorded");

    // The temp file names its writer, which is gone: removed at once.
    let run = ctx.run(&["gc"]).expect(0);
    assert!(
        run.stdout().contains("removed unfinished write"),
        "{}",
        run.stdout()
    );
    assert!(!temp.exists());
}
