//! The publish server over MCP's streamable HTTP transport, for an agent on
//! another machine: it cannot start `handoff mcp` there, so Handoff serves
//! the session's tools on this machine's loopback and the agent's `ssh`
//! forwards a port on the remote's loopback to it (`ssh -R`). Every request
//! must carry the session's secret (`Authorization: Bearer …`); anything
//! else is answered 401 before MCP sees it.
//!
//! Anyone on either loopback can connect, secret or not, so the server
//! holds what a connection costs within bounds: a client has
//! [`HEADER_TIMEOUT`] to send a request's headers (and to start the next
//! one), [`BODY_TIMEOUT`] to send its body, and a session's server keeps
//! at most [`MAX_CONNECTIONS`] open: a new one past that closes the oldest
//! that never showed the secret, so connections left open by others never
//! lock the agent out.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::home::Home;
use crate::mcp::{McpError, PublishServer};

/// The path the tools are served at.
pub const PATH: &str = "/mcp";

/// How long a client may take to send a request's headers, counted from
/// when the server waits for them (a new connection, or the end of the
/// last answer); then the connection is closed.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's body once its headers
/// came; then it is answered 408.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request body taken (MCP messages are small JSON).
const MAX_BODY: usize = 4 << 20;

/// The most connections one session's server keeps open.
pub const MAX_CONNECTIONS: usize = 256;

/// How long to wait before accepting again when accepting failed (the
/// process is out of file descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// A running HTTP publish server for one session; stops when dropped.
#[derive(Debug)]
pub struct HttpServer {
    address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl HttpServer {
    /// Starts serving session `session_id` on `127.0.0.1` and a free port,
    /// answering only requests that carry `token` (call within a runtime).
    pub fn start(
        home: Home,
        session_id: i64,
        token: &str,
        max_size: u64,
    ) -> Result<Self, McpError> {
        let transport = |e: std::io::Error| McpError::Transport(e.to_string());
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(transport)?;
        listener.set_nonblocking(true).map_err(transport)?;
        let address = listener.local_addr().map_err(transport)?;
        let listener = TcpListener::from_std(listener).map_err(transport)?;
        let service = StreamableHttpService::new(
            move || Ok(PublishServer::new(home.clone(), session_id, max_size)),
            Arc::new(LocalSessionManager::default()),
            StreamableHttpServerConfig::default(),
        );
        let expected: Arc<str> = format!("Bearer {token}").into();
        let router = Router::new()
            .nest_service(PATH, service)
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                let expected = Arc::clone(&expected);
                async move { authorized(&expected, request, next).await }
            }));
        let task = tokio::spawn(serve(listener, router));
        Ok(Self { address, task })
    }

    /// The port it listens on (on `127.0.0.1`).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.address.port()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections and serves each on a task of its own, within
/// [`MAX_CONNECTIONS`].
async fn serve(listener: TcpListener, router: Router) {
    let open = Arc::new(Mutex::new(Open::default()));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "the HTTP publish server cannot accept a connection");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let trusted = Trusted::default();
        let (stop, stopped) = oneshot::channel();
        let Some(id) = open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(trusted.clone(), stop)
        else {
            // Full of connections that showed the secret: refused.
            continue;
        };
        let router = router.clone().layer(Extension(trusted));
        let open = Arc::clone(&open);
        tokio::spawn(async move {
            tokio::select! {
                () = connection(stream, router) => {}
                _ = stopped => {}
            }
            open.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .close(id);
        });
    }
}

/// Serves one connection over HTTP/1.1 with the header timeout.
async fn connection(stream: TcpStream, router: Router) {
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
        .await;
    if let Err(e) = served {
        tracing::debug!(error = %e, "an HTTP publish connection ended");
    }
}

/// Whether a connection has carried a request with the session's secret.
#[derive(Debug, Clone, Default)]
struct Trusted(Arc<AtomicBool>);

/// The open connections of one server, oldest first.
#[derive(Default)]
struct Open {
    next_id: u64,
    connections: VecDeque<Connection>,
}

/// One open connection: whether it showed the secret, and how to close it.
struct Connection {
    id: u64,
    trusted: Trusted,
    stop: oneshot::Sender<()>,
}

impl Open {
    /// Makes room for a new connection (at [`MAX_CONNECTIONS`], closing the
    /// oldest that never showed the secret) and records it; `None` when
    /// every open one showed it.
    fn admit(&mut self, trusted: Trusted, stop: oneshot::Sender<()>) -> Option<u64> {
        if self.connections.len() >= MAX_CONNECTIONS {
            let oldest = self
                .connections
                .iter()
                .position(|c| !c.trusted.0.load(Ordering::Relaxed))?;
            if let Some(evicted) = self.connections.remove(oldest) {
                let _ = evicted.stop.send(());
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.connections.push_back(Connection { id, trusted, stop });
        Some(id)
    }

    /// Forgets a connection that ended.
    fn close(&mut self, id: u64) {
        self.connections.retain(|c| c.id != id);
    }
}

/// Passes on a request that carries the session's secret, its body read
/// within [`BODY_TIMEOUT`]; 401 otherwise. The connection it came on is
/// trusted from then on.
async fn authorized(expected: &str, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !given.is_some_and(|given| same(given.as_bytes(), expected.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            "this server answers one Handoff session; its secret is missing or wrong",
        )
            .into_response();
    }
    if let Some(Trusted(trusted)) = request.extensions().get::<Trusted>() {
        trusted.store(true, Ordering::Relaxed);
    }
    let (parts, body) = request.into_parts();
    let body = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return (
                StatusCode::BAD_REQUEST,
                "the request's body could not be read, or is over 4 MiB",
            )
                .into_response();
        }
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "the request's body did not arrive in time",
            )
                .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Compares two secrets in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::{BODY_TIMEOUT, HEADER_TIMEOUT, HttpServer, MAX_CONNECTIONS, PATH};
    use crate::home::Home;

