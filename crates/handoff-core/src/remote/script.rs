//! A short bash script run there over the kept master, for work that
//! reads the worktree in one round trip (what a turn made, what git says
//! of a file): its arguments quoted, its input fed while its output is
//! read, at most so many bytes of that output kept, and a time limit.

use std::time::Duration;

use openssh::Stdio;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::{Remote, RemoteError};

/// How long one script may take there.
const SCRIPT_WAIT: Duration = Duration::from_secs(120);

/// What a script wrote, and whether it ended well.
#[derive(Debug)]
pub(crate) struct Ran {
    /// Its standard output (at most the limit asked for).
    pub stdout: Vec<u8>,
    /// It wrote more than the limit; the rest was not read.
    pub cut: bool,
    /// It exited with status 0.
    pub success: bool,
}

impl Remote {
    /// Runs `script` with bash there, `args` as its `$1`, `$2`, …, `input`
    /// on its standard input, keeping at most `limit` bytes of what it
    /// writes. A script that takes longer than two minutes is stopped.
    pub(crate) async fn script(
        &self,
        script: &str,
        args: &[&str],
        input: &[u8],
        limit: usize,
    ) -> Result<Ran, RemoteError> {
        let _turn = self.turn().await?;
        let mut command = self.session().command("bash");
        command.arg("-c").arg(script).arg("bash");
        for arg in args {
            command.arg(arg);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .await
            .map_err(|e| self.lost(&e))?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin().take(), child.stdout().take()) else {
            return Err(RemoteError::Failed {
                host: self.spec().host().to_owned(),
                detail: "its shell gave no pipes".to_owned(),
            });
        };
        let feed = async move {
            // A script that stops reading early has what it needs.
            if let Err(e) = stdin.write_all(input).await {
                tracing::debug!(error = %e, "a remote script stopped reading its input");
            }
            drop(stdin);
        };
        let read = async move {
            let mut stdout = stdout.take(limit as u64 + 1);
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).await.map(|_| out)
        };
        let work = async {
            let ((), out) = tokio::join!(feed, read);
            let mut stdout = out.map_err(|e| self.lost(&e))?;
            let cut = stdout.len() > limit;
            stdout.truncate(limit);
            // Cut short, it is not waited for: dropping it ends it.
            let success = !cut && child.wait().await.map_err(|e| self.lost(&e))?.success();
            Ok(Ran {
                stdout,
                cut,
                success,
            })
        };
        tokio::time::timeout(SCRIPT_WAIT, work)
            .await
            .map_err(|_| RemoteError::Lost {
                host: self.spec().host().to_owned(),
                detail: format!(
                    "a look at the worktree took longer than {} s",
                    SCRIPT_WAIT.as_secs()
                ),
            })?
    }
}
