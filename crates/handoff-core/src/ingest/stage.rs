//! Copying one file into a hidden temp file beside its final place, hashing
//! and size-checking the bytes as they go.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::IngestError;
use super::source::{Input, special_kind};
use crate::logging::OrLog as _;
use crate::mime::{self, SNIFF_BYTES};
use crate::safe_dir::SafeDir;
use crate::size::ByteSize;
use crate::words::{TEMP_PREFIX, TEMP_SUFFIX, hex};

const CHUNK: usize = 1 << 20;

/// A file's bytes, written and hashed, waiting under a temp name in the
/// folder it was staged in; removed when dropped unless [`Staged::keep`]
/// was called (it was renamed into place).
pub(super) struct Staged<'d> {
    pub dir: &'d SafeDir,
    pub name: OsString,
    pub facts: Facts,
    kept: bool,
}

impl Staged<'_> {
    /// The temp file is no longer ours to remove.
    pub fn keep(&mut self) {
        self.kept = true;
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.dir
                .remove_file(&self.name)
                .or_log("removing a staged temporary file");
        }
    }
}

/// What was learnt about the bytes while copying them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facts {
    pub size: u64,
    pub sha256: String,
    pub sniffed_mime: Option<String>,
    /// The written file's mtime (a rename keeps it).
    pub mtime_ns: i64,
}

/// What `stage` needs to know besides the input.
pub(super) struct StageOptions<'a> {
    pub dir: &'a SafeDir,
    pub limit: u64,
    /// The widest permission bits the saved file may have; a file keeps its
    /// source's bits within these.
    pub max_mode: u32,
    /// fsync the file here (single files); batches sync the file system once.
    pub fsync: bool,
}

/// Copies `input` into a temp file in `opts.dir`, hashing while copying and
/// refusing it as soon as it passes the size limit, or when the source
/// changed while it was read. `on_bytes` hears about every chunk written;
/// `scratch` is a buffer reused across a batch.
pub(super) fn stage<'d>(
    input: &Input,
    opts: &StageOptions<'d>,
    scratch: &mut Vec<u8>,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<Staged<'d>, IngestError> {
    match input {
        Input::Bytes(bytes) => {
            let size = bytes.len() as u64;
            if size > opts.limit {
                return Err(IngestError::TooLarge {
                    size: Some(ByteSize(size)),
                    limit: ByteSize(opts.limit),
                });
            }
            let (mut out, mut staged) = create_temp(opts.dir, opts.max_mode)?;
            out.write_all(bytes)
                .map_err(|e| IngestError::write_failed(&e))?;
            if opts.fsync {
                out.sync_all().map_err(|e| IngestError::write_failed(&e))?;
            }
            on_bytes(size);
            staged.facts = Facts {
                size,
                sha256: hex(&Sha256::digest(bytes)),
                sniffed_mime: mime::sniff(&bytes[..bytes.len().min(SNIFF_BYTES)]),
                mtime_ns: mtime_of(&out)?,
            };
            Ok(staged)
        }
        Input::File(path) => stage_file(open_regular(path)?, opts, scratch, on_bytes),
    }
}

/// Copies an open regular file into a temp file in `opts.dir`; see [`stage`].
pub(super) fn stage_file<'d>(
    mut src: File,
    opts: &StageOptions<'d>,
    scratch: &mut Vec<u8>,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<Staged<'d>, IngestError> {
    let limit = ByteSize(opts.limit);
    let before = src.metadata().map_err(|e| IngestError::unreadable(&e))?;
    if before.len() > opts.limit {
        return Err(IngestError::TooLarge {
            size: Some(ByteSize(before.len())),
            limit,
        });
    }
    let (mut out, mut staged) = create_temp(opts.dir, before.mode() & opts.max_mode)?;
    let copy = Copy {
        limit: opts.limit,
        fsync: opts.fsync,
    };
    let result = if before.len() < KERNEL_COPY_FROM {
        copy.inline(&mut src, &mut out, scratch, on_bytes)
    } else {
        copy.in_kernel(&src, &out, on_bytes)
    };
    let mut facts = result.map_err(|e| match e {
        CopyError::TooLarge => IngestError::TooLarge { size: None, limit },
        CopyError::Changed => IngestError::ChangedWhileRead,
        CopyError::Read(e) => IngestError::unreadable(&e),
        CopyError::Write(e) => IngestError::write_failed(&e),
    })?;
    let after = src.metadata().map_err(|e| IngestError::unreadable(&e))?;
    if changed(&before, &after) || facts.size != before.len() {
        return Err(IngestError::ChangedWhileRead);
    }
    facts.mtime_ns = mtime_of(&out)?;
    staged.facts = facts;
    Ok(staged)
}

