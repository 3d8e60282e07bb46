//! Share links: a recorded file put in the S3-compatible storage the
//! person names, reachable by a presigned link that expires (at most 7
//! days), revocable by deleting the object, optionally end-to-end
//! encrypted (the bucket holds ciphertext; the key travels in the link's
//! fragment, which browsers never send). Every share is recorded and said
//! in the file's conversation. The bytes sent are hashed on the way: a
//! link serves the recorded revision, or nothing is shared. Multipart
//! uploads a killed share left are aborted by the next sweep.

pub mod credentials;
mod encrypt;
mod leftovers;
mod multipart;
mod storage;
pub mod viewer;

use std::time::Duration;

pub use credentials::{AccessKey, KeptIn};
pub use storage::{Recorded, Storage, StorageConfig};

use crate::clock::Timestamp;
use crate::home::Home;
use crate::store::{FileRecord, NewMessage, NewShare, Role, Share, Store, StoreError};
use crate::words::ErrorKind;

/// The longest a link may work: SigV4 presigned URLs last at most 7 days.
pub const MAX_LIFE: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Why sharing failed. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// No storage is named in the settings.
    #[error(
        "sharing is not set up: name the storage's endpoint and bucket in Settings → Sharing (or `handoff settings set share_endpoint https://…` and `share_bucket`)"
    )]
    NotSetUp,
    /// The endpoint is not a usable address.
    #[error("the storage endpoint is not usable: {0}")]
    BadEndpoint(String),
    /// No access key is kept for the storage.
    #[error(
        "no access key for {endpoint}: add it in Settings → Sharing, or with `handoff share key`"
    )]
    NoKey {
        /// The storage.
        endpoint: String,
    },
    /// The key could not be kept.
    #[error("{0}")]
    Keyring(String),
    /// The bucket does not exist.
    #[error("the bucket {bucket} does not exist at {endpoint}: create it, or name another one")]
    BucketMissing {
        /// The bucket.
        bucket: String,
        /// The storage.
        endpoint: String,
    },
    /// The storage does not know the key, or its secret is wrong.
    #[error("the storage refused the access key ({0}): check the key id and its secret")]
    WrongKey(String),
    /// The key is known but may not do this.
    #[error(
        "the storage refused ({0}): give the key read and write access to the bucket, or check the link's expiry"
    )]
    Denied(String),
    /// This machine's clock is too far from the storage's.
    #[error(
        "the storage says this machine's clock is wrong ({0}): set the clock (turn on network time), then try again"
    )]
    ClockSkew(String),
    /// Nothing answered.
    #[error(
        "cannot reach the storage at {endpoint} ({detail}): check the address and your network"
    )]
    Unreachable {
        /// The storage.
        endpoint: String,
        /// What went wrong (never a request's URL: a signed one is a
        /// credential).
        detail: String,
    },
    /// A share failed on the way; nothing of it is in the bucket.
    #[error("{0}; nothing was shared")]
    NothingShared(Box<ShareError>),
    /// A revoke failed: the link still works.
    #[error("{cause}. {filename} is still shared (share {id}): {left}")]
    StillShared {
        /// The share.
        id: i64,
        /// The shared file's name.
        filename: String,
        /// How long the link still works, and what to do.
        left: String,
        /// Why the revoke failed.
        cause: Box<ShareError>,
    },
    /// The file's bytes are not the revision its record holds.
    #[error(
        "{filename} changed since it was recorded (its bytes are not the recorded SHA-256); nothing was shared: share it once it is saved again (upload or publish it anew)"
    )]
    Changed {
        /// The file's name.
        filename: String,
    },
    /// No randomness for the object's name or the encryption key.
    #[error(transparent)]
    NoRandomness(#[from] crate::random::NoRandomness),
    /// The storage answered with an error.
    #[error("the storage failed: {0}")]
    Failed(String),
    /// The file cannot be shared as it is.
    #[error("{0}")]
    File(String),
    /// The expiry asked for is not one a link can have.
    #[error("a link can last 1h, 24h or 7d (or any number of m, h or d up to 7 days), not {0:?}")]
    BadExpiry(String),
    /// The share is not there, or already revoked.
    #[error("{0}")]
    NotLive(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads an expiry such as `1h`, `24h`, `7d`, `90m` (at most 7 days).
pub fn parse_expiry(text: &str) -> Result<Duration, ShareError> {
    let bad = || ShareError::BadExpiry(text.to_owned());
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: u64 = number.parse().map_err(|_| bad())?;
    let secs = match unit {
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(bad()),
    };
    let life = Duration::from_secs(secs);
    if secs == 0 || life > MAX_LIFE {
        return Err(bad());
    }
    Ok(life)
}

/// "24 h", "7 d", "30 min": how long a link lasts, for people.
#[must_use]
pub fn describe_life(life: Duration) -> String {
    let secs = life.as_secs();
    if secs >= 2 * 86_400 && secs.is_multiple_of(86_400) {
        format!("{} d", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else {
        format!("{} min", secs.div_ceil(60))
    }
}

/// What to share and how.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    /// The recorded file.
    pub file_id: i64,
    /// How long the link works.
    pub life: Duration,
    /// Whether the bucket gets ciphertext only.
    pub encrypt: bool,
}

/// The storage the settings name, with its kept key; this home's uploads
/// in progress are marked in its `sharing` folder.
pub fn storage(home: &Home, settings: &crate::Settings) -> Result<Storage, ShareError> {
    let config = StorageConfig::from_settings(settings)?;
    let key = credentials::load(home, &config.endpoint)?;
    Storage::new(
        config,
        rusty_s3::Credentials::new(key.id, key.secret),
        home.dir().join("sharing"),
    )
}

/// What a sweep of the storage removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    /// Objects of expired links deleted.
    pub objects: usize,
    /// Unfinished multipart uploads aborted (their parts deleted).
    pub uploads: usize,
}

/// Shares a file: puts its bytes (or their ciphertext) in the bucket,
/// records the share and says so in the file's conversation. While a link
/// to the same bytes, made the same way, still works, its object serves
/// the new link (nothing is uploaded again). The bytes sent must be the
/// recorded ones ([`ShareError::Changed`], nothing in the bucket,
/// otherwise). Then the uploads killed shares left are aborted.
pub async fn share(
    store: &mut Store,
    storage: &Storage,
    request: &ShareRequest,
    now: Timestamp,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Share, ShareError> {
    let record = store.files().get(request.file_id)?;
    if !record.status.is_live() || !record.path.is_file() {
        return Err(ShareError::File(format!(
            "{} is no longer there to share",
            record.filename
        )));
    }
    unchanged(&record)?;
    let life_ms = request.life.as_millis() as i64;
    let reused = store
        .shares()
        .reusable(record.id, &record.sha256, request.encrypt, now)?;
    let (key, url) = if let Some(kept) = reused {
        // The same bytes are in the bucket: a new link to them.
        let url = if request.encrypt {
            encrypt::relink(storage, &kept, &record, request.life, now).await?
        } else {
            storage.link(&kept.object_key, request.life, now)
        };
        (kept.object_key, url)
    } else {
        let key = object_key(&storage.config().prefix, &record, request.encrypt)?;
        let url = if request.encrypt {
            encrypt::put(storage, &key, &record, request.life, now, progress)
                .await
                .map_err(nothing_shared)?
        } else {
            put_plain(storage, &key, &record, progress)
                .await
                .map_err(nothing_shared)?;
            storage.link(&key, request.life, now)
        };
        (key, url)
    };
    let share = store.shares().insert(
        &NewShare {
            file_id: record.id,
            object_key: key,
            sha256: record.sha256.clone(),
            encrypted: request.encrypt,
            url,
            expires_at: now + life_ms,
        },
        now,
    )?;
    tell(
        store,
        &record,
        &format!(
            "Shared {}{}, expires in {}",
            record.filename,
            if request.encrypt {
                " (end-to-end encrypted)"
            } else {
                ""
            },
            describe_life(request.life)
        ),
        now,
    );
    match leftovers::abort(storage, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(aborted = n, "unfinished uploads aborted"),
        Err(e) => tracing::warn!(error = %e, "unfinished uploads were not looked for"),
    }
    Ok(share)
}

/// A storage that did not answer mid-share left nothing shared; other
/// errors say what they say.
fn nothing_shared(e: ShareError) -> ShareError {
    match e {
        ShareError::Unreachable { .. } => ShareError::NothingShared(Box::new(e)),
        e => e,
    }
}

/// Revokes share `id`: deletes its object (every link to it stops at once)
/// and records it. When the storage does not delete it, the error says
/// which file is still shared and for how long.
pub async fn revoke(
    store: &mut Store,
    storage: &Storage,
    id: i64,
    now: Timestamp,
) -> Result<Share, ShareError> {
    let share = store.shares().get(id)?;
    if share.revoked_at.is_some() {
        return Err(ShareError::NotLive(format!(
            "share {id} was already revoked"
        )));
    }
    let record = store.files().get(share.file_id).ok();
    if let Err(cause) = storage.delete(&share.object_key).await {
        return Err(ShareError::StillShared {
            id,
            filename: record.map_or_else(|| format!("file {}", share.file_id), |r| r.filename),
            left: still_works(share.expires_at, now),
            cause: Box::new(cause),
        });
    }
    store.shares().revoke(&share.object_key, now)?;
    store.shares().deleted(&share.object_key, now)?;
    if let Some(record) = record {
        tell(
            store,
            &record,
            &format!("Revoked the link to {}", record.filename),
            now,
        );
    }
    Ok(store.shares().get(id)?)
}

/// What a link whose revoke failed still does, for people: how long it
/// works (rounded up: it may work that long), and what to do.
fn still_works(expires_at: Timestamp, now: Timestamp) -> String {
    if expires_at <= now {
        return "its link has expired, but its object stays in the bucket until a revoke or gc reaches the storage".to_owned();
    }
    let minutes = (expires_at - now + 59_999) / 60_000;
    let hours = (minutes + 59) / 60;
    let left = if hours > 48 {
        format!("{} d", (hours + 23) / 24)
    } else if minutes > 60 {
        format!("{hours} h")
    } else {
        format!("{minutes} min")
    };
    format!(
        "its link keeps working for another {left} unless the revoke is tried again and reaches the storage"
    )
}

/// Deletes the objects of links that expired before `now` and aborts the
/// multipart uploads killed shares left. An unreachable storage is tried
/// again next time.
pub async fn sweep(
    store: &mut Store,
    storage: &Storage,
    now: Timestamp,
) -> Result<Swept, ShareError> {
    let mut deleted = 0;
    let mut done = std::collections::BTreeSet::new();
    for share in store.shares().expired(now)? {
        // An object shared again with a later expiry is kept for that link;
        // several expired shares of one object delete it once.
        if done.contains(&share.object_key)
            || store
                .shares()
                .still_used(&share.object_key, share.id, now)?
        {
            continue;
        }
        storage.delete(&share.object_key).await?;
        store.shares().deleted(&share.object_key, now)?;
        done.insert(share.object_key);
        deleted += 1;
    }
    Ok(Swept {
        objects: deleted,
        uploads: leftovers::abort(storage, now).await?,
    })
}

/// Refuses at once a file that is plainly no longer the recorded
/// revision (its size or modification time moved, or the records already
/// saw it change); the bytes sent are hashed too, for what this misses.
fn unchanged(record: &FileRecord) -> Result<(), ShareError> {
    let changed = || ShareError::Changed {
        filename: record.filename.clone(),
    };
    if record.status == crate::store::FileStatus::Modified {
        return Err(changed());
    }
    let meta = std::fs::metadata(&record.path)
        .map_err(|e| ShareError::File(format!("cannot read {}: {e}", record.filename)))?;
    if meta.len() != record.size
        || (record.mtime_ns != 0 && crate::clock::mtime_ns(&meta) != record.mtime_ns)
    {
        return Err(changed());
    }
    Ok(())
}

/// Where a file's bytes go: under the prefix, a random folder (links
/// cannot be guessed from one another), the file's name.
fn object_key(prefix: &str, record: &FileRecord, encrypted: bool) -> Result<String, ShareError> {
    let folder = crate::random::hex::<16>()?;
    let name = crate::naming::sanitize(&record.filename);
    Ok(if encrypted {
        format!("{prefix}{folder}/{name}.age")
    } else {
        format!("{prefix}{folder}/{name}")
    })
}

async fn put_plain(
    storage: &Storage,
    key: &str,
    record: &FileRecord,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), ShareError> {
    let file = std::fs::File::open(&record.path)
        .map_err(|e| ShareError::File(format!("cannot read {}: {e}", record.filename)))?;
    let disposition = content_disposition(&record.filename);
    let headers = storage::ObjectHeaders {
        content_type: &record.mime,
        disposition: &disposition,
    };
    let recorded = Recorded {
        filename: &record.filename,
        sha256: &record.sha256,
    };
    storage
        .put_file(key, &record.path, file, &headers, Some(recorded), progress)
        .await
}

/// `inline; filename="…"; filename*=UTF-8''…`: shown in the browser, saved
/// under the file's name (RFC 6266; an ASCII fallback first).
#[must_use]
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = crate::file_uri::percent_encode(name.as_bytes(), b"");
    format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A line in the file's conversation (a file of no session says nothing).
fn tell(store: &mut Store, record: &FileRecord, text: &str, now: Timestamp) {
    let Some(session_id) = record.session_id else {
        return;
    };
    if let Err(e) = store
        .messages()
        .append(session_id, &NewMessage::text(Role::System, text), now)
    {
        tracing::warn!(error = %e, "the conversation did not record a share");
    }
}

impl From<crate::runtime::NoRuntime> for ShareError {
    fn from(e: crate::runtime::NoRuntime) -> Self {
        Self::Failed(e.to_string())
    }
}

impl ShareError {
    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotSetUp | Self::BadEndpoint(_) | Self::BucketMissing { .. } => {
                ErrorKind::ShareNotSetUp
            }
            Self::NoKey { .. } | Self::WrongKey(_) | Self::Denied(_) | Self::ClockSkew(_) => {
                ErrorKind::ShareRefused
            }
            Self::Unreachable { .. } => ErrorKind::ShareUnreachable,
            Self::Failed(_) | Self::Keyring(_) => ErrorKind::ShareFailed,
            Self::File(_) | Self::Changed { .. } => ErrorKind::Unreadable,
            Self::NothingShared(cause) | Self::StillShared { cause, .. } => cause.kind(),
            Self::NoRandomness(_) => ErrorKind::Internal,
            Self::BadExpiry(_) => ErrorKind::InvalidInput,
            Self::NotLive(_) => ErrorKind::AlreadyGone,
            Self::Store(e) => e.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{content_disposition, describe_life, parse_expiry, still_works};

    #[test]
    fn expiries_are_read_up_to_seven_days() {
        assert_eq!(parse_expiry("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_expiry("7d").unwrap(), Duration::from_secs(7 * 86_400));
        assert_eq!(parse_expiry(" 90m ").unwrap(), Duration::from_secs(5400));
        for refused in ["8d", "0h", "1w", "h", "", "-1h", "1.5h"] {
            assert!(parse_expiry(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn lives_are_said_in_the_largest_whole_unit() {
        assert_eq!(describe_life(Duration::from_secs(86_400)), "24 h");
        assert_eq!(describe_life(Duration::from_secs(7 * 86_400)), "7 d");
        assert_eq!(describe_life(Duration::from_secs(3600)), "1 h");
        assert_eq!(describe_life(Duration::from_secs(5400)), "90 min");
    }

    #[test]
    fn a_failed_revoke_says_how_long_the_link_may_still_work() {
        let says = |left_ms| still_works(left_ms, 0);
        assert!(says(86_400_000 - 1_000).contains("for another 24 h unless"));
        assert!(says(7 * 86_400_000).contains("for another 7 d unless"));
        assert!(says(90_000).contains("for another 2 min unless"));
        assert!(says(0).contains("has expired, but its object stays"));
    }

    #[test]
    fn the_file_name_survives_in_the_disposition() {
        assert_eq!(
            content_disposition("Q3 \"final\" résumé.pdf"),
            "inline; filename=\"Q3 _final_ r_sum_.pdf\"; filename*=UTF-8''Q3%20%22final%22%20r%C3%A9sum%C3%A9.pdf"
        );
    }
}
