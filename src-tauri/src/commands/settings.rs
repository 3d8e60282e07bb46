//! The settings page: upload settings, and agent profiles (add, edit,
//! delete, test that one starts).

use std::collections::BTreeMap;

use handoff_core::agent;
use tauri::State;

use crate::dto::{Profile, ProfileInput, SettingsView};
use crate::error::IpcError;
use crate::state::AppState;

/// Every setting.
#[tauri::command]
#[specta::specta]
pub fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, IpcError> {
    Ok(state.store()?.settings().load()?.into())
}

/// Sets one setting from text (`50 MB`, `keep-both`, `true`…), validated
/// by the core; a refused value changes nothing and says why.
#[tauri::command]
#[specta::specta]
pub fn set_setting(
    state: State<'_, AppState>,
    key: String,
    value: String,
) -> Result<SettingsView, IpcError> {
    Ok(state.store()?.settings().set(&key, &value)?.into())
}

/// Adds a custom agent profile, or changes the one with `input.id`.
#[tauri::command]
#[specta::specta]
pub fn save_profile(state: State<'_, AppState>, input: ProfileInput) -> Result<Profile, IpcError> {
    let name = input.name.trim();
    let command = input.command.trim();
    if name.is_empty() || command.is_empty() {
        return Err(IpcError::new(
            "invalidProfile",
            "a profile needs a name and a command",
        ));
    }
    let mut store = state.store()?;
    let taken = store.profiles().find(name)?;
    if taken.is_some_and(|p| Some(p.id) != input.id) {
        return Err(IpcError::new(
            "invalidProfile",
            format!("another agent profile is already called {name:?}"),
        ));
    }
    let args: Vec<String> = input.args.into_iter().filter(|a| !a.is_empty()).collect();
    let env: BTreeMap<String, String> = input
        .env
        .into_iter()
        .filter(|v| !v.name.trim().is_empty())
        .map(|v| (v.name.trim().to_owned(), v.value))
        .collect();
    let profile = match input.id {
        Some(id) => store
            .profiles()
            .update_custom(id, name, command, &args, &env)?,
        None => store.profiles().save_custom(name, command, &args, &env)?,
    };
    Ok(Profile::new(profile, &state.exe))
}

/// Deletes a custom agent profile; its sessions use the default agent.
#[tauri::command]
#[specta::specta]
pub fn delete_profile(state: State<'_, AppState>, profile_id: i64) -> Result<(), IpcError> {
    Ok(state.store()?.profiles().delete_custom(profile_id)?)
}

/// Starts a profile's agent in a scratch folder, opens an ACP session and
/// ends it; says what the agent called itself, or why it did not start.
#[tauri::command]
#[specta::specta]
pub async fn test_profile(state: State<'_, AppState>, profile_id: i64) -> Result<String, IpcError> {
    let profile = state.store()?.profiles().get(profile_id)?;
    let info = agent::probe(&state.agent_options(), &profile).await?;
    let images = if info.images {
        "takes images"
    } else {
        "text and links only"
    };
    Ok(format!("{} started and answered ({images}).", info.name))
}
