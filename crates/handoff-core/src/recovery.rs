//! Settling what a killed Handoff process left half done, so that records
//! and disk agree after any crash.
//!
//! An upload commits an *intent* (the record a file will get, and the temp
//! file it waits in) before renaming the file to its real name. When the
//! process that wrote an intent is gone, the disk tells how far it got: the
//! temp file still there → it never took its name (the temp file is
//! removed, the intent dropped); the file at its final path with the size
//! and modification time it was written with → it did (the record is
//! written); neither → dropped. Temp files of processes that are gone are
//! removed at once.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::clock::{self, Timestamp};
use crate::safe_dir::SafeDir;
use crate::store::{FileRecord, Store, StoreError};
use crate::words::temp_owner;

/// What settling left-over intents did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Files that had taken their name: now recorded.
    pub recorded: Vec<FileRecord>,
    /// Files that never took their name: their temp files removed.
    pub dropped: Vec<PathBuf>,
}

/// Settles every intent whose process is gone; see the module docs.
pub fn settle_dead(store: &mut Store, now: Timestamp) -> Result<Recovered, StoreError> {
    let mut recovered = Recovered::default();
    let mut settle = Vec::new();
    let mut abandon = Vec::new();
    for intent in store.intents().all()? {
        if is_alive(intent.pid) {
            continue;
        }
        let temp = std::fs::symlink_metadata(&intent.temp_path);
        if temp.is_ok_and(|m| m.is_file()) {
            if let Err(e) = std::fs::remove_file(&intent.temp_path) {
                tracing::warn!(path = %intent.temp_path.display(), error = %e, "a killed upload's temp file stays");
            }
            recovered.dropped.push(intent.file.path.clone());
            abandon.push(intent.id);
            continue;
        }
        let arrived = std::fs::symlink_metadata(&intent.file.path).is_ok_and(|m| {
            m.is_file()
                && m.len() == intent.file.size
                && clock::mtime_ns(&m) == intent.file.mtime_ns
        });
        if arrived {
            settle.push((intent.id, intent.file));
        } else {
            recovered.dropped.push(intent.file.path.clone());
            abandon.push(intent.id);
        }
    }
    store.intents().abandon(&abandon)?;
    recovered.recorded = store
        .intents()
        .settle(&settle, now)?
        .into_iter()
        .map(|(_, record)| record)
        .collect();
    Ok(recovered)
}

/// Removes the temp files in `dir` whose writing process is gone; returns
/// their names.
pub fn remove_dead_temp_files(dir: &SafeDir) -> Vec<OsString> {
    let mut removed = Vec::new();
    for name in dir.entries().unwrap_or_default() {
        let dead = name
            .to_str()
            .and_then(temp_owner)
            .is_some_and(|pid| !is_alive(pid));
        if dead && dir.remove_file(&name).is_ok() {
            removed.push(name);
        }
    }
    removed
}

/// Whether process `pid` may still be running (it exists, or belongs to
/// someone we may not signal).
#[must_use]
pub fn is_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}
