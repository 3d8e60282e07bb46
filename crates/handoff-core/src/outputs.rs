//! What an agent made in its worktree during a turn, found without the
//! agent's help: the file-system events under the whole worktree while the
//! turn runs ([`watch`]), `git status` before and after it for what events
//! missed ([`git`]), and the edits the agent described over ACP (a tool
//! call's diff, for the lines it added and removed). `.git`, the noise
//! folders of the settings (`node_modules`, `target`, …) and Handoff's own
//! uploads folders are never looked at; one turn lists at most
//! [`MAX_LISTED`] files and counts the rest by folder. Each file made or
//! changed is recorded (direction `made`, with its SHA-256, size and type)
//! and the turn's list becomes one line of the conversation.

mod git;
mod over_ssh;
mod watch;

pub use over_ssh::{RemoteTurn, changes_there};

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::clock::Timestamp;
use crate::size::ByteSize;
use crate::store::{
    Change, Direction, FileStatus, LineCounts, Made, MadeFile, Message, MessageData, MessageKind,
    MoreIn, NewFile, NewMessage, Role, Session, StatusChange, Store, StoreError,
};
use crate::words::{Destination, Origin, TEMP_PREFIX};

/// The most files one turn lists; the rest are counted by folder.
pub const MAX_LISTED: usize = 200;
/// Text up to this size is read to count a new file's lines.
const COUNTED_TEXT: u64 = 1024 * 1024;

/// An edit the agent described in a tool call: the file, and its text
/// before and after (the part shown, not always the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// The file it edited.
    pub path: PathBuf,
    /// Its text before (none: a new file).
    pub before: Option<String>,
    /// Its text after.
    pub after: String,
}

/// What is left out of a turn's outputs.
struct Skip {
    noise: BTreeSet<String>,
    /// Folders of the worktree (relative, `/`-separated) Handoff writes:
    /// its uploads folder.
    own: Vec<String>,
}

impl Skip {
    /// Leaves out `.git`, the folders `noise` names and the worktree's
    /// uploads folder `uploads` (relative).
    fn new(noise: &[String], uploads: &str) -> Self {
        Self {
            noise: noise.iter().cloned().collect(),
            own: vec![uploads.trim_matches('/').to_owned()],
        }
    }

    fn skips(&self, rel: &str) -> bool {
        if self.own.iter().any(|own| is_under(rel, own)) {
            return true;
        }
        let mut parts = rel.split('/').peekable();
        while let Some(part) = parts.next() {
            let last = parts.peek().is_none();
            if part == ".git" || (!last && self.noise.contains(part)) {
                return true;
            }
            if last && (part.starts_with(TEMP_PREFIX) || self.noise.contains(part)) {
                return true;
            }
        }
        false
    }
}

fn is_under(rel: &str, folder: &str) -> bool {
    let folder = folder.trim_end_matches('/');
    !folder.is_empty()
        && (rel == folder || rel.strip_prefix(folder).is_some_and(|r| r.starts_with('/')))
}

/// A turn being watched for what the agent makes.
pub struct TurnWatch {
    folder: PathBuf,
    skip: std::sync::Arc<Skip>,
    /// Where the worktree is in its git repository, when it is in one.
    prefix: Option<String>,
    before: Option<git::Status>,
    events: Option<watch::FolderWatch>,
}

impl TurnWatch {
    /// Starts watching `folder` (a worktree on this machine) before a turn.
    /// `noise` names the folders to leave out, `uploads` the worktree's
    /// uploads folder (relative). Blocking: it walks the worktree's folders.
    #[must_use]
    pub fn start(folder: &Path, noise: &[String], uploads: &str) -> Self {
        let skip = std::sync::Arc::new(Skip::new(noise, uploads));
        let prefix = git::prefix(folder);
        let before = prefix
            .as_deref()
            .and_then(|prefix| git::status(folder, prefix, |rel| skip.skips(rel)));
        let watching = std::sync::Arc::clone(&skip);
        let events = watch::FolderWatch::start(folder, move |rel| watching.skips(rel));
        Self {
            folder: folder.to_owned(),
            skip,
            prefix,
            before,
            events,
        }
    }

