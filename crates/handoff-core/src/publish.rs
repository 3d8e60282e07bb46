//! Agent → person: an agent hands over a file it made.
//!
//! [`publish`] snapshots the file into Handoff's own store
//! (`<data dir>/published/<session>/`), so later edits by the agent do not
//! change what was shared; records it as a `from_agent` file, numbered as the
//! next revision of its display name in the session; and adds a card to the
//! conversation. Only regular files inside the session's worktree or its
//! uploads folders are accepted (see [`source`]); the snapshot is readable
//! by this user only. The part of an agent's reply past what the
//! conversation keeps of one turn is taken in the same way
//! ([`REPLY_REST`]).

mod remote_source;
mod source;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::clock::Timestamp;
use crate::destination::{Destination, DestinationError, Folder, Roots};
use crate::home::Home;
use crate::ingest::{self, IngestError, Origin};
use crate::naming;
use crate::safe_dir::{Privacy, SafeDir};
use crate::size::ByteSize;
use crate::store::{
    Card, Direction, FileRecord, Message, MessageData, MessageKind, NewFile, NewMessage, Role,
    Session, Store, StoreError,
};
use crate::words::ErrorKind;

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
    /// The file resolves to a place outside the worktree and uploads folders.
    #[error(
        "{path} is outside this session's worktree ({worktree}) and its uploads folders; only files there can be published"
    )]
    Outside {
        /// The path asked for.
        path: PathBuf,
        /// The session's worktree.
        worktree: PathBuf,
    },
    /// The file is inside a `.git` folder.
    #[error("{0} is inside .git, Git's own data, which is never published")]
    GitInternal(PathBuf),
    /// The display name holds control characters.
    #[error("the display name {0:?} holds control characters; give a plain name")]
    BadName(String),
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
    /// The remote worktree's machine could not be reached.
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
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
    if let Some(name) = request
        .display_name
        .as_deref()
        .filter(|n| n.chars().any(char::is_control))
    {
        return Err(PublishError::BadName(name.to_owned()));
    }
    let source::Publishable { file, path } = if let Some(spec) = worktree.remote() {
        let options = crate::remote::ConnectOptions::for_settings(&store.settings().load()?);
        remote_source::fetch(&request.path, &spec, &options, request.max_size)?
    } else {
        let allowed = allowed_roots(store, &worktree.path)?;
        source::open(&request.path, &worktree.path, &allowed)?
    };
    let size = file.metadata().map_err(|e| failed(&path, &e))?.len();
    if size > request.max_size {
        return Err(PublishError::TooLarge {
            path,
            size: ByteSize(size),
            limit: ByteSize(request.max_size),
        });
    }

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
    let snapshot = Snapshot {
        session_id: session.id,
        worktree_id: worktree.id,
        name: snapshot_name(&path, &display_name),
        display_name,
        description: request.description.clone().filter(|d| !d.trim().is_empty()),
        max_size: request.max_size,
    };
    snapshot.take(store, home, file, &path, now)
}

/// The name under which the rest of an agent's overlong reply is kept.
pub const REPLY_REST: &str = "Rest of the reply";

/// Keeps `text`, the part of an agent's reply in session `session_id`
/// past what the conversation stores, as a file of the session the person
/// can open, with its card in the conversation; `dropped` bytes past
/// [`DEFAULT_MAX_SIZE`] were not kept at all.
pub(crate) fn keep_reply_rest(
    store: &mut Store,
    home: &Home,
    session_id: i64,
    text: std::fs::File,
    dropped: u64,
    now: Timestamp,
) -> Result<Published, PublishError> {
    let session = store.sessions().get(session_id)?;
    let rest =
        "The agent's reply went on past what the conversation keeps of one turn; this is the rest.";
    let description = if dropped > 0 {
        format!(
            "{rest} The last {} were not kept (over the {} limit).",
            ByteSize(dropped),
            ByteSize(DEFAULT_MAX_SIZE)
        )
    } else {
        rest.to_owned()
    };
    let snapshot = Snapshot {
        session_id,
        worktree_id: session.worktree_id,
        name: format!("{REPLY_REST}.md"),
        display_name: REPLY_REST.to_owned(),
        description: Some(description),
        max_size: DEFAULT_MAX_SIZE,
    };
    snapshot.take(store, home, text, Path::new(REPLY_REST), now)
}