/// Whether a file was written to between two looks at it.
pub(crate) fn changed(before: &std::fs::Metadata, after: &std::fs::Metadata) -> bool {
    before.len() != after.len()
        || before.mtime() != after.mtime()
        || before.mtime_nsec() != after.mtime_nsec()
        || before.ctime() != after.ctime()
        || before.ctime_nsec() != after.ctime_nsec()
}

/// Creates `.handoff-<pid>-<random>.part` in `dir`: the pid tells a later
/// clean-up whether the write it belongs to can still finish.
fn create_temp(dir: &SafeDir, mode: u32) -> Result<(File, Staged<'_>), IngestError> {
    for _ in 0..16 {
        let random = crate::random::hex::<6>().map_err(|e| IngestError::write_failed(&e.into()))?;
        let name = OsString::from(format!(
            "{TEMP_PREFIX}{}-{random}{TEMP_SUFFIX}",
            std::process::id()
        ));
        match dir.create_file(&name, mode) {
            Ok(file) => {
                let staged = Staged {
                    dir,
                    name,
                    facts: Facts {
                        size: 0,
                        sha256: String::new(),
                        sniffed_mime: None,
                        mtime_ns: 0,
                    },
                    kept: false,
                };
                return Ok((file, staged));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(IngestError::write_failed(&e)),
        }
    }
    Err(IngestError::WriteFailed {
        reason: "cannot find a free temp file name".to_owned(),
    })
}

fn mtime_of(file: &File) -> Result<i64, IngestError> {
    let meta = file.metadata().map_err(|e| IngestError::write_failed(&e))?;
    Ok(crate::clock::mtime_ns(&meta))
}

/// Opens a path for reading without blocking on a FIFO, and refuses
/// anything that is not a regular file once opened.
pub(crate) fn open_regular(path: &Path) -> Result<File, IngestError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| IngestError::unreadable(&e))?;
    check_regular(file)
}

/// Refuses an open file that is not a regular file.
pub(crate) fn check_regular(file: File) -> Result<File, IngestError> {
    let meta = file.metadata().map_err(|e| IngestError::unreadable(&e))?;
    if !meta.is_file() {
        return Err(IngestError::NotRegularFile {
            kind: special_kind(meta.file_type()),
        });
    }
    Ok(file)
}

enum CopyError {
    TooLarge,
    /// The copy and the hash saw different lengths.
    Changed,
    Read(io::Error),
    Write(io::Error),
}

/// Files from this size on are copied by the kernel (`copy_file_range`)
/// while a second thread reads and hashes the source: hashing is the
/// slowest step, and the two overlap.
const KERNEL_COPY_FROM: u64 = 8 << 20;

/// How much the kernel copies per call, so the limit and progress are
/// checked as the copy goes.
const KERNEL_CHUNK: usize = 8 << 20;

/// How one file is copied: its size limit, and whether to fsync it.
struct Copy {
    limit: u64,
    fsync: bool,
}

