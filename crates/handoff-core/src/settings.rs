//! User settings: where uploads go, what happens on a name clash, the limits.
//!
//! Settings are stored as text in the database (`settings` table) so every
//! process sharing the database (app, CLI, agent helpers) sees the same
//! values. [`Settings::set`] validates a value before it is accepted.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::size::ByteSize;
use crate::words::ErrorKind;
use crate::words::{ConflictPolicy, Destination};

/// Every setting a user can change, with its default value.
// Each on/off setting is its own choice in Settings and `handoff settings`.
#[allow(clippy::struct_excessive_bools)]
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
    /// The SSH config file remote worktrees are reached with (`ssh -F`);
    /// empty: the person's own `~/.ssh/config`. `HANDOFF_SSH_CONFIG`, when
    /// set, wins.
    pub ssh_config: String,
    /// The S3-compatible storage share links are made in: its endpoint
    /// (`https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:3900`);
    /// empty: sharing is not set up.
    pub share_endpoint: String,
    /// The storage's region (`us-east-1`, `auto` for R2, `garage`).
    pub share_region: String,
    /// The bucket shared files are put in.
    pub share_bucket: String,
    /// The folder of the bucket they go under.
    pub share_prefix: String,
    /// Whether share links are end-to-end encrypted unless asked otherwise
    /// (the share dialog remembers the last choice).
    pub share_encrypt: bool,
    /// Largest message an agent may send (one line of ACP), in bytes; an
    /// agent that sends a longer one is stopped.
    pub max_agent_message: u64,
    /// Whether Enter sends the message in the app's prompt box (Shift+Enter
    /// adds a line); otherwise Ctrl+Enter sends and Enter adds a line.
    pub enter_sends: bool,
    /// Whether the app tells the desktop (a notification) when a turn ends
    /// or fails, or the agent asks for permission, while its window is not
    /// the focused one.
    pub notify: bool,
    /// Folders (by name, at any depth) whose files are never a turn's
    /// outputs: dependencies, build caches, virtual environments.
    pub noise_folders: Vec<String>,
}

/// The folders a turn's outputs leave out unless the settings say otherwise.
pub const NOISE_FOLDERS: &[&str] = &[
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".gradle",
    ".next",
    ".nuxt",
    ".turbo",
    ".parcel-cache",
    ".cache",
];

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
            ssh_config: String::new(),
            share_endpoint: String::new(),
            share_region: "us-east-1".to_owned(),
            share_bucket: String::new(),
            share_prefix: "handoff/".to_owned(),
            share_encrypt: false,
            max_agent_message: 64_000_000,
            enter_sends: true,
            notify: true,
            noise_folders: NOISE_FOLDERS.iter().map(|&f| f.to_owned()).collect(),
        }
    }
}

/// The smallest limit of one agent message: agents send whole files and
/// pictures in one.
pub const MIN_AGENT_MESSAGE: u64 = 1_000_000;
/// The largest limit of one agent message: Handoff holds a whole message
/// in memory, a few times over while reading it.
pub const MAX_AGENT_MESSAGE: u64 = 1_000_000_000;

/// The names of all settings, in display order.
pub const KEYS: [&str; 17] = [
    "default_destination",
    "uploads_folder",
    "on_conflict",
    "max_file_size",
    "max_batch_files",
    "temp_expiry_secs",
    "write_gitignore",
    "ssh_config",
    "share_endpoint",
    "share_region",
    "share_bucket",
    "share_prefix",
    "share_encrypt",
    "max_agent_message",
    "enter_sends",
    "notify",
    "noise_folders",
];

/// A setting name or value that was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// No setting has this name.
    #[error("unknown setting `{0}` (known: {known})", known = KEYS.join(", "))]
    UnknownKey(String),
    /// The value does not fit the setting.
    #[error("{}", refusal(key, value, why))]
    InvalidValue {
        /// The setting's name.
        key: String,
        /// The refused value.
        value: String,
        /// What a valid value looks like.
        why: String,
    },
}

/// A setting's name in a person's words.
#[must_use]
pub fn label(key: &str) -> &str {
    match key {
        "default_destination" => "Where uploads go",
        "uploads_folder" => "The uploads folder",
        "on_conflict" => "What to do when a name is taken",
        "max_file_size" => "The largest file",
        "max_batch_files" => "The most files per upload",
        "temp_expiry_secs" => "When temp uploads are deleted",
        "write_gitignore" => "Keeping uploads out of git",
        "ssh_config" => "The SSH config file",
        "share_endpoint" => "The storage endpoint",
        "share_region" => "The storage region",
        "share_bucket" => "The bucket",
        "share_prefix" => "The folder in the bucket",
        "share_encrypt" => "Encrypting share links",
        "max_agent_message" => "The largest message from an agent",
        "enter_sends" => "Sending with Enter",
        "notify" => "Desktop notifications",
        "noise_folders" => "The folders whose files are not outputs",
        other => other,
    }
}

