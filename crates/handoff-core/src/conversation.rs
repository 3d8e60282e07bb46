//! Conversation lines Handoff itself writes: what was uploaded, where to.

use std::path::Path;

use crate::clock::Timestamp;
use crate::ingest::Saved;
use crate::size::ByteSize;
use crate::store::{
    Message, MessageData, MessageKind, NewMessage, Role, Store, StoreError, UploadedFile,
};

/// Records "Uploaded shot.png → .agor/uploads/shot.png (2.3 MB)" for the
/// saved files, with their ids so the line can show thumbnails later; a
/// file whose same bytes were already there says so ("Already there…"
/// when nothing was written at all), and so does one that replaced an
/// earlier file of that name.
pub fn record_uploads(
    store: &mut Store,
    session_id: i64,
    saved: &[Saved],
    worktree: Option<&Path>,
    now: Timestamp,
) -> Result<Option<Message>, StoreError> {
    if saved.is_empty() {
        return Ok(None);
    }
    let all_reused = saved.iter().all(|s| s.reused);
    let mut parts = Vec::with_capacity(saved.len());
    for s in saved {
        let f = &s.record;
        let shown = worktree
            .and_then(|w| f.path.strip_prefix(w).ok())
            .unwrap_or(&f.path);
        let note = if s.reused && !all_reused {
            ", already there with the same bytes"
        } else if !s.reused && store.files().replaced_earlier(f)? {
            ", replaced the earlier one"
        } else {
            ""
        };
        parts.push(format!(
            "{} → {} ({}{note})",
            f.filename,
            shown.display(),
            ByteSize(f.size)
        ));
    }
    let data = MessageData::Uploaded {
        files: saved
            .iter()
            .map(|Saved { record: f, .. }| UploadedFile {
                file_id: f.id,
                path: f.path.display().to_string(),
                size: f.size,
                mime: f.sniffed_mime.clone().unwrap_or_else(|| f.mime.clone()),
            })
            .collect(),
    };
    let body = if all_reused {
        format!(
            "Already there with the same bytes, nothing written: {}",
            parts.join(", ")
        )
    } else {
        format!("Uploaded {}", parts.join(", "))
    };
    store
        .messages()
        .append(
            session_id,
            &NewMessage::with(Role::System, MessageKind::Files, body, data),
            now,
        )
        .map(Some)
}
