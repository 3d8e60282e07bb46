//! How records look on the terminal and in `--json`.

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
    pub kind: &'static str,
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
    };
    format!(
        "{:>6}  {:<8}  {:<6}  {:<9}  {:>9}  {:>6}  {}",
        record.id,
        record.status,
        direction,
        record.destination,
        ByteSize(record.size).to_string(),
        age(now, record.created_at),
        record.path.display()
    )
}

/// The header matching [`row`].
pub const HEADER: &str = "    ID  STATUS    WAY     DEST            SIZE     AGE  PATH";
