//! Folders held open by handle, so that a path is walked once.
//!
//! A [`SafeDir`] is a folder opened component by component from a trusted
//! base with `O_NOFOLLOW | O_DIRECTORY`. Everything done inside it (create a
//! file, rename, remove, sync, lock) goes through the handle, never back
//! through the path string: swapping a component for a symlink after the
//! folder was opened cannot send a write anywhere else. The path is kept for
//! records and messages, and [`SafeDir::still_at_path`] tells whether the
//! folder is still reachable by it.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::words::ErrorKind;
use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

/// Why a destination folder cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DestinationError {
    /// The worktree destination was asked for without a worktree.
    #[error("the worktree destination needs a worktree")]
    NoWorktree,
    /// Uploads cannot be written into the published-files store.
    #[error("files cannot be uploaded into Handoff's published-files store")]
    NotAnUploadTarget,
    /// A component of the folder is a symlink, not owned by us, or not a folder.
    #[error("{path} {why}; refusing to write there")]
    Unsafe {
        /// The offending path.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The folder could not be created or checked.
    #[error("cannot create {path}: {reason}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
}

/// A folder held open by handle, with the path it was reached by.
#[derive(Debug)]
pub struct SafeDir {
    fd: OwnedFd,
    base: PathBuf,
    components: Vec<OsString>,
}

/// Who may use a folder this handle creates or enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    /// Created 0755; any owner accepted.
    Shared,
    /// Created 0700; must belong to this user, and is narrowed to 0700 when
    /// it is wider (a shared temp folder).
    Private,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

impl SafeDir {
    /// Opens a trusted base folder (a worktree, the temp or home folder, the
    /// data folder). Symlinks in the base path itself are the person's own
    /// and are followed.
    pub fn open_base(base: &Path) -> Result<Self, DestinationError> {
        let fd = rustix::fs::open(
            base,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| io_error(base, e))?;
        Ok(Self {
            fd,
            base: base.to_owned(),
            components: Vec::new(),
        })
    }

