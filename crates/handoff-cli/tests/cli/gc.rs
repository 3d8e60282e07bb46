use std::fs;

use handoff_core::Destination;
use handoff_core::ingest::Origin;
use handoff_core::store::Direction;

use crate::context::{TestContext, new_file, p};

#[test]
fn gc_reconciles_and_expires() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"a");
    ctx.run(&["upload", p(&a)]).expect(0);
    // A temp upload whose time is up (the shortest expiry is a minute).
    let temp = ctx.root.join("tmp/agor-uploads/a.txt");
    fs::create_dir_all(temp.parent().unwrap()).unwrap();
    fs::write(&temp, b"a").unwrap();
    let mut expired = new_file(temp, Direction::ToAgent, Destination::Temp);
    expired.source = Origin::Cli;
    expired.expires_at = Some(1);
    ctx.record(expired);
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
