//! A large file put in parts: each part streamed from its place in the
//! file (never whole in memory), a few parts in flight, the upload marked
//! as this home's while it runs (see [`super::leftovers`]) and given up
//! (its parts deleted) on any error. With the recorded revision to match,
//! every byte sent is hashed on its way, in file order, and the upload is
//! completed only when the bytes sent are the recorded ones.

use std::collections::{BTreeMap, BTreeSet};
use std::io::SeekFrom;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::ShareError;
use super::leftovers::Mark;
use super::storage::{ObjectHeaders, PART_SIZE, Recorded, Storage};

/// Parts sent at once.
const IN_FLIGHT: usize = 4;
/// S3 numbers parts from 1 to 10,000.
const MAX_PARTS: u64 = 10_000;
/// How much of a part is read at a time.
const READ_CHUNK: usize = 256 * 1024;
/// How many bytes later parts may read ahead of the part being hashed
/// (held in memory until their turn; then those parts wait).
const AHEAD: usize = PART_SIZE;

/// Puts the `size` bytes of the file at `path` at `key`, in parts; with
/// `recorded`, only if they are its bytes. An upload that the storage
/// failed or dropped midway (a 5xx, a lost connection) is given up and
/// made once more from the start.
pub(super) async fn put(
    storage: &Storage,
    key: &str,
    path: &Path,
    size: u64,
    headers: &ObjectHeaders<'_>,
    recorded: Option<Recorded<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), ShareError> {
    match put_once(storage, key, path, size, headers, recorded, progress).await {
        Err(e) if is_passing(&e) => {
            tracing::warn!(error = %e, "the storage failed a multipart upload; trying once more");
            progress(0);
            put_once(storage, key, path, size, headers, recorded, progress).await
        }
        done => done,
    }
}

/// Whether the storage's failure may pass: it did not answer or broke
/// off, or said it failed itself (a 5xx).
fn is_passing(error: &ShareError) -> bool {
    match error {
        ShareError::Unreachable { .. } => true,
        ShareError::Failed(said) => said.starts_with('5'),
        _ => false,
    }
}

/// One try of [`put`].
async fn put_once(
    storage: &Storage,
    key: &str,
    path: &Path,
    size: u64,
    headers: &ObjectHeaders<'_>,
    recorded: Option<Recorded<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), ShareError> {
    let part_size = (PART_SIZE as u64).max(size.div_ceil(MAX_PARTS));
    let mark = Mark::take(storage.in_flight(), key).await?;
    let upload_id = storage.create_multipart(key, headers).await?;
    let hashed = recorded.map(|_| Arc::new(InOrder::default()));
    let parts = Parts {
        storage,
        key,
        upload_id: &upload_id,
        path,
    };
    let mut sent = parts.send(size, part_size, hashed.as_ref(), progress).await;
    if let (Some(hashed), Some(recorded)) = (&hashed, recorded)
        && (sent.is_ok() || hashed.was_cut())
        && let Err(changed) = hashed.check(recorded)
    {
        sent = Err(changed);
    }
    let sent = match sent {
        Ok(etags) => storage.complete_multipart(key, &upload_id, &etags).await,
        Err(e) => Err(e),
    };
    if sent.is_ok() {
        mark.done();
    } else {
        match storage.abort_multipart(key, &upload_id).await {
            Ok(()) => mark.done(),
            // The mark stays: the next sweep aborts the upload.
            Err(e) => tracing::warn!(error = %e, "giving up a multipart upload failed"),
        }
    }
    sent
}

/// One multipart upload's parts.
struct Parts<'a> {
    storage: &'a Storage,
    key: &'a str,
    upload_id: &'a str,
    path: &'a Path,
}

impl Parts<'_> {
    /// Sends the parts; their ETags in order.
    async fn send(
        &self,
        size: u64,
        part_size: u64,
        hashed: Option<&Arc<InOrder>>,
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
            let body = part_body(self.path, offset, len, number, hashed.cloned()).await?;
            in_flight.push_back(async move {
                self.storage
                    .upload_part(self.key, self.upload_id, number, body, len)
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
}

/// The `len` bytes at `offset` of the file (part `number`), as a streamed
/// request body; each chunk read goes to `hashed` too.
async fn part_body(
    path: &Path,
    offset: u64,
    len: u64,
    number: u16,
    hashed: Option<Arc<InOrder>>,
) -> Result<reqwest::Body, ShareError> {
    let unreadable = |e: std::io::Error| ShareError::File(format!("cannot read it: {e}"));
    let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    file.seek(SeekFrom::Start(offset))
        .await
        .map_err(unreadable)?;
    let guard = Unfinished {
        hashed: hashed.clone(),
        number,
    };
    let chunks =
        futures_util::stream::try_unfold((file, len, guard), move |(mut file, left, mut guard)| {
            let hashed = hashed.clone();
            async move {
                if left == 0 {
                    return Ok(None);
                }
                if let Some(hashed) = &hashed
                    && !hashed.room(number).await
                {
                    return Err(std::io::Error::other(
                        "another part of the file could not be sent",
                    ));
                }
                let want = READ_CHUNK.min(usize::try_from(left).unwrap_or(READ_CHUNK));
                let mut chunk = BytesMut::with_capacity(want);
                while chunk.len() < want {
                    if file.read_buf(&mut chunk).await? == 0 {
                        if let Some(hashed) = &hashed {
                            hashed.cut();
                        }
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the file got shorter while it was sent",
                        ));
                    }
                }
                let chunk = chunk.freeze();
                let left = left - chunk.len() as u64;
                if let Some(hashed) = &hashed {
                    hashed.take(number, &chunk, left == 0);
                }
                if left == 0 {
                    // Hashed whole: a body dropped from here on lost nothing.
                    guard.finished();
                }
                Ok(Some((chunk, (file, left, guard))))
            }
        });
    Ok(reqwest::Body::wrap_stream(chunks))
}

