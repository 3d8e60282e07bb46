//! One module per subcommand: its arguments and what it does.

pub mod gc;
pub mod ls;
pub mod rm;
pub mod settings;
pub mod upload;
pub mod watch;
