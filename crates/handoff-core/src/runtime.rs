//! The runtime network work runs on: one for the process, built on first
//! use, so connections opened there (SSH masters, HTTP clients) outlive
//! the callers' own runtimes (a CLI command's, a webview protocol
//! thread's).

use std::sync::OnceLock;

static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, NoRuntime>> = OnceLock::new();

/// The network runtime could not start (the system refused its threads).
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot start the network runtime: {0}")]
pub struct NoRuntime(String);

/// The process's network runtime.
pub(crate) fn get() -> Result<&'static tokio::runtime::Runtime, NoRuntime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("handoff-net")
                .enable_all()
                .build()
                .map_err(|e| NoRuntime(e.to_string()))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The runtime when it was ever started.
pub(crate) fn started() -> Option<&'static tokio::runtime::Runtime> {
    RUNTIME.get().and_then(|r| r.as_ref().ok())
}

/// Runs `work` to completion from blocking code on the network runtime.
pub(crate) fn block_on<T, E: From<NoRuntime>>(
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    get().map_err(E::from)?.handle().block_on(work)
}
