//! Small copies of the pictures that were sent, kept by their SHA-256 in
//! the data folder (`thumbs/<sha256>.png`, private to its owner), so the
//! history shows what the agent received even after the file at its path
//! was replaced, changed or deleted.

use std::io::{self, Cursor, Write as _};
use std::path::PathBuf;

use image::{ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

use crate::home::{Home, open_private_dir};

/// The longest edge of a kept thumbnail, in pixels.
pub const EDGE: u32 = 256;

/// The thumbnails of a data folder.
#[derive(Debug, Clone)]
pub struct Thumbs {
    dir: PathBuf,
}

impl Thumbs {
    /// The thumbnails kept in `home`.
    #[must_use]
    pub fn of(home: &Home) -> Self {
        Self {
            dir: home.dir().join("thumbs"),
        }
    }

    /// The thumbnail (a PNG) kept for the picture whose SHA-256 is
    /// `sha256`, if one was kept.
    #[must_use]
    pub fn get(&self, sha256: &str) -> Option<Vec<u8>> {
        is_digest(sha256)
            .then(|| std::fs::read(self.dir.join(format!("{sha256}.png"))).ok())
            .flatten()
    }

    /// Keeps a thumbnail of `picture`, whose SHA-256 the caller has
    /// checked is `sha256`, unless one is kept already; returns whether one
    /// is kept now. Bytes that do not decode as a picture keep nothing.
    /// Written whole or not at all.
    pub fn keep(&self, sha256: &str, picture: &[u8]) -> io::Result<bool> {
        if !is_digest(sha256) {
            return Ok(false);
        }
        let path = self.dir.join(format!("{sha256}.png"));
        if path.is_file() {
            return Ok(true);
        }
        let Some(png) = thumbnail(picture) else {
            return Ok(false);
        };
        open_private_dir(&self.dir)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".thumb")
            .tempfile_in(&self.dir)?;
        temp.write_all(&png)?;
        temp.persist(&path).map_err(|e| e.error)?;
        Ok(true)
    }
}

/// The SHA-256 of `bytes`, in lowercase hex (as files are recorded).
#[must_use]
pub fn digest(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Whether `text` is a SHA-256 in lowercase hex (and so a safe file name).
fn is_digest(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A PNG of `picture` no larger than [`EDGE`] on either side, or `None`
/// when it does not decode (within the decoder's memory limits).
fn thumbnail(picture: &[u8]) -> Option<Vec<u8>> {
    let image = ImageReader::new(Cursor::new(picture))
        .with_guessed_format()
        .ok()?
        .decode()
        .ok()?;
    let small = if image.width().max(image.height()) > EDGE {
        image.thumbnail(EDGE, EDGE)
    } else {
        image
    };
    let mut png = Cursor::new(Vec::new());
    small.write_to(&mut png, ImageFormat::Png).ok()?;
    Some(png.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 40, 90]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_picture_is_kept_small_by_its_digest_and_junk_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let thumbs = Thumbs::of(&Home::at(dir.path()));
        let big = png(1200, 600);
        assert!(thumbs.keep(&digest(&big), &big).unwrap());
        let kept = thumbs.get(&digest(&big)).expect("kept");
        let shown = image::load_from_memory(&kept).unwrap();
        assert_eq!((shown.width(), shown.height()), (EDGE, EDGE / 2));
        // Kept once: a second keep finds it.
        assert!(thumbs.keep(&digest(&big), &big).unwrap());

        let small = png(40, 30);
        thumbs.keep(&digest(&small), &small).unwrap();
        let shown = image::load_from_memory(&thumbs.get(&digest(&small)).unwrap()).unwrap();
        assert_eq!((shown.width(), shown.height()), (40, 30), "not made larger");

        assert!(
            !thumbs
                .keep(&digest(b"not a picture"), b"not a picture")
                .unwrap()
        );
        assert!(thumbs.get(&digest(b"not a picture")).is_none());
        assert!(
            thumbs.get("../../etc/passwd").is_none(),
            "only digests name files"
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join("thumbs"))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o700);
    }
}
