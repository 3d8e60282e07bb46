//! Keeping a remote worktree's records true: every live record's file is
//! looked at with `lstat`, all requests sent at once over the one SFTP
//! channel (one round trip for the batch, not one per file).

use futures_util::future::join_all;

use super::Remote;
use super::folder::is_missing;
use crate::store::{FileRecord, FileStatus, StatusChange};

impl Remote {
    /// The records among `records` (files on this remote) whose status no
    /// longer says what is there: gone → missing; another size or time →
    /// modified; back as recorded → present. A file that cannot be looked
    /// at for another reason keeps its status.
    pub async fn check(&self, records: &[FileRecord]) -> Vec<StatusChange> {
        let looks = records.iter().map(|record| async move {
            let found = self.sftp().fs().symlink_metadata(&record.path).await;
            let status = match found {
                Err(e) if is_missing(&e) => FileStatus::Missing,
                Err(e) => {
                    tracing::debug!(path = %record.path.display(), error = %e, "cannot look at a remote file");
                    return None;
                }
                Ok(meta) => {
                    let secs = meta.modified().map(|t| i64::from(t.into_raw()));
                    let same = meta.file_type().is_some_and(|t| t.is_file())
                        && meta.len() == Some(record.size)
                        && secs == Some(record.mtime_ns.div_euclid(1_000_000_000));
                    if same {
                        FileStatus::Present
                    } else {
                        FileStatus::Modified
                    }
                }
            };
            (status != record.status).then_some(StatusChange {
                id: record.id,
                status,
                mtime_ns: None,
            })
        });
        join_all(looks).await.into_iter().flatten().collect()
    }
}
