//! Saving what the person hands over where the agent can read it.
//!
//! One call, [`upload`], takes a batch of [`Source`]s and returns a result per
//! file. The uploads folder is opened by handle ([`crate::safe_dir`]) and
//! everything after goes through that handle. Each file is copied into a
//! hidden temp file (`.handoff-<pid>-<random>.part`) while it is hashed
//! (SHA-256), held to the size limit and watched for changes; the bytes are
//! made durable (fsync for one file, one `syncfs` for a batch, as `cp` +
//! `sync` would); then, under the folder's lock, each file's record is
//! committed as an intent, the file is renamed to its final name without
//! following or replacing anything it should not, the folders are synced,
//! and the intents become records in one transaction. A crash at any point
//! leaves no partial file under a real name, and records and disk agree once
//! [`crate::recovery`] has run (every start and `gc`).

mod error;
mod place;
pub(crate) mod source;
pub(crate) mod stage;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::File;
use std::path::PathBuf;
use std::rc::Rc;

pub(crate) use crate::words::hex;
pub use crate::words::temp_owner;
pub use crate::words::{ConflictPolicy, Origin, TEMP_PREFIX, TEMP_SUFFIX};
pub use error::IngestError;
pub(crate) use place::{MAX_ALTERNATIVES, store_failed, too_many};
pub use source::{Source, Tally, tally};
pub(crate) use stage::{Facts, changed, check_regular, hash_file, open_regular};

use crate::clock::Timestamp;
use crate::destination::{Destination, Folder, Roots};
use crate::safe_dir::{Privacy, SafeDir};
use crate::settings::Settings;
use crate::store::{Direction, FileRecord, NewFile, Store, Worktree};
use place::Placed;
use source::Item;
use stage::{StageOptions, Staged};

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
    /// Index of the source (as given in [`Upload::sources`]) the file being
    /// copied comes from: a dropped folder's files all report its index.
    pub source: usize,
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
    /// Index of the source (as given in [`Upload::sources`]) it came from.
    pub source: usize,
    /// The file as the person named it (a path, or a pasted file's name).
    pub label: String,
    /// The saved file, or why it was not saved.
    pub result: Result<Saved, IngestError>,
}

/// The result of a batch: one outcome per file, in the order given (a
/// folder's files in name order), and the folder they went into; or why
/// the batch was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The destination folder, when it could be resolved.
    pub folder: Option<PathBuf>,
    /// One outcome per file.
    pub outcomes: Vec<Outcome>,
    /// Why nothing of the batch was tried (over the file limit).
    pub refused: Option<IngestError>,
}

impl Report {
    /// The records of the files that were saved, in order.
    pub fn saved(&self) -> impl Iterator<Item = &FileRecord> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok().map(|s| &s.record))
    }

    /// The batch refused as a whole when its `count` files are over `limit`.
    pub(crate) fn over_batch_limit(count: usize, limit: usize) -> Option<Self> {
        (count > limit).then(|| Self {
            folder: None,
            outcomes: Vec::new(),
            refused: Some(IngestError::BatchLimit { count, limit }),
        })
    }

    /// Whether every file was saved.
    #[must_use]
    pub fn all_saved(&self) -> bool {
        self.refused.is_none() && self.outcomes.iter().all(|o| o.result.is_ok())
    }
}

/// Copies the open regular file `src` into `dir` as `name` (or `name (1)`…)
/// and records it as `record` says (an agent's published file), with the
/// same guarantees as an upload: hashed while copying, held to `limit`,
/// fsynced, an intent before the rename, the folder synced, then recorded.
/// The copy is readable by this user only.
pub(crate) fn copy_one(
    store: &mut Store,
    src: File,
    dir: SafeDir,
    name: &str,
    limit: u64,
    record: NewFile,
    now: Timestamp,
) -> Result<FileRecord, IngestError> {
    let dir = Rc::new(dir);
    let opts = StageOptions {
        dir: &dir,
        limit,
        max_mode: 0o600,
        fsync: true,
    };
    let staged = stage::stage_file(
        stage::check_regular(src)?,
        &opts,
        &mut Vec::new(),
        &mut |_| {},
    )?;
    let _lock = dir.lock().map_err(|e| IngestError::write_failed(&e))?;
    let job = place::Job {
        record: NewFile {
            size: staged.facts.size,
            sha256: staged.facts.sha256.clone(),
            sniffed_mime: staged.facts.sniffed_mime.clone(),
            mtime_ns: staged.facts.mtime_ns,
            ..record
        },
        staged,
        target: Rc::clone(&dir),
        name: name.to_owned(),
    };
    let placed = place::place_all(store, vec![job], ConflictPolicy::KeepBoth, false, now);
    match placed.into_iter().next() {
        Some(Ok(Placed::New(record) | Placed::Reused(record))) => Ok(record),
        Some(Err(e)) => Err(e),
        None => Err(IngestError::WriteFailed {
            reason: "interrupted".to_owned(),
        }),
    }
}

