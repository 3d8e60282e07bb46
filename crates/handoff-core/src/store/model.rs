//! The records the store hands out.

use std::path::PathBuf;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::text_enum::text_enum;
use crate::words::Destination;
use crate::words::Origin;

text_enum! {
    /// Which way a file moved.
    pub enum Direction {
        /// Handed by the person to the agent (an upload).
        ToAgent = "to_agent",
        /// Published by the agent to the person.
        FromAgent = "from_agent",
        /// Made (written, changed) by the agent with its own tools in its
        /// worktree during a turn, and found when the turn ended.
        Made = "made",
    }
}

text_enum! {
    /// What is known of a recorded file on disk.
    pub enum FileStatus {
        /// On disk with the recorded bytes.
        Present = "present",
        /// No longer at its path (moved or deleted by someone else).
        Missing = "missing",
        /// At its path, with other bytes than recorded.
        Modified = "modified",
        /// Deleted through Handoff (to the trash or for good).
        Deleted = "deleted",
        /// A temp upload removed by the expiry sweep.
        Expired = "expired",
        /// Superseded by a newer upload of the same name (`replace` policy).
        Replaced = "replaced",
    }
}

impl FileStatus {
    /// Statuses whose files Handoff still watches on disk.
    pub const LIVE: [FileStatus; 3] = [
        FileStatus::Present,
        FileStatus::Missing,
        FileStatus::Modified,
    ];

    /// Whether the record still follows a file on disk.
    #[must_use]
    pub fn is_live(self) -> bool {
        Self::LIVE.contains(&self)
    }
}

/// A file that moved, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRecord {
    /// Record id.
    pub id: i64,
    /// The session it belongs to, if any.
    pub session_id: Option<i64>,
    /// The worktree it belongs to, if any.
    pub worktree_id: Option<i64>,
    /// Which way it moved.
    pub direction: Direction,
    /// Which folder it was saved into.
    pub destination: Destination,
    /// The saved file name (after sanitizing and clash handling).
    pub filename: String,
    /// Absolute path of the saved file.
    pub path: PathBuf,
    /// Size in bytes when saved.
    pub size: u64,
    /// MIME type guessed from the extension.
    pub mime: String,
    /// MIME type sniffed from the first bytes, when recognizable.
    pub sniffed_mime: Option<String>,
    /// Hex SHA-256 of the saved bytes.
    pub sha256: String,
    /// How the file arrived.
    pub source: Origin,
    /// What is known of it on disk.
    pub status: FileStatus,
    /// The name an agent gave a published file.
    pub display_name: Option<String>,
    /// The description an agent gave a published file.
    pub description: Option<String>,
    /// Revision number among published files of the same display name.
    pub revision: i64,
    /// Modification time of the saved file, in nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// When the record last changed.
    pub updated_at: Timestamp,
    /// When a temp upload expires.
    pub expires_at: Option<Timestamp>,
}

impl FileRecord {
    /// Whether the sniffed content type disagrees with the extension (a PNG
    /// named `.pdf`, say).
    #[must_use]
    pub fn mime_mismatch(&self) -> bool {
        crate::mime::is_mismatch(&self.mime, self.sniffed_mime.as_deref())
    }
}

/// A folder the person works in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Worktree {
    /// Record id.
    pub id: i64,
    /// Absolute, canonical path; for a remote worktree, the worktree as
    /// written (`host:/abs/path` or `ssh://…/abs/path`).
    pub path: PathBuf,
    /// Display name (the folder's name).
    pub name: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// For a worktree on another machine, what `ssh` connects to.
    pub host: Option<String>,
}

impl Worktree {
    /// The worktree's folder on the machine it is on.
    #[must_use]
    pub fn folder(&self) -> PathBuf {
        self.remote()
            .map_or_else(|| self.path.clone(), |spec| spec.path)
    }

    /// Where this worktree is, when it is on another machine.
    #[must_use]
    pub fn remote(&self) -> Option<crate::words::remote_spec::RemoteSpec> {
        self.host.as_ref()?;
        crate::words::remote_spec::RemoteSpec::parse(&self.path.to_string_lossy())
            .ok()
            .flatten()
    }
}

/// A conversation with one agent in one worktree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Record id.
    pub id: i64,
    /// The worktree the agent runs in.
    pub worktree_id: i64,
    /// The agent profile used to start the agent.
    pub agent_profile_id: Option<i64>,
    /// Title shown in the sidebar.
    pub title: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The secret the session's MCP publish server presents; never shown.
    #[serde(skip)]
    pub publish_token: String,
    /// The ACP session mode asked for this session (wins over the profile's).
    pub mode: Option<String>,
    /// The agent settings asked for this session (option id → value id;
    /// each wins over the profile's).
    pub options: std::collections::BTreeMap<String, String>,
}

text_enum! {
    /// Who a conversation line is from.
    pub enum Role {
        /// The person.
        User = "user",
        /// The agent.
        Agent = "agent",
        /// Handoff itself (uploads, published files, errors).
        System = "system",
    }
}

text_enum! {
    /// What a conversation line is.
    pub enum MessageKind {
        /// Plain text (a prompt, the agent's reply).
        Text = "text",
        /// The agent's reasoning.
        Thought = "thought",
        /// A tool call and its status (`data`: id, title, status).
        ToolCall = "tool_call",
        /// The agent's plan (`data`: entries).
        Plan = "plan",
        /// Files handed to the agent (`data`: file ids and how each was sent).
        Files = "files",
        /// A file the agent published (`data`: file id).
        Published = "published",
        /// Something failed (`data`: error kind, stderr tail).
        Error = "error",
        /// The agent asked for permission (`data`: options, the choice).
        Permission = "permission",
        /// What the agent made in its worktree during a turn (`data`: the
        /// files, each new, changed or deleted).
        Made = "made",
    }
}

/// One line of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Record id.
    pub id: i64,
    /// The session.
    pub session_id: i64,
    /// Position in the conversation, from 1.
    pub seq: i64,
    /// Who it is from.
    pub role: Role,
    /// What it is.
    pub kind: MessageKind,
    /// Its text.
    pub body: String,
    /// Structured details, by kind.
    pub data: Option<super::MessageData>,
    /// When it was written.
    pub created_at: Timestamp,
}

/// How to start an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentProfile {
    /// Record id.
    pub id: i64,
    /// Display name, unique.
    pub name: String,
    /// The program (looked up on `PATH` unless absolute; `handoff` means
    /// this Handoff's own executable).
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: std::collections::BTreeMap<String, String>,
    /// Shipped with Handoff (cannot be removed).
    pub builtin: bool,
    /// The ACP session mode its sessions start in, when not the agent's own.
    pub default_mode: Option<String>,
    /// The agent settings its sessions start with (option id → value id).
    pub default_options: std::collections::BTreeMap<String, String>,
}
