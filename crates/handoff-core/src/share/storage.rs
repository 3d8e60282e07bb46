//! The S3-compatible storage share links live in: requests signed with
//! SigV4 (`rusty-s3`), sent with `reqwest`, large files in parts read one
//! at a time from disk (never the whole file in memory), and the storage's
//! error codes turned into what a person can do about them. No error says
//! a request's URL: a signed one is a credential while it lasts.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusty_s3::actions::{
    AbortMultipartUpload, CompleteMultipartUpload, CreateMultipartUpload, DeleteObject, GetObject,
    HeadBucket, HeadObject, PutObject, UploadPart,
};
use rusty_s3::{Bucket, Credentials, Map, Method, S3Action, UrlStyle};
use sha2::{Digest, Sha256};

use super::ShareError;
use crate::clock::Timestamp;

/// Parts of a large upload: 8 MiB each (S3 wants at least 5 MiB); a file
/// up to this size goes in one request.
pub const PART_SIZE: usize = 8 << 20;
/// How long a request Handoff itself sends stays signed.
const REQUEST_LIFE: Duration = Duration::from_secs(15 * 60);

/// Where share links live, as the settings name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// The endpoint (`https://…`).
    pub endpoint: String,
    /// The region.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// The folder of the bucket objects go under (empty or ending in `/`).
    pub prefix: String,
}

impl StorageConfig {
    /// The storage the settings name; refused when sharing is not set up.
    pub fn from_settings(settings: &crate::Settings) -> Result<Self, ShareError> {
        if settings.share_endpoint.is_empty() || settings.share_bucket.is_empty() {
            return Err(ShareError::NotSetUp);
        }
        Ok(Self {
            endpoint: settings.share_endpoint.clone(),
            region: settings.share_region.clone(),
            bucket: settings.share_bucket.clone(),
            prefix: settings.share_prefix.clone(),
        })
    }
}

/// A connection to the storage with its credentials.
pub struct Storage {
    config: StorageConfig,
    bucket: Bucket,
    credentials: Credentials,
    http: reqwest::Client,
    in_flight: PathBuf,
}

/// The bytes a share must send: the file's recorded revision.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    /// The file's name (for the error that says it changed).
    pub filename: &'a str,
    /// The SHA-256 its record holds, in hex.
    pub sha256: &'a str,
}

impl Recorded<'_> {
    /// Whether `digest` (the SHA-256 of the bytes sent) is the recorded
    /// one; else the error that says the file changed.
    pub(super) fn check(&self, digest: &[u8]) -> Result<(), ShareError> {
        if crate::words::hex(digest) == self.sha256 {
            Ok(())
        } else {
            Err(ShareError::Changed {
                filename: self.filename.to_owned(),
            })
        }
    }
}

/// A multipart upload in progress in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The object it makes.
    pub key: String,
    /// Its id.
    pub id: String,
    /// When it began, if the storage says.
    pub initiated: Option<Timestamp>,
}

/// What a stored object says of itself when fetched.
pub struct ObjectHeaders<'a> {
    /// Its `Content-Type`.
    pub content_type: &'a str,
    /// Its `Content-Disposition` (the file's name).
    pub disposition: &'a str,
}

