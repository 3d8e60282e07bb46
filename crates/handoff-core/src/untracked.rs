//! Files that are in an uploads folder but that no record follows: put
//! there by hand, by the agent, or left by an older Handoff. They can be
//! listed for one worktree and added to the record where they are, without
//! a copy.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::destination::{Destination, Folder, Roots};
use crate::ingest::Origin;
use crate::ingest::stage::hash_file;
use crate::reconcile::{is_folder_gitignore, is_temp_file};
use crate::store::{Direction, FileRecord, NewFile, Session, Store, StoreError};
use crate::words::ErrorKind;
use crate::{Settings, Timestamp, clock, mime};

/// A file found in an uploads folder without a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Untracked {
    /// Its absolute path.
    pub path: PathBuf,
    /// The folder it was found in.
    pub destination: Destination,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time (ns since the epoch).
    pub mtime_ns: i64,
}

/// Why an untracked file could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// The path is not a regular file inside one of the session's uploads folders.
    #[error("{0} is not a file in this session's uploads folders")]
    Outside(PathBuf),
    /// A record already follows the file.
    #[error("{0} is already recorded")]
    AlreadyRecorded(PathBuf),
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The uploads folders a session's files may be in: its worktree's, the
/// temp one and the global one (whether they exist or not).
#[must_use]
pub fn session_folders(roots: &Roots, worktree: &Path, settings: &Settings) -> Vec<Folder> {
    [
        Destination::Worktree,
        Destination::Temp,
        Destination::Global,
    ]
    .into_iter()
    .filter_map(|d| Folder::resolve(d, roots, Some(worktree), settings).ok())
    .collect()
}

