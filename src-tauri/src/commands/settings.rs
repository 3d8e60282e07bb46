//! The settings page: upload settings, and agent profiles (add, edit,
//! delete, test that one starts).

use handoff_core::api::{ApiError, profiles};
use tauri::State;

use crate::dto::{Profile, ProfileInput, SettingsView};
use crate::state::AppState;

/// Every setting.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, ApiError> {
    state
        .run(|ctx| Ok(ctx.store()?.settings().load()?.into()))
        .await
}

/// Sets one setting from text (`50 MB`, `keep-both`, `true`…), validated
/// by the core; a refused value changes nothing and says why.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn set_setting(
    state: State<'_, AppState>,
    key: String,
    value: String,
) -> Result<SettingsView, ApiError> {
    state
        .run(move |ctx| Ok(ctx.store()?.settings().set(&key, &value)?.into()))
        .await
}

/// Adds a custom agent profile, or changes the one with `input.id`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, input), err(level = "warn", Debug))]
pub async fn save_profile(
    state: State<'_, AppState>,
    input: ProfileInput,
) -> Result<Profile, ApiError> {
    state
        .run(move |ctx| {
            let profile = profiles::save(ctx, input.into())?;
            Ok(Profile::of(profile, &ctx.exe))
        })
        .await
}

/// Deletes a custom agent profile; its sessions use the default agent.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn delete_profile(state: State<'_, AppState>, profile_id: i64) -> Result<(), ApiError> {
    state
        .run(move |ctx| profiles::delete(ctx, profile_id))
        .await
}

/// Starts a profile's agent in a scratch folder, opens an ACP session and
/// ends it; says what the agent called itself, or why it did not start.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn test_profile(state: State<'_, AppState>, profile_id: i64) -> Result<String, ApiError> {
    let profile = state
        .run(move |ctx| Ok(ctx.store()?.profiles().get(profile_id)?))
        .await?;
    let info = profiles::test(&state.ctx, &profile, None).await?;
    let images = if info.images {
        "takes images"
    } else {
        "text and links only"
    };
    Ok(format!("{} started and answered ({images}).", info.name))
}
