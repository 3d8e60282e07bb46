//! Settings that would make Handoff unsafe are refused, with a reason, and
//! change nothing.

use crate::context::TestContext;

/// Each refused `settings set KEY VALUE`, with words its error must hold.
/// Before these rules, 15 of the 29 were accepted: every `.git` one, `src`,
/// `a//b`, `in/`, `a\b`, the escape sequence, `published`, and expiries of
/// 0 s, 59 s, a year and a second, and 2^64 - 1 s (which wrapped to "expired
/// at once").
const REFUSED: &[(&str, &str, &str)] = &[
    ("uploads_folder", ".git", "inside .git"),
    ("uploads_folder", ".git/hooks", "inside .git"),
    ("uploads_folder", "vendor/.git/x", "inside .git"),
    ("uploads_folder", ".GIT", "inside .git"),
    ("uploads_folder", ".git.", "inside .git"),
    (
        "uploads_folder",
        "src",
        "already holds files Handoff did not put there",
    ),
    ("uploads_folder", "/tmp/uploads", "not absolute"),
    ("uploads_folder", "../escape", "`..`"),
    ("uploads_folder", "a/../../b", "`..`"),
    ("uploads_folder", "", "must not be empty"),
    ("uploads_folder", ".", "`.`"),
    ("uploads_folder", "./in", "`.`"),
    ("uploads_folder", "a//b", "empty parts"),
    ("uploads_folder", "in/", "empty parts"),
    ("uploads_folder", "a\\b", "not \\"),
    ("uploads_folder", "in\u{1b}[2J", "control characters"),
    ("default_destination", "published", "what agents hand back"),
    (
        "default_destination",
        "moon",
        "Where uploads go cannot be “moon”",
    ),
    (
        "max_batch_files",
        "",
        "The most files per upload cannot be empty",
    ),
    ("temp_expiry_secs", "0", "from 60"),
    ("temp_expiry_secs", "59", "from 60"),
    ("temp_expiry_secs", "31536001", "a year"),
    ("temp_expiry_secs", "18446744073709551615", "a year"),
    ("temp_expiry_secs", "99999999999999999999999", "a year"),
    ("temp_expiry_secs", "-1", "a year"),
    ("max_batch_files", "0", "above 0"),
    ("max_batch_files", "-3", "above 0"),
    ("max_file_size", "0", "more than 0"),
    ("max_file_size", "0B", "more than 0"),
    ("max_file_size", "0.4", "more than 0"),
    ("max_agent_message", "100kB", "from 1 MB"),
    ("max_agent_message", "lots", "not a size"),
    ("enter_sends", "maybe", "true or false"),
    ("notify", "sometimes", "true or false"),
];

#[test]
fn unsafe_values_are_refused_with_a_reason_and_change_nothing() {
    let ctx = TestContext::new();
    std::fs::create_dir_all(ctx.worktree.join("src")).unwrap();
    std::fs::write(ctx.worktree.join("src/main.rs"), "fn main() {}\n").unwrap();
    let before = ctx.run(&["settings", "--json"]).expect(0).json();
    for (key, value, reason) in REFUSED {
        let run = ctx.run(&["settings", "set", key, value]);
        assert_eq!(
            run.code(),
            1,
            "{key} {value:?} is refused\nstdout: {}\nstderr: {}",
            run.stdout(),
            run.stderr()
        );
        assert!(
            run.stderr().contains(reason),
            "{key} {value:?} says why ({reason}): {}",
            run.stderr()
        );
        assert!(
            !run.stderr().contains('\u{1b}'),
            "the refused value is not echoed raw: {:?}",
            run.stderr()
        );
        assert_eq!(
            ctx.run(&["settings", "--json"]).expect(0).json(),
            before,
            "{key} {value:?} changed nothing"
        );
    }
    assert!(!ctx.worktree.join("src/.gitignore").exists());
    assert!(!ctx.worktree.join(".git/hooks").exists());
}

#[test]
fn new_empty_and_handoff_owned_folders_are_accepted() {
    let ctx = TestContext::new();
    let file = ctx.source("a.txt", b"a");
    ctx.run(&["upload", file.to_str().unwrap()]).expect(0);
    std::fs::create_dir_all(ctx.worktree.join("empty")).unwrap();
    for folder in ["docs/in", "empty", ".agor/uploads", ".github-uploads"] {
        ctx.run(&["settings", "set", "uploads_folder", folder])
            .expect(0);
    }
    for (key, value) in [
        ("temp_expiry_secs", "60"),
        ("temp_expiry_secs", "31536000"),
        ("default_destination", "temp"),
        ("max_batch_files", "1"),
        ("max_file_size", "1B"),
    ] {
        ctx.run(&["settings", "set", key, value]).expect(0);
        let got = ctx.run(&["settings", "get", key]).expect(0).stdout();
        assert_eq!(got.trim_end(), value.trim_end_matches('B'));
    }
}

/// Refusing the person's own folder holds for every worktree Handoff knows,
/// not only the one around the current folder.
#[test]
fn a_folder_in_another_known_worktree_is_refused_too() {
    let ctx = TestContext::new();
    let other = ctx.root.join("other");
    std::fs::create_dir_all(other.join("notes")).unwrap();
    std::fs::write(other.join("notes/todo.md"), "- ship\n").unwrap();
    let file = ctx.source("a.txt", b"a");
    ctx.run(&[
        "upload",
        "--worktree",
        other.to_str().unwrap(),
        file.to_str().unwrap(),
    ])
    .expect(0);
    let run = ctx
        .run(&["settings", "set", "uploads_folder", "notes"])
        .expect(1);
    assert!(run.stderr().contains("todo.md"), "{}", run.stderr());
    assert_eq!(
        ctx.run(&["settings", "get", "uploads_folder"])
            .expect(0)
            .stdout(),
        ".agor/uploads\n"
    );
}
