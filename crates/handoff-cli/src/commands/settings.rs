//! `handoff settings`: show or change settings.

use anyhow::Result;
use clap::Subcommand;
use handoff_core::Store;
use handoff_core::settings::{KEYS, check_uploads_folder_in};

use crate::output::{print_json, terminal_safe};
use handoff_core::api::Context;
use handoff_core::api::worktrees::git_root;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Print one setting's value.
    Get {
        /// The setting's name.
        key: String,
    },
    /// Change one setting.
    Set {
        /// The setting's name.
        key: String,
        /// Its new value.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let mut store = ctx.store()?;
    let settings = match args.action {
        None => store.settings().load()?,
        Some(Action::Get { key }) => {
            println!("{}", terminal_safe(&store.settings().load()?.get(&key)?));
            return Ok(true);
        }
        Some(Action::Set { key, value }) => {
            if key == "uploads_folder" {
                check_worktrees(&mut store, &value)?;
            }
            store.settings().set(&key, &value)?
        }
    };
    if args.json {
        print_json(&settings)?;
    } else {
        for key in KEYS {
            println!("{key} = {}", terminal_safe(&settings.get(key)?));
        }
    }
    Ok(true)
}

/// A new uploads folder must be new or Handoff's own in every worktree
/// Handoff knows and in the one around the current folder: a `.gitignore`
/// of `*` written into the person's `src` would hide it from git.
fn check_worktrees(store: &mut Store, value: &str) -> Result<()> {
    let mut worktrees: Vec<_> = store
        .worktrees()
        .list()?
        .into_iter()
        .map(|w| w.path)
        .collect();
    worktrees.extend(std::env::current_dir().ok().and_then(|cwd| git_root(&cwd)));
    for worktree in worktrees {
        check_uploads_folder_in(&worktree, value)?;
    }
    Ok(())
}
