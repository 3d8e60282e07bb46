//! The `sessions` table.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreError;
use super::model::Session;
use crate::clock::Timestamp;

const COLUMNS: &str = "id, worktree_id, agent_profile_id, title, created_at, updated_at, publish_token, mode, options";

/// Typed access to the `sessions` table.
pub struct Sessions<'c> {
    conn: &'c mut Connection,
}

impl<'c> Sessions<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// Records a new session in `worktree_id`.
    pub fn create(
        &mut self,
        worktree_id: i64,
        agent_profile_id: Option<i64>,
        title: &str,
        now: Timestamp,
    ) -> Result<Session, StoreError> {
        self.conn.execute(
            "INSERT INTO sessions (worktree_id, agent_profile_id, title, created_at, updated_at, publish_token) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![worktree_id, agent_profile_id, title, now, new_token()?],
        )?;
        let id = self.conn.last_insert_rowid();
        self.get(id)
    }

    /// The session with this id.
    pub fn get(&mut self, id: i64) -> Result<Session, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM sessions WHERE id = ?1"),
                [id],
                read_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound {
                what: "session",
                id,
            })
    }

    /// Sessions, most recently active first, optionally of one worktree.
    pub fn list(&mut self, worktree_id: Option<i64>) -> Result<Vec<Session>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE ?1 IS NULL OR worktree_id = ?1 \
             ORDER BY updated_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([worktree_id], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Sessions<'_> {
    /// Renames a session.
    pub fn rename(&mut self, id: i64, title: &str, now: Timestamp) -> Result<Session, StoreError> {
        self.conn.execute(
            "UPDATE sessions SET title = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, title, now],
        )?;
        self.get(id)
    }

    /// Remembers the agent settings (option id → value id) asked for
    /// session `id`.
    pub fn set_options(
        &mut self,
        id: i64,
        options: &std::collections::BTreeMap<String, String>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(options).unwrap_or_else(|_| "{}".to_owned());
        self.conn.execute(
            "UPDATE sessions SET options = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, json, now],
        )?;
        Ok(())
    }

    /// Sets the mode (an ACP session mode id or name) the session's agent is
    /// put in when it starts; `None` leaves it to the profile or the agent.
    pub fn set_mode(
        &mut self,
        id: i64,
        mode: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET mode = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, mode, now],
        )?;
        Ok(())
    }
}

/// 128 random bits, hex: the secret a session's publish server presents
/// (refused when the kernel gives no randomness).
fn new_token() -> Result<String, StoreError> {
    Ok(crate::random::hex::<16>()?)
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: row.get(0)?,
        worktree_id: row.get(1)?,
        agent_profile_id: row.get(2)?,
        title: row.get(3)?,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
        publish_token: row.get(6)?,
        mode: row.get(7)?,
        options: serde_json::from_str(&row.get::<_, String>(8)?).unwrap_or_default(),
    })
}
