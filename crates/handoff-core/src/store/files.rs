//! The `files` table: every upload and published file.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, Row, params, params_from_iter, types::Value};

use super::StoreError;
use super::model::{Direction, FileRecord, FileStatus};
use crate::clock::Timestamp;
use crate::words::Destination;
use crate::words::Origin;

const COLUMNS: &str = "id, session_id, worktree_id, direction, destination, filename, path, size, \
     mime, sniffed_mime, sha256, source, status, display_name, description, revision, mtime_ns, \
     created_at, updated_at, expires_at";

/// Keeps a query to files on this machine: a remote worktree's files have
/// paths on another machine, which this one must never touch (what its
/// agent published is snapshotted here).
const ON_THIS_MACHINE: &str = "AND (destination = 'published' OR worktree_id IS NULL \
     OR worktree_id NOT IN (SELECT id FROM worktrees WHERE host IS NOT NULL))";

/// A file about to be recorded (after its bytes are safely in place).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewFile {
    /// The session it belongs to, if any.
    pub session_id: Option<i64>,
    /// The worktree it belongs to, if any.
    pub worktree_id: Option<i64>,
    /// Which way it moved.
    pub direction: Direction,
    /// Which folder it was saved into.
    pub destination: Destination,
    /// The saved file name.
    pub filename: String,
    /// Absolute path of the saved file.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// MIME type guessed from the extension.
    pub mime: String,
    /// MIME type sniffed from the first bytes.
    pub sniffed_mime: Option<String>,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// How it arrived.
    pub source: Origin,
    /// Display name given by an agent.
    pub display_name: Option<String>,
    /// Description given by an agent.
    pub description: Option<String>,
    /// Revision among files of the same display name.
    pub revision: i64,
    /// Modification time of the saved file (ns since the epoch).
    pub mtime_ns: i64,
    /// When a temp upload expires.
    pub expires_at: Option<Timestamp>,
}

impl NewFile {
    /// The record as stored: new records are `present` and stamped `now`.
    pub(super) fn into_record(self, id: i64, now: Timestamp) -> FileRecord {
        FileRecord {
            id,
            session_id: self.session_id,
            worktree_id: self.worktree_id,
            direction: self.direction,
            destination: self.destination,
            filename: self.filename,
            path: self.path,
            size: self.size,
            mime: self.mime,
            sniffed_mime: self.sniffed_mime,
            sha256: self.sha256,
            source: self.source,
            status: FileStatus::Present,
            display_name: self.display_name,
            description: self.description,
            revision: self.revision,
            mtime_ns: self.mtime_ns,
            created_at: now,
            updated_at: now,
            expires_at: self.expires_at,
        }
    }
}

/// Which records to list; all filters are optional and combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileQuery {
    /// Only files of this worktree.
    pub worktree_id: Option<i64>,
    /// Only files of this session.
    pub session_id: Option<i64>,
    /// Only files with this status.
    pub status: Option<FileStatus>,
    /// Only files that moved this way.
    pub direction: Option<Direction>,
    /// At most this many (newest first); `None` for all.
    pub limit: Option<usize>,
}

/// A new status for a record, with the file's mtime when it was re-checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    /// Record id.
    pub id: i64,
    /// The new status.
    pub status: FileStatus,
    /// The file's current mtime when known (so an unchanged file is not
    /// hashed again next time).
    pub mtime_ns: Option<i64>,
}

/// Typed access to the `files` table.
pub struct Files<'c> {
    conn: &'c mut Connection,
}

