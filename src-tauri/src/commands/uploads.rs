//! Person → agent: describing dropped files, reading the clipboard, picking
//! files, and uploading them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use handoff_core::destination::{Destination, Folder};
use handoff_core::ingest::{self, Progress};
use handoff_core::{ConflictPolicy, Origin, Source, Upload, clock, conversation, mime};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::clipboard::{self, Clip};
use crate::dto::{
    ClipboardContent, Destinations, FileInfo, OfferedFile, OnConflict, UploadDestination,
    UploadOrigin, UploadOutcome, UploadProgress, UploadRequest, UploadSource,
};
use crate::error::IpcError;
use crate::state::AppState;

/// Where each destination resolves for a session.
#[tauri::command]
#[specta::specta]
pub fn destinations(state: State<'_, AppState>, session_id: i64) -> Result<Destinations, IpcError> {
    let mut store = state.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(session_id)?;
    let worktree = store.worktrees().get(session.worktree_id)?;
    let folder = |d| {
        Folder::resolve(d, &state.roots, Some(&worktree.path), &settings)
            .map_or_else(|e| e.to_string(), |f| f.path().display().to_string())
    };
    Ok(Destinations {
        worktree: folder(Destination::Worktree),
        temp: folder(Destination::Temp),
        global: folder(Destination::Global),
        default: match settings.default_destination {
            Destination::Temp => UploadDestination::Temp,
            Destination::Global => UploadDestination::Global,
            _ => UploadDestination::Worktree,
        },
        max_file_size: settings.max_file_size as f64,
        max_batch_files: settings.max_batch_files as f64,
    })
}

/// Describes dropped or picked paths for the upload dialog.
#[tauri::command]
#[specta::specta]
pub fn describe_paths(state: State<'_, AppState>, paths: Vec<String>) -> Vec<OfferedFile> {
    paths
        .into_iter()
        .map(|p| describe(&state, PathBuf::from(p)))
        .collect()
}

fn describe(state: &AppState, path: PathBuf) -> OfferedFile {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (tally, is_dir, problem) = match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => (ingest::tally(&path), true, None),
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
    OfferedFile {
        mime: if is_dir {
            "inode/directory".to_owned()
        } else {
            mime::guess(&name)
        },
        offer_id: state.offer(path.clone()),
        path: path.display().to_string(),
        name,
        size: tally.bytes as f64,
        files: tally.files as f64,
        skipped: tally.skipped as f64,
        is_dir,
        problem,
    }
}

/// Asks for files with the native picker and describes them.
#[tauri::command]
#[specta::specta]
pub async fn pick_files(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Vec<OfferedFile>, IpcError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Attach files")
        .pick_files(move |files| {
            let paths: Vec<PathBuf> = files
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.into_path().ok())
                .collect();
            let _ = tx.send(paths);
        });
    let paths = rx.await.unwrap_or_default();
    Ok(paths.into_iter().map(|p| describe(&state, p)).collect())
}

/// Reads the system clipboard (the page calls this when a paste carried no
/// file). An image is held in Rust until uploaded.
#[tauri::command]
#[specta::specta]
pub async fn read_clipboard(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<ClipboardContent, IpcError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let _ = tx.send((clipboard::read(), clipboard::screenshot_name()));
    })?;
    let (clip, name) = rx
        .await
        .map_err(|_| IpcError::new("clipboardFailed", "the clipboard could not be read"))?;
    Ok(match clip {
        Clip::Image(bytes) => {
            let size = bytes.len() as f64;
            let paste_id = state.hold_paste(name.clone(), Arc::from(bytes));
            ClipboardContent::Image {
                paste_id,
                name,
                size,
            }
        }
        Clip::Files(paths) => ClipboardContent::Files {
            paths: paths.iter().map(|p| p.display().to_string()).collect(),
        },
        Clip::Nothing => ClipboardContent::Nothing,
    })
}

