//! A large file put in parts: read from disk one part at a time, a few
//! parts in flight, the upload given up (its parts deleted) on any error.

use std::io::Read;

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

use super::ShareError;
use super::storage::{ObjectHeaders, PART_SIZE, Storage};

/// Parts sent at once: at most this many parts are in memory.
const IN_FLIGHT: usize = 4;
/// S3 numbers parts from 1 to 10,000.
const MAX_PARTS: u64 = 10_000;

/// Puts `file` at `key` in parts.
pub(super) async fn put(
    storage: &Storage,
    key: &str,
    file: std::fs::File,
    headers: &ObjectHeaders<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), ShareError> {
    let size = file
        .metadata()
        .map_err(|e| ShareError::File(format!("cannot read it: {e}")))?
        .len();
    let part_size = (PART_SIZE as u64).max(size.div_ceil(MAX_PARTS)) as usize;
    let upload_id = storage.create_multipart(key, headers).await?;
    let sent = match parts(storage, key, &upload_id, file, part_size, progress).await {
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
    mut file: std::fs::File,
    part_size: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<String>, ShareError> {
    let mut etags = Vec::new();
    let mut in_flight = FuturesOrdered::new();
    let mut sent = 0_u64;
    let mut number = 0_u16;
    loop {
        let (back, bytes) = tokio::task::spawn_blocking(move || {
            let mut bytes = Vec::with_capacity(part_size);
            let read = (&mut file).take(part_size as u64).read_to_end(&mut bytes);
            (file, read.map(|_| bytes))
        })
        .await
        .map_err(|e| ShareError::File(format!("reading it stopped: {e}")))?;
        file = back;
        let bytes = bytes.map_err(|e| ShareError::File(format!("cannot read it: {e}")))?;
        if bytes.is_empty() {
            break;
        }
        number += 1;
        let len = bytes.len() as u64;
        in_flight.push_back(async move {
            storage
                .upload_part(key, upload_id, number, bytes)
                .await
                .map(|etag| (etag, len))
        });
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
