//! Composing a prompt from a message and the files handed over: the text
//! block with `{filepath}` filled, a `resource_link` per file, and an
//! `image` block for pictures the agent can see.

use std::path::Path;

use agent_client_protocol::v1::schema::{ContentBlock, ImageContent, ResourceLink, TextContent};
use base64::Engine as _;
use serde::Serialize;

use crate::file_uri;
use crate::store::FileRecord;
use crate::template;

/// Image formats agents read inline.
const INLINE_IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Largest image sent inline; bigger ones go as links.
pub const MAX_INLINE_IMAGE: u64 = 20_000_000;

/// How one file went to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileWay {
    /// The file's record.
    pub file_id: i64,
    /// Its path as the agent was told.
    pub path: String,
    /// The blocks it went as: `resource_link`, and `image` when inline.
    pub sent_as: Vec<&'static str>,
    /// Why it was not sent inline, when it is an image that was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A prompt ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    /// The message with placeholders filled.
    pub text: String,
    /// The blocks, text first.
    pub blocks: Vec<ContentBlock>,
    /// How each file went.
    pub ways: Vec<FileWay>,
}

/// Composes the prompt. `images` says whether the agent accepts image blocks.
#[must_use]
pub fn compose(
    message: &str,
    files: &[FileRecord],
    worktree: Option<&Path>,
    images: bool,
) -> Composed {
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let text = if files.is_empty() {
        message.to_owned()
    } else {
        template::fill(message, &paths, worktree)
    };
    let mut blocks = vec![ContentBlock::Text(TextContent::new(text.clone()))];
    let mut ways = Vec::with_capacity(files.len());
    for file in files {
        let mime = file
            .sniffed_mime
            .as_deref()
            .filter(|m| m.starts_with("image/"))
            .unwrap_or(&file.mime);
        blocks.push(ContentBlock::ResourceLink(
            ResourceLink::new(file.filename.clone(), file_uri::from_path(&file.path))
                .mime_type(mime.to_owned())
                .size(file.size as i64),
        ));
        let mut way = FileWay {
            file_id: file.id,
            path: shown(&file.path, worktree),
            sent_as: vec!["resource_link"],
            note: None,
        };
        if mime.starts_with("image/") {
            match inline_image(file, mime, images) {
                Ok(image) => {
                    blocks.push(ContentBlock::Image(image));
                    way.sent_as.push("image");
                }
                Err(note) => way.note = Some(note),
            }
        }
        ways.push(way);
    }
    Composed { text, blocks, ways }
}

fn inline_image(file: &FileRecord, mime: &str, images: bool) -> Result<ImageContent, String> {
    if !images {
        return Err("the agent does not accept images, so it got a link".to_owned());
    }
    if !INLINE_IMAGE_TYPES.contains(&mime) {
        return Err(format!(
            "{mime} is not a format agents read inline, so it went as a link"
        ));
    }
    if file.size > MAX_INLINE_IMAGE {
        return Err("too large to send inline, so it went as a link".to_owned());
    }
    let bytes =
        std::fs::read(&file.path).map_err(|e| format!("could not be read to send inline ({e})"))?;
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(ImageContent::new(data, mime.to_owned()).uri(file_uri::from_path(&file.path)))
}

fn shown(path: &Path, worktree: Option<&Path>) -> String {
    worktree
        .and_then(|w| path.strip_prefix(w).ok())
        .unwrap_or(path)
        .display()
        .to_string()
}
