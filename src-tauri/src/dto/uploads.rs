//! The upload dialog's shapes: what was offered, where it would go, the
//! request, its progress and its outcome.

use std::time::{Duration, Instant};

use handoff_core::api::ApiError;
use handoff_core::api::uploads::{self, Offered, Uploaded};
use handoff_core::ingest::Progress;
use handoff_core::{ConflictPolicy, Destination, Origin};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::ipc::Channel;

use super::FileInfo;

/// Where each destination resolves for a session, for the upload dialog.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Destinations {
    pub worktree: String,
    pub temp: String,
    pub global: String,
    /// The default from the settings.
    pub default: Destination,
    /// Per-file limit in bytes.
    pub max_file_size: u64,
    /// Most files in one upload.
    pub max_batch_files: usize,
    /// What to do when a name is taken, from the settings.
    pub on_conflict: ConflictPolicy,
}

/// One thing to upload.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UploadSource {
    /// A file or folder on disk (Rust copies it; bytes never cross IPC).
    Path { path: String },
    /// Clipboard bytes Rust already holds (see `read_clipboard`).
    Paste {
        #[serde(rename = "pasteId")]
        paste_id: u32,
    },
    /// Pasted text to save as a file.
    Text { name: String, text: String },
}

/// An upload from the dialog.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadRequest {
    pub session_id: i64,
    pub sources: Vec<UploadSource>,
    /// Worktree, temp or global (never published).
    pub destination: Destination,
    pub on_conflict: ConflictPolicy,
    /// Drop, paste or picker: the ways a file reaches the window.
    pub origin: Origin,
    /// The most files this upload may hold, when the person raised the
    /// setting's limit for it (never lowered below the setting).
    pub max_batch_files: Option<usize>,
}

/// What happened to one file.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadOutcome {
    /// The file as the page named it (a dropped folder's file by its path).
    pub label: String,
    /// Index of the source in the request it came from.
    pub source: usize,
    pub file: Option<FileInfo>,
    pub error: Option<ApiError>,
}

/// What an upload did: one outcome per file, and why the conversation
/// could not record the saved files, if so (they are saved all the same).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadResult {
    pub outcomes: Vec<UploadOutcome>,
    pub unrecorded: Option<ApiError>,
}

impl TryFrom<Uploaded> for UploadResult {
    type Error = ApiError;

    /// A batch refused as a whole is an error.
    fn try_from(uploaded: Uploaded) -> Result<Self, ApiError> {
        if let Some(refused) = uploaded.report.refused {
            return Err(refused.into());
        }
        Ok(Self {
            outcomes: uploaded
                .report
                .outcomes
                .into_iter()
                .map(|o| UploadOutcome {
                    label: o.label,
                    source: o.source,
                    file: o.result.as_ref().ok().map(|s| FileInfo::from(&s.record)),
                    error: o.result.err().map(ApiError::from),
                })
                .collect(),
            unrecorded: uploaded.unrecorded,
        })
    }
}

/// Progress of an upload: bytes of the current file and of the batch.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadProgress {
    /// Index of the source (a row of the dialog) the file comes from.
    pub source: usize,
    /// Index of the file among the batch's files.
    pub item: usize,
    pub item_done: u64,
    pub item_total: Option<u64>,
    pub batch_done: u64,
    pub batch_total: u64,
}

/// What the clipboard held when the page saw no file in a paste.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ClipboardContent {
    /// An image, held by Rust under `pasteId` until uploaded.
    Image {
        #[serde(rename = "pasteId")]
        paste_id: u32,
        name: String,
        size: u64,
    },
    /// Files copied in a file manager.
    Files { paths: Vec<String> },
    /// Nothing Handoff can attach.
    Nothing,
}

/// A file or folder the person dropped or picked, described for the dialog.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OfferedFile {
    /// Id for its thumbnail (`handoff://localhost/offer/<id>`).
    pub offer_id: u32,
    pub path: String,
    pub name: String,
    /// Bytes (for a folder: the bytes of its files).
    pub size: u64,
    /// The files it brings to an upload (1 for a file; a folder's regular
    /// files, counted as the batch limit counts them).
    pub files: usize,
    /// A folder's entries an upload would skip (links, devices, unreadable).
    pub skipped: usize,
    pub is_dir: bool,
    /// Type guessed from the name (`inode/directory` for folders).
    pub mime: String,
    /// Why it cannot be read, if so.
    pub problem: Option<String>,
}

impl UploadProgress {
    /// Sends progress to the page at most every 50 ms (and each file's end).
    pub fn throttle(channel: Channel<Self>) -> impl FnMut(&Progress) + Send {
        let mut last: Option<Instant> = None;
        move |p: &Progress| {
            let done = p.item_total.is_some_and(|t| p.item_done >= t);
            if done || last.is_none_or(|l| l.elapsed() >= Duration::from_millis(50)) {
                last = Some(Instant::now());
                if let Err(e) = channel.send(Self {
                    source: p.source,
                    item: p.item,
                    item_done: p.item_done,
                    item_total: p.item_total,
                    batch_done: p.batch_done,
                    batch_total: p.batch_total,
                }) {
                    tracing::debug!(error = %e, "the page stopped following an upload");
                }
            }
        }
    }
}

impl UploadRequest {
    /// The core's request for this one, with its sources resolved;
    /// refused when it names a destination or origin the window has not.
    pub fn to_core(
        &self,
        sources: Vec<handoff_core::Source>,
    ) -> Result<uploads::UploadRequest, ApiError> {
        if self.destination == Destination::Published {
            return Err(ApiError::invalid(
                "uploads go to the worktree, temp or global folder; published is the agents' own",
            ));
        }
        if !matches!(self.origin, Origin::Drop | Origin::Paste | Origin::Picker) {
            return Err(ApiError::invalid(format!(
                "a file reaches the window by drop, paste or picker, not {}",
                self.origin
            )));
        }
        Ok(uploads::UploadRequest {
            session_id: Some(self.session_id),
            destination: Some(self.destination),
            on_conflict: Some(self.on_conflict),
            max_batch_files: self.max_batch_files,
            ..uploads::UploadRequest::new(sources, self.origin)
        })
    }
}

impl From<uploads::Destinations> for Destinations {
    fn from(d: uploads::Destinations) -> Self {
        let shown = |folder: Result<std::path::PathBuf, String>| {
            folder.map_or_else(|why| why, |p| p.display().to_string())
        };
        Self {
            worktree: shown(d.worktree),
            temp: shown(d.temp),
            global: shown(d.global),
            default: match d.default {
                Destination::Published => Destination::Worktree,
                chosen => chosen,
            },
            max_file_size: d.max_file_size,
            max_batch_files: d.max_batch_files,
            on_conflict: d.on_conflict,
        }
    }
}

impl OfferedFile {
    /// An offered path as the dialog shows it, under its thumbnail id.
    #[must_use]
    pub fn new(offer_id: u32, o: Offered) -> Self {
        Self {
            offer_id,
            path: o.path.display().to_string(),
            name: o.name,
            size: o.size,
            files: o.files,
            skipped: o.skipped,
            is_dir: o.is_dir,
            mime: o.mime,
            problem: o.problem,
        }
    }
}
