//! Multipart uploads nobody will finish: a share killed mid-upload leaves
//! its parts in the bucket, billed and invisible, until the upload is
//! aborted. Each upload this home begins is marked by a file in the data
//! folder (`sharing/<SHA-256 of its key>`), locked (`flock`) for as long as
//! its process sends it: a mark that can be locked belongs to a share that
//! is gone. The sweep (at each share, `handoff gc` and the app's hourly
//! sweep) lists the uploads under Handoff's prefix (`ListMultipartUploads`)
//! and aborts those whose share is gone, and any upload of Handoff's shape
//! begun over a day ago (another machine's, sharing to the same folder).

use std::fs::File;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::FlockOperation;
use sha2::{Digest, Sha256};

use super::ShareError;
use super::storage::Storage;
use crate::clock::Timestamp;
use crate::logging::OrLog as _;

/// How old an upload no mark here speaks for must be to be aborted.
const FOREIGN_AGE: Timestamp = 24 * 60 * 60 * 1000;

/// A multipart upload marked as in progress; the mark stays (unlocked)
/// unless [`Mark::done`] says the upload was completed or aborted.
pub(super) struct Mark {
    path: PathBuf,
    _locked: File,
}

impl Mark {
    /// Marks the upload of `key` as this process's, before it begins.
    pub(super) async fn take(dir: &Path, key: &str) -> Result<Self, ShareError> {
        let failed =
            |e: &std::io::Error| ShareError::Failed(format!("cannot mark the upload as ours: {e}"));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| failed(&e))?;
        let path = dir.join(name(key));
        loop {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&path)
                .map_err(|e| failed(&e))?;
            match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
                // A sweep that found the file before it was locked may
                // have removed it: lock a file that is there.
                Ok(()) if is_there(&file, &path) => {
                    return Ok(Self {
                        path,
                        _locked: file,
                    });
                }
                Ok(()) => {}
                Err(rustix::io::Errno::WOULDBLOCK) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => return Err(failed(&e.into())),
            }
        }
    }

    /// The upload is completed or aborted: nothing is left to sweep.
    pub(super) fn done(self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(error = %e, "the mark of a finished upload stays");
        }
    }
}

/// Aborts the multipart uploads under the storage's prefix that no share
/// will finish (see the module); how many.
pub(super) async fn abort(storage: &Storage, now: Timestamp) -> Result<usize, ShareError> {
    let marks = Marks::read(storage.in_flight());
    let prefix = &storage.config().prefix;
    let mut aborted = 0;
    for upload in storage.multipart_uploads(prefix).await? {
        let mark = name(&upload.key);
        let gone = marks.gone.iter().any(|(name, _)| *name == mark);
        let stale = !marks.live.contains(&mark)
            && is_ours(prefix, &upload.key)
            && upload.initiated.is_some_and(|at| now - at > FOREIGN_AGE);
        if gone || stale {
            storage.abort_multipart(&upload.key, &upload.id).await?;
            aborted += 1;
        }
    }
    // Every upload of a gone share is aborted: its mark goes (still
    // locked, so no share can take it meanwhile).
    for (name, _locked) in &marks.gone {
        std::fs::remove_file(storage.in_flight().join(name))
            .or_log("removing the mark of an aborted upload");
    }
    Ok(aborted)
}

/// The marks in the folder, sorted by whether their share still runs.
struct Marks {
    /// Names of marks a running share holds.
    live: Vec<String>,
    /// Marks of shares that are gone, locked by this sweep.
    gone: Vec<(String, File)>,
}

impl Marks {
    fn read(dir: &Path) -> Self {
        let mut marks = Self {
            live: Vec::new(),
            gone: Vec::new(),
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return marks;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(file) = File::open(entry.path()) else {
                continue;
            };
            match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => marks.gone.push((name, file)),
                Err(_) => marks.live.push(name),
            }
        }
        marks
    }
}

/// A mark's file name: the SHA-256 of the object's key.
fn name(key: &str) -> String {
    crate::words::hex(&Sha256::digest(key.as_bytes()))
}

/// Whether `file` is still the one at `path` (not removed meanwhile).
fn is_there(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(there)) => held.dev() == there.dev() && held.ino() == there.ino(),
        _ => false,
    }
}

/// Whether `key` has the shape of a Handoff object: under the prefix, a
/// folder of 32 hex digits, a name.
fn is_ours(prefix: &str, key: &str) -> bool {
    key.strip_prefix(prefix)
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(folder, name)| {
            folder.len() == 32
                && folder
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && !name.is_empty()
        })
}

#[cfg(test)]
mod tests {
    use super::is_ours;

    #[test]
    fn only_keys_of_handoffs_shape_are_ours() {
        let folder = "0123456789abcdef0123456789abcdef";
        assert!(is_ours("links/", &format!("links/{folder}/report.pdf")));
        assert!(is_ours("", &format!("{folder}/a b.png.age")));
        assert!(!is_ours("links/", &format!("other/{folder}/report.pdf")));
        assert!(!is_ours("", "backups/2024/db.tar"));
        assert!(!is_ours("", &format!("{folder}/")));
        assert!(!is_ours("", "0123456789ABCDEF0123456789ABCDEF/x"));
    }
}
