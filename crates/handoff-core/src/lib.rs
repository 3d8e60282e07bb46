//! Frontend-agnostic engine of Handoff: everything that is not UI.
//!
//! Handoff moves files between a person and a coding agent. A file the person
//! hands over is an *upload*: [`ingest`] copies it atomically into a
//! [`destination`] folder the agent can read (a worktree's `.agor/uploads/`,
//! a temp folder or a global one), under a [`naming`]-safe name, hashing it
//! while it copies, and records it in the [`store`] (one SQLite file that the
//! desktop app, the CLI and agent-side helpers share). [`template`] turns the
//! saved paths into the message sent to the agent. Afterwards the files live
//! on their own: [`reconcile`] compares the records with the disk, [`watch`]
//! does the same live from file-system events and reports what changed, and
//! [`expiry`] deletes temp uploads that outlived their time.
//!
//! The other way, [`agent`] speaks the Agent Client Protocol to a coding
//! agent (prompts with `{filepath}` filled, files as links and images) and
//! [`mcp`] serves the `publish_file` tool through which the agent hands files
//! back ([`publish`]); [`demo_agent`] is a real ACP agent with no model.
//!
//! Nothing here depends on a UI toolkit. The desktop shell and the CLI call
//! the use cases in [`api`] (sessions, worktrees, profiles, uploads,
//! agents, live folders, helper processes) and show what they return; every
//! error that reaches a person has an [`ErrorKind`]. The agent side and the
//! MCP server run on tokio; ingest, the store and the watcher are plain
//! blocking code, which the shells run off their async threads.

pub mod agent;
pub mod api;
pub mod clock;
pub mod conversation;
pub mod demo_agent;
pub mod destination;
pub mod expiry;
pub mod file_uri;
pub mod home;
pub mod ingest;
pub mod logging;
pub mod mcp;
pub mod mcp_http;
mod mcp_stdio;
pub mod mentions;
pub mod mime;
pub mod naming;
pub mod outputs;
pub mod preview;
pub mod process;
pub mod publish;
pub mod random;
pub mod reconcile;
pub mod recovery;
pub mod remote;
pub mod remove;
mod runtime;
pub mod safe_dir;
pub mod settings;
pub mod share;
pub mod size;
pub mod store;
pub mod template;
mod text_enum;
pub mod thumbs;
pub mod untracked;
pub mod watch;
pub mod words;

pub use clock::Timestamp;
pub use destination::Roots;
pub use home::Home;
pub use ingest::{IngestError, Source, Upload};
pub use settings::Settings;
pub use store::{FileRecord, FileStatus, Store, StoreError};
pub use words::{ConflictPolicy, Destination, ErrorKind, Origin};
