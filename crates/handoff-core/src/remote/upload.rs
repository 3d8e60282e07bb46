//! Uploads into a remote worktree, with the promises of a local one: the
//! same name rules and clash policies, limits held while streaming, SHA-256
//! computed while sending, a hidden temp name linked into place without
//! replacing anything, no component of the uploads folder followed through
//! a symlink. A connection that drops mid-batch leaves no file under a real
//! name; every file it stopped is reported; the next connection removes the
//! temp files it left.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Remote;
use super::folder::{RemoteFolder, is_missing};
use super::send::{RemoteTemp, SendOptions};
use crate::clock::Timestamp;
use crate::destination::Destination;
use crate::ingest::source::{self, Item};
use crate::ingest::{
    ConflictPolicy, IngestError, Outcome, Progress, Report, Saved, TEMP_PREFIX, Upload, temp_owner,
};
use crate::naming;
use crate::recovery::is_alive;
use crate::settings::Settings;
use crate::store::{Direction, FileRecord, NewFile, Store};

/// How many alternative names keep-both tries before giving up.
const MAX_ALTERNATIVES: u32 = 10_000;

/// A temp file this process left this long ago (a connection that dropped
/// mid-file) is removed by the next upload; a live upload writes far more
/// often than that.
const STALE_TEMP_SECS: u64 = 120;

/// Saves `upload` into the remote worktree `remote` reaches (its
/// worktree, temp folder or home, as `upload.destination` says) and records
/// the files. One outcome per file, in the order given.
pub async fn upload(
    remote: &Remote,
    store: &mut Store,
    settings: &Settings,
    upload: &Upload,
    now: Timestamp,
    progress: &mut dyn FnMut(&Progress),
) -> Report {
    let expanded = source::expand(&upload.sources);
    let count = expanded.items.iter().filter(|i| i.is_ok()).count();
    if count > upload.max_batch_files {
        return Report {
            folder: None,
            outcomes: Vec::new(),
            refused: Some(IngestError::BatchLimit {
                count,
                limit: upload.max_batch_files,
            }),
        };
    }
    let labels: Vec<(usize, String)> = expanded
        .items
        .iter()
        .zip(&expanded.sources)
        .map(|(item, &source)| match item {
            Ok(item) => (source, item.label.clone()),
            Err((label, _)) => (source, label.clone()),
        })
        .collect();
    let folder = match remote.bases().await {
        Ok(bases) => {
            remote
                .prepare_folder(upload.destination, &bases, settings)
                .await
        }
        Err(e) => Err(e.into()),
    };
    let folder = match folder {
        Ok(folder) => folder,
        Err(e) => return all_failed(labels, &e),
    };
    remote.remove_dead_temp_files(&folder.path).await;

    let mut batch = Batch {
        remote,
        upload,
        folder: &folder,
        groups: &expanded.groups,
        group_dirs: HashMap::new(),
        expires_at: (upload.destination == Destination::Temp)
            .then(|| now.saturating_add((settings.temp_expiry_secs as i64).saturating_mul(1000))),
        lost: None,
    };
    let sizes = sizes(&expanded.items);
    let batch_total = sizes.iter().sum();
    let mut results = Vec::with_capacity(labels.len());
    let mut done = 0;
    for (index, (item, &source)) in expanded.items.iter().zip(&expanded.sources).enumerate() {
        let result = match item {
            Err((_, e)) => Err(e.clone()),
            Ok(item) => {
                let mut report = |item_done: u64, batch_done: u64| {
                    progress(&Progress {
                        source,
                        item: index,
                        item_done,
                        item_total: Some(sizes[index]),
                        batch_done,
                        batch_total,
                    });
                };
                batch.one(store, item, &mut done, &mut report).await
            }
        };
        results.push(result);
    }
    let outcomes = batch.record(store, results, now).await;
    Report {
        folder: Some(folder.path.clone()),
        outcomes: labels
            .into_iter()
            .zip(outcomes)
            .map(|((source, label), result)| Outcome {
                source,
                label,
                result,
            })
            .collect(),
        refused: None,
    }
}

/// A file in place on the remote, not yet recorded.
enum Placed {
    New {
        record: NewFile,
        replaces: Option<i64>,
    },
    Reused(FileRecord),
}

struct Batch<'a> {
    remote: &'a Remote,
    upload: &'a Upload,
    folder: &'a RemoteFolder,
    groups: &'a [String],
    /// The folder made for each dropped folder (and its sub-folders).
    group_dirs: HashMap<(usize, Vec<String>), Result<PathBuf, IngestError>>,
    expires_at: Option<Timestamp>,
    /// Set once the connection dropped: the files after it are not tried.
    lost: Option<IngestError>,
}

