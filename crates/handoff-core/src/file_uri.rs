//! `file://` URIs for absolute paths, percent-encoded both ways.

use std::path::{Path, PathBuf};

/// `file:///abs/a%20b.png` for `/abs/a b.png`.
#[must_use]
pub fn from_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    format!(
        "file://{}",
        percent_encode(path.as_os_str().as_bytes(), b"/")
    )
}

/// `bytes` with every byte but the unreserved ones (letters, digits,
/// `-._~`) and those in `keep` written `%XX`.
pub(crate) fn percent_encode(bytes: &[u8], keep: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The path of a `file://` URI, or `None` for other schemes.
#[must_use]
pub fn to_path(uri: &str) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    let rest = uri.strip_prefix("file://")?;
    // Skip an authority ("localhost") if present.
    let rest = &rest[rest.find('/')?..];
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_spaces_and_unicode() {
        let path = Path::new("/w/.agor/uploads/shot 1 é#?.png");
        let uri = from_path(path);
        assert_eq!(uri, "file:///w/.agor/uploads/shot%201%20%C3%A9%23%3F.png");
        assert_eq!(to_path(&uri).as_deref(), Some(path));
        assert_eq!(
            to_path("file://localhost/tmp/x").as_deref(),
            Some(Path::new("/tmp/x"))
        );
        assert_eq!(to_path("https://example.com/x"), None);
    }
}
