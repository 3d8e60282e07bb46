//! Folders and files on the remote reached by what was opened, not by a
//! path walked again. SFTP has no `openat`: every request names a path,
//! which the server resolves anew, so an agent there that swaps a folder
//! or file for a symlink between Handoff's check and its request would
//! redirect it. Instead a small shell there opens the folder (or file)
//! once, and `/proc/<pid>/fd/<n>` — the kernel's link to exactly what it
//! opened — is what the check and every later request go through: the
//! kernel names where the open thing really is (`readlink`), which must be
//! where Handoff expects it, and SFTP requests under that link reach the
//! opened folder whatever is renamed or swapped after.
//!
//! The remote needs Linux's `/proc`, `readlink`, and `bash` for folders
//! held through a batch (a POSIX `sh` for one file read or deleted).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use openssh::{Child, ChildStdin, ChildStdout, Session, Stdio};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::OwnedSemaphorePermit;

use super::{Remote, RemoteError};

/// How long the shell there may take to open one thing (a FIFO put in
/// the way blocks an open; that is refused, not waited on).
const OPEN_WAIT: Duration = Duration::from_secs(30);

/// Holds folders open for a batch: each request is two lines, the fd of an
/// already-held folder (or `/` for an absolute path) and a name in it;
/// the answer is `<fd> <where it really is>`, or `!` when it cannot be
/// opened as a folder. The first line it writes is its pid.
const HOLDER: &str = r#"printf '%s\n' "$$"
while IFS= read -r parent && IFS= read -r name; do
  case $parent in
    /) at=$name ;;
    *) at=/proc/$$/fd/$parent/$name ;;
  esac
  if command exec {fd}<"$at"; then
    if [ -d "/proc/$$/fd/$fd" ] && real=$(readlink "/proc/$$/fd/$fd"); then
      printf '%s %s\n' "$fd" "$real"
      continue
    fi
    exec {fd}<&-
  fi
  printf '!\n'
done"#;

/// Reads one file: opens `$1`, and only if the kernel says the opened file
/// is at `$1` itself (no symlink on the way, nothing swapped) and is a
/// regular file, writes `ok`, a newline and its bytes; else one line that
/// says why (`missing`, `moved`, `kind`, `proc`).
const READER: &str = r#"command exec 3<"$1" || { echo missing; exit 0; }
real=$(readlink "/proc/$$/fd/3") || { echo proc; exit 0; }
[ "$real" = "$1" ] || { echo moved; exit 0; }
[ -f "/proc/$$/fd/3" ] || { echo kind; exit 0; }
echo ok
exec cat <&3"#;

/// Deletes `$2` in the folder `$1`: opens the folder, and only if it is at
/// `$1` itself removes the name in what was opened (`removed`, `gone`,
/// `moved`, `failed`).
const REMOVER: &str = r#"command exec 3<"$1" || { echo gone; exit 0; }
real=$(readlink "/proc/$$/fd/3") || { echo proc; exit 0; }
[ "$real" = "$1" ] && [ -d "/proc/$$/fd/3" ] || { echo moved; exit 0; }
at=/proc/$$/fd/3/$2
if [ -e "$at" ] || [ -L "$at" ]; then
  rm -f -- "$at" && echo removed || echo failed
else
  echo gone
fi"#;

/// A folder held open there.
#[derive(Debug, Clone)]
pub(super) struct HeldDir {
    /// Where it is (for records and messages).
    pub real: PathBuf,
    /// The path every SFTP request about it goes through.
    pub via: PathBuf,
    fd: u32,
}

impl HeldDir {
    /// `name` in this folder, as SFTP reaches it.
    pub fn via(&self, name: &str) -> PathBuf {
        self.via.join(name)
    }
}

/// The shell there that holds a batch's folders open; it ends when this
/// is dropped (its input closes).
pub(super) struct Holder {
    host: String,
    pid: u32,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    _child: Child<Arc<Session>>,
    _turn: OwnedSemaphorePermit,
}

