//! Conversation lines Handoff itself writes: what was uploaded, where to.

use std::path::Path;

use crate::clock::Timestamp;
use crate::size::ByteSize;
use crate::store::{
    FileRecord, Message, MessageData, MessageKind, NewMessage, Role, Store, StoreError,
    UploadedFile,
};

/// Records "Uploaded shot.png → .agor/uploads/shot.png (2.3 MB)" for the
/// saved files, with their ids so the line can show thumbnails later.
pub fn record_uploads(
    store: &mut Store,
    session_id: i64,
    files: &[FileRecord],
    worktree: Option<&Path>,
    now: Timestamp,
) -> Result<Option<Message>, StoreError> {
    if files.is_empty() {
        return Ok(None);
    }
    let parts: Vec<String> = files
        .iter()
        .map(|f| {
            let shown = worktree
                .and_then(|w| f.path.strip_prefix(w).ok())
                .unwrap_or(&f.path);
            format!(
                "{} → {} ({})",
                f.filename,
                shown.display(),
                ByteSize(f.size)
            )
        })
        .collect();
    let data = MessageData::Uploaded {
        files: files
            .iter()
            .map(|f| UploadedFile {
                file_id: f.id,
                path: f.path.display().to_string(),
                size: f.size,
                mime: f.sniffed_mime.clone().unwrap_or_else(|| f.mime.clone()),
            })
            .collect(),
    };
    let body = format!("Uploaded {}", parts.join(", "));
    store
        .messages()
        .append(
            session_id,
            &NewMessage::with(Role::System, MessageKind::Files, body, data),
            now,
        )
        .map(Some)
}