    /// Opens (creating when absent) the folder `name` inside this one,
    /// refusing a symlink, anything that is not a folder, and for
    /// [`Privacy::Private`] one that belongs to another user.
    pub fn child(&self, name: &OsStr, privacy: Privacy) -> Result<Self, DestinationError> {
        let path = self.path().join(name);
        if !is_plain_name(name) {
            return Err(unsafe_at(&path, "is not a plain folder name"));
        }
        let fd = match rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => {
                let mode = match privacy {
                    Privacy::Shared => 0o755,
                    Privacy::Private => 0o700,
                };
                match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(mode)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(io_error(&path, e)),
                }
                rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty())
                    .map_err(|e| self.refusal(name, &path, e))?
            }
            Err(e) => return Err(self.refusal(name, &path, e)),
        };
        if privacy == Privacy::Private {
            let stat = rustix::fs::fstat(&fd).map_err(|e| io_error(&path, e))?;
            if stat.st_uid != rustix::process::getuid().as_raw() {
                return Err(unsafe_at(&path, "belongs to another user"));
            }
            if stat.st_mode & 0o077 != 0 {
                rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o700))
                    .map_err(|e| io_error(&path, e))?;
            }
        }
        Ok(self.below(name, fd))
    }

    /// Opens the existing folder `name` inside this one, refusing a symlink.
    pub fn open_child(&self, name: &OsStr) -> io::Result<Self> {
        if !is_plain_name(name) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a plain folder name",
            ));
        }
        let fd = rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty())?;
        Ok(self.below(name, fd))
    }

    /// Opens the folders `names` one below the other.
    pub fn descend<'a>(
        &self,
        names: impl IntoIterator<Item = &'a OsStr>,
        privacy: Privacy,
    ) -> Result<Self, DestinationError> {
        let mut dir = self.try_clone().map_err(|e| io_error(&self.path(), e))?;
        for name in names {
            dir = dir.child(name, privacy)?;
        }
        Ok(dir)
    }

    /// Creates `name` as a new folder (never an existing one).
    pub fn create_new_folder(&self, name: &OsStr) -> io::Result<Self> {
        rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o755))?;
        let fd = rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty())?;
        Ok(self.below(name, fd))
    }

    /// The handle `fd` on the folder `name` inside this one.
    fn below(&self, name: &OsStr, fd: OwnedFd) -> Self {
        let mut components = self.components.clone();
        components.push(name.to_owned());
        Self {
            fd,
            base: self.base.clone(),
            components,
        }
    }

    /// The folder's path, as it was reached.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        let mut path = self.base.clone();
        path.extend(&self.components);
        path
    }

    /// A second handle on the same folder.
    pub fn try_clone(&self) -> io::Result<Self> {
        Ok(Self {
            fd: self.fd.try_clone()?,
            base: self.base.clone(),
            components: self.components.clone(),
        })
    }

    /// Creates a new file `name` here (never through a symlink, never over
    /// anything), open for writing, with `mode` (narrowed by the umask).
    pub fn create_file(&self, name: &OsStr, mode: u32) -> io::Result<File> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(mode))?;
        Ok(File::from(fd))
    }

    /// Opens the regular file `name` here for reading, without following a
    /// symlink and without blocking on a FIFO.
    pub fn open_file(&self, name: &OsStr) -> io::Result<File> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        Ok(File::from(fd))
    }

    /// Renames `from` (here) to `to` in `target`, failing when `to` exists.
    pub fn rename_new(&self, from: &OsStr, target: &Self, to: &OsStr) -> io::Result<()> {
        rustix::fs::renameat_with(&self.fd, from, &target.fd, to, RenameFlags::NOREPLACE)?;
        Ok(())
    }

    /// Renames `from` (here) to `to` in `target`, replacing the entry `to`
    /// itself (a symlink there is replaced, never followed).
    pub fn rename_over(&self, from: &OsStr, target: &Self, to: &OsStr) -> io::Result<()> {
        rustix::fs::renameat(&self.fd, from, &target.fd, to)?;
        Ok(())
    }

    /// Removes the file `name` here.
    pub fn remove_file(&self, name: &OsStr) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty())?;
        Ok(())
    }

    /// What is at `name` here, without following a symlink.
    pub fn stat(&self, name: &OsStr) -> io::Result<Entry> {
        let st = rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(Entry {
            regular: FileType::from_raw_mode(st.st_mode) == FileType::RegularFile,
            size: st.st_size as u64,
            mtime_ns: st.st_mtime.saturating_mul(1_000_000_000) + st.st_mtime_nsec as i64,
        })
    }

    /// Whether anything has the name `name` here.
    #[must_use]
    pub fn has(&self, name: &OsStr) -> bool {
        !matches!(
            rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW),
            Err(Errno::NOENT)
        )
    }

    /// The names of the folder's entries (not `.` and `..`).
    pub fn entries(&self) -> io::Result<Vec<OsString>> {
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let name = entry?.file_name().to_bytes().to_vec();
            if name != b"." && name != b".." {
                names.push(OsString::from(OsStr::from_bytes(&name)));
            }
        }
        Ok(names)
    }

    /// Makes the folder's entries durable.
    pub fn sync(&self) -> io::Result<()> {
        rustix::fs::fsync(&self.fd)?;
        Ok(())
    }

    /// Makes everything written on this folder's file system durable.
    pub fn sync_filesystem(&self) -> io::Result<()> {
        rustix::fs::syncfs(&self.fd)?;
        Ok(())
    }

    /// Holds an exclusive lock on the folder until the guard is dropped.
    /// Every Handoff process places files in a folder under this lock.
    pub fn lock(&self) -> io::Result<Lock> {
        let fd = self.fd.try_clone()?;
        rustix::fs::flock(&fd, FlockOperation::LockExclusive)?;
        Ok(Lock { _fd: fd })
    }

    /// Whether walking the path again from the base, without following
    /// symlinks, still reaches this very folder.
    #[must_use]
    pub fn still_at_path(&self) -> bool {
        let Ok(mut fd) = rustix::fs::open(
            &self.base,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) else {
            return false;
        };
        for name in &self.components {
            match rustix::fs::openat(&fd, name.as_os_str(), DIR_FLAGS, Mode::empty()) {
                Ok(next) => fd = next,
                Err(_) => return false,
            }
        }
        match (rustix::fs::fstat(&fd), rustix::fs::fstat(&self.fd)) {
            (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
            _ => false,
        }
    }

    fn refusal(&self, name: &OsStr, path: &Path, e: Errno) -> DestinationError {
        if !matches!(e, Errno::LOOP | Errno::NOTDIR) {
            return io_error(path, e);
        }
        // O_NOFOLLOW | O_DIRECTORY on a symlink fails with ELOOP or ENOTDIR.
        match rustix::fs::readlinkat(&self.fd, name, Vec::new()) {
            Ok(target) => unsafe_at(
                path,
                &format!(
                    "is a symlink to {}",
                    Path::new(OsStr::from_bytes(target.as_bytes())).display()
                ),
            ),
            Err(_) if e == Errno::LOOP => unsafe_at(path, "is a symlink"),
            Err(_) => unsafe_at(path, "is not a folder"),
        }
    }
}

