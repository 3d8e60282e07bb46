//! `handoff agent`: the agent profiles, and whether each is installed.

use std::collections::BTreeMap;

use anyhow::Result;
use clap::Subcommand;
use handoff_core::agent::launch;
use serde::Serialize;

use crate::context::Context;
use crate::output::print_json;

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
    /// Add (or change) a custom agent profile.
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
    let mut store = ctx.store()?;
    let exe = std::env::current_exe()?;
    match args.action {
        Action::Ls { json } => {
            let rows: Vec<Row> = store
                .profiles()
                .list()?
                .into_iter()
                .map(|profile| {
                    let missing = launch::resolve(&profile, &exe).err();
                    Row {
                        installed: missing.is_none(),
                        install_hint: missing.map(|e| e.to_string()),
                        profile,
                    }
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
                println!("{:<14} {:<28} {state}", row.profile.name, command);
            }
            Ok(true)
        }
        Action::Add {
            name,
            command,
            args,
            env,
        } => {
            let mut vars = BTreeMap::new();
            for pair in env {
                let (key, value) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--env {pair:?} is not KEY=VALUE"))?;
                vars.insert(key.to_owned(), value.to_owned());
            }
            let profile = store
                .profiles()
                .save_custom(&name, &command, &args, &vars)?;
            if let Err(e) = launch::resolve(&profile, &exe) {
                eprintln!("warning: {e}");
            }
            println!("{}", profile.id);
            Ok(true)
        }
    }
}
