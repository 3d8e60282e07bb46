//! How to run each real coding agent against a [`MockModel`](crate::MockModel):
//! its command, arguments, environment and the files its home needs, all
//! inside one scratch folder, with no traffic beyond 127.0.0.1.

use std::path::{Path, PathBuf};

/// One agent, set up to talk to the mock.
#[derive(Debug, Clone)]
pub struct AgentSetup {
    /// A name for it (also the Handoff profile's name in tests).
    pub name: &'static str,
    /// Its command under `node_modules/.bin`.
    pub bin: &'static str,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment, `KEY=VALUE`.
    pub env: Vec<String>,
    /// The session mode to ask for: one that asks the person before each
    /// tool call, instead of a mode that sends tool calls to a second model.
    pub mode: Option<&'static str>,
    /// Files to write first, relative to the scratch folder.
    pub files: Vec<(String, String)>,
    /// Whether the agent reports its MCP tool calls as `tool_call` updates.
    pub reports_tool_calls: bool,
}

impl AgentSetup {
    /// Writes the set-up's files under `root`.
    pub fn write_files(&self, root: &Path) -> std::io::Result<()> {
        for (relative, text) in &self.files {
            let path = root.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        Ok(())
    }

    /// The environment as pairs.
    #[must_use]
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

/// Claude Code through its ACP adapter, with the mock at `url`.
#[must_use]
pub fn claude(url: &str) -> AgentSetup {
    AgentSetup {
        name: "interop-claude",
        bin: "claude-agent-acp",
        args: vec![],
        env: vec![
            format!("ANTHROPIC_BASE_URL={url}"),
            "ANTHROPIC_API_KEY=mock-key".into(),
            "ENABLE_TOOL_SEARCH=false".into(),
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1".into(),
            "DISABLE_AUTOUPDATER=1".into(),
            "IS_SANDBOX=1".into(),
        ],
        // Instead of "auto", which sends each tool call to a classifier.
        mode: Some("default"),
        files: vec![],
        reports_tool_calls: true,
    }
}

/// Codex through `@agentclientprotocol/codex-acp`, with the mock at `url`
/// and its home in `root/codex-home`.
#[must_use]
pub fn codex(url: &str, root: &Path) -> AgentSetup {
    // A model Codex has no metadata for: it says so in a first chunk, but
    // offers MCP tools directly (with gpt-5.5 they sit behind tool search).
    let config = format!(
        "model = \"gpt-5.4\"\nmodel_provider = \"mock\"\n\n\
         [model_providers.mock]\nname = \"mock\"\n\
         base_url = \"{url}/v1\"\nwire_api = \"responses\"\nenv_key = \"MOCK_API_KEY\"\n"
    );
    AgentSetup {
        name: "interop-codex",
        bin: "codex-acp",
        args: vec![],
        env: vec![
            format!("CODEX_HOME={}", root.join("codex-home").display()),
            "MOCK_API_KEY=mock-key".into(),
        ],
        // Instead of "Auto review", which sends each tool call to a reviewer.
        mode: Some("workspace-write"),
        files: vec![("codex-home/config.toml".into(), config)],
        reports_tool_calls: true,
    }
}

/// Gemini CLI in ACP mode, with the mock at `url`; `home` is its `HOME`
/// relative to the scratch folder.
#[must_use]
pub fn gemini(url: &str, home: &str) -> AgentSetup {
    AgentSetup {
        name: "interop-gemini",
        bin: "gemini",
        args: vec!["--acp".into(), "-m".into(), "gemini-2.5-pro".into()],
        env: vec![
            format!("GOOGLE_GEMINI_BASE_URL={url}"),
            "GEMINI_API_KEY=mock-key".into(),
            "GEMINI_CLI_TRUST_WORKSPACE=true".into(),
        ],
        mode: None,
        files: vec![(
            format!("{home}/.gemini/settings.json"),
            r#"{"privacy":{"usageStatisticsEnabled":false},"telemetry":{"enabled":false}}"#.into(),
        )],
        // Gemini CLI sends no tool_call updates for MCP tools through ACP.
        reports_tool_calls: false,
    }
}

/// Where an agent's command is: under `$HANDOFF_INTEROP_AGENTS` when set
/// (another checkout's `node_modules/.bin`), else under `default_dir`.
#[must_use]
pub fn bin_path(name: &str, default_dir: &Path) -> PathBuf {
    std::env::var_os("HANDOFF_INTEROP_AGENTS")
        .map_or_else(|| default_dir.to_owned(), PathBuf::from)
        .join(name)
}
