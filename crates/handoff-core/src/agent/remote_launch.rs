//! Starting an agent in a remote worktree: the person's own `ssh` runs the
//! profile's command there (`ssh -T host 'cd <path> && exec <command>'`)
//! through the machine's kept master, and ACP flows over that channel's
//! stdin and stdout. Handoff's tie
//! process still stands between: when the session ends or Handoff quits,
//! `ssh` ends, the agent's stdin closes, and the agent exits there.

use std::path::{Path, PathBuf};

use agent_client_protocol::v1::schema::{HttpHeader, McpServer, McpServerHttp};

use super::launch::{Program, SELF_COMMAND};
use crate::remote::{RemoteSpec, quote};
use crate::store::AgentProfile;

/// The publish server as the agent reaches it there (`port` on the
/// remote's loopback, forwarded here), with the session's secret.
#[must_use]
pub fn mcp_server(port: u16, token: &str) -> McpServer {
    McpServer::Http(
        McpServerHttp::new(
            crate::mcp::SERVER_NAME,
            format!("http://127.0.0.1:{port}{}", crate::mcp_http::PATH),
        )
        .headers(vec![HttpHeader::new(
            "Authorization",
            format!("Bearer {token}"),
        )]),
    )
}

/// The `ssh` command that runs `profile`'s agent in the remote worktree
/// `spec` (`handoff_exe` stands for the built-in demo agent's program,
/// found at the same path there), with `ssh_config` as `ssh -F` when given,
/// through the kept master listening on `control_socket`. The profile's
/// environment is never on the command line: its values are in `env_file`
/// there (see [`crate::remote::Remote::env_file`]), which the remote shell
/// reads and deletes, with its folder, before anything else.
#[must_use]
pub fn ssh_program(
    profile: &AgentProfile,
    handoff_exe: &Path,
    spec: &RemoteSpec,
    ssh_config: Option<&Path>,
    control_socket: &Path,
    env_file: Option<&Path>,
) -> Program {
    let command = if profile.command == SELF_COMMAND {
        handoff_exe.to_string_lossy().into_owned()
    } else {
        profile.command.clone()
    };
    let prelude = env_file
        .map(|file| {
            format!(
                r#"f={}; . "$f"; rm -rf -- "${{f%/*}}"; "#,
                quote(&file.to_string_lossy())
            )
        })
        .unwrap_or_default();
    let mut line = format!(
        "{prelude}cd {} && exec",
        quote(&spec.path.to_string_lossy())
    );
    for word in std::iter::once(&command).chain(&profile.args) {
        line.push(' ');
        line.push_str(&quote(word));
    }
    let mut args = Vec::new();
    if let Some(config) = ssh_config {
        args.extend(["-F".to_owned(), config.to_string_lossy().into_owned()]);
    }
    args.push("-S".to_owned());
    args.push(control_socket.to_string_lossy().into_owned());
    args.extend(
        [
            "-T",
            "-o",
            "ControlMaster=no",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "ServerAliveInterval=15",
        ]
        .map(str::to_owned),
    );
    args.push("--".to_owned());
    args.push(spec.destination.clone());
    args.push(line);
    Program {
        path: PathBuf::from("ssh"),
        args,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::ssh_program;
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
            &profile("my-agent", &["--acp", "$(rm -rf ~)"], &[("KEY", "secret")]),
            Path::new("/usr/bin/handoff"),
            &spec,
            Some(Path::new("/cfg")),
            Path::new("/run/ctl"),
            Some(Path::new("/tmp/.handoff-env-ab/env")),
        );
        assert_eq!(program.path, Path::new("ssh"));
        assert_eq!(&program.args[..2], ["-F", "/cfg"]);
        let [.., destination, line] = program.args.as_slice() else {
            panic!("no command");
        };
        assert_eq!(destination, "devbox");
        assert!(program.args.windows(2).any(|w| w == ["-S", "/run/ctl"]));
        assert_eq!(
            line,
            r#"f='/tmp/.handoff-env-ab/env'; . "$f"; rm -rf -- "${f%/*}"; cd '/home/me/it'\''s here' && exec 'my-agent' '--acp' '$(rm -rf ~)'"#
        );
        assert!(
            !program.args.iter().any(|a| a.contains("secret")),
            "no value of the environment on the command line"
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
            Path::new("/run/ctl"),
            None,
        );
        assert_eq!(program.args[..3], ["-S", "/run/ctl", "-T"]);
        assert!(program.args.contains(&"ssh://me@box:2222".to_owned()));
        assert_eq!(
            program.args.last().unwrap(),
            "cd '/w' && exec '/opt/handoff' 'demo-agent'"
        );
    }
}
