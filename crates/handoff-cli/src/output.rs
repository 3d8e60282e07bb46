//! How records look on the terminal and in `--json`.
//!
//! Anything a file name, an agent or a record supplied goes through
//! [`terminal_safe`] (or [`terminal_safe_lines`]) before it reaches the
//! terminal, so a name holding `ESC[2J` or an OSC title sequence is shown,
//! not obeyed. `--json` needs none of this: JSON escapes control characters.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use handoff_core::clock::Timestamp;
use handoff_core::size::ByteSize;
use handoff_core::store::FileRecord;
use serde::Serialize;

/// A record as `--json` prints it.
#[derive(Serialize)]
pub struct JsonFile<'a> {
    #[serde(flatten)]
    pub record: &'a FileRecord,
    pub mime_mismatch: bool,
}

impl<'a> From<&'a FileRecord> for JsonFile<'a> {
    fn from(record: &'a FileRecord) -> Self {
        Self {
            record,
            mime_mismatch: record.mime_mismatch(),
        }
    }
}

/// An error as `--json` prints it: `{kind, message}`.
#[derive(Serialize)]
pub struct JsonError {
    pub kind: handoff_core::ErrorKind,
    pub message: String,
}

/// Prints any serializable value as one line of JSON.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// "3 s", "5 min", "2 h", "4 d": how long ago `then` was.
pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = (now - then).max(0) / 1000;
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// One table row of `handoff ls`.
pub fn row(record: &FileRecord, now: Timestamp) -> String {
    let direction = match record.direction {
        handoff_core::store::Direction::ToAgent => "→agent",
        handoff_core::store::Direction::FromAgent => "←agent",
        handoff_core::store::Direction::Made => "made",
    };
    format!(
        "{:>6}  {:<8}  {:<6}  {:<9}  {:>9}  {:>6}  {}",
        record.id,
        record.status,
        direction,
        record.destination,
        ByteSize(record.size).to_string(),
        age(now, record.created_at),
        safe_path(&record.path)
    )
}

/// The header matching [`row`].
pub const HEADER: &str = "    ID  STATUS    WAY     DEST            SIZE     AGE  PATH";

/// `text` with every control character written out instead of sent raw:
/// C0 controls and DEL as `\x1b` (`\n`, `\r`, `\t` for those three), C1 controls and the bidirectional
/// overrides that reorder what is shown as `\u{9b}`, `\u{202e}`. Nothing else
/// changes, so ordinary names (spaces, unicode) read as they are.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape_controls(text, |_| false)
}

/// Like [`terminal_safe`] but keeps line breaks and tabs: for multi-line text
/// such as an agent's streamed reply or an error with its stderr tail.
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| matches!(c, '\n' | '\t'))
}

/// [`terminal_safe`] of a path.
pub fn safe_path(path: &Path) -> String {
    terminal_safe(&path.to_string_lossy()).into_owned()
}

/// Whether `c` would steer the terminal or reorder the text around it.
fn is_steering(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape_controls(text: &str, keep: fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_steering(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_steering(c) || keep(c) {
            out.push(c);
        } else if let Some(short) = match c {
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            _ => None,
        } {
            out.push_str(short);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_out() {
        assert_eq!(
            terminal_safe("a\u{1b}[2J\u{1b}]0;t\u{7}\0\r\u{7f}\u{9b}\u{202e}b\n\t"),
            "a\\x1b[2J\\x1b]0;t\\x07\\x00\\r\\x7f\\u{9b}\\u{202e}b\\n\\t"
        );
        assert_eq!(
            terminal_safe_lines("one\r\ntwo\tthree\u{1b}"),
            "one\\r\ntwo\tthree\\x1b"
        );
        assert!(matches!(terminal_safe("Écran 1.png"), Cow::Borrowed(_)));
    }
}