    /// Stops watching when the turn ended and says what it made, changed
    /// and deleted. Blocking: it runs git and hashes what it lists.
    #[must_use]
    pub fn finish(self, described: &[Described]) -> Found {
        let events = self
            .events
            .map(watch::FolderWatch::stop)
            .unwrap_or_default();
        let prefix = self.prefix.as_deref().unwrap_or_default();
        let after = self
            .prefix
            .as_deref()
            .and_then(|prefix| git::status(&self.folder, prefix, |rel| self.skip.skips(rel)));
        let empty = git::Status::new();
        let (before, after_status) = (
            self.before.as_ref().unwrap_or(&empty),
            after.as_ref().unwrap_or(&empty),
        );
        let mut candidates: BTreeSet<&str> = events.paths.keys().map(String::as_str).collect();
        for (path, entry) in after_status {
            if before.get(path) != Some(entry) {
                candidates.insert(path);
            }
        }
        for path in before.keys() {
            if !after_status.contains_key(path) {
                candidates.insert(path);
            }
        }
        let unlisted: Vec<&str> = candidates
            .iter()
            .copied()
            .filter(|rel| !before.contains_key(*rel) && !after_status.contains_key(*rel))
            .collect();
        let tracked = if after.is_some() {
            git::tracked(&self.folder, &unlisted)
        } else {
            BTreeSet::new()
        };
        let mut changes = Vec::new();
        for rel in candidates {
            let seen = events.paths.get(rel).copied().unwrap_or_default();
            if let Some(change) = classify(
                &self.folder.join(rel),
                before.get(rel),
                after_status.get(rel),
                seen,
                tracked.contains(rel),
            ) {
                changes.push((rel.to_owned(), change));
            }
        }
        let more = cap(&mut changes, events.dropped);
        let edits = described_counts(&self.folder, described);
        let from_git: Vec<&str> = changes
            .iter()
            .filter(|(rel, change)| {
                *change == Change::Changed && !edits.contains_key(rel) && !before.contains_key(rel)
            })
            .map(|(rel, _)| rel.as_str())
            .collect();
        let git_counts = git::line_counts(&self.folder, prefix, &from_git);
        let files = changes
            .into_iter()
            .filter_map(|(rel, change)| {
                let lines = edits.get(&rel).or_else(|| git_counts.get(&rel)).copied();
                Output::of(&self.folder, rel, change, lines)
            })
            .collect();
        Found { files, more }
    }
}

/// Keeps the first [`MAX_LISTED`] of a turn's `changes` and counts the
/// rest by top folder, with `dropped` more of no known folder.
fn cap(changes: &mut Vec<(String, Change)>, dropped: u64) -> Vec<MoreIn> {
    let mut more: BTreeMap<String, u64> = BTreeMap::new();
    if changes.len() > MAX_LISTED {
        for (rel, _) in changes.drain(MAX_LISTED..) {
            *more.entry(top_folder(&rel)).or_default() += 1;
        }
    }
    if dropped > 0 {
        *more.entry(String::new()).or_default() += dropped;
    }
    more.into_iter()
        .map(|(folder, count)| MoreIn { folder, count })
        .collect()
}

