//! The storage's access key: kept in the OS keyring (`keyring`), or where
//! no keyring runs in a file of the data folder only its owner may read
//! (0600). `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` serve when
//! nothing is kept.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ShareError;
use crate::home::Home;
use crate::logging::OrLog as _;

/// Set to `1` to keep the key in the file only (tests, and machines whose
/// keyring should not be asked).
pub const NO_KEYRING_ENV: &str = "HANDOFF_NO_KEYRING";
const SERVICE: &str = "handoff";
const FILE: &str = "share-credentials.json";

/// An access key id and its secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    /// The key id.
    pub id: String,
    /// The secret.
    pub secret: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Where an access key was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum KeptIn {
    /// The OS keyring.
    Keyring,
    /// The file in the data folder (0600).
    File,
}

/// Keeps `key` for `endpoint`: in the keyring when one runs, else in the
/// file; where it went.
pub fn save(home: &Home, endpoint: &str, key: &AccessKey) -> Result<KeptIn, ShareError> {
    let text = serde_json::to_string(key).map_err(|e| ShareError::Keyring(e.to_string()))?;
    if let Some(entry) = entry(endpoint)
        && entry.set_password(&text).is_ok()
    {
        // A key kept before in the file is not left behind.
        remove_file_entry(home, endpoint)?;
        return Ok(KeptIn::Keyring);
    }
    let mut all = read_file(home);
    all.insert(endpoint.to_owned(), key.clone());
    write_file(home, &all)?;
    Ok(KeptIn::File)
}

/// The key kept for `endpoint`, else the one the environment names.
pub fn load(home: &Home, endpoint: &str) -> Result<AccessKey, ShareError> {
    if let Some(entry) = entry(endpoint)
        && let Ok(text) = entry.get_password()
        && let Ok(key) = serde_json::from_str(&text)
    {
        return Ok(key);
    }
    if let Some(key) = read_file(home).remove(endpoint) {
        return Ok(key);
    }
    match (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Ok(id), Ok(secret)) if !id.is_empty() => Ok(AccessKey { id, secret }),
        _ => Err(ShareError::NoKey {
            endpoint: endpoint.to_owned(),
        }),
    }
}

fn entry(endpoint: &str) -> Option<keyring::Entry> {
    if std::env::var_os(NO_KEYRING_ENV).is_some_and(|v| v == "1") {
        return None;
    }
    keyring::Entry::new(SERVICE, &format!("s3 {endpoint}")).ok()
}

fn path(home: &Home) -> PathBuf {
    home.dir().join(FILE)
}

fn read_file(home: &Home) -> std::collections::BTreeMap<String, AccessKey> {
    std::fs::read_to_string(path(home))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn remove_file_entry(home: &Home, endpoint: &str) -> Result<(), ShareError> {
    let mut all = read_file(home);
    if all.remove(endpoint).is_some() {
        write_file(home, &all)?;
    }
    Ok(())
}

/// Writes the file whole: a temp file made 0600 from the start, renamed
/// over the old one.
fn write_file(
    home: &Home,
    all: &std::collections::BTreeMap<String, AccessKey>,
) -> Result<(), ShareError> {
    let failed = |e: std::io::Error| ShareError::Keyring(format!("cannot keep the key: {e}"));
    let text = serde_json::to_vec_pretty(all).map_err(|e| ShareError::Keyring(e.to_string()))?;
    let temp = home.dir().join(format!(".{FILE}.{}", std::process::id()));
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(failed)?;
    let written = out.write_all(&text).and_then(|()| out.sync_all());
    drop(out);
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path(home))) {
        std::fs::remove_file(&temp).or_log("removing an unsaved key's temporary file");
        return Err(failed(e));
    }
    Ok(())
}
