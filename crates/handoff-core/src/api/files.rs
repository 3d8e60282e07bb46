//! The files that moved: listing them, the untracked ones in uploads
//! folders, and what can be done with one.

use std::path::{Path, PathBuf};

use super::{ApiError, Context};
use crate::destination::Destination;
use crate::publish::{self, PublishRequest};
use crate::remote::{self, ConnectOptions, Remote, RemoteSpec};
use crate::remove::{self, Removal};
use crate::store::{Direction, FileQuery, FileRecord};
use crate::thumbs::{self, Thumbs};
use crate::untracked::{self, Untracked};
use crate::{ErrorKind, clock};

/// The files of a session, or of its whole worktree, newest first.
pub fn list(
    ctx: &Context,
    session_id: i64,
    whole_worktree: bool,
) -> Result<Vec<FileRecord>, ApiError> {
    let mut store = ctx.store()?;
    let session = store.sessions().get(session_id)?;
    let query = FileQuery {
        worktree_id: whole_worktree.then_some(session.worktree_id),
        session_id: (!whole_worktree).then_some(session_id),
        ..FileQuery::default()
    };
    Ok(store.files().list(&query)?)
}

/// Looks at the files a remote worktree holds (nothing to do for a local
/// one, which the watcher follows) and records what changed there; returns
/// how many records changed.
pub fn check_remote(ctx: &Context, worktree_id: i64) -> Result<usize, ApiError> {
    let mut store = ctx.store()?;
    let worktree = store.worktrees().get(worktree_id)?;
    let Some(spec) = worktree.remote() else {
        return Ok(0);
    };
    let query = FileQuery {
        worktree_id: Some(worktree.id),
        ..FileQuery::default()
    };
    let records: Vec<FileRecord> = store
        .files()
        .list(&query)?
        .into_iter()
        .filter(|f| f.destination != Destination::Published && f.status.is_live())
        .collect();
    if records.is_empty() {
        return Ok(0);
    }
    let options = ConnectOptions::for_settings(&store.settings().load()?);
    let changes = remote::block_on(async {
        let remote = Remote::connect(&spec, &options).await?;
        Ok::<_, ApiError>(remote.check(&records).await)
    })?;
    store.files().set_status(&changes, clock::now())?;
    Ok(changes.len())
}

/// Files in the session's uploads folders (its worktree's, temp, global)
/// that no record follows, newest first.
pub fn untracked(ctx: &Context, session_id: i64) -> Result<Vec<Untracked>, ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    let worktree = store.worktrees().get(session.worktree_id)?;
    if worktree.host.is_some() {
        // Its uploads folders are on another machine, not looked at from here.
        return Ok(Vec::new());
    }
    let folders = untracked::session_folders(&ctx.roots, &worktree.path, &settings);
    Ok(untracked::list(&mut store, &folders)?)
}

/// Records an untracked file of the session's uploads folders where it is.
pub fn add_untracked(ctx: &Context, session_id: i64, path: &Path) -> Result<FileRecord, ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    Ok(untracked::add(
        &mut store,
        &ctx.roots,
        &settings,
        &session,
        path,
        clock::now(),
    )?)
}

/// The record of file `file_id`.
pub fn get(ctx: &Context, file_id: i64) -> Result<FileRecord, ApiError> {
    Ok(ctx.store()?.files().get(file_id)?)
}

/// The remote worktree a record's file is on, and how to reach it; `None`
/// for a file on this machine (what a remote agent published is
/// snapshotted here).
fn remote_of(
    ctx: &Context,
    record: &FileRecord,
) -> Result<Option<(RemoteSpec, ConnectOptions)>, ApiError> {
    let mut store = ctx.store()?;
    let Some(spec) = remote::worktree_of(&mut store, record)? else {
        return Ok(None);
    };
    let options = ConnectOptions::for_settings(&store.settings().load()?);
    Ok(Some((spec, options)))
}

/// The bytes of a file in a remote worktree, fetched over SFTP (at most
/// `limit`); `None` for a file on this machine, which the caller reads.
pub fn remote_bytes(
    ctx: &Context,
    record: &FileRecord,
    limit: u64,
) -> Result<Option<Vec<u8>>, ApiError> {
    let Some((spec, options)) = remote_of(ctx, record)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    fetch(&spec, &options, record, limit, &mut bytes)?;
    Ok(Some(bytes))
}

