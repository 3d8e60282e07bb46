//! One module per subcommand: its arguments and what it does.

pub mod agent;
pub mod gc;
pub mod keep;
pub mod ls;
pub mod prompt;
pub mod published;
pub mod remote;
pub mod rm;
pub mod session;
pub mod settings;
pub mod share;
pub mod upload;
pub mod watch;