impl<'c> Files<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// Records files in one transaction and returns the stored records, in
    /// the same order. Records marked in `replaces` become `replaced` in the
    /// same transaction.
    pub fn insert_many(
        &mut self,
        files: &[NewFile],
        replaces: &[i64],
        now: Timestamp,
    ) -> Result<Vec<FileRecord>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(files.len());
        {
            let mut replace = tx.prepare_cached(
                "UPDATE files SET status = 'replaced', updated_at = ?2 WHERE id = ?1",
            )?;
            for id in replaces {
                replace.execute(params![id, now])?;
            }
            for f in files {
                ids.push(insert_row(&tx, f, now)?);
            }
        }
        tx.commit()?;
        Ok(files
            .iter()
            .zip(ids)
            .map(|(f, id)| f.clone().into_record(id, now))
            .collect())
    }

    /// Whether recording `record` replaced an earlier record of its
    /// worktree at its path (an upload under the `replace` policy).
    pub fn replaced_earlier(&mut self, record: &FileRecord) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM files WHERE path = ?1 AND id < ?2 \
                 AND status = 'replaced' AND worktree_id IS ?3 AND updated_at >= ?4)",
            )?
            .query_row(
                params![
                    path_text(&record.path),
                    record.id,
                    record.worktree_id,
                    record.created_at
                ],
                |r| r.get(0),
            )?)
    }

    /// The record with this id.
    pub fn get(&mut self, id: i64) -> Result<FileRecord, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM files WHERE id = ?1"))?;
        let mut rows = stmt.query_map([id], read_row)?;
        rows.next()
            .transpose()?
            .ok_or(StoreError::NotFound { what: "file", id })
    }

    /// Records matching `query`, newest first.
    pub fn list(&mut self, query: &FileQuery) -> Result<Vec<FileRecord>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM files WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(id) = query.session_id {
            sql.push_str(" AND session_id = ?");
            args.push(id.into());
        }
        if let Some(id) = query.worktree_id {
            sql.push_str(" AND worktree_id = ?");
            args.push(id.into());
        }
        if let Some(status) = query.status {
            sql.push_str(" AND status = ?");
            args.push(status.as_str().to_owned().into());
        }
        if let Some(direction) = query.direction {
            sql.push_str(" AND direction = ?");
            args.push(direction.as_str().to_owned().into());
        }
        sql.push_str(" ORDER BY created_at DESC, id DESC");
        if let Some(limit) = query.limit {
            sql.push_str(" LIMIT ?");
            args.push((limit as i64).into());
        }
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest record still following a file at exactly `path` on this
    /// machine.
    pub fn live_at(&mut self, path: &Path) -> Result<Option<FileRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM files WHERE path = ?1 \
             AND status IN ('present', 'missing', 'modified') {ON_THIS_MACHINE} ORDER BY id DESC LIMIT 1"
        ))?;
        let mut rows = stmt.query_map([path_text(path)], read_row)?;
        Ok(rows.next().transpose()?)
    }

    /// The newest record of worktree `worktree_id` still following a file
    /// at exactly `path` (a remote worktree's paths are its machine's).
    pub fn live_in(
        &mut self,
        worktree_id: i64,
        path: &Path,
    ) -> Result<Option<FileRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM files WHERE worktree_id = ?1 AND path = ?2 \
             AND status IN ('present', 'missing', 'modified') ORDER BY id DESC LIMIT 1"
        ))?;
        let mut rows = stmt.query_map(params![worktree_id, path_text(path)], read_row)?;
        Ok(rows.next().transpose()?)
    }

    /// Records still following a file at `path` or anywhere below it on
    /// this machine.
    pub fn live_under(&mut self, path: &Path) -> Result<Vec<FileRecord>, StoreError> {
        let exact = path_text(path);
        let prefix = format!("{}/", exact.trim_end_matches('/'));
        // Every path below `prefix` sorts between "dir/" and "dir0" ('0' follows '/').
        let upper = format!("{}0", exact.trim_end_matches('/'));
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM files WHERE (path = ?1 OR (path >= ?2 AND path < ?3)) \
             AND status IN ('present', 'missing', 'modified') {ON_THIS_MACHINE}"
        ))?;
        let rows = stmt.query_map(params![exact, prefix, upper], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The folders on this machine holding files agents made that records
    /// still follow (what the live folders watch besides uploads folders).
    pub fn made_folders(&mut self) -> Result<std::collections::BTreeSet<PathBuf>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT DISTINCT path FROM files WHERE direction = 'made' \
             AND status IN ('present', 'missing', 'modified') {ON_THIS_MACHINE}"
        ))?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        let mut folders = std::collections::BTreeSet::new();
        for path in rows {
            if let Some(folder) = Path::new(&path?).parent() {
                folders.insert(folder.to_owned());
            }
        }
        Ok(folders)
    }

    /// Every record still following a file on this machine's disk (files in
    /// remote worktrees are checked over SSH, not here).
    pub fn live(&mut self) -> Result<Vec<FileRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM files WHERE status IN ('present', 'missing', 'modified') \
             {ON_THIS_MACHINE}"
        ))?;
        let rows = stmt.query_map([], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Temp uploads on this machine whose time ran out by `now` and that
    /// were not yet expired or deleted.
    pub fn due_to_expire(&mut self, now: Timestamp) -> Result<Vec<FileRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM files WHERE expires_at IS NOT NULL AND expires_at <= ?1 \
             AND status IN ('present', 'missing', 'modified') {ON_THIS_MACHINE}"
        ))?;
        let rows = stmt.query_map([now], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Applies status changes in one transaction.
    pub fn set_status(
        &mut self,
        changes: &[StatusChange],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE files SET status = ?2, mtime_ns = COALESCE(?3, mtime_ns), updated_at = ?4 \
                 WHERE id = ?1",
            )?;
            for c in changes {
                stmt.execute(params![c.id, c.status, c.mtime_ns, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// The next revision number of a published file's display name in its session.
pub(super) fn next_revision(conn: &Connection, file: &NewFile) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(revision), 0) + 1 FROM files \
         WHERE session_id IS ?1 AND direction = 'from_agent' AND display_name IS ?2",
        params![file.session_id, file.display_name],
        |r| r.get(0),
    )
}

/// Marks every record still following a file at `path` as `replaced`: the
/// path now holds another file, and only one record may follow it.
pub(super) fn supersede_at(conn: &Connection, path: &Path, now: Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "UPDATE files SET status = 'replaced', updated_at = ?2 \
             WHERE path = ?1 AND status IN ('present', 'missing', 'modified') {ON_THIS_MACHINE}"
    ))?
    .execute(params![path_text(path), now])?;
    Ok(())
}