/// What to show for a recorded picture, and whether it is the thumbnail:
/// the file's own bytes while they are the recorded ones (a thumbnail of
/// them is kept on the way), else the thumbnail kept of what was sent;
/// `None` when neither is there. A replaced or edited picture thus still
/// shows what the agent received.
#[must_use]
pub fn sent_picture(ctx: &Context, record: &FileRecord, limit: u64) -> Option<(Vec<u8>, bool)> {
    let current = match remote_bytes(ctx, record, limit) {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => read_at_most(&record.path, limit),
        Err(_) => None,
    };
    current
        .and_then(|bytes| recorded(ctx, record, bytes))
        .map(|bytes| (bytes, false))
        .or_else(|| {
            Thumbs::of(&ctx.home)
                .get(&record.sha256)
                .map(|png| (png, true))
        })
}

/// Keeps a thumbnail of a picture just saved on this machine, while its
/// bytes are the recorded ones (a remote one gets its thumbnail the first
/// time it is shown).
pub(crate) fn keep_thumbnail(ctx: &Context, record: &FileRecord, limit: u64) {
    if let Some(bytes) = read_at_most(&record.path, limit) {
        recorded(ctx, record, bytes);
    }
}

/// `bytes` when they are the record's (hashed once), with a thumbnail of
/// them kept on the way.
fn recorded(ctx: &Context, record: &FileRecord, bytes: Vec<u8>) -> Option<Vec<u8>> {
    if thumbs::digest(&bytes) != record.sha256 {
        return None;
    }
    if let Err(e) = Thumbs::of(&ctx.home).keep(&record.sha256, &bytes) {
        tracing::warn!(file = record.id, error = %e, "could not keep a thumbnail");
    }
    Some(bytes)
}

/// The regular file at `path`, when it holds at most `limit` bytes.
fn read_at_most(path: &Path, limit: u64) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > limit {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= limit).then_some(bytes)
}

/// A path on this machine holding the file's bytes: its own, or for a
/// file in a remote worktree a copy fetched now over SFTP into the data
/// folder's `remote-copies` (what Open and the preview read).
pub fn local_path(ctx: &Context, record: &FileRecord) -> Result<PathBuf, ApiError> {
    let Some((spec, options)) = remote_of(ctx, record)? else {
        return Ok(existing(record.clone())?.path);
    };
    let folder = ctx
        .home
        .dir()
        .join("remote-copies")
        .join(record.id.to_string());
    std::fs::create_dir_all(&folder).map_err(|e| cannot_write(&folder, &e))?;
    let copy = folder.join(crate::naming::sanitize(&record.filename));
    fetch_into(&spec, &options, record, &copy)?;
    Ok(copy)
}

/// What changed in a recorded file since its worktree's last commit: a
/// unified diff (cut at a line past 256 kB, the flag says so), asked of
/// git here or over the remote's kept connection. `None` when git has
/// nothing to show.
pub fn changes(ctx: &Context, record: &FileRecord) -> Result<Option<(String, bool)>, ApiError> {
    let Some((spec, options)) = remote_of(ctx, record)? else {
        return Ok(crate::outputs::changes(&record.path));
    };
    remote::block_on(async {
        let remote = Remote::connect(&spec, &options).await?;
        Ok(
            crate::outputs::changes_there(
                &remote,
                &record.path,
                crate::outputs::MOST_CHANGES_BYTES,
            )
            .await?,
        )
    })
}

/// Saves a copy of a recorded file at `dest` (Save as): copied here, or
/// fetched from its remote worktree.
pub fn save_copy(ctx: &Context, record: &FileRecord, dest: &Path) -> Result<(), ApiError> {
    match remote_of(ctx, record)? {
        Some((spec, options)) => fetch_into(&spec, &options, record, dest),
        None => copy_to(&existing(record.clone())?, dest),
    }
}

