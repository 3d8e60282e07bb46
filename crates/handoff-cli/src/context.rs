//! What every command needs: the data folder, the database, the roots of
//! the destinations, and how a worktree is found.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use handoff_core::store::Worktree;
use handoff_core::{Home, Roots, Store};

/// The environment a command runs in.
pub struct Context {
    pub home: Home,
    pub roots: Roots,
}

impl Context {
    pub fn new(home: Option<PathBuf>) -> Self {
        Self {
            home: home.map_or_else(Home::from_env, Home::at),
            roots: Roots::from_env(),
        }
    }

    /// Opens the database, creating it on first use.
    pub fn store(&self) -> Result<Store> {
        Store::open_home(&self.home)
            .with_context(|| format!("cannot open {}", self.home.database().display()))
    }
}

/// The worktree record for `dir`: the folder itself when given, else the git
/// work tree around the current folder, else the current folder.
pub fn worktree(store: &mut Store, dir: Option<&Path>) -> Result<Worktree> {
    let dir = if let Some(dir) = dir {
        dir.to_owned()
    } else {
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        git_root(&cwd).unwrap_or(cwd)
    };
    let canonical = std::fs::canonicalize(&dir)
        .with_context(|| format!("worktree {} does not exist", dir.display()))?;
    anyhow::ensure!(
        canonical.is_dir(),
        "worktree {} is not a folder",
        dir.display()
    );
    Ok(store
        .worktrees()
        .ensure(&canonical, handoff_core::clock::now())?)
}

/// The nearest folder at or above `dir` holding a `.git` entry.
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_owned)
}
