//! Sending one file to the remote: into a hidden temp file beside its final
//! place, hashed (SHA-256) and held to the size limit while it streams,
//! fsynced where the server offers `fsync@openssh.com`; then linked to its
//! final name without replacing anything (or renamed over it, replacing).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use openssh_sftp_client::file::File;
use openssh_sftp_client::metadata::Permissions;
use sha2::{Digest, Sha256};
use std::io::Read;

use super::Remote;
use super::folder::is_missing;
use super::pipeline::Pipeline;
use crate::ingest::source::Input;
use crate::ingest::{Facts, IngestError, TEMP_PREFIX, TEMP_SUFFIX, changed, hex, open_regular};
use crate::mime::{self, SNIFF_BYTES};
use crate::size::ByteSize;

const CHUNK: usize = 256 * 1024;

/// A file's bytes waiting on the remote under a hidden temp name.
pub(super) struct RemoteTemp {
    /// The temp file's path there.
    pub path: PathBuf,
    /// What was learnt while sending.
    pub facts: Facts,
}

/// How a file is sent.
pub(super) struct SendOptions<'a> {
    /// The folder it goes into (the temp file is made there).
    pub folder: &'a Path,
    /// The largest size accepted.
    pub limit: u64,
    /// Readable by this user only (the shared temp folder).
    pub private: bool,
    /// fsync this file (`fsync@openssh.com`); a batch syncs the file
    /// system once instead.
    pub fsync: bool,
}

impl Remote {
    /// Sends `input` into a new temp file in `opts.folder`. A failure
    /// removes the temp file when the connection still allows it; a
    /// dropped connection leaves it to the next connection's clean-up.
    pub(super) async fn send(
        &self,
        input: &Input,
        opts: &SendOptions<'_>,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<RemoteTemp, IngestError> {
        // A file keeps its source's bits, never wider than 0644 (0600 in temp).
        let widest = if opts.private { 0o600 } else { 0o644 };
        let mode = match input {
            Input::File(source) => std::fs::metadata(source).map_or(widest, |m| m.mode() & widest),
            Input::Bytes(_) => widest,
        };
        let (file, path) = self.create_temp(opts, mode).await?;
        match self.fill(file, &path, input, opts, on_bytes).await {
            Ok(facts) => Ok(RemoteTemp { path, facts }),
            Err(e) => {
                if !matches!(e, IngestError::Remote(_)) {
                    self.remove_quietly(&path).await;
                }
                Err(e)
            }
        }
    }

    /// Creates `.handoff-<pid>-<random>.part` in the folder, failing if
    /// it exists (the pid tells a later clean-up whether its writer lives).
    async fn create_temp(
        &self,
        opts: &SendOptions<'_>,
        mode: u32,
    ) -> Result<(File, PathBuf), IngestError> {
        for _ in 0..16 {
            let random =
                crate::random::hex::<6>().map_err(|e| IngestError::write_failed(&e.into()))?;
            let name = format!("{TEMP_PREFIX}{}-{random}{TEMP_SUFFIX}", std::process::id());
            let path = opts.folder.join(name);
            let opened = self
                .sftp()
                .options()
                .write(true)
                .create_new(true)
                .open(&path)
                .await;
            match opened {
                Ok(mut file) => {
                    #[allow(clippy::cast_possible_truncation)]
                    let bits = (mode & 0o777) as u16;
                    if let Err(e) = file.set_permissions(Permissions::from(bits)).await {
                        self.remove_quietly(&path).await;
                        return Err(self.io_error(&path, &e));
                    }
                    return Ok((file, path));
                }
                Err(e) if self.sftp().fs().symlink_metadata(&path).await.is_ok() => {
                    tracing::debug!(error = %e, "a temp name was taken; trying another");
                }
                Err(e) => return Err(self.io_error(&path, &e)),
            }
        }
        Err(IngestError::WriteFailed {
            reason: "cannot find a free temp file name".to_owned(),
        })
    }

