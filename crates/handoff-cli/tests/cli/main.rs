//! Tests of the real `handoff` binary on temp folders.

mod context;
mod crash;
mod gc;
mod ls_rm;
mod upload;
mod watch;
