//! `handoff published`: files agents handed over.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use handoff_core::clock;
use handoff_core::size::ByteSize;
use handoff_core::store::{Direction, FileQuery};

use crate::output::{JsonFile, age, print_json, safe_path, terminal_safe};
use handoff_core::api::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// List published files, newest first.
    Ls {
        /// Only files of this session.
        #[arg(long, value_name = "ID")]
        session: Option<i64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Save a published file to DEST (a file, or a folder to save into).
    Save {
        /// The file's id (see `handoff published ls`).
        id: i64,
        /// Where to save it.
        dest: PathBuf,
        /// Overwrite DEST if it exists.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let mut store = ctx.store()?;
    match args.action {
        Action::Ls { session, json } => {
            let query = FileQuery {
                session_id: session,
                direction: Some(Direction::FromAgent),
                ..FileQuery::default()
            };
            let files = store.files().list(&query)?;
            if json {
                return print_json(&files.iter().map(JsonFile::from).collect::<Vec<_>>())
                    .map(|()| true);
            }
            let now = clock::now();
            for f in &files {
                println!(
                    "{:>6}  {:<32} v{:<3} {:>9}  {:>6}  {}",
                    f.id,
                    terminal_safe(f.display_name.as_deref().unwrap_or(&f.filename)),
                    f.revision,
                    ByteSize(f.size).to_string(),
                    age(now, f.created_at),
                    terminal_safe(f.description.as_deref().unwrap_or(""))
                );
            }
            Ok(true)
        }
        Action::Save { id, dest, force } => {
            let file = store.files().get(id)?;
            anyhow::ensure!(
                file.direction == Direction::FromAgent,
                "file {id} was not published by an agent"
            );
            let name = handoff_core::naming::sanitize(&file.filename);
            let dest = if dest.is_dir() { dest.join(name) } else { dest };
            anyhow::ensure!(
                force || !dest.exists(),
                "{} exists (pass --force to overwrite)",
                safe_path(&dest)
            );
            handoff_core::api::files::save_copy(ctx, &file, &dest)?;
            println!("{}", safe_path(&dest));
            Ok(true)
        }
    }
}