/// Folder names, separated by commas: each a plain name (no `/`), never
/// `.` or `..`; empty for none.
fn noise_folders(value: &str) -> Result<Vec<String>, &'static str> {
    let mut names = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "." || name == ".." || name.contains('/') || name.contains('\0') {
            return Err(
                "folder names separated by commas, such as node_modules, target (names, not paths)",
            );
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// "The most files per upload cannot be empty: …", "The largest file
/// cannot be “lots”: …".
fn refusal(key: &str, value: &str, why: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        format!("{} cannot be empty: {why}", label(key))
    } else {
        format!("{} cannot be “{value}”: {why}", label(key))
    }
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
            "ssh_config" => self.ssh_config.clone(),
            "share_endpoint" => self.share_endpoint.clone(),
            "share_region" => self.share_region.clone(),
            "share_bucket" => self.share_bucket.clone(),
            "share_prefix" => self.share_prefix.clone(),
            "share_encrypt" => self.share_encrypt.to_string(),
            "max_agent_message" => self.max_agent_message.to_string(),
            "enter_sends" => self.enter_sends.to_string(),
            "notify" => self.notify.to_string(),
            "noise_folders" => self.noise_folders.join(", "),
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
                let destination = value.parse().map_err(|e| invalid(&e))?;
                if destination == Destination::Published {
                    return Err(invalid(
                        &"uploads go to worktree, temp or global; published holds what agents hand back",
                    ));
                }
                self.default_destination = destination;
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
            "max_agent_message" => {
                let size: ByteSize = value.parse().map_err(|e| invalid(&e))?;
                if !(MIN_AGENT_MESSAGE..=MAX_AGENT_MESSAGE).contains(&size.0) {
                    return Err(invalid(&format_args!(
                        "from {} (agents send whole files in one message) to {}",
                        ByteSize(MIN_AGENT_MESSAGE),
                        ByteSize(MAX_AGENT_MESSAGE)
                    )));
                }
                self.max_agent_message = size.0;
            }
            "max_batch_files" => {
                self.max_batch_files = match value.trim().parse::<usize>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(invalid(&"a whole number above 0")),
                };
            }
            "temp_expiry_secs" => {
                self.temp_expiry_secs = match value.trim().parse::<u64>() {
                    Ok(secs) if (MIN_TEMP_EXPIRY_SECS..=MAX_TEMP_EXPIRY_SECS).contains(&secs) => {
                        secs
                    }
                    _ => {
                        return Err(invalid(&format_args!(
                            "a whole number of seconds from {MIN_TEMP_EXPIRY_SECS} (a minute: the agent must have time to read the file) to {MAX_TEMP_EXPIRY_SECS} (a year)"
                        )));
                    }
                };
            }
            "write_gitignore" => {
                self.write_gitignore =
                    parse_bool(value).ok_or_else(|| invalid(&"true or false"))?;
            }
            "enter_sends" => {
                self.enter_sends = parse_bool(value).ok_or_else(|| invalid(&"true or false"))?;
            }
            "notify" => {
                self.notify = parse_bool(value).ok_or_else(|| invalid(&"true or false"))?;
            }
            "noise_folders" => {
                self.noise_folders = noise_folders(value).map_err(|e| invalid(&e))?;
            }
            key if key.starts_with("share_") => self.set_share(key, value)?,
            "ssh_config" => {
                let path = value.trim();
                if !path.is_empty() && !Path::new(path).is_absolute() {
                    return Err(invalid(
                        &"the full path of an SSH config file (such as /home/me/.ssh/work_config), or empty for your own ~/.ssh/config",
                    ));
                }
                path.clone_into(&mut self.ssh_config);
            }
            _ => return Err(SettingsError::UnknownKey(key.to_owned())),
        }
        Ok(())
    }

    /// Sets one of the sharing settings, validating it first.
    fn set_share(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        let invalid = |why: &dyn fmt::Display| SettingsError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            why: why.to_string(),
        };
        match key {
            "share_encrypt" => {
                self.share_encrypt = parse_bool(value).ok_or_else(|| invalid(&"true or false"))?;
            }
            "share_endpoint" => {
                let endpoint = value.trim().trim_end_matches('/');
                if !(endpoint.is_empty()
                    || endpoint.starts_with("https://")
                    || endpoint.starts_with("http://"))
                {
                    return Err(invalid(
                        &"the storage's address, starting with https:// (or http:// for one on this network), or empty",
                    ));
                }
                endpoint.clone_into(&mut self.share_endpoint);
            }
            "share_region" => {
                let region = value.trim();
                if region.is_empty()
                    || !region
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err(invalid(
                        &"letters, digits and -, such as us-east-1 (auto for R2)",
                    ));
                }
                region.clone_into(&mut self.share_region);
            }
            "share_bucket" => {
                let bucket = value.trim();
                if !bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
                    || bucket.len() == 1
                    || bucket.len() == 2
                    || bucket.len() > 63
                {
                    return Err(invalid(&"3 to 63 lowercase letters, digits, - and ."));
                }
                bucket.clone_into(&mut self.share_bucket);
            }
            "share_prefix" => {
                let prefix = value.trim().trim_matches('/');
                if prefix.split('/').any(|part| part == "." || part == "..")
                    || prefix.chars().any(char::is_control)
                    || prefix.contains("//")
                {
                    return Err(invalid(&"folder names separated by /, such as handoff/"));
                }
                self.share_prefix = if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{prefix}/")
                };
            }
            _ => return Err(SettingsError::UnknownKey(key.to_owned())),
        }
        Ok(())
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "true" | "on" | "yes" | "1" => Some(true),
        "false" | "off" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// The shortest life a temp upload may have, in seconds.
