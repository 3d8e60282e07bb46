//! The product's plain words, known to every layer of the core: how a
//! file arrived, what to do on a name clash, which folder it went to, the
//! temp-name rule, the built-in agent's name, the kinds of failure,
//! lowercase hex and text cut at a line. Nothing
//! here knows a flow; everything may use it.

pub mod agent;
pub mod remote_spec;

use serde::{Deserialize, Serialize};

use crate::text_enum::text_enum;

text_enum! {
    /// What happens when a file of the same name is already there.
    pub enum ConflictPolicy {
        /// Save as `name (1).ext`, `name (2).ext`…
        KeepBoth = "keep-both",
        /// Replace the file; its older record is kept, marked `replaced`.
        Replace = "replace",
    }
}

text_enum! {
    /// How a file reached Handoff.
    pub enum Origin {
        /// Dragged onto the window.
        Drop = "drop",
        /// Pasted from the clipboard.
        Paste = "paste",
        /// Chosen in the file picker.
        Picker = "picker",
        /// Given to the `handoff` command.
        Cli = "cli",
        /// Published by an agent through the MCP tool.
        Mcp = "mcp",
        /// Found in an uploads folder and added where it was.
        Found = "found",
        /// Written by the agent with its own tools during a turn.
        Turn = "turn",
    }
}

text_enum! {
    /// The folder a file was saved into.
    pub enum Destination {
        /// `<worktree>/.agor/uploads/`: inside the agent's working folder.
        Worktree = "worktree",
        /// `$TMPDIR/agor-uploads/`: outside any repository; expires.
        Temp = "temp",
        /// `~/.agor/uploads/`: shared by every worktree.
        Global = "global",
        /// Handoff's own store of files published by agents.
        Published = "published",
    }
}

/// Prefix of the temp files ingest writes; anything named like this in an
/// uploads folder is an unfinished write.
pub const TEMP_PREFIX: &str = ".handoff-";
/// Suffix of the temp files ingest writes.
pub const TEMP_SUFFIX: &str = ".part";

/// The process that wrote a temp file, read from its name
/// (`.handoff-<pid>-<random>.part`).
#[must_use]
pub fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    rest.split_once('-')?.0.parse().ok()
}

/// The profile of the built-in demo agent, the default.
pub const DEFAULT_PROFILE: &str = "Demo agent";

/// Lowercase hex of a digest.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `text` up to its last whole line within `most` bytes, and whether it
/// was cut (what a conversation or a preview shows of a long diff).
#[must_use]
pub fn cut_at_line(mut text: String, most: usize) -> (String, bool) {
    if text.len() <= most {
        return (text, false);
    }
    let mut end = most;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(0, |at| at + 1);
    text.truncate(end);
    (text, true)
}

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
