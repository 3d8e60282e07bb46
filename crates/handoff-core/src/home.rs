//! Where Handoff keeps its own data: the database and published snapshots.

use std::path::{Path, PathBuf};

/// The environment variable that overrides the data directory (tests,
/// portable installs).
pub const HOME_ENV: &str = "HANDOFF_HOME";

/// Handoff's data directory and the well-known paths inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    dir: PathBuf,
}

impl Home {
    /// A home at an explicit directory.
    #[must_use]
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$HANDOFF_HOME` when set, otherwise the platform's data directory
    /// (`~/.local/share/handoff` on Linux).
    #[must_use]
    pub fn from_env() -> Self {
        if let Some(dir) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            return Self::at(dir);
        }
        let base = dirs::data_dir()
            .or_else(|| dirs::home_dir().map(|h| h.join(".local/share")))
            .unwrap_or_else(std::env::temp_dir);
        Self::at(base.join("handoff"))
    }

    /// The data directory itself.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The SQLite database file.
    #[must_use]
    pub fn database(&self) -> PathBuf {
        self.dir.join("handoff.db")
    }

    /// Where snapshots of files published by agents are kept.
    #[must_use]
    pub fn published(&self) -> PathBuf {
        self.dir.join("published")
    }
}