/// The core sources of a request, with the label of each.
fn core_sources(
    state: &AppState,
    sources: &[UploadSource],
) -> Result<(Vec<String>, Vec<Source>), IpcError> {
    let mut labels = Vec::with_capacity(sources.len());
    let mut converted = Vec::with_capacity(sources.len());
    for source in sources {
        let (label, source) = match source {
            UploadSource::Path { path } => (path.clone(), Source::Path(PathBuf::from(path))),
            UploadSource::Paste { paste_id } => {
                let (name, bytes) = state.paste(*paste_id).ok_or_else(|| {
                    IpcError::new(
                        "notFound",
                        "that pasted image is no longer held; paste it again",
                    )
                })?;
                (name.clone(), Source::Bytes { name, bytes })
            }
            UploadSource::Text { name, text } => (
                name.clone(),
                Source::Bytes {
                    name: name.clone(),
                    bytes: Arc::from(text.as_bytes()),
                },
            ),
        };
        labels.push(label);
        converted.push(source);
    }
    Ok((labels, converted))
}

/// Uploads a batch into a session and records it in the conversation.
/// Progress streams over `progress`; each file gets its own outcome.
#[tauri::command]
#[specta::specta]
pub async fn upload_files(
    state: State<'_, AppState>,
    request: UploadRequest,
    progress: Channel<UploadProgress>,
) -> Result<Vec<UploadOutcome>, IpcError> {
    let mut store = state.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(request.session_id)?;
    let worktree = store.worktrees().get(session.worktree_id)?;
    let (labels, sources) = core_sources(&state, &request.sources)?;
    let origin = match request.origin {
        UploadOrigin::Drop => Origin::Drop,
        UploadOrigin::Paste => Origin::Paste,
        UploadOrigin::Picker => Origin::Picker,
    };
    let mut upload = Upload::new(sources, origin, &settings);
    upload.destination = match request.destination {
        UploadDestination::Worktree => Destination::Worktree,
        UploadDestination::Temp => Destination::Temp,
        UploadDestination::Global => Destination::Global,
    };
    upload.on_conflict = match request.on_conflict {
        OnConflict::KeepBoth => ConflictPolicy::KeepBoth,
        OnConflict::Replace => ConflictPolicy::Replace,
    };
    if let Some(raised) = request.max_batch_files {
        upload.max_batch_files = upload.max_batch_files.max(raised as usize);
    }
    upload.session_id = Some(session.id);
    upload.worktree = Some(worktree.clone());
    let roots = state.roots.clone();
    let report = tokio::task::spawn_blocking(move || {
        let mut last = Instant::now();
        let mut on_progress = |p: &Progress| {
            let done = p.item_total.is_some_and(|t| p.item_done >= t);
            if done || last.elapsed() >= Duration::from_millis(50) {
                last = Instant::now();
                let _ = progress.send(UploadProgress {
                    item: p.item as u32,
                    item_done: p.item_done as f64,
                    item_total: p.item_total.map(|t| t as f64),
                    batch_done: p.batch_done as f64,
                    batch_total: p.batch_total as f64,
                });
            }
        };
        let report = ingest::upload(
            &mut store,
            &roots,
            &settings,
            &upload,
            clock::now(),
            &mut on_progress,
        );
        let saved: Vec<_> = report.saved().cloned().collect();
        let _ = conversation::record_uploads(
            &mut store,
            session.id,
            &saved,
            Some(&worktree.path),
            clock::now(),
        );
        report
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?;
    for source in &request.sources {
        if let UploadSource::Paste { paste_id } = source {
            state.release_paste(*paste_id);
        }
    }
    if let Some(refused) = report.refused {
        return Err(IpcError::from(refused));
    }
    Ok(report
        .outcomes
        .iter()
        .map(|o| UploadOutcome {
            label: o.label.clone(),
            source: labels
                .iter()
                .position(|l| o.label == *l || o.label.starts_with(&format!("{l}/")))
                .unwrap_or(0) as u32,
            file: o.result.as_ref().ok().map(|s| FileInfo::from(&s.record)),
            error: o.result.as_ref().err().map(|e| IpcError::from(e.clone())),
        })
        .collect())
}
