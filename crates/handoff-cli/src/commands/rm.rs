//! `handoff rm`: delete recorded files, to the OS trash by default (a
//! remote worktree's files are deleted there, where no trash is).

use anyhow::Result;
use handoff_core::clock;
use handoff_core::remove::{self, Removal};
use handoff_core::store::{FileRecord, Store};
use serde::Serialize;

use crate::output::{JsonError, JsonFile, print_json, safe_path, terminal_safe};
use handoff_core::api::Context;
use handoff_core::logging::Chain;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ids of the files to delete (see `handoff ls`).
    #[arg(required = true, value_name = "ID")]
    ids: Vec<i64>,
    /// Delete for good instead of moving to the trash.
    #[arg(long)]
    permanent: bool,
    /// Print a JSON array instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct JsonRemoval<'a> {
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<JsonFile<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<bool> {
    let mut store = ctx.store()?;
    let how = if args.permanent {
        Removal::Permanent
    } else {
        Removal::Trash
    };
    let results: Vec<_> = args
        .ids
        .iter()
        .map(|&id| (id, remove::remove(&mut store, id, how, clock::now())))
        .collect();
    let all_ok = results.iter().all(|(_, r)| r.is_ok());
    if args.json {
        let rows: Vec<_> = results
            .iter()
            .map(|(id, r)| match r {
                Ok(record) => JsonRemoval {
                    id: *id,
                    file: Some(record.into()),
                    error: None,
                },
                Err(e) => JsonRemoval {
                    id: *id,
                    file: None,
                    error: Some(JsonError {
                        kind: e.kind(),
                        message: e.to_string(),
                    }),
                },
            })
            .collect();
        print_json(&rows)?;
    } else {
        for (id, result) in &results {
            match result {
                Ok(record) => match remote_host(&mut store, record) {
                    Some(host) => println!(
                        "deleted on {} {}",
                        terminal_safe(&host),
                        safe_path(&record.path)
                    ),
                    None if args.permanent => println!("deleted {}", safe_path(&record.path)),
                    None => println!("moved to trash {}", safe_path(&record.path)),
                },
                Err(e) => {
                    tracing::warn!(file = id, "{}", Chain(&e));
                    eprintln!("{id}: {}", terminal_safe(&e.to_string()));
                }
            }
        }
    }
    Ok(all_ok)
}

/// The machine a deleted record's file was on, when it was a remote
/// worktree's (no trash there: it was deleted for good).
fn remote_host(store: &mut Store, record: &FileRecord) -> Option<String> {
    let spec = handoff_core::remote::worktree_of(store, record).ok()??;
    Some(spec.destination)
}
