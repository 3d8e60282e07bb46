//! Per agent: `agent test` says ready; a prompt with a picture and a text
//! file reaches the model; the reply streams back; the scripted
//! `publish_file` call runs (or what happens instead); no process is left.

use handoff_core::Store;
use handoff_mock_model::agents::{self, AgentSetup};
use handoff_mock_model::{Answer, MockModel, Request, Script, Step};
use serde_json::{Value, json};
use std::time::Duration;

use crate::world::{Outcome, Person, World, agent_bin};

const REPORT: &[u8] = b"# Report\n\nEverything the agent found.\n";
const REPLY: &str = "Done: I looked at the picture and published the report.";
const NOTES: &[u8] = b"notes for the agent\n";

/// A 64x48 RGB gradient, a real PNG.
fn picture() -> (Vec<u8>, Vec<u8>) {
    let (w, h) = (64u32, 48u32);
    let pixels: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).flat_map(move |x| [(x * 4) as u8, (y * 5) as u8, 128]))
        .collect();
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&pixels).unwrap();
    }
    (png, pixels)
}

/// A wide BMP with fine detail: a format agents cannot take inline, wider
/// than any agent is sent, and (as PNG) over Claude's 5 MB.
fn wide_bmp() -> Vec<u8> {
    let mut seed = 0x9e37_79b9_u32;
    let image = image::RgbImage::from_fn(2400, 1000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        image::Rgb([(x % 256) as u8, (y % 256) as u8, (seed >> 24) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Bmp).unwrap();
    out.into_inner()
}

/// The RGB pixels of a PNG (alpha dropped), with its size.
fn decode(bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    let channels = info.color_type.samples();
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|px| px[..3].to_vec())
        .collect();
    Some((info.width, info.height, rgb))
}

fn script() -> Script {
    Script::new()
        .call_tool_containing(
            "publish_file",
            json!({"path": "out/report.md", "display_name": "Report"}),
        )
        .then_text(REPLY)
        .side_reply("Interop session")
}

/// Whether a model request shows a setting honoured.
type Honoured = fn(&Value) -> bool;

/// A setting (ACP config option) the session asks of the agent, and how
/// the model request shows that the agent honoured it.
fn setting_for(agent: &str) -> Option<(String, Honoured)> {
    match agent {
        "interop-claude" => Some(("model=haiku".to_owned(), |body| {
            body["model"].as_str().is_some_and(|m| m.contains("haiku"))
        })),
        "interop-codex" => Some(("collaboration_mode=plan".to_owned(), |body| {
            body.to_string().contains("Plan Mode")
        })),
        // Gemini CLI offers no settings through ACP; Zed's Codex is
        // exercised as it comes.
        _ => None,
    }
}

/// Registers the agent as a profile and checks that `agent test` says
/// ready (with the profile's mode among those offered).
fn register(world: &World, agent: &AgentSetup) -> Outcome {
    agent.write_files(&world.root).unwrap();
    let bin = agent_bin(agent.program);
    let mut add = vec![
        "agent",
        "add",
        agent.name,
        "--command",
        bin.to_str().unwrap(),
    ];
    for arg in &agent.args {
        add.extend(["--arg", arg]);
    }
    for env in &agent.env {
        add.extend(["--env", env]);
    }
    if let Some(mode) = agent.mode {
        add.extend(["--mode", mode]);
    }
    world.handoff(&add).expect_ok();

    let test = world.handoff(&["agent", "test", agent.name, "--timeout", "120"]);
    test.expect_ok();
    assert!(test.stdout.contains("ready"), "{test:#?}");
    if let Some(mode) = agent.mode {
        assert!(test.stdout.contains(&format!("mode {mode} ")), "{test:#?}");
    }
    eprintln!(
        "[{}] agent test: {:.1} s, peak {:?} KiB: {}",
        agent.name,
        test.wall.as_secs_f64(),
        test.peak_kib,
        test.stdout.trim()
    );
    world.assert_no_processes();
    test
}

/// Registers the agent, checks `agent test`, runs one prompt and reports.
fn exercise(world: &World, agent: &AgentSetup) {
    let test = register(world, agent);
    let setting = setting_for(agent.name);
    let mut new = vec!["session", "new", "--agent", agent.name];
    if let Some((pair, _)) = &setting {
        new.extend(["--option", pair.as_str()]);
    }
    let session = world.handoff(&new);
    session.expect_ok();
    let id = session.stdout.lines().next().unwrap().trim().to_owned();

    let (png, pixels) = picture();
    let shot = world.write("src/shot.png", &png);
    let notes = world.write("src/notes.txt", NOTES);
    let bmp = wide_bmp();
    let wide = world.write("src/wide.bmp", &bmp);
    world.write("worktree/out/report.md", REPORT);
    let before = world.mock.requests().len();
    let prompt = world.handoff(&[
        "prompt",
        "--session",
        &id,
        "--timeout",
        "180",
        "--start-timeout",
        "120",
        "--attach",
        shot.to_str().unwrap(),
        "--attach",
        notes.to_str().unwrap(),
        "--attach",
        wide.to_str().unwrap(),
        "Look at {filepath}",
    ]);
    eprintln!(
        "[{}] prompt: {:.1} s, first chunk {:?}, peak {:?} KiB, answered {:?}\nstdout: {}\nstderr: {}",
        agent.name,
        prompt.wall.as_secs_f64(),
        prompt.first_chunk,
        prompt.peak_kib,
        prompt.answered,
        prompt.stdout,
        prompt.stderr
    );
    let requests = world.mock.requests().split_off(before);
    if let Some((pair, honoured)) = setting {
        let main = requests.iter().find(|r| r.is_scripted()).unwrap();
        assert!(
            honoured(&main.body),
            "{pair} did not reach the model: {}",
            main.body
        );
    }
    for r in &requests {
        eprintln!(
            "[{}] {} {} {:?} tools={:?} images={}",
            agent.name,
            r.method,
            r.path,
            r.answer,
            r.tool_names(),
            r.images().len()
        );
    }
    prompt.expect_ok();

    let picture = check_model_request(world, &requests, &png, &pixels);

    // The reply streamed to the terminal and is in the conversation.
    assert!(prompt.stdout.contains(REPLY), "{prompt:#?}");
    let mut store = Store::open(&world.root.join("data/handoff.db")).unwrap();
    let messages = store.messages().list(id.parse().unwrap()).unwrap();
    assert!(
        messages.iter().any(|m| m.body.contains(REPLY)),
        "{messages:#?}"
    );
    let wide_sent = check_scaled_copy(world, &requests, &messages, &bmp);

    check_published(world, &requests, &prompt, agent.reports_tool_calls);
    world.assert_no_processes();

    let (refused, took) = refuse_then_cancel(world, &id);

    // Handoff killed while the agent waits on the person: the agent and
    // everything it started end too.
    world.mock.set_script(script());
    world.kill_at_permission(&["prompt", "--session", &id, "Publish it again"]);
    world.assert_no_processes();
    check_own_write(world, agent.name, &id);
    eprintln!(
        "[{}] measured: agent test {:.2} s (peak {} MiB); prompt to first chunk {:.2} s \
         (agent ready at {:.2} s), whole prompt {:.2} s (all processes' peaks summed {} MiB); \
         picture: {picture}; wide BMP: {wide_sent}; refused in {:.2} s; Ctrl-C to exit {:.2} s",
        agent.name,
        test.wall.as_secs_f64(),
        test.peak_kib.unwrap_or(0) / 1024,
        prompt.first_chunk.unwrap_or_default().as_secs_f64(),
        prompt.agent_ready.unwrap_or_default().as_secs_f64(),
        prompt.wall.as_secs_f64(),
        prompt.tree_peak_kib.unwrap_or(0) / 1024,
        refused.as_secs_f64(),
        took.as_secs_f64(),
    );
}

/// The person refuses the publish call: nothing is published and the turn
/// ends. Then Ctrl-C while the reply streams: the turn is cancelled and
/// ends cleanly. Says how long the refused turn took and how long Handoff
/// took to end after Ctrl-C.
fn refuse_then_cancel(world: &World, id: &str) -> (Duration, Duration) {
    let mut store = Store::open(&world.root.join("data/handoff.db")).unwrap();
    world.mock.set_script(script());
    let before_refusal = published(world);
    let refused = world.handoff_as(
        &["prompt", "--session", id, "Publish it again"],
        Person::Refuses,
    );
    refused.expect_ok();
    assert_eq!(refused.answered.len(), 1, "{refused:#?}");
    assert_eq!(published(world), before_refusal, "{refused:#?}");
    assert!(!refused.stderr.contains("[completed]"), "{refused:#?}");
    world.assert_no_processes();

    // Ctrl-C while the reply streams: the turn is cancelled and ends cleanly.
    world
        .mock
        .set_script(Script::new().then_stall("Let me think about this for a long while."));
    let (cancelled, took) =
        world.interrupt_at_first_chunk(&["prompt", "--session", id, "Think it over"]);
    assert!(
        cancelled.stderr.contains("(cancelled)") && cancelled.code == Some(0),
        "{cancelled:#?}"
    );
    let messages = store.messages().list(id.parse().unwrap()).unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.body == "The turn ended: cancelled."),
        "{messages:#?}"
    );
    world.assert_no_processes();
    (refused.wall, took)
}

