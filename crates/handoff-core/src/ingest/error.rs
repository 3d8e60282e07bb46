//! What can go wrong with one file of a batch.

use crate::destination::DestinationError;
use crate::size::ByteSize;
use crate::words::ErrorKind;

/// Why one file of a batch was not saved. The message is written to follow
/// the file's name: "report.pdf: 73.2 MB is over the 50 MB limit".
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum IngestError {
    /// The file is bigger than the per-file limit (noticed while copying).
    #[error("{} is over the {limit} limit", size.map_or_else(|| "it".to_owned(), |s| s.to_string()))]
    TooLarge {
        /// The file's size when known beforehand.
        size: Option<ByteSize>,
        /// The limit in force.
        limit: ByteSize,
    },
    /// The batch holds more files than allowed; nothing of it was saved.
    #[error("{count} files are over the {limit}-file limit for one upload; nothing was saved")]
    BatchLimit {
        /// How many files the batch holds.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The source was written to while it was being copied.
    #[error(
        "changed while it was being read (it is still being written?); nothing was saved, try again when it is finished"
    )]
    ChangedWhileRead,
    /// The uploads folder was moved or swapped while the file was saved.
    #[error("the uploads folder was moved or replaced while saving; the file was not kept")]
    FolderMoved,
    /// A symlink found inside a dropped folder; symlinks are not followed.
    #[error("is a symlink inside a dropped folder; symlinks are skipped")]
    SymlinkSkipped,
    /// Not a regular file or folder (FIFO, socket, device).
    #[error("is a {kind}; only regular files and folders can be uploaded")]
    NotRegularFile {
        /// "FIFO", "socket", "device"….
        kind: &'static str,
    },
    /// The source does not exist.
    #[error("does not exist")]
    NotFound,
    /// The source could not be read.
    #[error("cannot read it: {reason}")]
    Unreadable {
        /// The system's reason.
        reason: String,
    },
    /// The destination folder is unsafe or unusable.
    #[error(transparent)]
    Destination(#[from] DestinationError),
    /// Writing into the destination failed (disk full, permissions…).
    #[error("cannot save it: {reason}")]
    WriteFailed {
        /// The system's reason.
        reason: String,
    },
    /// The connection to a remote worktree's machine failed or dropped.
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
    /// The file was saved but could not be recorded; it was removed again.
    #[error("cannot record it: {reason}")]
    StoreFailed {
        /// The database's reason.
        reason: String,
    },
}

impl IngestError {
    pub(crate) fn unreadable(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => Self::NotFound,
            std::io::ErrorKind::PermissionDenied => Self::Unreadable {
                reason: "permission denied".to_owned(),
            },
            _ => Self::Unreadable {
                reason: e.to_string(),
            },
        }
    }

    pub(crate) fn write_failed(e: &std::io::Error) -> Self {
        let reason = if e.raw_os_error() == Some(rustix::io::Errno::FBIG.raw_os_error()) {
            "it is over this process's file-size limit (ulimit -f)".to_owned()
        } else {
            e.to_string()
        };
        Self::WriteFailed { reason }
    }
}

impl IngestError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::TooLarge { .. } => ErrorKind::TooLarge,
            Self::BatchLimit { .. } => ErrorKind::BatchLimit,
            Self::ChangedWhileRead => ErrorKind::ChangedWhileRead,
            Self::FolderMoved => ErrorKind::FolderMoved,
            Self::SymlinkSkipped => ErrorKind::SymlinkSkipped,
            Self::NotRegularFile { .. } => ErrorKind::NotRegularFile,
            Self::NotFound => ErrorKind::NotFound,
            Self::Unreadable { .. } => ErrorKind::Unreadable,
            Self::Destination(DestinationError::NoWorktree) => ErrorKind::NoWorktree,
            Self::Destination(_) => ErrorKind::UnsafeDestination,
            Self::WriteFailed { .. } => ErrorKind::WriteFailed,
            Self::StoreFailed { .. } => ErrorKind::StoreFailed,
            Self::Remote(e) => e.kind(),
        }
    }
}
