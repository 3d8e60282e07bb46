//! The viewer page of encrypted share links (built from `ui/viewer`): one
//! self-contained HTML file with a strict CSP and no third-party requests,
//! put in the bucket once under a name made of its hash, so a newer page
//! never changes what older links open.

use sha2::{Digest, Sha256};

use super::ShareError;
use super::storage::Storage;

/// The page.
pub const PAGE: &str = include_str!("viewer.html");

/// The page's key in the bucket.
#[must_use]
pub fn key(prefix: &str) -> String {
    let hash = Sha256::digest(PAGE.as_bytes());
    let short = crate::words::hex(&hash[..8]);
    format!("{prefix}viewer-{short}.html")
}

/// Puts the page in the bucket unless it is there; its key.
pub(super) async fn ensure(storage: &Storage) -> Result<String, ShareError> {
    let key = key(&storage.config().prefix);
    if !storage.exists(&key).await? {
        storage
            .put_bytes(
                &key,
                PAGE.as_bytes().to_vec(),
                &super::storage::ObjectHeaders {
                    content_type: "text/html; charset=utf-8",
                    disposition: "inline",
                },
            )
            .await?;
    }
    Ok(key)
}
