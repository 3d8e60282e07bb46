//! What can go wrong with an agent.

use super::sign_in::AuthMethod;
use crate::words::ErrorKind;

/// Why talking to an agent failed. Every message says what happened and,
/// where it helps, what to do.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AgentError {
    /// The profile's command is not on `PATH`.
    #[error("{command} is not installed; {hint}")]
    NotInstalled {
        /// The command looked for.
        command: String,
        /// How to install it.
        hint: String,
    },
    /// The agent wants the person to sign in first.
    #[error("{agent} needs you to sign in first ({})", methods.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "))]
    AuthRequired {
        /// The agent's name.
        agent: String,
        /// The profile it was started from.
        profile: String,
        /// What the agent offers.
        methods: Vec<AuthMethod>,
    },
    /// The agent process ended.
    #[error("the agent stopped {}{}", exit.map_or_else(|| "unexpectedly".to_owned(), |c| format!("({})", super::stderr::describe_exit(c))), tail_suffix(stderr_tail))]
    Crashed {
        /// Its exit code (128 + the signal), when known.
        exit: Option<i32>,
        /// The last lines the agent wrote to stderr.
        stderr_tail: String,
    },
    /// The agent sent one message over the limit (a line of ACP that never
    /// ended, or a huge one); Handoff stopped it.
    #[error(
        "the agent sent one message of over {limit}, more than Handoff takes (setting max_agent_message), so Handoff stopped it"
    )]
    TooLong {
        /// The limit of one message.
        limit: crate::size::ByteSize,
    },
    /// The agent did not answer in time.
    #[error(
        "the agent did not answer {stage} within {seconds} s{}",
        tail_suffix(stderr_tail)
    )]
    Timeout {
        /// What it was asked ("initialize", "session/new", "the prompt").
        stage: &'static str,
        /// How long Handoff waited.
        seconds: u64,
        /// The last lines the agent wrote to stderr.
        stderr_tail: String,
    },
    /// The agent answered with an error.
    #[error("the agent refused: {message}")]
    Refused {
        /// The agent's message.
        message: String,
    },
    /// The mode asked for is not one the agent offers.
    #[error("{agent} has no mode {asked:?}; it offers: {}", if offered.is_empty() { "no modes".to_owned() } else { offered.join(", ") })]
    UnknownMode {
        /// The agent's name.
        agent: String,
        /// The mode asked for.
        asked: String,
        /// The ids of the modes it offers.
        offered: Vec<String>,
    },
    /// A setting or value asked for is not one the agent offers.
    #[error("{message}")]
    BadOption {
        /// What was wrong, with what the agent offers.
        message: String,
    },
    /// A turn is already running; wait for it or cancel it.
    #[error("the agent is still working on the previous prompt")]
    Busy,
    /// The session or its files could not be read or recorded.
    #[error("{0}")]
    Store(String),
    /// The remote worktree's machine could not be reached.
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
}

impl AgentError {
    /// The message without the stderr tail (which goes beside it, folded).
    #[must_use]
    pub fn headline(&self) -> String {
        let full = self.to_string();
        match self.stderr_tail() {
            Some(tail) => full
                .strip_suffix(&tail_suffix(tail))
                .map_or(full.clone(), str::to_owned),
            None => full,
        }
    }

    /// The agent's stderr tail, for errors that have one.
    #[must_use]
    pub fn stderr_tail(&self) -> Option<&str> {
        match self {
            Self::Crashed { stderr_tail, .. } | Self::Timeout { stderr_tail, .. }
                if !stderr_tail.is_empty() =>
            {
                Some(stderr_tail)
            }
            _ => None,
        }
    }
}

impl From<crate::store::StoreError> for AgentError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Store(e.to_string())
    }
}

fn tail_suffix(tail: &str) -> String {
    if tail.trim().is_empty() {
        String::new()
    } else {
        format!("; its last words:\n{}", tail.trim_end())
    }
}

impl AgentError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotInstalled { .. } => ErrorKind::AgentNotInstalled,
            Self::AuthRequired { .. } => ErrorKind::AuthRequired,
            Self::Crashed { .. } | Self::TooLong { .. } => ErrorKind::AgentCrashed,
            Self::Timeout { .. } => ErrorKind::AgentTimeout,
            Self::Refused { .. } => ErrorKind::AgentFailed,
            Self::UnknownMode { .. } => ErrorKind::UnknownMode,
            Self::BadOption { .. } => ErrorKind::UnknownOption,
            Self::Busy => ErrorKind::AgentBusy,
            Self::Store(_) => ErrorKind::StoreFailed,
            Self::Remote(e) => e.kind(),
        }
    }
}
