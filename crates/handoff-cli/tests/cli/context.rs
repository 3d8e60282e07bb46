//! A throwaway world for the `handoff` binary: its own data folder, home,
//! temp folder and a worktree that is a git repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use handoff_core::Destination;
use handoff_core::ingest::Origin;
use handoff_core::store::{Direction, NewFile};
use tempfile::TempDir;

pub struct TestContext {
    _dir: TempDir,
    pub root: PathBuf,
    pub worktree: PathBuf,
}

impl TestContext {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for sub in ["data", "home", "tmp", "src", "worktree/.git"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let worktree = root.join("worktree");
        Self {
            _dir: dir,
            root,
            worktree,
        }
    }

    /// A `handoff` command run in the worktree with this world's folders.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_handoff"));
        cmd.args(args)
            .current_dir(&self.worktree)
            .env("HANDOFF_HOME", self.root.join("data"))
            .env("HOME", self.root.join("home"))
            .env("XDG_DATA_HOME", self.root.join("home/.local/share"))
            .env("TMPDIR", self.root.join("tmp"))
            // Share keys go to a file in the data folder, never the
            // person's own keyring.
            .env("HANDOFF_NO_KEYRING", "1");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().unwrap())
    }

    /// Writes a source file under `src/`.
    pub fn source(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root.join("src").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn uploads(&self) -> PathBuf {
        self.worktree.join(".agor/uploads")
    }

    /// Replaces this world's root with `[ROOT]` so output can be compared.
    pub fn redact(&self, text: &str) -> String {
        text.replace(self.root.to_str().unwrap(), "[ROOT]")
    }

    pub fn database(&self) -> PathBuf {
        self.root.join("data/handoff.db")
    }

    /// Records a file straight in the database, as any version of Handoff
    /// may have; returns its id.
    pub fn record(&self, file: NewFile) -> i64 {
        self.store().files().insert_many(&[file], &[], 0).unwrap()[0].id
    }
}

/// A one-byte record of `path`, to adjust before [`TestContext::record`].
pub fn new_file(path: PathBuf, direction: Direction, destination: Destination) -> NewFile {
    NewFile {
        session_id: None,
        worktree_id: None,
        direction,
        destination,
        filename: path.file_name().unwrap().to_string_lossy().into_owned(),
        path,
        size: 1,
        mime: "text/plain".to_owned(),
        sniffed_mime: None,
        sha256: "0".repeat(64),
        source: Origin::Mcp,
        display_name: None,
        description: None,
        revision: 1,
        mtime_ns: 0,
        expires_at: None,
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.0.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is JSON ({e}): {}\nstderr: {}",
                self.stdout(),
                self.stderr()
            )
        })
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}
