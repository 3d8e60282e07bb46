//! The agent's process and its stdio as an ACP transport, reading at most
//! a set number of bytes for one message.
//!
//! ACP sends one JSON-RPC message per line. The SDK's own process
//! transport reads lines without a limit, so an agent that never ends a
//! line grows Handoff's memory for as long as it writes. Here a line longer
//! than the limit stops the agent: the read fails, the connection ends, the
//! agent's process group is killed, and the session's [`StderrTail`] says
//! why. Its stderr is read the same way, each line cut at a few kilobytes.
//!
//! Otherwise it behaves as the SDK's: the agent leads a process group of
//! its own, which is killed when the connection is dropped; ending the
//! connection closes the agent's stdin, gives it a second to exit, then
//! SIGTERM, then SIGKILL.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use agent_client_protocol::{
    Agent, BoxFuture, Channel, Client, ConnectTo, ConnectionDriver, Lines, Result,
};
use futures_util::{Sink, Stream};
use rustix::process::{Pid, Signal};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

use super::stderr::StderrTail;

/// How long the agent may take to exit once its stdin closed, and how long
/// the protocol may take to end once the agent exited.
const EXIT_GRACE: Duration = Duration::from_secs(1);

/// How long the agent may take to exit after SIGTERM before SIGKILL.
const TERMINATE_GRACE: Duration = Duration::from_secs(2);

/// The longest stderr line kept; the rest of a longer one is skipped.
const STDERR_LINE: usize = 4096;

/// The agent to start, as an ACP transport.
pub struct AgentProcess {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// The most bytes one line (one message) of its stdout may hold.
    pub max_line: usize,
    /// Where its stderr lines go, and why it was stopped.
    pub stderr: StderrTail,
}

type Outgoing = Pin<Box<dyn Sink<String, Error = io::Error> + Send>>;
type Incoming = Pin<Box<dyn Stream<Item = io::Result<String>> + Send>>;

impl ConnectTo<Client> for AgentProcess {
    async fn connect_to(self, client: impl ConnectTo<Agent>) -> Result<()> {
        let (lines, running) = self.spawn()?;
        running
            .supervise(ConnectTo::<Client>::connect_to(lines, client))
            .await
    }

    /// Keeps the line transport's graceful finish (drain, close the
    /// agent's stdin) under the process's supervision.
    fn into_channel_and_future(self) -> (Channel, Option<ConnectionDriver>) {
        match self.spawn() {
            Ok((lines, running)) => {
                let (channel, driver) = ConnectTo::<Client>::into_channel_and_future(lines);
                let driver = driver.map(|d| d.map_future(|work| running.supervise(work)));
                (channel, driver)
            }
            Err(error) => {
                let (channel, peer) = Channel::duplex();
                let driver = ConnectionDriver::new(async move {
                    drop(peer);
                    Err(error)
                });
                (channel, Some(driver))
            }
        }
    }
}

impl AgentProcess {
    /// Starts the agent; its stdio as a line transport, and the process.
    fn spawn(self) -> Result<(Lines<Outgoing, Incoming>, Running)> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(agent_client_protocol::Error::into_internal_error)?;
        let group = child.id().and_then(|id| Pid::from_raw(id.cast_signed()));
        let missing = || internal_error("the agent has no stdio".to_owned());
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(missing());
        };
        let tail = self.stderr.clone();
        // Runs until the pipe closes: the group's end closes it.
        tokio::spawn(async move {
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            while let Ok(read) = read_line(&mut reader, &mut line, STDERR_LINE).await {
                match read {
                    Read::Eof => break,
                    Read::Line => {}
                    Read::TooLong => {
                        if skip_line(&mut reader).await.is_err() {
                            break;
                        }
                    }
                }
                tail.push(&String::from_utf8_lossy(&line));
            }
        });
        let outgoing: Outgoing = Box::pin(futures_util::sink::unfold(
            stdin,
            async |mut stdin, line: String| {
                stdin.write_all(line.as_bytes()).await?;
                stdin.write_all(b"\n").await?;
                stdin.flush().await?;
                Ok::<_, io::Error>(stdin)
            },
        ));
        let incoming = messages(stdout, self.max_line, self.stderr.clone());
        let running = Running {
            child,
            group: GroupGuard(group),
            stderr: self.stderr,
        };
        Ok((Lines::new(outgoing, incoming), running))
    }
}

