//! `handoff`: hand files to coding agents from the terminal, and see what
//! moved. Every command works on the same database as the desktop app.

// Doc comments on arguments are the --help text, shown verbatim: setting
// names there are plain words, not code spans.
#![allow(clippy::doc_markdown)]

mod commands;
mod context;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Hand files to coding agents, and see what moved.
#[derive(Debug, Parser)]
#[command(name = "handoff", version)]
struct Cli {
    /// Data folder holding the database (default: $HANDOFF_HOME, else the
    /// platform's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Save files where the agent can read them and print their paths.
    Upload(commands::upload::Args),
    /// List recorded files, newest first.
    Ls(commands::ls::Args),
    /// Delete recorded files (to the OS trash unless --permanent).
    Rm(commands::rm::Args),
    /// Check records against the disk, remove stale temp files, expire old
    /// temp uploads.
    Gc(commands::gc::Args),
    /// Show or change settings.
    Settings(commands::settings::Args),
    /// Watch uploads folders and print what changes, until interrupted.
    Watch(commands::watch::Args),
}

/// Exit code when every file was handled.
const OK: u8 = 0;
/// Exit code when some files (or the whole command) failed.
const FAILED: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = context::Context::new(cli.home);
    let result = match cli.command {
        Command::Upload(args) => commands::upload::run(&ctx, args),
        Command::Ls(args) => commands::ls::run(&ctx, &args),
        Command::Rm(args) => commands::rm::run(&ctx, &args),
        Command::Gc(args) => commands::gc::run(&ctx, &args),
        Command::Settings(args) => commands::settings::run(&ctx, args),
        Command::Watch(args) => commands::watch::run(&ctx, &args),
    };
    match result {
        Ok(true) => ExitCode::from(OK),
        Ok(false) => ExitCode::from(FAILED),
        Err(e) => {
            eprintln!("handoff: {e:#}");
            ExitCode::from(FAILED)
        }
    }
}
