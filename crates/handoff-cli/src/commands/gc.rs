//! `handoff gc`: bring the records in line with the disk, expire old temp
//! uploads, and sweep the share storage (expired links' objects, uploads
//! killed shares left).

use anyhow::Result;
use handoff_core::clock;
use handoff_core::expiry;
use handoff_core::reconcile::{self, ReconcileReport};
use handoff_core::share::Swept;
use serde::Serialize;

use crate::output::{print_json, safe_path, terminal_safe};
use handoff_core::api::{Context, shares};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct JsonGc {
    #[serde(flatten)]
    reconcile: ReconcileReport,
    expired: Vec<std::path::PathBuf>,
    shares_deleted: usize,
    uploads_aborted: usize,
}

pub fn run(ctx: &Context, args: &Args) -> Result<bool> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let now = clock::now();
    let expired: Vec<_> = expiry::expire(&mut store, now)?
        .into_iter()
        .map(|r| r.path)
        .collect();
    let folders = reconcile::upload_folders(&mut store, &ctx.roots, &settings)?;
    let report = reconcile::reconcile(&mut store, &folders, now)?;
    // Expired share links' objects are deleted from the storage and the
    // uploads killed shares left are aborted; when it does not answer, the
    // next gc tries again.
    let swept = shares::sweep(ctx).unwrap_or_else(|e| {
        eprintln!(
            "the share storage was not swept: {}",
            terminal_safe(&e.to_string())
        );
        Swept::default()
    });
    if args.json {
        print_json(&JsonGc {
            reconcile: report,
            expired,
            shares_deleted: swept.objects,
            uploads_aborted: swept.uploads,
        })?;
        return Ok(true);
    }
    if swept.objects > 0 {
        println!(
            "deleted {} expired share(s) from the storage",
            swept.objects
        );
    }
    if swept.uploads > 0 {
        println!(
            "aborted {} unfinished upload(s) in the storage (their parts deleted)",
            swept.uploads
        );
    }
    for change in &report.changed {
        println!(
            "{} → {}  {}",
            change.from,
            change.to,
            safe_path(&change.path)
        );
    }
    for path in &expired {
        println!("expired  {}", safe_path(path));
    }
    for path in &report.recovered {
        println!("recorded interrupted upload  {}", path.display());
    }
    for path in &report.removed_temp {
        println!("removed unfinished write  {}", safe_path(path));
    }
    for path in &report.untracked {
        println!("untracked  {}", safe_path(path));
    }
    if report.changed.is_empty()
        && expired.is_empty()
        && report.removed_temp.is_empty()
        && report.recovered.is_empty()
        && report.untracked.is_empty()
        && swept == Swept::default()
    {
        eprintln!("everything matches the disk");
    }
    Ok(true)
}
