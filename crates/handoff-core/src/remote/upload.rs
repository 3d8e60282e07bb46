//! Uploads into a remote worktree, with the promises of a local one: the
//! same name rules and clash policies, limits held while streaming, SHA-256
//! computed while sending, a hidden temp name linked into place without
//! replacing anything, no component of the uploads folder followed through
//! a symlink. A connection that drops mid-batch leaves no file under a real
//! name; every file it stopped is reported; the next connection removes the
//! temp files it left.
//!
//! The steps, as for a local batch: the folders a dropped folder needs are
//! made; the files are sent into temp files, a few at a time over the one
//! channel (one file is fsynced with `fsync@openssh.com`; a batch is made
//! durable with one `sync -f` of the folder's file system there); they
//! are linked into place in order; the folder is looked at again and
//! synced once more; the batch is recorded in one transaction.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use futures_util::StreamExt;

use super::Remote;
use super::place::{Batch, Placed, Target};
use super::send::{RemoteTemp, SendOptions};
use crate::clock::Timestamp;
use crate::destination::Destination;
use crate::ingest::source::{self, Item};
use crate::ingest::{
    ConflictPolicy, IngestError, Outcome, Progress, Report, TEMP_PREFIX, Upload, temp_owner,
};
use crate::recovery::is_alive;
use crate::settings::Settings;
use crate::store::Store;

/// A temp file this process left this long ago (a connection that dropped
/// mid-file) is removed by the next upload; a live upload writes far more
/// often than that.
const STALE_TEMP_SECS: u64 = 120;

/// A batch this small fsyncs each file instead of syncing the folder's
/// file system once.
const FSYNC_EACH_UP_TO: usize = 2;

/// How many files are sent at once over the channel (their requests
/// interleave, so round trips overlap).
const SENDS_IN_FLIGHT: usize = 16;

