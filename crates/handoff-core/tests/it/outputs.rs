//! A turn's outputs on a real folder with real file-system events, attacked
//! from the agent's side: links out of the worktree, a folder swapped for a
//! link, reads that change nothing.

use std::os::unix::fs::symlink;

use handoff_core::outputs::TurnWatch;
use handoff_core::store::Change;

fn listed(found: &handoff_core::outputs::Found) -> Vec<(String, Change)> {
    found
        .files
        .iter()
        .map(|o| (o.rel.clone(), o.change))
        .collect()
}

/// Makes `dir` a git repository with everything in it committed.
fn commit_all(dir: &std::path::Path) {
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "start"],
    ] {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-C"])
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }
}

#[test]
fn nothing_is_followed_out_of_the_worktree() {
    let dir = tempfile::tempdir().unwrap();
    let worktree = dir.path().join("worktree");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(worktree.join("src")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "not yours").unwrap();
    std::fs::write(worktree.join("src/kept.txt"), "kept").unwrap();

    let watch = TurnWatch::start(&worktree, &[], ".agor/uploads");
    // What an agent's commands may do during its turn: link a folder out,
    // link a file out, swap a folder for a link, and make one real file.
    symlink(&outside, worktree.join("out")).unwrap();
    symlink(outside.join("secret.txt"), worktree.join("notes.txt")).unwrap();
    std::fs::rename(worktree.join("src"), dir.path().join("moved")).unwrap();
    symlink(&outside, worktree.join("src")).unwrap();
    std::fs::write(worktree.join("report.md"), "# made\n").unwrap();
    std::fs::read(worktree.join("report.md")).unwrap();
    let found = watch.finish(&[]);

    assert_eq!(listed(&found), [("report.md".to_owned(), Change::New)]);
    let facts = found.files[0].facts.as_ref().unwrap();
    assert_eq!(facts.size, 7);
}

#[test]
fn a_file_only_read_during_the_turn_is_no_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("read-me.md"), "# read\n").unwrap();
    let watch = TurnWatch::start(dir.path(), &[], ".agor/uploads");
    for _ in 0..3 {
        std::fs::read(dir.path().join("read-me.md")).unwrap();
    }
    assert!(listed(&watch.finish(&[])).is_empty());
}

#[test]
fn a_burst_in_a_noise_folder_is_never_walked_nor_listed() {
    let dir = tempfile::tempdir().unwrap();
    let noise = ["node_modules".to_owned()];
    let watch = TurnWatch::start(dir.path(), &noise, ".agor/uploads");
    let deep = dir.path().join("web/node_modules/pkg/lib");
    std::fs::create_dir_all(&deep).unwrap();
    for i in 0..2000 {
        std::fs::write(deep.join(format!("f{i}.js")), "x").unwrap();
    }
    std::fs::create_dir_all(dir.path().join(".agor/uploads")).unwrap();
    std::fs::write(dir.path().join(".agor/uploads/shot.png"), "png").unwrap();
    std::fs::write(dir.path().join("web/app.js"), "app").unwrap();
    assert_eq!(
        listed(&watch.finish(&[])),
        [("web/app.js".to_owned(), Change::New)]
    );
}

#[test]
fn a_worktree_below_the_top_of_its_repository_names_its_own_paths() {
    let dir = tempfile::tempdir().unwrap();
    let worktree = dir.path().join("sub");
    std::fs::create_dir_all(&worktree).unwrap();
    std::fs::write(worktree.join("app.ts"), "a\nb\n").unwrap();
    std::fs::write(dir.path().join("top.txt"), "top\n").unwrap();
    commit_all(dir.path());

    let watch = TurnWatch::start(&worktree, &[], ".agor/uploads");
    std::fs::write(worktree.join("app.ts"), "a\nb\nc\n").unwrap();
    std::fs::write(dir.path().join("top.txt"), "changed outside the worktree\n").unwrap();
    let found = watch.finish(&[]);
    assert_eq!(listed(&found), [("app.ts".to_owned(), Change::Changed)]);
    let lines = found.files[0].lines.unwrap();
    assert_eq!((lines.added, lines.removed), (1, 0));
}

#[test]
fn hostile_names_are_names_not_patterns() {
    let dir = tempfile::tempdir().unwrap();
    // Names that read as patterns (`[a].md` would name `a.md`) are taken
    // as written.
    std::fs::write(dir.path().join("[a].md"), "same\n").unwrap();
    commit_all(dir.path());

    let watch = TurnWatch::start(dir.path(), &[], ".agor/uploads");
    std::fs::write(dir.path().join("[a].md"), "same\n").unwrap();
    std::fs::write(dir.path().join("*.txt"), "new\n").unwrap();
    let found = watch.finish(&[]);
    assert_eq!(
        listed(&found),
        [("*.txt".to_owned(), Change::New)],
        "a committed file written again as it was is no output"
    );
}

/// A file's changes since the last commit read as git's diff, cut at a
/// line when long; a file git does not follow, or an unchanged one, has
/// none; a name that looks like a pattern is only itself.
#[test]
fn a_files_changes_are_gits_diff_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::write(repo.join("notes.md"), "one\ntwo\n").unwrap();
    std::fs::write(repo.join("*.md"), "star\n").unwrap();
    std::fs::write(repo.join("big.txt"), "x\n").unwrap();
    commit_all(repo);
    assert_eq!(handoff_core::outputs::changes(&repo.join("notes.md")), None);

    std::fs::write(repo.join("notes.md"), "one\n2\n").unwrap();
    let (diff, cut) = handoff_core::outputs::changes(&repo.join("notes.md")).unwrap();
    assert!(diff.contains("-two\n+2\n") && !cut, "{diff}");
    assert_eq!(handoff_core::outputs::changes(&repo.join("*.md")), None);

    std::fs::write(repo.join("new.md"), "new\n").unwrap();
    assert_eq!(handoff_core::outputs::changes(&repo.join("new.md")), None);

    let long = "a changed line of a long file\n".repeat(20_000);
    std::fs::write(repo.join("big.txt"), &long).unwrap();
    let (diff, cut) = handoff_core::outputs::changes(&repo.join("big.txt")).unwrap();
    assert!(cut && diff.len() <= handoff_core::outputs::MOST_CHANGES_BYTES && diff.ends_with('\n'));
}
