//! Person → agent: describing what was offered, where it would go, and
//! uploading it into a session (the conversation says what arrived).

use std::path::{Path, PathBuf};

use super::{ApiError, Context, worktrees};
use crate::destination::{Destination, Folder};
use crate::ingest::{self, Progress, Report};
use crate::remote::{self, ConnectOptions, Remote};
use crate::store::Worktree;
use crate::{ConflictPolicy, Origin, Source, Upload, clock, conversation, mime};

/// A file or folder offered for upload, described for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    /// Where it is.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
    /// Bytes (a folder: its files' bytes).
    pub size: u64,
    /// The files it brings to an upload, counted as the batch limit counts.
    pub files: usize,
    /// A folder's entries an upload would skip.
    pub skipped: usize,
    /// Whether it is a folder.
    pub is_dir: bool,
    /// Type guessed from the name (`inode/directory` for folders).
    pub mime: String,
    /// Why it cannot be read, if so.
    pub problem: Option<String>,
}

/// Describes a dropped, pasted or picked path (a folder is walked the way
/// an upload walks it).
#[must_use]
pub fn describe(path: &Path) -> Offered {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (tally, is_dir, problem) = match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => (ingest::tally(path), true, None),
        Ok(meta) => (
            ingest::Tally {
                files: 1,
                bytes: meta.len(),
                skipped: 0,
            },
            false,
            None,
        ),
        Err(e) => (ingest::Tally::default(), false, Some(e.to_string())),
    };
    Offered {
        mime: if is_dir {
            "inode/directory".to_owned()
        } else {
            mime::guess(&name)
        },
        path: path.to_owned(),
        name,
        size: tally.bytes,
        files: tally.files,
        skipped: tally.skipped,
        is_dir,
        problem,
    }
}

/// Where each destination resolves for a session, with the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destinations {
    /// The worktree's uploads folder, or why it cannot be used.
    pub worktree: Result<PathBuf, String>,
    /// The temp uploads folder, or why not.
    pub temp: Result<PathBuf, String>,
    /// The global uploads folder, or why not.
    pub global: Result<PathBuf, String>,
    /// The default from the settings.
    pub default: Destination,
    /// Per-file limit in bytes.
    pub max_file_size: u64,
    /// Most files in one upload.
    pub max_batch_files: usize,
    /// What to do when a name is taken, from the settings.
    pub on_conflict: ConflictPolicy,
}

/// Whether a recorded file is a picture (by its bytes, else its name).
fn is_picture(record: &crate::store::FileRecord) -> bool {
    record
        .sniffed_mime
        .as_deref()
        .unwrap_or(&record.mime)
        .starts_with("image/")
}

/// Where each destination resolves for session `session_id`.
pub fn destinations(ctx: &Context, session_id: i64) -> Result<Destinations, ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    let worktree = store.worktrees().get(session.worktree_id)?;
    let folder = |d| match worktree.remote() {
        // On another machine: where the files go there, as the person reads it.
        Some(spec) => Ok(match d {
            Destination::Worktree => spec.path.join(&settings.uploads_folder),
            Destination::Temp => PathBuf::from(format!(
                "{}: its temp folder/{}",
                spec.host(),
                crate::destination::TEMP_FOLDER
            )),
            _ => PathBuf::from(format!("{}: ~/{}", spec.host(), settings.uploads_folder)),
        }),
        None => Folder::resolve(d, &ctx.roots, Some(&worktree.path), &settings)
            .map(|f| f.path())
            .map_err(|e| e.to_string()),
    };
    Ok(Destinations {
        worktree: folder(Destination::Worktree),
        temp: folder(Destination::Temp),
        global: folder(Destination::Global),
        default: settings.default_destination,
        max_file_size: settings.max_file_size,
        max_batch_files: settings.max_batch_files,
        on_conflict: settings.on_conflict,
    })
}

/// Which of `names` (as the person's files are called) are taken in
/// `destination` for session `session_id`: a file recorded there holds
/// that name now (or, on this machine, any file does). The upload dialog
/// says so before a Replace or a numbered copy.
pub fn taken(
    ctx: &Context,
    session_id: i64,
    destination: Destination,
    names: &[String],
) -> Result<Vec<String>, ApiError> {
    let resolved = destinations(ctx, session_id)?;
    let folder = match destination {
        Destination::Temp => resolved.temp,
        Destination::Global => resolved.global,
        _ => resolved.worktree,
    };
    let Ok(folder) = folder else {
        return Ok(Vec::new());
    };
    let mut store = ctx.store()?;
    let worktree_id = store.sessions().get(session_id)?.worktree_id;
    // On this machine the disk says it too, for files nobody recorded.
    let here = store.worktrees().get(worktree_id)?.remote().is_none();
    let mut taken = Vec::new();
    for name in names {
        let path = folder.join(crate::naming::sanitize(name));
        let recorded = store
            .files()
            .live_in(worktree_id, &path)?
            .is_some_and(|r| r.status != crate::store::FileStatus::Missing);
        if recorded || (here && path.symlink_metadata().is_ok()) {
            taken.push(name.clone());
        }
    }
    Ok(taken)
}

