//! Copying one file into a hidden temp file beside its final place, hashing
//! and size-checking the bytes as they go.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::TempPath;

use super::IngestError;
use super::source::{Input, special_kind};
use crate::mime::{self, SNIFF_BYTES};
use crate::size::ByteSize;

/// Prefix of the temp files ingest writes; anything named like this in an
/// uploads folder is an unfinished write.
pub const TEMP_PREFIX: &str = ".handoff-";
/// Suffix of the temp files ingest writes.
pub const TEMP_SUFFIX: &str = ".part";

const CHUNK: usize = 1 << 20;

/// A file's bytes, written and hashed, waiting under a temp name.
pub(super) struct Staged {
    /// Deletes the temp file when dropped unless it was renamed into place.
    pub temp: TempPath,
    pub facts: Facts,
}

/// What was learnt about the bytes while copying them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Facts {
    pub size: u64,
    pub sha256: String,
    pub sniffed_mime: Option<String>,
}

/// What `stage` needs to know besides the input.
pub(super) struct StageOptions<'a> {
    pub dir: &'a Path,
    pub limit: u64,
    pub mode: u32,
    /// fsync the file here (single files); batches sync the file system once.
    pub fsync: bool,
}

/// Copies `input` into a temp file in `opts.dir`, hashing while copying and
/// refusing it as soon as it passes the size limit. `on_bytes` hears about
/// every chunk written.
pub(super) fn stage(
    input: &Input,
    opts: &StageOptions<'_>,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<Staged, IngestError> {
    let limit = ByteSize(opts.limit);
    let named = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .permissions(Permissions::from_mode(opts.mode))
        .tempfile_in(opts.dir)
        .map_err(|e| IngestError::write_failed(&e))?;
    let (mut out, temp) = named.into_parts();
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let size = match input {
        Input::Bytes(bytes) => {
            if bytes.len() as u64 > opts.limit {
                return Err(IngestError::TooLarge {
                    size: Some(ByteSize(bytes.len() as u64)),
                    limit,
                });
            }
            hasher.update(bytes);
            out.write_all(bytes)
                .map_err(|e| IngestError::write_failed(&e))?;
            on_bytes(bytes.len() as u64);
            head.extend_from_slice(&bytes[..bytes.len().min(SNIFF_BYTES)]);
            bytes.len() as u64
        }
        Input::File(path) => {
            let mut src = open_regular(path)?;
            let known = src.metadata().map(|m| m.len()).ok();
            if known.is_some_and(|len| len > opts.limit) {
                return Err(IngestError::TooLarge {
                    size: known.map(ByteSize),
                    limit,
                });
            }
            copy(
                &mut src,
                &mut out,
                &mut hasher,
                &mut head,
                opts.limit,
                on_bytes,
            )
            .map_err(|e| match e {
                CopyError::TooLarge => IngestError::TooLarge { size: None, limit },
                CopyError::Read(e) => IngestError::unreadable(&e),
                CopyError::Write(e) => IngestError::write_failed(&e),
            })?
        }
    };
    if opts.fsync {
        out.sync_all().map_err(|e| IngestError::write_failed(&e))?;
    }
    Ok(Staged {
        temp,
        facts: Facts {
            size,
            sha256: hex(&hasher.finalize()),
            sniffed_mime: mime::sniff(&head),
        },
    })
}

/// Opens a path for reading without blocking on a FIFO, and refuses
/// anything that is not a regular file once opened.
fn open_regular(path: &Path) -> Result<File, IngestError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| IngestError::unreadable(&e))?;
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
    Read(io::Error),
    Write(io::Error),
}

fn copy(
    src: &mut File,
    out: &mut File,
    hasher: &mut Sha256,
    head: &mut Vec<u8>,
    limit: u64,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<u64, CopyError> {
    let mut buf = vec![0_u8; CHUNK];
    let mut total = 0_u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        total += n as u64;
        if total > limit {
            return Err(CopyError::TooLarge);
        }
        let chunk = &buf[..n];
        if head.len() < SNIFF_BYTES {
            head.extend_from_slice(&chunk[..n.min(SNIFF_BYTES - head.len())]);
        }
        hasher.update(chunk);
        out.write_all(chunk).map_err(CopyError::Write)?;
        on_bytes(n as u64);
    }
}

/// Lowercase hex of a digest.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
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