/// The BMP went to the model as a copy within the agent's limits, of the
/// size the conversation reports; the file on disk is untouched.
fn check_scaled_copy(
    world: &World,
    requests: &[Request],
    messages: &[handoff_core::store::Message],
    bmp: &[u8],
) -> String {
    let saved = world.worktree.join(".agor/uploads/wide.bmp");
    assert_eq!(std::fs::read(&saved).unwrap(), bmp, "the original changed");
    let sent = messages
        .iter()
        .filter_map(|m| match &m.data {
            // How each file went (the upload line names them too).
            Some(handoff_core::store::MessageData::Sent { files }) => {
                serde_json::to_value(files).ok()?.as_array().cloned()
            }
            _ => None,
        })
        .flatten()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with("wide.bmp")))
        .expect("no line says how wide.bmp was sent");
    let picture = &sent["picture"];
    let (w, h) = (
        picture["width"].as_u64().unwrap(),
        picture["height"].as_u64().unwrap(),
    );
    assert_eq!((w, h), (2000, 833), "{sent}");
    assert_eq!(picture["scaledFrom"], json!([2400, 1000]), "{sent}");
    let images: Vec<_> = requests
        .iter()
        .filter(|r| r.is_scripted())
        .flat_map(Request::images)
        .collect();
    let copy = images
        .iter()
        .filter_map(|i| image::load_from_memory(&i.bytes).ok())
        .find(|i| (u64::from(i.width()), u64::from(i.height())) == (w, h));
    assert!(
        copy.is_some(),
        "the model got no {w}x{h} copy; it got {:?}",
        images
            .iter()
            .map(|i| (&i.mime, i.bytes.len()))
            .collect::<Vec<_>>()
    );
    format!("{} {w}x{h}, {} bytes", picture["mime"], picture["bytes"])
}

