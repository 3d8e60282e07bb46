//! What a conversation line carries besides its text, typed per kind of
//! line. It is kept as JSON with a `type` tag in the `messages` table and
//! crosses to the page as the same tagged object.

use serde::{Deserialize, Serialize};

use crate::ErrorKind;
use crate::words::agent::{AuthMethod, PermissionChoice, Sent};

/// The details of a conversation line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum MessageData {
    /// Files the person uploaded into the session.
    Uploaded {
        /// The files, in order.
        files: Vec<UploadedFile>,
    },
    /// How files went to the agent with a prompt.
    Sent {
        /// The files, in order.
        files: Vec<FileWay>,
    },
    /// A file the agent published: its card.
    Published(Card),
    /// A tool call and how it went.
    ToolCall(ToolCall),
    /// The agent's plan.
    Plan {
        /// Its steps.
        entries: Vec<String>,
    },
    /// The agent switched modes.
    Mode {
        /// The mode's id.
        mode: String,
    },
    /// The turn ended before the agent was done (tokens ran out, refused…).
    #[serde(rename_all = "camelCase")]
    TurnEnded {
        /// Why, as the agent said (`max_tokens`, `refusal`, `cancelled`…).
        stop_reason: String,
    },
    /// The agent asked for permission.
    Permission {
        /// What it offered.
        options: Vec<PermissionChoice>,
        /// The id of the option chosen (none: cancelled).
        chosen: Option<String>,
    },
    /// Something failed.
    Error(ErrorData),
    /// What the agent made in its worktree during a turn.
    Made(Made),
}

/// The files an agent made, changed or deleted in its worktree in one turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Made {
    /// Each file, by path.
    pub files: Vec<MadeFile>,
    /// Files past the most one turn lists, counted by their top folder.
    pub more: Vec<MoreIn>,
}

/// One file a turn made, changed or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MadeFile {
    /// Its record (none for a deleted file).
    pub file_id: Option<i64>,
    /// Its path in the worktree, `/`-separated.
    pub path: String,
    /// What happened to it.
    pub change: Change,
    /// Its size after the turn (0 when deleted).
    pub size: u64,
    /// Its type.
    pub mime: String,
    /// Lines added and removed, for a text file whose earlier text is known.
    pub lines: Option<LineCounts>,
}

/// What a turn did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// It was not there before the turn.
    New,
    /// It was there and its bytes changed.
    Changed,
    /// It was there and is gone.
    Deleted,
}

/// Lines added and removed by an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LineCounts {
    /// Lines added.
    pub added: u32,
    /// Lines removed.
    pub removed: u32,
}

/// Files of one folder left out of a turn's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MoreIn {
    /// The top folder (`dist/`), or empty for the worktree itself.
    pub folder: String,
    /// How many.
    pub count: u64,
}

/// A file uploaded into a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadedFile {
    /// Its record.
    pub file_id: i64,
    /// Where it was saved.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its type (as sniffed from its bytes, else from its name).
    pub mime: String,
}

/// How one file went to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FileWay {
    /// The file's record.
    pub file_id: i64,
    /// Its path as the agent was told.
    pub path: String,
    /// The blocks it went as.
    pub sent_as: Vec<SentAs>,
    /// The picture that went inline: its size, and whether it is a copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<Sent>,
    /// Why it was not sent inline, when it is an image that was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A block a file went to the agent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SentAs {
    /// An ACP `resource_link` to the file.
    ResourceLink,
    /// Its path, in the message's text only.
    Path,
    /// The picture itself, inline.
    Image,
}

/// The card of a published file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// The snapshot's record.
    pub file_id: i64,
    /// Which version of the file it is (1, 2…).
    pub revision: i64,
    /// The name shown.
    pub name: String,
    /// Its type.
    pub mime: String,
    /// Its size in bytes.
    pub size: u64,
    /// What it is, in the agent's words.
    pub description: Option<String>,
}

/// A tool call of the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    /// The agent's id for it.
    pub id: String,
    /// What it does.
    pub title: String,
    /// `pending`, `in_progress`, `completed` or `failed`.
    pub status: String,
    /// The files it touches.
    pub paths: Vec<String>,
    /// The kind of work, as the agent names it (`read`, `edit`, `delete`,
    /// `move`, `search`, `execute`, `think`, `fetch`); none for other work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The edits it shows, one per file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<ToolDiff>,
    /// A command's exit status, when the agent reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
}

impl ToolCall {
    /// A call with nothing known beyond its id, title and status.
    #[must_use]
    pub fn new(id: impl Into<String>, title: impl Into<String>, status: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            status: status.into(),
            paths: Vec::new(),
            kind: None,
            diffs: Vec::new(),
            exit_code: None,
        }
    }
}

/// One file's edit in a tool call, as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ToolDiff {
    /// The file edited.
    pub path: String,
    /// Lines added.
    pub added: u32,
    /// Lines removed.
    pub removed: u32,
    /// The edit as a unified diff (two lines of context), cut to a size a
    /// conversation can hold.
    pub unified: String,
    /// Whether `unified` was cut.
    pub cut: bool,
}

/// What went wrong, beside the line's headline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ErrorData {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// The agent's last output, when it crashed or hung.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
    /// The ways to sign in, when that is what the agent needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_methods: Vec<AuthWay>,
    /// The profile to sign in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The prompt the failure kept from going out, to send again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Unsent>,
}

/// A way to sign in, with what to do in a person's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuthWay {
    /// The method.
    pub method: AuthMethod,
    /// What to do.
    pub instruction: String,
}

/// A prompt that did not go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Unsent {
    /// Its message.
    pub message: String,
    /// The files that went with it.
    pub file_ids: Vec<i64>,
}
