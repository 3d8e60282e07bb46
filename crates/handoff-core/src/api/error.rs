//! The one error shape use cases return: a kind to branch on and a message
//! for people. It crosses to the page as `{kind, message}` and is printed
//! the same way by the CLI's `--json`.

use serde::Serialize;

use crate::ErrorKind;

/// A failure as a person (or the page) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct ApiError {
    /// What kind of failure, for the page to branch on.
    pub kind: ErrorKind,
    /// What happened and what to do.
    pub message: String,
}

impl ApiError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A record or file that is not there.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// A request that cannot be carried out as given.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
}

macro_rules! from_kinded {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for ApiError {
            fn from(e: $error) -> Self {
                Self::new(e.kind(), e.to_string())
            }
        }
    )*};
}

from_kinded!(
    crate::StoreError,
    crate::IngestError,
    crate::agent::AgentError,
    crate::publish::PublishError,
    crate::remove::RemoveError,
    crate::untracked::AddError,
    crate::settings::SettingsError,
    crate::destination::DestinationError,
    crate::remote::RemoteError,
    crate::remote::BadRemoteSpec,
    crate::share::ShareError,
);

/// What the network runtime says when it cannot start.
impl From<String> for ApiError {
    fn from(message: String) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::new(
            ErrorKind::Internal,
            format!("a background task failed: {e}"),
        )
    }
}
