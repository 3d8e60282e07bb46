//! The `agent_profiles` table: how to start each agent.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreError;
use super::model::AgentProfile;

const COLUMNS: &str = "id, name, command, args, env, builtin, default_mode, default_options";

/// Typed access to the `agent_profiles` table.
pub struct Profiles<'c> {
    conn: &'c mut Connection,
}

impl<'c> Profiles<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// Every profile, built-in ones first.
    pub fn list(&mut self) -> Result<Vec<AgentProfile>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM agent_profiles ORDER BY builtin DESC, id"
        ))?;
        let rows = stmt.query_map([], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The profile with this id.
    pub fn get(&mut self, id: i64) -> Result<AgentProfile, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM agent_profiles WHERE id = ?1"),
                [id],
                read_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound {
                what: "agent profile",
                id,
            })
    }

    /// The profile with this name (case-insensitive), if any.
    pub fn find(&mut self, name: &str) -> Result<Option<AgentProfile>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM agent_profiles WHERE name = ?1 COLLATE NOCASE"),
                [name],
                read_row,
            )
            .optional()?)
    }

    /// The profile sessions use when none is named: the demo agent.
    pub fn default_profile(&mut self) -> Result<AgentProfile, StoreError> {
        self.find(crate::words::DEFAULT_PROFILE)?
            .ok_or(StoreError::NoDefaultProfile)
    }

    /// Adds a custom profile, or changes the custom profile of that name
    /// (compared regardless of case; it takes the new spelling). A built-in
    /// profile's name is refused.
    pub fn save_custom(
        &mut self,
        name: &str,
        command: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
    ) -> Result<AgentProfile, StoreError> {
        match self.find(name)? {
            Some(existing) if existing.builtin => Err(StoreError::BuiltinProfile {
                name: existing.name,
            }),
            Some(existing) => self.update_custom(existing.id, name, command, args, env),
            None => {
                let (args, env) = encode(args, env);
                self.conn.execute(
                    "INSERT INTO agent_profiles (name, command, args, env, builtin) VALUES (?1, ?2, ?3, ?4, 0)",
                    params![name, command, args, env],
                )?;
                let id = self.conn.last_insert_rowid();
                self.get(id)
            }
        }
    }

    /// Changes the custom profile `id` (a built-in profile is refused as
    /// not found). A name another profile has, in any case, is refused.
    pub fn update_custom(
        &mut self,
        id: i64,
        name: &str,
        command: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
    ) -> Result<AgentProfile, StoreError> {
        match self.find(name)? {
            Some(existing) if existing.builtin => {
                return Err(StoreError::BuiltinProfile {
                    name: existing.name,
                });
            }
            Some(existing) if existing.id != id => {
                return Err(StoreError::ProfileNameTaken {
                    name: existing.name,
                });
            }
            _ => {}
        }
        let (args, env) = encode(args, env);
        let changed = self.conn.execute(
            "UPDATE agent_profiles SET name = ?2, command = ?3, args = ?4, env = ?5 \
             WHERE id = ?1 AND builtin = 0",
            params![id, name, command, args, env],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "custom agent profile",
                id,
            });
        }
        self.get(id)
    }

    /// Sets the mode (an ACP session mode id or name) the profile's sessions
    /// start in; `None` leaves it to the agent.
    pub fn set_default_mode(&mut self, id: i64, mode: Option<&str>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE agent_profiles SET default_mode = ?2 WHERE id = ?1",
            params![id, mode],
        )?;
        Ok(())
    }

    /// Sets the agent settings (option id → value) the profile's sessions
    /// start with.
    pub fn set_default_options(
        &mut self,
        id: i64,
        options: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(options).unwrap_or_else(|_| "{}".to_owned());
        self.conn.execute(
            "UPDATE agent_profiles SET default_options = ?2 WHERE id = ?1",
            params![id, json],
        )?;
        Ok(())
    }

    /// Sets the environment of profile `id`, built-in or not (where a
    /// person puts an API key or a base URL for the agent).
    pub fn set_env(&mut self, id: i64, env: &BTreeMap<String, String>) -> Result<(), StoreError> {
        let (_, env) = encode(&[], env);
        self.conn.execute(
            "UPDATE agent_profiles SET env = ?2 WHERE id = ?1",
            params![id, env],
        )?;
        Ok(())
    }

    /// Deletes a profile the person added.
    pub fn delete_custom(&mut self, id: i64) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "DELETE FROM agent_profiles WHERE id = ?1 AND builtin = 0",
            [id],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "custom agent profile",
                id,
            });
        }
        Ok(())
    }
}

/// Arguments and environment as the JSON text the table keeps.
fn encode(args: &[String], env: &BTreeMap<String, String>) -> (String, String) {
    (
        serde_json::to_string(args).unwrap_or_else(|_| "[]".to_owned()),
        serde_json::to_string(env).unwrap_or_else(|_| "{}".to_owned()),
    )
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<AgentProfile> {
    let args: String = row.get(3)?;
    let env: String = row.get(4)?;
    Ok(AgentProfile {
        id: row.get(0)?,
        name: row.get(1)?,
        command: row.get(2)?,
        args: serde_json::from_str(&args).unwrap_or_default(),
        env: serde_json::from_str(&env).unwrap_or_default(),
        builtin: row.get::<_, i64>(5)? != 0,
        default_mode: row.get(6)?,
        default_options: serde_json::from_str(&row.get::<_, String>(7)?).unwrap_or_default(),
    })
}