/// The files in `folders` that no live record follows, newest first.
/// Temp files of writes in progress and Handoff's own `.gitignore` are not
/// listed; symlinks are never followed.
pub fn list(store: &mut Store, folders: &[Folder]) -> Result<Vec<Untracked>, StoreError> {
    let mut found = Vec::new();
    for folder in folders {
        let root = folder.path();
        // One query per folder, not one per file.
        let known: HashSet<PathBuf> = store
            .files()
            .live_under(&root)?
            .into_iter()
            .map(|r| r.path)
            .collect();
        for entry in WalkDir::new(&root)
            .follow_links(false)
            .min_depth(1)
            .into_iter()
            .flatten()
        {
            let path = entry.path();
            if !entry.file_type().is_file()
                || is_temp_file(path)
                || is_folder_gitignore(&root, path)
            {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !known.contains(path) {
                found.push(Untracked {
                    path: path.to_owned(),
                    destination: folder.destination,
                    size: meta.len(),
                    mtime_ns: clock::mtime_ns(&meta),
                });
            }
        }
    }
    found.sort_by(|a, b| {
        b.mtime_ns
            .cmp(&a.mtime_ns)
            .then_with(|| a.path.cmp(&b.path))
    });
    Ok(found)
}

/// Records the untracked file at `path` as an upload of `session`, where it
/// is (hashed and typed as ingest would; a temp file gets its expiry).
/// `path` must be a regular file (not a symlink) inside one of the
/// session's uploads folders, with no live record.
pub fn add(
    store: &mut Store,
    roots: &Roots,
    settings: &Settings,
    session: &Session,
    path: &Path,
    now: Timestamp,
) -> Result<FileRecord, AddError> {
    let worktree = store.worktrees().get(session.worktree_id)?;
    let folders = session_folders(roots, &worktree.path, settings);
    let outside = || AddError::Outside(path.to_owned());
    let meta = fs::symlink_metadata(path).map_err(|_| outside())?;
    if !meta.is_file() {
        return Err(outside());
    }
    let folder = folders
        .iter()
        .find(|f| inside(path, &f.path()))
        .ok_or_else(outside)?;
    if store.files().live_at(path)?.is_some() {
        return Err(AddError::AlreadyRecorded(path.to_owned()));
    }
    let read = |source| AddError::Read {
        path: path.to_owned(),
        source,
    };
    let mut head = Vec::with_capacity(mime::SNIFF_BYTES);
    fs::File::open(path)
        .and_then(|f| f.take(mime::SNIFF_BYTES as u64).read_to_end(&mut head))
        .map_err(read)?;
    let sha256 = hash_file(path).map_err(read)?;
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = NewFile {
        session_id: Some(session.id),
        worktree_id: Some(session.worktree_id),
        direction: Direction::ToAgent,
        destination: folder.destination,
        mime: mime::guess(&filename),
        filename,
        path: path.to_owned(),
        size: meta.len(),
        sniffed_mime: mime::sniff(&head),
        sha256,
        source: Origin::Found,
        display_name: None,
        description: None,
        revision: 1,
        mtime_ns: clock::mtime_ns(&meta),
        expires_at: (folder.destination == Destination::Temp)
            .then(|| now.saturating_add((settings.temp_expiry_secs as i64).saturating_mul(1000))),
    };
    Ok(store.files().insert_many(&[file], &[], now)?.remove(0))
}

/// Whether `path` is below `folder`, component by component (no `..`).
fn inside(path: &Path, folder: &Path) -> bool {
    path.starts_with(folder)
        && path.strip_prefix(folder).is_ok_and(|rest| {
            rest.components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        })
}

impl AddError {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Outside(_) => ErrorKind::Outside,
            Self::AlreadyRecorded(_) => ErrorKind::InvalidInput,
            Self::Read { .. } => ErrorKind::Unreadable,
            Self::Store(e) => e.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct World {
        _dir: tempfile::TempDir,
        store: Store,
        roots: Roots,
        session: Session,
        uploads: PathBuf,
    }

    fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let roots = Roots {
            temp: base.join("tmp"),
            home: base.join("home"),
        };
        let worktree_path = base.join("wt");
        let uploads = worktree_path.join(".agor/uploads");
        fs::create_dir_all(&uploads).unwrap();
        fs::create_dir_all(&roots.temp).unwrap();
        let mut store = Store::open(&base.join("handoff.db")).unwrap();
        let worktree = store.worktrees().ensure(&worktree_path, 1).unwrap();
        let session = store.sessions().create(worktree.id, None, "s", 1).unwrap();
        World {
            _dir: dir,
            store,
            roots,
            session,
            uploads,
        }
    }

    fn folders(w: &mut World) -> Vec<Folder> {
        let worktree = w.store.worktrees().get(w.session.worktree_id).unwrap();
        session_folders(&w.roots, &worktree.path, &Settings::default())
    }

    #[test]
    fn lists_files_without_records_and_adds_one_in_place() {
        let mut w = world();
        fs::write(w.uploads.join("notes.md"), "# hi\n").unwrap();
        fs::write(w.uploads.join(".gitignore"), "*\n").unwrap();
        fs::write(w.uploads.join(".handoff-1.part"), "half").unwrap();
        let folders = folders(&mut w);
        let found = list(&mut w.store, &folders).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, w.uploads.join("notes.md"));
        assert_eq!(
            (found[0].destination, found[0].size),
            (Destination::Worktree, 5)
        );

        let settings = Settings::default();
        let record = add(
            &mut w.store,
            &w.roots,
            &settings,
            &w.session,
            &found[0].path,
            9,
        )
        .unwrap();
        assert_eq!(record.source, Origin::Found);
        assert_eq!(record.session_id, Some(w.session.id));
        assert_eq!(record.sha256, hash_file(&found[0].path).unwrap());
        assert_eq!(fs::read_to_string(&record.path).unwrap(), "# hi\n");
        assert!(list(&mut w.store, &folders).unwrap().is_empty());
        assert!(matches!(
            add(
                &mut w.store,
                &w.roots,
                &settings,
                &w.session,
                &found[0].path,
                9
            ),
            Err(AddError::AlreadyRecorded(_))
        ));
    }

    #[test]
    fn refuses_paths_outside_the_uploads_folders_and_symlinks() {
        let mut w = world();
        let settings = Settings::default();
        let worktree_file = w.uploads.join("../../secret.txt");
        fs::write(&worktree_file, "x").unwrap();
        std::os::unix::fs::symlink(&worktree_file, w.uploads.join("link.txt")).unwrap();
        for path in [
            worktree_file.clone(),
            w.uploads.join("link.txt"),
            w.uploads.join("missing.txt"),
            PathBuf::from("/etc/passwd"),
        ] {
            assert!(
                matches!(
                    add(&mut w.store, &w.roots, &settings, &w.session, &path, 9),
                    Err(AddError::Outside(_))
                ),
                "{path:?}"
            );
        }
        assert!(
            {
                let folders = folders(&mut w);
                list(&mut w.store, &folders).unwrap().is_empty()
            },
            "symlinks are not listed"
        );
    }

    #[test]
    fn a_temp_file_added_gets_its_expiry() {
        let mut w = world();
        let settings = Settings::default();
        let temp = Folder::resolve(Destination::Temp, &w.roots, None, &settings).unwrap();
        let dir = temp.prepare(false).unwrap().path();
        fs::write(dir.join("log.txt"), "x").unwrap();
        let record = add(
            &mut w.store,
            &w.roots,
            &settings,
            &w.session,
            &dir.join("log.txt"),
            1_000,
        )
        .unwrap();
        assert_eq!(record.destination, Destination::Temp);
        assert_eq!(record.expires_at, Some(1_000 + 24 * 3600 * 1000));
    }
}