pub const MIN_TEMP_EXPIRY_SECS: u64 = 60;
/// The longest life a temp upload may have, in seconds (a year).
pub const MAX_TEMP_EXPIRY_SECS: u64 = 365 * 24 * 60 * 60;

/// The rules an uploads folder name follows, whatever folder it is in: a
/// relative path of plain folder names, `/`-separated, never inside `.git`.
fn validate_folder(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("it must not be empty");
    }
    if value.starts_with('/') || Path::new(value).is_absolute() {
        return Err("it must be relative to the worktree (such as .agor/uploads), not absolute");
    }
    if value.contains('\\') {
        return Err("separate folders with /, not \\");
    }
    if value.chars().any(char::is_control) {
        return Err("it must not hold control characters");
    }
    for part in value.split('/') {
        match part {
            "" => return Err("it must not hold empty parts (`//` or a trailing /)"),
            "." | ".." => {
                return Err(
                    "it must not hold `.` or `..`: it names a new folder inside the worktree",
                );
            }
            _ if is_git(part) => {
                return Err(
                    "it must not be inside .git: git would run or read what is uploaded there",
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// `.git` as a case-insensitive file system or Windows would read `part`
/// (`.GIT`, `.git.`, `.git ` all name it).
fn is_git(part: &str) -> bool {
    part.trim_end_matches(['.', ' '])
        .eq_ignore_ascii_case(".git")
}

/// The content of the `.gitignore` Handoff writes into a worktree's uploads
/// folder.
const GITIGNORE: &str = "*";

/// Checks that `rel` (an uploads folder setting) may be used as the uploads
/// folder of `worktree`: its name follows the rules of
/// `handoff settings set`, and the folder is new or Handoff's own, that is
/// missing, empty, holding Handoff's `.gitignore` of `*`, or holding only
/// Handoff's unfinished writes. A folder with the person's own files (such
/// as `src`) is refused: Handoff's `.gitignore` would hide them from git,
/// and its clean-up would list them as strays.
pub fn check_uploads_folder_in(worktree: &Path, rel: &str) -> Result<(), SettingsError> {
    let refuse = |why: String| SettingsError::InvalidValue {
        key: "uploads_folder".to_owned(),
        value: rel.to_owned(),
        why,
    };
    validate_folder(rel).map_err(|why| refuse(why.to_owned()))?;
    let folder = worktree.join(rel);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(refuse(format!("cannot read {}: {e}", folder.display()))),
    };
    let mut foreign = None;
    for entry in entries {
        let entry = entry.map_err(|e| refuse(format!("cannot read {}: {e}", folder.display())))?;
        let name = entry.file_name();
        if name == ".gitignore" {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if text.trim() == GITIGNORE {
                return Ok(());
            }
        }
        if !name
            .to_string_lossy()
            .starts_with(crate::words::TEMP_PREFIX)
        {
            foreign.get_or_insert(name);
        }
    }
    match foreign {
        None => Ok(()),
        Some(name) => Err(refuse(format!(
            "{} already holds files Handoff did not put there (such as {}); a .gitignore of * there would hide them from git. Choose a new folder",
            folder.display(),
            name.to_string_lossy()
        ))),
    }
}

impl SettingsError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidSetting
    }
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
        assert!(s.set("max_agent_message", "100kB").is_err());
        assert!(s.set("max_agent_message", "2GB").is_err());
        s.set("max_agent_message", "16MiB").unwrap();
        assert_eq!(s.max_agent_message, 16 << 20);
    }

    #[test]
    fn an_uploads_folder_must_be_new_or_handoffs_own() {
        let tmp = tempfile::tempdir().unwrap();
        let w = tmp.path();
        assert!(check_uploads_folder_in(w, "in").is_ok(), "missing");
        std::fs::create_dir_all(w.join("in")).unwrap();
        assert!(check_uploads_folder_in(w, "in").is_ok(), "empty");
        std::fs::write(w.join("in/.handoff-1.part"), "half").unwrap();
        assert!(
            check_uploads_folder_in(w, "in").is_ok(),
            "unfinished writes"
        );
        std::fs::write(w.join("in/notes.md"), "mine").unwrap();
        let err = check_uploads_folder_in(w, "in").unwrap_err().to_string();
        assert!(err.contains("notes.md"), "{err}");
        std::fs::write(w.join("in/.gitignore"), "*\n").unwrap();
        assert!(
            check_uploads_folder_in(w, "in").is_ok(),
            "Handoff's .gitignore"
        );
        std::fs::write(w.join("in/.gitignore"), "target/\n").unwrap();
        assert!(
            check_uploads_folder_in(w, "in").is_err(),
            "the person's .gitignore"
        );
        assert!(check_uploads_folder_in(w, ".git/in").is_err());
    }
}