/// The saved paths and the picture reached the model; says how the picture
/// went.
fn check_model_request(world: &World, requests: &[Request], png: &[u8], pixels: &[u8]) -> String {
    let uploads = world.worktree.join(".agor/uploads");
    let scripted: Vec<_> = requests.iter().filter(|r| r.is_scripted()).collect();
    assert!(!scripted.is_empty(), "no main request reached the mock");
    let texts = scripted[0].texts().join("\n");
    for name in ["shot.png", "notes.txt"] {
        assert!(
            texts.contains(&format!(".agor/uploads/{name}"))
                || texts.contains(uploads.join(name).to_str().unwrap()),
            "the path of {name} is not in the model request:\n{texts}"
        );
    }

    // The picture, byte for byte.
    let images: Vec<_> = scripted.iter().flat_map(|r| r.images()).collect();
    let picture = images.first().map(|image| {
        if image.bytes == png {
            "same bytes".to_owned()
        } else if let Some((w, h, rgb)) = decode(&image.bytes) {
            format!("{} {w}x{h}, same pixels: {}", image.mime, rgb == pixels)
        } else {
            format!("{} of {} bytes, re-encoded", image.mime, image.bytes.len())
        }
    });
    assert_eq!(picture.as_deref(), Some("same bytes"), "{images:?}");
    picture.unwrap_or_default()
}

/// The scripted `publish_file` call asked the person, ran, and its snapshot
/// is the file byte for byte.
fn check_published(world: &World, requests: &[Request], prompt: &Outcome, tool_calls: bool) {
    assert!(
        requests
            .iter()
            .any(|r| matches!(r.answer, Answer::Step(Step::CallTool { .. }))),
        "the mock never called publish_file"
    );
    assert_eq!(prompt.answered.len(), 1, "{prompt:#?}");
    if tool_calls {
        assert!(
            prompt.stderr.contains("[completed] ") && prompt.stderr.contains("publish_file"),
            "{prompt:#?}"
        );
    }
    let published = published(world);
    assert_eq!(published.len(), 1, "{published:#?}");
    assert_eq!(published[0]["display_name"], "Report");
    assert_eq!(published[0]["direction"], "from_agent");
    let snapshot = std::fs::read(published[0]["path"].as_str().unwrap()).unwrap();
    assert_eq!(snapshot, REPORT);
}

/// How the agent writes a file with its own tool (not Handoff's): the
/// tool's name and its arguments to write `text` at `out/made.md`. Codex
/// writes through a shell command, which names no file: the watcher (or
/// git) finds it.
fn own_write(agent: &str, worktree: &std::path::Path, text: &str) -> (&'static str, Value) {
    let path = worktree.join("out/made.md");
    match agent {
        "interop-claude" => ("Write", json!({"file_path": path, "content": text})),
        "interop-gemini" => ("write_file", json!({"file_path": path, "content": text})),
        _ => (
            "exec_command",
            json!({"cmd": format!("mkdir -p out && printf '%s' '{text}' > out/made.md")}),
        ),
    }
}