impl Storage {
    /// The storage `config` names, reached with `credentials`; the uploads
    /// this home has in progress are marked in the folder `in_flight`.
    pub fn new(
        config: StorageConfig,
        credentials: Credentials,
        in_flight: PathBuf,
    ) -> Result<Self, ShareError> {
        // TLS, object keys and encryption keys all draw on the kernel's
        // randomness: without it, say so rather than fail somewhere inside.
        crate::random::check()?;
        let endpoint = config
            .endpoint
            .parse()
            .map_err(|e| ShareError::BadEndpoint(format!("{}: {e}", config.endpoint)))?;
        let bucket = Bucket::new(
            endpoint,
            UrlStyle::Path,
            config.bucket.clone(),
            config.region.clone(),
        )
        .map_err(|e| ShareError::BadEndpoint(format!("{}: {e:?}", config.endpoint)))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ShareError::BadEndpoint(e.to_string()))?;
        Ok(Self {
            config,
            bucket,
            credentials,
            http,
            in_flight,
        })
    }

    /// The folder that marks this home's multipart uploads in progress.
    pub(super) fn in_flight(&self) -> &Path {
        &self.in_flight
    }

    /// The storage's settings.
    #[must_use]
    pub fn config(&self) -> &StorageConfig {
        &self.config
    }

    /// Checks that the bucket is there and the key may use it (a request
    /// the storage must sign-check, so a wrong key or a skewed clock shows).
    pub async fn check(&self) -> Result<(), ShareError> {
        let url = HeadBucket::new(&self.bucket, Some(&self.credentials)).sign(REQUEST_LIFE);
        let response = self.send(self.http.head(url)).await?;
        if response.status().is_success() {
            return Ok(());
        }
        // HEAD answers carry no body: ask again with a GET of a listing to
        // learn why.
        let mut list = self.bucket.list_objects_v2(Some(&self.credentials));
        list.with_max_keys(1);
        let response = self.send(self.http.get(list.sign(REQUEST_LIFE))).await?;
        self.refused(response).await.map(drop)
    }

    /// Puts the file at `path` (read through `file`) at `key` with
    /// `headers`, in parts streamed from disk when it is large;
    /// `progress` hears the bytes sent so far. With `recorded`, the bytes
    /// sent are hashed on the way and the object is made only when they
    /// are the recorded ones ([`ShareError::Changed`] otherwise, nothing
    /// left in the bucket).
    pub async fn put_file(
        &self,
        key: &str,
        path: &Path,
        file: std::fs::File,
        headers: &ObjectHeaders<'_>,
        recorded: Option<Recorded<'_>>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(), ShareError> {
        let size = file
            .metadata()
            .map_err(|e| ShareError::File(format!("cannot read it: {e}")))?
            .len();
        if size <= PART_SIZE as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.take(PART_SIZE as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| ShareError::File(format!("cannot read it: {e}")))?;
            if let Some(recorded) = recorded {
                recorded.check(&Sha256::digest(&bytes))?;
            }
            self.put_bytes(key, bytes, headers).await?;
            progress(size);
            return Ok(());
        }
        drop(file);
        super::multipart::put(self, key, path, size, headers, recorded, progress).await
    }

    /// Puts `bytes` at `key` in one request.
    pub async fn put_bytes(
        &self,
        key: &str,
        bytes: Vec<u8>,
        headers: &ObjectHeaders<'_>,
    ) -> Result<(), ShareError> {
        let mut put = PutObject::new(&self.bucket, Some(&self.credentials), key);
        put.headers_mut()
            .insert("content-type", headers.content_type);
        put.headers_mut()
            .insert("content-disposition", headers.disposition);
        let request = self
            .http
            .put(put.sign(REQUEST_LIFE))
            .header("content-type", headers.content_type)
            .header("content-disposition", headers.disposition)
            .body(bytes);
        self.expect_ok(request).await.map(drop)
    }

    /// Whether an object is at `key`.
    pub async fn exists(&self, key: &str) -> Result<bool, ShareError> {
        let head = HeadObject::new(&self.bucket, Some(&self.credentials), key);
        let response = self.send(self.http.head(head.sign(REQUEST_LIFE))).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(false);
        }
        self.refused(response).await.map(|_| true)
    }

    /// Starts a multipart upload; its id.
    pub(super) async fn create_multipart(
        &self,
        key: &str,
        headers: &ObjectHeaders<'_>,
    ) -> Result<String, ShareError> {
        let mut create = CreateMultipartUpload::new(&self.bucket, Some(&self.credentials), key);
        create
            .headers_mut()
            .insert("content-type", headers.content_type);
        create
            .headers_mut()
            .insert("content-disposition", headers.disposition);
        let request = self
            .http
            .post(create.sign(REQUEST_LIFE))
            .header("content-type", headers.content_type)
            .header("content-disposition", headers.disposition);
        let body = self.expect_ok(request).await?.text().await.map_err(lost)?;
        let created = CreateMultipartUpload::parse_response(&body)
            .map_err(|e| ShareError::Failed(format!("an answer not understood: {e}")))?;
        Ok(created.upload_id().to_owned())
    }

    /// Sends part `number` (from 1), `len` bytes streamed from `body`; its
    /// ETag.
    pub(super) async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u16,
        body: reqwest::Body,
        len: u64,
    ) -> Result<String, ShareError> {
        let part = UploadPart::new(
            &self.bucket,
            Some(&self.credentials),
            key,
            number,
            upload_id,
        );
        let response = self
            .expect_ok(
                self.http
                    .put(part.sign(REQUEST_LIFE))
                    .header("content-length", len)
                    .body(body),
            )
            .await?;
        response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| ShareError::Failed("a part was stored without an ETag".to_owned()))
    }

    /// Ends a multipart upload with its parts' ETags, in order.
    pub(super) async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        etags: &[String],
    ) -> Result<(), ShareError> {
        let complete = CompleteMultipartUpload::new(
            &self.bucket,
            Some(&self.credentials),
            key,
            upload_id,
            etags.iter().map(String::as_str),
        );
        let url = complete.sign(REQUEST_LIFE);
        let response = self
            .expect_ok(self.http.post(url).body(complete.body()))
            .await?;
        // An error can come inside a 200 answer.
        let body = response.text().await.map_err(lost)?;
        if body.contains("<Error>") {
            return Err(ShareError::Failed(error_text(&body)));
        }
        Ok(())
    }

    /// Gives up a multipart upload (its parts are deleted); one already
    /// gone is fine.
    pub(super) async fn abort_multipart(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<(), ShareError> {
        let abort =
            AbortMultipartUpload::new(&self.bucket, Some(&self.credentials), key, upload_id);
        let response = self
            .send(self.http.delete(abort.sign(REQUEST_LIFE)))
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        self.refused(response).await.map(drop)
    }

    /// The multipart uploads in progress under `prefix`, every page of the
    /// listing.
    pub(super) async fn multipart_uploads(&self, prefix: &str) -> Result<Vec<Upload>, ShareError> {
        let mut uploads = Vec::new();
        let mut from: Option<(String, String)> = None;
        loop {
            let mut list = ListMultipartUploads::new(&self.bucket, &self.credentials);
            list.query_mut().insert("prefix", prefix);
            if let Some((key, upload_id)) = &from {
                list.query_mut().insert("key-marker", key.clone());
                list.query_mut()
                    .insert("upload-id-marker", upload_id.clone());
            }
            let response = self
                .expect_ok(self.http.get(list.sign(REQUEST_LIFE)))
                .await?;
            let body = response.text().await.map_err(lost)?;
            uploads.extend(body.split("<Upload>").skip(1).filter_map(|entry| {
                Some(Upload {
                    key: unescape(tag(entry, "Key")?),
                    id: unescape(tag(entry, "UploadId")?),
                    initiated: tag(entry, "Initiated")
                        .and_then(|at| at.parse::<jiff::Timestamp>().ok())
                        .map(jiff::Timestamp::as_millisecond),
                })
            }));
            let truncated = tag(&body, "IsTruncated") == Some("true");
            let next = tag(&body, "NextKeyMarker")
                .map(unescape)
                .zip(tag(&body, "NextUploadIdMarker").map(unescape));
            match next {
                Some(next) if truncated && from.as_ref() != Some(&next) => from = Some(next),
                _ => return Ok(uploads),
            }
        }
    }

    /// Deletes the object `key` (its links stop working at once); an
    /// object already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), ShareError> {
        let delete = DeleteObject::new(&self.bucket, Some(&self.credentials), key);
        let response = self
            .send(self.http.delete(delete.sign(REQUEST_LIFE)))
            .await?;
        if response.status().is_success() || response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        self.refused(response).await.map(drop)
    }

    /// A link to the object `key` that works for `life` from `now`
    /// (presigned GET; at most 7 days, as SigV4 allows).
    #[must_use]
    pub fn link(&self, key: &str, life: Duration, now: Timestamp) -> String {
        let get = GetObject::new(&self.bucket, Some(&self.credentials), key);
        let at = jiff::Timestamp::from_millisecond(now).unwrap_or_else(|_| jiff::Timestamp::now());
        get.sign_with_time(life, &at).to_string()
    }

    async fn expect_ok(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ShareError> {
        self.refused(self.send(request).await?).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ShareError> {
        request.send().await.map_err(|e| ShareError::Unreachable {
            endpoint: self.config.endpoint.clone(),
            detail: crate::logging::Chain(&e.without_url()).to_string(),
        })
    }

    /// The answer when it is a success, else the error it names.
    async fn refused(&self, response: reqwest::Response) -> Result<reqwest::Response, ShareError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let code = tag(&body, "Code").unwrap_or_default();
        let said = error_text(&body);
        Err(match code {
            "NoSuchBucket" => ShareError::BucketMissing {
                bucket: self.config.bucket.clone(),
                endpoint: self.config.endpoint.clone(),
            },
            "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "InvalidSignature" => {
                ShareError::WrongKey(said)
            }
            "RequestTimeTooSkewed" => ShareError::ClockSkew(said),
            // Garage's word for a request dated too far from its clock.
            "InvalidRequest" if said.contains("Date is too") => ShareError::ClockSkew(said),
            // Garage says AccessDenied for a bad signature or unknown key.
            "AccessDenied"
                if said.to_ascii_lowercase().contains("signature")
                    || said.to_ascii_lowercase().contains("no such key") =>
            {
                ShareError::WrongKey(said)
            }
            "AccessDenied" => ShareError::Denied(said),
            _ if status == reqwest::StatusCode::NOT_FOUND && code.is_empty() => {
                ShareError::BucketMissing {
                    bucket: self.config.bucket.clone(),
                    endpoint: self.config.endpoint.clone(),
                }
            }
            _ if status == reqwest::StatusCode::FORBIDDEN && code.is_empty() => {
                ShareError::Denied(format!("{status}"))
            }
            _ => ShareError::Failed(format!("{status}: {said}")),
        })
    }
}

