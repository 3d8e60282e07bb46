//! Moving a staged file to its final name: atomic, never through a planted
//! symlink, never over another upload unless the policy says replace.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::stage::{Facts, Staged};
use super::{ConflictPolicy, IngestError};
use crate::clock;
use crate::naming;
use crate::store::{FileRecord, Files};

/// How many alternative names keep-both tries before giving up.
const MAX_ALTERNATIVES: u32 = 10_000;

/// Where a staged file ended up.
pub(super) enum Placed {
    /// Renamed into place at `path`.
    New {
        path: PathBuf,
        name: String,
        mtime_ns: i64,
        /// A record superseded under the `replace` policy.
        replaced: Option<i64>,
        facts: Facts,
    },
    /// The same bytes were already there under that name: nothing written.
    Reused(FileRecord),
}

/// Renames `staged` to `dir/name` following `policy`.
pub(super) fn place(
    staged: Staged,
    dir: &Path,
    name: &str,
    policy: ConflictPolicy,
    mut files: Option<&mut Files<'_>>,
) -> Result<Placed, IngestError> {
    let target = dir.join(name);
    if let Some(files) = files.as_deref_mut()
        && let Some(record) = same_bytes(files, &target, &staged.facts)?
    {
        return Ok(Placed::Reused(record));
    }
    match policy {
        ConflictPolicy::Replace => {
            let previous = match files {
                Some(files) => files.live_at(&target).map_err(|e| store_failed(&e))?,
                None => None,
            };
            // rename(2) replaces the directory entry itself: a symlink planted
            // at the target is replaced, never written through.
            staged
                .temp
                .persist(&target)
                .map_err(|e| IngestError::write_failed(&e.error))?;
            let mtime_ns = mtime(&target)?;
            Ok(Placed::New {
                path: target,
                name: name.to_owned(),
                mtime_ns,
                replaced: previous.map(|r| r.id),
                facts: staged.facts,
            })
        }
        ConflictPolicy::KeepBoth => {
            let Staged { temp, facts } = staged;
            let mut temp = temp;
            let mut candidate = name.to_owned();
            for n in 1..=MAX_ALTERNATIVES {
                let path = dir.join(&candidate);
                // RENAME_NOREPLACE: fails if anything (file, folder, symlink)
                // has the name, so concurrent uploads never clobber each other.
                match temp.persist_noclobber(&path) {
                    Ok(()) => {
                        let mtime_ns = mtime(&path)?;
                        return Ok(Placed::New {
                            path,
                            name: candidate,
                            mtime_ns,
                            replaced: None,
                            facts,
                        });
                    }
                    Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                        temp = e.path;
                        candidate = naming::numbered(name, n);
                    }
                    Err(e) => return Err(IngestError::write_failed(&e.error)),
                }
            }
            Err(IngestError::WriteFailed {
                reason: format!("{MAX_ALTERNATIVES} files named like {name} are already there"),
            })
        }
    }
}

/// Creates `dir/name` as a new folder, or `name (1)`, `name (2)`… when taken.
pub(super) fn create_folder(dir: &Path, name: &str) -> Result<PathBuf, IngestError> {
    let mut candidate = name.to_owned();
    for n in 1..=MAX_ALTERNATIVES {
        let path = dir.join(&candidate);
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                candidate = naming::numbered(name, n);
            }
            Err(e) => return Err(IngestError::write_failed(&e)),
        }
    }
    Err(IngestError::WriteFailed {
        reason: format!("{MAX_ALTERNATIVES} folders named like {name} are already there"),
    })
}

/// The live record at `target` when it holds exactly the staged bytes and
/// the file on disk is unchanged since it was recorded.
fn same_bytes(
    files: &mut Files<'_>,
    target: &Path,
    staged: &Facts,
) -> Result<Option<FileRecord>, IngestError> {
    let Some(record) = files.live_at(target).map_err(|e| store_failed(&e))? else {
        return Ok(None);
    };
    if record.sha256 != staged.sha256 || record.size != staged.size {
        return Ok(None);
    }
    let unchanged = fs::symlink_metadata(target).is_ok_and(|m| {
        m.is_file() && m.len() == record.size && clock::mtime_ns(&m) == record.mtime_ns
    });
    Ok(unchanged.then_some(record))
}

fn mtime(path: &Path) -> Result<i64, IngestError> {
    let meta = fs::symlink_metadata(path).map_err(|e| IngestError::write_failed(&e))?;
    Ok(clock::mtime_ns(&meta))
}

pub(super) fn store_failed(e: &crate::store::StoreError) -> IngestError {
    IngestError::StoreFailed {
        reason: e.to_string(),
    }
}
