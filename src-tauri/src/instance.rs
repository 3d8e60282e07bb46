//! One app per data folder, whatever the desktop (with or without a session
//! bus). The first app takes an exclusive lock in the data folder and
//! listens on a socket beside it; a second launch finds the lock taken,
//! hands its command line's files to the first over the socket (so "Open
//! with Handoff" in a file manager offers them for upload there), and
//! exits. Only the data folder's owner can reach the socket (the folder is
//! 0700).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use handoff_core::Home;
use handoff_core::logging::OrLog as _;
use rustix::fs::FlockOperation;
use serde::{Deserialize, Serialize};

/// The lock held by the running app.
const LOCK: &str = "app.lock";
/// The socket a second launch talks to.
const SOCKET: &str = "app.sock";
/// How long a second launch waits for the first to listen.
const CONNECT_WAIT: Duration = Duration::from_secs(10);
/// The largest message taken from a second launch.
const MAX_MESSAGE: u64 = 1 << 20;

/// What a second launch hands over.
#[derive(Debug, Serialize, Deserialize)]
struct Handover {
    /// Files and folders named on its command line, absolute.
    paths: Vec<PathBuf>,
}

/// The running app's claim on its data folder; released when dropped.
pub struct Claim {
    _lock: File,
    listener: UnixListener,
    socket: PathBuf,
}

impl Drop for Claim {
    fn drop(&mut self) {
        std::fs::remove_file(&self.socket).or_log("removing the app's socket");
    }
}

/// What this launch is.
pub enum Launch {
    /// The first app for the data folder.
    First(Claim),
    /// Another app runs there and has the paths now: exit.
    Handed,
}

/// Claims the data folder, or hands `paths` to the app that has it.
pub fn claim(home: &Home, paths: &[PathBuf]) -> std::io::Result<Launch> {
    home.prepare()?;
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(home.dir().join(LOCK))?;
    let socket = home.dir().join(SOCKET);
    match rustix::fs::flock(&lock, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {
            // A socket left by an app that was killed is stale: the lock says so.
            match std::fs::remove_file(&socket) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    tracing::warn!(error = %e, "cannot remove a stale socket");
                }
                _ => {}
            }
            let listener = UnixListener::bind(&socket)?;
            Ok(Launch::First(Claim {
                _lock: lock,
                listener,
                socket,
            }))
        }
        Err(rustix::io::Errno::WOULDBLOCK) => {
            hand_over(&socket, paths)?;
            Ok(Launch::Handed)
        }
        Err(e) => Err(e.into()),
    }
}

/// Sends `paths` to the running app, waiting for it to listen.
fn hand_over(socket: &Path, paths: &[PathBuf]) -> std::io::Result<()> {
    let deadline = Instant::now() + CONNECT_WAIT;
    let mut stream = loop {
        match UnixStream::connect(socket) {
            Ok(stream) => break stream,
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let message = serde_json::to_string(&Handover {
        paths: paths.to_vec(),
    })?;
    writeln!(stream, "{message}")?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    Ok(())
}

/// Serves second launches on a thread: each one's paths go to `opened`.
pub fn serve(claim: Claim, opened: impl Fn(Vec<PathBuf>) + Send + 'static) {
    std::thread::spawn(move || {
        for stream in claim.listener.incoming() {
            let Ok(mut stream) = stream else {
                continue;
            };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .or_log("bounding a second launch's wait");
            let mut line = String::new();
            let read = BufReader::new((&stream).take(MAX_MESSAGE)).read_line(&mut line);
            let paths = read
                .ok()
                .and_then(|_| serde_json::from_str::<Handover>(&line).ok())
                .map(|h| h.paths)
                .unwrap_or_default();
            opened(paths);
            writeln!(stream, "ok").or_log("answering a second launch");
        }
        drop(claim);
    });
}

/// The files and folders named on the command line, absolute.
#[must_use]
pub fn command_line_paths() -> Vec<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    std::env::args_os()
        .skip(1)
        .filter(|a| !a.to_string_lossy().starts_with('-'))
        .map(|a| cwd.join(a))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_launch_hands_its_paths_to_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().join("data"));
        let Launch::First(first) = claim(&home, &[]).unwrap() else {
            panic!("the first launch claims the folder")
        };
        let (tx, rx) = std::sync::mpsc::channel();
        serve(first, move |paths| tx.send(paths).unwrap());
        let asked = vec![PathBuf::from("/tmp/a file.png")];
        assert!(matches!(claim(&home, &asked).unwrap(), Launch::Handed));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), asked);
        // Another data folder is another app.
        let other = Home::at(dir.path().join("other"));
        assert!(matches!(claim(&other, &[]).unwrap(), Launch::First(_)));
    }

    /// The desktop entry shipped with the app opens files with it ("Open
    /// with Handoff"), which hands them to the running app.
    #[test]
    fn the_desktop_entry_opens_files_with_the_app() {
        let entry = include_str!("../handoff.desktop");
        let field = |key: &str| {
            entry
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_default()
        };
        assert_eq!(field("Exec"), "handoff-app %F");
        assert_eq!(field("Type"), "Application");
        assert!(field("MimeType").contains("image/png;"));
        assert!(field("MimeType").contains("inode/directory;"));
    }
}