/// How many files are linked into place at once.
const PLACES_IN_FLIGHT: usize = 32;

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
    let count = expanded.files();
    if let Some(refused) = Report::over_batch_limit(count, upload.max_batch_files) {
        return refused;
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
    let (folder, holder) = match remote.prepare_folder(upload.destination, settings).await {
        Ok(prepared) => prepared,
        Err(e) => return all_failed(labels, &e),
    };
    remote.remove_dead_temp_files(&folder.held.via).await;

    let mut batch = Batch {
        remote,
        upload,
        folder: &folder,
        holder,
        groups: &expanded.groups,
        group_dirs: HashMap::new(),
        expires_at: (upload.destination == Destination::Temp)
            .then(|| now.saturating_add((settings.temp_expiry_secs as i64).saturating_mul(1000))),
    };
    let mut targets = Vec::with_capacity(expanded.items.len());
    for item in &expanded.items {
        targets.push(match item {
            Ok(item) => batch.target(item).await,
            Err((_, e)) => Err(e.clone()),
        });
    }
    let fsync_each = count <= FSYNC_EACH_UP_TO;
    let sent = send_all(
        &batch,
        &expanded.items,
        &expanded.sources,
        targets,
        fsync_each,
        progress,
    )
    .await;
    let sent = if fsync_each {
        sent
    } else {
        durable(remote, &folder.path, sent).await
    };
    let placed = place_all(&batch, store, &expanded.items, sent).await;
    let placed = settle(&batch, placed, fsync_each).await;
    let outcomes = batch.record(store, placed, now).await;
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

/// Sends every file that has a target into a temp file beside it, a few
/// at a time; after a lost connection the rest fail at once.
async fn send_all(
    batch: &Batch<'_>,
    items: &[Result<Item, (String, IngestError)>],
    sources: &[usize],
    targets: Vec<Result<Target, IngestError>>,
    fsync_each: bool,
    progress: &mut dyn FnMut(&Progress),
) -> Vec<Result<(RemoteTemp, Target), IngestError>> {
    let sizes = sizes(items);
    let batch_total = sizes.iter().sum();
    // The sends run interleaved on this one task: progress is shared, not sent.
    let shared = RefCell::new((progress, 0_u64));
    let lost: RefCell<Option<IngestError>> = RefCell::new(None);
    let (shared, lost, sizes) = (&shared, &lost, &sizes);
    let sends = items
        .iter()
        .zip(targets)
        .enumerate()
        .map(|(index, (item, target))| async move {
            let (item, target) = match (item, target) {
                (Ok(item), Ok(target)) => (item, target),
                (Err((_, e)), _) => return Err(e.clone()),
                (_, Err(e)) => return Err(e),
            };
            if let Some(e) = lost.borrow().clone() {
                return Err(e);
            }
            let opts = SendOptions {
                folder: &target.dir.via,
                limit: batch.upload.max_file_size,
                private: batch.upload.destination == Destination::Temp,
                fsync: fsync_each,
            };
            let mut item_done = 0;
            let mut on_bytes = |n: u64| {
                item_done += n;
                let mut shared = shared.borrow_mut();
                shared.1 += n;
                let batch_done = shared.1;
                (shared.0)(&Progress {
                    source: sources[index],
                    item: index,
                    item_done,
                    item_total: Some(sizes[index]),
                    batch_done,
                    batch_total,
                });
            };
            let sent = batch.remote.send(&item.input, &opts, &mut on_bytes).await;
            if let Err(e @ IngestError::Remote(_)) = &sent {
                *lost.borrow_mut() = Some(e.clone());
            }
            sent.map(|temp| (temp, target))
        });
    futures_util::stream::iter(sends)
        .buffered(SENDS_IN_FLIGHT)
        .collect()
        .await
}

/// Gives every sent file its name: first each under its own name, many at
/// once (a link fails on a taken name, so they cannot collide); then, in
/// order, the ones whose name was taken, as the clash policy says.
async fn place_all(
    batch: &Batch<'_>,
    store: &mut Store,
    items: &[Result<Item, (String, IngestError)>],
    sent: Vec<Result<(RemoteTemp, Target), IngestError>>,
) -> Vec<Result<Placed, IngestError>> {
    let keep_both = batch.upload.on_conflict == ConflictPolicy::KeepBoth;
    let first_tries =
        futures_util::stream::iter(items.iter().zip(&sent).map(|(item, sent)| async move {
            match (item, sent) {
                (Ok(item), Ok((temp, target))) if keep_both => {
                    let via = target.dir.via(&item.name);
                    Some(
                        batch
                            .remote
                            .link_new(&temp.path, &via)
                            .await
                            .map(|linked| (linked, via)),
                    )
                }
                _ => None,
            }
        }))
        .buffered(PLACES_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut placed = Vec::with_capacity(sent.len());
    for ((item, sent), first) in items.iter().zip(sent).zip(first_tries) {
        placed.push(match (item, sent, first) {
            (Ok(item), Ok((temp, target)), Some(Ok((true, via)))) => Ok(Placed::New {
                record: batch.new_record(&temp, &item.name, target.record(&item.name)),
                via,
                replaces: None,
            }),
            (_, Ok((temp, _)), Some(Err(e))) => {
                batch.remote.remove_quietly(&temp.path).await;
                Err(e)
            }
            (Ok(item), Ok((temp, target)), _) => {
                let result = batch.place(store, &temp, &target, &item.name).await;
                if !matches!(result, Ok(Placed::New { .. })) {
                    batch.remote.remove_quietly(&temp.path).await;
                }
                result
            }
            (_, Err(e), _) => Err(e),
            (Err((_, e)), _, _) => Err(e.clone()),
        });
    }
    placed
}

/// Makes a batch's temp files durable with one sync of the folder's file
/// system there; if that fails, none of them is placed.
async fn durable(
    remote: &Remote,
    folder: &Path,
    sent: Vec<Result<(RemoteTemp, Target), IngestError>>,
) -> Vec<Result<(RemoteTemp, Target), IngestError>> {
    if !sent.iter().any(Result::is_ok) {
        return sent;
    }
    let Err(e) = remote.sync_file_system(folder).await else {
        return sent;
    };
    let mut failed = Vec::with_capacity(sent.len());
    for result in sent {
        if let Ok((temp, _)) = &result {
            remote.remove_quietly(&temp.path).await;
        }
        failed.push(result.and(Err(e.clone())));
    }
    failed
}

/// Looks at the uploads folder once more (swapped or moved: the placed
/// files are taken back) and, for a batch, syncs the names placed.
async fn settle(
    batch: &Batch<'_>,
    placed: Vec<Result<Placed, IngestError>>,
    fsync_each: bool,
) -> Vec<Result<Placed, IngestError>> {
    if !placed.iter().any(|p| matches!(p, Ok(Placed::New { .. }))) {
        return placed;
    }
    let mut problem = batch.remote.still_there(batch.folder).await.err();
    if problem.is_none()
        && !fsync_each
        && let Err(e) = batch.remote.sync_file_system(&batch.folder.path).await
    {
        problem = Some(e);
    }
    let Some(problem) = problem else {
        return placed;
    };
    let mut settled = Vec::with_capacity(placed.len());
    for result in placed {
        if let Ok(Placed::New { via, .. }) = &result {
            batch.remote.remove_quietly(via).await;
            settled.push(Err(problem.clone()));
        } else {
            settled.push(result);
        }
    }
    settled
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
