use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use crate::context::{TestContext, p};

#[test]
fn watch_reports_a_deleted_upload() {
    let ctx = TestContext::new();
    let a = ctx.source("a.txt", b"a");
    ctx.run(&["upload", p(&a)]).expect(0);
    let mut child = ctx
        .command(&["watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `watch` says which folders it watches once the watches are in place.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut ready = String::new();
    stderr.read_line(&mut ready).unwrap();
    assert!(ready.starts_with("watching "), "{ready}");

    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let file = ctx.uploads().join("a.txt");
    std::fs::remove_file(&file).unwrap();
    let line = rx.recv_timeout(Duration::from_secs(5));
    child.kill().unwrap();
    child.wait().unwrap();
    let event: serde_json::Value =
        serde_json::from_str(&line.expect("an event within 5 s")).unwrap();
    assert_eq!(event["type"], "statusChanged");
    assert_eq!(event["to"], "missing");
    assert_eq!(event["path"], p(&file));
}