/// What happened to a path during the turn, or `None` when it is not an
/// output (made and removed again, unchanged, not a regular file).
/// `tracked`: git has it committed (asked only of paths git status does
/// not list, where the events alone cannot tell new from changed).
fn classify(
    path: &Path,
    before: Option<&git::Entry>,
    after: Option<&git::Entry>,
    seen: watch::Seen,
    tracked: bool,
) -> Option<Change> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => match (before, after) {
            // Untracked before the turn too: it was there.
            (Some(b), Some(a)) if a.is_new() && b.is_new() => Some(Change::Changed),
            (_, Some(a)) if a.is_new() => Some(Change::New),
            // As committed, before and after: untouched.
            (None, None) if tracked => None,
            // Ignored by git, or no git: the events tell.
            (None, None) if seen.created => Some(Change::New),
            // Changed since the commit, put back as committed, or ignored
            // and there before.
            _ => Some(Change::Changed),
        },
        Ok(_) => None,
        Err(_) => {
            let existed = before.is_some_and(|b| b.stat.is_some())
                || after.is_some_and(|a| a.code.contains(&b'D'))
                || (!seen.created && after.is_none() && before.is_none());
            existed.then_some(Change::Deleted)
        }
    }
}

/// `dist/` of `dist/app/main.js`; empty for a file at the top.
fn top_folder(rel: &str) -> String {
    rel.split_once('/')
        .map(|(top, _)| format!("{top}/"))
        .unwrap_or_default()
}

/// Lines added and removed per file, from the edits the agent described
/// (several edits of one file add up).
fn described_counts(folder: &Path, described: &[Described]) -> BTreeMap<String, LineCounts> {
    let mut counts: BTreeMap<String, LineCounts> = BTreeMap::new();
    for edit in described {
        let Ok(rel) = edit.path.strip_prefix(folder) else {
            continue;
        };
        let diff = similar::TextDiff::from_lines(edit.before.as_deref().unwrap_or(""), &edit.after);
        let entry = counts
            .entry(rel.to_string_lossy().into_owned())
            .or_insert(LineCounts {
                added: 0,
                removed: 0,
            });
        for change in diff.iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Insert => entry.added += 1,
                similar::ChangeTag::Delete => entry.removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
    }
    counts
}

/// What one turn made, changed and deleted.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The files, by path (at most [`MAX_LISTED`]).
    pub files: Vec<Output>,
    /// The files past the cap, counted by top folder.
    pub more: Vec<MoreIn>,
}

/// One file a turn made, changed or deleted.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its path in the worktree, `/`-separated.
    pub rel: String,
    /// Its absolute path.
    pub path: PathBuf,
    /// What happened to it.
    pub change: Change,
    /// Lines added and removed, when known.
    pub lines: Option<LineCounts>,
    /// What it holds now (none: deleted).
    pub facts: Option<Facts>,
}

/// The bytes of an output as the turn left them.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: String,
    /// Type guessed from the name.
    pub mime: String,
    /// Type sniffed from the first bytes.
    pub sniffed_mime: Option<String>,
    /// Modification time (ns since the epoch).
    pub mtime_ns: i64,
}

impl Output {
    /// The output `rel` of `folder`, read now; `None` when it changed into
    /// something that cannot be read, or is reached through a link.
    fn of(folder: &Path, rel: String, change: Change, lines: Option<LineCounts>) -> Option<Self> {
        let path = folder.join(&rel);
        if change == Change::Deleted {
            return Some(Self {
                rel,
                path,
                change,
                lines,
                facts: None,
            });
        }
        let facts = read_facts(folder, &rel)?;
        let lines = lines.or_else(|| {
            (change == Change::New && facts.size <= COUNTED_TEXT && is_text(&facts))
                .then(|| std::fs::read(&path).ok())
                .flatten()
                .map(|bytes| LineCounts {
                    added: u32::try_from(
                        bytes
                            .split(|&b| b == b'\n')
                            .filter(|l| !l.is_empty())
                            .count(),
                    )
                    .unwrap_or(u32::MAX),
                    removed: 0,
                })
        });
        Some(Self {
            rel,
            path,
            change,
            lines,
            facts: Some(facts),
        })
    }

    /// `out/report.md (1.2 kB, new)`, `src/app.ts (+12 −3)`, `old.txt (deleted)`.
    #[must_use]
    pub fn describe(&self) -> String {
        describe(
            &self.rel,
            self.change,
            self.facts.as_ref().map(|f| f.size),
            self.lines,
        )
    }
}