impl AsFd for SafeDir {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// An exclusive lock on a folder, released when dropped (or when the
/// process ends, however it ends).
#[derive(Debug)]
pub struct Lock {
    _fd: OwnedFd,
}

/// What [`SafeDir::stat`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// A regular file (not a symlink, folder or device).
    pub regular: bool,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
}

/// A single name: not empty, not `.` or `..`, no `/`.
fn is_plain_name(name: &OsStr) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty() && bytes != b"." && bytes != b".." && !bytes.contains(&b'/')
}

fn unsafe_at(path: &Path, why: &str) -> DestinationError {
    DestinationError::Unsafe {
        path: path.to_owned(),
        why: why.to_owned(),
    }
}

fn io_error(path: &Path, e: impl Into<io::Error>) -> DestinationError {
    DestinationError::Io {
        path: path.to_owned(),
        reason: e.into().to_string(),
    }
}

impl DestinationError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NoWorktree => ErrorKind::NoWorktree,
            Self::Io { .. } => ErrorKind::WriteFailed,
            Self::NotAnUploadTarget | Self::Unsafe { .. } => ErrorKind::UnsafeDestination,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_swapped_for_a_symlink_keeps_receiving_through_the_handle() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let base = SafeDir::open_base(root.path()).unwrap();
        let dir = base.child(OsStr::new("uploads"), Privacy::Shared).unwrap();
        std::fs::rename(root.path().join("uploads"), root.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("uploads")).unwrap();
        assert!(!dir.still_at_path(), "the path now leads elsewhere");
        drop(dir.create_file(OsStr::new("a.txt"), 0o644).unwrap());
        assert!(root.path().join("moved/a.txt").is_file());
        assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
    }

    #[test]
    fn refuses_a_symlinked_child_and_names_its_target() {
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc", root.path().join("x")).unwrap();
        let base = SafeDir::open_base(root.path()).unwrap();
        let err = base.child(OsStr::new("x"), Privacy::Shared).unwrap_err();
        assert!(err.to_string().contains("is a symlink to /etc"), "{err}");
    }

    #[test]
    fn narrows_a_wide_private_folder() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let wide = root.path().join("p");
        std::fs::create_dir(&wide).unwrap();
        std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o777)).unwrap();
        let base = SafeDir::open_base(root.path()).unwrap();
        base.child(OsStr::new("p"), Privacy::Private).unwrap();
        let mode = std::fs::metadata(&wide).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
