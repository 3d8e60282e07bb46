//! The commands the page can call, grouped by domain. Each is thin: it
//! turns its arguments into a core call and the result into IPC shapes.

pub mod agent;
pub mod files;
pub mod opened;
pub mod settings;
pub mod shares;
pub mod sign_in;
pub mod uploads;
pub mod workspace;
