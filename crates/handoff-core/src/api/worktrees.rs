//! Worktrees: the folders agents work in.

use std::path::{Path, PathBuf};

use super::{ApiError, Context};
use crate::clock;
use crate::remote::{self, ConnectOptions, Remote, RemoteSpec};
use crate::store::Worktree;

/// Every worktree, oldest first.
pub fn list(ctx: &Context) -> Result<Vec<Worktree>, ApiError> {
    Ok(ctx.store()?.worktrees().list()?)
}

/// The worktree at `dir` (a folder that exists), recorded on first use;
/// a remote worktree (`host:/abs/path`, `ssh://…`) is connected to first,
/// to check that the folder is there.
pub fn add(ctx: &Context, dir: &Path) -> Result<Worktree, ApiError> {
    if let Some(spec) = RemoteSpec::parse(&dir.to_string_lossy())? {
        let options = ConnectOptions::for_settings(&ctx.store()?.settings().load()?);
        remote::block_on(async {
            Remote::connect(&spec, &options).await?;
            Ok::<_, ApiError>(())
        })?;
        return Ok(ctx
            .store()?
            .worktrees()
            .ensure_remote(&spec, clock::now())?);
    }
    let canonical = std::fs::canonicalize(dir)
        .ok()
        .filter(|p| p.is_dir())
        .ok_or_else(|| ApiError::not_found(format!("{} is not a folder", dir.display())))?;
    Ok(ctx.store()?.worktrees().ensure(&canonical, clock::now())?)
}

/// The worktree at `dir` when given, else the git work tree around the
/// current folder, else the current folder.
pub fn at_or_around(ctx: &Context, dir: Option<&Path>) -> Result<Worktree, ApiError> {
    if let Some(dir) = dir {
        return add(ctx, dir);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| ApiError::not_found(format!("cannot read the current folder: {e}")))?;
    add(ctx, &git_root(&cwd).unwrap_or(cwd))
}

/// The worktree `dir` names, recorded on first use without looking at it
/// (a remote one is checked when it is connected to).
pub fn named(ctx: &Context, dir: &Path) -> Result<Worktree, ApiError> {
    match RemoteSpec::parse(&dir.to_string_lossy())? {
        Some(spec) => Ok(ctx
            .store()?
            .worktrees()
            .ensure_remote(&spec, clock::now())?),
        None => add(ctx, dir),
    }
}

/// The recorded worktree at `dir`, if it is one.
pub fn find(ctx: &Context, dir: &Path) -> Result<Option<Worktree>, ApiError> {
    if let Some(spec) = RemoteSpec::parse(&dir.to_string_lossy())? {
        return Ok(ctx
            .store()?
            .worktrees()
            .find(Path::new(&spec.to_string()))?);
    }
    let canonical = std::fs::canonicalize(dir)
        .map_err(|_| ApiError::not_found(format!("{} does not exist", dir.display())))?;
    Ok(ctx.store()?.worktrees().find(&canonical)?)
}

/// The nearest folder at or above `dir` holding a `.git` entry.
#[must_use]
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_owned)
}

/// The sample worktree a fresh install starts in (created, with a README
/// saying what to do, when missing).
pub fn sample(ctx: &Context) -> Result<Worktree, ApiError> {
    let sample = ctx.home.dir().join("sample-worktree");
    let failed = |e: std::io::Error| {
        ApiError::new(
            crate::ErrorKind::WriteFailed,
            format!(
                "cannot create the sample worktree {}: {e}",
                sample.display()
            ),
        )
    };
    std::fs::create_dir_all(&sample).map_err(failed)?;
    let readme = sample.join("README.md");
    if !readme.exists() {
        let text = "# Sample worktree\n\nDrop files on Handoff's prompt box: they land in .agor/uploads/ here.\n";
        std::fs::write(&readme, text).map_err(failed)?;
    }
    add(ctx, &sample)
}
