//! `handoff agent`: the agent profiles, and whether each is installed.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use handoff_core::agent::{self, launch};
use handoff_core::api::Context;
use handoff_core::api::profiles::{self, AddProfile, ProfileInput};
use serde::Serialize;

mod login;
use crate::output::{print_json, terminal_safe, terminal_safe_lines};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// List agent profiles and whether their command is installed.
    Ls {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add (or change) a custom agent profile; for a built-in profile (same
    /// command), set its environment and mode.
    Add {
        /// The profile's name.
        name: String,
        /// The command that speaks ACP on stdio.
        #[arg(long)]
        command: String,
        /// An argument (repeat for several).
        #[arg(long = "arg", value_name = "ARG", allow_hyphen_values = true)]
        args: Vec<String>,
        /// An environment variable KEY=VALUE (repeat for several).
        #[arg(long = "env", value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// The mode its sessions start in (one the agent offers).
        #[arg(long)]
        mode: Option<String>,
        /// A setting its sessions start with, SETTING=VALUE (e.g.
        /// model=sonnet). Repeat for several.
        #[arg(long = "option", value_name = "SETTING=VALUE")]
        options: Vec<String>,
    },
    /// Start a profile's agent, open an ACP session in a scratch folder and
    /// end it: says whether the agent works before a session needs it.
    Test {
        /// The profile's name.
        name: String,
        /// Seconds the agent may take to start.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Sign in to a profile's agent one of the ways it offers: runs its own
    /// login in this terminal, or asks the agent to sign in (it may open a
    /// browser). Without METHOD, lists the ways.
    Login {
        /// The profile's name.
        name: String,
        /// The way to sign in (its id, as listed).
        method: Option<String>,
        /// Seconds to wait for the sign-in to finish.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    profile: handoff_core::store::AgentProfile,
    installed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    install_hint: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    match args.action {
        Action::Ls { json } => {
            let rows: Vec<Row> = profiles::list(ctx)?
                .into_iter()
                .map(|status| Row {
                    installed: status.problem.is_none(),
                    install_hint: status.problem,
                    profile: status.profile,
                })
                .collect();
            if json {
                return print_json(&rows).map(|()| true);
            }
            for row in rows {
                let command = std::iter::once(row.profile.command.as_str())
                    .chain(row.profile.args.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ");
                let state = row.install_hint.unwrap_or_else(|| "ready".to_owned());
                println!(
                    "{:<14} {:<28} {}",
                    terminal_safe(&row.profile.name),
                    terminal_safe(&command),
                    terminal_safe(&state)
                );
            }
            Ok(true)
        }
        Action::Add {
            name,
            command,
            args,
            env,
            mode,
            options,
        } => {
            let options = agent::options::parse_pairs(&options).map_err(anyhow::Error::msg)?;
            let mut vars = BTreeMap::new();
            for pair in env {
                let (key, value) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--env {pair:?} is not KEY=VALUE"))?;
                vars.insert(key.to_owned(), value.to_owned());
            }
            let profile = profiles::add(
                ctx,
                AddProfile {
                    input: ProfileInput {
                        id: None,
                        name,
                        command,
                        args,
                        env: vars,
                    },
                    mode,
                    options,
                },
            )?;
            if let Err(e) = launch::resolve(&profile, &ctx.exe) {
                eprintln!("warning: {}", terminal_safe_lines(&e.to_string()));
            }
            println!("{}", profile.id);
            Ok(true)
        }
        Action::Test { name, timeout } => {
            let profile = find(ctx, &name)?;
            let runtime = tokio::runtime::Runtime::new()?;
            Ok(report(
                &profile.name,
                runtime.block_on(profiles::test(
                    ctx,
                    &profile,
                    Some(Duration::from_secs(timeout)),
                )),
            ))
        }
        Action::Login {
            name,
            method,
            timeout,
        } => {
            let profile = find(ctx, &name)?;
            let options = ctx.agent_options(Some(Duration::from_secs(timeout)));
            login::run(&profile, method.as_deref(), &options)
        }
    }
}

fn find(ctx: &Context, name: &str) -> Result<handoff_core::store::AgentProfile> {
    Ok(profiles::named(&mut ctx.store()?, name)?)
}

/// Says whether the agent started: ready with its modes, or why not (with
/// the ways to sign in when that is what it needs). True when ready.
fn report(profile: &str, probed: Result<agent::AgentInfo, agent::AgentError>) -> bool {
    match probed {
        Ok(info) => {
            print_ready(profile, &info);
            true
        }
        Err(e) => {
            eprintln!(
                "{}: {}",
                terminal_safe(profile),
                terminal_safe_lines(&e.to_string())
            );
            print_problem_details(&e);
            false
        }
    }
}

/// The ways to sign in, when that is what the agent needs (its last
/// stderr lines are in the error's message already).
pub fn print_problem_details(error: &agent::AgentError) {
    if let agent::AgentError::AuthRequired {
        methods, profile, ..
    } = error
    {
        login::print_methods(profile, methods);
    }
}

/// Says that an agent is ready, what it takes, and the modes it offers
/// (the current one starred).
fn print_ready(profile: &str, info: &agent::AgentInfo) {
    let images = if info.images {
        "takes images"
    } else {
        "text and links only"
    };
    println!(
        "{}: ready ({}, {images})",
        terminal_safe(profile),
        terminal_safe(&info.name)
    );
    let current = info.modes.current.as_deref().unwrap_or_default();
    for mode in &info.modes.available {
        let mark = if mode.id == current { "*" } else { " " };
        let about = mode.description.as_deref().unwrap_or_default();
        println!(
            "  {mark} mode {:<20} {}",
            terminal_safe(&mode.id),
            terminal_safe(about)
        );
    }
    // Settings other than the mode (listed above): model, effort…
    for option in info
        .options
        .iter()
        .filter(|o| o.category.as_deref() != Some("mode"))
    {
        let values: Vec<&str> = option.values.iter().map(|v| v.id.as_str()).collect();
        println!(
            "    option {}={} ({}: {})",
            terminal_safe(&option.id),
            terminal_safe(&option.current),
            terminal_safe(&option.name),
            terminal_safe(&values.join(", "))
        );
    }
}
