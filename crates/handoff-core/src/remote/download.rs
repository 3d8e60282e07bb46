//! Reading a remote file's bytes over SFTP: for a file an agent publishes,
//! a picture that goes inline in a prompt, a thumbnail on screen.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Remote;
use super::folder::is_missing;
use super::held::Read;

/// Why a remote file's bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// Nothing is at that path.
    #[error("it does not exist")]
    NotFound,
    /// It is not a regular file.
    #[error("it is a {0}, not a regular file")]
    NotRegular(&'static str),
    /// A symlink or swapped folder on its way leads elsewhere (nothing was read).
    #[error(
        "it is no longer where its path says (a symlink or a swapped folder on the way); nothing was read"
    )]
    Moved,
    /// It holds more than the limit (at least this many bytes).
    #[error("it is over the limit ({0} bytes or more)")]
    TooLarge(u64),
    /// Reading it, or writing the copy, failed.
    #[error("{0}")]
    Failed(String),
}

impl Remote {
    /// Copies the regular file at `path` there into `out`, refusing it past
    /// `limit` bytes whether its size said so beforehand or it grew while
    /// read; returns how many bytes were copied. The file is opened once
    /// there and read only if what was opened is really at `path` (see
    /// [`super::held`]): a symlink swapped in at any step, or a folder
    /// swapped on the way, is refused, never followed.
    pub async fn download(
        &self,
        path: &Path,
        limit: u64,
        out: &mut (dyn Write + Send),
    ) -> Result<u64, DownloadError> {
        let failed = |e: &dyn std::fmt::Display| DownloadError::Failed(e.to_string());
        let meta = match self.sftp().fs().symlink_metadata(path).await {
            Ok(meta) => meta,
            Err(e) if is_missing(&e) => return Err(DownloadError::NotFound),
            Err(e) => return Err(failed(&e)),
        };
        match meta.file_type() {
            Some(kind) if kind.is_file() => {}
            Some(kind) if kind.is_dir() => return Err(DownloadError::NotRegular("folder")),
            Some(kind) if kind.is_symlink() => return Err(DownloadError::NotRegular("symlink")),
            Some(kind) if kind.is_fifo() => return Err(DownloadError::NotRegular("FIFO")),
            Some(kind) if kind.is_socket() => return Err(DownloadError::NotRegular("socket")),
            _ => return Err(DownloadError::NotRegular("device")),
        }
        if let Some(size) = meta.len().filter(|size| *size > limit) {
            return Err(DownloadError::TooLarge(size));
        }
        let real = self.real_place(path).await.map_err(|e| failed(&e))?;
        let Some(real) = real else {
            return Err(DownloadError::Moved);
        };
        let mut copied = 0_u64;
        let mut too_large = false;
        let mut take = |bytes: &[u8]| {
            copied += bytes.len() as u64;
            if copied > limit {
                too_large = true;
                return Err("over the limit".to_owned());
            }
            out.write_all(bytes).map_err(|e| e.to_string())
        };
        let ended = self.read_held(&real, &mut take).await;
        match ended.map_err(|e| failed(&e))? {
            Read::Done => {}
            Read::Missing => return Err(DownloadError::NotFound),
            Read::Moved => return Err(DownloadError::Moved),
            Read::NotRegular => return Err(DownloadError::NotRegular("special file")),
            Read::Stopped(_) if too_large => return Err(DownloadError::TooLarge(copied)),
            Read::Stopped(reason) => return Err(DownloadError::Failed(reason)),
        }
        Ok(copied)
    }
}

impl Remote {
    /// Where `path` (a file of this machine) really is: the worktree's real
    /// path joined with the rest when it is in the worktree; else it is
    /// taken as written, and `None` when its folder is not really there
    /// (a symlink in it).
    async fn real_place(&self, path: &Path) -> Result<Option<PathBuf>, openssh_sftp_client::Error> {
        let root = &self.spec().path;
        let (root, rest) = match path.strip_prefix(root) {
            Ok(rest) if !rest.as_os_str().is_empty() => (root.as_path(), rest),
            _ => match (path.parent(), path.file_name()) {
                (Some(parent), Some(name)) => (parent, Path::new(name)),
                _ => return Ok(None),
            },
        };
        let real_root = self.sftp().fs().canonicalize(root).await?;
        let in_worktree = root == self.spec().path;
        Ok((in_worktree || real_root == root).then(|| real_root.join(rest)))
    }
}
