//! The mock model spoken to with a plain HTTP client, in each API's shape.

use handoff_mock_model::{Answer, Api, MockModel, Script, Step};
use serde_json::{Value, json};

const PNG_B64: &str = "iVBORw0KGgo=";

fn post(mock: &MockModel, path: &str, body: &Value) -> (u16, String) {
    let response = reqwest::blocking::Client::new()
        .post(format!("{}{path}", mock.url()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().unwrap())
}

/// The `data:` payloads of an SSE body, parsed.
fn data(sse: &str) -> Vec<Value> {
    sse.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

fn script() -> Script {
    Script::new()
        .call_tool_containing("publish_file", json!({"path": "out/report.md"}))
        .then_text("Done, the report is published.")
        .side_reply("A title")
}

#[test]
fn listens_on_loopback_only() {
    let mock = MockModel::start(Script::new()).unwrap();
    assert!(
        mock.url().starts_with("http://127.0.0.1:"),
        "{}",
        mock.url()
    );
}

#[test]
fn anthropic_tool_call_then_text_streamed_and_side_requests_answered() {
    let mock = MockModel::start(script()).unwrap();
    let main = json!({"model": "claude", "stream": true,
        "tools": [{"name": "Read"}, {"name": "mcp__handoff__publish_file"}],
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Look at .agor/uploads/shot.png"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}}]}]});
    let (status, body) = post(&mock, "/v1/messages?beta=true", &main);
    assert_eq!(status, 200);
    let events = data(&body);
    assert_eq!(events[0]["type"], "message_start");
    assert_eq!(
        events[1]["content_block"]["name"],
        "mcp__handoff__publish_file"
    );
    let json_text = events[2]["delta"]["partial_json"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(json_text).unwrap(),
        json!({"path": "out/report.md"})
    );
    assert!(body.contains("\"stop_reason\":\"tool_use\""));
    assert!(body.contains("event: message_stop"));

    // A title request: not streamed, no tools.
    let title = json!({"model": "haiku", "messages": [{"role": "user", "content": "title?"}]});
    let (_, body) = post(&mock, "/v1/messages?beta=true", &title);
    let reply: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["content"][0]["text"], "A title");

    let (_, body) = post(&mock, "/v1/messages", &main);
    let text: String = data(&body)
        .iter()
        .filter_map(|e| e["delta"]["text"].as_str())
        .collect();
    assert_eq!(text, "Done, the report is published.");
    assert!(data(&body).len() > 6, "text comes in several deltas");

    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].api, Api::Anthropic);
    assert_eq!(requests[0].path, "/v1/messages?beta=true");
    assert!(requests[0].is_scripted());
    assert_eq!(requests[1].answer, Answer::Side);
    assert_eq!(
        requests[2].answer,
        Answer::Step(Step::Text("Done, the report is published.".into()))
    );
    let images = requests[0].images();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].mime, "image/png");
    assert_eq!(images[0].bytes, b"\x89PNG\r\n\x1a\n");
    assert!(
        requests[0]
            .texts()
            .iter()
            .any(|t| t.contains(".agor/uploads/shot.png"))
    );
    assert_eq!(
        requests[0].tool_names(),
        ["Read", "mcp__handoff__publish_file"]
    );
}

#[test]
fn openai_calls_carry_the_namespace() {
    let mock = MockModel::start(script()).unwrap();
    let main = json!({"model": "gpt-5.4", "stream": true,
        "tools": [{"type": "function", "name": "shell"},
            {"type": "namespace", "name": "mcp__handoff", "tools": [{"name": "publish_file"}]}],
        "input": [{"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "see notes.txt"},
            {"type": "input_image", "image_url": format!("data:image/png;base64,{PNG_B64}")}]}]});
    let (_, body) = post(&mock, "/v1/responses", &main);
    assert!(body.contains("event: response.created"));
    let events = data(&body);
    let done = events
        .iter()
        .find(|e| e["type"] == "response.output_item.done")
        .unwrap();
    assert_eq!(done["item"]["type"], "function_call");
    assert_eq!(done["item"]["name"], "publish_file");
    assert_eq!(done["item"]["namespace"], "mcp__handoff");
    assert_eq!(
        serde_json::from_str::<Value>(done["item"]["arguments"].as_str().unwrap()).unwrap(),
        json!({"path": "out/report.md"})
    );
    assert_eq!(events.last().unwrap()["type"], "response.completed");

    let (_, body) = post(&mock, "/v1/responses", &main);
    let text: String = data(&body)
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .filter_map(|e| e["delta"].as_str())
        .collect();
    assert_eq!(text, "Done, the report is published.");

    let requests = mock.requests();
    assert_eq!(requests[0].api, Api::OpenAi);
    assert_eq!(requests[0].images()[0].bytes, b"\x89PNG\r\n\x1a\n");
    assert_eq!(
        requests[0].tool_names(),
        ["shell", "mcp__handoff/publish_file"]
    );
    assert!(requests[0].texts().contains(&"see notes.txt".to_owned()));
}

