//! The MCP server's stdin and stdout, with every incoming line checked.
//!
//! rmcp drops a line that is not JSON without a word, so a caller that sent
//! one waits forever for an answer. JSON-RPC says such a line gets a Parse
//! error (`-32700`, id `null`): this filter reads stdin line by line, hands
//! well-formed JSON to rmcp through a pipe, answers the rest itself, and
//! writes rmcp's replies and its own to stdout one whole line at a time.

use crate::logging::OrLog as _;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The longest line accepted, as rmcp's own limit.
const MAX_LINE: usize = 16 * 1024 * 1024;
/// The pipes' buffer between the filter and rmcp.
const PIPE: usize = 64 * 1024;

/// What rmcp reads and writes, and the task writing stdout: await it after
/// the server ends so every reply is out before the process exits.
pub(crate) struct FilteredStdio {
    /// rmcp's transport: well-formed lines in, replies out.
    pub transport: (DuplexStream, DuplexStream),
    /// Writes rmcp's replies and the parse errors to stdout.
    pub writer: JoinHandle<()>,
}

/// Filters the process's stdin and stdout (see the module).
pub(crate) fn stdio() -> FilteredStdio {
    filter(tokio::io::stdin(), tokio::io::stdout())
}

fn filter<R, W>(input: R, output: W) -> FilteredStdio
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let (to_rmcp, rmcp_in) = tokio::io::duplex(PIPE);
    let (rmcp_out, from_rmcp) = tokio::io::duplex(PIPE);
    let (errors, error_lines) = mpsc::unbounded_channel();
    tokio::spawn(read_lines(BufReader::new(input), to_rmcp, errors));
    let writer = tokio::spawn(write_lines(BufReader::new(from_rmcp), error_lines, output));
    FilteredStdio {
        transport: (rmcp_in, rmcp_out),
        writer,
    }
}

/// One line of input.
enum Line {
    /// A line (its `\n` removed) is in the buffer.
    Read,
    /// A line longer than [`MAX_LINE`] was skipped.
    TooLong,
    /// The input ended.
    End,
}

/// Forwards each line that is JSON to rmcp and queues a parse error for
/// each that is not; at the end of input, closes rmcp's side.
async fn read_lines<R: AsyncBufRead + Unpin>(
    mut input: R,
    mut to_rmcp: DuplexStream,
    errors: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut line = Vec::new();
    loop {
        let reason = match read_line(&mut input, &mut line).await {
            Ok(Line::End) | Err(_) => break,
            Ok(Line::TooLong) => format!("line longer than {MAX_LINE} bytes"),
            Ok(Line::Read) => {
                let text = line.trim_ascii();
                if text.is_empty() {
                    continue;
                }
                match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
                    Ok(_) => {
                        let sent = async {
                            to_rmcp.write_all(text).await?;
                            to_rmcp.write_all(b"\n").await
                        };
                        if sent.await.is_err() {
                            break;
                        }
                        continue;
                    }
                    Err(e) => e.to_string(),
                }
            }
        };
        let reply = serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {"code": -32700, "message": format!("Parse error: {reason}")},
        });
        let mut reply = serde_json::to_vec(&reply).unwrap_or_default();
        reply.push(b'\n');
        if errors.send(reply).is_err() {
            break;
        }
    }
}

/// Reads one `\n`-ended line (or the last, unended one) into `line`,
/// holding at most [`MAX_LINE`] bytes of it.
async fn read_line<R: AsyncBufRead + Unpin>(
    input: &mut R,
    line: &mut Vec<u8>,
) -> std::io::Result<Line> {
    line.clear();
    let mut too_long = false;
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::End,
                (false, false) => Line::Read,
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let take = newline.map_or(available.len(), |i| i + 1);
        if too_long || line.len() + take > MAX_LINE {
            too_long = true;
            line.clear();
        } else {
            line.extend_from_slice(&available[..newline.unwrap_or(take)]);
        }
        input.consume(take);
        if newline.is_some() {
            return Ok(if too_long { Line::TooLong } else { Line::Read });
        }
    }
}

/// Writes whole lines to `output`: rmcp's replies as they come and the
/// parse errors, until rmcp closes its side.
async fn write_lines<W: AsyncWrite + Unpin>(
    mut from_rmcp: BufReader<DuplexStream>,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: W,
) {
    let mut reply = Vec::new();
    loop {
        let line = tokio::select! {
            biased;
            Some(error) = errors.recv() => error,
            read = from_rmcp.read_until(b'\n', &mut reply) => match read {
                Ok(0) | Err(_) => break,
                Ok(_) => std::mem::take(&mut reply),
            },
        };
        if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
            return;
        }
    }
    while let Ok(error) = errors.try_recv() {
        if output.write_all(&error).await.is_err() {
            return;
        }
    }
    output
        .flush()
        .await
        .or_log("flushing the MCP server's output");
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    #[tokio::test]
    async fn garbage_gets_a_parse_error_and_json_goes_through() {
        let (mut client, server) = tokio::io::duplex(1024);
        let (input, output) = tokio::io::split(server);
        let FilteredStdio {
            transport: (rmcp_in, mut rmcp_out),
            writer,
        } = filter(input, output);
        client
            .write_all(b"nope\n\xff\xfe\n  \n{\"jsonrpc\":\"2.0\",\"id\":1}\r\n")
            .await
            .unwrap();
        let mut forwarded = BufReader::new(rmcp_in);
        let mut line = String::new();
        forwarded.read_line(&mut line).await.unwrap();
        assert_eq!(line, "{\"jsonrpc\":\"2.0\",\"id\":1}\n");
        rmcp_out.write_all(b"{\"reply\":1}\n").await.unwrap();
        drop(rmcp_out);
        writer.await.unwrap();
        drop(client.shutdown().await);
        let mut out = String::new();
        client.read_to_string(&mut out).await.unwrap();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3, "{out}");
        for error in &lines[..2] {
            assert_eq!(error["error"]["code"], -32700);
            assert!(error["id"].is_null());
        }
        assert_eq!(lines[2]["reply"], 1);
    }
}
