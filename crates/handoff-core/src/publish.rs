//! Agent → person: an agent hands over a file it made.
//!
//! [`publish`] snapshots the file into Handoff's own store
//! (`<data dir>/published/<session>/`), so later edits by the agent do not
//! change what was shared; records it as a `from_agent` file, numbered as the
//! next revision of its display name in the session; and adds a card to the
//! conversation. Only regular files are accepted, checked without opening
//! them first, so a FIFO is refused at once instead of blocking.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::clock::Timestamp;
use crate::destination::Destination;
use crate::home::Home;
use crate::ingest::{self, IngestError, Origin};
use crate::mime;
use crate::naming;
use crate::size::ByteSize;
use crate::store::{
    Direction, FileRecord, Message, MessageKind, NewFile, NewMessage, Role, Session, Store,
    StoreError,
};

/// The largest file an agent may publish unless configured otherwise.
pub const DEFAULT_MAX_SIZE: u64 = 100_000_000;

/// A file an agent wants to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishRequest {
    /// The session publishing (the only one it may publish into).
    pub session_id: i64,
    /// The file; a relative path is resolved against the session's worktree.
    pub path: PathBuf,
    /// The name to show; the file's own name when absent.
    pub display_name: Option<String>,
    /// What the file is, in the agent's words.
    pub description: Option<String>,
    /// Largest file accepted, in bytes.
    pub max_size: u64,
}

/// Why a file was not published. Messages are written for the agent to act on.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The session does not exist.
    #[error("session {0} does not exist")]
    NoSession(i64),
    /// The caller presented another session's secret.
    #[error("this publish server is not allowed to publish into session {0}")]
    WrongSession(i64),
    /// Nothing at that path.
    #[error("{0} does not exist")]
    NotFound(PathBuf),
    /// A folder, FIFO, socket or device.
    #[error("{path} is a {kind}, only regular files can be published")]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// "folder", "FIFO", "socket", "device"….
        kind: &'static str,
    },
    /// Over the size limit.
    #[error("{path} is {size}, over the {limit} publish limit")]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// Its size (or at least this much).
        size: ByteSize,
        /// The limit.
        limit: ByteSize,
    },
    /// Reading or saving failed.
    #[error("cannot publish {path}: {reason}")]
    Failed {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A published file and the conversation card that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// The file's record (its `path` is the snapshot).
    pub record: FileRecord,
    /// The card added to the conversation.
    pub message: Message,
}

/// Checks that `token` is the secret of session `session_id`.
pub fn authorize(store: &mut Store, session_id: i64, token: &str) -> Result<Session, PublishError> {
    let session = match store.sessions().get(session_id) {
        Ok(session) => session,
        Err(StoreError::NotFound { .. }) => return Err(PublishError::NoSession(session_id)),
        Err(e) => return Err(e.into()),
    };
    if session.publish_token.is_empty() || session.publish_token != token {
        return Err(PublishError::WrongSession(session_id));
    }
    Ok(session)
}

/// Publishes one file; see the module documentation.
pub fn publish(
    store: &mut Store,
    home: &Home,
    request: &PublishRequest,
    now: Timestamp,
) -> Result<Published, PublishError> {
    let session = match store.sessions().get(request.session_id) {
        Ok(session) => session,
        Err(StoreError::NotFound { .. }) => {
            return Err(PublishError::NoSession(request.session_id));
        }
        Err(e) => return Err(e.into()),
    };
    let worktree = store.worktrees().get(session.worktree_id)?;
    let path = if request.path.is_absolute() {
        request.path.clone()
    } else {
        worktree.path.join(&request.path)
    };
    check_source(&path, request.max_size)?;

    let source_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let display_name = request
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or(source_name, str::to_owned);
    // The snapshot keeps the source's extension so its type survives a
    // display name without one ("Weekly report" from report.md).
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let snapshot_name = if Path::new(&display_name).extension().is_some() || extension.is_empty() {
        naming::sanitize(&display_name)
    } else {
        naming::sanitize(&format!("{display_name}{extension}"))
    };
    let dir = home.published().join(session.id.to_string());
    std::fs::create_dir_all(&dir).map_err(|e| failed(&path, &e))?;
    let copied =
        ingest::copy_one(&path, &dir, &snapshot_name, request.max_size).map_err(|e| match e {
            IngestError::TooLarge { size, limit } => PublishError::TooLarge {
                path: path.clone(),
                size: size.unwrap_or(limit),
                limit,
            },
            IngestError::NotFound => PublishError::NotFound(path.clone()),
            IngestError::NotRegularFile { kind } => PublishError::NotRegularFile {
                path: path.clone(),
                kind,
            },
            other => PublishError::Failed {
                path: path.clone(),
                reason: other.to_string(),
            },
        })?;
    let snapshot_file = copied
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let new_file = NewFile {
        session_id: Some(session.id),
        worktree_id: Some(worktree.id),
        direction: Direction::FromAgent,
        destination: Destination::Published,
        mime: mime::guess(&snapshot_name),
        filename: snapshot_file,
        path: copied.path,
        size: copied.size,
        sniffed_mime: copied.sniffed_mime,
        sha256: copied.sha256,
        source: Origin::Mcp,
        display_name: Some(display_name.clone()),
        description: request.description.clone().filter(|d| !d.trim().is_empty()),
        revision: 1,
        mtime_ns: copied.mtime_ns,
        expires_at: None,
    };
    let record = store.files().insert_published(&new_file, now)?;
    let body = format!(
        "Published {display_name} (v{}, {})",
        record.revision,
        ByteSize(record.size)
    );
    let card = NewMessage::with(
        Role::Agent,
        MessageKind::Published,
        body,
        json!({
            "fileId": record.id,
            "revision": record.revision,
            "name": display_name,
            "mime": record.sniffed_mime.clone().filter(|m| m != "text/plain").unwrap_or_else(|| record.mime.clone()),
            "size": record.size,
            "description": record.description,
        }),
    );
    let message = store.messages().append(session.id, &card, now)?;
    Ok(Published { record, message })
}

/// Refuses what cannot be published without opening it (a FIFO would block).
fn check_source(path: &Path, max_size: u64) -> Result<(), PublishError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PublishError::NotFound(path.to_owned()));
        }
        Err(e) => return Err(failed(path, &e)),
    };
    if !meta.is_file() {
        let kind = ingest::file_type_name(meta.file_type());
        return Err(PublishError::NotRegularFile {
            path: path.to_owned(),
            kind,
        });
    }
    if meta.len() > max_size {
        return Err(PublishError::TooLarge {
            path: path.to_owned(),
            size: ByteSize(meta.len()),
            limit: ByteSize(max_size),
        });
    }
    Ok(())
}

fn failed(path: &Path, e: &std::io::Error) -> PublishError {
    PublishError::Failed {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}
