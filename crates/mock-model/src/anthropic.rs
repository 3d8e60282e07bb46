//! Anthropic Messages: `POST /v1/messages` (with or without `?beta=true`),
//! streamed or not, and `/v1/messages/count_tokens`.

use axum::response::Response;
use serde_json::{Value, json};

use crate::{Reply, Tool, sse};

pub fn tools(body: &Value) -> Vec<Tool> {
    body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .map(|name| Tool {
            name: name.to_owned(),
            namespace: None,
        })
        .collect()
}

pub fn count(_body: &Value) -> Response {
    sse::json(&json!({"input_tokens": 100}))
}

fn model(body: &Value) -> Value {
    body.get("model").cloned().unwrap_or(json!("mock"))
}

pub fn reply(body: &Value, reply: &Reply<'_>, stream: bool) -> Response {
    let usage = json!({"input_tokens": 100, "output_tokens": 10,
        "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    let (block, stop) = match reply {
        Reply::Text(text) => (json!({"type": "text", "text": text}), "end_turn"),
        Reply::Call { tool, args, id } => (
            json!({"type": "tool_use", "id": format!("toolu_mock_{id}"), "name": tool.name, "input": args}),
            "tool_use",
        ),
    };
    if !stream {
        return sse::json(&json!({
            "id": "msg_mock", "type": "message", "role": "assistant", "model": model(body),
            "content": [block], "stop_reason": stop, "stop_sequence": null, "usage": usage,
        }));
    }
    let mut events = vec![(
        Some("message_start"),
        json!({"type": "message_start", "message": {
            "id": "msg_mock", "type": "message", "role": "assistant", "model": model(body),
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 100, "output_tokens": 1}}}),
    )];
    let (start, deltas) = match reply {
        Reply::Text(text) => (
            json!({"type": "text", "text": ""}),
            sse::pieces(text)
                .into_iter()
                .map(|t| json!({"type": "text_delta", "text": t}))
                .collect::<Vec<_>>(),
        ),
        Reply::Call { tool, args, id } => (
            json!({"type": "tool_use", "id": format!("toolu_mock_{id}"), "name": tool.name, "input": {}}),
            vec![json!({"type": "input_json_delta", "partial_json": args.to_string()})],
        ),
    };
    events.push((
        Some("content_block_start"),
        json!({"type": "content_block_start", "index": 0, "content_block": start}),
    ));
    for delta in deltas {
        events.push((
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        ));
    }
    events.push((
        Some("content_block_stop"),
        json!({"type": "content_block_stop", "index": 0}),
    ));
    events.push((
        Some("message_delta"),
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": 10}}),
    ));
    events.push((Some("message_stop"), json!({"type": "message_stop"})));
    sse::events(&events)
}
