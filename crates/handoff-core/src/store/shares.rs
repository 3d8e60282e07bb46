//! The `shares` table: every share link made, revoked or expired.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreError;
use crate::clock::Timestamp;

/// A share link of a recorded file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Share {
    /// Its id.
    pub id: i64,
    /// The file shared.
    pub file_id: i64,
    /// The object's key in the bucket.
    pub object_key: String,
    /// The SHA-256 of the bytes shared (the file's revision then).
    pub sha256: String,
    /// Whether the bucket holds ciphertext (the link opens the viewer page).
    pub encrypted: bool,
    /// The link.
    pub url: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When the link stops working.
    pub expires_at: Timestamp,
    /// When the person revoked it.
    pub revoked_at: Option<Timestamp>,
    /// When its object was deleted from the bucket.
    pub deleted_at: Option<Timestamp>,
}

impl Share {
    /// Whether the link still works at `now`.
    #[must_use]
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.deleted_at.is_none() && self.expires_at > now
    }
}

/// A share about to be recorded.
#[derive(Debug, Clone)]
pub struct NewShare {
    /// The file shared.
    pub file_id: i64,
    /// The object's key.
    pub object_key: String,
    /// The bytes' SHA-256.
    pub sha256: String,
    /// Whether they were encrypted.
    pub encrypted: bool,
    /// The link.
    pub url: String,
    /// When it expires.
    pub expires_at: Timestamp,
}

const COLUMNS: &str = "id, file_id, object_key, sha256, encrypted, url, created_at, expires_at, \
                       revoked_at, deleted_at";

/// Typed access to the `shares` table.
pub struct Shares<'c> {
    conn: &'c mut Connection,
}

impl<'c> Shares<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// Records a share made at `now`.
    pub fn insert(&mut self, new: &NewShare, now: Timestamp) -> Result<Share, StoreError> {
        self.conn.execute(
            "INSERT INTO shares (file_id, object_key, sha256, encrypted, url, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                new.file_id,
                new.object_key,
                new.sha256,
                new.encrypted,
                new.url,
                now,
                new.expires_at
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        self.get(id)
    }

    /// The share `id`.
    pub fn get(&mut self, id: i64) -> Result<Share, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM shares WHERE id = ?1"),
                [id],
                read_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound { what: "share", id })
    }

    /// A share of these bytes of file `file_id`, made the same way, whose
    /// link still works at `now` (its object can serve a new link).
    pub fn reusable(
        &mut self,
        file_id: i64,
        sha256: &str,
        encrypted: bool,
        now: Timestamp,
    ) -> Result<Option<Share>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM shares WHERE file_id = ?1 AND sha256 = ?2 \
                     AND encrypted = ?3 AND expires_at > ?4 AND revoked_at IS NULL \
                     AND deleted_at IS NULL ORDER BY expires_at DESC LIMIT 1"
                ),
                params![file_id, sha256, encrypted, now],
                read_row,
            )
            .optional()?)
    }

    /// Every share, newest first.
    pub fn list(&mut self) -> Result<Vec<Share>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM shares ORDER BY id DESC"))?;
        let rows = stmt.query_map([], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Shares whose object is still in the bucket though its link expired
    /// before `now` (what the sweep deletes).
    pub fn expired(&mut self, now: Timestamp) -> Result<Vec<Share>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM shares WHERE deleted_at IS NULL AND expires_at <= ?1"
        ))?;
        let rows = stmt.query_map([now], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether a share other than `id` still links to object `key` at `now`.
    pub fn still_used(&mut self, key: &str, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM shares WHERE object_key = ?1 AND id != ?2 \
             AND deleted_at IS NULL AND revoked_at IS NULL AND expires_at > ?3",
            params![key, id, now],
            |row| row.get(0),
        )?;
        Ok(count > 0)
    }

    /// Marks every share of object `key` revoked at `now` (deleting the
    /// object stopped all their links).
    pub fn revoke(&mut self, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE shares SET revoked_at = ?2 WHERE object_key = ?1 AND revoked_at IS NULL",
            params![key, now],
        )?;
        Ok(())
    }

    /// Marks every share of object `key` as deleted from the bucket.
    pub fn deleted(&mut self, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE shares SET deleted_at = ?2 WHERE object_key = ?1 AND deleted_at IS NULL",
            params![key, now],
        )?;
        Ok(())
    }
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Share> {
    Ok(Share {
        id: row.get(0)?,
        file_id: row.get(1)?,
        object_key: row.get(2)?,
        sha256: row.get(3)?,
        encrypted: row.get(4)?,
        url: row.get(5)?,
        created_at: row.get(6)?,
        expires_at: row.get(7)?,
        revoked_at: row.get(8)?,
        deleted_at: row.get(9)?,
    })
}
