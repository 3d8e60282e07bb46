//! Pictures as an agent can take them inline: in a format models read
//! (PNG, JPEG, GIF, WebP), within the agent's size limits. A picture over a
//! limit, or in another format (BMP, TIFF…), is sent as a copy made here;
//! the file on disk is never touched.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::Path;

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader};
use serde::Serialize;

/// Image formats agents read inline.
const INLINE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Largest file read to be sent as a picture at all.
const MAX_SOURCE_BYTES: u64 = 200_000_000;

/// Largest picture decoded, in pixels (a 16k × 12k picture).
const MAX_PIXELS: u64 = 200_000_000;

/// JPEG quality of copies that must be small.
const JPEG_QUALITY: u8 = 85;

/// How far a picture must fit, for one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Largest picture sent, in bytes before base64.
    pub max_bytes: u64,
    /// Longest edge sent, in pixels. Models scale larger pictures down
    /// themselves; sending them whole only costs time.
    pub max_edge: u32,
}

impl Limits {
    /// The limits of the agent with this id (its `agentInfo.name`).
    #[must_use]
    pub fn for_agent(id: &str) -> Self {
        let id = id.to_ascii_lowercase();
        let max_bytes = if id.contains("claude") {
            // The Anthropic API refuses a picture whose base64 is over 5 MiB.
            5 * 1024 * 1024 / 4 * 3
        } else {
            20_000_000
        };
        Self {
            max_bytes,
            max_edge: 2000,
        }
    }
}

/// A picture ready to go inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Its type.
    pub mime: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// What was sent, and how it differs from the file.
    pub sent: Sent,
}

/// What went inline, for the conversation.
pub use crate::words::agent::Sent;

impl Sent {
    /// In a person's words: "picture 1280×800", "picture 2000×1500 (scaled
    /// down from 4000×3000)", "picture 800×600 as PNG (from BMP)".
    #[must_use]
    pub fn describe(&self) -> String {
        let mut text = format!("picture {}×{}", self.width, self.height);
        if let Some(from) = &self.converted_from {
            let (to, from) = (format_name(&self.mime), format_name(from));
            let _ = write!(text, " as {to} (from {from})");
        }
        if let Some([w, h]) = self.scaled_from {
            let _ = write!(text, " (scaled down from {w}×{h})");
        }
        text
    }
}

/// The picture in the file at `path` (of type `mime`, `size` bytes) as an
/// agent with `limits` can take it, or why it cannot go inline.
pub fn prepare(path: &Path, mime: &str, size: u64, limits: Limits) -> Result<Picture, String> {
    if size > MAX_SOURCE_BYTES {
        return Err("too large to send as a picture".to_owned());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("could not be read ({e})"))?;
    fit(bytes, mime, limits)
}

/// The picture `bytes` (said to be `mime`) fitted to `limits`.
pub fn fit(bytes: Vec<u8>, mime: &str, limits: Limits) -> Result<Picture, String> {
    let reader = || {
        ImageReader::new(Cursor::new(&bytes[..]))
            .with_guessed_format()
            .ok()
            .filter(|r| r.format().is_some())
    };
    let format = reader()
        .and_then(|r| r.format())
        .ok_or_else(|| not_a_picture(mime))?;
    let (width, height) = reader()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(|| not_a_picture(mime))?;
    let actual = format.to_mime_type();
    let edge = width.max(height);
    if INLINE_TYPES.contains(&actual)
        && bytes.len() as u64 <= limits.max_bytes
        && edge <= limits.max_edge
    {
        let sent = Sent {
            width,
            height,
            mime: actual.to_owned(),
            bytes: bytes.len() as u64,
            scaled_from: None,
            converted_from: None,
        };
        return Ok(Picture {
            mime: actual.to_owned(),
            bytes,
            sent,
        });
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "too large to scale ({width}×{height} pixels), so it went as a link"
        ));
    }
    let image = reader()
        .ok_or_else(|| not_a_picture(mime))?
        .decode()
        .map_err(|e| format!("could not be decoded ({e}), so it went as a link"))?;
    let mut copy = copy_of(&image, format, limits)?;
    copy.sent.scaled_from =
        (copy.sent.width != width || copy.sent.height != height).then_some([width, height]);
    copy.sent.converted_from = (copy.mime != actual).then(|| actual.to_owned());
    Ok(copy)
}

