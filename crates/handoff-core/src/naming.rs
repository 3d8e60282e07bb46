//! Safe file names: keep what the person called the file, remove what could
//! escape the destination folder or break on another OS.

use unicode_normalization::UnicodeNormalization;

/// Longest file name in bytes on common file systems.
pub const MAX_NAME_BYTES: usize = 255;

/// Longest extension (with its dot) kept when a long name is shortened.
const MAX_EXTENSION_BYTES: usize = 32;

/// What an empty or all-removed name becomes.
const FALLBACK: &str = "file";

/// Characters that look like path separators and that some systems map to
/// `/` or `\` (fullwidth solidus, division slash, …).
const SEPARATOR_LOOKALIKES: [char; 6] = [
    '\u{FF0F}', '\u{FF3C}', '\u{2215}', '\u{2044}', '\u{29F5}', '\u{FE68}',
];

/// Characters Windows does not allow in file names.
const WINDOWS_ILLEGAL: [char; 7] = ['<', '>', ':', '"', '|', '?', '*'];

/// Turns any name into one that is safe to create inside a folder.
///
/// The result is never empty, `.` or `..`; holds no `/`, `\`, NUL or control
/// character; has no trailing dot or space; is not a Windows device name; and
/// is at most [`MAX_NAME_BYTES`] bytes, keeping the extension. Spaces and
/// unicode are kept (normalized to NFC).
#[must_use]
pub fn sanitize(name: &str) -> String {
    let normalized: String = name.nfc().collect();
    let last = normalized
        .split(['/', '\\'])
        .rfind(|part| !part.is_empty())
        .unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_invisible_format(c))
        .map(|c| {
            if WINDOWS_ILLEGAL.contains(&c) || SEPARATOR_LOOKALIKES.contains(&c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut name = trim(&cleaned).to_owned();
    if name.is_empty() {
        return FALLBACK.to_owned();
    }
    if is_device_name(&name) {
        name.insert(0, '_');
    }
    let (stem, extension) = split_extension(&name);
    let capped = cap(stem, extension, "");
    let capped = trim(&capped);
    if capped.is_empty() {
        FALLBACK.to_owned()
    } else {
        capped.to_owned()
    }
}

/// The `n`th alternative for a taken name: `report.pdf` → `report (n).pdf`,
/// shortened to fit [`MAX_NAME_BYTES`]. `name` must already be sanitized.
#[must_use]
pub fn numbered(name: &str, n: u32) -> String {
    let (stem, extension) = split_extension(name);
    cap(stem, extension, &format!(" ({n})"))
}

/// Splits off a short extension: `a.tar.gz` → (`a.tar`, `.gz`); a leading
/// dot (`.bashrc`) is not an extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= MAX_EXTENSION_BYTES => name.split_at(i),
        _ => (name, ""),
    }
}

/// `stem + suffix + extension`, shortening the stem at a character boundary
/// so the whole fits in [`MAX_NAME_BYTES`].
fn cap(stem: &str, extension: &str, suffix: &str) -> String {
    let room = MAX_NAME_BYTES.saturating_sub(extension.len() + suffix.len());
    let mut end = stem.len().min(room);
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}{extension}", &stem[..end])
}

/// Leading spaces and trailing dots and spaces are dropped (Windows drops
/// trailing ones silently, and `..` must never survive).
fn trim(name: &str) -> &str {
    name.trim_start_matches(' ').trim_end_matches(['.', ' '])
}

/// Bidirectional overrides and similar invisible marks used to disguise
/// extensions (`gnp.exe` shown as `exe.png`).
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

