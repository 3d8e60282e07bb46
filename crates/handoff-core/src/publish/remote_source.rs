//! A file an agent in a remote worktree publishes: resolved on the remote
//! (symlinks included, by the server's `realpath`), held to the same rules
//! as a local one (inside the worktree, outside `.git`, a regular file,
//! within the limit), and fetched into an unnamed local temp file that the
//! snapshot is then copied from. It is opened once there and read only if
//! what was opened is at the resolved path (see `remote::held`), so a
//! symlink or folder swapped in after the checks is refused.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use openssh_sftp_client::error::SftpErrorKind;

use super::PublishError;
use super::source::Publishable;
use crate::remote::{self, ConnectOptions, DownloadError, Remote, RemoteSpec};
use crate::size::ByteSize;

/// Resolves `requested` (relative to the remote worktree when not
/// absolute) on `spec`'s machine and fetches it if an agent may publish it.
pub(super) fn fetch(
    requested: &Path,
    spec: &RemoteSpec,
    options: &ConnectOptions,
    max_size: u64,
) -> Result<Publishable, PublishError> {
    let requested = if requested.is_absolute() {
        requested.to_owned()
    } else {
        spec.path.join(requested)
    };
    remote::block_on(async {
        let remote = Remote::connect(spec, options).await?;
        fetch_over(&remote, &requested, spec, max_size).await
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
    let mut copy = tempfile::tempfile().map_err(|e| failed(requested, &e.to_string()))?;
    remote
        .download(&real, max_size, &mut copy)
        .await
        .map_err(|e| match e {
            DownloadError::NotFound => PublishError::NotFound(requested.to_owned()),
            DownloadError::NotRegular(kind) => PublishError::NotRegularFile {
                path: requested.to_owned(),
                kind,
            },
            DownloadError::TooLarge(size) => PublishError::TooLarge {
                path: requested.to_owned(),
                size: ByteSize(size),
                limit: ByteSize(max_size),
            },
            DownloadError::Moved => failed(
                requested,
                "it changed while it was being published (a symlink or a swapped folder on its way); nothing was published",
            ),
            DownloadError::Failed(reason) => failed(requested, &reason),
        })?;
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
