//! `handoff prompt`: hand files to a session's agent and stream its reply.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use handoff_core::agent::StopReason;
use handoff_core::agent::{
    AgentEvent, AgentSession, HANDSHAKE_TIMEOUT, PermissionAsk, SessionOptions,
};
use handoff_core::ingest;
use handoff_core::template::DEFAULT_MESSAGE;
use handoff_core::{Origin, Source, Upload, clock};
use tokio::sync::mpsc;

use crate::context::Context;
use crate::output::{safe_path, terminal_safe, terminal_safe_lines};

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
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let session = store.sessions().get(args.session)?;
    let worktree = store.worktrees().get(session.worktree_id)?;

    let mut all_saved = true;
    let mut files = Vec::new();
    if !args.attach.is_empty() {
        let mut upload = Upload::new(
            args.attach.iter().cloned().map(Source::Path).collect(),
            Origin::Cli,
            &settings,
        );
        upload.session_id = Some(session.id);
        upload.worktree = Some(worktree);
        let report = ingest::upload(
            &mut store,
            &ctx.roots,
            &settings,
            &upload,
            clock::now(),
            &mut |_| {},
        );
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
        files = report.saved().cloned().collect();
    }
    drop(store);

    let options = SessionOptions {
        home: ctx.home.clone(),
        handoff_exe: std::env::current_exe()?,
        roots: ctx.roots.clone(),
        handshake_timeout: Duration::from_secs(args.start_timeout),
        prompt_timeout: args.timeout.map(Duration::from_secs),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let ok = runtime.block_on(converse(options, session.id, &message, &files))?;
    Ok(ok && all_saved)
}

/// Starts the agent, sends the prompt, prints the reply as it streams.
async fn converse(
    options: SessionOptions,
    session_id: i64,
    message: &str,
    files: &[handoff_core::FileRecord],
) -> Result<bool> {
    let (events, mut incoming) = mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(event) = incoming.recv().await {
            show(event).await;
        }
    });
    let agent = match AgentSession::start(&options, session_id, events).await {
        Ok(agent) => agent,
        Err(e) => {
            eprintln!("handoff: {}", terminal_safe_lines(&e.to_string()));
            return Ok(false);
        }
    };
    eprintln!(
        "→ {} (session {session_id})",
        terminal_safe(&agent.info().name)
    );
    let result = {
        let turn = agent.prompt(message, files);
        tokio::pin!(turn);
        tokio::select! {
            result = &mut turn => result,
            _ = tokio::signal::ctrl_c() => {
                agent.cancel();
                eprintln!("\ncancelling…");
                turn.await
            }
        }
    };
    agent.shutdown().await;
    let _ = printer.await;
    println!();
    match result {
        Ok(stop) => {
            eprintln!("({})", stop_reason(stop));
            Ok(true)
        }
        Err(e) => {
            eprintln!("handoff: {}", terminal_safe_lines(&e.to_string()));
            Ok(false)
        }
    }
}

fn stop_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::EndTurn => "end of turn",
        StopReason::MaxTokens => "stopped: the agent ran out of tokens",
        StopReason::MaxTurnRequests => "stopped: too many requests in one turn",
        StopReason::Refusal => "the agent refused",
        StopReason::Cancelled => "cancelled",
        _ => "stopped",
    }
}

async fn show(event: AgentEvent) {
    match event {
        AgentEvent::Text(text) => {
            print!("{}", terminal_safe_lines(&text));
            let _ = std::io::stdout().flush();
        }
        AgentEvent::Thought(text) => eprint!("{}", terminal_safe_lines(&text)),
        AgentEvent::ToolCall { title, status, .. } => {
            eprintln!("[{status}] {}", terminal_safe(&title));
        }
        AgentEvent::Plan(entries) => {
            for entry in entries {
                eprintln!("plan: {}", terminal_safe(&entry));
            }
        }
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
