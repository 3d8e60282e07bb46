//! Comparing the records with the disk: which files are still there, which
//! changed, which were never recorded, and which temp files an interrupted
//! write left behind.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use walkdir::WalkDir;

use crate::clock::{self, Timestamp};
use crate::destination::{Destination, Folder, Roots};
use crate::ingest::{self, TEMP_PREFIX, TEMP_SUFFIX, temp_owner};
use crate::settings::Settings;
use crate::store::{FileRecord, FileStatus, StatusChange, Store, StoreError};

/// A temp file that does not name its writer and was untouched for this
/// long belongs to a write that was interrupted (a live copy touches its
/// temp file continuously).
pub const STALE_TEMP_AFTER: Duration = Duration::from_secs(15 * 60);

/// A record whose status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Record id.
    pub id: i64,
    /// The file's path.
    pub path: PathBuf,
    /// The status before.
    pub from: FileStatus,
    /// The status now.
    pub to: FileStatus,
}

/// What a reconcile pass found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Records whose status changed (already saved to the store).
    pub changed: Vec<Change>,
    /// Files in uploads folders that no record follows.
    pub untracked: Vec<PathBuf>,
    /// Leftover temp files of interrupted writes, removed.
    pub removed_temp: Vec<PathBuf>,
    /// Files a killed upload had put in place, now recorded.
    pub recovered: Vec<PathBuf>,
}

/// The uploads folders that exist now: every known worktree's, the temp
/// one and the global one.
pub fn upload_folders(
    store: &mut Store,
    roots: &Roots,
    settings: &Settings,
) -> Result<Vec<PathBuf>, StoreError> {
    let mut folders = Vec::new();
    for worktree in store
        .worktrees()
        .list()?
        .into_iter()
        .filter(|w| w.host.is_none())
    {
        if let Ok(f) = Folder::resolve(Destination::Worktree, roots, Some(&worktree.path), settings)
        {
            folders.push(f.path());
        }
    }
    for destination in [Destination::Temp, Destination::Global] {
        if let Ok(f) = Folder::resolve(destination, roots, None, settings) {
            folders.push(f.path());
        }
    }
    folders.retain(|f| fs::symlink_metadata(f).is_ok_and(|m| m.is_dir()));
    folders.dedup();
    Ok(folders)
}

/// Checks every live record against the disk and walks `folders` for
/// untracked files and stale temp files; status changes are saved.
pub fn reconcile(
    store: &mut Store,
    folders: &[PathBuf],
    now: Timestamp,
) -> Result<ReconcileReport, StoreError> {
    let mut report = ReconcileReport::default();
    let recovered = crate::recovery::settle_dead(store, now)?;
    report.recovered = recovered.recorded.into_iter().map(|r| r.path).collect();
    report.removed_temp = recovered.dropped;
    let live = store.files().live()?;
    let known: HashSet<PathBuf> = live.iter().map(|r| r.path.clone()).collect();
    let mut updates = Vec::new();
    for record in &live {
        if let Some((status, mtime_ns)) = check(record) {
            updates.push(StatusChange {
                id: record.id,
                status,
                mtime_ns,
            });
            if status != record.status {
                report.changed.push(Change {
                    id: record.id,
                    path: record.path.clone(),
                    from: record.status,
                    to: status,
                });
            }
        }
    }
    store.files().set_status(&updates, now)?;
    let stale_before = SystemTime::now()
        .checked_sub(STALE_TEMP_AFTER)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    for folder in folders {
        for entry in WalkDir::new(folder)
            .follow_links(false)
            .min_depth(1)
            .into_iter()
            .flatten()
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            if is_temp_file(path) {
                // A temp file names its writer; one without is stale by age.
                let owner = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(temp_owner);
                let stale = match owner {
                    Some(pid) => !crate::recovery::is_alive(pid),
                    None => entry
                        .metadata()
                        .ok()
                        .and_then(|m| m.modified().ok())
                        .is_some_and(|t| t < stale_before),
                };
                if stale && fs::remove_file(path).is_ok() {
                    report.removed_temp.push(path.to_owned());
                }
            } else if !known.contains(path) && !is_folder_gitignore(folder, path) {
                report.untracked.push(path.to_owned());
            }
        }
    }
    Ok(report)
}

/// Checks the records of the files right in `folder` (not below it) and
/// saves what changed; returns the changes.
pub(crate) fn check_in(
    store: &mut Store,
    folder: &Path,
    now: Timestamp,
) -> Result<Vec<Change>, StoreError> {
    let mut updates = Vec::new();
    let mut changes = Vec::new();
    for record in store.files().live_under(folder)? {
        if record.path.parent() != Some(folder) {
            continue;
        }
        if let Some((status, mtime_ns)) = check(&record) {
            updates.push(StatusChange {
                id: record.id,
                status,
                mtime_ns,
            });
            if status != record.status {
                changes.push(Change {
                    id: record.id,
                    path: record.path,
                    from: record.status,
                    to: status,
                });
            }
        }
    }
    store.files().set_status(&updates, now)?;
    Ok(changes)
}

/// What the disk says of one record: its new status and current mtime, or
/// `None` when nothing changed. The file is hashed only when its size is
/// unchanged but its mtime is not.
pub(crate) fn check(record: &FileRecord) -> Option<(FileStatus, Option<i64>)> {
    let meta = match fs::symlink_metadata(&record.path) {
        Ok(meta) if meta.is_file() => meta,
        _ => return (record.status != FileStatus::Missing).then_some((FileStatus::Missing, None)),
    };
    let mtime = clock::mtime_ns(&meta);
    let status = if meta.len() != record.size {
        FileStatus::Modified
    } else if mtime == record.mtime_ns {
        if record.status == FileStatus::Modified {
            FileStatus::Modified
        } else {
            FileStatus::Present
        }
    } else {
        match ingest::hash_file(&record.path) {
            Ok(sha) if sha == record.sha256 => FileStatus::Present,
            Ok(_) => FileStatus::Modified,
            Err(_) => {
                return (record.status != FileStatus::Missing)
                    .then_some((FileStatus::Missing, None));
            }
        }
    };
    let same_mtime = mtime == record.mtime_ns;
    if status == record.status && (same_mtime || status == FileStatus::Modified) {
        return None;
    }
    // A file that is back with its bytes gets its new mtime recorded, so it
    // is not hashed again next time.
    Some((status, (status == FileStatus::Present).then_some(mtime)))
}

/// Whether `path` is one of ingest's temp files.
pub(crate) fn is_temp_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(TEMP_PREFIX) && n.ends_with(TEMP_SUFFIX))
}

/// The `.gitignore` Handoff writes at the top of an uploads folder.
pub(crate) fn is_folder_gitignore(folder: &Path, path: &Path) -> bool {
    path.parent() == Some(folder) && path.file_name().is_some_and(|n| n == ".gitignore")
}
