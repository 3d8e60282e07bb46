//! Pictures and texts out of any of the three APIs' request shapes: a walk
//! over the JSON, so a block nested in a tool result is found too.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// A picture found in a request, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Its media type as the request gave it, e.g. `image/png`.
    pub mime: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Anthropic `{"type":"base64","media_type","data"}`, `OpenAI`
/// `data:image/…;base64,…` URLs, Gemini `{"inlineData":{"mimeType","data"}}`.
pub fn images(body: &Value) -> Vec<Image> {
    let mut out = Vec::new();
    walk(body, &mut |value| match value {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("base64")
                && let (Some(mime), Some(data)) = (
                    map.get("media_type").and_then(Value::as_str),
                    map.get("data").and_then(Value::as_str),
                )
            {
                push(&mut out, mime, data);
            }
            if let Some(inline) = map.get("inlineData")
                && let (Some(mime), Some(data)) =
                    (inline["mimeType"].as_str(), inline["data"].as_str())
            {
                push(&mut out, mime, data);
            }
        }
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix("data:")
                && let Some((mime, data)) = rest.split_once(";base64,")
                && mime.starts_with("image/")
            {
                push(&mut out, mime, data);
            }
        }
        _ => {}
    });
    out
}

fn push(out: &mut Vec<Image>, mime: &str, data: &str) {
    if let Ok(bytes) = STANDARD.decode(data) {
        out.push(Image {
            mime: mime.to_owned(),
            bytes,
        });
    }
}

/// Every string under a `text` key, and tool results given as plain
/// strings (`content` / `output`).
pub fn texts(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(body, &mut |value| {
        if let Value::Object(map) = value {
            for key in ["text", "content", "output"] {
                if let Some(Value::String(s)) = map.get(key) {
                    out.push(s.clone());
                }
            }
        }
    });
    out
}

fn walk(value: &Value, visit: &mut dyn FnMut(&Value)) {
    visit(value);
    match value {
        Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
        Value::Object(map) => map.values().for_each(|v| walk(v, visit)),
        _ => {}
    }
}
