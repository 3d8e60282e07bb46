//! `OpenAI` Responses: `POST /v1/responses`, streamed. MCP tools arrive
//! grouped under a `namespace` tool; a call to one must name it.

use axum::response::Response;
use serde_json::{Value, json};

use crate::{Reply, Tool, sse};

pub fn tools(body: &Value) -> Vec<Tool> {
    let mut out = Vec::new();
    for tool in body["tools"].as_array().into_iter().flatten() {
        if tool["type"] == "namespace" {
            let namespace = tool["name"].as_str().map(str::to_owned);
            for inner in tool["tools"].as_array().into_iter().flatten() {
                if let Some(name) = inner["name"].as_str() {
                    out.push(Tool {
                        name: name.to_owned(),
                        namespace: namespace.clone(),
                    });
                }
            }
        } else if let Some(name) = tool["name"].as_str() {
            out.push(Tool {
                name: name.to_owned(),
                namespace: None,
            });
        }
    }
    out
}

pub fn reply(body: &Value, reply: &Reply<'_>) -> Response {
    let model = body.get("model").cloned().unwrap_or(json!("mock"));
    let response = |status: &str, output: Value| {
        json!({"id": "resp_mock", "object": "response", "created_at": 0, "status": status,
            "model": model, "output": output,
            "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 110}})
    };
    let mut events =
        vec![json!({"type": "response.created", "response": response("in_progress", json!([]))})];
    let item = match reply {
        Reply::Text(text) => {
            let added = json!({"type": "message", "id": "msg_mock", "role": "assistant",
                "status": "in_progress", "content": []});
            events.push(
                json!({"type": "response.output_item.added", "output_index": 0, "item": added}),
            );
            let part = json!({"type": "output_text", "text": "", "annotations": []});
            events.push(
                json!({"type": "response.content_part.added", "item_id": "msg_mock",
                "output_index": 0, "content_index": 0, "part": part}),
            );
            for piece in sse::pieces(text) {
                events.push(
                    json!({"type": "response.output_text.delta", "item_id": "msg_mock",
                    "output_index": 0, "content_index": 0, "delta": piece}),
                );
            }
            events.push(
                json!({"type": "response.output_text.done", "item_id": "msg_mock",
                "output_index": 0, "content_index": 0, "text": text}),
            );
            let part = json!({"type": "output_text", "text": text, "annotations": []});
            events.push(
                json!({"type": "response.content_part.done", "item_id": "msg_mock",
                "output_index": 0, "content_index": 0, "part": part}),
            );
            json!({"type": "message", "id": "msg_mock", "role": "assistant",
                "status": "completed", "content": [part]})
        }
        Reply::Call { tool, args, id } => {
            let arguments = args.to_string();
            let mut item = json!({"type": "function_call", "id": format!("fc_mock_{id}"),
                "call_id": format!("call_mock_{id}"), "name": tool.name,
                "arguments": "", "status": "in_progress"});
            if let Some(namespace) = &tool.namespace {
                item["namespace"] = json!(namespace);
            }
            events.push(
                json!({"type": "response.output_item.added", "output_index": 0, "item": item}),
            );
            events.push(json!({"type": "response.function_call_arguments.delta",
                "item_id": item["id"], "output_index": 0, "delta": arguments}));
            events.push(json!({"type": "response.function_call_arguments.done",
                "item_id": item["id"], "output_index": 0, "arguments": arguments}));
            item["arguments"] = json!(arguments);
            item["status"] = json!("completed");
            item
        }
    };
    events.push(json!({"type": "response.output_item.done", "output_index": 0, "item": item}));
    events.push(
        json!({"type": "response.completed", "response": response("completed", json!([item]))}),
    );
    for (n, event) in events.iter_mut().enumerate() {
        event["sequence_number"] = json!(n);
    }
    sse::typed(&events)
}
