//! Saving what the person hands over where the agent can read it.
//!
//! One call, [`upload`], takes a batch of [`Source`]s and returns a result per
//! file. Each file is copied into a hidden temp file beside its final place
//! while it is hashed (SHA-256) and held to the size limit; the bytes are made
//! durable (fsync for one file, one `syncfs` for a batch, as `cp` + `sync`
//! would); then each temp file is renamed to its final name without
//! following or replacing anything it should not; the folders are synced;
//! and only then are the records written, in one transaction. A crash at any
//! point leaves no partial file under a real name: only `.handoff-*.part`
//! temp files, which [`crate::reconcile`] removes.

mod error;
mod place;
mod source;
pub(crate) mod stage;

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

pub use error::IngestError;
pub use source::Source;
pub(crate) use source::special_kind as file_type_name;
pub use stage::{TEMP_PREFIX, TEMP_SUFFIX};
pub(crate) use stage::{hash_file, hex};

use crate::clock::Timestamp;
use crate::destination::{Destination, Folder, Roots};
use crate::mime;
use crate::settings::Settings;
use crate::store::{Direction, FileRecord, NewFile, Store, Worktree};
use crate::text_enum::text_enum;
use place::Placed;
use source::Item;
use stage::{StageOptions, Staged};

text_enum! {
    /// What happens when a file of the same name is already there.
    pub enum ConflictPolicy {
        /// Save as `name (1).ext`, `name (2).ext`…
        KeepBoth = "keep-both",
        /// Replace the file; its older record is kept, marked `replaced`.
        Replace = "replace",
    }
}

text_enum! {
    /// How a file reached Handoff.
    pub enum Origin {
        /// Dragged onto the window.
        Drop = "drop",
        /// Pasted from the clipboard.
        Paste = "paste",
        /// Chosen in the file picker.
        Picker = "picker",
        /// Given to the `handoff` command.
        Cli = "cli",
        /// Published by an agent through the MCP tool.
        Mcp = "mcp",
        /// Found in an uploads folder and added where it was.
        Found = "found",
    }
}

/// A batch to save, with everything that decides how.
#[derive(Debug, Clone)]
pub struct Upload {
    /// What to save.
    pub sources: Vec<Source>,
    /// Which folder to save into.
    pub destination: Destination,
    /// The worktree the files belong to (required for the worktree destination).
    pub worktree: Option<Worktree>,
    /// The session the files belong to.
    pub session_id: Option<i64>,
    /// How the files arrived.
    pub origin: Origin,
    /// What to do on a name clash.
    pub on_conflict: ConflictPolicy,
    /// Largest file accepted, in bytes.
    pub max_file_size: u64,
    /// Most files accepted in this batch.
    pub max_batch_files: usize,
}

impl Upload {
    /// A batch with destination, clash policy and limits from `settings`.
    #[must_use]
    pub fn new(sources: Vec<Source>, origin: Origin, settings: &Settings) -> Self {
        Self {
            sources,
            destination: settings.default_destination,
            worktree: None,
            session_id: None,
            origin,
            on_conflict: settings.on_conflict,
            max_file_size: settings.max_file_size,
            max_batch_files: settings.max_batch_files,
        }
    }
}

/// Progress of a batch, reported after every chunk written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Index of the file being copied, among the batch's files.
    pub item: usize,
    /// Bytes of this file copied so far.
    pub item_done: u64,
    /// This file's size, when known.
    pub item_total: Option<u64>,
    /// Bytes of the whole batch copied so far.
    pub batch_done: u64,
    /// The whole batch's size (sum of the known sizes).
    pub batch_total: u64,
}

/// A file that was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// Its record.
    pub record: FileRecord,
    /// True when the same bytes were already there under that name and the
    /// existing record was reused (nothing was written).
    pub reused: bool,
}

/// What happened to one file of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The source as the person named it (a path, or a pasted file's name).
    pub label: String,
    /// The saved file, or why it was not saved.
    pub result: Result<Saved, IngestError>,
}

/// The result of a batch: one outcome per file, in the order given (a
/// folder's files in name order), and the folder they went into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The destination folder, when it could be resolved.
    pub folder: Option<PathBuf>,
    /// One outcome per file.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// The records of the files that were saved, in order.
    pub fn saved(&self) -> impl Iterator<Item = &FileRecord> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok().map(|s| &s.record))
    }

    /// Whether every file was saved.
    #[must_use]
    pub fn all_saved(&self) -> bool {
        self.outcomes.iter().all(|o| o.result.is_ok())
    }
}

/// A file copied on its own, outside any batch (an agent's published file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Copied {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
    pub sniffed_mime: Option<String>,
    pub mtime_ns: i64,
}

