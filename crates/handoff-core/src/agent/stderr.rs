//! What an agent wrote to stderr last, and how it ended: the tie process
//! that stands between Handoff and the agent writes the agent's exit status
//! there as its last line, marked so that no agent output is taken for it;
//! Handoff notes there when it stopped the agent itself.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::AgentError;
use crate::size::ByteSize;

/// Lines kept for error messages.
const LINES: usize = 20;

/// Starts the line the tie writes when the agent ends: the mark, then the
/// exit code (128 + the signal for an agent killed by one).
pub const EXIT_MARK: &str = "\u{1e}handoff: agent exit ";

/// The last lines an agent wrote to stderr, and its exit code once known.
#[derive(Clone, Default)]
pub struct StderrTail(Arc<Mutex<Tail>>);

#[derive(Default)]
struct Tail {
    lines: VecDeque<String>,
    exit: Option<i32>,
    /// The limit of one message, when the agent was stopped for going over it.
    too_long: Option<u64>,
}

impl StderrTail {
    /// Takes one line the agent (or its tie) wrote.
    pub fn push(&self, line: &str) {
        let mut tail = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(code) = line.strip_prefix(EXIT_MARK) {
            tail.exit = code.trim().parse().ok();
            return;
        }
        if tail.lines.len() == LINES {
            tail.lines.pop_front();
        }
        tail.lines.push_back(line.to_owned());
    }

    /// The lines, oldest first.
    pub fn text(&self) -> String {
        let tail = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        tail.lines
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The agent's exit code, once it has ended.
    pub fn exit(&self) -> Option<i32> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).exit
    }

    /// The exit code, waiting up to `within` for the line that says it.
    pub async fn wait_exit(&self, within: Duration) -> Option<i32> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(code) = self.exit() {
                return Some(code);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Notes that Handoff stopped the agent because one message of it
    /// went over `limit` bytes.
    pub fn stopped_for_size(&self, limit: u64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .too_long = Some(limit);
    }

    /// The error for an agent that stopped: its exit status and last lines,
    /// or why Handoff stopped it.
    pub fn crashed(&self) -> AgentError {
        if let Some(limit) = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .too_long
        {
            return AgentError::TooLong {
                limit: ByteSize(limit),
            };
        }
        AgentError::Crashed {
            exit: self.exit(),
            stderr_tail: self.text(),
        }
    }
}

/// "exit 3", or "killed by signal 9" for 128 + 9.
#[must_use]
pub fn describe_exit(code: i32) -> String {
    if code > 128 && code < 128 + 65 {
        format!("killed by signal {}", code - 128)
    } else {
        format!("exit {code}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_line_is_taken_apart_from_the_agent_output() {
        let tail = StderrTail::default();
        tail.push("fatal: the model exploded");
        tail.push(&format!("{EXIT_MARK}3"));
        assert_eq!(tail.exit(), Some(3));
        assert_eq!(tail.text(), "fatal: the model exploded");
        assert_eq!(
            tail.crashed().to_string(),
            "the agent stopped (exit 3); its last words:\nfatal: the model exploded"
        );
        assert_eq!(tail.crashed().headline(), "the agent stopped (exit 3)");
        assert_eq!(describe_exit(137), "killed by signal 9");
        // An agent cannot fake it without the mark.
        tail.push("handoff: agent exit 0");
        assert_eq!(tail.exit(), Some(3));
        tail.stopped_for_size(64_000_000);
        assert_eq!(
            tail.crashed().to_string(),
            "the agent sent one message of over 64 MB, more than Handoff takes (setting max_agent_message), so Handoff stopped it"
        );
    }
}
