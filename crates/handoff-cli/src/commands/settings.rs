//! `handoff settings`: show or change settings.

use anyhow::Result;
use clap::Subcommand;
use handoff_core::settings::KEYS;

use crate::context::Context;
use crate::output::print_json;

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
        value: String,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let mut store = ctx.store()?;
    let settings = match args.action {
        None => store.settings().load()?,
        Some(Action::Get { key }) => {
            println!("{}", store.settings().load()?.get(&key)?);
            return Ok(true);
        }
        Some(Action::Set { key, value }) => store.settings().set(&key, &value)?,
    };
    if args.json {
        print_json(&settings)?;
    } else {
        for key in KEYS {
            println!("{key} = {}", settings.get(key)?);
        }
    }
    Ok(true)
}