/// A copy of `image` within `limits`: scaled to the longest edge allowed,
/// PNG for drawings and screenshots (JPEG for photos), then JPEG and
/// smaller until it fits the byte limit.
fn copy_of(image: &DynamicImage, format: ImageFormat, limits: Limits) -> Result<Picture, String> {
    let mut edge = image.width().max(image.height()).min(limits.max_edge);
    let lossless = !matches!(format, ImageFormat::Jpeg | ImageFormat::WebP);
    for attempt in 0..12 {
        let scaled = if image.width().max(image.height()) > edge {
            image.resize(edge, edge, FilterType::Triangle)
        } else {
            image.clone()
        };
        if lossless && attempt == 0 {
            let png = encode(&scaled, ImageFormat::Png)?;
            if png.len() as u64 <= limits.max_bytes {
                return Ok(picture(&scaled, "image/png", png));
            }
        }
        let jpeg = encode(&scaled, ImageFormat::Jpeg)?;
        if jpeg.len() as u64 <= limits.max_bytes {
            return Ok(picture(&scaled, "image/jpeg", jpeg));
        }
        edge = edge * 3 / 4;
    }
    Err("could not be made small enough to send, so it went as a link".to_owned())
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(Vec::new());
    let written = if format == ImageFormat::Jpeg {
        let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
        rgb.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out,
            JPEG_QUALITY,
        ))
    } else {
        image.write_to(&mut out, format)
    };
    written.map_err(|e| format!("could not be re-encoded ({e}), so it went as a link"))?;
    Ok(out.into_inner())
}

fn picture(image: &DynamicImage, mime: &str, bytes: Vec<u8>) -> Picture {
    Picture {
        mime: mime.to_owned(),
        sent: Sent {
            width: image.width(),
            height: image.height(),
            mime: mime.to_owned(),
            bytes: bytes.len() as u64,
            scaled_from: None,
            converted_from: None,
        },
        bytes,
    }
}

fn not_a_picture(mime: &str) -> String {
    format!("its bytes are not a picture Handoff can read ({mime}), so it went as a link")
}

/// `image/png` → `PNG`.
fn format_name(mime: &str) -> String {
    mime.rsplit('/')
        .next()
        .unwrap_or(mime)
        .trim_start_matches("x-")
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// A picture with detail everywhere (hard to compress), in `format`.
    fn noisy(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let mut seed = 0x2545_f491_u32;
        let image = RgbImage::from_fn(width, height, |x, y| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            Rgb([(x % 256) as u8, (y % 256) as u8, (seed >> 24) as u8])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image)
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    fn claude() -> Limits {
        Limits::for_agent("@agentclientprotocol/claude-agent-acp")
    }

    #[test]
    fn a_picture_within_limits_goes_as_it_is() {
        let png = noisy(64, 48, ImageFormat::Png);
        let picture = fit(png.clone(), "image/png", claude()).unwrap();
        assert_eq!(picture.bytes, png);
        assert_eq!(picture.sent.describe(), "picture 64×48");
    }

    #[test]
    fn a_picture_over_the_byte_limit_is_sent_as_a_smaller_copy() {
        let png = noisy(1800, 1200, ImageFormat::Png);
        assert!(png.len() as u64 > claude().max_bytes, "{}", png.len());
        let picture = fit(png, "image/png", claude()).unwrap();
        assert!(picture.bytes.len() as u64 <= claude().max_bytes);
        let decoded = image::load_from_memory(&picture.bytes).unwrap();
        assert_eq!(
            (decoded.width(), decoded.height()),
            (picture.sent.width, picture.sent.height)
        );
        assert_eq!(picture.mime, "image/jpeg");
        // The same picture fits another agent's limit as it is.
        let other = fit(
            noisy(1800, 1200, ImageFormat::Png),
            "image/png",
            Limits::for_agent("codex-acp"),
        )
        .unwrap();
        assert_eq!(other.sent.scaled_from, None);
        assert_eq!(other.mime, "image/png");
    }

    #[test]
    fn a_long_edge_is_scaled_down_keeping_the_shape() {
        let png = noisy(4000, 1000, ImageFormat::Png);
        let picture = fit(png, "image/png", Limits::for_agent("gemini-cli")).unwrap();
        assert_eq!((picture.sent.width, picture.sent.height), (2000, 500));
        assert_eq!(picture.sent.scaled_from, Some([4000, 1000]));
        assert_eq!(
            picture.sent.describe(),
            "picture 2000×500 (scaled down from 4000×1000)"
        );
    }

    #[test]
    fn formats_agents_cannot_read_become_png_with_the_same_pixels() {
        for (format, name) in [(ImageFormat::Bmp, "BMP"), (ImageFormat::Tiff, "TIFF")] {
            let source = noisy(40, 30, format);
            let picture = fit(source.clone(), "image/x-whatever", claude()).unwrap();
            assert_eq!(picture.mime, "image/png");
            let original = image::load_from_memory(&source).unwrap().to_rgb8();
            let copy = image::load_from_memory(&picture.bytes).unwrap().to_rgb8();
            assert_eq!(original, copy);
            assert_eq!(
                picture.sent.describe(),
                format!("picture 40×30 as PNG (from {name})")
            );
        }
    }

    #[test]
    fn bytes_that_are_not_a_picture_are_not_sent_as_one() {
        let error = fit(
            b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            "image/png",
            claude(),
        );
        assert!(error.unwrap_err().contains("not a picture"));
        let error = fit(b"file:///tmp/a.png\n".to_vec(), "image/png", claude());
        assert!(error.unwrap_err().contains("not a picture"));
    }
}
