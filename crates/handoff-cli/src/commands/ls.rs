//! `handoff ls`: list recorded files, newest first.

use std::path::PathBuf;

use anyhow::Result;
use handoff_core::clock;
use handoff_core::store::{Direction, FileQuery, FileStatus};

use crate::output::{self, JsonFile, print_json};
use handoff_core::api::{Context, files, worktrees};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only files of this worktree (a folder, or host:/abs/path for a remote one).
    #[arg(long, value_name = "DIR")]
    worktree: Option<PathBuf>,
    /// Only files of this session.
    #[arg(long, value_name = "ID")]
    session: Option<i64>,
    /// Only files with this status (present, missing, modified, deleted, expired, replaced).
    #[arg(long)]
    status: Option<FileStatus>,
    /// Only files that moved this way (to_agent, from_agent).
    #[arg(long)]
    direction: Option<Direction>,
    /// At most this many.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<bool> {
    let mut store = ctx.store()?;
    let worktree_id = match &args.worktree {
        Some(dir) => match worktrees::find(ctx, dir) {
            Ok(Some(w)) => {
                // A remote worktree's files are looked at first (this
                // machine's are followed by the watcher and `gc`).
                files::check_remote(ctx, w.id)?;
                Some(w.id)
            }
            // A worktree Handoff never saw (or that is gone) has no files.
            Ok(None) | Err(_) => return print(&[], args.json).map(|()| true),
        },
        None => None,
    };
    let query = FileQuery {
        worktree_id,
        session_id: args.session,
        status: args.status,
        direction: args.direction,
        limit: args.limit,
    };
    let files = store.files().list(&query)?;
    print(&files, args.json)?;
    Ok(true)
}

fn print(files: &[handoff_core::FileRecord], json: bool) -> Result<()> {
    if json {
        return print_json(&files.iter().map(JsonFile::from).collect::<Vec<_>>());
    }
    if files.is_empty() {
        eprintln!("no files");
        return Ok(());
    }
    let now = clock::now();
    println!("{}", output::HEADER);
    for file in files {
        println!("{}", output::row(file, now));
    }
    Ok(())
}
