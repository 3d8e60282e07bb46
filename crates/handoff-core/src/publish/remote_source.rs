//! A file an agent in a remote worktree publishes: resolved on the remote
//! (symlinks included, by the server's `realpath`), held to the same rules
//! as a local one (inside the worktree, outside `.git`, a regular file,
//! within the limit), and fetched over SFTP into an unnamed local temp
//! file that the snapshot is then copied from.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use openssh_sftp_client::error::SftpErrorKind;
use openssh_sftp_client::file::TokioCompatFile;
use tokio::io::AsyncReadExt;

use super::PublishError;
use super::source::Publishable;
use crate::remote::{self, ConnectOptions, Remote, RemoteSpec};
use crate::size::ByteSize;

const CHUNK: usize = 256 * 1024;

/// Resolves `requested` (relative to the remote worktree when not
/// absolute) on `spec`'s machine and fetches it if an agent may publish it.
pub(super) fn fetch(
    requested: &Path,
    spec: &RemoteSpec,
    max_size: u64,
) -> Result<Publishable, PublishError> {
    let requested = if requested.is_absolute() {
        requested.to_owned()
    } else {
        spec.path.join(requested)
    };
    remote::block_on(async {
        let remote = Remote::connect(spec, &ConnectOptions::from_env()).await?;
        let fetched = fetch_over(&remote, &requested, spec, max_size).await;
        if let Err(e) = remote.close().await {
            tracing::warn!(error = %e, "closing the connection after a publish failed");
        }
        fetched
    })
}

async fn fetch_over(
    remote: &Remote,
    requested: &Path,
    spec: &RemoteSpec,
    max_size: u64,
) -> Result<Publishable, PublishError> {
    let mut fs = remote.sftp().fs();
    let sftp_failed = |e: &openssh_sftp_client::Error| match e {
        openssh_sftp_client::Error::SftpError(SftpErrorKind::NoSuchFile, _) => {
            PublishError::NotFound(requested.to_owned())
        }
        other => failed(requested, &other.to_string()),
    };
    let root = fs
        .canonicalize(&spec.path)
        .await
        .map_err(|e| sftp_failed(&e))?;
    let real = fs
        .canonicalize(requested)
        .await
        .map_err(|e| sftp_failed(&e))?;
    let relative = real
        .strip_prefix(&root)
        .map_err(|_| PublishError::Outside {
            path: requested.to_owned(),
            worktree: spec.path.clone(),
        })?;
    if relative
        .components()
        .any(|c| c == Component::Normal(".git".as_ref()))
    {
        return Err(PublishError::GitInternal(requested.to_owned()));
    }
    let meta = fs
        .symlink_metadata(&real)
        .await
        .map_err(|e| sftp_failed(&e))?;
    let kind = meta.file_type();
    if !kind.is_some_and(|k| k.is_file()) {
        let kind = match kind {
            Some(k) if k.is_dir() => "folder",
            Some(k) if k.is_fifo() => "FIFO",
            Some(k) if k.is_socket() => "socket",
            Some(k) if k.is_symlink() => "symlink",
            _ => "device",
        };
        return Err(PublishError::NotRegularFile {
            path: requested.to_owned(),
            kind,
        });
    }
    let size = meta.len().unwrap_or(0);
    let too_large = |size: u64| PublishError::TooLarge {
        path: requested.to_owned(),
        size: ByteSize(size),
        limit: ByteSize(max_size),
    };
    if size > max_size {
        return Err(too_large(size));
    }
    let source = remote
        .sftp()
        .open(&real)
        .await
        .map_err(|e| sftp_failed(&e))?;
    let mut source = Box::pin(TokioCompatFile::new(source));
    let mut copy = tempfile::tempfile().map_err(|e| failed(requested, &e.to_string()))?;
    let mut copied = 0_u64;
    let mut buffer = vec![0_u8; CHUNK];
    loop {
        let n = source
            .read(&mut buffer)
            .await
            .map_err(|e| failed(requested, &e.to_string()))?;
        if n == 0 {
            break;
        }
        copied += n as u64;
        if copied > max_size {
            return Err(too_large(copied));
        }
        copy.write_all(&buffer[..n])
            .map_err(|e| failed(requested, &e.to_string()))?;
    }
    rewind(&mut copy, requested)?;
    Ok(Publishable {
        file: copy,
        path: real,
    })
}

fn rewind(file: &mut File, path: &Path) -> Result<(), PublishError> {
    file.seek(SeekFrom::Start(0))
        .map(drop)
        .map_err(|e| failed(path, &e.to_string()))
}

fn failed(path: &Path, reason: &str) -> PublishError {
    PublishError::Failed {
        path: PathBuf::from(path),
        reason: reason.to_owned(),
    }
}