/// A batch this small fsyncs each file instead of syncing the file system.
const FSYNC_EACH_UP_TO: usize = 2;

/// Saves a batch; see the module documentation for the steps. A batch over
/// the file limit is refused as a whole before anything is copied;
/// otherwise every file gets its own outcome.
pub fn upload(
    store: &mut Store,
    roots: &Roots,
    settings: &Settings,
    upload: &Upload,
    now: Timestamp,
    progress: &mut dyn FnMut(&Progress),
) -> Report {
    let expanded = source::expand(&upload.sources);
    let count = expanded.files();
    if let Some(refused) = Report::over_batch_limit(count, upload.max_batch_files) {
        return refused;
    }
    let worktree_path = upload.worktree.as_ref().map(|w| w.path.as_path());
    let folder = Folder::resolve(upload.destination, roots, worktree_path, settings)
        .and_then(|f| f.prepare(settings.write_gitignore))
        .map(Rc::new);
    let mut slots: Vec<Slot<'_>> = expanded
        .items
        .into_iter()
        .zip(expanded.sources)
        .map(|(entry, source)| match entry {
            Err((label, error)) => Slot::failed(source, label, error),
            Ok(item) => Slot {
                source,
                label: item.label.clone(),
                item: Some(item),
                state: State::Pending,
            },
        })
        .collect();

    let dir = match &folder {
        Ok(dir) => dir,
        Err(e) => {
            for slot in &mut slots {
                slot.fail_if_pending(IngestError::Destination(e.clone()));
            }
            return finish(slots, None);
        }
    };
    // What killed processes left: settled before this batch takes names.
    if let Err(e) = crate::recovery::settle_dead(store, now) {
        tracing::warn!(error = %e, "what killed uploads left is settled later");
    }
    crate::recovery::remove_dead_temp_files(dir);

    stage_all(&mut slots, dir, upload, count, progress);
    if count > FSYNC_EACH_UP_TO
        && let Err(e) = dir.sync_filesystem()
    {
        for slot in &mut slots {
            slot.fail_if_pending(IngestError::write_failed(&e));
        }
    }
    match dir.lock() {
        Ok(_lock) => place_batch(
            &mut slots,
            dir,
            &expanded.groups,
            upload,
            settings,
            store,
            now,
        ),
        Err(e) => {
            for slot in &mut slots {
                slot.fail_if_pending(IngestError::write_failed(&e));
            }
        }
    }
    finish(slots, Some(dir.path()))
}

/// One file's way through the batch.
struct Slot<'d> {
    source: usize,
    label: String,
    item: Option<Item>,
    state: State<'d>,
}

enum State<'d> {
    Pending,
    Staged(Staged<'d>),
    Done(Result<Saved, IngestError>),
}

impl Slot<'_> {
    fn failed(source: usize, label: String, error: IngestError) -> Self {
        Self {
            source,
            label,
            item: None,
            state: State::Done(Err(error)),
        }
    }

    /// Fails a file still on its way (its temp file goes when dropped).
    fn fail_if_pending(&mut self, error: IngestError) {
        if !matches!(self.state, State::Done(_)) {
            self.state = State::Done(Err(error));
        }
    }
}

