//! The real coding agents (Claude Code, Codex, Gemini CLI), installed by
//! `scripts/setup.sh` under `tests/agents`, driven through the real
//! `handoff` binary with their model requests answered by a mock model on
//! 127.0.0.1.

mod agents;
mod sign_in;
mod world;
