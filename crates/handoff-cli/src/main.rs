//! `handoff`: hand files to coding agents from the terminal, and see what
//! moved. Every command works on the same database as the desktop app.

// Doc comments on arguments are the --help text, shown verbatim: setting
// names there are plain words, not code spans.
#![allow(clippy::doc_markdown)]

mod commands;
mod output;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use handoff_core::api::Context;
use handoff_core::api::helpers::Helper;

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
    /// Start and list sessions with agents.
    Session(commands::session::Args),
    /// Hand files to a session's agent and stream its reply.
    Prompt(commands::prompt::Args),
    /// List and save files agents published.
    Published(commands::published::Args),
    /// Keep a file the agent made in a turn as it is now (a snapshot, as
    /// a published file is), so later edits do not change it.
    Keep(commands::keep::Args),
    /// List and add agent profiles.
    Agent(commands::agent::Args),
    /// Check remote worktrees reached over SSH.
    Remote(commands::remote::Args),
    /// Share a file as a link that works outside Handoff (expiring,
    /// revocable, optionally end-to-end encrypted); list and revoke shares.
    Share(commands::share::Args),
    #[command(flatten)]
    Helper(Helper),
}

/// Exit code when every file was handled.
const OK: u8 = 0;
/// Exit code when some files (or the whole command) failed.
const FAILED: u8 = 1;

fn main() -> ExitCode {
    handoff_core::process::ignore_file_size_signal();
    let matches = Cli::command().get_matches();
    let name = matches.subcommand_name().unwrap_or("handoff").to_owned();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let ctx = Context::from_env(cli.home);
    handoff_core::logging::for_command(&ctx.home);
    let span = tracing::info_span!("command", name = %name).entered();
    handoff_core::process::raise_open_files_limit();
    let result = match cli.command {
        Command::Upload(args) => commands::upload::run(&ctx, args),
        Command::Ls(args) => commands::ls::run(&ctx, &args),
        Command::Rm(args) => commands::rm::run(&ctx, &args),
        Command::Gc(args) => commands::gc::run(&ctx, &args),
        Command::Settings(args) => commands::settings::run(&ctx, args),
        Command::Watch(args) => commands::watch::run(&ctx, &args),
        Command::Session(args) => commands::session::run(&ctx, args),
        Command::Prompt(args) => commands::prompt::run(&ctx, &args),
        Command::Published(args) => commands::published::run(&ctx, args),
        Command::Keep(args) => commands::keep::run(&ctx, &args),
        Command::Agent(args) => commands::agent::run(&ctx, args),
        Command::Remote(args) => commands::remote::run(&ctx, args),
        Command::Share(args) => commands::share::run(&ctx, args),
        Command::Helper(helper) => helper.run(&ctx).map(|()| true).map_err(Into::into),
    };
    // The SSH connections a command kept end with it.
    handoff_core::remote::close_all();
    match result {
        Ok(true) => ExitCode::from(OK),
        Ok(false) => ExitCode::from(FAILED),
        Err(e) => {
            tracing::warn!("{}", report(&e));
            drop(span);
            eprintln!(
                "handoff: {}",
                output::terminal_safe_lines(&format!("{e:#}"))
            );
            let stopped = e.downcast_ref::<commands::prompt::Stopped>();
            ExitCode::from(stopped.map_or(FAILED, commands::prompt::Stopped::exit_code))
        }
    }
}

/// A failed command on one line, for the log: the error, its context, and
/// the causes below a use case's error that its message does not say.
fn report(e: &anyhow::Error) -> String {
    let mut line = format!("{e:#}");
    for cause in e.chain() {
        if let Some(api) = cause.downcast_ref::<handoff_core::api::ApiError>() {
            for below in &api.causes {
                line.push_str(": ");
                line.push_str(below);
            }
        }
    }
    line
}
