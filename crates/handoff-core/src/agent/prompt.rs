//! Composing a prompt from a message and the files handed over: the text
//! block with `{filepath}` filled, a `resource_link` per file, and an
//! `image` block for pictures the agent can see, as each agent takes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agent_client_protocol::v1::schema::{ContentBlock, ImageContent, ResourceLink, TextContent};
use base64::Engine as _;
use serde::Serialize;

use super::picture::{self, Limits, Sent};
use crate::file_uri;
use crate::store::{FileRecord, FileWay, SentAs};
use crate::template;

impl FileWay {
    /// In a person's words: "shot.png: picture 1280×800 and link".
    #[must_use]
    pub fn describe(&self) -> String {
        let carrier = if self.sent_as.contains(&SentAs::ResourceLink) {
            "link"
        } else {
            "path in the message"
        };
        let how = match &self.picture {
            Some(picture) => format!("{} and {carrier}", picture.describe()),
            None => carrier.to_owned(),
        };
        match &self.note {
            Some(note) if self.picture.is_none() => format!("{}: {how} ({note})", self.path),
            _ => format!("{}: {how}", self.path),
        }
    }
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

/// How files travel to one agent: from what it advertises in `initialize`
/// and what it is known to do with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The agent takes `image` blocks.
    pub images: bool,
    /// The agent still sees a picture when the same prompt carries a
    /// `resource_link`. Gemini CLI does not: it rebuilds such a prompt from
    /// text and file contents and drops the picture.
    pub links_beside_pictures: bool,
    /// How large a picture may be.
    pub limits: Limits,
}

impl Delivery {
    /// The delivery for the agent named `name` (its `agentInfo.name`).
    #[must_use]
    pub fn for_agent(name: &str, images: bool) -> Self {
        Self {
            images,
            links_beside_pictures: !name.to_ascii_lowercase().contains("gemini"),
            limits: Limits::for_agent(name),
        }
    }
}

/// Composes the prompt for an agent that takes files as `delivery` says.
/// Every file's path is in the text; a file also goes as a
/// `resource_link`, and a picture inline (a copy when the file is over the
/// agent's limits or in a format it cannot read), unless that would cost
/// the agent the picture. Reads and may re-encode pictures: call it off the
/// async threads.
#[must_use]
pub fn compose(
    message: &str,
    files: &[FileRecord],
    worktree: Option<&Path>,
    delivery: Delivery,
) -> Composed {
    compose_reading(message, files, worktree, delivery, &BTreeMap::new())
}

/// [`compose`], reading a picture's bytes from `copies` (by record id)
/// where its file is on another machine.
#[must_use]
pub fn compose_reading(
    message: &str,
    files: &[FileRecord],
    worktree: Option<&Path>,
    delivery: Delivery,
    copies: &BTreeMap<i64, PathBuf>,
) -> Composed {
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let mut text = if files.is_empty() {
        message.to_owned()
    } else {
        template::fill(message, &paths, worktree)
    };
    let mut ways = Vec::with_capacity(files.len());
    let mut file_blocks = Vec::new();
    let mut pictures = 0;
    for file in files {
        let mime = file
            .sniffed_mime
            .as_deref()
            .filter(|m| m.starts_with("image/"))
            .unwrap_or(&file.mime);
        file_blocks.push(ContentBlock::ResourceLink(
            ResourceLink::new(file.filename.clone(), file_uri::from_path(&file.path))
                .mime_type(mime.to_owned())
                .size(file.size as i64),
        ));
        let mut way = FileWay {
            file_id: file.id,
            path: shown(&file.path, worktree),
            sent_as: vec![SentAs::ResourceLink],
            picture: None,
            note: None,
        };
        if mime.starts_with("image/") {
            let bytes_at = copies
                .get(&file.id)
                .map_or(file.path.as_path(), PathBuf::as_path);
            match inline_image(file, bytes_at, mime, delivery) {
                Ok((image, sent)) => {
                    file_blocks.push(ContentBlock::Image(image));
                    way.sent_as.push(SentAs::Image);
                    way.picture = Some(sent);
                    pictures += 1;
                }
                Err(note) => way.note = Some(note),
            }
        }
        ways.push(way);
    }
    if pictures > 0 && !delivery.links_beside_pictures {
        // Links would cost this agent the pictures: paths go in the text.
        file_blocks.retain(|b| !matches!(b, ContentBlock::ResourceLink(_)));
        let missing: Vec<&str> = ways
            .iter()
            .map(|w| w.path.as_str())
            .filter(|p| !text.contains(p))
            .collect();
        if !missing.is_empty() {
            text.push_str("\n\nFiles: ");
            text.push_str(&missing.join(", "));
        }
        for way in &mut ways {
            way.sent_as.retain(|s| *s != SentAs::ResourceLink);
            way.sent_as.insert(0, SentAs::Path);
        }
    }
    let mut blocks = vec![ContentBlock::Text(TextContent::new(text.clone()))];
    blocks.extend(file_blocks);
    Composed { text, blocks, ways }
}

fn inline_image(
    file: &FileRecord,
    bytes_at: &Path,
    mime: &str,
    delivery: Delivery,
) -> Result<(ImageContent, Sent), String> {
    if !delivery.images {
        return Err("the agent takes no pictures".to_owned());
    }
    let picture = picture::prepare(bytes_at, mime, file.size, delivery.limits)?;
    let data = base64::engine::general_purpose::STANDARD.encode(&picture.bytes);
    let image = ImageContent::new(data, picture.mime).uri(file_uri::from_path(&file.path));
    Ok((image, picture.sent))
}