fn stage_all<'d>(
    slots: &mut [Slot<'d>],
    dir: &'d SafeDir,
    upload: &Upload,
    count: usize,
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
    // Never wider than the source's own bits; private in the shared temp folder.
    let max_mode = if upload.destination == Destination::Temp {
        0o600
    } else {
        0o644
    };
    let opts = StageOptions {
        dir,
        limit: upload.max_file_size,
        max_mode,
        fsync: count <= FSYNC_EACH_UP_TO,
    };
    let mut batch_done = 0;
    let mut scratch = Vec::new();
    for (index, slot) in slots.iter_mut().enumerate() {
        let Some(item) = &slot.item else { continue };
        if !matches!(slot.state, State::Pending) {
            continue;
        }
        let mut item_done = 0;
        let source = slot.source;
        let mut on_bytes = |n: u64| {
            item_done += n;
            batch_done += n;
            progress(&Progress {
                source,
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

/// Places and records every staged file (the caller holds the folder's
/// lock). A dropped folder's files go into a new folder named after it.
fn place_batch(
    slots: &mut [Slot<'_>],
    dir: &Rc<SafeDir>,
    groups: &[String],
    upload: &Upload,
    settings: &Settings,
    store: &mut Store,
    now: Timestamp,
) {
    let expires_at = (upload.destination == Destination::Temp)
        .then(|| now.saturating_add((settings.temp_expiry_secs as i64).saturating_mul(1000)));
    let mut group_dirs: Vec<Option<Result<Rc<SafeDir>, IngestError>>> = vec![None; groups.len()];
    let mut folders: HashMap<(usize, Vec<String>), Rc<SafeDir>> = HashMap::new();
    let mut jobs = Vec::new();
    let mut owners = Vec::new();
    for (index, slot) in slots.iter_mut().enumerate() {
        let (Some(item), State::Staged(_)) = (&slot.item, &slot.state) else {
            continue;
        };
        let State::Staged(staged) = std::mem::replace(&mut slot.state, State::Pending) else {
            continue;
        };
        let target = match item.group {
            None => Ok(Rc::clone(dir)),
            Some(g) => group_dirs[g]
                .get_or_insert_with(|| place::create_folder(dir, &groups[g]).map(Rc::new))
                .clone()
                .and_then(|group_dir| {
                    if item.subdirs.is_empty() {
                        return Ok(group_dir);
                    }
                    let key = (g, item.subdirs.clone());
                    if let Some(found) = folders.get(&key) {
                        return Ok(Rc::clone(found));
                    }
                    let sub = group_dir
                        .descend(item.subdirs.iter().map(OsStr::new), Privacy::Shared)
                        .map(Rc::new)?;
                    folders.insert(key, Rc::clone(&sub));
                    Ok(sub)
                }),
        };
        let target = match target {
            Ok(target) => target,
            Err(e) => {
                slot.state = State::Done(Err(e));
                continue;
            }
        };
        let facts = &staged.facts;
        let record = NewFile {
            session_id: upload.session_id,
            worktree_id: upload.worktree.as_ref().map(|w| w.id),
            direction: Direction::ToAgent,
            destination: upload.destination,
            filename: item.name.clone(),
            path: PathBuf::new(),
            size: facts.size,
            mime: String::new(),
            sniffed_mime: facts.sniffed_mime.clone(),
            sha256: facts.sha256.clone(),
            source: upload.origin,
            display_name: None,
            description: None,
            revision: 1,
            mtime_ns: facts.mtime_ns,
            expires_at,
        };
        jobs.push(place::Job {
            staged,
            target,
            name: item.name.clone(),
            record,
        });
        owners.push(index);
    }
    let results = place::place_all(store, jobs, upload.on_conflict, true, now);
    for (index, result) in owners.into_iter().zip(results) {
        slots[index].state = State::Done(result.map(|placed| match placed {
            Placed::New(record) => Saved {
                record,
                reused: false,
            },
            Placed::Reused(record) => Saved {
                record,
                reused: true,
            },
        }));
    }
}

fn finish(slots: Vec<Slot<'_>>, folder: Option<PathBuf>) -> Report {
    let outcomes = slots
        .into_iter()
        .map(|slot| Outcome {
            source: slot.source,
            label: slot.label,
            result: match slot.state {
                State::Done(result) => result,
                _ => Err(IngestError::WriteFailed {
                    reason: "interrupted".to_owned(),
                }),
            },
        })
        .collect();
    Report {
        folder,
        outcomes,
        refused: None,
    }
}
