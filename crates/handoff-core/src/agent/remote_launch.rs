//! Starting an agent in a remote worktree: the person's own `ssh` runs the
//! profile's command there (`ssh -T host 'cd <path> && exec <command>'`),
//! and ACP flows over that connection's stdin and stdout. Handoff's tie
//! process still stands between: when the session ends or Handoff quits,
//! `ssh` ends, the agent's stdin closes, and the agent exits there.

use std::path::{Path, PathBuf};

use agent_client_protocol::v1::schema::{HttpHeader, McpServer, McpServerHttp};

use super::launch::{Program, SELF_COMMAND};
use crate::remote::RemoteSpec;
use crate::store::AgentProfile;

/// A port on the remote's loopback forwarded to the session's publish
/// server on this machine's (`ssh -R`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forward {
    /// The port there (picked at random among the unprivileged ones;
    /// `ssh` fails rather than start the agent when it is taken).
    pub remote: u16,
    /// The publish server's port here.
    pub local: u16,
}

impl Forward {
    /// A forward to `local` from a random port there.
    #[must_use]
    pub fn new(local: u16) -> Self {
        let mut random = [0_u8; 2];
        if rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty()).is_err() {
            random = local.to_le_bytes();
        }
        Self {
            remote: 20_000 + u16::from_le_bytes(random) % 40_000,
            local,
        }
    }

    /// The publish server as the agent reaches it there, with the
    /// session's secret.
    #[must_use]
    pub fn mcp_server(&self, token: &str) -> McpServer {
        McpServer::Http(
            McpServerHttp::new(
                crate::mcp::SERVER_NAME,
                format!("http://127.0.0.1:{}{}", self.remote, crate::mcp_http::PATH),
            )
            .headers(vec![HttpHeader::new(
                "Authorization",
                format!("Bearer {token}"),
            )]),
        )
    }
}

/// The `ssh` command that runs `profile`'s agent in the remote worktree
/// `spec` (`handoff_exe` stands for the built-in demo agent's program,
/// found at the same path there), with `ssh_config` as `ssh -F` when given
/// and `forward` open for the agent's publish calls.
#[must_use]
pub fn ssh_program(
    profile: &AgentProfile,
    handoff_exe: &Path,
    spec: &RemoteSpec,
    ssh_config: Option<&Path>,
    forward: &Forward,
) -> Program {
    let command = if profile.command == SELF_COMMAND {
        handoff_exe.to_string_lossy().into_owned()
    } else {
        profile.command.clone()
    };
    let mut line = format!("cd {} && exec", quote(&spec.path.to_string_lossy()));
    if !profile.env.is_empty() {
        line.push_str(" env");
        for (key, value) in &profile.env {
            line.push(' ');
            line.push_str(&quote(&format!("{key}={value}")));
        }
    }
    for word in std::iter::once(&command).chain(&profile.args) {
        line.push(' ');
        line.push_str(&quote(word));
    }
    let mut args = Vec::new();
    if let Some(config) = ssh_config {
        args.extend(["-F".to_owned(), config.to_string_lossy().into_owned()]);
    }
    args.extend(
        [
            "-T",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "ServerAliveInterval=15",
            "-o",
            "ExitOnForwardFailure=yes",
        ]
        .map(str::to_owned),
    );
    args.push("-R".to_owned());
    args.push(format!(
        "127.0.0.1:{}:127.0.0.1:{}",
        forward.remote, forward.local
    ));
    args.push("--".to_owned());
    args.push(spec.destination.clone());
    args.push(line);
    Program {
        path: PathBuf::from("ssh"),
        args,
    }
}

/// `word` quoted for a POSIX shell: in single quotes, each `'` written `'\''`.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::{Forward, ssh_program};
    use crate::remote::RemoteSpec;
    use crate::store::AgentProfile;

    fn profile(command: &str, args: &[&str], env: &[(&str, &str)]) -> AgentProfile {
        AgentProfile {
            id: 1,
            name: "agent".to_owned(),
            command: command.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            builtin: false,
            default_mode: None,
            default_options: BTreeMap::new(),
        }
    }

    #[test]
    fn the_remote_command_is_quoted_word_by_word() {
        let spec = RemoteSpec::parse("devbox:/home/me/it's here")
            .unwrap()
            .unwrap();
        let program = ssh_program(
            &profile("my-agent", &["--acp", "$(rm -rf ~)"], &[("KEY", "a b")]),
            Path::new("/usr/bin/handoff"),
            &spec,
            Some(Path::new("/cfg")),
            &Forward {
                remote: 30_000,
                local: 4_000,
            },
        );
        assert_eq!(program.path, Path::new("ssh"));
        assert_eq!(&program.args[..2], ["-F", "/cfg"]);
        let [.., destination, line] = program.args.as_slice() else {
            panic!("no command");
        };
        assert_eq!(destination, "devbox");
        assert!(
            program
                .args
                .windows(2)
                .any(|w| w == ["-R", "127.0.0.1:30000:127.0.0.1:4000"])
        );
        assert_eq!(
            line,
            r"cd '/home/me/it'\''s here' && exec env 'KEY=a b' 'my-agent' '--acp' '$(rm -rf ~)'"
        );
    }

    #[test]
    fn the_demo_agent_is_handoffs_own_program_there() {
        let spec = RemoteSpec::parse("ssh://me@box:2222/w").unwrap().unwrap();
        let program = ssh_program(
            &profile("handoff", &["demo-agent"], &[]),
            Path::new("/opt/handoff"),
            &spec,
            None,
            &Forward::new(4_000),
        );
        assert_eq!(program.args[0], "-T");
        assert!(program.args.contains(&"ssh://me@box:2222".to_owned()));
        assert_eq!(
            program.args.last().unwrap(),
            "cd '/w' && exec '/opt/handoff' 'demo-agent'"
        );
    }
}
