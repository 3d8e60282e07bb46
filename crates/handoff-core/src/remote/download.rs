//! Reading a remote file's bytes over SFTP: for a file an agent publishes,
//! a picture that goes inline in a prompt, a thumbnail on screen.

use std::io::Write;
use std::path::Path;

use openssh_sftp_client::file::TokioCompatFile;
use tokio::io::AsyncReadExt;

use super::Remote;
use super::folder::is_missing;

const CHUNK: usize = 256 * 1024;

/// Why a remote file's bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// Nothing is at that path.
    #[error("it does not exist")]
    NotFound,
    /// It is not a regular file.
    #[error("it is a {0}, not a regular file")]
    NotRegular(&'static str),
    /// It holds more than the limit (at least this many bytes).
    #[error("it is over the limit ({0} bytes or more)")]
    TooLarge(u64),
    /// Reading it, or writing the copy, failed.
    #[error("{0}")]
    Failed(String),
}

impl Remote {
    /// Copies the regular file at `path` there into `out` (never followed
    /// through a symlink at its last step), refusing it past `limit` bytes
    /// whether its size said so beforehand or it grew while read; returns
    /// how many bytes were copied.
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
        let file = self.sftp().open(path).await.map_err(|e| failed(&e))?;
        let mut file = Box::pin(TokioCompatFile::new(file));
        let mut buffer = vec![0_u8; CHUNK];
        let mut copied = 0_u64;
        loop {
            let n = file.read(&mut buffer).await.map_err(|e| failed(&e))?;
            if n == 0 {
                break;
            }
            copied += n as u64;
            if copied > limit {
                return Err(DownloadError::TooLarge(copied));
            }
            out.write_all(&buffer[..n]).map_err(|e| failed(&e))?;
        }
        Ok(copied)
    }
}
