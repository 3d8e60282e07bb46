//! `handoff upload`: save files where the agent can read them.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use handoff_core::api::uploads::{self, UploadRequest, Uploaded};
use handoff_core::ingest::{Progress, Report};
use handoff_core::size::ByteSize;
use handoff_core::template::DEFAULT_MESSAGE;
use handoff_core::{ConflictPolicy, Destination, IngestError, Origin, Source};
use serde::Serialize;

use crate::output::{
    JsonError, JsonFile, print_json, safe_path, terminal_safe, terminal_safe_lines,
};
use handoff_core::api::Context;
use handoff_core::logging::Chain;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders to save (folders are copied recursively).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The worktree the files are for: a folder, or a remote worktree
    /// reached over SSH (host:/abs/path or ssh://[user@]host[:port]/abs/path;
    /// temp and global then mean that machine's). Default: the session's,
    /// else the git work tree around the current folder, else the current folder.
    #[arg(long, value_name = "DIR")]
    worktree: Option<PathBuf>,
    /// The session the files belong to.
    #[arg(long, value_name = "ID")]
    session: Option<i64>,
    /// Where to save (default: the default_destination setting).
    #[arg(long, value_enum)]
    dest: Option<DestArg>,
    /// What to do when a file of that name exists (default: the on_conflict setting).
    #[arg(long, value_enum)]
    on_conflict: Option<ConflictArg>,
    /// The message for the agent; {filepath}, {filename} and {dir} are filled in.
    #[arg(long, default_value = DEFAULT_MESSAGE)]
    message: String,
    /// Largest file accepted, e.g. 50MB (default: the max_file_size setting).
    #[arg(long, value_name = "SIZE")]
    max_file_size: Option<ByteSize>,
    /// Most files in one upload (default: the max_batch_files setting).
    #[arg(long, value_name = "N")]
    max_batch_files: Option<usize>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DestArg {
    Worktree,
    Temp,
    Global,
}

