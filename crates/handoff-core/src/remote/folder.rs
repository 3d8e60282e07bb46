//! The uploads folder on a remote machine: the remote's own worktree, temp
//! folder or home plus the uploads path, every component looked at with
//! `lstat` (never followed through a symlink), created when missing, then
//! held open there (see [`super::held`]) so that every later request
//! reaches that folder, and looked at again after the files are in place.

use std::path::{Component, Path, PathBuf};

use openssh_sftp_client::error::SftpErrorKind;
use openssh_sftp_client::metadata::{MetaData, Permissions};

use super::held::{HeldDir, Holder, Opened};
use super::{Remote, RemoteError};
use crate::destination::{Destination, DestinationError, TEMP_FOLDER};
use crate::ingest::{IngestError, TEMP_PREFIX};
use crate::settings::Settings;

/// Where the remote machine keeps things, and who we are there.
#[derive(Debug, Clone)]
pub(super) struct Bases {
    /// Our user id there.
    pub uid: u32,
    /// Its temp folder (`$TMPDIR` there, else `/tmp`).
    pub temp: PathBuf,
    /// Our home folder there.
    pub home: PathBuf,
}

/// An uploads folder on the remote, checked, created and held open.
#[derive(Debug, Clone)]
pub(super) struct RemoteFolder {
    /// Its full path there (what records say).
    pub path: PathBuf,
    /// The folder as held open: every request about it goes through this.
    pub held: HeldDir,
    base: PathBuf,
    names: Vec<String>,
    private: bool,
    uid: u32,
}

