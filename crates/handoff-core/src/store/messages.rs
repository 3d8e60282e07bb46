//! The `messages` table: each session's conversation, in order.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::model::{Message, MessageKind, Role};
use super::{MessageData, StoreError};
use crate::clock::Timestamp;

const COLUMNS: &str = "id, session_id, seq, role, kind, body, data, created_at";

/// Where a session's tool call is found by its id.
const TOOL_CALL: &str = "FROM messages WHERE session_id = ?1 AND kind = 'tool_call' \
     AND json_valid(data) AND json_extract(data, '$.id') = ?2 ORDER BY seq DESC LIMIT 1";

/// A conversation line about to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Who it is from.
    pub role: Role,
    /// What it is.
    pub kind: MessageKind,
    /// Its text.
    pub body: String,
    /// Structured details, by kind.
    pub data: Option<MessageData>,
}

impl NewMessage {
    /// A line of plain text.
    #[must_use]
    pub fn text(role: Role, body: impl Into<String>) -> Self {
        Self {
            role,
            kind: MessageKind::Text,
            body: body.into(),
            data: None,
        }
    }

    /// A line of another kind, with its details.
    #[must_use]
    pub fn with(role: Role, kind: MessageKind, body: impl Into<String>, data: MessageData) -> Self {
        Self {
            role,
            kind,
            body: body.into(),
            data: Some(data),
        }
    }
}

/// Typed access to the `messages` table.
pub struct Messages<'c> {
    conn: &'c mut Connection,
}

impl<'c> Messages<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// Appends a line at the end of the session's conversation. Safe against
    /// other processes appending at the same time (the sequence number is
    /// taken inside a write transaction).
    pub fn append(
        &mut self,
        session_id: i64,
        message: &NewMessage,
        now: Timestamp,
    ) -> Result<Message, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let data = message.data.as_ref().map(encode);
        let (id, seq) = tx
            .prepare_cached(
                "INSERT INTO messages (session_id, seq, role, kind, body, data, created_at) \
                 VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?1), ?2, ?3, ?4, ?5, ?6) \
                 RETURNING id, seq",
            )?
            .query_row(
                params![session_id, message.role, message.kind, message.body, data, now],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
        tx.prepare_cached("UPDATE sessions SET updated_at = ?2 WHERE id = ?1")?
            .execute(params![session_id, now])?;
        tx.commit()?;
        Ok(Message {
            id,
            session_id,
            seq,
            role: message.role,
            kind: message.kind,
            body: message.body.clone(),
            data: message.data.clone(),
            created_at: now,
        })
    }

    /// Replaces a line's text and details (a streamed reply growing, a tool
    /// call changing status).
    pub fn update(
        &mut self,
        id: i64,
        body: &str,
        data: Option<&MessageData>,
    ) -> Result<(), StoreError> {
        let data = data.map(encode);
        self.conn
            .prepare_cached("UPDATE messages SET body = ?2, data = ?3 WHERE id = ?1")?
            .execute(params![id, body, data])?;
        Ok(())
    }

    /// The line with this id.
    pub fn get(&mut self, id: i64) -> Result<Message, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"),
                [id],
                read_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound {
                what: "message",
                id,
            })
    }

    /// The session's conversation, oldest first.
    pub fn list(&mut self, session_id: i64) -> Result<Vec<Message>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM messages WHERE session_id = ?1 ORDER BY seq"
        ))?;
        let rows = stmt.query_map([session_id], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The session's newest line of `kind`.
    pub fn last_of_kind(
        &mut self,
        session_id: i64,
        kind: MessageKind,
    ) -> Result<Option<Message>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM messages WHERE session_id = ?1 AND kind = ?2 \
                     ORDER BY seq DESC LIMIT 1"
                ),
                params![session_id, kind.as_str()],
                read_row,
            )
            .optional()?)
    }

    /// The tool-call line of the session with this tool call id (the
    /// newest, should the agent have used one id twice); found through the
    /// `messages_tool_call` index, whose terms the query repeats.
    pub fn tool_call(
        &mut self,
        session_id: i64,
        tool_call_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} {TOOL_CALL}"))?;
        Ok(stmt
            .query_row(params![session_id, tool_call_id], read_row)
            .optional()?)
    }
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let data: Option<String> = row.get(6)?;
    Ok(Message {
        id: row.get(0)?,
        session_id: row.get(1)?,
        seq: row.get(2)?,
        role: row.get(3)?,
        kind: row.get(4)?,
        body: row.get(5)?,
        data: data.and_then(|d| decode(&d)),
        created_at: row.get(7)?,
    })
}

fn encode(data: &MessageData) -> String {
    serde_json::to_string(data).unwrap_or_else(|_| "null".to_owned())
}

/// The details of a line; ones this build cannot read are left out (and
/// logged), the line's text still shows.
fn decode(text: &str) -> Option<MessageData> {
    serde_json::from_str(text)
        .inspect_err(|e| tracing::warn!(error = %e, "a conversation line's details cannot be read"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::TOOL_CALL;
    use crate::store::{MessageData, MessageKind, NewMessage, Role, Store, ToolCall};

    /// Looking a tool call up reads the index, not the session's lines.
    #[test]
    fn a_tool_call_is_found_through_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("handoff.db")).unwrap();
        let worktree = store.worktrees().ensure(dir.path(), 0).unwrap();
        let session = store.sessions().create(worktree.id, None, "t", 0).unwrap();
        for id in ["a", "b", "a"] {
            let call = ToolCall::new(id, format!("call {id}"), "pending");
            let line = NewMessage::with(
                Role::Agent,
                MessageKind::ToolCall,
                call.title.clone(),
                MessageData::ToolCall(call),
            );
            store.messages().append(session.id, &line, 0).unwrap();
        }
        let found = store
            .messages()
            .tool_call(session.id, "a")
            .unwrap()
            .unwrap();
        assert_eq!(found.seq, 3, "the newest line of that id");
        assert!(
            store
                .messages()
                .tool_call(session.id, "c")
                .unwrap()
                .is_none()
        );
        let plan: Vec<String> = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN SELECT id {TOOL_CALL}"))
            .unwrap()
            .query_map(rusqlite::params![session.id, "a"], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX messages_tool_call")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "{plan:?}"
        );
    }
}
