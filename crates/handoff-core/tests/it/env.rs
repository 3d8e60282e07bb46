//! A throwaway world: a worktree, temp and home folders, and a database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use handoff_core::ingest::{self, Progress, Report};
use handoff_core::store::Worktree;
use handoff_core::{Destination, Origin, Roots, Settings, Source, Store, Upload};
use tempfile::TempDir;

pub struct Env {
    pub dir: TempDir,
    pub store: Store,
    pub roots: Roots,
    pub settings: Settings,
    pub worktree: Worktree,
}

impl Env {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for sub in ["worktree", "tmp", "home", "src"] {
            std::fs::create_dir(root.join(sub)).unwrap();
        }
        let mut store = Store::open(&root.join("data/handoff.db")).unwrap();
        let worktree = store.worktrees().ensure(&root.join("worktree"), 0).unwrap();
        let roots = Roots {
            temp: root.join("tmp"),
            home: root.join("home"),
        };
        Self {
            dir,
            store,
            roots,
            settings: Settings::default(),
            worktree,
        }
    }

    pub fn root(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).unwrap()
    }

    pub fn uploads(&self) -> PathBuf {
        self.worktree.path.join(".agor/uploads")
    }

    /// Writes a source file under `src/` and returns its path.
    pub fn source(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root().join("src").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn request(&self, sources: Vec<Source>) -> Upload {
        let mut upload = Upload::new(sources, Origin::Drop, &self.settings);
        upload.worktree = Some(self.worktree.clone());
        upload
    }

    pub fn upload(&mut self, upload: &Upload) -> Report {
        self.upload_at(upload, 1_000)
    }

    pub fn upload_at(&mut self, upload: &Upload, now: i64) -> Report {
        ingest::upload(
            &mut self.store,
            &self.roots,
            &self.settings,
            upload,
            now,
            &mut |_: &Progress| {},
        )
    }

    pub fn upload_paths(&mut self, paths: &[&Path]) -> Report {
        let upload = self.request(
            paths
                .iter()
                .map(|p| Source::Path(p.to_path_buf()))
                .collect(),
        );
        self.upload(&upload)
    }

    pub fn upload_bytes(&mut self, name: &str, bytes: &[u8], destination: Destination) -> Report {
        let mut upload = self.request(vec![Source::Bytes {
            name: name.to_owned(),
            bytes: Arc::from(bytes),
        }]);
        upload.destination = destination;
        self.upload(&upload)
    }
}

/// Every file under `dir`, relative, sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir(dir);
    out.sort();
    out
}

fn walkdir(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            out.extend(walkdir(&path).into_iter().map(|p| format!("{name}/{p}")));
        } else {
            out.push(name);
        }
    }
    out
}