#[test]
fn gemini_streams_function_calls_and_counts_tokens() {
    let mock = MockModel::start(script()).unwrap();
    let main = json!({"tools": [{"functionDeclarations": [{"name": "read_file"},
            {"name": "mcp_handoff_publish_file"}]}],
        "contents": [{"role": "user", "parts": [{"text": "look"},
            {"inlineData": {"mimeType": "image/png", "data": PNG_B64}}]}]});
    let stream = "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse";
    let (_, body) = post(&mock, stream, &main);
    let events = data(&body);
    let call = &events[0]["candidates"][0]["content"]["parts"][0]["functionCall"];
    assert_eq!(call["name"], "mcp_handoff_publish_file");
    assert_eq!(call["args"], json!({"path": "out/report.md"}));

    let (_, body) = post(&mock, "/v1beta/models/gemini-2.5-pro:countTokens", &main);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["totalTokens"],
        100
    );

    let (_, body) = post(&mock, stream, &main);
    let events = data(&body);
    let text: String = events
        .iter()
        .filter_map(|e| e["candidates"][0]["content"]["parts"][0]["text"].as_str())
        .collect();
    assert_eq!(text, "Done, the report is published.");
    assert_eq!(
        events.last().unwrap()["candidates"][0]["finishReason"],
        "STOP"
    );

    let requests = mock.requests();
    assert_eq!(requests[1].answer, Answer::Count);
    assert_eq!(requests[0].images()[0].mime, "image/png");
}

#[test]
fn a_missing_tool_is_said_in_text_and_recorded() {
    let mock = MockModel::start(script()).unwrap();
    let main = json!({"stream": true, "tools": [{"name": "Read"}], "messages": []});
    let (_, body) = post(&mock, "/v1/messages", &main);
    assert!(body.contains("but none was "), "{body}");
    assert_eq!(
        mock.requests()[0].answer,
        Answer::ToolMissing("publish_file".into())
    );
}

#[test]
fn unknown_endpoints_are_404_and_recorded() {
    let mock = MockModel::start(Script::new()).unwrap();
    let (status, _) = post(&mock, "/elsewhere", &json!({}));
    assert_eq!(status, 404);
    assert_eq!(mock.requests()[0].answer, Answer::NotFound);
}

#[test]
fn a_new_script_starts_from_its_first_step() {
    let mock = MockModel::start(script()).unwrap();
    let main = json!({"stream": true, "tools": [{"name": "x"}], "messages": []});
    post(&mock, "/v1/messages", &main);
    mock.set_script(Script::new().then_text("Second turn."));
    let (_, body) = post(&mock, "/v1/messages", &main);
    assert!(body.contains("Second turn."));
}

#[test]
fn a_stall_sends_the_start_of_the_reply_then_holds_the_response_open() {
    use std::io::Read as _;
    let mock = MockModel::start(Script::new().then_stall("Working on it, slowly.")).unwrap();
    let main = json!({"stream": true, "tools": [{"name": "x"}], "messages": []});
    let mut response = reqwest::blocking::Client::new()
        .post(format!("{}/v1/messages", mock.url()))
        .header("content-type", "application/json")
        .body(main.to_string())
        .timeout(std::time::Duration::from_secs(3))
        .send()
        .unwrap();
    let mut seen = String::new();
    let mut buf = [0; 4096];
    // The start arrives; the rest never does (the read times out).
    let ended = loop {
        match response.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => break false,
        }
    };
    assert!(!ended, "the stalled response ended:\n{seen}");
    assert!(seen.contains("\"text_delta\""), "{seen}");
    assert!(!seen.contains("message_stop"), "{seen}");
    assert_eq!(
        mock.requests()[0].answer,
        Answer::Step(Step::Stall("Working on it, slowly.".into()))
    );
}