/// `ListMultipartUploads`, which rusty-s3 has no action for: a `GET` of
/// the bucket with `?uploads`, signed by rusty-s3's SigV4 signer as its
/// own actions are.
struct ListMultipartUploads<'a> {
    bucket: &'a Bucket,
    credentials: &'a Credentials,
    query: Map<'a>,
    headers: Map<'a>,
}

impl<'a> ListMultipartUploads<'a> {
    fn new(bucket: &'a Bucket, credentials: &'a Credentials) -> Self {
        let mut query = Map::new();
        query.insert("uploads", "");
        Self {
            bucket,
            credentials,
            query,
            headers: Map::new(),
        }
    }
}

impl<'a> S3Action<'a> for ListMultipartUploads<'a> {
    const METHOD: Method = Method::Get;

    fn query_mut(&mut self) -> &mut Map<'a> {
        &mut self.query
    }

    fn headers_mut(&mut self) -> &mut Map<'a> {
        &mut self.headers
    }

    fn sign_with_time(&self, expires_in: Duration, time: &jiff::Timestamp) -> reqwest::Url {
        rusty_s3::signing::sign(
            time,
            Self::METHOD,
            self.bucket.base_url().clone(),
            self.credentials.key(),
            self.credentials.secret(),
            self.credentials.token(),
            self.bucket.region(),
            expires_in.as_secs(),
            self.query.iter(),
            self.headers.iter(),
        )
    }
}

/// XML's five escapes and numeric character references undone.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The text of `<name>` in an XML answer.
fn tag<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim())
}

/// The storage's words for an error: its code and message.
fn error_text(body: &str) -> String {
    match (tag(body, "Code"), tag(body, "Message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => body.chars().take(200).collect(),
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(lost)`
fn lost(e: reqwest::Error) -> ShareError {
    ShareError::Failed(format!(
        "the answer was cut: {}",
        crate::logging::Chain(&e.without_url())
    ))
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn keys_in_a_listing_are_unescaped() {
        assert_eq!(
            unescape("a/Q&amp;A &lt;1&gt; &quot;x&quot; &apos;y&apos; &#233;&#xE9;.pdf"),
            "a/Q&A <1> \"x\" 'y' éé.pdf"
        );
        assert_eq!(
            unescape("fish & chips &unknown; 5&"),
            "fish & chips &unknown; 5&"
        );
    }
}
