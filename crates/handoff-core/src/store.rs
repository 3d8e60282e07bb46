//! The one record of what moved: a SQLite database shared by every process.
//!
//! [`Store::open`] turns on WAL, foreign keys and a busy timeout, refuses a
//! database written by a newer Handoff, and migrates an older one. Each table
//! is reached through a typed handle ([`Store::files`], [`Store::worktrees`],
//! [`Store::sessions`], [`Store::settings`]); no SQL lives outside this module.

mod files;
mod intents;
mod message_data;
mod messages;
mod migrations;
mod model;
mod profiles;
mod sessions;
mod settings;
mod shares;
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

#[cfg(test)]
mod tests;
mod worktrees;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::words::ErrorKind;
use rusqlite::Connection;

pub use files::{FileQuery, Files, NewFile, StatusChange};
pub use intents::{Intent, Intents};
pub use message_data::{
    AuthWay, Card, Change, ErrorData, FileWay, LineCounts, Made, MadeFile, MessageData, MoreIn,
    SentAs, ToolCall, ToolDiff, Unsent, UploadedFile,
};
pub use messages::{Messages, NewMessage};
pub use model::{
    AgentProfile, Direction, FileRecord, FileStatus, Message, MessageKind, Role, Session, Worktree,
};
pub use profiles::Profiles;
pub use sessions::Sessions;
pub use settings::SettingsTable;
pub use shares::{NewShare, Share, Shares};
pub use worktrees::Worktrees;

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors from the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file was written by a newer version of Handoff.
    #[error(
        "{path} was written by a newer version of Handoff (schema {found}, this build knows up to {supported}); update Handoff or set HANDOFF_HOME to another folder"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: usize,
        /// The newest schema version this build knows.
        supported: usize,
    },
    /// The data directory could not be created or made private.
    #[error("cannot create the data folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database file could not be created or made private.
    #[error("cannot create the database {path}: {source}")]
    CreateFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another process held the lock taken to migrate the database for too
    /// long, or the lock could not be taken.
    #[error("cannot lock {path} to migrate the database: {source}")]
    Lock {
        /// The data folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No randomness for a secret the record needs.
    #[error(transparent)]
    NoRandomness(#[from] crate::random::NoRandomness),
    /// A record that was asked for does not exist.
    #[error("{what} {id} does not exist")]
    NotFound {
        /// The kind of record ("file", "session", …).
        what: &'static str,
        /// Its id.
        id: i64,
    },
    /// A custom profile was given the name of a built-in one.
    #[error("{name} is a built-in agent profile; give yours another name")]
    BuiltinProfile {
        /// The built-in profile's name.
        name: String,
    },
    /// The built-in demo agent's profile is missing (a foreign database).
    #[error("the demo agent's profile is missing from the database")]
    NoDefaultProfile,
    /// A profile was given a name another profile has (in any case).
    #[error("another agent profile is already called {name:?}")]
    ProfileNameTaken {
        /// The other profile's name.
        name: String,
    },
    /// A stored value could not be read back (a corrupt or foreign database).
    #[error("unexpected value `{value}` in column {column}")]
    BadValue {
        /// The column.
        column: &'static str,
        /// The value found.
        value: String,
    },
    /// A setting value was refused.
    #[error(transparent)]
    InvalidSetting(#[from] crate::settings::SettingsError),
    /// Migrating the schema failed.
    #[error("cannot migrate the database: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// An open connection to the Handoff database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// Its folder is made private (0700) and the file is created private
    /// (0600) before SQLite opens it. Migrating happens under an exclusive
    /// lock on the folder, so processes opening a new database at once
    /// neither migrate it twice nor fail.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let folder =
            crate::home::open_private_dir(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        let create = |source| StoreError::CreateFile {
            path: path.to_owned(),
            source,
        };
        let name = path.file_name().ok_or_else(|| {
            create(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a file name",
            ))
        })?;
        crate::home::create_private_database(&folder, name).map_err(create)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        migrations::migrate(&mut conn, path, &folder, BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// Opens the database of a [`crate::Home`].
    pub fn open_home(home: &crate::Home) -> Result<Self, StoreError> {
        Self::open(&home.database())
    }

    /// The database file this store was opened from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Uploaded and published files.
    pub fn files(&mut self) -> Files<'_> {
        Files::new(&mut self.conn)
    }

    /// Records promised to files being renamed into place.
    pub fn intents(&mut self) -> Intents<'_> {
        Intents::new(&mut self.conn)
    }

    /// Worktrees the person works in.
    pub fn worktrees(&mut self) -> Worktrees<'_> {
        Worktrees::new(&mut self.conn)
    }

    /// Conversations with agents.
    pub fn sessions(&mut self) -> Sessions<'_> {
        Sessions::new(&mut self.conn)
    }

    /// Share links.
    pub fn shares(&mut self) -> Shares<'_> {
        Shares::new(&mut self.conn)
    }

    /// Conversation lines.
    pub fn messages(&mut self) -> Messages<'_> {
        Messages::new(&mut self.conn)
    }

    /// Agent profiles.
    pub fn profiles(&mut self) -> Profiles<'_> {
        Profiles::new(&mut self.conn)
    }

    /// User settings.
    pub fn settings(&mut self) -> SettingsTable<'_> {
        SettingsTable::new(&mut self.conn)
    }

    /// A number that changes whenever another connection commits a write;
    /// polling it is how a long-lived process notices the CLI's writes.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }
}
