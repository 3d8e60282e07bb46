//! Session modes (ACP `session/set_mode`): what an agent offers in
//! `session/new`, and the one the person asked for, matched by id or name.

use agent_client_protocol::v1::schema::SessionModeState;
use serde::Serialize;

use super::AgentError;

/// A mode an agent offers ("default", "plan", "auto"…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mode {
    /// The agent's id for it, sent in `session/set_mode`.
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// What it does, in the agent's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The modes an agent offers and the one its session is in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Modes {
    /// Every mode offered, in the agent's order.
    pub available: Vec<Mode>,
    /// The id of the mode the session is in, when the agent has modes.
    pub current: Option<String>,
}

impl Modes {
    /// Reads the mode state of a `session/new` answer.
    #[must_use]
    pub fn from_state(state: Option<&SessionModeState>) -> Self {
        let Some(state) = state else {
            return Self::default();
        };
        Self {
            available: state
                .available_modes
                .iter()
                .map(|m| Mode {
                    id: m.id.0.to_string(),
                    name: m.name.clone(),
                    description: m.description.clone(),
                })
                .collect(),
            current: Some(state.current_mode_id.0.to_string()),
        }
    }

    /// The id of the mode `asked` names (its id or name, any case), or an
    /// error listing what the agent offers.
    pub fn find(&self, asked: &str, agent: &str) -> Result<&Mode, AgentError> {
        let asked = asked.trim();
        self.available
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(asked))
            .or_else(|| {
                self.available
                    .iter()
                    .find(|m| m.name.eq_ignore_ascii_case(asked))
            })
            .ok_or_else(|| AgentError::UnknownMode {
                agent: agent.to_owned(),
                asked: asked.to_owned(),
                offered: self.available.iter().map(|m| m.id.clone()).collect(),
            })
    }

    /// The name of the current mode, for people.
    #[must_use]
    pub fn current_name(&self) -> Option<&str> {
        let current = self.current.as_deref()?;
        Some(
            self.available
                .iter()
                .find(|m| m.id == current)
                .map_or(current, |m| m.name.as_str()),
        )
    }
}

#[cfg(test)]
mod tests {
    use agent_client_protocol::v1::schema::SessionMode;

    use super::*;

    fn modes() -> Modes {
        Modes::from_state(Some(&SessionModeState::new(
            "auto",
            vec![
                SessionMode::new("auto", "Auto"),
                SessionMode::new("default", "Always ask"),
            ],
        )))
    }

    #[test]
    fn finds_a_mode_by_id_or_name_in_any_case() {
        let modes = modes();
        assert_eq!(modes.find("DEFAULT", "A").unwrap().id, "default");
        assert_eq!(modes.find("always ask", "A").unwrap().id, "default");
        assert_eq!(modes.current_name(), Some("Auto"));
    }

    #[test]
    fn an_unknown_mode_lists_what_is_offered() {
        let err = modes().find("yolo", "Claude").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Claude has no mode \"yolo\"; it offers: auto, default"
        );
    }
}