impl From<DestArg> for Destination {
    fn from(d: DestArg) -> Self {
        match d {
            DestArg::Worktree => Self::Worktree,
            DestArg::Temp => Self::Temp,
            DestArg::Global => Self::Global,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ConflictArg {
    KeepBoth,
    Replace,
}

impl From<ConflictArg> for ConflictPolicy {
    fn from(c: ConflictArg) -> Self {
        match c {
            ConflictArg::KeepBoth => Self::KeepBoth,
            ConflictArg::Replace => Self::Replace,
        }
    }
}

#[derive(Serialize)]
struct JsonOutcome<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<JsonFile<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    reused: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    folder: Option<&'a std::path::Path>,
    files: Vec<JsonOutcome<'a>>,
    message: Option<String>,
    /// Why the whole batch was refused before anything was copied.
    error: Option<JsonError>,
    /// Why the session's conversation could not record the saved files.
    #[serde(skip_serializing_if = "Option::is_none")]
    unrecorded: Option<JsonError>,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let request = UploadRequest {
        session_id: args.session,
        worktree: args.worktree,
        destination: args.dest.map(Destination::from),
        on_conflict: args.on_conflict.map(ConflictPolicy::from),
        max_file_size: args.max_file_size.map(|s| s.0),
        max_batch_files: args.max_batch_files,
        ..UploadRequest::new(
            args.paths.into_iter().map(Source::Path).collect(),
            Origin::Cli,
        )
    };
    let mut bar = ProgressLine::new(!args.json && std::io::stderr().is_terminal());
    let uploaded = uploads::upload(ctx, request, &mut |p| bar.update(p));
    bar.finish();
    let uploaded = uploaded?;
    log_failures(&uploaded.report);
    let message = uploaded.message(&args.message);
    if args.json {
        print_json(&json_report(&uploaded, message))?;
    } else {
        print_text(&uploaded.report, message.as_deref());
        if let Some(e) = &uploaded.unrecorded {
            eprintln!("{}", terminal_safe(&e.message));
        }
    }
    Ok(uploaded.report.all_saved() && uploaded.unrecorded.is_none())
}

/// One log line per file that failed, and for a batch refused whole.
fn log_failures(report: &Report) {
    if let Some(e) = &report.refused {
        tracing::warn!("upload refused: {}", Chain(e));
    }
    for outcome in &report.outcomes {
        if let Err(e) = &outcome.result {
            tracing::warn!(file = ?outcome.label, "{}", Chain(e));
        }
    }
}

fn print_text(report: &Report, message: Option<&str>) {
    if let Some(e) = &report.refused {
        eprintln!("upload refused: {e}{}", hint(e));
    }
    for outcome in &report.outcomes {
        match &outcome.result {
            Ok(saved) => {
                println!("{}", safe_path(&saved.record.path));
                if saved.reused {
                    eprintln!(
                        "{}: already there with the same bytes; nothing written",
                        terminal_safe(&outcome.label)
                    );
                }
                if saved.record.mime_mismatch() {
                    eprintln!(
                        "{}: note: looks like {}, not {} as its name says",
                        terminal_safe(&outcome.label),
                        terminal_safe(saved.record.sniffed_mime.as_deref().unwrap_or("?")),
                        terminal_safe(&saved.record.mime)
                    );
                }
            }
            Err(e) => eprintln!(
                "{}: {}{}",
                terminal_safe(&outcome.label),
                terminal_safe(&e.to_string()),
                hint(e)
            ),
        }
    }
    if let Some(message) = message {
        println!("{}", terminal_safe_lines(message));
    }
}

/// What the person can do about an error, in CLI terms.
fn hint(e: &IngestError) -> &'static str {
    match e {
        IngestError::TooLarge { .. } => " (set --max-file-size or the max_file_size setting)",
        IngestError::BatchLimit { .. } => " (set --max-batch-files or the max_batch_files setting)",
        IngestError::Destination(handoff_core::destination::DestinationError::NoWorktree) => {
            " (pass --worktree DIR)"
        }
        _ => "",
    }
}

fn json_report(uploaded: &Uploaded, message: Option<String>) -> JsonReport<'_> {
    let report = &uploaded.report;
    JsonReport {
        unrecorded: uploaded.unrecorded.as_ref().map(|e| JsonError {
            kind: e.kind,
            message: e.message.clone(),
        }),
        error: report.refused.as_ref().map(|e| JsonError {
            kind: e.kind(),
            message: format!("{e}{}", hint(e)),
        }),
        folder: report.folder.as_deref(),
        files: report
            .outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(saved) => JsonOutcome {
                    source: &o.label,
                    file: Some((&saved.record).into()),
                    reused: saved.reused,
                    error: None,
                },
                Err(e) => JsonOutcome {
                    source: &o.label,
                    file: None,
                    reused: false,
                    error: Some(JsonError {
                        kind: e.kind(),
                        message: format!("{e}{}", hint(e)),
                    }),
                },
            })
            .collect(),
        message,
    }
}

/// A one-line progress bar on stderr for uploads that take a while.
struct ProgressLine {
    enabled: bool,
    shown: bool,
    last_percent: u64,
}

impl ProgressLine {
    /// Batches under this size finish too fast for a bar to help.
    const MIN_TOTAL: u64 = 64 * 1024 * 1024;

    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            shown: false,
            last_percent: u64::MAX,
        }
    }

    fn update(&mut self, p: &Progress) {
        if !self.enabled || p.batch_total < Self::MIN_TOTAL {
            return;
        }
        let percent = p.batch_done.min(p.batch_total) * 100 / p.batch_total;
        if percent != self.last_percent {
            self.last_percent = percent;
            self.shown = true;
            eprint!(
                "\rsaving {} of {} ({percent}%)",
                ByteSize(p.batch_done),
                ByteSize(p.batch_total)
            );
        }
    }

    fn finish(&self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}
