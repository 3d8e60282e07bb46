//! Person → agent: describing dropped files, reading the clipboard, picking
//! files, and uploading them.

use std::sync::Arc;

use handoff_core::Destination;
use handoff_core::api::ApiError;
use handoff_core::api::uploads;
use handoff_core::ingest::Progress;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::clipboard::{self, Clip};
use crate::dto::{
    ClipboardContent, Destinations, OfferedFile, UploadProgress, UploadRequest, UploadResult,
};
use crate::state::AppState;

/// Where each destination resolves for a session.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn destinations(
    state: State<'_, AppState>,
    session_id: i64,
) -> Result<Destinations, ApiError> {
    state
        .run(move |ctx| uploads::destinations(ctx, session_id).map(Into::into))
        .await
}

/// Which of the names are taken in the destination (a recorded file holds each).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn taken_names(
    state: State<'_, AppState>,
    session_id: i64,
    destination: Destination,
    names: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    state
        .run(move |ctx| uploads::taken(ctx, session_id, destination, &names))
        .await
}

/// Describes dropped or picked paths for the upload dialog (a folder is
/// walked, off the window's thread).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn describe_paths(
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> Result<Vec<OfferedFile>, ApiError> {
    let described = state
        .run(move |_| {
            Ok(paths
                .iter()
                .map(|p| uploads::describe(p.as_ref()))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(described
        .into_iter()
        .map(|o| OfferedFile::new(state.offer(o.path.clone()), o))
        .collect())
}

/// Asks for files with the native picker and describes them.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(level = "warn", Debug))]
pub async fn pick_files(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Vec<OfferedFile>, ApiError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Attach files")
        .pick_files(move |files| {
            let paths: Vec<String> = files
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.into_path().ok())
                .map(|p| p.display().to_string())
                .collect();
            let _ = tx.send(paths);
        });
    describe_paths(state, rx.await.unwrap_or_default()).await
}

/// Reads the system clipboard (the page calls this when a paste carried no
/// file). An image is held in Rust until uploaded.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(level = "warn", Debug))]
pub async fn read_clipboard(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<ClipboardContent, ApiError> {
    let (clip, name) = clipboard::read_on_main_thread(&app).await?;
    Ok(match clip {
        Clip::Image(bytes) => ClipboardContent::Image {
            size: bytes.len() as u64,
            paste_id: state.hold_paste(name.clone(), Arc::from(bytes)),
            name,
        },
        Clip::Files(paths) => ClipboardContent::Files {
            paths: paths.iter().map(|p| p.display().to_string()).collect(),
        },
        Clip::Nothing => ClipboardContent::Nothing,
    })
}

/// Uploads a batch into a session and records it in the conversation.
/// Progress streams over `progress`, naming each file's source; each file
/// gets its own outcome.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(level = "warn", Debug))]
pub async fn upload_files(
    state: State<'_, AppState>,
    request: UploadRequest,
    progress: Channel<UploadProgress>,
) -> Result<UploadResult, ApiError> {
    let core = request.to_core(state.sources(&request.sources)?)?;
    let mut throttle = UploadProgress::throttle(progress);
    let uploaded = state
        .run(move |ctx| uploads::upload(ctx, core, &mut |p: &Progress| throttle(p)))
        .await;
    state.release_pastes(&request.sources);
    UploadResult::try_from(uploaded?)
}
