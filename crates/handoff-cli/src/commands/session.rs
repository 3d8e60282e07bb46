//! `handoff session`: start and list conversations with agents.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use handoff_core::agent::{self, DEFAULT_PROFILE, launch};
use handoff_core::api::sessions::{self, NewSession, ProfileChoice};
use handoff_core::api::worktrees;
use handoff_core::clock;

use crate::output::{age, print_json, safe_path, terminal_safe, terminal_safe_lines};
use handoff_core::api::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Start a session with an agent in a worktree; prints its id.
    New {
        /// The worktree the agent works in (default: the git work tree around the current folder).
        #[arg(long, value_name = "DIR")]
        worktree: Option<PathBuf>,
        /// The agent profile (see `handoff agent ls`).
        #[arg(long, default_value = DEFAULT_PROFILE)]
        agent: String,
        /// A title for the session.
        #[arg(long)]
        title: Option<String>,
        /// The mode the agent works in (one it offers: `handoff agent test`
        /// lists them), instead of the profile's or the agent's own.
        #[arg(long)]
        mode: Option<String>,
        /// One of the agent's settings, SETTING=VALUE (e.g. model=sonnet),
        /// instead of the profile's or the agent's own. Repeat for several.
        #[arg(long = "option", value_name = "SETTING=VALUE")]
        options: Vec<String>,
        /// Print the session as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List sessions, most recent first.
    Ls {
        /// Only sessions of this worktree.
        #[arg(long, value_name = "DIR")]
        worktree: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    match args.action {
        Action::New {
            worktree,
            agent,
            title,
            mode,
            options,
            json,
        } => {
            let options = agent::options::parse_pairs(&options).map_err(anyhow::Error::msg)?;
            let worktree = worktrees::at_or_around(ctx, worktree.as_deref())?;
            let session = sessions::create(
                ctx,
                NewSession {
                    worktree_id: worktree.id,
                    profile: ProfileChoice::Name(agent),
                    title,
                    mode,
                    options,
                },
            )?;
            let profile = ctx
                .store()?
                .profiles()
                .get(session.agent_profile_id.unwrap_or_default())?;
            if let Err(e) = launch::resolve(&profile, &ctx.exe) {
                eprintln!("warning: {}", terminal_safe_lines(&e.to_string()));
            }
            if json {
                print_json(&session)?;
            } else {
                println!("{}", session.id);
                eprintln!(
                    "session {}: {} in {}",
                    session.id,
                    terminal_safe(&profile.name),
                    safe_path(&worktree.path)
                );
            }
            Ok(true)
        }
        Action::Ls { worktree, json } => {
            let worktree_id = match worktree {
                Some(dir) => worktrees::find(ctx, &dir)?.map(|w| w.id),
                None => None,
            };
            let sessions = sessions::list(ctx, worktree_id)?;
            if json {
                return print_json(&sessions).map(|()| true);
            }
            let now = clock::now();
            let mut store = ctx.store()?;
            for session in sessions {
                let worktree = store.worktrees().get(session.worktree_id)?;
                println!(
                    "{:>4}  {:<40}  {:>6}  {}",
                    session.id,
                    terminal_safe(&session.title),
                    age(now, session.updated_at),
                    safe_path(&worktree.path)
                );
            }
            Ok(true)
        }
    }
}