    /// Whether the server closed `stream` within `within` (it reads the
    /// end; anything else it sends first is skipped).
    async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
        let mut buf = [0; 4096];
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
        }
    }

    /// An authorized `GET` of the tools' path (answered at once: no MCP
    /// session yet) on `stream`, kept alive; returns the status line.
    async fn authorized_get(stream: &mut TcpStream, port: u16) -> String {
        let request = format!(
            "GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer s3cret\r\n\
             Accept: text/event-stream\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "an answer");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("a sized answer");
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.unwrap();
        head.lines().next().unwrap_or_default().to_owned()
    }

    /// The status line the server answers an `initialize` with.
    async fn status(port: u16, authorization: Option<&str>) -> String {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        let auth = authorization.map_or_else(String::new, |a| format!("Authorization: {a}\r\n"));
        let request = format!(
            "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = vec![0; 64];
        let n = stream.read(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    #[tokio::test]
    async fn only_the_sessions_secret_opens_the_server() {
        let dir = tempfile::tempdir().unwrap();
        let server = HttpServer::start(Home::at(dir.path().to_owned()), 1, "s3cret", 10).unwrap();
        let port = server.port();
        assert_eq!(status(port, None).await, "HTTP/1.1 401 Unauthorized");
        assert_eq!(
            status(port, Some("Bearer wrong!")).await,
            "HTTP/1.1 401 Unauthorized"
        );
        assert_eq!(status(port, Some("Bearer s3cret")).await, "HTTP/1.1 200 OK");
        drop(server);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err(),
            "dropping the server stops it"
        );
    }

    /// Connections that sent nothing, half their headers, or too little of
    /// their body were held open for ever: anyone on the loopback could use
    /// up Handoff's files that way. Now the first two are closed after the
    /// header timeout and the third answered 408 after the body timeout.
    /// Runs 10 s (the timeouts).
    #[tokio::test]
    async fn idle_and_slow_clients_are_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let server = HttpServer::start(Home::at(dir.path().to_owned()), 1, "s3cret", 10).unwrap();
        let port = server.port();
        let start = Instant::now();
        let mut silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut half = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        half.write_all(format!("POST {PATH} HTTP/1.1\r\nHost: 127").as_bytes())
            .await
            .unwrap();
        let mut short = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        short
            .write_all(
                format!(
                    "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer s3cret\r\n\
                     Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"jsonrpc\""
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let grace = Duration::from_secs(3);
        assert!(
            closed_within(&mut silent, HEADER_TIMEOUT + grace).await,
            "silent"
        );
        assert!(closed_within(&mut half, grace).await, "half the headers");
        assert!(start.elapsed() + Duration::from_secs(1) >= HEADER_TIMEOUT);
        let mut answer = vec![0; 64];
        let n = tokio::time::timeout(BODY_TIMEOUT + grace, short.read(&mut answer))
            .await
            .expect("answered")
            .unwrap();
        assert!(
            answer[..n].starts_with(b"HTTP/1.1 408"),
            "{}",
            String::from_utf8_lossy(&answer[..n])
        );
    }

    /// 300 idle connections kept the server's 300 files; every one more
    /// was another. Now the server keeps at most 256 open: each new one
    /// past that closes the oldest that never showed the secret, so a
    /// client with the secret gets in at once, and one that showed it is
    /// never closed. Runs under a second.
    #[tokio::test]
    async fn past_the_cap_the_oldest_connection_without_the_secret_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let server = HttpServer::start(Home::at(dir.path().to_owned()), 1, "s3cret", 10).unwrap();
        let port = server.port();
        let mut agent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let first = authorized_get(&mut agent, port).await;
        let mut idle = Vec::new();
        for _ in 0..300 {
            idle.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
        }
        // One open with the secret, 300 without, 256 kept: 45 closed.
        let evicted = 300 + 1 - MAX_CONNECTIONS;
        for stream in &mut idle[..evicted] {
            assert!(closed_within(stream, Duration::from_secs(5)).await);
        }
        assert!(!closed_within(&mut idle[evicted], Duration::from_millis(200)).await);
        assert_eq!(
            authorized_get(&mut agent, port).await,
            first,
            "still served"
        );
        assert_eq!(status(port, Some("Bearer s3cret")).await, "HTTP/1.1 200 OK");
        assert!(
            closed_within(&mut idle[evicted], Duration::from_secs(5)).await,
            "the newcomer took the oldest idle one's place"
        );
    }
}