/// The agent writes a file with its own tool, telling Handoff nothing of
/// it: it is that turn's output, byte-identical, recorded and listed.
fn check_own_write(world: &World, agent: &str, id: &str) {
    let text = format!("Made by {agent} with its own tool.");
    let (tool, args) = own_write(agent, &world.root.join("worktree"), &text);
    world.mock.set_script(
        Script::new()
            .call_tool_containing(tool, args)
            .then_text("I wrote out/made.md.")
            .side_reply("Interop session"),
    );
    let mut args = vec!["prompt", "--session", id, "--timeout", "180"];
    if agent == "interop-zed-codex" {
        // Its default mode reads only.
        args.extend(["--mode", "auto"]);
    }
    args.push("Write out/made.md");
    let turn = world.handoff(&args);
    eprintln!(
        "[{agent}] own write:\nstdout: {}\nstderr: {}",
        turn.stdout, turn.stderr
    );
    turn.expect_ok();
    let on_disk = std::fs::read(world.root.join("worktree/out/made.md")).unwrap();
    assert_eq!(
        on_disk,
        text.as_bytes(),
        "[{agent}] the tool wrote the file"
    );
    let made = format!("made: out/made.md ({} B, new)", text.len());
    assert!(
        turn.stdout.contains(&made),
        "[{agent}] {made} in: {}",
        turn.stdout
    );
    let mut store = Store::open(&world.root.join("data/handoff.db")).unwrap();
    let records = store
        .files()
        .list(&handoff_core::store::FileQuery {
            direction: Some(handoff_core::store::Direction::Made),
            ..Default::default()
        })
        .unwrap();
    let record = records
        .iter()
        .find(|r| r.filename == "made.md")
        .unwrap_or_else(|| panic!("[{agent}] no record: {records:#?}"));
    assert_eq!(
        record.sha256,
        handoff_core::words::hex(&<sha2::Sha256 as sha2::Digest>::digest(&on_disk)),
        "[{agent}]"
    );
    let calls: Vec<handoff_core::store::ToolCall> = store
        .messages()
        .list(id.parse().unwrap())
        .unwrap()
        .into_iter()
        .filter_map(|m| match m.data {
            Some(handoff_core::store::MessageData::ToolCall(call)) => Some(call),
            _ => None,
        })
        .collect();
    eprintln!("[{agent}] tool calls: {calls:#?}");
    // What each agent tells of its own write, as measured: Claude Code an
    // edit with its diff, the Codex adapters a command (Zed's with its exit
    // status), Gemini CLI no tool call at all.
    let write = calls.iter().find(|c| !c.title.contains("publish_file"));
    match agent {
        "interop-claude" => {
            let write = write.unwrap_or_else(|| panic!("[{agent}] no write call: {calls:#?}"));
            assert_eq!(write.kind.as_deref(), Some("edit"), "[{agent}]");
            let diff = &write.diffs[..];
            assert!(
                diff.len() == 1
                    && diff[0].path.ends_with("out/made.md")
                    && (diff[0].added, diff[0].removed) == (1, 0)
                    && diff[0].unified.contains(&format!("+{text}")),
                "[{agent}] {diff:#?}"
            );
        }
        "interop-codex" | "interop-zed-codex" => {
            let write = write.unwrap_or_else(|| panic!("[{agent}] no command call: {calls:#?}"));
            assert_eq!(write.kind.as_deref(), Some("execute"), "[{agent}]");
            let exit = (agent == "interop-zed-codex").then_some(0);
            assert_eq!(write.exit_code, exit, "[{agent}]");
        }
        _ => assert!(write.is_none(), "[{agent}] {calls:#?}"),
    }
    world.assert_no_processes();
}

fn published(world: &World) -> Vec<Value> {
    let out = world.handoff(&["published", "ls", "--json"]);
    out.expect_ok();
    serde_json::from_str::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn claude_code() {
    let world = World::new(MockModel::start(script()).unwrap());
    exercise(&world, &agents::claude(&world.mock.url()));
}

#[test]
fn codex() {
    let world = World::new(MockModel::start(script()).unwrap());
    exercise(&world, &agents::codex(&world.mock.url(), &world.root));
}

#[test]
fn gemini_cli() {
    let world = World::new(MockModel::start(script()).unwrap());
    exercise(&world, &agents::gemini(&world.mock.url(), "home"));
}

#[test]
fn zed_codex() {
    let world = World::new(MockModel::start(script()).unwrap());
    exercise(&world, &agents::zed_codex(&world.mock.url(), &world.root));
}
