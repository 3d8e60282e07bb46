//! What kind of failure an error is: one closed list for every error that
//! reaches a person, the same in the app (where the page branches on it),
//! in the CLI's `--json` output and in the conversation's error lines.

use serde::{Deserialize, Serialize};

use crate::agent::AgentError;
use crate::destination::DestinationError;
use crate::ingest::IngestError;
use crate::publish::PublishError;
use crate::remove::RemoveError;
use crate::settings::SettingsError;
use crate::store::StoreError;
use crate::untracked::AddError;

/// A stable name for a kind of failure, written in camelCase on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// A record, file, session or profile that does not exist (any more).
    NotFound,
    /// A request that cannot be carried out as given (empty title, bad name…).
    InvalidInput,
    /// A setting or profile value that was refused.
    InvalidSetting,
    /// The database was written by a newer Handoff.
    DatabaseTooNew,
    /// The database failed.
    StoreFailed,
    /// A file over the size limit.
    TooLarge,
    /// A batch over the file limit.
    BatchLimit,
    /// A file that changed while it was read.
    ChangedWhileRead,
    /// A folder that was moved while its files were saved.
    FolderMoved,
    /// A symbolic link, skipped.
    SymlinkSkipped,
    /// A FIFO, socket, device or folder where a file was expected.
    NotRegularFile,
    /// A file that could not be read.
    Unreadable,
    /// The worktree destination without a worktree.
    NoWorktree,
    /// A destination that is not safe to write into (a symlink, another
    /// owner's folder…).
    UnsafeDestination,
    /// Writing failed.
    WriteFailed,
    /// Deleting failed.
    DeleteFailed,
    /// A file already deleted or expired.
    AlreadyGone,
    /// A path outside the places it may be (publishing, adding a file).
    Outside,
    /// The agent's program is not installed.
    AgentNotInstalled,
    /// The agent needs the person to sign in.
    AuthRequired,
    /// The agent exited or broke the protocol.
    AgentCrashed,
    /// The agent did not answer in time.
    AgentTimeout,
    /// The agent refused a request.
    AgentFailed,
    /// A mode the agent does not offer.
    UnknownMode,
    /// A setting or value the agent does not offer.
    UnknownOption,
    /// The agent is in a turn and cannot change now.
    AgentBusy,
    /// Opening a file or a link with another program failed.
    OpenFailed,
    /// The clipboard could not be read.
    ClipboardFailed,
    /// A remote machine's host key is not the known one.
    RemoteHostKey,
    /// A remote machine refused the person's key.
    RemoteAuth,
    /// A remote machine does not answer.
    RemoteUnreachable,
    /// SSH or SFTP failed otherwise.
    RemoteFailed,
    /// Sharing is not set up, or the bucket it names is not there.
    ShareNotSetUp,
    /// The storage refused the key (unknown, wrong secret, no access, clock).
    ShareRefused,
    /// The storage does not answer.
    ShareUnreachable,
    /// The storage failed otherwise.
    ShareFailed,
    /// Something that should not happen (a task that panicked).
    Internal,
}

impl StoreError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::TooNew { .. } => ErrorKind::DatabaseTooNew,
            Self::NoRandomness(_) => ErrorKind::Internal,
            Self::InvalidSetting(_)
            | Self::BuiltinProfile { .. }
            | Self::ProfileNameTaken { .. } => ErrorKind::InvalidSetting,
            _ => ErrorKind::StoreFailed,
        }
    }
}

impl crate::remote::RemoteError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::BadSpec { .. } => ErrorKind::InvalidInput,
            Self::HostKey { .. } => ErrorKind::RemoteHostKey,
            Self::Auth { .. } => ErrorKind::RemoteAuth,
            Self::Unreachable { .. } | Self::Lost { .. } => ErrorKind::RemoteUnreachable,
            Self::NoFolder { .. } => ErrorKind::NotFound,
            Self::Failed { .. } => ErrorKind::RemoteFailed,
        }
    }
}

impl crate::share::ShareError {
    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotSetUp | Self::BadEndpoint(_) | Self::BucketMissing { .. } => {
                ErrorKind::ShareNotSetUp
            }
            Self::NoKey { .. } | Self::WrongKey(_) | Self::Denied(_) | Self::ClockSkew(_) => {
                ErrorKind::ShareRefused
            }
            Self::Unreachable { .. } => ErrorKind::ShareUnreachable,
            Self::Failed(_) | Self::Keyring(_) => ErrorKind::ShareFailed,
            Self::File(_) | Self::Changed { .. } => ErrorKind::Unreadable,
            Self::NothingShared(cause) | Self::StillShared { cause, .. } => cause.kind(),
            Self::NoRandomness(_) => ErrorKind::Internal,
            Self::BadExpiry(_) => ErrorKind::InvalidInput,
            Self::NotLive(_) => ErrorKind::AlreadyGone,
            Self::Store(e) => e.kind(),
        }
    }
}

impl SettingsError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidSetting
    }
}

impl DestinationError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NoWorktree => ErrorKind::NoWorktree,
            Self::Io { .. } => ErrorKind::WriteFailed,
            Self::NotAnUploadTarget | Self::Unsafe { .. } => ErrorKind::UnsafeDestination,
        }
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

impl AgentError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotInstalled { .. } => ErrorKind::AgentNotInstalled,
            Self::AuthRequired { .. } => ErrorKind::AuthRequired,
            Self::Crashed { .. } | Self::TooLong { .. } => ErrorKind::AgentCrashed,
            Self::Timeout { .. } => ErrorKind::AgentTimeout,
            Self::Refused { .. } => ErrorKind::AgentFailed,
            Self::UnknownMode { .. } => ErrorKind::UnknownMode,
            Self::BadOption { .. } => ErrorKind::UnknownOption,
            Self::Busy => ErrorKind::AgentBusy,
            Self::Store(_) => ErrorKind::StoreFailed,
            Self::Remote(e) => e.kind(),
        }
    }
}

impl PublishError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NoSession(_) | Self::NotFound(_) => ErrorKind::NotFound,
            Self::WrongSession(_) | Self::Outside { .. } | Self::GitInternal(_) => {
                ErrorKind::Outside
            }
            Self::BadName(_) => ErrorKind::InvalidInput,
            Self::NotRegularFile { .. } => ErrorKind::NotRegularFile,
            Self::TooLarge { .. } => ErrorKind::TooLarge,
            Self::Failed { .. } => ErrorKind::WriteFailed,
            Self::Store(e) => e.kind(),
            Self::Remote(e) => e.kind(),
        }
    }
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

impl AddError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Outside(_) => ErrorKind::Outside,
            Self::AlreadyRecorded(_) => ErrorKind::InvalidInput,
            Self::Read { .. } => ErrorKind::Unreadable,
            Self::Store(e) => e.kind(),
        }
    }
}

/// The error and its causes, one sentence.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(said.trim());
        }
        source = cause.source();
    }
    text
}
