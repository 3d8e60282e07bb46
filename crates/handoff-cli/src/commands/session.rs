//! `handoff session`: start and list conversations with agents.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use handoff_core::agent::{DEFAULT_PROFILE, launch};
use handoff_core::clock;

use crate::context::{self, Context};
use crate::output::{age, print_json, safe_path, terminal_safe, terminal_safe_lines};

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
    let mut store = ctx.store()?;
    match args.action {
        Action::New {
            worktree,
            agent,
            title,
            mode,
            options,
            json,
        } => {
            let options =
                handoff_core::agent::options::parse_pairs(&options).map_err(anyhow::Error::msg)?;
            let worktree = context::worktree(&mut store, worktree.as_deref())?;
            let Some(profile) = store.profiles().find(&agent)? else {
                let known: Vec<String> = store
                    .profiles()
                    .list()?
                    .into_iter()
                    .map(|p| p.name)
                    .collect();
                anyhow::bail!(
                    "no agent profile named {agent:?} (known: {})",
                    known.join(", ")
                );
            };
            if let Err(e) = launch::resolve(&profile, &std::env::current_exe()?) {
                eprintln!("warning: {}", terminal_safe_lines(&e.to_string()));
            }
            let title = title.unwrap_or_else(|| format!("{} in {}", profile.name, worktree.name));
            let mut session =
                store
                    .sessions()
                    .create(worktree.id, Some(profile.id), &title, clock::now())?;
            if let Some(mode) = mode.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
                store
                    .sessions()
                    .set_mode(session.id, Some(mode), clock::now())?;
                session = store.sessions().get(session.id)?;
            }
            if !options.is_empty() {
                store
                    .sessions()
                    .set_options(session.id, &options, clock::now())?;
                session = store.sessions().get(session.id)?;
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
                Some(dir) => {
                    let canonical = std::fs::canonicalize(&dir)
                        .with_context(|| format!("{} does not exist", safe_path(&dir)))?;
                    store.worktrees().find(&canonical)?.map(|w| w.id)
                }
                None => None,
            };
            let sessions = store.sessions().list(worktree_id)?;
            if json {
                return print_json(&sessions).map(|()| true);
            }
            let now = clock::now();
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
