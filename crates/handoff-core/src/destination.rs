//! Where uploads land, and the checks that make writing there safe.
//!
//! A destination folder is a trusted *base* (the worktree, the temp folder,
//! the home folder) plus a relative path (`.agor/uploads`). Every component
//! below the base is opened by handle without following symlinks (see
//! [`crate::safe_dir`]), so a planted `.agor -> /etc` link cannot redirect
//! uploads, not even one swapped in while an upload runs.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::logging::OrLog as _;
pub use crate::safe_dir::DestinationError;
use crate::safe_dir::{Privacy, SafeDir};
use crate::settings::Settings;
pub use crate::words::Destination;

/// The folder name used under the temp folder.
pub const TEMP_FOLDER: &str = "agor-uploads";

/// The bases that destinations are relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    /// The system temp folder (`$TMPDIR`).
    pub temp: PathBuf,
    /// The person's home folder (`$HOME`).
    pub home: PathBuf,
}

impl Roots {
    /// `$TMPDIR` (or `/tmp`) and `$HOME`.
    #[must_use]
    pub fn from_env() -> Self {
        Self {
            temp: std::env::temp_dir(),
            home: dirs::home_dir().unwrap_or_else(std::env::temp_dir),
        }
    }
}

/// A destination folder, resolved but not yet created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// Which destination this is.
    pub destination: Destination,
    /// The trusted base (canonical when it exists).
    pub base: PathBuf,
    /// The path below the base, plain components only.
    pub relative: PathBuf,
}

impl Folder {
    /// Resolves `destination` to a folder; `worktree` is needed for
    /// [`Destination::Worktree`].
    pub fn resolve(
        destination: Destination,
        roots: &Roots,
        worktree: Option<&Path>,
        settings: &Settings,
    ) -> Result<Self, DestinationError> {
        let (base, relative) = match destination {
            Destination::Worktree => (
                worktree.ok_or(DestinationError::NoWorktree)?.to_owned(),
                PathBuf::from(&settings.uploads_folder),
            ),
            Destination::Temp => (roots.temp.clone(), PathBuf::from(TEMP_FOLDER)),
            Destination::Global => (roots.home.clone(), PathBuf::from(&settings.uploads_folder)),
            Destination::Published => return Err(DestinationError::NotAnUploadTarget),
        };
        let base = fs::canonicalize(&base).unwrap_or(base);
        Ok(Self {
            destination,
            base,
            relative,
        })
    }

    /// The folder's full path.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        self.base.join(&self.relative)
    }

    /// Opens the folder by handle, creating what is missing (and for a
    /// worktree, its `.gitignore` when asked), refusing any component that is
    /// a symlink or not a folder, and under the shared temp folder, one that
    /// belongs to another user (a private one that is too open is narrowed).
    pub fn prepare(&self, write_gitignore: bool) -> Result<SafeDir, DestinationError> {
        let privacy = if self.destination == Destination::Temp {
            Privacy::Private
        } else {
            Privacy::Shared
        };
        let mut names = Vec::new();
        for component in self.relative.components() {
            let Component::Normal(name) = component else {
                return Err(unsafe_at(&self.path(), "is not a plain folder name"));
            };
            names.push(name);
        }
        let gitignore = self.destination == Destination::Worktree && write_gitignore;
        if gitignore {
            // Handoff's `.gitignore` of `*` must never land in a folder of the
            // person's own files (it would hide them from git).
            let relative = self.relative.to_string_lossy();
            crate::settings::check_uploads_folder_in(&self.base, &relative)
                .map_err(|e| unsafe_at(&self.path(), &format!("cannot hold uploads: {e}")))?;
        }
        let dir = SafeDir::open_base(&self.base)?.descend(names, privacy)?;
        if gitignore {
            write_gitignore_once(&dir)?;
        }
        Ok(dir)
    }
}

/// Writes `*` into the folder's `.gitignore` unless a `.gitignore` is there.
/// The file is written under a temp name and renamed without replacing, so
/// another process never sees it empty.
fn write_gitignore_once(folder: &SafeDir) -> Result<(), DestinationError> {
    let name = std::ffi::OsStr::new(".gitignore");
    let failed = |e: &io::Error| io_error(&folder.path().join(name), e);
    if folder.has(name) {
        return Ok(());
    }
    let random = crate::random::hex::<6>().map_err(|e| failed(&e.into()))?;
    let temp = std::ffi::OsString::from(format!(
        "{}{}-{}{}",
        crate::words::TEMP_PREFIX,
        std::process::id(),
        random,
        crate::words::TEMP_SUFFIX
    ));
    let mut file = folder.create_file(&temp, 0o644).map_err(|e| failed(&e))?;
    let written = io::Write::write_all(&mut file, b"*\n");
    drop(file);
    let placed = written.and_then(|()| folder.rename_new(&temp, folder, name));
    match placed {
        Ok(()) => Ok(()),
        Err(e) => {
            folder
                .remove_file(&temp)
                .or_log("removing a temporary file");
            if e.kind() == io::ErrorKind::AlreadyExists {
                Ok(())
            } else {
                Err(failed(&e))
            }
        }
    }
}

fn unsafe_at(path: &Path, why: &str) -> DestinationError {
    DestinationError::Unsafe {
        path: path.to_owned(),
        why: why.to_owned(),
    }
}

fn io_error(path: &Path, e: &io::Error) -> DestinationError {
    DestinationError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worktree_folder(dir: &Path) -> Folder {
        let roots = Roots {
            temp: dir.join("tmp"),
            home: dir.join("home"),
        };
        Folder::resolve(
            Destination::Worktree,
            &roots,
            Some(dir),
            &Settings::default(),
        )
        .unwrap()
    }

    #[test]
    fn creates_the_folder_and_a_gitignore() {
        let dir = tempfile::tempdir().unwrap();
        let path = worktree_folder(dir.path()).prepare(true).unwrap().path();
        assert!(path.ends_with(".agor/uploads"));
        assert_eq!(fs::read_to_string(path.join(".gitignore")).unwrap(), "*\n");
    }

    #[test]
    fn refuses_a_symlinked_agor_folder() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".agor")).unwrap();
        let err = worktree_folder(dir.path()).prepare(true).unwrap_err();
        assert!(matches!(err, DestinationError::Unsafe { .. }), "{err}");
        assert!(
            fs::read_dir(elsewhere.path()).unwrap().next().is_none(),
            "nothing written through the link"
        );
    }

    #[test]
    fn refuses_a_symlinked_uploads_folder() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".agor")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".agor/uploads")).unwrap();
        let err = worktree_folder(dir.path()).prepare(true).unwrap_err();
        assert!(err.to_string().contains("is a symlink to"), "{err}");
    }

    #[test]
    fn published_is_not_an_upload_target() {
        let err = Folder::resolve(
            Destination::Published,
            &Roots::from_env(),
            None,
            &Settings::default(),
        );
        assert_eq!(err, Err(DestinationError::NotAnUploadTarget));
    }
}