/// An upload as a shell asks for it; what is absent comes from the settings.
#[derive(Debug, Clone)]
pub struct UploadRequest {
    /// What to save, in order.
    pub sources: Vec<Source>,
    /// How it arrived.
    pub origin: Origin,
    /// The session it is for (its conversation records it).
    pub session_id: Option<i64>,
    /// The worktree it is for: given, else the session's, else (for the
    /// worktree destination) the git work tree around the current folder.
    pub worktree: Option<PathBuf>,
    /// Where to save.
    pub destination: Option<Destination>,
    /// What to do when a name is taken.
    pub on_conflict: Option<ConflictPolicy>,
    /// Largest file accepted.
    pub max_file_size: Option<u64>,
    /// Most files in this upload.
    pub max_batch_files: Option<usize>,
}

impl UploadRequest {
    /// A request for `sources` with everything else from the settings.
    #[must_use]
    pub fn new(sources: Vec<Source>, origin: Origin) -> Self {
        Self {
            sources,
            origin,
            session_id: None,
            worktree: None,
            destination: None,
            on_conflict: None,
            max_file_size: None,
            max_batch_files: None,
        }
    }
}

/// What an upload did.
#[derive(Debug, Clone)]
pub struct Uploaded {
    /// One outcome per file (each names its source's index), or why the
    /// batch was refused.
    pub report: Report,
    /// The worktree the files were for.
    pub worktree: Option<Worktree>,
    /// Why the conversation could not record the saved files (they are
    /// saved all the same).
    pub unrecorded: Option<ApiError>,
}

impl Uploaded {
    /// The saved files' paths, in order.
    #[must_use]
    pub fn saved_paths(&self) -> Vec<&Path> {
        self.report.saved().map(|r| r.path.as_path()).collect()
    }

    /// `template` with `{filepath}`, `{filename}` and `{dir}` filled from
    /// the saved files (none saved: nothing).
    #[must_use]
    pub fn message(&self, template: &str) -> Option<String> {
        let saved = self.saved_paths();
        (!saved.is_empty()).then(|| {
            crate::template::fill(
                template,
                &saved,
                self.worktree.as_ref().map(Worktree::folder).as_deref(),
            )
        })
    }
}

/// Uploads a batch (blocking: call it off async threads). Progress reports
/// name the source each file came from. Into a session, its conversation
/// records the saved files; a failure to record is returned beside them.
pub fn upload(
    ctx: &Context,
    request: UploadRequest,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Uploaded, ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let session = request
        .session_id
        .map(|id| store.sessions().get(id))
        .transpose()?;
    let destination = request.destination.unwrap_or(settings.default_destination);
    let worktree = match (&request.worktree, &session) {
        (Some(dir), _) => Some(worktrees::named(ctx, dir)?),
        (None, Some(session)) => Some(store.worktrees().get(session.worktree_id)?),
        (None, None) if destination == Destination::Worktree => {
            Some(worktrees::at_or_around(ctx, None)?)
        }
        (None, None) => None,
    };
    let mut upload = Upload::new(request.sources, request.origin, &settings);
    upload.destination = destination;
    upload.session_id = session.as_ref().map(|s| s.id);
    upload.worktree.clone_from(&worktree);
    upload.on_conflict = request.on_conflict.unwrap_or(upload.on_conflict);
    upload.max_file_size = request.max_file_size.unwrap_or(upload.max_file_size);
    upload.max_batch_files = request.max_batch_files.unwrap_or(upload.max_batch_files);
    let report = match worktree.as_ref().and_then(Worktree::remote) {
        Some(spec) => remote::block_on(async {
            let remote = Remote::connect(&spec, &ConnectOptions::for_settings(&settings)).await?;
            let now = clock::now();
            Ok::<_, ApiError>(
                remote::upload(&remote, &mut store, &settings, &upload, now, progress).await,
            )
        })?,
        None => ingest::upload(
            &mut store,
            &ctx.roots,
            &settings,
            &upload,
            clock::now(),
            progress,
        ),
    };
    if worktree.as_ref().and_then(Worktree::remote).is_none() {
        // What the history shows of a picture stays what was sent.
        for record in report.saved().filter(|r| is_picture(r)) {
            super::files::keep_thumbnail(ctx, record, settings.max_file_size);
        }
    }
    let unrecorded = session.and_then(|session| {
        let saved: Vec<_> = report
            .outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok().cloned())
            .collect();
        conversation::record_uploads(
            &mut store,
            session.id,
            &saved,
            worktree.as_ref().map(Worktree::folder).as_deref(),
            clock::now(),
        )
        .err()
        .map(|e| {
            tracing::error!(session = session.id, error = %e, "the conversation did not record an upload");
            ApiError::new(
                e.kind(),
                format!("the files were saved, but the conversation could not record them: {e}"),
            )
        })
    });
    Ok(Uploaded {
        report,
        worktree,
        unrecorded,
    })
}
