//! How to run each real coding agent against a [`MockModel`](crate::MockModel):
//! its command, arguments, environment and the files its home needs, all
//! inside one scratch folder, with no traffic beyond 127.0.0.1.

use std::path::{Path, PathBuf};

/// One agent, set up to talk to the mock.
#[derive(Debug, Clone)]
pub struct AgentSetup {
    /// A name for it (also the Handoff profile's name in tests).
    pub name: &'static str,
    /// Its program, relative to the `node_modules` it is installed in
    /// (two adapters are both called `codex-acp`, so not `.bin`).
    pub program: &'static str,
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

/// Claude Code's ACP adapter, in `node_modules`.
pub const CLAUDE: &str = "@agentclientprotocol/claude-agent-acp/dist/index.js";
/// The Codex ACP adapter the README recommends, in `node_modules`.
pub const CODEX: &str = "@agentclientprotocol/codex-acp/dist/index.js";
/// Zed's Codex ACP adapter (a native program), in `node_modules`.
pub const ZED_CODEX: &str = "@zed-industries/codex-acp/bin/codex-acp.js";
/// Gemini CLI, in `node_modules`.
pub const GEMINI: &str = "@google/gemini-cli/bundle/gemini.js";

/// Claude Code through its ACP adapter, with the mock at `url`.
#[must_use]
pub fn claude(url: &str) -> AgentSetup {
    AgentSetup {
        name: "interop-claude",
        program: CLAUDE,
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
        program: CODEX,
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

/// Codex through Zed's adapter, with the mock at `url` given on its
/// command line and its home in `root/zed-codex-home`.
#[must_use]
pub fn zed_codex(url: &str, root: &Path) -> AgentSetup {
    let config = [
        "model_provider=\"mock\"".to_owned(),
        "model_providers.mock.name=\"mock\"".to_owned(),
        format!("model_providers.mock.base_url=\"{url}/v1\""),
        "model_providers.mock.wire_api=\"responses\"".to_owned(),
        "model_providers.mock.env_key=\"MOCK_API_KEY\"".to_owned(),
        "model=\"gpt-5.4\"".to_owned(),
    ];
    AgentSetup {
        name: "interop-zed-codex",
        program: ZED_CODEX,
        args: config
            .into_iter()
            .flat_map(|c| ["-c".to_owned(), c])
            .collect(),
        env: vec![
            format!("CODEX_HOME={}", root.join("zed-codex-home").display()),
            "MOCK_API_KEY=mock-key".into(),
        ],
        mode: None,
        files: vec![("zed-codex-home/.keep".into(), String::new())],
        reports_tool_calls: true,
    }
}

/// Gemini CLI in ACP mode, with the mock at `url`; `home` is its `HOME`
/// relative to the scratch folder.
#[must_use]
pub fn gemini(url: &str, home: &str) -> AgentSetup {
    AgentSetup {
        name: "interop-gemini",
        program: GEMINI,
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

/// Where an agent's `program` is: under `$HANDOFF_INTEROP_AGENTS` when set
/// and not empty (another checkout's `tests/agents/node_modules`), else
/// under `node_modules`.
#[must_use]
pub fn program_path(program: &str, node_modules: &Path) -> PathBuf {
    std::env::var_os("HANDOFF_INTEROP_AGENTS")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| node_modules.to_owned(), PathBuf::from)
        .join(program)
}