pub(super) fn insert_row(conn: &Connection, f: &NewFile, now: Timestamp) -> rusqlite::Result<i64> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO files (session_id, worktree_id, direction, destination, filename, path, \
         size, mime, sniffed_mime, sha256, source, status, display_name, description, \
         revision, mtime_ns, created_at, updated_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'present', ?12, ?13, ?14, ?15, ?16, ?16, ?17)",
    )?;
    insert.execute(params![
        f.session_id,
        f.worktree_id,
        f.direction,
        f.destination,
        f.filename,
        path_text(&f.path),
        f.size as i64,
        f.mime,
        f.sniffed_mime,
        f.sha256,
        f.source,
        f.display_name,
        f.description,
        f.revision,
        f.mtime_ns,
        now,
        f.expires_at,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Paths are stored as text; Handoff writes only UTF-8 names itself.
pub(super) fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<FileRecord> {
    Ok(FileRecord {
        id: row.get(0)?,
        session_id: row.get(1)?,
        worktree_id: row.get(2)?,
        direction: row.get(3)?,
        destination: row.get(4)?,
        filename: row.get(5)?,
        path: PathBuf::from(row.get::<_, String>(6)?),
        size: row.get::<_, i64>(7)? as u64,
        mime: row.get(8)?,
        sniffed_mime: row.get(9)?,
        sha256: row.get(10)?,
        source: row.get(11)?,
        status: row.get(12)?,
        display_name: row.get(13)?,
        description: row.get(14)?,
        revision: row.get(15)?,
        mtime_ns: row.get(16)?,
        created_at: row.get(17)?,
        updated_at: row.get(18)?,
        expires_at: row.get(19)?,
    })
}
