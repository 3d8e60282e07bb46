//! Moving staged files to their final names, crash-safe and race-free.
//!
//! Under the uploads folder's lock (so placing is one at a time across
//! processes): each file's final name is chosen, its record is committed as
//! an *intent*, the file is renamed (never through a planted symlink, never
//! over another file unless the policy says replace), the folders are
//! synced and checked to be still where their path says, and then the
//! intents become records in one transaction. A process killed anywhere in
//! between leaves intents that [`crate::recovery`] settles from the disk.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;

use super::stage::Staged;
use super::{ConflictPolicy, IngestError};
use crate::clock::Timestamp;
use crate::logging::OrLog as _;
use crate::naming;
use crate::safe_dir::SafeDir;
use crate::store::{FileRecord, NewFile, Store, StoreError};

/// How many alternative names keep-both tries before giving up.
pub(crate) const MAX_ALTERNATIVES: u32 = 10_000;

/// One staged file and where it should go.
pub(super) struct Job<'d> {
    pub staged: Staged<'d>,
    /// The folder to place it in.
    pub target: Rc<SafeDir>,
    /// The safe name asked for.
    pub name: String,
    /// Its record, but for the final name and path.
    pub record: NewFile,
}

/// Where a file ended up.
pub(super) enum Placed {
    /// Renamed into place and recorded.
    New(FileRecord),
    /// The same bytes were already there under that name (or, keeping
    /// both, one of its numbered variants): nothing written.
    Reused(FileRecord),
}

/// A job on its way: its chosen name and committed intent.
struct Planned<'d> {
    index: usize,
    job: Job<'d>,
    candidate: String,
    tries: u32,
    intent: i64,
}

impl Planned<'_> {
    /// Removes the file placed under the chosen name (`doing` says why,
    /// for the log when that fails).
    fn unplace(&self, doing: &str) {
        self.job
            .target
            .remove_file(OsStr::new(&self.candidate))
            .or_log(doing);
    }
}

/// Places every job following `policy`; one result per job, in order.
/// With `reuse`, a file whose bytes are already recorded under its name is
/// not written again.
pub(super) fn place_all(
    store: &mut Store,
    jobs: Vec<Job<'_>>,
    policy: ConflictPolicy,
    reuse: bool,
    now: Timestamp,
) -> Vec<Result<Placed, IngestError>> {
    let mut results: Vec<Option<Result<Placed, IngestError>>> = Vec::new();
    results.resize_with(jobs.len(), || None);
    let mut planned = Vec::new();
    for (index, job) in jobs.into_iter().enumerate() {
        match choose(store, &job, policy, reuse) {
            Ok(Choice::Reuse(record)) => results[index] = Some(Ok(Placed::Reused(*record))),
            Ok(Choice::Name(candidate, tries)) => planned.push((index, job, candidate, tries)),
            Err(e) => results[index] = Some(Err(e)),
        }
    }

    // The intents are durable before any file takes its real name.
    let pending: Vec<(PathBuf, NewFile)> = planned
        .iter()
        .map(|(_, job, candidate, _)| (temp_path(&job.staged), final_record(job, candidate)))
        .collect();
    let ids = match store.intents().begin(&pending, now) {
        Ok(ids) => ids,
        Err(e) => {
            for (index, ..) in planned {
                results[index] = Some(Err(store_failed(&e)));
            }
            return collect(results);
        }
    };
    let mut planned: Vec<Planned<'_>> = planned
        .into_iter()
        .zip(ids)
        .map(|((index, job, candidate, tries), intent)| Planned {
            index,
            job,
            candidate,
            tries,
            intent,
        })
        .collect();

    let mut abandoned = Vec::new();
    let mut placed = Vec::new();
    for mut p in planned.drain(..) {
        match rename(store, &mut p, policy) {
            Ok(()) => {
                p.job.staged.keep();
                placed.push(p);
            }
            Err(e) => {
                abandoned.push(p.intent);
                results[p.index] = Some(Err(e));
            }
        }
    }

    // Sync each folder once, and keep only what is still where its path says.
    let mut folders: BTreeMap<PathBuf, Option<IngestError>> = BTreeMap::new();
    for p in &placed {
        folders.entry(p.job.target.path()).or_insert_with(|| {
            if let Err(e) = p.job.target.sync() {
                Some(IngestError::write_failed(&e))
            } else if !p.job.target.still_at_path() {
                Some(IngestError::FolderMoved)
            } else {
                None
            }
        });
    }
    let mut settle = Vec::new();
    let mut settling = Vec::new();
    for p in placed {
        if let Some(Some(e)) = folders.get(&p.job.target.path()) {
            p.unplace("removing a file of a moved folder");
            abandoned.push(p.intent);
            results[p.index] = Some(Err(e.clone()));
        } else {
            settle.push((p.intent, final_record(&p.job, &p.candidate)));
            settling.push(p);
        }
    }
    if let Err(e) = store.intents().abandon(&abandoned) {
        tracing::warn!(error = %e, "intents stay until the next clean-up");
    }
    match store.intents().settle(&settle, now) {
        Ok(records) => {
            let mut records: BTreeMap<i64, FileRecord> = records.into_iter().collect();
            for p in settling {
                if let Some(record) = records.remove(&p.intent) {
                    results[p.index] = Some(Ok(Placed::New(record)));
                }
            }
        }
        Err(e) => {
            // Nothing stays on disk without a record.
            let ids: Vec<i64> = settling.iter().map(|p| p.intent).collect();
            for p in settling {
                p.unplace("removing a file the database did not record");
                results[p.index] = Some(Err(store_failed(&e)));
            }
            if let Err(e) = store.intents().abandon(&ids) {
                tracing::warn!(error = %e, "intents stay until the next clean-up");
            }
        }
    }
    collect(results)
}