/// `CON`, `nul.txt`, `COM1.tar.gz`…: names Windows reserves for devices.
fn is_device_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => upper
            .strip_prefix("COM")
            .or_else(|| upper.strip_prefix("LPT"))
            .is_some_and(|digit| {
                matches!(
                    digit,
                    "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_ordinary_names() {
        assert_eq!(sanitize("screen shot 2.png"), "screen shot 2.png");
        assert_eq!(sanitize("résumé — final.pdf"), "résumé — final.pdf");
        assert_eq!(sanitize(".bashrc"), ".bashrc");
        assert_eq!(sanitize("日本語.txt"), "日本語.txt");
    }

    #[test]
    fn removes_directory_parts() {
        assert_eq!(sanitize("../../etc/passwd"), "passwd");
        assert_eq!(sanitize("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(sanitize("/abs/path/x.txt"), "x.txt");
        assert_eq!(sanitize("C:\\Users\\me\\a.txt"), "a.txt");
        assert_eq!(sanitize("dir/"), "dir");
    }

    #[test]
    fn empty_and_dot_names_become_file() {
        for name in [
            "", ".", "..", "...", "   ", " . . ", "/", "\0\0", "\u{202E}",
        ] {
            assert_eq!(sanitize(name), "file", "{name:?}");
        }
    }

    #[test]
    fn cleans_characters() {
        assert_eq!(sanitize("a\0b\nc\u{7f}.txt"), "abc.txt");
        assert_eq!(sanitize("what?<x>|y*.md"), "what__x__y_.md");
        assert_eq!(sanitize("notes. . "), "notes");
        assert_eq!(sanitize("gnp\u{202E}.exe"), "gnp.exe");
        assert_eq!(sanitize("a\u{FF0F}..\u{FF0F}b"), "a_.._b");
    }

    #[test]
    fn avoids_device_names() {
        assert_eq!(sanitize("CON"), "_CON");
        assert_eq!(sanitize("nul.txt"), "_nul.txt");
        assert_eq!(sanitize("com1.tar.gz"), "_com1.tar.gz");
        assert_eq!(sanitize("console.txt"), "console.txt");
        assert_eq!(sanitize("LPT10"), "LPT10");
    }

    #[test]
    fn caps_long_names_keeping_the_extension() {
        let long = format!("{}.png", "é".repeat(400));
        let name = sanitize(&long);
        assert!(name.len() <= MAX_NAME_BYTES);
        assert!(name.ends_with("é.png"));
        let numbered = numbered(&name, 12);
        assert!(numbered.len() <= MAX_NAME_BYTES);
        assert!(numbered.ends_with(" (12).png"));
    }

    #[test]
    fn numbers_alternatives() {
        assert_eq!(numbered("report.pdf", 1), "report (1).pdf");
        assert_eq!(numbered("archive.tar.gz", 2), "archive.tar (2).gz");
        assert_eq!(numbered(".env", 1), ".env (1)");
        assert_eq!(numbered("README", 3), "README (3)");
    }

    proptest! {
        #[test]
        fn any_name_is_a_single_safe_component(name in any::<String>()) {
            let safe = sanitize(&name);
            prop_assert!(!safe.is_empty());
            prop_assert!(safe.len() <= MAX_NAME_BYTES);
            prop_assert!(safe != "." && safe != "..");
            prop_assert!(!safe.contains(['/', '\\', '\0']));
            prop_assert!(!safe.chars().any(char::is_control));
            prop_assert!(!safe.ends_with(['.', ' ']));
            prop_assert!(!is_device_name(&safe));
            let joined = std::path::Path::new("/dest").join(&safe);
            prop_assert_eq!(joined.parent(), Some(std::path::Path::new("/dest")));
            prop_assert_eq!(sanitize(&safe), safe.clone(), "sanitizing is idempotent");
            prop_assert!(numbered(&safe, 9999).len() <= MAX_NAME_BYTES);
        }

        #[test]
        fn hostile_shapes_stay_inside(
            prefix in prop::sample::select(vec!["../", "..\\", "/", "C:\\", "./", "\u{FF0E}\u{FF0E}\u{FF0F}", ""]),
            body in "[ .\\x00-\\x1f\u{202E}a-zA-Z\u{0301}]{0,300}",
            device in prop::sample::select(vec!["", "CON", "aux", "Com1", "lpt9"]),
        ) {
            let safe = sanitize(&format!("{prefix}{device}{body}"));
            let joined = std::path::Path::new("/dest").join(&safe);
            prop_assert_eq!(joined.parent(), Some(std::path::Path::new("/dest")));
            prop_assert!(safe.len() <= MAX_NAME_BYTES);
        }
    }
}
