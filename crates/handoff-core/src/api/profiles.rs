//! Agent profiles: how each agent is started, and whether it can be.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{ApiError, Context};
use crate::Store;
use crate::agent::{self, AgentError, AgentInfo, AuthMethod, launch};
use crate::store::AgentProfile;

/// A profile and why it cannot start, if so.
#[derive(Debug, Clone)]
pub struct ProfileStatus {
    /// The profile.
    pub profile: AgentProfile,
    /// Why its agent cannot start (not installed, and how to install it).
    pub problem: Option<String>,
}

/// A custom profile as a person writes it (`id` absent for a new one).
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// The profile to change.
    pub id: Option<i64>,
    /// Its name (unique regardless of case).
    pub name: String,
    /// The program.
    pub command: String,
    /// Its arguments (blank ones dropped).
    pub args: Vec<String>,
    /// Its environment (blank names dropped).
    pub env: BTreeMap<String, String>,
}

/// Every profile, built-in ones first, with what keeps each from starting.
pub fn list(ctx: &Context) -> Result<Vec<ProfileStatus>, ApiError> {
    Ok(ctx
        .store()?
        .profiles()
        .list()?
        .into_iter()
        .map(|profile| ProfileStatus {
            problem: launch::resolve(&profile, &ctx.exe)
                .err()
                .map(|e| e.to_string()),
            profile,
        })
        .collect())
}

/// The profile called `name` (any case); not found names the known ones.
pub fn named(store: &mut Store, name: &str) -> Result<AgentProfile, ApiError> {
    if let Some(profile) = store.profiles().find(name.trim())? {
        return Ok(profile);
    }
    let known: Vec<String> = store
        .profiles()
        .list()?
        .into_iter()
        .map(|p| format!("{:?}", p.name))
        .collect();
    Err(ApiError::not_found(format!(
        "there is no agent profile called {name:?} (there are {})",
        known.join(", ")
    )))
}

/// Adds a custom profile, or changes the one with `input.id`; a name
/// another profile has (in any case) is refused.
pub fn save(ctx: &Context, input: ProfileInput) -> Result<AgentProfile, ApiError> {
    let name = input.name.trim();
    let command = input.command.trim();
    if name.is_empty() || command.is_empty() {
        return Err(ApiError::new(
            crate::ErrorKind::InvalidSetting,
            "a profile needs a name and a command",
        ));
    }
    let args: Vec<String> = input.args.into_iter().filter(|a| !a.is_empty()).collect();
    let env: BTreeMap<String, String> = input
        .env
        .into_iter()
        .filter(|(k, _)| !k.trim().is_empty())
        .map(|(k, v)| (k.trim().to_owned(), v))
        .collect();
    let mut store = ctx.store()?;
    if let Some(id) = input.id {
        return Ok(store
            .profiles()
            .update_custom(id, name, command, &args, &env)?);
    }
    match store.profiles().find(name)? {
        Some(taken) if taken.builtin => {
            return Err(crate::StoreError::BuiltinProfile { name: taken.name }.into());
        }
        Some(taken) => {
            return Err(crate::StoreError::ProfileNameTaken { name: taken.name }.into());
        }
        None => {}
    }
    Ok(store.profiles().save_custom(name, command, &args, &env)?)
}

/// A profile as the CLI's `agent add` writes it: a custom one is added or
/// changed (same name, any case); for a built-in one with its own command,
/// the environment is added to and the mode and settings set.
#[derive(Debug, Clone, Default)]
pub struct AddProfile {
    /// Name, command, arguments and environment.
    pub input: ProfileInput,
    /// The mode its sessions start in (blank: the agent's own).
    pub mode: Option<String>,
    /// Agent settings its sessions start with.
    pub options: BTreeMap<String, String>,
}

/// Adds or changes a profile as [`AddProfile`] says.
pub fn add(ctx: &Context, add: AddProfile) -> Result<AgentProfile, ApiError> {
    let mut store = ctx.store()?;
    let input = add.input;
    let builtin = store
        .profiles()
        .find(input.name.trim())?
        .filter(|p| p.builtin);
    let profile = match builtin {
        // A built-in profile keeps its command; its environment (a key, a
        // base URL) and mode are the person's to set.
        Some(builtin)
            if builtin.command == input.command.trim()
                && (input.args.is_empty() || input.args == builtin.args) =>
        {
            let mut env = builtin.env.clone();
            env.extend(input.env);
            store.profiles().set_env(builtin.id, &env)?;
            builtin
        }
        _ => {
            let existing = store.profiles().find(input.name.trim())?;
            save(
                ctx,
                ProfileInput {
                    id: existing.filter(|p| !p.builtin).map(|p| p.id),
                    ..input
                },
            )?
        }
    };
    let mode = add.mode.as_deref().map(str::trim).filter(|m| !m.is_empty());
    store.profiles().set_default_mode(profile.id, mode)?;
    if !add.options.is_empty() {
        store
            .profiles()
            .set_default_options(profile.id, &add.options)?;
    }
    Ok(store.profiles().get(profile.id)?)
}

/// Deletes a custom profile; its sessions use the default agent.
pub fn delete(ctx: &Context, profile_id: i64) -> Result<(), ApiError> {
    Ok(ctx.store()?.profiles().delete_custom(profile_id)?)
}

/// Starts the profile's agent in a scratch folder, opens an ACP session and
/// ends it: what the agent said of itself, or why it did not start.
pub async fn test(
    ctx: &Context,
    profile: &AgentProfile,
    timeout: Option<Duration>,
) -> Result<AgentInfo, AgentError> {
    agent::probe(&ctx.agent_options(timeout), profile).await
}

/// The ways an agent offers to sign in.
#[derive(Debug, Clone)]
pub struct SignInWays {
    /// The agent started and opened a session (it may still need a sign-in
    /// for its first prompt).
    pub ready: bool,
    /// The ways it offers.
    pub methods: Vec<AuthMethod>,
}

/// Starts the profile's agent and lists the ways it offers to sign in.
pub async fn sign_in_ways(
    ctx: &Context,
    profile: &AgentProfile,
    timeout: Option<Duration>,
) -> Result<SignInWays, ApiError> {
    match test(ctx, profile, timeout).await {
        Ok(info) => Ok(SignInWays {
            ready: true,
            methods: info.auth_methods,
        }),
        Err(AgentError::AuthRequired { methods, .. }) => Ok(SignInWays {
            ready: false,
            methods,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Asks the profile's agent to sign in with `method_id` (it may open a
/// browser and wait for the person), then checks that it starts.
pub async fn sign_in(
    ctx: &Context,
    profile: &AgentProfile,
    method_id: &str,
    timeout: Duration,
) -> Result<AgentInfo, ApiError> {
    Ok(agent::sign_in(&ctx.agent_options(Some(timeout)), profile, method_id).await?)
}
