//! Pictures in a remote worktree go inline in a prompt all the same: their
//! bytes are fetched over SFTP into a private temp folder here, where the
//! prompt reads (and may scale) them; links and paths stay the remote ones.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tempfile::TempDir;

use crate::remote::{ConnectOptions, Remote, RemoteSpec};
use crate::store::FileRecord;

/// The largest picture fetched to go inline.
const MAX_PICTURE: u64 = 64 << 20;

/// Local copies of a prompt's remote pictures, by record id; removed when
/// dropped.
#[derive(Default)]
pub(super) struct Copies {
    _dir: Option<TempDir>,
    /// Where each picture's bytes can be read here.
    pub paths: BTreeMap<i64, PathBuf>,
}

/// Fetches the pictures among `files` from `spec`'s machine. A picture that
/// cannot be fetched is left out (the prompt then says it could not be
/// read, and still links it).
pub(super) async fn fetch(
    spec: &RemoteSpec,
    options: &ConnectOptions,
    files: &[FileRecord],
) -> Copies {
    let pictures: Vec<&FileRecord> = files
        .iter()
        .filter(|f| {
            f.sniffed_mime
                .as_deref()
                .unwrap_or(&f.mime)
                .starts_with("image/")
        })
        .collect();
    if pictures.is_empty() {
        return Copies::default();
    }
    let dir = match tempfile::Builder::new()
        .prefix("handoff-pictures")
        .tempdir()
    {
        Ok(dir) => dir,
        Err(e) => {
            tracing::warn!(error = %e, "no temp folder for remote pictures");
            return Copies::default();
        }
    };
    let remote = match Remote::connect(spec, options).await {
        Ok(remote) => remote,
        Err(e) => {
            tracing::warn!(error = %e, "cannot fetch the prompt's pictures");
            return Copies::default();
        }
    };
    let mut paths = BTreeMap::new();
    for picture in pictures {
        let local = dir.path().join(picture.id.to_string());
        let copied = match std::fs::File::create(&local) {
            Ok(mut out) => remote
                .download(&picture.path, MAX_PICTURE, &mut out)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match copied {
            Ok(_) => {
                paths.insert(picture.id, local);
            }
            Err(e) => {
                tracing::warn!(path = %picture.path.display(), error = %e, "cannot fetch a picture");
            }
        }
    }
    Copies {
        _dir: Some(dir),
        paths,
    }
}
