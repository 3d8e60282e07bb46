//! Share links: share a recorded file, list and revoke shares, test the
//! storage, keep its access key.

use handoff_core::api::{ApiError, shares};
use handoff_core::share::{self, AccessKey, KeptIn};
use tauri::{AppHandle, State};

use crate::dto::ShareInfo;
use crate::state::AppState;

/// Shares file `file_id` for `expires` (`1h`, `24h`, `7d`), end-to-end
/// encrypted or not (the choice is remembered for next time).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn share_file(
    state: State<'_, AppState>,
    file_id: i64,
    expires: String,
    encrypt: bool,
) -> Result<ShareInfo, ApiError> {
    let record = super::files::shown(&state, file_id).await?;
    state
        .run(move |ctx| {
            let life = share::parse_expiry(&expires)?;
            ctx.store()?
                .settings()
                .set("share_encrypt", &encrypt.to_string())?;
            let made = shares::share(ctx, record.id, life, encrypt, &|_| {})?;
            Ok(ShareInfo::of(
                made,
                record.filename,
                handoff_core::clock::now(),
            ))
        })
        .await
}

/// Every share, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn list_shares(state: State<'_, AppState>) -> Result<Vec<ShareInfo>, ApiError> {
    state
        .run(|ctx| {
            let now = handoff_core::clock::now();
            Ok(shares::list(ctx)?
                .into_iter()
                .map(|l| ShareInfo::of(l.share, l.filename, now))
                .collect())
        })
        .await
}

/// Revokes share `share_id`: its object is deleted, its link stops at once.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn revoke_share(
    state: State<'_, AppState>,
    share_id: i64,
) -> Result<ShareInfo, ApiError> {
    state
        .run(move |ctx| {
            let revoked = shares::revoke(ctx, share_id)?;
            let name = handoff_core::api::files::get(ctx, revoked.file_id)
                .map_or_else(|_| format!("file {}", revoked.file_id), |f| f.filename);
            Ok(ShareInfo::of(revoked, name, handoff_core::clock::now()))
        })
        .await
}

/// Checks the storage the settings name; what works, or what does not.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn test_share_storage(state: State<'_, AppState>) -> Result<String, ApiError> {
    state.run(shares::test_connection).await
}

/// Keeps the storage's access key (in the OS keyring, else a private file).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, secret), err(level = "warn", Debug))]
pub async fn save_share_key(
    state: State<'_, AppState>,
    key_id: String,
    secret: String,
) -> Result<KeptIn, ApiError> {
    state
        .run(move |ctx| {
            shares::save_key(
                ctx,
                &AccessKey {
                    id: key_id.trim().to_owned(),
                    secret,
                },
            )
        })
        .await
}

/// Puts a share's link (or any text) on the clipboard.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, text), err(level = "warn", Debug))]
pub async fn copy_text(app: AppHandle, text: String) -> Result<(), ApiError> {
    crate::clipboard::write_on_main_thread(&app, text).await
}
