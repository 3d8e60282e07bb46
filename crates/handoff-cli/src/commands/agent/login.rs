//! `handoff agent login`: signing in to an agent one of the ways it offers.

use std::process::Command;
use std::time::Duration;

use anyhow::{Result, bail};
use handoff_core::agent::{self, AgentError, AuthMethod, SessionOptions, SignIn};
use handoff_core::store::AgentProfile;

use crate::output::{terminal_safe, terminal_safe_lines};

/// How long the agent may take to say which ways it offers.
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

/// Signs in with `method`, or lists the ways when there is none. True when
/// the agent is ready afterwards (or the ways were listed).
pub fn run(profile: &AgentProfile, method: Option<&str>, options: &SessionOptions) -> Result<bool> {
    let runtime = tokio::runtime::Runtime::new()?;
    let listing = SessionOptions {
        handshake_timeout: LIST_TIMEOUT.min(options.handshake_timeout),
        ..options.clone()
    };
    let (methods, ready) = match runtime.block_on(agent::probe(&listing, profile)) {
        Ok(info) => (info.auth_methods, true),
        Err(AgentError::AuthRequired { methods, .. }) => (methods, false),
        Err(e) => return Ok(super::report(&profile.name, Err(e))),
    };
    let Some(asked) = method else {
        if methods.is_empty() {
            println!(
                "{} offers no way to sign in through Handoff; see its own documentation.",
                terminal_safe(&profile.name)
            );
        } else {
            if ready {
                println!(
                    "{}: ready; it may still need you to sign in.",
                    terminal_safe(&profile.name)
                );
            }
            print_methods(&profile.name, &methods);
        }
        return Ok(true);
    };
    let Some(method) = methods
        .iter()
        .find(|m| m.id == asked || m.name.eq_ignore_ascii_case(asked))
    else {
        let offered: Vec<&str> = methods.iter().map(|m| m.id.as_str()).collect();
        bail!(
            "{} offers no sign-in {asked:?}; it offers: {}",
            profile.name,
            if offered.is_empty() {
                "none".to_owned()
            } else {
                offered.join(", ")
            }
        );
    };
    match &method.how {
        SignIn::Terminal { command, env } => {
            let Some((program, args)) = command.split_first() else {
                bail!("{} gave no command for {}", profile.name, method.name);
            };
            eprintln!("Running {} …", terminal_safe(&command.join(" ")));
            let status = Command::new(program)
                .args(args)
                .envs(&profile.env)
                .envs(env)
                .status()
                .map_err(|e| anyhow::anyhow!("could not run {program}: {e}"))?;
            if !status.success() {
                eprintln!("the sign-in command ended with {status}");
                return Ok(false);
            }
            Ok(super::report(
                &profile.name,
                runtime.block_on(agent::probe(&listing, profile)),
            ))
        }
        SignIn::ApiKey { variable } if !profile.env.contains_key(variable) => {
            eprintln!(
                "{}: {}",
                terminal_safe(&method.name),
                terminal_safe(&method.instruction(&profile.name))
            );
            Ok(false)
        }
        SignIn::ApiKey { .. } | SignIn::Agent => {
            eprintln!(
                "Asking {} to sign in ({}); if it opens your browser, finish there…",
                terminal_safe(&profile.name),
                terminal_safe(&method.name)
            );
            Ok(super::report(
                &profile.name,
                runtime.block_on(agent::sign_in(options, profile, &method.id)),
            ))
        }
    }
}

/// Lists the ways to sign in, each with what to do.
pub fn print_methods(profile: &str, methods: &[AuthMethod]) {
    if methods.is_empty() {
        return;
    }
    eprintln!("Ways to sign in:");
    for method in methods {
        let about = method
            .description
            .as_deref()
            .map(|d| format!(" — {}", d.trim()))
            .unwrap_or_default();
        eprintln!("  {}{}", terminal_safe(&method.name), terminal_safe(&about));
        eprintln!(
            "      {}",
            terminal_safe_lines(&method.instruction(profile))
        );
    }
}
