//! The publish server over MCP's streamable HTTP transport, for an agent on
//! another machine: it cannot start `handoff mcp` there, so Handoff serves
//! the session's tools on this machine's loopback and the agent's `ssh`
//! forwards a port on the remote's loopback to it (`ssh -R`). Every request
//! must carry the session's secret (`Authorization: Bearer …`); anything
//! else is answered 401 before MCP sees it.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use crate::home::Home;
use crate::mcp::{McpError, PublishServer};

/// The path the tools are served at.
pub const PATH: &str = "/mcp";

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
        let listener = tokio::net::TcpListener::from_std(listener).map_err(transport)?;
        let service = StreamableHttpService::new(
            move || Ok(PublishServer::new(home.clone(), session_id, max_size)),
            Arc::new(LocalSessionManager::default()),
            StreamableHttpServerConfig::default(),
        );
        let expected: Arc<str> = format!("Bearer {token}").into();
        let router = axum::Router::new()
            .nest_service(PATH, service)
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                let expected = Arc::clone(&expected);
                async move { authorized(&expected, request, next).await }
            }));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error = %e, "the HTTP publish server stopped");
            }
        });
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

/// Passes on a request that carries the session's secret; 401 otherwise.
async fn authorized(expected: &str, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if given.is_some_and(|given| same(given.as_bytes(), expected.as_bytes())) {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            "this server answers one Handoff session; its secret is missing or wrong",
        )
            .into_response()
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::{HttpServer, PATH};
    use crate::home::Home;

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
}
