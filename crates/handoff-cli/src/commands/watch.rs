//! `handoff watch`: follow the uploads folders live and print each change.

use anyhow::Result;
use handoff_core::reconcile;
use handoff_core::watch::{DEBOUNCE, WatchEvent, Watcher};

use crate::context::Context;
use crate::output::print_json;

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
        eprintln!("watching {}", folder.display());
    }
    for event in events {
        if args.json {
            print_json(&event)?;
            continue;
        }
        match event {
            WatchEvent::StatusChanged(c) => println!("{} → {}  {}", c.from, c.to, c.path.display()),
            WatchEvent::Untracked { path } => println!("untracked  {}", path.display()),
            WatchEvent::Error { message } => eprintln!("watch error: {message}"),
        }
    }
    Ok(true)
}
