//! End-to-end encrypted shares: the file is encrypted here with a fresh
//! age X25519 key (streamed into a private temp file, never whole in
//! memory, the plaintext hashed as it is read: only the recorded bytes are
//! sealed), the bucket gets the ciphertext only, and the link opens the
//! viewer page with the key and the object's own link in its fragment
//! (`#k=…&u=…&n=…&t=…`), which browsers never send anywhere.

use std::io::{Read, Write};
use std::time::Duration;

use age::secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::storage::{ObjectHeaders, Recorded, Storage};
use super::{ShareError, viewer};
use crate::clock::Timestamp;
use crate::store::{FileRecord, Share};

/// Encrypts `record`'s file, puts the ciphertext at `key` (and the viewer
/// page, once), and returns the link.
pub(super) async fn put(
    storage: &Storage,
    key: &str,
    record: &FileRecord,
    life: Duration,
    now: Timestamp,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<String, ShareError> {
    // age draws its keys from the system's random source and panics
    // without one: refuse first, in words.
    crate::random::check()?;
    let identity = age::x25519::Identity::generate();
    let source = record.path.clone();
    let recipient = identity.to_public();
    let (sealed, digest) = tokio::task::spawn_blocking(move || seal(&source, &recipient))
        .await
        .map_err(|e| ShareError::File(format!("encrypting stopped: {e}")))??;
    Recorded {
        filename: &record.filename,
        sha256: &record.sha256,
    }
    .check(&digest)?;
    let file = sealed
        .reopen()
        .map_err(|e| ShareError::File(format!("cannot read the encrypted copy: {e}")))?;
    let disposition = super::content_disposition(&format!("{}.age", record.filename));
    let headers = ObjectHeaders {
        content_type: "application/octet-stream",
        disposition: &disposition,
    };
    storage
        .put_file(key, sealed.path(), file, &headers, None, progress)
        .await?;
    drop(sealed);
    link(
        storage,
        key,
        identity.to_string().expose_secret(),
        record,
        life,
        now,
    )
    .await
}

/// A new link to the ciphertext an earlier share put in the bucket, with
/// the key that earlier link carries.
pub(super) async fn relink(
    storage: &Storage,
    kept: &Share,
    record: &FileRecord,
    life: Duration,
    now: Timestamp,
) -> Result<String, ShareError> {
    let secret = kept
        .url
        .split_once('#')
        .and_then(|(_, fragment)| fragment.split('&').find_map(|kv| kv.strip_prefix("k=")))
        .ok_or_else(|| ShareError::Failed(format!("share {} has no key", kept.id)))?;
    link(storage, &kept.object_key, secret, record, life, now).await
}

/// The viewer page's link (the page put in the bucket if it is not there)
/// with the key, the object's link, the name and the type in its fragment.
async fn link(
    storage: &Storage,
    key: &str,
    secret: &str,
    record: &FileRecord,
    life: Duration,
    now: Timestamp,
) -> Result<String, ShareError> {
    let page = viewer::ensure(storage).await?;
    let encode = |text: &str| crate::file_uri::percent_encode(text.as_bytes(), b"");
    let fragment = format!(
        "k={}&u={}&n={}&t={}",
        secret,
        encode(&storage.link(key, life, now)),
        encode(&record.filename),
        encode(&record.mime),
    );
    Ok(format!("{}#{fragment}", storage.link(&page, life, now)))
}

/// The file encrypted to `recipient` in a temp file only this user may
/// read, and the SHA-256 of the bytes encrypted.
fn seal(
    source: &std::path::Path,
    recipient: &age::x25519::Recipient,
) -> Result<(tempfile::NamedTempFile, sha2::digest::Output<Sha256>), ShareError> {
    let failed = |e: &dyn std::fmt::Display| ShareError::File(format!("cannot encrypt it: {e}"));
    let mut input = std::fs::File::open(source).map_err(|e| failed(&e))?;
    let sealed = tempfile::Builder::new()
        .prefix("handoff-share")
        .tempfile()
        .map_err(|e| failed(&e))?;
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| failed(&e))?;
    let out = std::io::BufWriter::with_capacity(1 << 20, sealed.as_file());
    let mut writer = encryptor.wrap_output(out).map_err(|e| failed(&e))?;
    let mut buffer = vec![0_u8; 1 << 20];
    let mut sha = Sha256::new();
    loop {
        let n = input.read(&mut buffer).map_err(|e| failed(&e))?;
        if n == 0 {
            break;
        }
        sha.update(&buffer[..n]);
        writer.write_all(&buffer[..n]).map_err(|e| failed(&e))?;
    }
    writer
        .finish()
        .and_then(|mut out| out.flush())
        .map_err(|e| failed(&e))?;
    Ok((sealed, sha.finalize()))
}
