//! What the preview panel may show of a recorded file: a raster image or a
//! PDF (by id, through the app's file scheme), or text (code, logs, Markdown,
//! CSV, JSON; SVG and HTML as source) with the head and tail of a big file.
//! Nothing here is ever run.

use std::io::{Read, Seek, SeekFrom};

use serde::Serialize;

use crate::store::FileRecord;

/// Text files up to this size are shown whole.
pub const WHOLE_TEXT: u64 = 256 * 1024;
/// Of a bigger file, this much of the start…
const HEAD: u64 = 128 * 1024;
/// …and this much of the end are shown.
const TAIL: u64 = 64 * 1024;

/// What can be previewed of a file (the preview panel's shape too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Preview {
    /// A raster image of this type.
    Image {
        /// Its type.
        mime: String,
    },
    /// A PDF document (drawn by the page's PDF renderer, scripts off).
    Pdf,
    /// Text, whole or its head and tail.
    Text {
        /// The type it has (`text/markdown`, `text/csv`, `application/json`…).
        mime: String,
        /// The text shown.
        text: String,
        /// Whether the middle of a big file was left out.
        truncated: bool,
    },
    /// Nothing Handoff shows inline.
    Nothing {
        /// The file's type.
        mime: String,
    },
}

/// The preview of a recorded file, read from its path.
pub fn preview(record: &FileRecord) -> std::io::Result<Preview> {
    let mime = record
        .sniffed_mime
        .clone()
        .filter(|m| m != "text/plain")
        .unwrap_or_else(|| record.mime.clone());
    if matches!(
        mime.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp"
    ) {
        return Ok(Preview::Image { mime });
    }
    if mime == "application/pdf" {
        return Ok(Preview::Pdf);
    }
    let textual = mime.starts_with("text/")
        || mime.ends_with("+xml")
        || mime.ends_with("json")
        || record.sniffed_mime.as_deref() == Some("text/plain");
    if !textual {
        return Ok(Preview::Nothing { mime });
    }
    let mut file = std::fs::File::open(&record.path)?;
    let len = file.metadata()?.len();
    if len <= WHOLE_TEXT {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        return Ok(Preview::Text {
            mime,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            truncated: false,
        });
    }
    let mut head = vec![0; HEAD as usize];
    file.read_exact(&mut head)?;
    let mut tail = Vec::new();
    file.seek(SeekFrom::Start(len - TAIL))?;
    file.read_to_end(&mut tail)?;
    let text = format!(
        "{}\n\n… {} left out …\n\n{}",
        String::from_utf8_lossy(&head).trim_end_matches('\u{FFFD}'),
        crate::size::ByteSize(len - HEAD - TAIL),
        String::from_utf8_lossy(&tail).trim_start_matches('\u{FFFD}')
    );
    Ok(Preview::Text {
        mime,
        text,
        truncated: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destination::Destination;
    use crate::ingest::Origin;
    use crate::store::{Direction, FileStatus};

    fn record(path: &std::path::Path, mime: &str, sniffed: Option<&str>) -> FileRecord {
        FileRecord {
            id: 1,
            session_id: None,
            worktree_id: None,
            direction: Direction::FromAgent,
            destination: Destination::Published,
            filename: "f".into(),
            path: path.to_owned(),
            size: 0,
            mime: mime.into(),
            sniffed_mime: sniffed.map(Into::into),
            sha256: String::new(),
            source: Origin::Mcp,
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

    #[test]
    fn text_whole_or_head_and_tail() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("a.md");
        std::fs::write(&small, "# Title\n<script>alert(1)</script>\n").unwrap();
        let p = preview(&record(&small, "text/markdown", Some("text/plain"))).unwrap();
        assert_eq!(
            p,
            Preview::Text {
                mime: "text/markdown".into(),
                text: "# Title\n<script>alert(1)</script>\n".into(),
                truncated: false
            }
        );

        let big = dir.path().join("big.log");
        let body = (0..40_000).fold(String::new(), |mut body, i| {
            use std::fmt::Write as _;
            let _ = writeln!(body, "line {i}");
            body
        });
        std::fs::write(&big, &body).unwrap();
        let Preview::Text {
            text, truncated, ..
        } = preview(&record(&big, "text/plain", Some("text/plain"))).unwrap()
        else {
            panic!("text")
        };
        assert!(truncated);
        assert!(text.starts_with("line 0\n"));
        assert!(text.ends_with("line 39999\n"));
        assert!(text.contains("left out"));
    }

    #[test]
    fn images_by_type_and_nothing_for_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, b"\0\x01").unwrap();
        assert_eq!(
            preview(&record(&path, "image/png", Some("image/png"))).unwrap(),
            Preview::Image {
                mime: "image/png".into()
            }
        );
        assert_eq!(
            preview(&record(&path, "application/zip", None)).unwrap(),
            Preview::Nothing {
                mime: "application/zip".into()
            }
        );
        assert_eq!(
            preview(&record(&path, "application/pdf", Some("application/pdf"))).unwrap(),
            Preview::Pdf
        );
        // SVG is shown as source, never as an image.
        std::fs::write(&path, "<svg onload=\"x()\"/>").unwrap();
        assert!(matches!(
            preview(&record(&path, "image/svg+xml", Some("text/plain"))).unwrap(),
            Preview::Text { .. }
        ));
    }
}
