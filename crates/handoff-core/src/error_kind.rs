//! What kind of failure an error is: one closed list for every error that
//! reaches a person, the same in the app (where the page branches on it),
//! in the CLI's `--json` output and in the conversation's error lines.

use crate::agent::AgentError;
use crate::destination::DestinationError;
use crate::ingest::IngestError;
use crate::publish::PublishError;
use crate::remove::RemoveError;
use crate::settings::SettingsError;
use crate::store::StoreError;
use crate::untracked::AddError;
pub use crate::words::ErrorKind;

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

impl crate::remote::BadRemoteSpec {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
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
