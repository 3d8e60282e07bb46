//! Integration tests of handoff-core on real files in temp folders and a
//! real SQLite database.

mod env;
mod expiry;
mod ingest;
mod layers;
mod names;
mod outputs;
mod reconcile;
mod watch;
