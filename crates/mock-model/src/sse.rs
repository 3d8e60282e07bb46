//! Server-sent events, written out whole: the agents read them as a stream
//! either way.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde_json::Value;

/// A `text/event-stream` response of `(event name, data)` pairs.
pub fn events(events: &[(Option<&str>, Value)]) -> Response {
    let mut body = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            body.push_str("event: ");
            body.push_str(name);
            body.push('\n');
        }
        body.push_str("data: ");
        body.push_str(&data.to_string());
        body.push_str("\n\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// A `text/event-stream` response where each event is named by its data's
/// `type`.
pub fn typed(data: &[Value]) -> Response {
    let named: Vec<(Option<&str>, Value)> = data
        .iter()
        .map(|d| (d["type"].as_str(), d.clone()))
        .collect();
    events(&named)
}

/// A JSON response.
pub fn json(value: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// `text` cut into a few pieces at word ends, so it arrives as several deltas.
pub fn pieces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split_inclusive(' ') {
        current.push_str(word);
        if current.len() >= 12 {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

/// `response` (a whole event stream of `text`) cut after the first event
/// that carries a piece of `text`, then held open with nothing more sent:
/// the agent sees the reply begin and then wait, until it hangs up.
pub async fn stalled(response: Response, text: &str) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let whole = String::from_utf8_lossy(&bytes).into_owned();
    let first = pieces(text).into_iter().next().unwrap_or_default();
    let needle = Value::String(first).to_string();
    let needle = needle.trim_matches('"');
    let mut head = String::new();
    for event in whole.split_inclusive("\n\n") {
        head.push_str(event);
        if event.contains(needle) {
            break;
        }
    }
    let start = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(head)]);
    let body = Body::from_stream(start.chain(futures_util::stream::pending()));
    Response::from_parts(parts, body)
}