    async fn fill(
        &self,
        file: File,
        path: &Path,
        input: &Input,
        opts: &SendOptions<'_>,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Facts, IngestError> {
        let mut pipeline = Pipeline::new(file);
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut size = 0_u64;
        let mut write = async |chunk: Bytes| -> Result<(), IngestError> {
            size += chunk.len() as u64;
            if size > opts.limit {
                return Err(IngestError::TooLarge {
                    size: None,
                    limit: ByteSize(opts.limit),
                });
            }
            hasher.update(&chunk);
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            let n = chunk.len() as u64;
            pipeline
                .push(chunk)
                .await
                .map_err(|e| self.io_error(path, &e))?;
            on_bytes(n);
            Ok(())
        };
        match input {
            Input::Bytes(bytes) => {
                if bytes.len() as u64 > opts.limit {
                    return Err(IngestError::TooLarge {
                        size: Some(ByteSize(bytes.len() as u64)),
                        limit: ByteSize(opts.limit),
                    });
                }
                for chunk in bytes.chunks(CHUNK) {
                    write(Bytes::copy_from_slice(chunk)).await?;
                }
            }
            Input::File(source) => {
                let mut src = open_regular(source)?;
                let before = src.metadata().map_err(|e| IngestError::unreadable(&e))?;
                if before.len() > opts.limit {
                    return Err(IngestError::TooLarge {
                        size: Some(ByteSize(before.len())),
                        limit: ByteSize(opts.limit),
                    });
                }
                loop {
                    // A local read of one chunk: short next to the network.
                    let mut buf = BytesMut::zeroed(CHUNK);
                    let n = src
                        .read(&mut buf)
                        .map_err(|e| IngestError::unreadable(&e))?;
                    if n == 0 {
                        break;
                    }
                    buf.truncate(n);
                    write(buf.freeze()).await?;
                }
                let after = src.metadata().map_err(|e| IngestError::unreadable(&e))?;
                if changed(&before, &after) {
                    return Err(IngestError::ChangedWhileRead);
                }
            }
        }
        let mut handle = pipeline
            .finish()
            .await
            .map_err(|e| self.io_error(path, &e))?;
        if opts.fsync && self.sftp().support_fsync() {
            handle
                .sync_all()
                .await
                .map_err(|e| self.io_error(path, &e))?;
        }
        handle.close().await.map_err(|e| self.io_error(path, &e))?;
        let meta = self
            .sftp()
            .fs()
            .symlink_metadata(path)
            .await
            .map_err(|e| self.io_error(path, &e))?;
        let mtime_ns = meta
            .modified()
            .map_or(0, |t| i64::from(t.into_raw()) * 1_000_000_000);
        Ok(Facts {
            size,
            sha256: hex(&hasher.finalize()),
            sniffed_mime: mime::sniff(&head),
            mtime_ns,
        })
    }

    /// Links the temp file to `target` unless something is there already
    /// (`hardlink@openssh.com`: the link fails on an existing name, as a
    /// rename without replacing does), then removes the temp name. `Ok(false)`
    /// means the name is taken.
    pub(super) async fn link_new(&self, temp: &Path, target: &Path) -> Result<bool, IngestError> {
        let mut fs = self.sftp().fs();
        if !self.sftp().support_hardlink() {
            return Err(IngestError::WriteFailed {
                reason: format!(
                    "the SSH server of {} cannot link files (hardlink@openssh.com), so a file cannot be placed without risking another's name",
                    self.spec().host()
                ),
            });
        }
        match fs.hard_link(temp, target).await {
            Ok(()) => {
                self.remove_quietly(temp).await;
                Ok(true)
            }
            Err(e) => match fs.symlink_metadata(target).await {
                Ok(_) => Ok(false),
                Err(missing) if is_missing(&missing) => Err(self.io_error(target, &e)),
                Err(other) => Err(self.io_error(target, &other)),
            },
        }
    }

    /// Renames the temp file over `target` (`posix-rename@openssh.com`,
    /// atomic: the name never points at a half-written file).
    pub(super) async fn rename_over(&self, temp: &Path, target: &Path) -> Result<(), IngestError> {
        if !self.sftp().support_posix_rename() {
            return Err(IngestError::WriteFailed {
                reason: format!(
                    "the SSH server of {} cannot replace a file atomically (posix-rename@openssh.com); choose keep both",
                    self.spec().host()
                ),
            });
        }
        self.sftp()
            .fs()
            .rename(temp, target)
            .await
            .map_err(|e| self.io_error(target, &e))
    }

    /// Syncs the file system that holds `folder` there (`sync -f`, or a
    /// whole `sync` where `sync` has no `-f`): one round trip for a batch.
    pub(super) async fn sync_file_system(&self, folder: &Path) -> Result<(), IngestError> {
        let status = self
            .session()
            .command("sh")
            .arg("-c")
            .arg(r#"sync -f "$1" 2>/dev/null || sync"#)
            .arg("sh")
            .arg(folder.to_string_lossy())
            .status()
            .await
            .map_err(|e| IngestError::from(self.lost(&e)))?;
        if status.success() {
            Ok(())
        } else {
            Err(IngestError::WriteFailed {
                reason: format!("syncing {} failed ({status})", folder.display()),
            })
        }
    }

    /// Removes a file, logging (not failing) when that is not possible.
    pub(super) async fn remove_quietly(&self, path: &Path) {
        if let Err(e) = self.sftp().fs().remove_file(path).await {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove a remote file");
        }
    }
}
