//! `handoff prompt`: hand files to a session's agent and stream its reply.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use handoff_core::agent::{
    AgentEvent, AgentSession, HANDSHAKE_TIMEOUT, PermissionAsk, SessionOptions,
};
use handoff_core::agent::{describe_stop, options};
use handoff_core::api::uploads::{self, UploadRequest};
use handoff_core::api::{Context, sessions};
use handoff_core::template::DEFAULT_MESSAGE;
use handoff_core::{Origin, Source};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;

use crate::output::{safe_path, terminal_safe, terminal_safe_lines};
use handoff_core::logging::OrLog as _;

/// How long a cancelled turn may take to end before Handoff stops anyway.
const CANCEL_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The session (see `handoff session ls`).
    #[arg(long, value_name = "ID")]
    session: i64,
    /// A file or folder to hand over with the prompt (repeat for several).
    #[arg(long = "attach", value_name = "PATH")]
    attach: Vec<PathBuf>,
    /// Give up on a turn after this many seconds (default: wait).
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Put the agent in this mode (kept for the session's next prompts).
    #[arg(long)]
    mode: Option<String>,
    /// Set one of the agent's settings, SETTING=VALUE (e.g. model=sonnet;
    /// `handoff agent test` lists them); kept for the session. Repeat for
    /// several.
    #[arg(long = "option", value_name = "SETTING=VALUE")]
    options: Vec<String>,
    /// Give up on starting the agent after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = HANDSHAKE_TIMEOUT.as_secs())]
    start_timeout: u64,
    /// The message; {filepath}, {filename} and {dir} become the attached
    /// files (default with attachments: "Please review {filepath}").
    text: Option<String>,
}

pub fn run(ctx: &Context, args: &Args) -> Result<bool> {
    let message = match (&args.text, args.attach.is_empty()) {
        (Some(text), _) => text.clone(),
        (None, false) => DEFAULT_MESSAGE.to_owned(),
        (None, true) => anyhow::bail!("nothing to send: give a message or --attach a file"),
    };
    let options = options::parse_pairs(&args.options).map_err(anyhow::Error::msg)?;
    let session = sessions::remember(ctx, args.session, args.mode.as_deref(), &options)?;
    let mut all_saved = true;
    let mut files = Vec::new();
    if !args.attach.is_empty() {
        let request = UploadRequest {
            session_id: Some(session.id),
            ..UploadRequest::new(
                args.attach.iter().cloned().map(Source::Path).collect(),
                Origin::Cli,
            )
        };
        let uploaded = uploads::upload(ctx, request, &mut |_| {})?;
        let report = &uploaded.report;
        if let Some(e) = &report.refused {
            all_saved = false;
            eprintln!("attachments refused: {e}");
        }
        for outcome in &report.outcomes {
            match &outcome.result {
                Ok(saved) => eprintln!("attached {}", safe_path(&saved.record.path)),
                Err(e) => {
                    all_saved = false;
                    eprintln!(
                        "{}: {}",
                        terminal_safe(&outcome.label),
                        terminal_safe(&e.to_string())
                    );
                }
            }
        }
        if let Some(e) = &uploaded.unrecorded {
            eprintln!("{}", terminal_safe(&e.message));
        }
        files = report.saved().cloned().collect();
    }
    let options = SessionOptions {
        prompt_timeout: args.timeout.map(Duration::from_secs),
        ..ctx.agent_options(Some(Duration::from_secs(args.start_timeout)))
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let ok = runtime.block_on(converse(options, session.id, &message, &files));
    // Ends the agent if it still runs; a question left on the terminal
    // does not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(ok? && all_saved)
}

/// `handoff prompt` was stopped by a signal before the agent was done.
#[derive(Debug)]
pub struct Stopped {
    signal: Stop,
    starting: bool,
}

impl Stopped {
    /// The exit code: 128 + the signal's number, as a shell reports it.
    pub fn exit_code(&self) -> u8 {
        match self.signal {
            Stop::Interrupted => 130,
            Stop::Terminated => 143,
        }
    }
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let signal = match self.signal {
            Stop::Interrupted => "interrupted",
            Stop::Terminated => "terminated",
        };
        let stage = if self.starting {
            " while starting the agent"
        } else {
            ""
        };
        write!(f, "stopped ({signal}){stage}; the agent was ended")
    }
}

impl std::error::Error for Stopped {}

/// The signals that stop `handoff prompt`.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// SIGINT (Ctrl-C).
    Interrupted,
    /// SIGTERM.
    Terminated,
}

/// SIGINT and SIGTERM, caught so that the agent is ended before Handoff.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Stop {
        tokio::select! {
            _ = self.interrupt.recv() => Stop::Interrupted,
            _ = self.terminate.recv() => Stop::Terminated,
        }
    }
}