impl Copy {
    /// Reads, hashes and writes on this thread (small files).
    fn inline(
        &self,
        src: &mut File,
        out: &mut File,
        buf: &mut Vec<u8>,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Facts, CopyError> {
        buf.resize(CHUNK, 0);
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut total = 0_u64;
        while let Some(n) = self.read_chunk(src, buf, &mut total)? {
            let chunk = &buf[..n];
            keep_head(&mut head, chunk);
            hasher.update(chunk);
            out.write_all(chunk).map_err(CopyError::Write)?;
            on_bytes(n as u64);
        }
        self.sync(out)?;
        Ok(Facts {
            size: total,
            sha256: hex(&hasher.finalize()),
            sniffed_mime: mime::sniff(&head),
            mtime_ns: 0,
        })
    }

    /// The kernel copies the bytes (then they are fsynced) on this thread
    /// while a second thread reads the source and hashes it (large files).
    /// The caller's before/after check of the source makes sure both saw
    /// the same bytes.
    fn in_kernel(
        &self,
        src: &File,
        out: &File,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Facts, CopyError> {
        let reader = src.try_clone().map_err(CopyError::Read)?;
        let limit = self.limit;
        std::thread::scope(|scope| {
            let hasher = scope.spawn(move || hash_from_start(&reader, limit));
            let mut total = 0_u64;
            let mut in_kernel = true;
            let mut buf = Vec::new();
            let copied = loop {
                let step = if in_kernel {
                    rustix::fs::copy_file_range(src, None, out, None, KERNEL_CHUNK)
                } else {
                    copy_through(src, out, &mut buf)
                };
                match step {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        total += n as u64;
                        if total > self.limit {
                            break Err(CopyError::TooLarge);
                        }
                        on_bytes(n as u64);
                    }
                    Err(rustix::io::Errno::INTR) => {}
                    // Another file system, or one that cannot: copy through memory.
                    Err(
                        rustix::io::Errno::XDEV
                        | rustix::io::Errno::INVAL
                        | rustix::io::Errno::OPNOTSUPP
                        | rustix::io::Errno::NOSYS,
                    ) if in_kernel && total == 0 => in_kernel = false,
                    Err(e) => break Err(CopyError::Write(e.into())),
                }
            };
            // The file syncs to disk while the hasher finishes.
            let written = copied.and_then(|()| self.sync(out));
            let digest = hasher
                .join()
                .map_err(|_| CopyError::Read(io::Error::other("the hashing thread failed")))?;
            written?;
            let (size, sha256, head) = digest?;
            if size != total {
                return Err(CopyError::Changed);
            }
            Ok(Facts {
                size,
                sha256,
                sniffed_mime: mime::sniff(&head),
                mtime_ns: 0,
            })
        })
    }

    /// Reads the next chunk; `None` at the end; an error past the limit.
    fn read_chunk(
        &self,
        src: &mut File,
        buf: &mut [u8],
        total: &mut u64,
    ) -> Result<Option<usize>, CopyError> {
        loop {
            match src.read(buf) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    *total += n as u64;
                    if *total > self.limit {
                        return Err(CopyError::TooLarge);
                    }
                    return Ok(Some(n));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CopyError::Read(e)),
            }
        }
    }

    fn sync(&self, out: &File) -> Result<(), CopyError> {
        if self.fsync {
            out.sync_all().map_err(CopyError::Write)?;
        }
        Ok(())
    }
}

/// Keeps the first bytes of a file for sniffing its type.
fn keep_head(head: &mut Vec<u8>, chunk: &[u8]) {
    if head.len() < SNIFF_BYTES {
        head.extend_from_slice(&chunk[..chunk.len().min(SNIFF_BYTES - head.len())]);
    }
}

/// Copies one chunk from `src` to `out` through `buf` (where the kernel
/// cannot copy between them); the number of bytes copied, 0 at the end.
fn copy_through(src: &File, out: &File, buf: &mut Vec<u8>) -> Result<usize, rustix::io::Errno> {
    buf.resize(CHUNK, 0);
    let n = loop {
        match (&*src).read(buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(rustix::io::Errno::from_io_error(&e).unwrap_or(rustix::io::Errno::IO));
            }
        }
    };
    (&*out)
        .write_all(&buf[..n])
        .map_err(|e| rustix::io::Errno::from_io_error(&e).unwrap_or(rustix::io::Errno::IO))?;
    Ok(n)
}

/// Reads `file` from its start (by position, whatever its offset) and
/// returns its size, SHA-256 and first bytes; stops past `limit`.
fn hash_from_start(file: &File, limit: u64) -> Result<(u64, String, Vec<u8>), CopyError> {
    use std::os::unix::fs::FileExt;
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut buf = vec![0_u8; CHUNK];
    let mut total = 0_u64;
    loop {
        match file.read_at(&mut buf, total) {
            Ok(0) => return Ok((total, hex(&hasher.finalize()), head)),
            Ok(n) => {
                total += n as u64;
                if total > limit {
                    return Err(CopyError::TooLarge);
                }
                keep_head(&mut head, &buf[..n]);
                hasher.update(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CopyError::Read(e)),
        }
    }
}

/// The SHA-256 of a file on disk, hex, streaming.
pub(crate) fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; CHUNK];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
