use std::fs;

use crate::context::{TestContext, p};

#[test]
fn prints_each_saved_path_then_the_message() {
    let ctx = TestContext::new();
    let a = ctx.source("shot 1.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let b = ctx.source("log.txt", b"line\n");
    let run = ctx.run(&["upload", p(&a), p(&b)]).expect(0);
    assert_eq!(
        ctx.redact(&run.stdout()),
        "[ROOT]/worktree/.agor/uploads/shot 1.png\n\
         [ROOT]/worktree/.agor/uploads/log.txt\n\
         Please review .agor/uploads/shot 1.png, .agor/uploads/log.txt\n"
    );
    assert_eq!(fs::read(ctx.uploads().join("log.txt")).unwrap(), b"line\n");
    assert_eq!(
        fs::read_to_string(ctx.uploads().join(".gitignore")).unwrap(),
        "*\n"
    );
}

#[test]
fn a_too_large_file_is_named_with_the_reason_and_the_rest_is_saved() {
    let ctx = TestContext::new();
    let big = ctx.source("report.pdf", &vec![0; 73_200_000]);
    let small = ctx.source("ok.txt", b"ok");
    let run = ctx.run(&["upload", p(&big), p(&small)]).expect(1);
    assert_eq!(
        ctx.redact(&run.stderr()),
        "[ROOT]/src/report.pdf: 73.2 MB is over the 50 MB limit (set --max-file-size or the max_file_size setting)\n"
    );
    assert!(ctx.uploads().join("ok.txt").is_file());
    assert!(!ctx.uploads().join("report.pdf").exists());
    // The flag raises the limit for one run.
    ctx.run(&["upload", "--max-file-size", "100MB", p(&big)])
        .expect(0);
}

#[test]
fn destinations_and_message_placeholders() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"a");
    let run = ctx
        .run(&[
            "upload",
            "--dest",
            "temp",
            "--message",
            "see {filename} in {dir} {unknown}",
            p(&a),
        ])
        .expect(0);
    assert_eq!(
        ctx.redact(&run.stdout()),
        "[ROOT]/tmp/agor-uploads/a.txt\nsee a.txt in [ROOT]/tmp/agor-uploads {unknown}\n"
    );
    let run = ctx.run(&["upload", "--dest", "global", p(&a)]).expect(0);
    assert_eq!(
        ctx.redact(&run.stdout()),
        "[ROOT]/home/.agor/uploads/a.txt\nPlease review [ROOT]/home/.agor/uploads/a.txt\n"
    );
}

#[test]
fn clash_policies() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"one");
    ctx.run(&["upload", p(&a)]).expect(0);
    fs::write(&a, b"two").unwrap();
    let run = ctx.run(&["upload", p(&a)]).expect(0);
    assert!(
        run.stdout()
            .starts_with(&format!("{}\n", p(&ctx.uploads().join("a (1).txt"))))
    );
    fs::write(&a, b"three").unwrap();
    ctx.run(&["upload", "--on-conflict", "replace", p(&a)])
        .expect(0);
    assert_eq!(fs::read(ctx.uploads().join("a.txt")).unwrap(), b"three");
    let run = ctx.run(&["upload", p(&a)]).expect(0);
    assert!(
        run.stderr().contains("already there with the same bytes"),
        "{}",
        run.stderr()
    );
}

#[test]
fn json_output_has_a_result_per_file() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"a");
    let missing = ctx.root.join("src/nope.txt");
    let json = ctx
        .run(&["upload", "--json", p(&a), p(&missing)])
        .expect(1)
        .json();
    assert_eq!(json["files"][0]["file"]["filename"], "a.txt");
    assert_eq!(
        json["files"][0]["file"]["sha256"],
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    );
    assert_eq!(json["files"][1]["error"]["kind"], "notFound");
    assert_eq!(json["files"][1]["error"]["message"], "does not exist");
    assert_eq!(json["message"], "Please review .agor/uploads/a.txt");
}

#[test]
fn usage_errors_exit_2() {
    let ctx = TestContext::new();
    assert_eq!(ctx.run(&["upload"]).code(), 2);
    assert_eq!(ctx.run(&["upload", "--dest", "moon", "x"]).code(), 2);
    assert_eq!(ctx.run(&["frobnicate"]).code(), 2);
}

#[test]
fn settings_are_validated_and_used() {
    let ctx = TestContext::new();
    let run = ctx
        .run(&["settings", "set", "max_file_size", "lots"])
        .expect(1);
    assert!(
        run.stderr().contains("The largest file cannot be “lots”"),
        "{}",
        run.stderr()
    );
    ctx.run(&["settings", "set", "max_file_size", "1kB"])
        .expect(0);
    ctx.run(&["settings", "set", "uploads_folder", "shared/in"])
        .expect(0);
    assert_eq!(
        ctx.run(&["settings", "get", "max_file_size"])
            .expect(0)
            .stdout(),
        "1000\n"
    );
    let big = ctx.source("big.bin", &[1; 2000]);
    let small = ctx.source("small.bin", &[1; 20]);
    let run = ctx.run(&["upload", p(&big), p(&small)]).expect(1);
    assert!(
        run.stderr().contains("2 kB is over the 1 kB limit"),
        "{}",
        run.stderr()
    );
    assert!(ctx.worktree.join("shared/in/small.bin").is_file());
}
