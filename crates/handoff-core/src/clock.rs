//! Time as the store keeps it: milliseconds since the Unix epoch.
//!
//! Functions that depend on the time take a [`Timestamp`] argument instead of
//! reading the clock, so tests can pass any instant they like.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (UTC).
pub type Timestamp = i64;

/// The current time, for callers at the edge (CLI, app) to pass inward.
#[must_use]
pub fn now() -> Timestamp {
    to_timestamp(SystemTime::now())
}

/// Converts a [`SystemTime`] (for example a file's mtime) to a [`Timestamp`].
#[must_use]
pub fn to_timestamp(time: SystemTime) -> Timestamp {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// Nanoseconds since the epoch of a file's modification time, as recorded to
/// notice later edits (millisecond precision would miss quick rewrites).
#[must_use]
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}
