//! A large file put in parts: each part streamed from its place in the
//! file (never whole in memory), a few parts in flight, the upload given
//! up (its parts deleted) on any error.

use std::io::SeekFrom;
use std::path::Path;

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::ShareError;
use super::storage::{ObjectHeaders, PART_SIZE, Storage};

/// Parts sent at once.
const IN_FLIGHT: usize = 4;
/// S3 numbers parts from 1 to 10,000.
const MAX_PARTS: u64 = 10_000;
/// How much of a part is read at a time.
const READ_CHUNK: usize = 256 * 1024;

/// Puts the `size` bytes of the file at `path` at `key`, in parts.
pub(super) async fn put(
    storage: &Storage,
    key: &str,
    path: &Path,
    size: u64,
    headers: &ObjectHeaders<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), ShareError> {
    let part_size = (PART_SIZE as u64).max(size.div_ceil(MAX_PARTS));
    let upload_id = storage.create_multipart(key, headers).await?;
    let sent = match parts(storage, key, &upload_id, path, size, part_size, progress).await {
        Ok(etags) => storage.complete_multipart(key, &upload_id, &etags).await,
        Err(e) => Err(e),
    };
    if sent.is_err() {
        storage.abort_multipart(key, &upload_id).await;
    }
    sent
}

/// Sends the parts; their ETags in order.
async fn parts(
    storage: &Storage,
    key: &str,
    upload_id: &str,
    path: &Path,
    size: u64,
    part_size: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<String>, ShareError> {
    let mut etags = Vec::new();
    let mut in_flight = FuturesOrdered::new();
    let mut sent = 0_u64;
    let mut offset = 0_u64;
    let mut number = 0_u16;
    while offset < size {
        let len = part_size.min(size - offset);
        number += 1;
        let body = part_body(path, offset, len).await?;
        in_flight.push_back(async move {
            storage
                .upload_part(key, upload_id, number, body, len)
                .await
                .map(|etag| (etag, len))
        });
        offset += len;
        while in_flight.len() >= IN_FLIGHT {
            let Some(done) = in_flight.next().await else {
                break;
            };
            let (etag, len) = done?;
            etags.push(etag);
            sent += len;
            progress(sent);
        }
    }
    while let Some(done) = in_flight.next().await {
        let (etag, len) = done?;
        etags.push(etag);
        sent += len;
        progress(sent);
    }
    Ok(etags)
}

/// The `len` bytes at `offset` of the file, as a streamed request body.
async fn part_body(path: &Path, offset: u64, len: u64) -> Result<reqwest::Body, ShareError> {
    let unreadable = |e: std::io::Error| ShareError::File(format!("cannot read it: {e}"));
    let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    file.seek(SeekFrom::Start(offset))
        .await
        .map_err(unreadable)?;
    let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), READ_CHUNK);
    Ok(reqwest::Body::wrap_stream(stream))
}
