//! The file-system events under a worktree while a turn runs: one watch
//! per folder (noise folders and `.git` are never watched, so a burst of
//! 5,000 files in `node_modules` costs nothing), a new folder watched as
//! soon as it appears and its files taken as made.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use notify::event::{
    AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RemoveKind, RenameMode,
};
use notify::{RecursiveMode, Watcher as _};

use crate::words::{TEMP_PREFIX, TEMP_SUFFIX};

/// At most this many folders are watched; past it, git tells the rest.
const MAX_FOLDERS: usize = 20_000;
/// At most this many paths are kept of one turn's events.
const MAX_PATHS: usize = 50_000;
/// How long the events of the turn's last writes are waited for at most
/// (they come before the barrier's, which normally takes a millisecond).
const SETTLE: Duration = Duration::from_secs(2);

/// What the events said of one path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Seen {
    /// It was created (or moved in) during the turn.
    pub created: bool,
}

/// The paths events named, relative to the worktree (`/`-separated), and
/// how many more there were past the cap.
#[derive(Debug, Default)]
pub(super) struct Events {
    pub paths: BTreeMap<String, Seen>,
    pub dropped: u64,
}

enum Message {
    Event(notify::Result<notify::Event>),
    /// Stop once the event of this file is in (or at once: none).
    Stop(Option<std::path::PathBuf>),
}

/// Watching a worktree's folders until [`FolderWatch::stop`].
pub(super) struct FolderWatch {
    root: std::path::PathBuf,
    stop: mpsc::Sender<Message>,
    thread: Option<JoinHandle<Events>>,
}

impl FolderWatch {
    /// Watches every folder of `root` that `skip` keeps; `None` when the
    /// system refuses a watcher (git still tells what changed).
    pub fn start(root: &Path, skip: impl Fn(&str) -> bool + Send + 'static) -> Option<Self> {
        let (tx, rx) = mpsc::channel();
        let events = tx.clone();
        let mut watcher = notify::recommended_watcher(move |e| {
            // The receiver is gone only once the turn's watch has stopped.
            drop(events.send(Message::Event(e)));
        })
        .map_err(|e| tracing::warn!(error = %e, "no watcher for a turn's outputs"))
        .ok()?;
        let mut folders = 0;
        for dir in walkdir::WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| e.file_type().is_dir() && !skip(&relative(root, e.path())))
            .filter_map(Result::ok)
        {
            if folders >= MAX_FOLDERS {
                break;
            }
            if watcher
                .watch(dir.path(), RecursiveMode::NonRecursive)
                .is_ok()
            {
                folders += 1;
            }
        }
        let followed = root.to_owned();
        let thread = std::thread::Builder::new()
            .name("handoff-outputs".to_owned())
            .spawn(move || follow(&followed, &mut watcher, folders, &rx, &skip))
            .map_err(|e| tracing::warn!(error = %e, "no thread for a turn's outputs"))
            .ok()?;
        Some(Self {
            root: root.to_owned(),
            stop: tx,
            thread: Some(thread),
        })
    }

    /// Stops watching and says what the events named. The kernel hands
    /// events over in order, so a file made and removed at the top of the
    /// worktree (under Handoff's temp name, which is never an output) is a
    /// barrier: once its event is in, so are those of every earlier write.
    pub fn stop(mut self) -> Events {
        let barrier = self.root.join(format!(
            "{TEMP_PREFIX}{}-{}-turn{TEMP_SUFFIX}",
            std::process::id(),
            crate::random::hex::<6>().unwrap_or_default()
        ));
        // Told first: the barrier's event may come at once.
        drop(self.stop.send(Message::Stop(Some(barrier.clone()))));
        let made = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&barrier)
            .and_then(|file| {
                drop(file);
                std::fs::remove_file(&barrier)
            });
        if let Err(e) = made {
            tracing::debug!(error = %e, "no barrier for a turn's events");
            drop(self.stop.send(Message::Stop(None)));
        }
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

fn follow(
    root: &Path,
    watcher: &mut notify::RecommendedWatcher,
    mut folders: usize,
    rx: &mpsc::Receiver<Message>,
    skip: &dyn Fn(&str) -> bool,
) -> Events {
    let mut events = Events::default();
    let note = |events: &mut Events, path: &Path, created: bool| {
        let rel = relative(root, path);
        if rel.is_empty() || skip(&rel) {
            return;
        }
        if let Some(seen) = events.paths.get_mut(&rel) {
            seen.created |= created;
        } else if events.paths.len() < MAX_PATHS {
            events.paths.insert(rel, Seen { created });
        } else {
            events.dropped += 1;
        }
    };
    let mut waiting_for: Option<(std::path::PathBuf, std::time::Instant)> = None;
    loop {
        let message = match &waiting_for {
            Some((_, deadline)) => match rx
                .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            {
                Ok(message) => message,
                Err(_) => break,
            },
            None => match rx.recv() {
                Ok(message) => message,
                Err(_) => break,
            },
        };
        let event = match message {
            Message::Stop(None) => break,
            Message::Stop(Some(barrier)) => {
                waiting_for = Some((barrier, std::time::Instant::now() + SETTLE));
                continue;
            }
            Message::Event(event) => event,
        };
        let Ok(event) = event else {
            continue;
        };
        // A file read (opened, closed unwritten) changed nothing.
        if matches!(event.kind, EventKind::Access(access) if access != AccessKind::Close(AccessMode::Write))
        {
            continue;
        }
        if let Some((barrier, _)) = &waiting_for
            && event.paths.contains(barrier)
        {
            break;
        }
        let created = matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(RenameMode::To))
        );
        for path in &event.paths {
            // A link to a folder is not one: nothing is followed out of
            // the worktree.
            let is_dir = matches!(
                event.kind,
                EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder)
            ) || std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
            if !is_dir {
                note(&mut events, path, created);
                continue;
            }
            if !created || skip(&relative(root, path)) {
                continue;
            }
            // A folder made during the turn: watch it, and take the files
            // already in it (made before its watch began) as made.
            for entry in walkdir::WalkDir::new(path)
                .follow_links(false)
                .follow_root_links(false)
                .into_iter()
                .filter_entry(|e| !skip(&relative(root, e.path())))
                .filter_map(Result::ok)
            {
                if entry.file_type().is_dir() {
                    if folders < MAX_FOLDERS
                        && watcher
                            .watch(entry.path(), RecursiveMode::NonRecursive)
                            .is_ok()
                    {
                        folders += 1;
                    }
                } else {
                    note(&mut events, entry.path(), true);
                }
            }
        }
    }
    events
}

/// `path` relative to `root`, `/`-separated; empty for `root` itself.
pub(super) fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}
