//! Which files an agent may publish, opened so that what was checked is
//! what is read.
//!
//! The agent may be prompt-injected: a path it names is resolved (symlinks
//! included) and must land inside the session's worktree or one of the
//! uploads folders, outside any `.git` folder. The file is then opened by
//! walking from that root with `O_NOFOLLOW` at every step, and checked by
//! handle to be a regular file: a symlink swapped in after the check is
//! refused, never followed.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::PublishError;
use crate::ingest;

/// The resolved file, opened for reading, and its resolved path.
pub(super) struct Publishable {
    pub file: File,
    pub path: PathBuf,
}

/// Resolves `requested` (relative to `worktree` when not absolute) and
/// opens it if an agent may publish it; `roots` are the folders it may come
/// from (the worktree first).
pub(super) fn open(
    requested: &Path,
    worktree: &Path,
    roots: &[PathBuf],
) -> Result<Publishable, PublishError> {
    let requested = if requested.is_absolute() {
        requested.to_owned()
    } else {
        worktree.join(requested)
    };
    let real = std::fs::canonicalize(&requested).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => PublishError::NotFound(requested.clone()),
        _ => failed(&requested, &e),
    })?;
    let (root, relative) = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .find_map(|root| {
            let relative = real.strip_prefix(&root).ok()?.to_owned();
            Some((root, relative))
        })
        .ok_or_else(|| PublishError::Outside {
            path: requested.clone(),
            worktree: worktree.to_owned(),
        })?;
    let mut names: Vec<&OsStr> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) if name == ".git" => {
                return Err(PublishError::GitInternal(requested.clone()));
            }
            Component::Normal(name) => names.push(name),
            _ => return Err(failed(&requested, &io::Error::other("not a plain path"))),
        }
    }
    let Some(file_name) = names.pop() else {
        return Err(PublishError::NotRegularFile {
            path: requested,
            kind: "folder",
        });
    };
    let refused = |e: io::Error| match e.raw_os_error() {
        Some(code) if code == rustix::io::Errno::LOOP.raw_os_error() => PublishError::Failed {
            path: requested.clone(),
            reason: "a symlink was swapped in while it was being opened".to_owned(),
        },
        _ => failed(&requested, &e),
    };
    let mut dir = crate::safe_dir::SafeDir::open_base(&root).map_err(|e| PublishError::Failed {
        path: requested.clone(),
        reason: e.to_string(),
    })?;
    for name in names {
        dir = dir.open_child(name).map_err(refused)?;
    }
    let file = dir.open_file(file_name).map_err(refused)?;
    let file = ingest::check_regular(file).map_err(|e| match e {
        ingest::IngestError::NotRegularFile { kind } => PublishError::NotRegularFile {
            path: requested.clone(),
            kind,
        },
        other => PublishError::Failed {
            path: requested.clone(),
            reason: other.to_string(),
        },
    })?;
    Ok(Publishable { file, path: real })
}

fn failed(path: &Path, e: &io::Error) -> PublishError {
    PublishError::Failed {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}