enum Choice {
    /// Place under this name (the `n` of `name (n)` it is).
    Name(String, u32),
    /// The same bytes are already recorded there.
    Reuse(Box<FileRecord>),
}

/// Picks the final name: under keep-both the first of `name`, `name (1)`…
/// that is free, unless one of those taken holds exactly these bytes,
/// recorded and unchanged (then that record is reused).
fn choose(
    store: &mut Store,
    job: &Job<'_>,
    policy: ConflictPolicy,
    reuse: bool,
) -> Result<Choice, IngestError> {
    let mut candidate = job.name.clone();
    for n in 1..=MAX_ALTERNATIVES {
        if reuse && let Some(record) = same_bytes(store, job, &candidate)? {
            return Ok(Choice::Reuse(Box::new(record)));
        }
        if policy == ConflictPolicy::Replace || !job.target.has(OsStr::new(&candidate)) {
            return Ok(Choice::Name(candidate, n));
        }
        candidate = naming::numbered(&job.name, n);
    }
    Err(too_many(&job.name))
}

/// Renames the staged file to its planned name; under keep-both a name
/// taken meanwhile (by something outside Handoff) moves the intent on to
/// the next free name before trying again.
fn rename(
    store: &mut Store,
    p: &mut Planned<'_>,
    policy: ConflictPolicy,
) -> Result<(), IngestError> {
    let staged = &p.job.staged;
    loop {
        let to = OsStr::new(&p.candidate);
        let result = match policy {
            // rename(2) replaces the directory entry itself: a symlink
            // planted at the target is replaced, never written through.
            ConflictPolicy::Replace => staged.dir.rename_over(&staged.name, &p.job.target, to),
            // RENAME_NOREPLACE: fails if anything has the name.
            ConflictPolicy::KeepBoth => staged.dir.rename_new(&staged.name, &p.job.target, to),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                loop {
                    if p.tries >= MAX_ALTERNATIVES {
                        return Err(too_many(&p.job.name));
                    }
                    p.candidate = naming::numbered(&p.job.name, p.tries);
                    p.tries += 1;
                    if !p.job.target.has(OsStr::new(&p.candidate)) {
                        break;
                    }
                }
                let record = final_record(&p.job, &p.candidate);
                store
                    .intents()
                    .retarget(p.intent, &record)
                    .map_err(|e| store_failed(&e))?;
            }
            Err(e) => return Err(IngestError::write_failed(&e)),
        }
    }
}

/// The live record at `name` in the job's folder when it holds exactly the
/// staged bytes and the file on disk is unchanged since it was recorded.
fn same_bytes(
    store: &mut Store,
    job: &Job<'_>,
    name: &str,
) -> Result<Option<FileRecord>, IngestError> {
    let path = job.target.path().join(name);
    let Some(record) = store.files().live_at(&path).map_err(|e| store_failed(&e))? else {
        return Ok(None);
    };
    let facts = &job.staged.facts;
    if record.sha256 != facts.sha256 || record.size != facts.size {
        return Ok(None);
    }
    let unchanged = job
        .target
        .stat(OsStr::new(name))
        .is_ok_and(|e| e.regular && e.size == record.size && e.mtime_ns == record.mtime_ns);
    Ok(unchanged.then_some(record))
}

fn final_record(job: &Job<'_>, name: &str) -> NewFile {
    NewFile {
        filename: name.to_owned(),
        path: job.target.path().join(name),
        mime: crate::mime::guess(name),
        ..job.record.clone()
    }
}

fn temp_path(staged: &Staged<'_>) -> PathBuf {
    staged.dir.path().join(&staged.name)
}

fn collect(results: Vec<Option<Result<Placed, IngestError>>>) -> Vec<Result<Placed, IngestError>> {
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(IngestError::WriteFailed {
                    reason: "interrupted".to_owned(),
                })
            })
        })
        .collect()
}

/// Creates `name` as a new folder in `dir`, or `name (1)`, `name (2)`…
/// when taken; returns its handle.
pub(super) fn create_folder(dir: &SafeDir, name: &str) -> Result<SafeDir, IngestError> {
    let mut candidate = name.to_owned();
    for n in 1..=MAX_ALTERNATIVES {
        match dir.create_new_folder(OsStr::new(&candidate)) {
            Ok(folder) => return Ok(folder),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                candidate = naming::numbered(name, n);
            }
            Err(e) => return Err(IngestError::write_failed(&e)),
        }
    }
    Err(too_many(name))
}

pub(crate) fn too_many(name: &str) -> IngestError {
    IngestError::WriteFailed {
        reason: format!("{MAX_ALTERNATIVES} files named like {name} are already there"),
    }
}

pub(crate) fn store_failed(e: &StoreError) -> IngestError {
    IngestError::StoreFailed {
        reason: e.to_string(),
    }
}