/// Starts the agent, sends the prompt, prints the reply as it streams.
async fn converse(
    options: SessionOptions,
    session_id: i64,
    message: &str,
    files: &[handoff_core::FileRecord],
) -> Result<bool> {
    let mut signals = StopSignals::new()?;
    let (events, mut incoming) = mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(event) = incoming.recv().await {
            show(event).await;
        }
    });
    // A signal drops the starting agent, which kills it.
    let agent = tokio::select! {
        started = AgentSession::start(&options, session_id, events) => match started {
            Ok(agent) => agent,
            Err(e) => {
                eprintln!("handoff: {}", terminal_safe_lines(&e.to_string()));
                super::agent::print_problem_details(&e);
                return Ok(false);
            }
        },
        signal = signals.next() => return Err(Stopped { signal, starting: true }.into()),
    };
    let name = terminal_safe(&agent.info().name);
    match agent.info().modes.current_name() {
        Some(mode) => eprintln!(
            "→ {name} (session {session_id}, mode {})",
            terminal_safe(mode)
        ),
        None => eprintln!("→ {name} (session {session_id})"),
    }
    let ended = {
        let turn = agent.prompt(message, files);
        tokio::pin!(turn);
        tokio::select! {
            result = &mut turn => Ok(result),
            signal = signals.next() => match signal {
                Stop::Terminated => Err(signal),
                Stop::Interrupted => {
                    agent.cancel();
                    eprintln!("\ncancelling… (Ctrl-C again to stop at once)");
                    tokio::select! {
                        result = &mut turn => Ok(result),
                        signal = signals.next() => Err(signal),
                        () = tokio::time::sleep(CANCEL_WAIT) => {
                            eprintln!("the agent did not end its turn");
                            Err(signal)
                        }
                    }
                }
            },
        }
    };
    let result = match ended {
        Ok(result) => result,
        Err(signal) => {
            // Dropping the agent kills it at once.
            drop(agent);
            return Err(Stopped {
                signal,
                starting: false,
            }
            .into());
        }
    };
    let made = agent.made();
    agent.shutdown().await;
    printer.await.or_log("printing the reply");
    println!();
    if let Some(line) = made_line(&made) {
        println!("{}", terminal_safe(&line));
    }
    match result {
        Ok(stop) => {
            eprintln!("({})", describe_stop(stop));
            Ok(true)
        }
        Err(e) => {
            eprintln!("handoff: {}", terminal_safe_lines(&e.to_string()));
            super::agent::print_problem_details(&e);
            Ok(false)
        }
    }
}

/// `made: out/report.md (1.2 kB, new); src/app.ts (+12 −3)`: what the
/// turn made in the worktree, if anything.
fn made_line(made: &handoff_core::outputs::Found) -> Option<String> {
    let mut parts: Vec<String> = made
        .files
        .iter()
        .map(handoff_core::outputs::Output::describe)
        .collect();
    parts.extend(handoff_core::outputs::describe_more(&made.more));
    (!parts.is_empty()).then(|| format!("made: {}", parts.join("; ")))
}

async fn show(event: AgentEvent) {
    match event {
        AgentEvent::Text(text) => {
            print!("{}", terminal_safe_lines(&text));
            let _ = std::io::stdout().flush();
        }
        AgentEvent::Thought(text) => eprint!("{}", terminal_safe_lines(&text)),
        AgentEvent::ToolCall {
            title,
            status,
            paths,
            ..
        } => {
            if paths.is_empty() {
                eprintln!("[{status}] {}", terminal_safe(&title));
            } else {
                eprintln!(
                    "[{status}] {} ({})",
                    terminal_safe(&title),
                    terminal_safe(&paths.join(", "))
                );
            }
        }
        AgentEvent::Plan(entries) => {
            for entry in entries {
                eprintln!("plan: {}", terminal_safe(&entry));
            }
        }
        AgentEvent::Mode(mode) => eprintln!("mode: {mode}"),
        AgentEvent::Options(_) => {}
        AgentEvent::Permission(ask) => {
            let answer = tokio::task::spawn_blocking(move || ask_on_terminal(ask)).await;
            drop(answer);
        }
    }
}

/// Asks the person to pick an option; an empty or closed input cancels.
fn ask_on_terminal(ask: PermissionAsk) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "\nThe agent asks: {}", terminal_safe(&ask.title));
    for (i, option) in ask.options.iter().enumerate() {
        let _ = writeln!(err, "  {}) {}", i + 1, terminal_safe(&option.name));
    }
    if std::io::stdin().is_terminal() {
        let _ = write!(err, "choose 1-{}: ", ask.options.len());
        let _ = err.flush();
    }
    let mut line = String::new();
    let chosen = match std::io::stdin().lock().read_line(&mut line) {
        Ok(n) if n > 0 => line
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| ask.options.get(i))
            .map(|o| o.id.clone()),
        _ => None,
    };
    let _ = ask.reply.send(chosen);
}
