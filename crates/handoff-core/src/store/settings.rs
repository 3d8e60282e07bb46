//! The `settings` table: user settings as key → text.

use rusqlite::{Connection, params};

use super::StoreError;
use crate::settings::{Settings, SettingsError};

/// Typed access to the `settings` table.
pub struct SettingsTable<'c> {
    conn: &'c mut Connection,
}

impl<'c> SettingsTable<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self { conn }
    }

    /// The stored settings over the defaults. A stored value this build does
    /// not understand (an older or newer build wrote it) keeps the default.
    pub fn load(&mut self) -> Result<Settings, StoreError> {
        let mut settings = Settings::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM settings")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (key, value) = row?;
            let _ignored_unknown: Result<(), SettingsError> = settings.set(&key, &value);
        }
        Ok(settings)
    }

    /// Validates and stores one setting; returns the settings after the change.
    pub fn set(&mut self, key: &str, value: &str) -> Result<Settings, StoreError> {
        let mut settings = self.load()?;
        settings.set(key, value)?;
        let canonical = settings.get(key).unwrap_or_else(|_| value.to_owned());
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, canonical],
        )?;
        Ok(settings)
    }
}