/// Fetches a remote file into `dest` whole.
fn fetch_into(
    spec: &RemoteSpec,
    options: &ConnectOptions,
    record: &FileRecord,
    dest: &Path,
) -> Result<(), ApiError> {
    write_whole(dest, |file| {
        fetch(spec, options, record, u64::MAX, file).map(drop)
    })
}

/// Writes a copy the person asked for at `dest`: into a temp file beside
/// it, renamed over it once whole, so a failure leaves nothing half
/// written. It gets the person's usual permissions (their umask), not the
/// private ones of Handoff's own copies.
fn write_whole(
    dest: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    use std::os::unix::fs::PermissionsExt as _;
    let folder = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".handoff-save")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(folder)
        .map_err(|e| cannot_write(dest, &e))?;
    fill(temp.as_file_mut())?;
    temp.as_file()
        .sync_all()
        .map_err(|e| cannot_write(dest, &e))?;
    temp.persist(dest)
        .map(drop)
        .map_err(|e| cannot_write(dest, &e.error))
}

fn fetch(
    spec: &RemoteSpec,
    options: &ConnectOptions,
    record: &FileRecord,
    limit: u64,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ApiError> {
    remote::block_on(async {
        let remote = Remote::connect(spec, options).await?;
        remote
            .download(&record.path, limit, out)
            .await
            .map_err(|e| {
                ApiError::not_found(format!("{} on {}: {e}", record.path.display(), spec.host()))
            })
    })
}

fn cannot_write(path: &Path, e: &std::io::Error) -> ApiError {
    ApiError::new(
        ErrorKind::WriteFailed,
        format!("cannot save to {}: {e}", path.display()),
    )
}

/// The record of a file on this machine that is still there (what Show in
/// folder needs): a remote worktree's file is refused, saying so.
pub fn here(ctx: &Context, record: FileRecord) -> Result<FileRecord, ApiError> {
    match remote_of(ctx, &record)? {
        Some((spec, _)) => Err(ApiError::invalid(format!(
            "{} is on {}, not on this machine; use Save a copy as… to bring it here",
            record.filename,
            spec.host()
        ))),
        None => existing(record),
    }
}

/// The record of a file still on disk.
pub fn existing(record: FileRecord) -> Result<FileRecord, ApiError> {
    if record.path.is_file() {
        Ok(record)
    } else {
        Err(ApiError::not_found(format!(
            "{} is no longer there",
            record.path.display()
        )))
    }
}

/// Copies a file on this machine to `dest`.
fn copy_to(record: &FileRecord, dest: &Path) -> Result<(), ApiError> {
    let mut source = std::fs::File::open(&record.path)
        .map_err(|e| ApiError::not_found(format!("cannot read {}: {e}", record.path.display())))?;
    write_whole(dest, |file| {
        std::io::copy(&mut source, file)
            .map(drop)
            .map_err(|e| cannot_write(dest, &e))
    })
}

/// Moves a recorded file to the OS trash and marks it deleted.
pub fn trash(ctx: &Context, file_id: i64) -> Result<FileRecord, ApiError> {
    Ok(remove::remove(
        &mut ctx.store()?,
        file_id,
        Removal::Trash,
        clock::now(),
    )?)
}

/// Keeps what a turn made as it is now: a snapshot of the made file
/// `file_id` among the files the session's agent handed over, with its
/// card, so later edits by the agent do not change what was kept.
pub fn keep(ctx: &Context, file_id: i64) -> Result<FileRecord, ApiError> {
    let mut store = ctx.store()?;
    let record = store.files().get(file_id)?;
    if record.direction != Direction::Made {
        return Err(ApiError::invalid(format!(
            "{} is not a file the agent made in a turn; only those are kept (what it published is a snapshot already)",
            record.filename
        )));
    }
    let session_id = record.session_id.ok_or_else(|| {
        ApiError::invalid(format!(
            "{} belongs to no session any more",
            record.filename
        ))
    })?;
    let request = PublishRequest {
        session_id,
        path: record.path.clone(),
        display_name: None,
        description: Some("Kept from what the agent made in a turn.".to_owned()),
        max_size: publish::DEFAULT_MAX_SIZE,
    };
    Ok(publish::publish(&mut store, &ctx.home, &request, clock::now())?.record)
}
