//! The `worktrees` table.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreError;
use super::model::Worktree;
use crate::clock::Timestamp;
use crate::words::remote_spec::RemoteSpec;

/// Typed access to the `worktrees` table.
pub struct Worktrees<'c> {
    conn: &'c mut Connection,
}

impl<'c> Worktrees<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// The worktree at `path` (which the caller has made canonical),
    /// recording it first if it is new.
    pub fn ensure(&mut self, path: &Path, now: Timestamp) -> Result<Worktree, StoreError> {
        let text = path.to_string_lossy();
        let name = path
            .file_name()
            .map_or_else(|| text.to_string(), |n| n.to_string_lossy().into_owned());
        self.conn.execute(
            "INSERT INTO worktrees (path, name, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (path) DO NOTHING",
            params![text, name, now],
        )?;
        let found = self.conn.query_row(
            "SELECT id, path, name, created_at, host FROM worktrees WHERE path = ?1",
            [text],
            read_row,
        )?;
        Ok(found)
    }

    /// The remote worktree `spec`, recording it first if it is new.
    pub fn ensure_remote(
        &mut self,
        spec: &RemoteSpec,
        now: Timestamp,
    ) -> Result<Worktree, StoreError> {
        let text = spec.to_string();
        let name = spec.path.file_name().map_or_else(
            || text.clone(),
            |n| format!("{} on {}", n.to_string_lossy(), spec.host()),
        );
        self.conn.execute(
            "INSERT INTO worktrees (path, name, created_at, host) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (path) DO NOTHING",
            params![text, name, now, spec.destination],
        )?;
        let found = self.conn.query_row(
            "SELECT id, path, name, created_at, host FROM worktrees WHERE path = ?1",
            [text],
            read_row,
        )?;
        Ok(found)
    }

    /// The worktree with this id.
    pub fn get(&mut self, id: i64) -> Result<Worktree, StoreError> {
        self.conn
            .query_row(
                "SELECT id, path, name, created_at, host FROM worktrees WHERE id = ?1",
                [id],
                read_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound {
                what: "worktree",
                id,
            })
    }

    /// The worktree recorded at exactly `path`, if any.
    pub fn find(&mut self, path: &Path) -> Result<Option<Worktree>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, path, name, created_at, host FROM worktrees WHERE path = ?1",
                [path.to_string_lossy()],
                read_row,
            )
            .optional()?)
    }

    /// Every worktree, oldest first.
    pub fn list(&mut self) -> Result<Vec<Worktree>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, path, name, created_at, host FROM worktrees ORDER BY id")?;
        let rows = stmt.query_map([], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Worktree> {
    Ok(Worktree {
        id: row.get(0)?,
        path: PathBuf::from(row.get::<_, String>(1)?),
        name: row.get(2)?,
        created_at: row.get(3)?,
        host: row.get(4)?,
    })
}
