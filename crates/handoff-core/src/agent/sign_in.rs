//! Signing in to an agent: the ways it offers (ACP `authMethods`) and what a
//! person does for each — run the agent's own login in a terminal, put an
//! API key in the profile, or let the agent sign in itself (it opens a
//! browser) when Handoff calls `authenticate`.

pub use crate::words::agent::{AuthMethod, SignIn};
use agent_client_protocol::v1::schema::AuthMethod as AcpAuthMethod;
use serde_json::{Map, Value};

impl SignIn {
    /// A terminal method's command line, quoted as a shell needs it.
    #[must_use]
    pub fn command_text(&self) -> Option<String> {
        match self {
            Self::Terminal { command, .. } => Some(
                command
                    .iter()
                    .map(|a| quoted(a))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        }
    }
}

impl AuthMethod {
    /// The method as the agent offered it. `agent_command` is the profile's
    /// program and arguments, which terminal methods run with theirs added.
    #[must_use]
    pub fn from_acp(method: &AcpAuthMethod, agent_command: &[String]) -> Self {
        match method {
            AcpAuthMethod::Terminal(m) => {
                let command = terminal_meta(m.meta.as_ref())
                    .unwrap_or_else(|| agent_command.iter().chain(&m.args).cloned().collect());
                Self {
                    id: m.id.0.to_string(),
                    name: m.name.clone(),
                    description: m.description.clone(),
                    how: SignIn::Terminal {
                        command,
                        env: m.env.clone().into_iter().collect(),
                    },
                }
            }
            AcpAuthMethod::Agent(m) => Self {
                id: m.id.0.to_string(),
                name: m.name.clone(),
                description: m.description.clone(),
                how: api_key_variable(m.meta.as_ref())
                    .map_or(SignIn::Agent, |variable| SignIn::ApiKey { variable }),
            },
            _ => Self {
                id: String::new(),
                name: "a way Handoff does not know".to_owned(),
                description: None,
                how: SignIn::Agent,
            },
        }
    }

    /// What the person does, in one line, for the profile named `profile`.
    #[must_use]
    pub fn instruction(&self, profile: &str) -> String {
        let login = format!("handoff agent login {} {}", quoted(profile), self.id);
        match &self.how {
            SignIn::Terminal { .. } => format!(
                "run `{login}` (it runs `{}` in your terminal)",
                self.how.command_text().unwrap_or_default()
            ),
            SignIn::ApiKey { variable } => format!(
                "put your key in the profile's environment as {variable} \
                 (`handoff agent add {} --command … --env {variable}=…` with the \
                 profile's command), then run `{login}`",
                quoted(profile)
            ),
            SignIn::Agent => format!(
                "run `{login}` (the agent signs you in itself, in your browser if it needs one)"
            ),
        }
    }
}

/// The command of a terminal method's `_meta["terminal-auth"]`, which
/// names the program in full.
fn terminal_meta(meta: Option<&Map<String, Value>>) -> Option<Vec<String>> {
    let auth = meta?.get("terminal-auth")?;
    let mut command = vec![auth.get("command")?.as_str()?.to_owned()];
    if let Some(args) = auth.get("args").and_then(Value::as_array) {
        command.extend(args.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    Some(command)
}

/// The variable an API-key method reads, from the provider in its
/// `_meta["api-key"]`.
fn api_key_variable(meta: Option<&Map<String, Value>>) -> Option<String> {
    let provider = meta?.get("api-key")?.get("provider")?.as_str()?;
    Some(
        match provider {
            "openai" => "OPENAI_API_KEY",
            "google" | "gemini" => "GEMINI_API_KEY",
            "anthropic" => "ANTHROPIC_API_KEY",
            other => return Some(format!("{}_API_KEY", other.to_ascii_uppercase())),
        }
        .to_owned(),
    )
}

/// `name` as a shell word.
fn quoted(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn parse(json: Value) -> AcpAuthMethod {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn terminal_methods_run_the_command_the_agent_names() {
        let method = parse(serde_json::json!({
            "id": "console-login", "name": "Anthropic Console", "type": "terminal",
            "args": ["--cli", "auth", "login", "--console"],
            "_meta": {"terminal-auth": {"command": "/usr/bin/node",
                "args": ["/opt/claude/index.js", "--cli", "auth", "login", "--console"]}}
        }));
        let method = AuthMethod::from_acp(&method, &["/bin/claude-agent-acp".to_owned()]);
        assert_eq!(
            method.how,
            SignIn::Terminal {
                command: [
                    "/usr/bin/node",
                    "/opt/claude/index.js",
                    "--cli",
                    "auth",
                    "login",
                    "--console"
                ]
                .map(str::to_owned)
                .to_vec(),
                env: BTreeMap::new()
            }
        );
        assert_eq!(
            method.instruction("My Claude"),
            "run `handoff agent login 'My Claude' console-login` (it runs \
             `/usr/bin/node /opt/claude/index.js --cli auth login --console` in your terminal)"
        );
        // Without the full command, the profile's program runs with the args.
        let bare = parse(serde_json::json!({
            "id": "login", "name": "Log in", "type": "terminal", "args": ["--login"]
        }));
        let bare = AuthMethod::from_acp(&bare, &["/bin/agent".to_owned(), "--acp".to_owned()]);
        assert!(
            matches!(&bare.how, SignIn::Terminal { command, .. } if command == &["/bin/agent", "--acp", "--login"])
        );
    }

    #[test]
    fn api_key_methods_name_the_variable_and_others_sign_in_themselves() {
        let key = parse(serde_json::json!({
            "id": "api-key", "name": "API Key", "_meta": {"api-key": {"provider": "openai"}}
        }));
        let key = AuthMethod::from_acp(&key, &[]);
        assert_eq!(
            key.how,
            SignIn::ApiKey {
                variable: "OPENAI_API_KEY".to_owned()
            }
        );
        assert!(key.instruction("codex").contains("as OPENAI_API_KEY"));
        let browser =
            parse(serde_json::json!({"id": "oauth-personal", "name": "Log in with Google"}));
        let browser = AuthMethod::from_acp(&browser, &[]);
        assert_eq!(browser.how, SignIn::Agent);
        assert_eq!(
            browser.instruction("gemini"),
            "run `handoff agent login gemini oauth-personal` (the agent signs you in itself, in your browser if it needs one)"
        );
    }
}
