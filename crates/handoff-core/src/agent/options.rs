//! Session config options (ACP `configOptions`, `session/set_config_option`):
//! the model, reasoning effort and other settings an agent offers for a
//! session, and the values a person asked for, matched by id or name.

use std::collections::BTreeMap;

use agent_client_protocol::v1::schema::{
    SessionConfigKind, SessionConfigOption, SessionConfigOptionCategory, SessionConfigOptionValue,
    SessionConfigSelectOptions,
};
use serde::Serialize;

use super::AgentError;

/// The values asked for, by option id (or name): `model` → `sonnet`.
pub type Choices = BTreeMap<String, String>;

/// One setting an agent offers for its sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigOption {
    /// The agent's id for it (`model`).
    pub id: String,
    /// Its name, for people (`Model`).
    pub name: String,
    /// What it does, in the agent's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What kind of setting it is: `mode`, `model`, `thought_level`,
    /// `model_config` or the agent's own word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The value it has now.
    pub current: String,
    /// The values it takes (`true` and `false` for an on/off setting).
    pub values: Vec<OptionValue>,
    /// Whether it is an on/off setting.
    pub boolean: bool,
}

/// One value of a setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionValue {
    /// The agent's id for it.
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// What it means, in the agent's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Reads the config options of a `session/new` (or update) answer.
#[must_use]
pub fn from_acp(options: &[SessionConfigOption]) -> Vec<ConfigOption> {
    options.iter().filter_map(read).collect()
}

fn read(option: &SessionConfigOption) -> Option<ConfigOption> {
    let (current, values, boolean) = match &option.kind {
        SessionConfigKind::Select(select) => {
            let values = match &select.options {
                SessionConfigSelectOptions::Ungrouped(values) => values.clone(),
                SessionConfigSelectOptions::Grouped(groups) => {
                    groups.iter().flat_map(|g| g.options.clone()).collect()
                }
                _ => Vec::new(),
            };
            let values = values
                .into_iter()
                .map(|v| OptionValue {
                    id: v.value.0.to_string(),
                    name: v.name,
                    description: v.description,
                })
                .collect();
            (select.current_value.0.to_string(), values, false)
        }
        SessionConfigKind::Boolean(flag) => {
            let values = [("true", "On"), ("false", "Off")]
                .map(|(id, name)| OptionValue {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    description: None,
                })
                .to_vec();
            (flag.current_value.to_string(), values, true)
        }
        _ => return None,
    };
    Some(ConfigOption {
        id: option.id.0.to_string(),
        name: option.name.clone(),
        description: option.description.clone(),
        category: option.category.as_ref().map(category_name),
        current,
        values,
        boolean,
    })
}

fn category_name(category: &SessionConfigOptionCategory) -> String {
    match category {
        SessionConfigOptionCategory::Mode => "mode".to_owned(),
        SessionConfigOptionCategory::Model => "model".to_owned(),
        SessionConfigOptionCategory::ModelConfig => "model_config".to_owned(),
        SessionConfigOptionCategory::ThoughtLevel => "thought_level".to_owned(),
        SessionConfigOptionCategory::Other(other) => other.clone(),
        _ => "other".to_owned(),
    }
}

/// The option `key` names (its id or name, any case) and the value `value`
/// names among its values (id or name; on/off/yes/no for an on/off
/// setting), ready to send; or an error saying what the agent offers.
pub fn resolve(
    options: &[ConfigOption],
    key: &str,
    value: &str,
    agent: &str,
) -> Result<(String, SessionConfigOptionValue), AgentError> {
    let (key, value) = (key.trim(), value.trim());
    let option = options
        .iter()
        .find(|o| o.id.eq_ignore_ascii_case(key))
        .or_else(|| options.iter().find(|o| o.name.eq_ignore_ascii_case(key)))
        .ok_or_else(|| AgentError::BadOption {
            message: format!(
                "{agent} has no setting {key:?}; it offers: {}",
                list(options.iter().map(|o| o.id.as_str()))
            ),
        })?;
    if option.boolean {
        let on = match value.to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => true,
            "false" | "off" | "no" | "0" => false,
            _ => {
                return Err(AgentError::BadOption {
                    message: format!("{agent}'s {} is on or off, not {value:?}", option.name),
                });
            }
        };
        return Ok((option.id.clone(), SessionConfigOptionValue::boolean(on)));
    }
    let chosen = option
        .values
        .iter()
        .find(|v| v.id.eq_ignore_ascii_case(value))
        .or_else(|| {
            option
                .values
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case(value))
        })
        .ok_or_else(|| AgentError::BadOption {
            message: format!(
                "{agent}'s {} has no value {value:?}; it takes: {}",
                option.name,
                list(option.values.iter().map(|v| v.id.as_str()))
            ),
        })?;
    Ok((
        option.id.clone(),
        SessionConfigOptionValue::value_id(chosen.id.clone()),
    ))
}

/// A value as it is remembered for a session: the value's id, or `true` /
/// `false` for an on/off setting.
#[must_use]
pub fn value_text(value: &SessionConfigOptionValue) -> String {
    match value {
        SessionConfigOptionValue::Boolean { value } => value.to_string(),
        other => other
            .as_value_id()
            .map(|v| v.0.to_string())
            .unwrap_or_default(),
    }
}

/// Parses `KEY=VALUE` pairs (from the command line).
pub fn parse_pairs(pairs: &[String]) -> Result<Choices, String> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .ok_or_else(|| format!("{pair:?} is not SETTING=VALUE (e.g. model=sonnet)"))
        })
        .collect()
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    if items.is_empty() {
        "nothing".to_owned()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use agent_client_protocol::v1::schema::SessionConfigSelectOption;

    use super::*;

    fn options() -> Vec<ConfigOption> {
        from_acp(&[
            SessionConfigOption::select(
                "model",
                "Model",
                "default",
                vec![
                    SessionConfigSelectOption::new("default", "Default"),
                    SessionConfigSelectOption::new("haiku", "Haiku 4.5"),
                ],
            )
            .category(SessionConfigOptionCategory::Model),
            SessionConfigOption::boolean("fast", "Fast mode", false),
        ])
    }

    #[test]
    fn reads_selects_and_switches() {
        let options = options();
        assert_eq!(options[0].category.as_deref(), Some("model"));
        assert_eq!(options[0].values[1].name, "Haiku 4.5");
        assert!(options[1].boolean);
        assert_eq!(options[1].current, "false");
    }

    #[test]
    fn resolves_by_id_or_name_and_says_what_is_offered() {
        let options = options();
        let (id, value) = resolve(&options, "MODEL", "haiku 4.5", "Claude").unwrap();
        assert_eq!(
            (id.as_str(), value),
            ("model", SessionConfigOptionValue::value_id("haiku"))
        );
        let (_, on) = resolve(&options, "Fast mode", "on", "Claude").unwrap();
        assert_eq!(on, SessionConfigOptionValue::boolean(true));
        assert_eq!(
            resolve(&options, "modl", "x", "Claude")
                .unwrap_err()
                .to_string(),
            "Claude has no setting \"modl\"; it offers: model, fast"
        );
        assert_eq!(
            resolve(&options, "model", "gpt", "Claude")
                .unwrap_err()
                .to_string(),
            "Claude's Model has no value \"gpt\"; it takes: default, haiku"
        );
        assert!(parse_pairs(&["model".to_owned()]).is_err());
        assert_eq!(
            parse_pairs(&["model = haiku".to_owned()]).unwrap()["model"],
            "haiku"
        );
    }
}
