//! `handoff watch`: follow the uploads folders live (a new worktree's too,
//! from its first upload) and print each change.

use std::sync::atomic::Ordering;

use anyhow::Result;
use handoff_core::api::live_folders::{self, LiveEvent, LiveOptions};
use handoff_core::watch::WatchEvent;

use crate::output::{print_json, safe_path, terminal_safe_lines};
use handoff_core::api::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object per event.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<bool> {
    let options = LiveOptions::default();
    let mut printed: Result<()> = Ok(());
    live_folders::run(ctx, &options, &mut |event| {
        if printed.is_ok() {
            printed = print(&event, args.json);
        }
        // Nobody reads any more (a closed pipe): stop.
        if printed.is_err() {
            options.stop.store(true, Ordering::Relaxed);
        }
    })?;
    printed.map(|()| true)
}

fn print(event: &LiveEvent, json: bool) -> Result<()> {
    match event {
        LiveEvent::Watching(folder) => eprintln!("watching {}", safe_path(folder)),
        LiveEvent::Disk(event) if json => print_json(event)?,
        LiveEvent::Disk(WatchEvent::StatusChanged(c)) => {
            println!("{} → {}  {}", c.from, c.to, safe_path(&c.path));
        }
        LiveEvent::Disk(WatchEvent::Untracked { path }) => {
            println!("untracked  {}", safe_path(path));
        }
        LiveEvent::FoundUntracked(paths) => {
            for path in paths {
                if json {
                    print_json(&WatchEvent::Untracked { path: path.clone() })?;
                } else {
                    println!("untracked  {}", safe_path(path));
                }
            }
        }
        LiveEvent::Disk(WatchEvent::Error { message }) => {
            eprintln!("watch error: {}", terminal_safe_lines(message));
        }
        LiveEvent::DatabaseChanged => {}
    }
    Ok(())
}