/// What one open there said.
pub(super) enum Opened {
    /// Held, and where the kernel says it is.
    Held(HeldDir),
    /// Not held: missing, not a folder, or not openable.
    Refused,
}

impl Remote {
    /// Starts the shell that holds folders open there.
    pub(super) async fn holder(&self) -> Result<Holder, RemoteError> {
        let turn = self.turn().await?;
        let mut child = Arc::clone(&self.link().session)
            .arc_command("bash")
            .arg("-c")
            .arg(HOLDER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .await
            .map_err(|e| self.lost(&e))?;
        let (Some(input), Some(output)) = (child.stdin().take(), child.stdout().take()) else {
            return Err(self.unsupported("its shell gave no pipes"));
        };
        let mut holder = Holder {
            host: self.spec().host().to_owned(),
            pid: 0,
            input,
            output: BufReader::new(output),
            _child: child,
            _turn: turn,
        };
        let line = holder.reply().await?;
        holder.pid = line.trim().parse().map_err(|_| {
            self.unsupported(&format!(
                "bash did not start there (it said {:?})",
                line.trim()
            ))
        })?;
        Ok(holder)
    }

    /// Reads the regular file at `path` there, streaming its bytes into
    /// `out` as they come. `path` must be where the file really is (no
    /// symlink in it): when the kernel names what was opened otherwise,
    /// nothing is read.
    pub(super) async fn read_held(
        &self,
        path: &Path,
        out: &mut (dyn FnMut(&[u8]) -> Result<(), String> + Send),
    ) -> Result<Read, RemoteError> {
        use tokio::io::AsyncReadExt;
        let _turn = self.turn().await?;
        let mut child = self
            .session()
            .command("sh")
            .arg("-c")
            .arg(READER)
            .arg("sh")
            .arg(path.to_string_lossy())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .await
            .map_err(|e| self.lost(&e))?;
        let Some(stdout) = child.stdout().take() else {
            return Err(self.unsupported("its shell gave no pipes"));
        };
        let mut stdout = BufReader::new(stdout);
        let status = first_line(&mut stdout, self.spec().host()).await?;
        match status.trim_end() {
            "ok" => {}
            "missing" => return Ok(Read::Missing),
            "moved" => return Ok(Read::Moved),
            "kind" => return Ok(Read::NotRegular),
            _ => return Err(self.unsupported("it has no /proc (Linux) or readlink")),
        }
        let mut buffer = vec![0_u8; 256 * 1024];
        loop {
            let n = stdout.read(&mut buffer).await.map_err(|e| self.lost(&e))?;
            if n == 0 {
                break;
            }
            if let Err(reason) = out(&buffer[..n]) {
                return Ok(Read::Stopped(reason));
            }
        }
        // The file was read to its end; the shell's status adds nothing.
        drop(child.wait().await);
        Ok(Read::Done)
    }

    /// Deletes `name` in `folder` there, through the folder as opened:
    /// nothing is deleted when `folder` is not really there (a symlink on
    /// the way, or swapped).
    pub(super) async fn remove_held(
        &self,
        folder: &Path,
        name: &str,
    ) -> Result<Removed, RemoteError> {
        let _turn = self.turn().await?;
        let output = self
            .session()
            .command("sh")
            .arg("-c")
            .arg(REMOVER)
            .arg("sh")
            .arg(folder.to_string_lossy())
            .arg(name)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| self.lost(&e))?;
        match String::from_utf8_lossy(&output.stdout).trim_end() {
            "removed" => Ok(Removed::Done),
            "gone" => Ok(Removed::Gone),
            "moved" => Ok(Removed::Moved),
            "failed" => Err(RemoteError::Failed {
                host: self.spec().host().to_owned(),
                detail: format!("cannot delete {name} in {}", folder.display()),
            }),
            _ => Err(self.unsupported("it has no /proc (Linux) or readlink")),
        }
    }

