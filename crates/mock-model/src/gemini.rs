//! Gemini: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`,
//! `:generateContent` and `:countTokens`.

use axum::response::Response;
use serde_json::{Value, json};

use crate::{Reply, Tool, sse};

pub fn tools(body: &Value) -> Vec<Tool> {
    body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["functionDeclarations"].as_array().into_iter().flatten())
        .filter_map(|f| f["name"].as_str())
        .map(|name| Tool {
            name: name.to_owned(),
            namespace: None,
        })
        .collect()
}

pub fn count(_body: &Value) -> Response {
    sse::json(&json!({"totalTokens": 100}))
}

fn chunk(parts: &Value, finish: bool) -> Value {
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
    if finish {
        candidate["finishReason"] = json!("STOP");
    }
    json!({"candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 10, "totalTokenCount": 110},
        "modelVersion": "gemini-2.5-pro"})
}

pub fn reply(_body: &Value, reply: &Reply<'_>, stream: bool) -> Response {
    let chunks: Vec<Value> = match reply {
        Reply::Text(text) if stream => {
            let pieces = sse::pieces(text);
            let last = pieces.len() - 1;
            pieces
                .iter()
                .enumerate()
                .map(|(n, p)| chunk(&json!([{"text": p}]), n == last))
                .collect()
        }
        Reply::Text(text) => vec![chunk(&json!([{"text": text}]), true)],
        Reply::Call { tool, args, .. } => vec![chunk(
            &json!([{"functionCall": {"name": tool.name, "args": args}}]),
            true,
        )],
    };
    if stream {
        let events: Vec<(Option<&str>, Value)> = chunks.into_iter().map(|c| (None, c)).collect();
        sse::events(&events)
    } else {
        sse::json(&chunks[0])
    }
}
