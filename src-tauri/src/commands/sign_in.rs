//! Signing in to an agent from the app: the ways it offers, and asking it
//! to sign in one of them.

use std::time::Duration;

use handoff_core::agent::{AuthMethod, SignIn};
use handoff_core::api::{ApiError, profiles};
use handoff_core::store;
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::state::AppState;

/// How long a person may take to finish signing in (in a browser).
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(600);

/// One way to sign in, as the page shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignInWay {
    /// The method's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it does, when the agent says.
    pub description: Option<String>,
    /// What the person does.
    pub how: SignInHow,
}

/// What the person does to sign in one way.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SignInHow {
    /// Run this command in a terminal (the agent's own login).
    Terminal {
        /// The command line, quoted for a shell.
        command: String,
    },
    /// Put a key in the profile's environment, then sign in.
    ApiKey {
        /// The variable.
        variable: String,
        /// Whether the profile has it already.
        present: bool,
    },
    /// Ask the agent to sign in; it may open a browser.
    Agent,
}

impl SignInWay {
    /// How the page shows one of a profile's ways.
    fn of(m: AuthMethod, profile: &store::AgentProfile) -> Self {
        Self {
            how: match m.how {
                SignIn::Terminal { .. } => SignInHow::Terminal {
                    command: m.how.command_text().unwrap_or_default(),
                },
                SignIn::ApiKey { variable } => SignInHow::ApiKey {
                    present: profile.env.contains_key(&variable),
                    variable,
                },
                SignIn::Agent => SignInHow::Agent,
            },
            id: m.id,
            name: m.name,
            description: m.description,
        }
    }
}

/// The agent's ways to sign in, and whether it is ready already.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignInWays {
    /// The agent started and opened a session (it may still need a sign-in
    /// for its first prompt).
    pub ready: bool,
    /// The ways it offers.
    pub ways: Vec<SignInWay>,
}

async fn find(state: &AppState, name: String) -> Result<store::AgentProfile, ApiError> {
    state
        .run(move |ctx| profiles::named(&mut ctx.store()?, &name))
        .await
}

/// Starts the profile (named `profile`)'s agent and lists the ways it
/// offers to sign in.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn sign_in_ways(
    state: State<'_, AppState>,
    profile: String,
) -> Result<SignInWays, ApiError> {
    let profile = find(&state, profile).await?;
    let found = profiles::sign_in_ways(&state.ctx, &profile, None).await?;
    Ok(SignInWays {
        ready: found.ready,
        ways: found
            .methods
            .into_iter()
            .map(|m| SignInWay::of(m, &profile))
            .collect(),
    })
}

/// Asks the profile's agent to sign in with `method_id` (it may open a
/// browser and wait for the person), then checks that it starts.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "warn", Debug))]
pub async fn sign_in(
    state: State<'_, AppState>,
    profile: String,
    method_id: String,
) -> Result<String, ApiError> {
    let profile = find(&state, profile).await?;
    let info = profiles::sign_in(&state.ctx, &profile, &method_id, SIGN_IN_TIMEOUT).await?;
    Ok(format!("{} is signed in and ready.", info.name))
}
