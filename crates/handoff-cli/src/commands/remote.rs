//! `handoff remote`: remote worktrees, reached with your own OpenSSH.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use handoff_core::api::Context;
use handoff_core::remote::{ConnectOptions, Remote, RemoteError, RemoteSpec};

use crate::output::{terminal_safe, terminal_safe_lines};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Connect to a remote worktree (ssh://[user@]host[:port]/path or
    /// host:/path) and say whether Handoff can reach it, or what to do.
    Test {
        /// The remote worktree.
        worktree: String,
        /// An SSH config file to use instead of ~/.ssh/config (default:
        /// $HANDOFF_SSH_CONFIG, else the ssh_config setting).
        #[arg(long, value_name = "FILE")]
        ssh_config: Option<PathBuf>,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    match args.action {
        Action::Test {
            worktree,
            ssh_config,
        } => {
            let Some(spec) = RemoteSpec::parse(&worktree)? else {
                return Err(RemoteError::BadSpec { text: worktree }.into());
            };
            let mut options = ConnectOptions::for_settings(&ctx.store()?.settings().load()?);
            options.ssh_config = ssh_config.or(options.ssh_config);
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                match Remote::connect(&spec, &options).await {
                    Ok(_) => {
                        println!(
                            "{}: reachable, the folder is there",
                            terminal_safe(&spec.to_string())
                        );
                        Ok(true)
                    }
                    Err(e) => {
                        eprintln!("{}", terminal_safe_lines(&e.to_string()));
                        Ok(false)
                    }
                }
            })
        }
    }
}
