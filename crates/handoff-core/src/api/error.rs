//! The one error shape use cases return: a kind to branch on and a message
//! for people. It crosses to the page as `{kind, message}` and is printed
//! the same way by the CLI's `--json`. Below the message it keeps the
//! causes of the error it was made from, for the one log line each edge
//! (the app's command runner, the CLI's main, the MCP servers) writes.

use std::error::Error;
use std::fmt;

use serde::Serialize;

use crate::ErrorKind;

/// A failure as a person (or the page) sees it.
// Its `Debug` form is its report, the line the edges log.
#[derive(Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct ApiError {
    /// What kind of failure, for the page to branch on.
    pub kind: ErrorKind,
    /// What happened and what to do.
    pub message: String,
    /// The causes below the message that it does not already say, for the
    /// log; not sent to the page.
    #[serde(skip)]
    #[specta(skip)]
    pub causes: Vec<String>,
}

impl ApiError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            causes: Vec::new(),
        }
    }

    /// An error of `kind` made from `error`: its message, and the causes
    /// below it that the message does not already say.
    pub fn caused(kind: ErrorKind, error: &dyn Error) -> Self {
        Self {
            kind,
            message: error.to_string(),
            causes: crate::logging::unsaid_causes(error),
        }
    }

    /// The whole failure on one line: its kind, message and causes.
    #[must_use]
    pub fn report(&self) -> Report<'_> {
        Report(self)
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
                Self::caused(e.kind(), &e)
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

impl From<crate::runtime::NoRuntime> for ApiError {
    fn from(e: crate::runtime::NoRuntime) -> Self {
        Self::caused(ErrorKind::Internal, &e)
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

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.report(), f)
    }
}

/// [`ApiError::report`]: `kind: message: cause: cause`, on one line.
pub struct Report<'a>(&'a ApiError);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.0.kind, self.0.message)?;
        for cause in &self.0.causes {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not save notes.txt")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("could not save notes.txt: {0}")]
    struct Saying(#[source] std::io::Error);

    #[test]
    fn a_cause_the_message_does_not_say_is_kept_for_the_log_only() {
        let e = ApiError::caused(
            ErrorKind::WriteFailed,
            &Outer(std::io::Error::other("No space left on device")),
        );
        assert_eq!(e.message, "could not save notes.txt");
        assert_eq!(
            e.report().to_string(),
            "WriteFailed: could not save notes.txt: No space left on device"
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "writeFailed", "message": "could not save notes.txt"})
        );
    }

    #[test]
    fn a_cause_the_message_already_says_is_not_repeated() {
        let e = ApiError::caused(
            ErrorKind::WriteFailed,
            &Saying(std::io::Error::other("No space left on device")),
        );
        assert!(e.causes.is_empty());
        assert_eq!(
            e.report().to_string(),
            "WriteFailed: could not save notes.txt: No space left on device"
        );
    }
}
