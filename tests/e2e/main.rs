//! End to end: the real app, under Xvfb, driven through `tauri-driver` and
//! `WebKitWebDriver`. Each step is checked on disk, in the database and on
//! screen; screenshots go to `target/e2e-screenshots/`.
//!
//! Run through `make test` (it builds the UI and the app and provides the
//! display). Tests run one at a time: each starts its own app.

mod agent_errors;
mod app;
mod desktop;
mod flows;
// The S3-compatible server the share tests run.
#[allow(dead_code)]
#[path = "../../crates/handoff-cli/tests/cli/garage.rs"]
mod garage;
mod instance;
mod keyboard;
mod layout;
mod limits;
mod modes;
mod names;
mod outputs;
mod panel;
mod paste;
mod previews;
mod real_agent;
mod remote;
mod settings;
mod share_viewer;
mod sharing;
mod wayland;