/// Copies the regular file `src` into `dir` as `name` (or `name (1)`…),
/// with the same guarantees as an upload: hashed while copying, held to
/// `limit`, fsynced, renamed into place, the folder synced.
pub(crate) fn copy_one(
    src: &Path,
    dir: &Path,
    name: &str,
    limit: u64,
) -> Result<Copied, IngestError> {
    let opts = StageOptions {
        dir,
        limit,
        mode: 0o644,
        fsync: true,
    };
    let staged = stage::stage(
        &source::Input::File(src.to_owned()),
        &opts,
        &mut Vec::new(),
        &mut |_| {},
    )?;
    match place::place(staged, dir, name, ConflictPolicy::KeepBoth, None)? {
        Placed::New {
            path,
            mtime_ns,
            facts,
            ..
        } => {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| IngestError::write_failed(&e))?;
            Ok(Copied {
                path,
                size: facts.size,
                sha256: facts.sha256,
                sniffed_mime: facts.sniffed_mime,
                mtime_ns,
            })
        }
        // Without a store nothing is ever reused; keep the type honest anyway.
        Placed::Reused(record) => Ok(Copied {
            path: record.path,
            size: record.size,
            sha256: record.sha256,
            sniffed_mime: record.sniffed_mime,
            mtime_ns: record.mtime_ns,
        }),
    }
}

/// A batch this small fsyncs each file instead of syncing the file system.
const FSYNC_EACH_UP_TO: usize = 2;

/// Saves a batch; see the module documentation for the steps. Never fails
/// as a whole: every file gets its own outcome.
pub fn upload(
    store: &mut Store,
    roots: &Roots,
    settings: &Settings,
    upload: &Upload,
    now: Timestamp,
    progress: &mut dyn FnMut(&Progress),
) -> Report {
    let expanded = source::expand(&upload.sources);
    let mut slots: Vec<Slot> = Vec::with_capacity(expanded.items.len());
    let mut accepted = 0;
    for entry in expanded.items {
        slots.push(match entry {
            Err((label, error)) => Slot::failed(label, error),
            Ok(item) if accepted >= upload.max_batch_files => Slot::failed(
                item.label,
                IngestError::BatchLimit {
                    limit: upload.max_batch_files,
                },
            ),
            Ok(item) => {
                accepted += 1;
                Slot {
                    label: item.label.clone(),
                    item: Some(item),
                    state: State::Pending,
                }
            }
        });
    }

    let worktree_path = upload.worktree.as_ref().map(|w| w.path.as_path());
    let folder = Folder::resolve(upload.destination, roots, worktree_path, settings)
        .and_then(|f| f.prepare(settings.write_gitignore));
    let dir = match folder {
        Ok(dir) => dir,
        Err(e) => {
            for slot in &mut slots {
                slot.fail_if_pending(IngestError::Destination(e.clone()));
            }
            return finish(slots, None);
        }
    };

    stage_all(&mut slots, &dir, upload, accepted, progress);
    if accepted > FSYNC_EACH_UP_TO
        && let Err(e) = File::open(&dir).and_then(|d| rustix::fs::syncfs(&d).map_err(Into::into))
    {
        for slot in &mut slots {
            slot.fail_if_pending(IngestError::write_failed(&e));
        }
    }
    let touched = place_all(&mut slots, &dir, &expanded.groups, upload, store);
    for folder in &touched {
        if let Err(e) = File::open(folder).and_then(|d| d.sync_all()) {
            for slot in &mut slots {
                slot.fail_if_pending(IngestError::write_failed(&e));
            }
        }
    }
    record_all(&mut slots, store, settings, upload, now);
    finish(slots, Some(dir))
}

/// One file's way through the batch.
struct Slot {
    label: String,
    item: Option<Item>,
    state: State,
}

enum State {
    Pending,
    Staged(Staged),
    Placed(Placed),
    Done(Result<Saved, IngestError>),
}

impl Slot {
    fn failed(label: String, error: IngestError) -> Self {
        Self {
            label,
            item: None,
            state: State::Done(Err(error)),
        }
    }

    /// Fails a file still on its way (a temp file is deleted when dropped;
    /// a placed file is removed so nothing unrecorded stays behind).
    fn fail_if_pending(&mut self, error: IngestError) {
        if let State::Placed(Placed::New { path, .. }) = &self.state {
            let _ = std::fs::remove_file(path);
        }
        if !matches!(self.state, State::Done(_)) {
            self.state = State::Done(Err(error));
        }
    }
}

fn stage_all(
    slots: &mut [Slot],
    dir: &Path,
    upload: &Upload,
    accepted: usize,
    progress: &mut dyn FnMut(&Progress),
) {
    let sizes: Vec<Option<u64>> = slots
        .iter()
        .map(|s| match s.item.as_ref().map(|i| &i.input) {
            Some(source::Input::File(p)) => std::fs::metadata(p).ok().map(|m| m.len()),
            Some(source::Input::Bytes(b)) => Some(b.len() as u64),
            None => None,
        })
        .collect();
    let batch_total = sizes.iter().flatten().sum();
    let mode = if upload.destination == Destination::Temp {
        0o600
    } else {
        0o644
    };
    let opts = StageOptions {
        dir,
        limit: upload.max_file_size,
        mode,
        fsync: accepted <= FSYNC_EACH_UP_TO,
    };
    let mut batch_done = 0;
    let mut scratch = Vec::new();
    for (index, slot) in slots.iter_mut().enumerate() {
        let Some(item) = &slot.item else { continue };
        if !matches!(slot.state, State::Pending) {
            continue;
        }
        let mut item_done = 0;
        let mut on_bytes = |n: u64| {
            item_done += n;
            batch_done += n;
            progress(&Progress {
                item: index,
                item_done,
                item_total: sizes[index],
                batch_done,
                batch_total,
            });
        };
        slot.state = match stage::stage(&item.input, &opts, &mut scratch, &mut on_bytes) {
            Ok(staged) => State::Staged(staged),
            Err(e) => State::Done(Err(e)),
        };
    }
}

