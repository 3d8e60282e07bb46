//! Turning an agent profile into a process: where its program is, how to
//! install it when it is not, and the small step that starts it in the
//! worktree and ties its life to Handoff's.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use super::AgentError;
use crate::store::AgentProfile;

/// The profile command that means "this Handoff's own executable".
pub const SELF_COMMAND: &str = "handoff";

/// A program and its arguments, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Absolute path of the executable.
    pub path: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
}

impl Program {
    /// The program and its arguments, as one would type them.
    #[must_use]
    pub fn command_line(&self) -> Vec<String> {
        std::iter::once(self.path.to_string_lossy().into_owned())
            .chain(self.args.iter().cloned())
            .collect()
    }
}

/// Resolves a profile's command: `handoff` is `handoff_exe`; a bare name is
/// looked up on `PATH`; a missing one is an error saying how to install it.
pub fn resolve(profile: &AgentProfile, handoff_exe: &Path) -> Result<Program, AgentError> {
    let path = if profile.command == SELF_COMMAND {
        handoff_exe.to_owned()
    } else {
        find_program(&profile.command).ok_or_else(|| AgentError::NotInstalled {
            command: profile.command.clone(),
            hint: install_hint(&profile.command),
        })?
    };
    Ok(Program {
        path,
        args: profile.args.clone(),
    })
}

/// How to install the programs of the built-in profiles.
#[must_use]
pub fn install_hint(command: &str) -> String {
    match command {
        "gemini" => "install Gemini CLI with `npm install -g @google/gemini-cli`".to_owned(),
        "codex-acp" => "install the Codex adapter with `npm install -g @agentclientprotocol/codex-acp`".to_owned(),
        "claude-agent-acp" => {
            "install the Claude adapter with `npm install -g @agentclientprotocol/claude-agent-acp` (Node 22 or newer)"
                .to_owned()
        }
        other => format!("check that `{other}` is on your PATH, or give the profile its full path"),
    }
}

/// The executable `command` names: itself when it has a `/`, else the
/// first match on `PATH`.
#[must_use]
pub fn find_program(command: &str) -> Option<PathBuf> {
    let is_executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if command.contains('/') {
        let path = PathBuf::from(command);
        return is_executable(&path).then_some(path);
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(command))
        .find(|p| is_executable(p))
}

/// The arguments that make `handoff agent-exec` start `program` in `cwd`.
#[must_use]
pub fn exec_args(cwd: &Path, program: &Program) -> Vec<String> {
    let mut args = vec![
        "agent-exec".to_owned(),
        "--cwd".to_owned(),
        cwd.to_string_lossy().into_owned(),
        "--".to_owned(),
        program.path.to_string_lossy().into_owned(),
    ];
    args.extend(program.args.iter().cloned());
    args
}

/// Runs `program` in `cwd` as the agent, tied to Handoff: the agent and
/// every process it starts end with the session and when Handoff ends,
/// however it ends (a tie process and a keeper process stand between them).
/// Exits with the agent's status; returns only if the agent cannot start.
#[must_use]
pub fn exec_agent(cwd: &Path, program: &OsStr, args: &[OsString]) -> std::io::Error {
    super::supervise::run(cwd, program, args)
}