impl Remote {
    /// Asks the remote for our user id, its temp folder and our home.
    pub(super) async fn bases(&self) -> Result<Bases, RemoteError> {
        let output = self
            .session()
            .command("sh")
            .arg("-c")
            .arg(r#"printf '%s\n' "$(id -u)" "${TMPDIR:-/tmp}" "$HOME""#)
            .output()
            .await
            .map_err(|e| self.lost(&e))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let mut lines = text.lines();
        let (Some(uid), Some(temp), Some(home)) = (
            lines.next().and_then(|l| l.trim().parse().ok()),
            lines.next().filter(|l| l.starts_with('/')),
            lines.next().filter(|l| l.starts_with('/')),
        ) else {
            return Err(RemoteError::Failed {
                host: self.spec().host().to_owned(),
                detail: format!(
                    "cannot learn the user id, temp folder and home there (a POSIX shell answered {:?})",
                    text.trim()
                ),
            });
        };
        Ok(Bases {
            uid,
            temp: PathBuf::from(temp),
            home: PathBuf::from(home),
        })
    }

    /// Resolves `destination` on the remote and creates what is missing:
    /// each component below the base must be a real folder (a symlink is
    /// refused, never followed); under the shared temp folder it must be
    /// ours and private. A worktree's uploads folder gets a `.gitignore`
    /// of `*` when `settings` ask for it. The folder comes back held open
    /// by the returned holder, which must live as long as it is used.
    pub(super) async fn prepare_folder(
        &self,
        destination: Destination,
        settings: &Settings,
    ) -> Result<(RemoteFolder, Holder), IngestError> {
        // The machine's own folders and our uid there are asked only when needed.
        let (base, relative, uid) = match destination {
            Destination::Worktree => (
                self.spec().path.clone(),
                settings.uploads_folder.as_str(),
                None,
            ),
            Destination::Temp => {
                let bases = self.bases().await?;
                (bases.temp, TEMP_FOLDER, Some(bases.uid))
            }
            Destination::Global => {
                let bases = self.bases().await?;
                (
                    bases.home,
                    settings.uploads_folder.as_str(),
                    Some(bases.uid),
                )
            }
            Destination::Published => return Err(DestinationError::NotAnUploadTarget.into()),
        };
        let mut names = Vec::new();
        for component in Path::new(relative).components() {
            let Component::Normal(name) = component else {
                return Err(unsafe_at(
                    &base.join(relative),
                    "is not a plain folder name",
                ));
            };
            names.push(name.to_string_lossy().into_owned());
        }
        let path = base.join(relative);
        let private = destination == Destination::Temp;
        let uid = uid.unwrap_or(u32::MAX);
        let mut at = base.clone();
        for name in &names {
            at.push(name);
            self.folder_at(&at, private, uid, true).await?;
        }
        let mut holder = self.holder().await?;
        let real_base = self
            .sftp()
            .fs()
            .canonicalize(&base)
            .await
            .map_err(|e| self.io_error(&base, &e))?;
        let expected: PathBuf = names.iter().fold(real_base, |at, name| at.join(name));
        let Opened::Held(held) = holder.hold(&path, &expected).await? else {
            return Err(unsafe_at(
                &path,
                "changed while it was being checked (a symlink or another folder was put in its place)",
            ));
        };
        // What was checked by path is judged again as held.
        self.folder_at(&held.via("."), private, uid, false).await?;
        if destination == Destination::Worktree && settings.write_gitignore {
            self.check_not_persons(&held, &path).await?;
            self.write_gitignore_once(&held).await?;
        }
        let folder = RemoteFolder {
            path,
            held,
            base,
            names,
            private,
            uid,
        };
        Ok((folder, holder))
    }

    /// Looks at every component of `folder` again (after files were
    /// placed): one swapped for a symlink or moved means the files are not
    /// where the path says.
    pub(super) async fn still_there(&self, folder: &RemoteFolder) -> Result<(), IngestError> {
        let mut at = folder.base.clone();
        for name in &folder.names {
            at.push(name);
            if self
                .folder_at(&at, folder.private, folder.uid, false)
                .await
                .is_err()
            {
                return Err(IngestError::FolderMoved);
            }
        }
        Ok(())
    }

    /// Checks that `at` is a real folder (creating it first when `create`
    /// and it is missing), ours and private under the temp folder.
    async fn folder_at(
        &self,
        at: &Path,
        private: bool,
        uid: u32,
        create: bool,
    ) -> Result<(), IngestError> {
        let mut fs = self.sftp().fs();
        let meta = match fs.symlink_metadata(at).await {
            Ok(meta) => meta,
            Err(e) if create && is_missing(&e) => {
                let bits: u16 = if private { 0o700 } else { 0o755 };
                let made = fs
                    .dir_builder()
                    .permissions(Permissions::from(bits))
                    .create(at)
                    .await;
                // Another upload may have made it meanwhile: look again either way.
                match (made, fs.symlink_metadata(at).await) {
                    (_, Ok(meta)) => meta,
                    (Err(e), Err(_)) | (Ok(()), Err(e)) => return Err(self.io_error(at, &e)),
                }
            }
            Err(e) => return Err(self.io_error(at, &e)),
        };
        self.judge(at, &meta, private, uid).await
    }

    async fn judge(
        &self,
        at: &Path,
        meta: &MetaData,
        private: bool,
        uid: u32,
    ) -> Result<(), IngestError> {
        let kind = meta.file_type();
        if kind.is_some_and(|k| k.is_symlink()) {
            return Err(unsafe_at(at, "is a symlink"));
        }
        if !kind.is_some_and(|k| k.is_dir()) {
            return Err(unsafe_at(at, "is not a folder"));
        }
        if private {
            if meta.uid() != Some(uid) {
                return Err(unsafe_at(at, "belongs to another user"));
            }
            let mode = meta.permissions().map_or(0, |p| p.as_raw().bits());
            if mode & 0o077 != 0 {
                self.sftp()
                    .fs()
                    .set_permissions(at, Permissions::from(0o700))
                    .await
                    .map_err(|e| self.io_error(at, &e))?;
            }
        }
        Ok(())
    }

    /// Refuses a folder that already holds files Handoff did not put there
    /// (and no `.gitignore` of Handoff's): one of `*` would hide them from git.
    async fn check_not_persons(&self, held: &HeldDir, folder: &Path) -> Result<(), IngestError> {
        use futures_util::StreamExt;
        let mut fs = self.sftp().fs();
        let gitignore = held.via(".gitignore");
        if fs
            .symlink_metadata(&gitignore)
            .await
            .is_ok_and(|m| m.file_type().is_some_and(|t| t.is_file()))
            && let Ok(text) = fs.read(&gitignore).await
            && String::from_utf8_lossy(&text).trim() == "*"
        {
            return Ok(());
        }
        let dir = fs
            .open_dir(&held.via)
            .await
            .map_err(|e| self.io_error(folder, &e))?;
        let entries: Vec<_> = dir.read_dir().collect().await;
        let foreign = entries.into_iter().flatten().find_map(|entry| {
            let name = entry.filename().to_string_lossy().into_owned();
            (name != "." && name != ".." && !name.starts_with(TEMP_PREFIX)).then_some(name)
        });
        match foreign {
            None => Ok(()),
            Some(name) => Err(unsafe_at(
                folder,
                &format!(
                    "cannot hold uploads: it already holds files Handoff did not put there (such as {name}); a .gitignore of * there would hide them from git. Choose a new folder"
                ),
            )),
        }
    }

    /// Writes `*` into the folder's `.gitignore` unless one is there: under
    /// a temp name, then linked into place without replacing anything.
    async fn write_gitignore_once(&self, held: &HeldDir) -> Result<(), IngestError> {
        let target = held.via(".gitignore");
        let mut fs = self.sftp().fs();
        match fs.symlink_metadata(&target).await {
            Ok(_) => return Ok(()),
            Err(e) if is_missing(&e) => {}
            Err(e) => return Err(self.io_error(&target, &e)),
        }
        let temp = held.via(&format!(
            "{TEMP_PREFIX}{}-gitignore.part",
            std::process::id()
        ));
        fs.write(&temp, b"*\n")
            .await
            .map_err(|e| self.io_error(&temp, &e))?;
        let linked = fs.hard_link(&temp, &target).await;
        if let Err(e) = fs.remove_file(&temp).await {
            tracing::warn!(path = %temp.display(), error = %e, "a temp .gitignore is left");
        }
        match linked {
            Ok(()) => Ok(()),
            // Another upload wrote it first.
            Err(_) if fs.symlink_metadata(&target).await.is_ok() => Ok(()),
            Err(e) => Err(self.io_error(&target, &e)),
        }
    }

    /// An SFTP failure at `at`: what the server said, or a lost connection.
    pub(super) fn io_error(&self, at: &Path, e: &openssh_sftp_client::Error) -> IngestError {
        match e {
            openssh_sftp_client::Error::SftpError(kind, message) => {
                let reason = match kind {
                    SftpErrorKind::PermDenied => "permission denied".to_owned(),
                    SftpErrorKind::NoSuchFile => "no such file or folder".to_owned(),
                    _ => message.get().0.to_owned(),
                };
                IngestError::WriteFailed {
                    reason: format!("{}: {reason}", at.display()),
                }
            }
            other => self.lost(other).into(),
        }
    }

    /// The connection dropped (`e` says how).
    pub(super) fn lost(&self, e: &dyn std::error::Error) -> RemoteError {
        RemoteError::Lost {
            host: self.spec().host().to_owned(),
            detail: e.to_string(),
        }
    }
}

/// Whether an SFTP error says the path does not exist.
pub(super) fn is_missing(e: &openssh_sftp_client::Error) -> bool {
    matches!(
        e,
        openssh_sftp_client::Error::SftpError(SftpErrorKind::NoSuchFile, _)
    )
}

fn unsafe_at(path: &Path, why: &str) -> IngestError {
    DestinationError::Unsafe {
        path: path.to_owned(),
        why: why.to_owned(),
    }
    .into()
}