/// Renames every staged file into place; returns the folders to sync.
fn place_all(
    slots: &mut [Slot],
    dir: &Path,
    groups: &[String],
    upload: &Upload,
    store: &mut Store,
) -> BTreeSet<PathBuf> {
    let mut group_dirs: Vec<Option<Result<PathBuf, IngestError>>> = vec![None; groups.len()];
    let mut touched = BTreeSet::from([dir.to_owned()]);
    let mut files = store.files();
    for slot in slots.iter_mut() {
        let State::Staged(_) = slot.state else {
            continue;
        };
        let Some(item) = &slot.item else { continue };
        let State::Staged(staged) = std::mem::replace(&mut slot.state, State::Pending) else {
            continue;
        };
        let target_dir = match item.group {
            None => Ok(dir.to_owned()),
            Some(g) => group_dirs[g]
                .get_or_insert_with(|| place::create_folder(dir, &groups[g]))
                .clone()
                .and_then(|group_dir| subfolder(&group_dir, &item.subdirs)),
        };
        slot.state = match target_dir {
            Ok(target_dir) => {
                let placed = place::place(
                    staged,
                    &target_dir,
                    &item.name,
                    upload.on_conflict,
                    Some(&mut files),
                );
                if placed.is_ok() {
                    touched.insert(target_dir);
                }
                placed.map_or_else(|e| State::Done(Err(e)), State::Placed)
            }
            Err(e) => State::Done(Err(e)),
        };
    }
    touched
}

/// Creates (without following symlinks) the folders inside a dropped folder.
fn subfolder(group_dir: &Path, subdirs: &[String]) -> Result<PathBuf, IngestError> {
    let mut path = group_dir.to_owned();
    for name in subdirs {
        path.push(name);
        crate::destination::ensure_real_dir(&path, false)?;
    }
    Ok(path)
}

/// Records every placed file in one transaction. If that fails, the placed
/// files are removed again: nothing stays on disk without a record.
fn record_all(
    slots: &mut [Slot],
    store: &mut Store,
    settings: &Settings,
    upload: &Upload,
    now: Timestamp,
) {
    let expires_at = (upload.destination == Destination::Temp)
        .then(|| now.saturating_add((settings.temp_expiry_secs as i64).saturating_mul(1000)));
    let mut new_files = Vec::new();
    let mut replaces = Vec::new();
    let mut owners = Vec::new();
    for (index, slot) in slots.iter_mut().enumerate() {
        match &slot.state {
            State::Placed(Placed::Reused(record)) => {
                slot.state = State::Done(Ok(Saved {
                    record: record.clone(),
                    reused: true,
                }));
            }
            State::Placed(Placed::New {
                path,
                name,
                mtime_ns,
                replaced,
                facts,
            }) => {
                new_files.push(NewFile {
                    session_id: upload.session_id,
                    worktree_id: upload.worktree.as_ref().map(|w| w.id),
                    direction: Direction::ToAgent,
                    destination: upload.destination,
                    filename: name.clone(),
                    path: path.clone(),
                    size: facts.size,
                    mime: mime::guess(name),
                    sniffed_mime: facts.sniffed_mime.clone(),
                    sha256: facts.sha256.clone(),
                    source: upload.origin,
                    display_name: None,
                    description: None,
                    revision: 1,
                    mtime_ns: *mtime_ns,
                    expires_at,
                });
                replaces.extend(*replaced);
                owners.push(index);
            }
            _ => {}
        }
    }
    if new_files.is_empty() {
        return;
    }
    match store.files().insert_many(&new_files, &replaces, now) {
        Ok(records) => {
            for (index, record) in owners.into_iter().zip(records) {
                slots[index].state = State::Done(Ok(Saved {
                    record,
                    reused: false,
                }));
            }
        }
        Err(e) => {
            for index in owners {
                slots[index].fail_if_pending(place::store_failed(&e));
            }
        }
    }
}

fn finish(slots: Vec<Slot>, folder: Option<PathBuf>) -> Report {
    let outcomes = slots
        .into_iter()
        .map(|slot| Outcome {
            label: slot.label,
            result: match slot.state {
                State::Done(result) => result,
                _ => Err(IngestError::WriteFailed {
                    reason: "interrupted".to_owned(),
                }),
            },
        })
        .collect();
    Report { folder, outcomes }
}
