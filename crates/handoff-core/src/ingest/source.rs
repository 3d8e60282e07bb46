//! Expanding what the person handed over into a flat list of files.

use std::fs::{self, FileType};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use super::IngestError;
use crate::naming;

/// Something the person handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file or folder on disk (drop, picker, CLI). A folder is copied
    /// recursively; symlinks inside it are skipped and reported.
    Path(PathBuf),
    /// Bytes in memory (a pasted screenshot or text) with the name to save
    /// them under.
    Bytes {
        /// The file name to use (sanitized before use).
        name: String,
        /// The content.
        bytes: Arc<[u8]>,
    },
}

impl Source {
    /// How the source is named in results and messages.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Path(p) => p.display().to_string(),
            Self::Bytes { name, .. } => name.clone(),
        }
    }
}

/// Where an item's bytes come from.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    File(PathBuf),
    Bytes(Arc<[u8]>),
}

/// One file to save: its input, the folder group it belongs to (a dropped
/// folder) with its sanitized path inside that folder, and its safe name.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub label: String,
    pub input: Input,
    pub group: Option<usize>,
    pub subdirs: Vec<String>,
    pub name: String,
}

/// What a file or folder would bring to an upload, counted as the upload
/// counts it: the regular files it holds, their bytes, and the entries it
/// would skip (links, devices, unreadable ones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Regular files: what the batch limit counts.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Entries that would fail or be skipped.
    pub skipped: usize,
}

/// Counts what `path` would bring to an upload (a folder walked the way an
/// upload walks it).
#[must_use]
pub fn tally(path: &Path) -> Tally {
    let mut out = Expanded {
        items: Vec::new(),
        sources: Vec::new(),
        groups: Vec::new(),
    };
    expand_path(path, &mut out);
    out.items.iter().fold(Tally::default(), |mut t, item| {
        match item {
            Ok(Item {
                input: Input::File(file),
                ..
            }) => {
                t.files += 1;
                t.bytes += fs::symlink_metadata(file).map_or(0, |m| m.len());
            }
            Ok(_) => t.files += 1,
            Err(_) => t.skipped += 1,
        }
        t
    })
}

/// Expands sources into items (folders walked recursively, sorted by name),
/// plus per-item failures found on the way, and the folder names to create.
pub(crate) struct Expanded {
    pub items: Vec<Result<Item, (String, IngestError)>>,
    /// For each item, the index of the source it came from.
    pub sources: Vec<usize>,
    pub groups: Vec<String>,
}

impl Expanded {
    /// How many files there are to save (what the batch limit counts).
    pub fn files(&self) -> usize {
        self.items.iter().filter(|i| i.is_ok()).count()
    }
}

pub(crate) fn expand(sources: &[Source]) -> Expanded {
    let mut out = Expanded {
        items: Vec::new(),
        sources: Vec::new(),
        groups: Vec::new(),
    };
    for (index, source) in sources.iter().enumerate() {
        match source {
            Source::Bytes { name, bytes } => out.items.push(Ok(Item {
                label: name.clone(),
                input: Input::Bytes(Arc::clone(bytes)),
                group: None,
                subdirs: Vec::new(),
                name: naming::sanitize(name),
            })),
            Source::Path(path) => expand_path(path, &mut out),
        }
        out.sources.resize(out.items.len(), index);
    }
    out
}

fn expand_path(path: &Path, out: &mut Expanded) {
    let label = path.display().to_string();
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return out.items.push(Err((label, IngestError::unreadable(&e)))),
    };
    let file_name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if meta.is_file() {
        return out.items.push(Ok(Item {
            label,
            input: Input::File(path.to_owned()),
            group: None,
            subdirs: Vec::new(),
            name: naming::sanitize(&file_name),
        }));
    }
    if !meta.is_dir() {
        let kind = special_kind(meta.file_type());
        return out
            .items
            .push(Err((label, IngestError::NotRegularFile { kind })));
    }
    let group = out.groups.len();
    out.groups.push(naming::sanitize(&file_name));
    let walk = WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1);
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let at = e
                    .path()
                    .map_or_else(|| label.clone(), |p| p.display().to_string());
                let reason = e
                    .io_error()
                    .map_or_else(|| e.to_string(), ToString::to_string);
                out.items
                    .push(Err((at, IngestError::Unreadable { reason })));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let item_label = entry.path().display().to_string();
        if ft.is_symlink() {
            out.items
                .push(Err((item_label, IngestError::SymlinkSkipped)));
            continue;
        }
        if !ft.is_file() {
            let kind = special_kind(ft);
            out.items
                .push(Err((item_label, IngestError::NotRegularFile { kind })));
            continue;
        }
        let relative = entry.path().strip_prefix(path).unwrap_or(entry.path());
        let mut parts: Vec<String> = relative
            .iter()
            .map(|c| naming::sanitize(&c.to_string_lossy()))
            .collect();
        let name = parts.pop().unwrap_or_else(|| naming::sanitize(""));
        out.items.push(Ok(Item {
            label: item_label,
            input: Input::File(entry.path().to_owned()),
            group: Some(group),
            subdirs: parts,
            name,
        }));
    }
}

/// A name for a file type that is neither a file nor a folder.
pub(crate) fn special_kind(ft: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else if ft.is_symlink() {
        "symlink"
    } else if ft.is_dir() {
        "folder"
    } else {
        "special file"
    }
}