/// A part's body not read to its end: dropped so (its request failed or
/// was given up), it lets the parts waiting on it go, to fail in turn,
/// instead of holding them forever.
struct Unfinished {
    hashed: Option<Arc<InOrder>>,
    number: u16,
}

impl Unfinished {
    /// The part was read to its end.
    fn finished(&mut self) {
        self.hashed = None;
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(hashed) = self.hashed.take() {
            hashed.abandon(self.number);
        }
    }
}

/// The SHA-256 of the bytes the parts carry, in file order, taken while
/// they stream: the first part not yet read to its end is hashed as it is
/// read; chunks of the parts after it are held until their turn.
#[derive(Default)]
struct InOrder {
    order: Mutex<Order>,
    moved: tokio::sync::Notify,
}

struct Order {
    sha: Sha256,
    /// The part being hashed.
    head: u16,
    /// Chunks of later parts, by part.
    held: BTreeMap<u16, Vec<Bytes>>,
    held_bytes: usize,
    /// Later parts read to their end.
    ended: BTreeSet<u16>,
    /// A part came out shorter than the file was.
    cut: bool,
    /// A part's body was dropped before its end.
    abandoned: bool,
}

impl Default for Order {
    fn default() -> Self {
        Self {
            sha: Sha256::new(),
            head: 1,
            held: BTreeMap::new(),
            held_bytes: 0,
            ended: BTreeSet::new(),
            cut: false,
            abandoned: false,
        }
    }
}

impl InOrder {
    fn order(&self) -> std::sync::MutexGuard<'_, Order> {
        self.order.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until part `number` may read on: it is the one hashed, or
    /// the parts after it hold less than [`AHEAD`]. False when a part was
    /// given up before its end: the bytes can no longer be hashed in order.
    async fn room(&self, number: u16) -> bool {
        loop {
            let moved = self.moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            {
                let order = self.order();
                if order.abandoned {
                    return false;
                }
                if order.head == number || order.held_bytes < AHEAD {
                    return true;
                }
            }
            moved.await;
        }
    }

    /// Part `number`'s body was dropped before its end: the parts waiting
    /// for it are let go.
    fn abandon(&self, number: u16) {
        tracing::debug!(part = number, "a part's body was given up before its end");
        self.order().abandoned = true;
        self.moved.notify_waiters();
    }

    /// Takes in a chunk part `number` read (its last when `last`).
    fn take(&self, number: u16, chunk: &Bytes, last: bool) {
        let mut guard = self.order();
        let order = &mut *guard;
        if order.head == number {
            order.sha.update(chunk);
        } else {
            order.held_bytes += chunk.len();
            order.held.entry(number).or_default().push(chunk.clone());
        }
        if !last {
            return;
        }
        order.ended.insert(number);
        let mut moved = false;
        while order.ended.remove(&order.head) {
            order.head += 1;
            moved = true;
            for chunk in order.held.remove(&order.head).unwrap_or_default() {
                order.sha.update(&chunk);
                order.held_bytes -= chunk.len();
            }
        }
        drop(guard);
        if moved {
            self.moved.notify_waiters();
        }
    }

    /// A part ended before its length: the file is not what was sent.
    fn cut(&self) {
        self.order().cut = true;
    }

    /// Whether a part ended before its length.
    fn was_cut(&self) -> bool {
        self.order().cut
    }

    /// Whether every part was read whole and the bytes are `recorded`'s.
    fn check(&self, recorded: Recorded<'_>) -> Result<(), ShareError> {
        let order = self.order();
        if order.cut || order.abandoned || !order.held.is_empty() {
            return Err(ShareError::Changed {
                filename: recorded.filename.to_owned(),
            });
        }
        recorded.check(&order.sha.clone().finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Part 2 has read its share ahead and waits for part 1; part 1's body
    /// is dropped before its end (its request failed): part 2 is let go,
    /// with "no", instead of waiting forever. Before, the share hung.
    #[tokio::test]
    async fn a_part_given_up_lets_the_waiting_ones_go() {
        let hashed = Arc::new(InOrder::default());
        hashed.take(2, &Bytes::from(vec![7; AHEAD]), false);
        let first = Unfinished {
            hashed: Some(Arc::clone(&hashed)),
            number: 1,
        };
        let waiting = tokio::spawn({
            let hashed = Arc::clone(&hashed);
            async move { hashed.room(2).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "part 2 waits for part 1");
        drop(first);
        let went_on = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("let go")
            .unwrap();
        assert!(!went_on, "told the bytes can no longer be hashed in order");
    }

    /// A part read to its end and then dropped (the request had all its
    /// bytes) gives nothing up.
    #[tokio::test]
    async fn a_part_read_whole_then_dropped_gives_nothing_up() {
        let hashed = Arc::new(InOrder::default());
        let mut first = Unfinished {
            hashed: Some(Arc::clone(&hashed)),
            number: 1,
        };
        hashed.take(1, &Bytes::from_static(b"all of it"), true);
        first.finished();
        drop(first);
        assert!(hashed.room(2).await, "part 2 reads on");
        assert!(!hashed.order().abandoned);
    }
}
