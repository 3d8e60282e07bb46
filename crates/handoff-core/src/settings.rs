//! User settings: where uploads go, what happens on a name clash, the limits.
//!
//! Settings are stored as text in the database (`settings` table) so every
//! process sharing the database (app, CLI, agent helpers) sees the same
//! values. [`Settings::set`] validates a value before it is accepted.

use std::fmt;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use crate::destination::Destination;
use crate::ingest::ConflictPolicy;
use crate::size::ByteSize;

/// Every setting a user can change, with its default value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Where uploads go unless the caller says otherwise.
    pub default_destination: Destination,
    /// Folder, relative to a worktree (and to the home folder for `global`),
    /// that receives uploads.
    pub uploads_folder: String,
    /// What happens when a file of the same name is already there.
    pub on_conflict: ConflictPolicy,
    /// Largest file accepted, in bytes; enforced while copying.
    pub max_file_size: u64,
    /// Most files accepted in one batch (a dropped folder counts its files).
    pub max_batch_files: usize,
    /// How long temp uploads live before the sweep deletes them, in seconds.
    pub temp_expiry_secs: u64,
    /// Whether the first write into a worktree's uploads folder also writes a
    /// `.gitignore` containing `*` there.
    pub write_gitignore: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_destination: Destination::Worktree,
            uploads_folder: ".agor/uploads".to_owned(),
            on_conflict: ConflictPolicy::KeepBoth,
            max_file_size: 50_000_000,
            max_batch_files: 10,
            temp_expiry_secs: 24 * 60 * 60,
            write_gitignore: true,
        }
    }
}

/// The names of all settings, in display order.
pub const KEYS: [&str; 7] = [
    "default_destination",
    "uploads_folder",
    "on_conflict",
    "max_file_size",
    "max_batch_files",
    "temp_expiry_secs",
    "write_gitignore",
];

/// A setting name or value that was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// No setting has this name.
    #[error("unknown setting `{0}` (known: {known})", known = KEYS.join(", "))]
    UnknownKey(String),
    /// The value does not fit the setting.
    #[error("`{value}` is not a valid {key}: {why}")]
    InvalidValue {
        /// The setting's name.
        key: String,
        /// The refused value.
        value: String,
        /// What a valid value looks like.
        why: String,
    },
}

impl Settings {
    /// The value of `key` as text, as [`Settings::set`] accepts it.
    pub fn get(&self, key: &str) -> Result<String, SettingsError> {
        Ok(match key {
            "default_destination" => self.default_destination.to_string(),
            "uploads_folder" => self.uploads_folder.clone(),
            "on_conflict" => self.on_conflict.to_string(),
            "max_file_size" => self.max_file_size.to_string(),
            "max_batch_files" => self.max_batch_files.to_string(),
            "temp_expiry_secs" => self.temp_expiry_secs.to_string(),
            "write_gitignore" => self.write_gitignore.to_string(),
            _ => return Err(SettingsError::UnknownKey(key.to_owned())),
        })
    }

    /// Sets `key` from text, validating it first; on error nothing changes.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        let invalid = |why: &dyn fmt::Display| SettingsError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            why: why.to_string(),
        };
        match key {
            "default_destination" => {
                self.default_destination = value.parse().map_err(|e| invalid(&e))?;
            }
            "uploads_folder" => {
                validate_folder(value).map_err(|e| invalid(&e))?;
                value.clone_into(&mut self.uploads_folder);
            }
            "on_conflict" => self.on_conflict = value.parse().map_err(|e| invalid(&e))?,
            "max_file_size" => {
                let size: ByteSize = value.parse().map_err(|e| invalid(&e))?;
                if size.0 == 0 {
                    return Err(invalid(&"must be more than 0"));
                }
                self.max_file_size = size.0;
            }
            "max_batch_files" => {
                self.max_batch_files = match value.trim().parse::<usize>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(invalid(&"a whole number above 0")),
                };
            }
            "temp_expiry_secs" => {
                self.temp_expiry_secs = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid(&"a whole number of seconds"))?;
            }
            "write_gitignore" => {
                self.write_gitignore = match value.trim() {
                    "true" | "on" | "yes" | "1" => true,
                    "false" | "off" | "no" | "0" => false,
                    _ => return Err(invalid(&"true or false")),
                };
            }
            _ => return Err(SettingsError::UnknownKey(key.to_owned())),
        }
        Ok(())
    }
}

/// An uploads folder must stay inside the folder it is relative to.
fn validate_folder(value: &str) -> Result<(), &'static str> {
    let path = Path::new(value);
    if value.is_empty() || path.components().next().is_none() {
        return Err("it must not be empty");
    }
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err("a relative folder such as .agor/uploads, without `..`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips() {
        let mut s = Settings::default();
        for key in KEYS {
            let value = s.get(key).unwrap();
            s.set(key, &value).unwrap();
        }
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn refuses_bad_values_without_changing_anything() {
        let mut s = Settings::default();
        assert!(s.set("uploads_folder", "../escape").is_err());
        assert!(s.set("uploads_folder", "/abs").is_err());
        assert!(s.set("max_file_size", "lots").is_err());
        assert!(s.set("max_batch_files", "0").is_err());
        assert!(matches!(
            s.set("colour", "red"),
            Err(SettingsError::UnknownKey(_))
        ));
        assert_eq!(s, Settings::default());
        s.set("max_file_size", "1.5GB").unwrap();
        assert_eq!(s.max_file_size, 1_500_000_000);
    }
}