impl Batch<'_> {
    async fn one(
        &mut self,
        store: &mut Store,
        item: &Item,
        done: &mut u64,
        report: &mut dyn FnMut(u64, u64),
    ) -> Result<Placed, IngestError> {
        if let Some(lost) = &self.lost {
            return Err(lost.clone());
        }
        let result = self.send_and_place(store, item, done, report).await;
        if let Err(e @ IngestError::Remote(_)) = &result {
            self.lost = Some(e.clone());
        }
        result
    }

    async fn send_and_place(
        &mut self,
        store: &mut Store,
        item: &Item,
        done: &mut u64,
        report: &mut dyn FnMut(u64, u64),
    ) -> Result<Placed, IngestError> {
        let target = self.target(item).await?;
        let opts = SendOptions {
            folder: &target,
            limit: self.upload.max_file_size,
            private: self.upload.destination == Destination::Temp,
        };
        let mut item_done = 0;
        let mut on_bytes = |n: u64| {
            item_done += n;
            *done += n;
            report(item_done, *done);
        };
        let temp = self.remote.send(&item.input, &opts, &mut on_bytes).await?;
        let placed = self.place(store, &temp, &target, &item.name).await;
        if placed.is_err() || matches!(placed, Ok(Placed::Reused(_))) {
            self.remote.remove_quietly(&temp.path).await;
        }
        if let Ok(Placed::New { record, .. }) = &placed
            && let Err(e) = self.remote.still_there(self.folder).await
        {
            self.remote.remove_quietly(&record.path).await;
            return Err(e);
        }
        placed
    }

    /// The folder `item` goes into: the uploads folder, or for a dropped
    /// folder's file, a new folder named after it (`name (1)` when taken)
    /// with the item's sub-folders.
    async fn target(&mut self, item: &Item) -> Result<PathBuf, IngestError> {
        let Some(group) = item.group else {
            return Ok(self.folder.path.clone());
        };
        let root_key = (group, Vec::new());
        if !self.group_dirs.contains_key(&root_key) {
            let made = self.new_folder(&self.groups[group]).await;
            self.group_dirs.insert(root_key.clone(), made);
        }
        let mut at = self.group_dirs[&root_key].clone()?;
        let mut key = root_key;
        for sub in &item.subdirs {
            at.push(sub);
            key.1.push(sub.clone());
            if let Some(made) = self.group_dirs.get(&key) {
                made.clone()?;
                continue;
            }
            let made = self
                .remote
                .sftp()
                .fs()
                .create_dir(&at)
                .await
                .map(|()| at.clone())
                .map_err(|e| self.remote.io_error(&at, &e));
            self.group_dirs.insert(key.clone(), made.clone());
            made?;
        }
        Ok(at)
    }

    async fn new_folder(&self, name: &str) -> Result<PathBuf, IngestError> {
        let mut fs = self.remote.sftp().fs();
        for n in 0..=MAX_ALTERNATIVES {
            let candidate = if n == 0 {
                name.to_owned()
            } else {
                naming::numbered(name, n)
            };
            let at = self.folder.path.join(&candidate);
            match fs.create_dir(&at).await {
                Ok(()) => return Ok(at),
                Err(e) => match fs.symlink_metadata(&at).await {
                    Ok(_) => {}
                    Err(missing) if is_missing(&missing) => {
                        return Err(self.remote.io_error(&at, &e));
                    }
                    Err(other) => return Err(self.remote.io_error(&at, &other)),
                },
            }
        }
        Err(too_many(name))
    }

    /// Gives the sent file its name as the clash policy says.
    async fn place(
        &self,
        store: &mut Store,
        temp: &RemoteTemp,
        folder: &Path,
        name: &str,
    ) -> Result<Placed, IngestError> {
        let worktree_id = self.upload.worktree.as_ref().map(|w| w.id);
        if self.upload.on_conflict == ConflictPolicy::Replace {
            let target = folder.join(name);
            self.remote.rename_over(&temp.path, &target).await?;
            let replaces = match worktree_id {
                Some(id) => store
                    .files()
                    .live_in(id, &target)
                    .map_err(|e| store_failed(&e))?
                    .map(|r| r.id),
                None => None,
            };
            return Ok(Placed::New {
                record: self.new_record(temp, name, target),
                replaces,
            });
        }
        for n in 0..=MAX_ALTERNATIVES {
            let candidate = if n == 0 {
                name.to_owned()
            } else {
                naming::numbered(name, n)
            };
            let target = folder.join(&candidate);
            if self.remote.link_new(&temp.path, &target).await? {
                return Ok(Placed::New {
                    record: self.new_record(temp, &candidate, target),
                    replaces: None,
                });
            }
            // The same bytes already recorded under that name are reused.
            if let Some(id) = worktree_id
                && let Some(record) = store
                    .files()
                    .live_in(id, &target)
                    .map_err(|e| store_failed(&e))?
                && record.sha256 == temp.facts.sha256
                && self.unchanged(&target, &record).await
            {
                return Ok(Placed::Reused(record));
            }
        }
        Err(too_many(name))
    }

    /// Whether the file at `path` still has the recorded size.
    async fn unchanged(&self, path: &Path, record: &FileRecord) -> bool {
        self.remote
            .sftp()
            .fs()
            .symlink_metadata(path)
            .await
            .is_ok_and(|m| {
                m.file_type().is_some_and(|t| t.is_file()) && m.len() == Some(record.size)
            })
    }

    fn new_record(&self, temp: &RemoteTemp, name: &str, path: PathBuf) -> NewFile {
        NewFile {
            session_id: self.upload.session_id,
            worktree_id: self.upload.worktree.as_ref().map(|w| w.id),
            direction: Direction::ToAgent,
            destination: self.upload.destination,
            filename: name.to_owned(),
            path,
            size: temp.facts.size,
            mime: crate::mime::guess(name),
            sniffed_mime: temp.facts.sniffed_mime.clone(),
            sha256: temp.facts.sha256.clone(),
            source: self.upload.origin,
            display_name: None,
            description: None,
            revision: 1,
            mtime_ns: temp.facts.mtime_ns,
            expires_at: self.expires_at,
        }
    }

    /// Records every placed file in one transaction; if that fails, the
    /// files are removed again and each says why.
    async fn record(
        &self,
        store: &mut Store,
        results: Vec<Result<Placed, IngestError>>,
        now: Timestamp,
    ) -> Vec<Result<Saved, IngestError>> {
        let mut files = Vec::new();
        let mut replaces = Vec::new();
        for result in &results {
            if let Ok(Placed::New {
                record,
                replaces: r,
            }) = result
            {
                files.push(record.clone());
                replaces.extend(*r);
            }
        }
        let recorded = store.files().insert_many(&files, &replaces, now);
        let mut records = match recorded {
            Ok(records) => records.into_iter(),
            Err(e) => {
                for file in &files {
                    self.remote.remove_quietly(&file.path).await;
                }
                let failed = store_failed(&e);
                return results
                    .into_iter()
                    .map(|r| r.and_then(|_| Err(failed.clone())))
                    .collect();
            }
        };
        results
            .into_iter()
            .map(|result| {
                result.and_then(|placed| match placed {
                    Placed::New { .. } => records
                        .next()
                        .map(|record| Saved {
                            record,
                            reused: false,
                        })
                        .ok_or_else(|| IngestError::StoreFailed {
                            reason: "a record is missing".to_owned(),
                        }),
                    Placed::Reused(record) => Ok(Saved {
                        record,
                        reused: true,
                    }),
                })
            })
            .collect()
    }
}

