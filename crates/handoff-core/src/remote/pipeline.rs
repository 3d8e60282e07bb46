//! Writing a file's bytes over SFTP as fast as the link allows: each chunk
//! goes out at its offset as its own request, several at once, and its
//! bytes are handed to the channel as they are (no copy into a request
//! buffer).

use std::future::Future;
use std::io::SeekFrom;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use openssh_sftp_client::Error;
use openssh_sftp_client::file::File;
use tokio::io::AsyncSeek;

/// How many write requests may be on their way at once.
const IN_FLIGHT: usize = 16;

type Write = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// A file being written chunk after chunk, with requests in flight.
pub(super) struct Pipeline {
    file: File,
    offset: u64,
    pending: FuturesUnordered<Write>,
}

impl Pipeline {
    /// Writes into `file` from its start.
    pub fn new(file: File) -> Self {
        Self {
            file,
            offset: 0,
            pending: FuturesUnordered::new(),
        }
    }

    /// Sends `chunk` as the next bytes of the file, first waiting for an
    /// earlier request when too many are on their way.
    pub async fn push(&mut self, chunk: Bytes) -> Result<(), Error> {
        while self.pending.len() >= IN_FLIGHT {
            if let Some(done) = self.pending.next().await {
                done?;
            }
        }
        let mut writer = self.file.clone();
        Pin::new(&mut writer).start_seek(SeekFrom::Start(self.offset))?;
        self.offset += chunk.len() as u64;
        self.pending.push(Box::pin(async move {
            writer.write_all_zero_copy(&mut [chunk]).await
        }));
        Ok(())
    }

    /// Waits until every chunk is written; returns the file.
    pub async fn finish(mut self) -> Result<File, Error> {
        while let Some(done) = self.pending.next().await {
            done?;
        }
        Ok(self.file)
    }
}