/// A snapshot of a file about to be taken into a session.
struct Snapshot {
    session_id: i64,
    worktree_id: i64,
    /// The file name it is saved under.
    name: String,
    display_name: String,
    description: Option<String>,
    max_size: u64,
}

impl Snapshot {
    /// Copies `file` (`path` names it in errors) into the session's
    /// snapshot folder, records it as the next revision of its display
    /// name, and adds its card to the conversation.
    fn take(
        self,
        store: &mut Store,
        home: &Home,
        file: std::fs::File,
        path: &Path,
        now: Timestamp,
    ) -> Result<Published, PublishError> {
        let Self {
            session_id,
            worktree_id,
            name,
            display_name,
            description,
            max_size,
        } = self;
        let dir = snapshot_folder(home, session_id).map_err(|e| PublishError::Failed {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let template = NewFile {
            session_id: Some(session_id),
            worktree_id: Some(worktree_id),
            direction: Direction::FromAgent,
            destination: Destination::Published,
            mime: String::new(),
            filename: String::new(),
            path: PathBuf::new(),
            size: 0,
            sniffed_mime: None,
            sha256: String::new(),
            // What the agent hands over, through the tool or in its reply.
            source: Origin::Mcp,
            display_name: Some(display_name.clone()),
            description,
            revision: 1,
            mtime_ns: 0,
            expires_at: None,
        };
        let record = ingest::copy_one(store, file, dir, &name, max_size, template, now)
            .map_err(|e| copy_failed(path, e))?;
        let body = format!(
            "Published {display_name} (v{}, {})",
            record.revision,
            ByteSize(record.size)
        );
        let card = NewMessage::with(
            Role::Agent,
            MessageKind::Published,
            body,
            MessageData::Published(Card {
                file_id: record.id,
                revision: record.revision,
                name: display_name,
                mime: record
                    .sniffed_mime
                    .clone()
                    .filter(|m| m != "text/plain")
                    .unwrap_or_else(|| record.mime.clone()),
                size: record.size,
                description: record.description.clone(),
            }),
        );
        let message = store.messages().append(session_id, &card, now)?;
        Ok(Published { record, message })
    }
}

/// Says in publish terms why copying `path` failed.
fn copy_failed(path: &Path, e: IngestError) -> PublishError {
    let path = path.to_owned();
    match e {
        IngestError::TooLarge { size, limit } => PublishError::TooLarge {
            path,
            size: size.unwrap_or(limit),
            limit,
        },
        IngestError::NotFound => PublishError::NotFound(path),
        IngestError::NotRegularFile { kind } => PublishError::NotRegularFile { path, kind },
        other => PublishError::Failed {
            path,
            reason: other.to_string(),
        },
    }
}

/// Where an agent may publish from: its worktree, and the temp and global
/// uploads folders.
fn allowed_roots(store: &mut Store, worktree: &Path) -> Result<Vec<PathBuf>, PublishError> {
    let settings = store.settings().load()?;
    let roots = Roots::from_env();
    let mut allowed = vec![worktree.to_owned()];
    for destination in [Destination::Temp, Destination::Global] {
        if let Ok(folder) = Folder::resolve(destination, &roots, None, &settings) {
            allowed.push(folder.path());
        }
    }
    Ok(allowed)
}

/// The snapshot's file name: the display name, keeping the source's
/// extension so its type survives a display name without one ("Weekly
/// report" from report.md).
fn snapshot_name(source: &Path, display_name: &str) -> String {
    let extension = source
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    if Path::new(display_name).extension().is_some() || extension.is_empty() {
        naming::sanitize(display_name)
    } else {
        naming::sanitize(&format!("{display_name}{extension}"))
    }
}

/// `<data dir>/published/<session>/`, private to this user, by handle.
fn snapshot_folder(home: &Home, session_id: i64) -> Result<SafeDir, DestinationError> {
    let data = SafeDir::open_base(home.dir())?;
    data.child(OsStr::new("published"), Privacy::Private)?
        .child(OsStr::new(&session_id.to_string()), Privacy::Private)
}

fn failed(path: &Path, e: &std::io::Error) -> PublishError {
    PublishError::Failed {
        path: path.to_owned(),
        reason: e.to_string(),
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
