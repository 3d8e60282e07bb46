//! The `intents` table: records promised to files that are being renamed
//! into place. See migration 4 and [`crate::ingest`] for the protocol.

use std::path::PathBuf;

use rusqlite::{Connection, TransactionBehavior, params};

use super::StoreError;
use super::files::{NewFile, insert_row, next_revision, path_text, supersede_at};
use super::model::{Direction, FileRecord};
use crate::clock::Timestamp;

/// A file about to be renamed into place, with the record it will get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// Row id.
    pub id: i64,
    /// The temp file waiting to be renamed.
    pub temp_path: PathBuf,
    /// The process placing it.
    pub pid: u32,
    /// The record to write once the file is at `file.path`.
    pub file: NewFile,
}

/// Typed access to the `intents` table.
pub struct Intents<'c> {
    conn: &'c mut Connection,
}

impl<'c> Intents<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// Commits one intent per `(temp file, record)` pair, for this process,
    /// in one transaction, and returns their ids in order.
    pub fn begin(
        &mut self,
        items: &[(PathBuf, NewFile)],
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(items.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO intents (path, temp_path, pid, file, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (temp, file) in items {
                insert.execute(params![
                    path_text(&file.path),
                    path_text(temp),
                    std::process::id(),
                    encode(file)?,
                    now
                ])?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Points an intent at another final name (a keep-both retry).
    pub fn retarget(&mut self, id: i64, file: &NewFile) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE intents SET path = ?2, file = ?3 WHERE id = ?1")?
            .execute(params![id, path_text(&file.path), encode(file)?])?;
        Ok(())
    }

    /// Turns intents into records in one transaction: each file's record
    /// supersedes any other record at its path, a published file gets the
    /// next revision of its display name, and the intents are removed. An
    /// intent another process settled or dropped meanwhile is skipped; the
    /// records made are returned with their intent's id.
    pub fn settle(
        &mut self,
        settled: &[(i64, NewFile)],
        now: Timestamp,
    ) -> Result<Vec<(i64, FileRecord)>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut records = Vec::with_capacity(settled.len());
        {
            let mut forget = tx.prepare_cached("DELETE FROM intents WHERE id = ?1")?;
            for (id, file) in settled {
                if forget.execute([id])? == 0 {
                    continue;
                }
                let mut file = file.clone();
                if file.direction == Direction::FromAgent {
                    file.revision = next_revision(&tx, &file)?;
                }
                supersede_at(&tx, &file.path, now)?;
                let row = insert_row(&tx, &file, now)?;
                records.push((*id, file.into_record(row, now)));
            }
        }
        tx.commit()?;
        Ok(records)
    }

    /// Drops intents whose file did not make it into place.
    pub fn abandon(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut forget = tx.prepare_cached("DELETE FROM intents WHERE id = ?1")?;
            for id in ids {
                forget.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every intent not yet settled or abandoned.
    pub fn all(&mut self) -> Result<Vec<Intent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, temp_path, pid, file FROM intents ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut intents = Vec::new();
        for row in rows {
            let (id, temp, pid, file) = row?;
            let file = serde_json::from_str(&file).map_err(|_| StoreError::BadValue {
                column: "intents.file",
                value: file.chars().take(80).collect(),
            })?;
            intents.push(Intent {
                id,
                temp_path: PathBuf::from(temp),
                pid: pid as u32,
                file,
            });
        }
        Ok(intents)
    }
}

fn encode(file: &NewFile) -> Result<String, StoreError> {
    serde_json::to_string(file).map_err(|e| StoreError::BadValue {
        column: "intents.file",
        value: e.to_string(),
    })
}
