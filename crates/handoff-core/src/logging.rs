//! Logs: what Handoff did and what it deliberately let go (a page that
//! stopped listening, a folder it could not watch), in `handoff.log` in the
//! data folder. The file is rotated past [`MAX_BYTES`] (one older file,
//! `handoff.log.1`, is kept). `RUST_LOG` chooses what is written (default:
//! `info` for Handoff, `warn` for the rest).

use std::error::Error;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::MakeWriterExt as _;

use crate::Home;

/// The causes below `error` that its message does not already say (many
/// messages end with their cause), outermost first.
#[must_use]
pub fn unsaid_causes(error: &dyn Error) -> Vec<String> {
    let mut said = error.to_string();
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string().trim().to_owned();
        if !said.contains(&text) {
            said.push_str(&text);
            causes.push(text);
        }
        source = cause.source();
    }
    causes
}

/// An error and the causes its message does not say, on one line
/// (`message: cause: cause`): how a failure is logged.
pub struct Chain<'a>(pub &'a dyn Error);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        for cause in unsaid_causes(self.0) {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

/// A failure worth a log line but not worth stopping for (a temporary
/// file left, a window that would not come to the front).
pub trait OrLog {
    /// Logs the failure with what was being done and where, and goes on.
    fn or_log(self, doing: &str);
}

impl<T, E: fmt::Display> OrLog for Result<T, E> {
    #[track_caller]
    fn or_log(self, doing: &str) {
        if let Err(e) = self {
            let at = std::panic::Location::caller();
            tracing::warn!(at = %at, error = %e, "{doing} failed");
        }
    }
}

/// The log file's name in the data folder.
pub const FILE_NAME: &str = "handoff.log";
/// Past this size the log file is rotated.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// What is logged when `RUST_LOG` does not say.
const DEFAULT_FILTER: &str = "warn,handoff_core=info,handoff_app=info,handoff=info";

/// Sends this process's logs to the data folder's log file (and, with
/// `stderr`, to standard error too). Returns the file's path; a second
/// call changes nothing.
pub fn to_file(home: &Home, stderr: bool) -> io::Result<PathBuf> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(home.dir())?;
    let path = home.dir().join(FILE_NAME);
    let file = RotatingFile::open(&path, MAX_BYTES)?;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let installed = if stderr {
        builder.with_writer(file.and(io::stderr)).try_init()
    } else {
        builder.with_writer(file).try_init()
    };
    drop(installed);
    Ok(path)
}

/// Sends a command's logs to the data folder's log file, and to standard
/// error too only when `RUST_LOG` asks (the CLI's output is for people).
/// When the file cannot be opened, standard error as `RUST_LOG` says.
pub fn for_command(home: &Home) {
    let stderr = std::env::var_os("RUST_LOG").is_some();
    if to_file(home, stderr).is_err() {
        to_stderr();
    }
}

fn to_stderr() {
    if let Ok(filter) = EnvFilter::try_from_default_env() {
        drop(
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(io::stderr)
                .try_init(),
        );
    }
}

/// A log file that moves itself to `<name>.1` once it grows past a limit.
#[derive(Clone)]
pub struct RotatingFile {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    path: PathBuf,
    file: File,
    written: u64,
    limit: u64,
}

impl RotatingFile {
    /// Opens (appends to) the log at `path`, rotating it past `limit` bytes.
    pub fn open(path: &Path, limit: u64) -> io::Result<Self> {
        let file = append(path)?;
        let written = file.metadata()?.len();
        let mut inner = Inner {
            path: path.to_owned(),
            file,
            written,
            limit,
        };
        if inner.written >= limit {
            inner.rotate()?;
        }
        Ok(Self {
            inner: Arc::new(Mutex::new(inner)),
        })
    }
}

impl Inner {
    /// Moves the full log aside and starts a new one, unless another
    /// process (the CLI, an agent's helper) did so already: then this one
    /// goes on in the new file.
    fn rotate(&mut self) -> io::Result<()> {
        use std::os::unix::fs::MetadataExt as _;
        let ours = self.file.metadata()?.ino();
        if std::fs::metadata(&self.path).is_ok_and(|now| now.ino() != ours) {
            self.file = append(&self.path)?;
            self.written = self.file.metadata()?.len();
            if self.written < self.limit {
                return Ok(());
            }
        }
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, old)?;
        self.file = append(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

fn append(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.written + buf.len() as u64 > inner.limit && inner.written > 0 {
            inner.rotate()?;
        }
        let n = inner.file.write(buf)?;
        inner.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .file
            .flush()
    }
}

impl<'a> MakeWriter<'a> for RotatingFile {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::RotatingFile;

    #[test]
    fn the_log_moves_aside_past_its_limit_and_keeps_one_older_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("handoff.log");
        let mut log = RotatingFile::open(&path, 100).unwrap();
        for i in 0..25 {
            writeln!(log, "line {i:02} of the log").unwrap();
        }
        let now = std::fs::read_to_string(&path).unwrap();
        let older = std::fs::read_to_string(dir.path().join("handoff.log.1")).unwrap();
        assert!(now.len() <= 100 && older.len() <= 100, "{now:?} {older:?}");
        assert!(now.ends_with("line 24 of the log\n"));
        assert!(older.contains("line 1"), "{older:?}");
        // Reopened over the limit, it rotates at once.
        std::fs::write(&path, vec![b'x'; 150]).unwrap();
        RotatingFile::open(&path, 100).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }
}