fn shown(path: &Path, worktree: Option<&Path>) -> String {
    worktree
        .and_then(|w| path.strip_prefix(w).ok())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destination::Destination;
    use crate::ingest::Origin;
    use crate::store::{Direction, FileStatus};

    fn record(id: i64, path: &Path, mime: &str) -> FileRecord {
        FileRecord {
            id,
            session_id: None,
            worktree_id: None,
            direction: Direction::ToAgent,
            destination: Destination::Worktree,
            filename: path.file_name().unwrap().to_string_lossy().into_owned(),
            path: path.to_owned(),
            size: std::fs::metadata(path).unwrap().len(),
            mime: mime.to_owned(),
            sniffed_mime: None,
            sha256: String::new(),
            source: Origin::Cli,
            status: FileStatus::Present,
            display_name: None,
            description: None,
            revision: 1,
            mtime_ns: 0,
            created_at: 0,
            updated_at: 0,
            expires_at: None,
        }
    }

    fn kinds(composed: &Composed) -> Vec<&'static str> {
        composed
            .blocks
            .iter()
            .map(|b| match b {
                ContentBlock::Text(_) => "text",
                ContentBlock::ResourceLink(_) => "link",
                ContentBlock::Image(_) => "image",
                _ => "other",
            })
            .collect()
    }

    fn files(dir: &Path) -> Vec<FileRecord> {
        let up = dir.join("up");
        std::fs::create_dir_all(&up).unwrap();
        image::RgbImage::from_pixel(4, 3, image::Rgb([9, 99, 199]))
            .save(up.join("shot.png"))
            .unwrap();
        std::fs::write(up.join("notes.txt"), b"notes").unwrap();
        vec![
            record(1, &up.join("shot.png"), "image/png"),
            record(2, &up.join("notes.txt"), "text/plain"),
        ]
    }

    /// A picture on another machine goes inline from its local copy; its
    /// link and path stay the remote ones.
    #[test]
    fn a_remote_picture_goes_inline_from_its_copy() {
        let dir = tempfile::tempdir().unwrap();
        let mut picture = files(dir.path()).remove(0);
        let copy = dir.path().join("copy.png");
        std::fs::rename(&picture.path, &copy).unwrap();
        picture.path = PathBuf::from("/remote/app/.agor/uploads/shot.png");
        let copies = BTreeMap::from([(picture.id, copy)]);
        let composed = compose_reading(
            "Look",
            std::slice::from_ref(&picture),
            Some(Path::new("/remote/app")),
            Delivery::for_agent("claude-code", true),
            &copies,
        );
        assert_eq!(kinds(&composed), ["text", "link", "image"]);
        assert_eq!(
            composed.ways[0].describe(),
            ".agor/uploads/shot.png: picture 4×3 and link"
        );
        let ContentBlock::ResourceLink(link) = &composed.blocks[1] else {
            panic!("a link first");
        };
        assert_eq!(link.uri, "file:///remote/app/.agor/uploads/shot.png");
    }

    #[test]
    fn most_agents_get_a_link_per_file_and_pictures_inline() {
        let dir = tempfile::tempdir().unwrap();
        let composed = compose(
            "Look",
            &files(dir.path()),
            Some(dir.path()),
            Delivery::for_agent("claude-code", true),
        );
        assert_eq!(kinds(&composed), ["text", "link", "image", "link"]);
        assert_eq!(composed.text, "Look");
        assert_eq!(
            composed.ways[0].sent_as,
            [SentAs::ResourceLink, SentAs::Image]
        );
        assert_eq!(
            composed.ways[0].describe(),
            "up/shot.png: picture 4×3 and link"
        );
        assert_eq!(composed.ways[1].describe(), "up/notes.txt: link");
        let blind = compose(
            "Look",
            &files(dir.path()),
            Some(dir.path()),
            Delivery::for_agent("blind", false),
        );
        assert_eq!(kinds(&blind), ["text", "link", "link"]);
        assert_eq!(
            blind.ways[0].describe(),
            "up/shot.png: link (the agent takes no pictures)"
        );
    }

    #[test]
    fn gemini_gets_pictures_without_links_and_every_path_in_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let composed = compose(
            "Look at {filename}",
            &files(dir.path()),
            Some(dir.path()),
            Delivery::for_agent("gemini-cli", true),
        );
        assert_eq!(kinds(&composed), ["text", "image"]);
        assert_eq!(
            composed.text,
            "Look at shot.png, notes.txt\n\nFiles: up/shot.png, up/notes.txt"
        );
        assert_eq!(composed.ways[0].sent_as, [SentAs::Path, SentAs::Image]);
        assert_eq!(composed.ways[1].sent_as, [SentAs::Path]);
        assert_eq!(
            composed.ways[0].describe(),
            "up/shot.png: picture 4×3 and path in the message"
        );
        // Without a picture, links do no harm.
        let text_only = compose(
            "Look",
            &files(dir.path())[1..],
            Some(dir.path()),
            Delivery::for_agent("gemini-cli", true),
        );
        assert_eq!(kinds(&text_only), ["text", "link"]);
    }
}
