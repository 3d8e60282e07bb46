//! What an agent's conversation lines name: its ways to sign in, the
//! choices of a permission request, a picture as it went inline. The
//! behaviour (reading them from ACP, fitting pictures) is in [`crate::agent`].

use std::collections::BTreeMap;

use serde::Serialize;

/// A way the agent offers to sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuthMethod {
    /// The method's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it does, when the agent says.
    pub description: Option<String>,
    /// What the person does.
    pub how: SignIn,
}

/// What a person does to sign in one way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SignIn {
    /// Run the agent's own login in a terminal.
    #[serde(rename_all = "camelCase")]
    Terminal {
        /// The program and its arguments.
        command: Vec<String>,
        /// Variables to set for it.
        env: BTreeMap<String, String>,
    },
    /// Put an API key in the profile's environment.
    #[serde(rename_all = "camelCase")]
    ApiKey {
        /// The variable the agent reads it from.
        variable: String,
    },
    /// Handoff asks the agent to sign in (`authenticate`); the agent does
    /// the rest, usually in a browser.
    Agent,
}

/// One choice of a permission request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
pub struct PermissionChoice {
    /// The option's id.
    pub id: String,
    /// Its label.
    pub name: String,
    /// Whether choosing it allows the action.
    pub allow: bool,
}

/// What went inline, for the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its type.
    pub mime: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The file's width and height, when the copy is scaled down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaled_from: Option<[u32; 2]>,
    /// The file's type, when the copy is in another format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_from: Option<String>,
}
