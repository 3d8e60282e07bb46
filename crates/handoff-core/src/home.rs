//! Where Handoff keeps its own data: the database and published snapshots.
//!
//! The data folder is its owner's only (0700) and the database file too
//! (0600, created so before SQLite opens it; SQLite gives its `-wal` and
//! `-shm` files the database's mode). A folder or file of ours that others
//! could read is tightened; one that belongs to another user is refused.

use std::ffi::OsStr;
use std::fs::DirBuilder;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

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

    /// Creates the data folder private (0700), or narrows an existing one.
    pub fn prepare(&self) -> io::Result<()> {
        open_private_dir(&self.dir).map(drop)
    }
}

/// The data folder's mode: its owner may do everything, others nothing.
const DIR_MODE: u32 = 0o700;
/// The database's mode: its owner may read and write it, others nothing.
const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and any missing parent) as a private folder, or checks that
/// the existing one is this user's and takes away what others may do there;
/// returns a handle on it.
pub(crate) fn open_private_dir(dir: &Path) -> io::Result<OwnedFd> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    let fd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    make_private(&fd, DIR_MODE)?;
    Ok(fd)
}

/// Creates the file `name` in `dir` private (0600) unless it exists, without
/// following a symlink planted there, and makes it and its SQLite companions
/// (`-wal`, `-shm`) private if they are wider.
///
/// An existing file is never opened here, only looked at and narrowed by
/// name: closing any descriptor of a database file drops every POSIX lock
/// this process holds on it, which would break SQLite's locking for the
/// connections already open.
pub(crate) fn create_private_database(dir: &OwnedFd, name: &OsStr) -> io::Result<()> {
    let flags = OFlags::RDWR | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::CREATE | OFlags::EXCL;
    match rustix::fs::openat(dir, name, flags, Mode::from_raw_mode(FILE_MODE)) {
        Ok(_) | Err(rustix::io::Errno::EXIST) => {}
        Err(e) => return Err(e.into()),
    }
    let mut names = vec![name.to_owned()];
    for suffix in ["-wal", "-shm"] {
        let mut companion = name.to_owned();
        companion.push(suffix);
        names.push(companion);
    }
    for name in names {
        let stat = match rustix::fs::statat(dir, &name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(rustix::io::Errno::NOENT) => continue,
            Err(e) => return Err(e.into()),
        };
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a regular file", Path::new(&name).display()),
            ));
        }
        check_owner(&stat)?;
        let mode = stat.st_mode & 0o7777;
        if mode & !FILE_MODE != 0 {
            rustix::fs::chmodat(
                dir,
                &name,
                Mode::from_raw_mode(mode & FILE_MODE),
                AtFlags::empty(),
            )?;
        }
    }
    Ok(())
}

/// Refuses what another user owns.
fn check_owner(stat: &rustix::fs::Stat) -> io::Result<()> {
    if stat.st_uid != rustix::process::geteuid().as_raw() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "it belongs to another user",
        ));
    }
    Ok(())
}

/// Refuses what another user owns; clears the bits outside `allowed`.
fn make_private(fd: &OwnedFd, allowed: u32) -> io::Result<()> {
    let stat = rustix::fs::fstat(fd)?;
    check_owner(&stat)?;
    let mode = stat.st_mode & 0o7777;
    if mode & !allowed != 0 {
        rustix::fs::fchmod(fd, Mode::from_raw_mode(mode & allowed))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn the_data_folder_and_database_are_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        let fd = open_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        create_private_database(&fd, OsStr::new("x.db")).unwrap();
        assert_eq!(mode(&dir.join("x.db")), 0o600);

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o2775)).unwrap();
        std::fs::write(dir.join("x.db-wal"), "").unwrap();
        std::fs::set_permissions(dir.join("x.db-wal"), std::fs::Permissions::from_mode(0o666))
            .unwrap();
        let fd = open_private_dir(&dir).unwrap();
        create_private_database(&fd, OsStr::new("x.db")).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("x.db-wal")), 0o600);
    }

    #[test]
    fn a_symlink_planted_as_the_database_is_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, "mine").unwrap();
        std::os::unix::fs::symlink(&target, tmp.path().join("x.db")).unwrap();
        let fd = open_private_dir(tmp.path()).unwrap();
        assert!(create_private_database(&fd, OsStr::new("x.db")).is_err());
    }
}