/// The facts of the regular file `rel` of `folder`, read through one
/// descriptor reached folder by folder without following a symbolic link
/// (the agent may swap a file or a folder on the way for a link to
/// anything, while it is read too): a file reached through a link is no
/// output.
fn read_facts(folder: &Path, rel: &str) -> Option<Facts> {
    use sha2::Digest as _;
    let (parents, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let mut dir = crate::safe_dir::SafeDir::open_base(folder).ok()?;
    for part in parents.split('/').filter(|p| !p.is_empty()) {
        dir = dir.open_child(std::ffi::OsStr::new(part)).ok()?;
    }
    let mut file = dir.open_file(std::ffi::OsStr::new(name)).ok()?;
    let meta = file.metadata().ok().filter(std::fs::Metadata::is_file)?;
    let mut hasher = sha2::Sha256::new();
    let mut head = Vec::new();
    let mut buf = vec![0_u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if head.len() < 512 {
                    head.extend_from_slice(&buf[..n.min(512 - head.len())]);
                }
                hasher.update(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(Facts {
        size: meta.len(),
        sha256: crate::words::hex(&hasher.finalize()),
        mime: crate::mime::guess(name),
        sniffed_mime: crate::mime::sniff(&head),
        mtime_ns: crate::clock::mtime_ns(&meta),
    })
}

/// Whether an output is text: its first bytes read as text, or (empty)
/// its name says so.
fn is_text(facts: &Facts) -> bool {
    match facts.sniffed_mime.as_deref() {
        Some(sniffed) => sniffed == "text/plain",
        None => {
            facts.mime.starts_with("text/")
                || [
                    "application/json",
                    "application/xml",
                    "application/toml",
                    "application/yaml",
                ]
                .contains(&facts.mime.as_str())
        }
    }
}

/// What changed in `file` since its worktree's last commit, as a unified
/// diff of at most [`MOST_CHANGES_BYTES`] (cut at a line; the second value
/// says so); `None` when git has nothing to show.
#[must_use]
pub fn changes(file: &Path) -> Option<(String, bool)> {
    Some(crate::words::cut_at_line(
        git::changes(file)?,
        MOST_CHANGES_BYTES,
    ))
}

/// The most bytes of a file's changes shown.
pub const MOST_CHANGES_BYTES: usize = 256_000;

/// How one made file reads in a line of text.
#[must_use]
pub fn describe(rel: &str, change: Change, size: Option<u64>, lines: Option<LineCounts>) -> String {
    let what = match (change, lines) {
        (Change::Deleted, _) => "deleted".to_owned(),
        (Change::Changed, Some(l)) => format!("+{} −{}", l.added, l.removed),
        (Change::Changed, None) => format!("{}, changed", ByteSize(size.unwrap_or(0))),
        (Change::New, _) => format!("{}, new", ByteSize(size.unwrap_or(0))),
    };
    format!("{rel} ({what})")
}

/// The line of a turn's list that counts the files left out.
#[must_use]
pub fn describe_more(more: &[MoreIn]) -> Option<String> {
    let parts: Vec<String> = more
        .iter()
        .map(|m| match m.folder.as_str() {
            "" => format!("{} more", m.count),
            folder => format!("{} more in {folder}", m.count),
        })
        .collect();
    (!parts.is_empty()).then(|| format!("and {}", parts.join(", ")))
}

/// Records what a turn of `session` made: each file made or changed as a
/// `made` record (an earlier record of the same path becomes `replaced`;
/// one of a deleted file `deleted`), and the list as one conversation line.
/// Nothing is recorded for a turn that made nothing.
pub fn record(
    store: &mut Store,
    session: &Session,
    found: &Found,
    now: Timestamp,
) -> Result<Option<Message>, StoreError> {
    if found.files.is_empty() && found.more.is_empty() {
        return Ok(None);
    }
    let mut new = Vec::new();
    let mut replaces = Vec::new();
    let mut gone = Vec::new();
    for output in &found.files {
        let earlier = store.files().live_in(session.worktree_id, &output.path)?;
        let earlier = earlier.filter(|r| r.direction == Direction::Made);
        match &output.facts {
            Some(facts) => {
                replaces.extend(earlier.map(|r| r.id));
                new.push(NewFile {
                    session_id: Some(session.id),
                    worktree_id: Some(session.worktree_id),
                    direction: Direction::Made,
                    destination: Destination::Worktree,
                    filename: output
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    path: output.path.clone(),
                    size: facts.size,
                    mime: facts.mime.clone(),
                    sniffed_mime: facts.sniffed_mime.clone(),
                    sha256: facts.sha256.clone(),
                    source: Origin::Turn,
                    display_name: None,
                    description: None,
                    revision: 1,
                    mtime_ns: facts.mtime_ns,
                    expires_at: None,
                });
            }
            None => gone.extend(earlier.map(|r| StatusChange {
                id: r.id,
                status: FileStatus::Deleted,
                mtime_ns: None,
            })),
        }
    }
    let records = store.files().insert_many(&new, &replaces, now)?;
    store.files().set_status(&gone, now)?;
    let mut ids = records.iter().map(|r| r.id);
    let files: Vec<MadeFile> = found
        .files
        .iter()
        .map(|o| MadeFile {
            file_id: o.facts.as_ref().and_then(|_| ids.next()),
            path: o.rel.clone(),
            change: o.change,
            size: o.facts.as_ref().map_or(0, |f| f.size),
            mime: o.facts.as_ref().map_or_else(String::new, |f| {
                f.sniffed_mime.clone().unwrap_or_else(|| f.mime.clone())
            }),
            lines: o.lines,
        })
        .collect();
    let count = files.len() + found.more.iter().map(|m| m.count as usize).sum::<usize>();
    let mut body = format!(
        "Made this turn ({count}): {}",
        found
            .files
            .iter()
            .map(Output::describe)
            .collect::<Vec<_>>()
            .join("; ")
    );
    if let Some(more) = describe_more(&found.more) {
        body.push_str("; ");
        body.push_str(&more);
    }
    let line = NewMessage::with(
        Role::Agent,
        MessageKind::Made,
        body,
        MessageData::Made(Made {
            files,
            more: found.more.clone(),
        }),
    );
    store.messages().append(session.id, &line, now).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip() -> Skip {
        Skip {
            noise: ["node_modules".to_owned(), "target".to_owned()].into(),
            own: vec![".agor/uploads".to_owned()],
        }
    }

    #[test]
    fn noise_git_and_handoffs_own_folders_are_left_out() {
        let skip = skip();
        for rel in [
            ".git/config",
            "node_modules/x/index.js",
            "web/node_modules/y.js",
            "node_modules",
            "target/debug/app",
            ".agor/uploads/shot.png",
            ".agor/uploads",
            "out/.handoff-12-abc.part",
        ] {
            assert!(skip.skips(rel), "{rel}");
        }
        for rel in [
            "out/report.md",
            "src/target.rs",
            ".agor/notes.md",
            "node_modules.txt",
        ] {
            assert!(!skip.skips(rel), "{rel}");
        }
    }

    #[test]
    fn a_list_reads_as_a_person_would() {
        assert_eq!(
            describe("out/report.md", Change::New, Some(1200), None),
            "out/report.md (1.2 kB, new)"
        );
        assert_eq!(
            describe(
                "src/app.ts",
                Change::Changed,
                Some(10),
                Some(LineCounts {
                    added: 12,
                    removed: 3
                })
            ),
            "src/app.ts (+12 −3)"
        );
        assert_eq!(
            describe("old.txt", Change::Deleted, None, None),
            "old.txt (deleted)"
        );
        assert_eq!(
            describe_more(&[MoreIn {
                folder: "dist/".to_owned(),
                count: 1204
            }])
            .unwrap(),
            "and 1204 more in dist/"
        );
    }
}
