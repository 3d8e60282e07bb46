//! A failure leaves one line in the data folder's `handoff.log`, written
//! at the edge that reports it (the CLI's main, the publish server), with
//! the use case it happened in.

use crate::context::TestContext;

impl TestContext {
    /// The lines of the data folder's log that contain `needle`.
    pub fn log_lines(&self, needle: &str) -> Vec<String> {
        std::fs::read_to_string(self.root.join("data/handoff.log"))
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn a_failed_command_leaves_one_log_line_naming_the_command() {
    let ctx = TestContext::new();
    let run = ctx.run(&["rm", "424242"]);
    assert_eq!(run.0.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.0.stderr);
    assert_eq!(
        stderr.lines().count(),
        1,
        "the person sees the error once and no log: {stderr}"
    );
    let lines = ctx.log_lines("424242");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains(" WARN "), "{}", lines[0]);
    assert!(lines[0].contains("command{name=rm}"), "{}", lines[0]);
    assert!(
        lines[0].contains(stderr.trim().trim_start_matches("424242: ")),
        "the log says what the person was told: {} / {stderr}",
        lines[0]
    );
}

#[test]
fn a_failed_command_is_logged_once_with_what_it_printed() {
    let ctx = TestContext::new();
    let run = ctx.run(&["session", "new", "--agent", "No such agent"]);
    assert_eq!(run.0.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.0.stderr);
    let told = stderr.trim().trim_start_matches("handoff: ");
    let lines = ctx.log_lines(told);
    assert_eq!(lines.len(), 1, "{told}: {lines:#?}");
    assert!(lines[0].contains("command{name=session}"), "{}", lines[0]);
}

#[test]
fn a_command_that_succeeds_logs_no_failure() {
    let ctx = TestContext::new();
    let source = ctx.source("notes.txt", b"notes");
    ctx.run(&["upload", source.to_str().unwrap()]).expect(0);
    assert_eq!(ctx.log_lines(" WARN "), Vec::<String>::new());
    assert_eq!(ctx.log_lines(" ERROR "), Vec::<String>::new());
}
