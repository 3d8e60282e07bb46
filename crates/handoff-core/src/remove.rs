//! Deleting recorded files on the person's request: to the OS trash by
//! default, so nothing is lost by a wrong click. A file in a remote
//! worktree is deleted there, over SSH, never at the same path here.

use std::io;

use crate::clock::Timestamp;
use crate::store::{FileRecord, FileStatus, StatusChange, Store, StoreError};
use crate::words::ErrorKind;

/// How a file is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Move to the OS trash (restorable).
    Trash,
    /// Delete for good.
    Permanent,
}

/// Why a file could not be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    /// No such record, or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The record was already deleted or expired.
    #[error("file {id} was already {status}")]
    AlreadyGone {
        /// Record id.
        id: i64,
        /// Its status.
        status: FileStatus,
    },
    /// The OS trash refused the file.
    #[error("cannot move {path} to the trash: {reason} (delete it for good instead)")]
    Trash {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file is on a remote worktree's machine, which could not delete it.
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
    /// Deleting failed.
    #[error("cannot delete {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
}

/// Removes the file of record `id` and marks the record `deleted`. A file
/// already missing from disk only has its record marked.
pub fn remove(
    store: &mut Store,
    id: i64,
    how: Removal,
    now: Timestamp,
) -> Result<FileRecord, RemoveError> {
    let record = store.files().get(id)?;
    if !record.status.is_live() {
        return Err(RemoveError::AlreadyGone {
            id,
            status: record.status,
        });
    }
    if let Some(spec) = crate::remote::worktree_of(store, &record)? {
        let options = crate::remote::ConnectOptions::for_settings(&store.settings().load()?);
        crate::remote::block_on(async {
            let remote = crate::remote::Remote::connect(&spec, &options).await?;
            remote.remove_file(&record.path).await
        })?;
    } else {
        remove_here(&record.path, how)?;
    }
    store.files().set_status(
        &[StatusChange {
            id,
            status: FileStatus::Deleted,
            mtime_ns: None,
        }],
        now,
    )?;
    Ok(store.files().get(id)?)
}

/// Deletes a file on this machine, to the trash or for good.
fn remove_here(path: &std::path::Path, how: Removal) -> Result<(), RemoveError> {
    let shown = path.display().to_string();
    if std::fs::symlink_metadata(path).is_ok() {
        match how {
            Removal::Trash => trash::delete(path).map_err(|e| RemoveError::Trash {
                path: shown,
                reason: e.to_string(),
            })?,
            Removal::Permanent => {
                std::fs::remove_file(path).or_else(|e| match e.kind() {
                    io::ErrorKind::NotFound => Ok(()),
                    _ => Err(RemoveError::Io {
                        path: shown,
                        source: e,
                    }),
                })?;
            }
        }
    }
    Ok(())
}

impl RemoveError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Store(e) => e.kind(),
            Self::AlreadyGone { .. } => ErrorKind::AlreadyGone,
            Self::Trash { .. } | Self::Io { .. } => ErrorKind::DeleteFailed,
            Self::Remote(e) => e.kind(),
        }
    }
}
