//! The publish server, called directly by an MCP client (rmcp's).

use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};

use crate::context::{TestContext, p};

type Client = RunningService<rmcp::RoleClient, ()>;

impl TestContext {
    fn token(&self, session_id: i64) -> String {
        self.store()
            .sessions()
            .get(session_id)
            .unwrap()
            .publish_token
    }

    async fn mcp_client(
        &self,
        session_id: i64,
        token: &str,
        extra: &[&str],
    ) -> Result<Client, String> {
        let command =
            tokio::process::Command::new(env!("CARGO_BIN_EXE_handoff")).configure(|cmd| {
                cmd.args(["mcp", "--session", &session_id.to_string()])
                    .args(extra)
                    .env("HANDOFF_HOME", self.root.join("data"))
                    .env("HANDOFF_PUBLISH_TOKEN", token)
                    .stderr(std::process::Stdio::null());
            });
        let transport = TokioChildProcess::new(command).map_err(|e| e.to_string())?;
        ().serve(transport).await.map_err(|e| e.to_string())
    }
}

async fn call(client: &Client, name: &'static str, args: serde_json::Value) -> (bool, String) {
    let arguments = args.as_object().cloned().unwrap_or_default();
    let result = client
        .call_tool(CallToolRequestParams::new(name).with_arguments(arguments))
        .await
        .unwrap();
    let text = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<String>();
    (result.is_error.unwrap_or(false), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_list_uploads_and_publish() {
    let ctx = TestContext::new();
    let session_id = ctx.session("Demo agent");
    let upload = ctx.source("input.csv", b"a,b\n1,2\n");
    ctx.attach(session_id, &[&upload]);
    let client = ctx
        .mcp_client(session_id, &ctx.token(session_id), &["--max-size", "1kB"])
        .await
        .unwrap();

    let tools: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(tools, ["list_uploads", "publish_file"]);
    let (error, listing) = call(&client, "list_uploads", serde_json::json!({})).await;
    assert!(!error);
    assert!(
        listing.contains(".agor/uploads/input.csv (8 B, text/csv, present)"),
        "{listing}"
    );

    std::fs::write(ctx.worktree.join("chart.svg"), "<svg/>").unwrap();
    let (error, text) = call(
        &client,
        "publish_file",
        serde_json::json!({"path": "chart.svg", "description": "A chart"}),
    )
    .await;
    assert!(!error, "{text}");
    assert_eq!(
        text,
        "Published chart.svg (revision 1, 6 B, image/svg+xml). The person now sees it in the conversation."
    );

    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_refuses_missing_folders_oversize_and_fifos() {
    let ctx = TestContext::new();
    let session_id = ctx.session("Demo agent");
    let client = ctx
        .mcp_client(session_id, &ctx.token(session_id), &["--max-size", "1kB"])
        .await
        .unwrap();
    let missing = ctx.root.join("nowhere/x.zip");
    let (error, text) = call(
        &client,
        "publish_file",
        serde_json::json!({"path": missing}),
    )
    .await;
    assert!(error);
    assert_eq!(text, format!("{} does not exist", missing.display()));

    std::fs::create_dir_all(ctx.worktree.join("out")).unwrap();
    let (error, text) = call(
        &client,
        "publish_file",
        serde_json::json!({"path": ctx.worktree.join("out")}),
    )
    .await;
    assert!(error);
    assert!(
        text.ends_with("is a folder, only regular files can be published"),
        "{text}"
    );

    std::fs::write(ctx.worktree.join("big.bin"), vec![0_u8; 5000]).unwrap();
    let (error, text) = call(
        &client,
        "publish_file",
        serde_json::json!({"path": "big.bin"}),
    )
    .await;
    assert!(error);
    assert!(
        text.ends_with("big.bin is 5 kB, over the 1 kB publish limit"),
        "{text}"
    );

    let fifo = ctx.worktree.join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let (error, text) = call(&client, "publish_file", serde_json::json!({"path": "pipe"})).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "a FIFO is refused at once ({:?})",
        started.elapsed()
    );
    assert!(error);
    assert_eq!(
        text,
        format!(
            "{} is a FIFO, only regular files can be published",
            fifo.display()
        )
    );
    client.cancel().await.unwrap();

    let published = ctx
        .run(&[
            "published",
            "ls",
            "--json",
            "--session",
            &session_id.to_string(),
        ])
        .expect(0)
        .json();
    assert_eq!(
        published.as_array().unwrap().len(),
        0,
        "nothing refused was published"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_cannot_publish_into_another_session() {
    let ctx = TestContext::new();
    let mine = ctx.session("Demo agent");
    let other = ctx.session("Demo agent");
    let refused = ctx.mcp_client(other, &ctx.token(mine), &[]).await;
    assert!(
        refused.is_err(),
        "a server with session {mine}'s secret refuses session {other}"
    );
    let run = ctx
        .command(&["mcp", "--session", &other.to_string()])
        .env("HANDOFF_PUBLISH_TOKEN", ctx.token(mine))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .contains(&format!("not allowed to publish into session {other}"))
    );
    let run = ctx
        .command(&["mcp", "--session", "999"])
        .env("HANDOFF_PUBLISH_TOKEN", "x")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).contains("session 999 does not exist"));
}

/// A prompt-injected agent tries to publish what it should not: files
/// outside the worktree by `..`, by absolute path, through a symlink,
/// `/proc`, Git's own data, a name with terminal controls. Before, every
/// one of these was published, and `/etc/shadow` became a 0644 snapshot.
#[tokio::test(flavor = "multi_thread")]
async fn publish_refuses_what_lies_outside_the_worktree_and_keeps_snapshots_private() {
    use std::os::unix::fs::PermissionsExt;
    let ctx = TestContext::new();
    let session_id = ctx.session("Demo agent");
    let client = ctx
        .mcp_client(session_id, &ctx.token(session_id), &[])
        .await
        .unwrap();
    std::fs::write(ctx.root.join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", ctx.worktree.join("passwd")).unwrap();
    std::os::unix::fs::symlink(ctx.root.join("secret.txt"), ctx.worktree.join("notes.txt"))
        .unwrap();
    std::fs::write(ctx.worktree.join(".git/config"), "[core]\n").unwrap();
    let outside = [
        (
            "../secret.txt".to_owned(),
            "is outside this session's worktree",
        ),
        (
            "../../../../../../etc/passwd".to_owned(),
            "is outside this session's worktree",
        ),
        (
            "/etc/shadow".to_owned(),
            "is outside this session's worktree",
        ),
        (
            "/proc/self/environ".to_owned(),
            "is outside this session's worktree",
        ),
        ("passwd".to_owned(), "is outside this session's worktree"),
        ("notes.txt".to_owned(), "is outside this session's worktree"),
        (".git/config".to_owned(), "is inside .git, Git's own data"),
        (
            p(&ctx.worktree.join(".git/config")).to_owned(),
            "is inside .git, Git's own data",
        ),
    ];
    for (path, why) in outside {
        let (error, text) = call(&client, "publish_file", serde_json::json!({"path": path})).await;
        assert!(error && text.contains(why), "{path}: {text}");
    }
    std::fs::create_dir_all(ctx.worktree.join("out")).unwrap();
    std::fs::write(ctx.worktree.join("out/report.md"), "# ok\n").unwrap();
    let (error, text) = call(
        &client,
        "publish_file",
        serde_json::json!({"path": "out/report.md", "display_name": "Report\u{1b}]0;pwned\u{7}\u{1b}[2J"}),
    )
    .await;
    assert!(error && text.contains("holds control characters"), "{text}");
    // A symlink inside the worktree to a file inside it is fine.
    std::os::unix::fs::symlink("out/report.md", ctx.worktree.join("latest.md")).unwrap();
    let (error, text) = call(
        &client,
        "publish_file",
        serde_json::json!({"path": "latest.md"}),
    )
    .await;
    assert!(!error, "{text}");
    client.cancel().await.unwrap();

    let published = ctx
        .run(&[
            "published",
            "ls",
            "--json",
            "--session",
            &session_id.to_string(),
        ])
        .expect(0)
        .json();
    let published = published.as_array().unwrap();
    assert_eq!(published.len(), 1, "only the report: {published:#?}");
    let snapshot = std::path::PathBuf::from(published[0]["path"].as_str().unwrap());
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(std::fs::read(&snapshot).unwrap(), b"# ok\n");
    assert_eq!(mode(&snapshot), 0o600, "the snapshot is private");
    assert_eq!(
        mode(snapshot.parent().unwrap()),
        0o700,
        "its session folder too"
    );
    assert_eq!(
        mode(&ctx.root.join("data/published")),
        0o700,
        "and the published folder"
    );
}

/// A line that is not JSON (garbage, invalid UTF-8, half a message) gets a
/// JSON-RPC Parse error and the server keeps serving. Before, rmcp dropped
/// such lines without a word: none of the three got an answer, and a caller
/// waiting for one waited forever.
#[test]
fn garbage_lines_get_a_parse_error_and_the_server_goes_on() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let ctx = TestContext::new();
    let session_id = ctx.session("Demo agent");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["mcp", "--session", &session_id.to_string()])
        .env("HANDOFF_HOME", ctx.root.join("data"))
        .env("HANDOFF_PUBLISH_TOKEN", ctx.token(session_id))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = || -> serde_json::Value {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("an answer within 10 s");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let parse_error = |reply: serde_json::Value| {
        assert_eq!(reply["error"]["code"], -32700, "{reply}");
        assert!(reply["id"].is_null(), "{reply}");
    };
    let mut stdin = child.stdin.take().unwrap();
    let initialize = serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "test", "version": "0"}}
    });
    stdin.write_all(b"hello there\n").unwrap();
    stdin.write_all(b"\xff\xfe\x00{\n").unwrap();
    writeln!(stdin, "{initialize}").unwrap();
    parse_error(next());
    parse_error(next());
    let reply = next();
    assert_eq!(reply["id"], 1, "{reply}");
    assert_eq!(reply["result"]["serverInfo"]["name"], "handoff", "{reply}");

    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )
    .unwrap();
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":2,\n")
        .unwrap();
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":3,"method":"tools/list"}}"#).unwrap();
    parse_error(next());
    let reply = next();
    assert_eq!(reply["id"], 3, "{reply}");
    assert_eq!(reply["result"]["tools"].as_array().unwrap().len(), 2);

    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server ends with its input");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_publish_is_logged_once_with_its_session_and_path() {
    let ctx = TestContext::new();
    let session_id = ctx.session("Demo agent");
    let client = ctx
        .mcp_client(session_id, &ctx.token(session_id), &[])
        .await
        .unwrap();
    let (error, text) = call(
        &client,
        "publish_file",
        serde_json::json!({"path": "/etc/shadow"}),
    )
    .await;
    assert!(error, "{text}");
    client.cancel().await.unwrap();
    let lines = ctx.log_lines("/etc/shadow");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].contains(&format!(
            r#"publish_file{{session={session_id} path="/etc/shadow"}}"#
        )),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(&format!("refused: {text}")),
        "{}",
        lines[0]
    );
}
