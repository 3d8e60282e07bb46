use std::fs;

use crate::context::{TestContext, p};

#[test]
fn gc_reconciles_and_expires() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"a");
    ctx.run(&["upload", p(&a)]).expect(0);
    ctx.run(&["settings", "set", "temp_expiry_secs", "0"])
        .expect(0);
    ctx.run(&["upload", "--dest", "temp", p(&a)]).expect(0);
    fs::remove_file(ctx.uploads().join("a.txt")).unwrap();
    fs::write(ctx.uploads().join("stray.txt"), b"?").unwrap();

    let json = ctx.run(&["gc", "--json"]).expect(0).json();
    assert_eq!(json["changed"][0]["to"], "missing");
    assert_eq!(
        json["expired"][0],
        p(&ctx.root.join("tmp/agor-uploads/a.txt"))
    );
    assert_eq!(json["untracked"][0], p(&ctx.uploads().join("stray.txt")));
    assert!(!ctx.root.join("tmp/agor-uploads/a.txt").exists());

    let text = ctx.run(&["gc"]).expect(0);
    assert_eq!(
        ctx.redact(&text.stdout()),
        "untracked  [ROOT]/worktree/.agor/uploads/stray.txt\n"
    );
}
