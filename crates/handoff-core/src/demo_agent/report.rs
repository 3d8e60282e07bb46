//! What the demo agent says about each thing it received.

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::file_uri;

/// How many lines of a text file the report quotes.
const QUOTED_LINES: usize = 3;

/// A line about an image block: type, pixel size, bytes.
pub fn image(mime: &str, data: &str) -> String {
    match base64::engine::general_purpose::STANDARD.decode(data) {
        Ok(bytes) => match dimensions(&bytes) {
            Some((w, h)) => format!(
                "image: {mime}, {w}×{h} px, {} bytes, sha256 {}",
                bytes.len(),
                sha256(&bytes)
            ),
            None => format!("image: {mime}, size unreadable, {} bytes", bytes.len()),
        },
        Err(e) => format!("image: {mime}, not valid base64 ({e})"),
    }
}

/// Lines about a linked file, read from disk: size, hash, first lines.
pub fn linked_file(name: &str, uri: &str, mime: Option<&str>) -> String {
    let Some(path) = file_uri::to_path(uri) else {
        return format!("file: {name} at {uri} (not a local file, not read)");
    };
    match std::fs::read(&path) {
        Ok(bytes) => {
            let mut out = format!(
                "file: {} ({}, {} bytes), sha256 {}",
                path.display(),
                mime.unwrap_or("unknown type"),
                bytes.len(),
                sha256(&bytes)
            );
            if let Some((w, h)) = dimensions(&bytes) {
                let _ = write!(out, ", {w}×{h} px");
            }
            if let Some(text) = text_head(&bytes) {
                for line in text {
                    let _ = write!(out, "\n    | {line}");
                }
            }
            out
        }
        Err(e) => format!("file: {} could not be read: {e}", path.display()),
    }
}

fn text_head(bytes: &[u8]) -> Option<Vec<String>> {
    let head = &bytes[..bytes.len().min(4096)];
    if head.contains(&0) {
        return None;
    }
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    Some(text.lines().take(QUOTED_LINES).map(str::to_owned).collect())
}

/// Lowercase hex SHA-256.
pub fn sha256(bytes: &[u8]) -> String {
    crate::words::hex(&Sha256::digest(bytes))
}

/// Width and height of a PNG, GIF, JPEG or WebP image from its header.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let le16 = |b: &[u8]| u32::from(u16::from_le_bytes([b[0], b[1]]));
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 {
        return Some((be32(&bytes[16..20]), be32(&bytes[20..24])));
    }
    if (bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) && bytes.len() >= 10 {
        return Some((le16(&bytes[6..8]), le16(&bytes[8..10])));
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") && bytes.len() >= 30 {
        return match &bytes[12..16] {
            b"VP8 " => Some((le16(&bytes[26..28]) & 0x3fff, le16(&bytes[28..30]) & 0x3fff)),
            b"VP8L" => {
                let b = &bytes[21..25];
                let w = 1 + (u32::from(b[0]) | (u32::from(b[1] & 0x3f) << 8));
                let h = 1
                    + ((u32::from(b[1]) >> 6)
                        | (u32::from(b[2]) << 2)
                        | (u32::from(b[3] & 0x0f) << 10));
                Some((w, h))
            }
            b"VP8X" => {
                let w = 1
                    + (u32::from(bytes[24])
                        | u32::from(bytes[25]) << 8
                        | u32::from(bytes[26]) << 16);
                let h = 1
                    + (u32::from(bytes[27])
                        | u32::from(bytes[28]) << 8
                        | u32::from(bytes[29]) << 16);
                Some((w, h))
            }
            _ => None,
        };
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return jpeg_dimensions(bytes);
    }
    None
}

/// Walks JPEG segments to the first start-of-frame marker.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
            let w = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

/// What the person asked: `publish <path> [as <name>]`, if anything.
pub fn publish_request(text: &str) -> Option<(String, Option<String>)> {
    let lower = text.to_lowercase();
    let start = lower.find("publish ")? + "publish ".len();
    let rest = text[start..].lines().next()?.trim();
    let (path, name) = match rest.find(" as ") {
        Some(i) => (&rest[..i], Some(rest[i + 4..].trim())),
        None => (rest, None),
    };
    let unquote = |s: &str| {
        s.trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '`')
            .to_owned()
    };
    let path = unquote(path);
    (!path.is_empty()).then(|| (path, name.map(unquote).filter(|n| !n.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_image_sizes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x02\x80\0\0\x01\xe0\x08\x06\0\0\0";
        assert_eq!(dimensions(png), Some((640, 480)));
        assert_eq!(dimensions(b"GIF89a\x10\x00\x20\x00"), Some((16, 32)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 50, 0, 100, 3, 0, 0, 0,
        ];
        assert_eq!(dimensions(&jpeg), Some((100, 50)));
        assert_eq!(dimensions(b"nope"), None);
    }

    #[test]
    fn understands_publish_requests() {
        assert_eq!(
            publish_request("please publish out/report.md"),
            Some(("out/report.md".into(), None))
        );
        assert_eq!(
            publish_request("Publish \"my chart.png\" as Chart v1"),
            Some(("my chart.png".into(), Some("Chart v1".into())))
        );
        assert_eq!(publish_request("nothing to do"), None);
    }
}