/// The agent's stdout as lines of at most `max` bytes; a longer line ends
/// the stream with an error, and `tail` records why.
fn messages(stdout: ChildStdout, max: usize, tail: StderrTail) -> Incoming {
    let reader = Some(BufReader::new(stdout));
    Box::pin(futures_util::stream::unfold(reader, move |reader| {
        let tail = tail.clone();
        async move {
            let mut reader = reader?;
            let mut line = Vec::new();
            match read_line(&mut reader, &mut line, max).await {
                Ok(Read::Eof) => None,
                Ok(Read::Line) => Some((Ok(text(line)), Some(reader))),
                Ok(Read::TooLong) => {
                    tail.stopped_for_size(max as u64);
                    let e = io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("the agent sent a message over {max} bytes"),
                    );
                    Some((Err(e), None))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    }))
}

/// A line as text; bytes that are not UTF-8 become U+FFFD (the JSON parser
/// then says what is wrong with the message).
fn text(line: Vec<u8>) -> String {
    String::from_utf8(line).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
enum Read {
    /// A line (or the last bytes before the end, without a newline).
    Line,
    /// The end, with nothing before it.
    Eof,
    /// A line longer than the limit: its first bytes are in the buffer,
    /// the reader is inside it.
    TooLong,
}

/// Reads one line into `line` (cleared first, without its `\n` or `\r\n`),
/// holding at most `max` bytes of it in memory.
async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<Read> {
    line.clear();
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(if line.is_empty() {
                Read::Eof
            } else {
                Read::Line
            });
        }
        let (take, used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (end, end + 1, true),
            None => (available.len(), available.len(), false),
        };
        if line.len() + take > max {
            let room = max - line.len();
            line.extend_from_slice(&available[..room]);
            reader.consume(room);
            return Ok(Read::TooLong);
        }
        line.extend_from_slice(&available[..take]);
        reader.consume(used);
        if done {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Read::Line);
        }
    }
}

/// Skips the rest of a line, newline included.
async fn skip_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<()> {
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(());
        }
        if let Some(end) = available.iter().position(|&b| b == b'\n') {
            reader.consume(end + 1);
            return Ok(());
        }
        let n = available.len();
        reader.consume(n);
    }
}

/// Kills the agent's process group when dropped.
struct GroupGuard(Option<Pid>);

impl GroupGuard {
    fn signal(&self, signal: Signal) {
        if let Some(group) = self.0 {
            crate::process::signalled_or_gone(rustix::process::kill_process_group(group, signal));
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.signal(Signal::KILL);
    }
}

/// A started agent the protocol runs over.
struct Running {
    child: Child,
    group: GroupGuard,
    stderr: StderrTail,
}

impl Running {
    /// Runs the protocol while watching the agent: when the protocol ends
    /// first, the agent (its stdin now closed) gets a grace period to exit,
    /// then SIGTERM, then SIGKILL; when the agent exits first, its group is
    /// killed and the protocol gets a grace period to end. An agent that
    /// exited with a failure is an error naming its status.
    async fn supervise(self, protocol: impl Future<Output = Result<()>> + Send) -> Result<()> {
        let Self {
            mut child,
            group,
            stderr,
        } = self;
        let mut protocol: BoxFuture<'_, Result<()>> = Box::pin(protocol);
        tokio::select! {
            result = &mut protocol => {
                // Dropping the protocol closes the agent's stdin.
                drop(protocol);
                result?;
                if tokio::time::timeout(EXIT_GRACE, child.wait()).await.is_err() {
                    group.signal(Signal::TERM);
                    let _ = tokio::time::timeout(TERMINATE_GRACE, child.wait()).await;
                }
                Ok(())
            }
            status = child.wait() => {
                group.signal(Signal::KILL);
                let status = status.map_err(agent_client_protocol::Error::into_internal_error)?;
                if !status.success() {
                    return Err(exited_with(status, &stderr));
                }
                tokio::time::timeout(EXIT_GRACE, protocol)
                    .await
                    .unwrap_or(Ok(()))
            }
        }
    }
}

/// The error for an agent that exited with `status`.
fn exited_with(status: ExitStatus, stderr: &StderrTail) -> agent_client_protocol::Error {
    let text = stderr.text();
    internal_error(if text.is_empty() {
        format!("Process exited with {status}")
    } else {
        format!("Process exited with {status}: {text}")
    })
}

/// An internal error (`-32603`) whose data says what happened, as the
/// SDK's own transport reports it.
fn internal_error(message: String) -> agent_client_protocol::Error {
    agent_client_protocol::Error::internal_error().data(message)
}

#[cfg(test)]
mod tests {
    use super::{Read, read_line, skip_line};

    async fn lines(input: &[u8], max: usize) -> Vec<(Read, String)> {
        let mut reader = input;
        let mut line = Vec::new();
        let mut found = Vec::new();
        loop {
            let read = read_line(&mut reader, &mut line, max).await.unwrap();
            if read == Read::Eof {
                return found;
            }
            if read == Read::TooLong {
                skip_line(&mut reader).await.unwrap();
            }
            found.push((read, String::from_utf8_lossy(&line).into_owned()));
        }
    }

    #[tokio::test]
    async fn lines_are_read_up_to_the_limit() {
        let found = lines(b"one\r\ntwo\n\nfour is too long\nfive", 5).await;
        let expected = [
            (Read::Line, "one"),
            (Read::Line, "two"),
            (Read::Line, ""),
            (Read::TooLong, "four "),
            (Read::Line, "five"),
        ];
        assert_eq!(found.len(), expected.len(), "{found:?}");
        for ((read, text), (want_read, want_text)) in found.iter().zip(expected) {
            assert_eq!((read, text.as_str()), (&want_read, want_text));
        }
        // Exactly the limit is a line.
        assert_eq!(
            lines(b"12345\n", 5).await,
            [(Read::Line, "12345".to_owned())]
        );
    }
}
