//! The one error shape that crosses to the page: `{kind, message}`.

use serde::Serialize;
use specta::Type;

/// An error as the page sees it. `kind` is stable camelCase; the page acts
/// on a few (`authRequired`, `agentNotInstalled`, `agentCrashed`…) and shows
/// `message` for the rest.
#[derive(Debug, Clone, Serialize, Type)]
pub struct IpcError {
    /// What kind of failure, for the page to branch on.
    pub kind: String,
    /// What happened and what to do, for people.
    pub message: String,
}

impl IpcError {
    /// An error of `kind` with `message`.
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            message: message.into(),
        }
    }
}

impl From<handoff_core::StoreError> for IpcError {
    fn from(e: handoff_core::StoreError) -> Self {
        let kind = match e {
            handoff_core::StoreError::NotFound { .. } => "notFound",
            handoff_core::StoreError::TooNew { .. } => "databaseTooNew",
            handoff_core::StoreError::InvalidSetting(_)
            | handoff_core::StoreError::BuiltinProfile { .. } => "invalidSetting",
            _ => "storeFailed",
        };
        Self::new(kind, e.to_string())
    }
}

impl From<handoff_core::IngestError> for IpcError {
    fn from(e: handoff_core::IngestError) -> Self {
        Self::new(e.kind(), e.to_string())
    }
}

impl From<handoff_core::agent::AgentError> for IpcError {
    fn from(e: handoff_core::agent::AgentError) -> Self {
        Self::new(e.kind(), e.to_string())
    }
}

impl From<tauri::Error> for IpcError {
    fn from(e: tauri::Error) -> Self {
        Self::new("internal", e.to_string())
    }
}
