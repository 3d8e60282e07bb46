//! `handoff keep ID`: keeps a file the agent made as it is now.

use anyhow::Result;
use handoff_core::api::{Context, files};
use handoff_core::size::ByteSize;

use crate::output::{safe_path, terminal_safe};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The made file's id (see `handoff ls --direction made`).
    id: i64,
}

pub fn run(ctx: &Context, args: &Args) -> Result<bool> {
    let kept = files::keep(ctx, args.id)?;
    println!(
        "kept {} (revision {}, {}) as {}; see `handoff published ls`",
        terminal_safe(kept.display_name.as_deref().unwrap_or(&kept.filename)),
        kept.revision,
        ByteSize(kept.size),
        safe_path(&kept.path)
    );
    Ok(true)
}
