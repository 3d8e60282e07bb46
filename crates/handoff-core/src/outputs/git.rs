//! What git says of a worktree: the files that differ from its last commit
//! (changed, added, deleted, untracked), each with its size and mtime so a
//! second look tells which of them a turn touched, and the lines an edit
//! added and removed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::store::LineCounts;

/// One path `git status` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// Its two status letters (`??` untracked, ` M` changed, `D ` deleted…).
    pub code: [u8; 2],
    /// Its size and mtime when it is on disk.
    pub stat: Option<(u64, i64)>,
}

impl Entry {
    /// Whether git does not know it (untracked, or added since the commit).
    pub fn is_new(&self) -> bool {
        self.code == *b"??" || self.code[0] == b'A'
    }
}

/// The paths `git status` lists, `/`-separated and relative to the
/// worktree; `None` when the folder is not in a git repository (or git is
/// not installed).
pub(super) type Status = BTreeMap<String, Entry>;

/// Where `folder` is in its repository (`sub/dir/`, empty at the top):
/// git names paths from the top. `None` outside a repository.
pub(super) fn prefix(folder: &Path) -> Option<String> {
    let out = git(folder, &["rev-parse", "--show-prefix"], &[])?;
    Some(
        String::from_utf8_lossy(&out)
            .trim_end_matches('\n')
            .to_owned(),
    )
}

/// The changes of `file` since the last commit (`git diff HEAD`), as a
/// unified diff; `None` when git has none to show (no repository, a file
/// git does not follow, no change).
pub(crate) fn changes(file: &Path) -> Option<String> {
    let folder = file.parent()?;
    let name = file.file_name()?.to_str()?;
    let out = git(
        folder,
        &["diff", "--no-color", "--no-ext-diff", "HEAD"],
        &[name],
    )?;
    let text = String::from_utf8(out).ok()?;
    (!text.is_empty()).then_some(text)
}

/// What `git -C folder ARGS -- PATHS` prints, when it succeeds. Paths are
/// taken as they are written (a file named `*.md` is not a pattern).
fn git(folder: &Path, args: &[&str], paths: &[&str]) -> Option<Vec<u8>> {
    let mut command = Command::new("git");
    command
        .arg("--literal-pathspecs")
        .arg("-C")
        .arg(folder)
        .args(args);
    if !paths.is_empty() {
        command.arg("--").args(paths);
    }
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output.status.success().then_some(output.stdout)
}

/// `git status` of `folder` (at `prefix` in its repository), leaving out
/// what `skip` says.
pub(super) fn status(folder: &Path, prefix: &str, skip: impl Fn(&str) -> bool) -> Option<Status> {
    let out = git(
        folder,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        ],
        &["."],
    )?;
    let mut entries = Status::new();
    for record in out.split(|&b| b == 0) {
        let (Some(&x), Some(&y), Some(b' ')) = (record.first(), record.get(1), record.get(2))
        else {
            continue;
        };
        let Some(path) = std::str::from_utf8(&record[3..])
            .ok()
            .and_then(|p| p.strip_prefix(prefix))
        else {
            continue;
        };
        if skip(path) {
            continue;
        }
        let stat = std::fs::symlink_metadata(folder.join(path))
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| (m.len(), crate::clock::mtime_ns(&m)));
        entries.insert(path.to_owned(), Entry { code: [x, y], stat });
    }
    Some(entries)
}

/// Lines added and removed in each of `paths` against the last commit (a
/// binary file has none).
pub(super) fn line_counts(
    folder: &Path,
    prefix: &str,
    paths: &[&str],
) -> BTreeMap<String, LineCounts> {
    if paths.is_empty() {
        return BTreeMap::new();
    }
    git(
        folder,
        &["diff", "--numstat", "-z", "--no-renames", "HEAD"],
        paths,
    )
    .map(|out| parse_numstat(&out, prefix))
    .unwrap_or_default()
}

/// What `git diff --numstat -z` printed, by path relative to the worktree
/// at `prefix` in its repository (a binary file has no counts).
pub(super) fn parse_numstat(out: &[u8], prefix: &str) -> BTreeMap<String, LineCounts> {
    let mut counts = BTreeMap::new();
    for record in out.split(|&b| b == 0) {
        let Ok(line) = std::str::from_utf8(record) else {
            continue;
        };
        let mut fields = line.splitn(3, '\t');
        let (Some(added), Some(removed), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if let (Ok(added), Ok(removed), Some(path)) =
            (added.parse(), removed.parse(), path.strip_prefix(prefix))
        {
            counts.insert(path.to_owned(), LineCounts { added, removed });
        }
    }
    counts
}

/// Which of `paths` git has committed (asked a thousand at a time, to
/// keep each command line short).
pub(super) fn tracked(folder: &Path, paths: &[&str]) -> BTreeSet<String> {
    paths
        .chunks(1000)
        .filter_map(|chunk| git(folder, &["ls-files", "-z"], chunk))
        .flat_map(|out| {
            out.split(|&b| b == 0)
                .filter_map(|p| std::str::from_utf8(p).ok())
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}