impl Remote {
    /// Removes the temp files left in `folder` by uploads that cannot
    /// finish: their process is gone, or (this process's, after a dropped
    /// connection) they have not been written to for a while.
    pub(super) async fn remove_dead_temp_files(&self, folder: &Path) -> Vec<String> {
        use futures_util::StreamExt;
        let mut removed = Vec::new();
        let Ok(dir) = self.sftp().fs().open_dir(folder).await else {
            return removed;
        };
        let entries: Vec<_> = dir.read_dir().collect().await;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for entry in entries.into_iter().flatten() {
            let name = entry.filename().to_string_lossy().into_owned();
            if !name.starts_with(TEMP_PREFIX) {
                continue;
            }
            let Some(pid) = temp_owner(&name) else {
                continue;
            };
            let modified = entry
                .metadata()
                .modified()
                .map_or(0, |t| u64::from(t.into_raw()));
            let stale = pid == std::process::id() && now.saturating_sub(modified) > STALE_TEMP_SECS;
            if !is_alive(pid) || stale {
                self.remove_quietly(&folder.join(&name)).await;
                removed.push(name);
            }
        }
        removed
    }
}

/// Each item's size (0 for one that cannot be read).
fn sizes(items: &[Result<Item, (String, IngestError)>]) -> Vec<u64> {
    items
        .iter()
        .map(|i| match i.as_ref().map(|i| &i.input) {
            Ok(source::Input::File(p)) => std::fs::metadata(p).map_or(0, |m| m.len()),
            Ok(source::Input::Bytes(b)) => b.len() as u64,
            Err(_) => 0,
        })
        .collect()
}

/// Every file failed for the same reason (the folder cannot be used).
fn all_failed(labels: Vec<(usize, String)>, e: &IngestError) -> Report {
    Report {
        folder: None,
        outcomes: labels
            .into_iter()
            .map(|(source, label)| Outcome {
                source,
                label,
                result: Err(e.clone()),
            })
            .collect(),
        refused: None,
    }
}

fn store_failed(e: &crate::store::StoreError) -> IngestError {
    IngestError::StoreFailed {
        reason: e.to_string(),
    }
}

fn too_many(name: &str) -> IngestError {
    IngestError::WriteFailed {
        reason: format!("{MAX_ALTERNATIVES} files named like {name} are already there"),
    }
}