    /// Waits for a turn to run a command over the master.
    pub(super) async fn turn(&self) -> Result<OwnedSemaphorePermit, RemoteError> {
        Arc::clone(&self.link().commands)
            .acquire_owned()
            .await
            .map_err(|e| self.lost(&e))
    }

    fn unsupported(&self, why: &str) -> RemoteError {
        RemoteError::Failed {
            host: self.spec().host().to_owned(),
            detail: format!(
                "files there cannot be reached safely: {why}. Handoff needs Linux there, with bash and readlink"
            ),
        }
    }
}

/// How one read there ended.
pub(super) enum Read {
    /// Every byte was handed over.
    Done,
    /// Nothing is at that path.
    Missing,
    /// What is there is not where the path says (a symlink on the way).
    Moved,
    /// It is not a regular file.
    NotRegular,
    /// The receiver stopped it (its reason).
    Stopped(String),
}

/// How one delete there ended.
pub(super) enum Removed {
    /// It was deleted.
    Done,
    /// Nothing was there.
    Gone,
    /// Its folder is not where its path says; nothing was deleted.
    Moved,
}

impl Holder {
    /// Opens the folder at the absolute `path` and holds it if the kernel
    /// says it is at `expected`.
    pub async fn hold(&mut self, path: &Path, expected: &Path) -> Result<Opened, RemoteError> {
        self.open("/", &path.to_string_lossy(), expected).await
    }

    /// Opens `name` in the held `parent` and holds it if it is a folder
    /// really at `parent`'s place joined with `name`.
    pub async fn hold_in(&mut self, parent: &HeldDir, name: &str) -> Result<Opened, RemoteError> {
        self.open(&parent.fd.to_string(), name, &parent.real.join(name))
            .await
    }

    async fn open(
        &mut self,
        parent: &str,
        name: &str,
        expected: &Path,
    ) -> Result<Opened, RemoteError> {
        if name.contains('\n') {
            return Ok(Opened::Refused);
        }
        let request = format!("{parent}\n{name}\n");
        self.input
            .write_all(request.as_bytes())
            .await
            .map_err(|e| self.lost(&e))?;
        self.input.flush().await.map_err(|e| self.lost(&e))?;
        let line = self.reply().await?;
        let Some((fd, real)) = line.trim_end_matches('\n').split_once(' ') else {
            return Ok(Opened::Refused);
        };
        let Ok(fd) = fd.parse::<u32>() else {
            return Ok(Opened::Refused);
        };
        if Path::new(real) != expected {
            return Ok(Opened::Refused);
        }
        Ok(Opened::Held(HeldDir {
            real: PathBuf::from(real),
            via: PathBuf::from(format!("/proc/{}/fd/{fd}", self.pid)),
            fd,
        }))
    }

    async fn reply(&mut self) -> Result<String, RemoteError> {
        first_line(&mut self.output, &self.host).await
    }

    fn lost(&self, e: &dyn std::error::Error) -> RemoteError {
        RemoteError::Lost {
            host: self.host.clone(),
            detail: e.to_string(),
        }
    }
}

/// The next line the shell there writes, within [`OPEN_WAIT`] and 64 KiB.
async fn first_line(from: &mut BufReader<ChildStdout>, host: &str) -> Result<String, RemoteError> {
    use tokio::io::AsyncReadExt;
    let lost = |detail: String| RemoteError::Lost {
        host: host.to_owned(),
        detail,
    };
    let mut line = Vec::new();
    let read = tokio::time::timeout(
        OPEN_WAIT,
        (&mut *from).take(64 * 1024).read_until(b'\n', &mut line),
    )
    .await
    .map_err(|_| {
        lost("the remote shell did not answer in time (something there blocks an open)".to_owned())
    })?;
    match read {
        Ok(0) => Err(lost("the remote shell ended".to_owned())),
        Ok(_) => Ok(String::from_utf8_lossy(&line).into_owned()),
        Err(e) => Err(lost(e.to_string())),
    }
}
