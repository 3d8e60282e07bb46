//! Content types: guessed from the extension, sniffed from the first bytes.

/// How many leading bytes are kept for sniffing.
pub const SNIFF_BYTES: usize = 8192;

/// The type the extension suggests (`application/octet-stream` if unknown).
#[must_use]
pub fn guess(name: &str) -> String {
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}

/// The type the first bytes reveal: a known signature, else `text/plain`
/// for UTF-8 text without NULs, else nothing.
#[must_use]
pub fn sniff(head: &[u8]) -> Option<String> {
    if let Some(kind) = infer::get(head) {
        return Some(kind.mime_type().to_owned());
    }
    if head.is_empty() || head.contains(&0) {
        return None;
    }
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the sniffed head is fine.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    text.then(|| "text/plain".to_owned())
}

/// Whether `bytes` decode, whole, as a picture in a format Handoff reads:
/// not merely something that starts like one.
#[must_use]
pub fn decodes_as_picture(bytes: &[u8]) -> bool {
    image::load_from_memory(bytes).is_ok()
}

/// Whether a sniffed type contradicts the guessed one. Plain text matches
/// every textual guess (code, JSON, CSV, SVG…), and nothing contradicts an
/// unknown extension.
#[must_use]
pub fn is_mismatch(guessed: &str, sniffed: Option<&str>) -> bool {
    let Some(sniffed) = sniffed else { return false };
    if guessed == sniffed || guessed == "application/octet-stream" {
        return false;
    }
    if sniffed == "text/plain" {
        return !is_textual(guessed);
    }
    // Zip-based formats (docx, jar, epub…) sniff as their container.
    if sniffed == "application/zip" && !is_textual(guessed) && !guessed.starts_with("image/") {
        return false;
    }
    true
}

fn is_textual(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.ends_with("+xml")
        || mime.ends_with("+json")
        || matches!(
            mime,
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/toml"
                | "application/x-sh"
                | "application/x-yaml"
                | "application/yaml"
                | "application/sql"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn only_whole_pictures_are_pictures() {
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(3, 2)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let png = png.into_inner();
        assert!(decodes_as_picture(&png));
        assert!(!decodes_as_picture(&png[..png.len() - 20]), "cut short");
        assert!(!decodes_as_picture(PNG), "a header alone");
        assert!(!decodes_as_picture(b"file:///home/me/shot.png\r\n"));
    }

    #[test]
    fn guesses_and_sniffs() {
        assert_eq!(guess("a.png"), "image/png");
        assert_eq!(guess("noext"), "application/octet-stream");
        assert_eq!(sniff(PNG).as_deref(), Some("image/png"));
        assert_eq!(sniff(b"hello\n").as_deref(), Some("text/plain"));
        assert_eq!(sniff("caf\u{e9}".as_bytes()).as_deref(), Some("text/plain"));
        assert_eq!(sniff(b"\0\x01\x02"), None);
    }

    #[test]
    fn flags_a_disguised_file() {
        assert!(is_mismatch("application/pdf", sniff(PNG).as_deref()));
        assert!(!is_mismatch("image/png", sniff(PNG).as_deref()));
        assert!(!is_mismatch("text/csv", Some("text/plain")));
        assert!(!is_mismatch("application/json", Some("text/plain")));
        assert!(is_mismatch("image/png", Some("text/plain")));
        assert!(!is_mismatch("application/octet-stream", Some("image/png")));
    }
}
