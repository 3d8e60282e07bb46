//! `handoff watch`: follow the uploads folders live and print each change.

use anyhow::Result;
use handoff_core::reconcile;
use handoff_core::watch::{DEBOUNCE, WatchEvent, Watcher};

use crate::context::Context;
use crate::output::{print_json, safe_path, terminal_safe_lines};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object per event.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<bool> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let folders = reconcile::upload_folders(&mut store, &ctx.roots, &settings)?;
    anyhow::ensure!(
        !folders.is_empty(),
        "no uploads folder exists yet; upload a file first"
    );
    let (_watcher, events) = Watcher::start(ctx.store()?, &folders, DEBOUNCE)?;
    for folder in &folders {
        eprintln!("watching {}", safe_path(folder));
    }
    for event in events {
        if args.json {
            print_json(&event)?;
            continue;
        }
        match event {
            WatchEvent::StatusChanged(c) => {
                println!("{} → {}  {}", c.from, c.to, safe_path(&c.path));
            }
            WatchEvent::Untracked { path } => println!("untracked  {}", safe_path(&path)),
            WatchEvent::Error { message } => {
                eprintln!("watch error: {}", terminal_safe_lines(&message));
            }
        }
    }
    Ok(true)
}
