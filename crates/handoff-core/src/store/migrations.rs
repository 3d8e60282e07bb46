//! The schema, as an append-only list of migrations. Never edit a migration
//! that has shipped: add a new one, with a comment saying why.

use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use rustix::fs::FlockOperation;
use rustix::io::Errno;

use super::StoreError;

pub(super) const MIGRATIONS: &[M<'static>] = &[
    // 1: the first schema: worktrees, agent profiles, sessions, their
    // messages, every file that moved, and user settings. Indexes serve the
    // files panel (newest first by session or worktree) and the watcher
    // (lookup by path), and the expiry sweep (temp files by expiry time).
    M::up(
        r"
CREATE TABLE worktrees (
    id          INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE agent_profiles (
    id       INTEGER PRIMARY KEY,
    name     TEXT    NOT NULL UNIQUE,
    command  TEXT    NOT NULL,
    args     TEXT    NOT NULL DEFAULT '[]',
    env      TEXT    NOT NULL DEFAULT '{}',
    builtin  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    worktree_id       INTEGER NOT NULL REFERENCES worktrees(id) ON DELETE CASCADE,
    agent_profile_id  INTEGER REFERENCES agent_profiles(id) ON DELETE SET NULL,
    title             TEXT    NOT NULL,
    agent_session_id  TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX sessions_worktree ON sessions(worktree_id, updated_at DESC);
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('user', 'agent', 'system')),
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    worktree_id   INTEGER REFERENCES worktrees(id) ON DELETE SET NULL,
    direction     TEXT    NOT NULL CHECK (direction IN ('to_agent', 'from_agent')),
    destination   TEXT    NOT NULL CHECK (destination IN ('worktree', 'temp', 'global', 'published')),
    filename      TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    mime          TEXT    NOT NULL,
    sniffed_mime  TEXT,
    sha256        TEXT    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('drop', 'paste', 'picker', 'cli', 'mcp')),
    status        TEXT    NOT NULL CHECK (status IN ('present', 'missing', 'modified', 'deleted', 'expired', 'replaced')),
    display_name  TEXT,
    description   TEXT,
    revision      INTEGER NOT NULL DEFAULT 1,
    mtime_ns      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    expires_at    INTEGER
);
CREATE INDEX files_session_time ON files(session_id, created_at DESC, id DESC);
CREATE INDEX files_worktree_time ON files(worktree_id, created_at DESC, id DESC);
CREATE INDEX files_path ON files(path);
CREATE INDEX files_expiry ON files(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
",
    ),
    // 2: agents. Messages get a kind (text, tool call, plan, files, published
    // card, error, permission) and structured data, so the conversation can
    // be drawn again after a restart; sessions get the secret their MCP
    // publish server must present, so an agent can publish only into its
    // own session; and the built-in agent profiles are seeded.
    M::up(
        r#"
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
ALTER TABLE messages ADD COLUMN data TEXT;
ALTER TABLE sessions ADD COLUMN publish_token TEXT NOT NULL DEFAULT '';
INSERT INTO agent_profiles (name, command, args, builtin) VALUES
    ('Demo agent', 'handoff', '["demo-agent"]', 1),
    ('Gemini CLI', 'gemini', '["--acp"]', 1),
    ('Codex', 'codex-acp', '[]', 1),
    ('Claude', 'claude-agent-acp', '[]', 1);
"#,
    ),
    // 3: a file found in an uploads folder can be added to the record where
    // it is, so `files.source` gains `found`. SQLite cannot change a CHECK
    // constraint, so the table is rebuilt (no table refers to it) with its
    // indexes.
    M::up(
        r"
CREATE TABLE files_new (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    worktree_id   INTEGER REFERENCES worktrees(id) ON DELETE SET NULL,
    direction     TEXT    NOT NULL CHECK (direction IN ('to_agent', 'from_agent')),
    destination   TEXT    NOT NULL CHECK (destination IN ('worktree', 'temp', 'global', 'published')),
    filename      TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    mime          TEXT    NOT NULL,
    sniffed_mime  TEXT,
    sha256        TEXT    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('drop', 'paste', 'picker', 'cli', 'mcp', 'found')),
    status        TEXT    NOT NULL CHECK (status IN ('present', 'missing', 'modified', 'deleted', 'expired', 'replaced')),
    display_name  TEXT,
    description   TEXT,
    revision      INTEGER NOT NULL DEFAULT 1,
    mtime_ns      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    expires_at    INTEGER
);
INSERT INTO files_new SELECT * FROM files;
DROP TABLE files;
ALTER TABLE files_new RENAME TO files;
CREATE INDEX files_session_time ON files(session_id, created_at DESC, id DESC);
CREATE INDEX files_worktree_time ON files(worktree_id, created_at DESC, id DESC);
CREATE INDEX files_path ON files(path);
CREATE INDEX files_expiry ON files(expires_at) WHERE expires_at IS NOT NULL;
",
    ),
    // 4: crash safety. Before a file is renamed to its real name, the
    // record it will get is committed here with the process placing it and
    // its temp name; once it is in place, the intent becomes a `files` row
    // in one transaction. An intent left by a process that died is settled
    // by the next start or `gc`: the file is there → recorded; not → dropped.
    // Ids are never reused (AUTOINCREMENT): a process settling what another
    // left reads the table, then deletes by id, and must not hit a newer
    // intent that took the id of one settled meanwhile.
    M::up(
        r"
CREATE TABLE intents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    path        TEXT    NOT NULL,
    temp_path   TEXT    NOT NULL,
    pid         INTEGER NOT NULL,
    file        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
",
    ),
    // 5: session modes (ACP `session/set_mode`). An agent profile may name
    // the mode its sessions start in; a session remembers the mode asked
    // for it, which wins over the profile's.
    M::up(
        r"
ALTER TABLE agent_profiles ADD COLUMN default_mode TEXT;
ALTER TABLE sessions ADD COLUMN mode TEXT;
",
    ),
    // 6: session config options (ACP `session/set_config_option`: model,
    // reasoning effort…), as JSON objects of option id → value id; the
    // session's win over the profile's.
    M::up(
        r"
ALTER TABLE agent_profiles ADD COLUMN default_options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sessions ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
",
    ),
    // 7: profile names are unique regardless of case (a custom profile
    // whose name only differed in case from an older one gets its id
    // appended); the agent's own session id was never read back.
    M::up(
        r"
UPDATE agent_profiles SET name = name || ' (' || id || ')'
 WHERE builtin = 0 AND EXISTS (
   SELECT 1 FROM agent_profiles AS older
    WHERE older.id < agent_profiles.id AND older.name = agent_profiles.name COLLATE NOCASE);
CREATE UNIQUE INDEX agent_profiles_name_nocase ON agent_profiles (name COLLATE NOCASE);
ALTER TABLE sessions DROP COLUMN agent_session_id;
",
    ),
    // 8: a conversation line's details carry their `type` (the page and
    // the CLI read them typed); cards published before they carried their
    // name, type and size take them from the file's record.
    M::up(
        r"
UPDATE messages SET data = json_set(data, '$.type', CASE
    WHEN kind = 'files' AND json_type(data, '$.files[0].sentAs') IS NOT NULL THEN 'sent'
    WHEN kind = 'files' THEN 'uploaded'
    WHEN kind = 'published' THEN 'published'
    WHEN kind = 'tool_call' THEN 'toolCall'
    WHEN kind = 'plan' THEN 'plan'
    WHEN kind = 'permission' THEN 'permission'
    WHEN kind = 'error' THEN 'error'
    WHEN json_type(data, '$.mode') IS NOT NULL THEN 'mode'
    WHEN json_type(data, '$.stopReason') IS NOT NULL THEN 'turnEnded'
    END)
 WHERE data IS NOT NULL AND json_valid(data) AND json_type(data, '$.type') IS NULL;
UPDATE messages SET data = json_set(data,
    '$.name', COALESCE(
        (SELECT COALESCE(f.display_name, f.filename) FROM files AS f
          WHERE f.id = json_extract(messages.data, '$.fileId')), body),
    '$.mime', COALESCE(
        (SELECT COALESCE(f.sniffed_mime, f.mime) FROM files AS f
          WHERE f.id = json_extract(messages.data, '$.fileId')), 'application/octet-stream'),
    '$.size', COALESCE(
        (SELECT f.size FROM files AS f
          WHERE f.id = json_extract(messages.data, '$.fileId')), 0),
    '$.revision', COALESCE(json_extract(data, '$.revision'), 1))
 WHERE kind = 'published' AND json_valid(data) AND json_type(data, '$.name') IS NULL;
",
    ),
    // 9: a worktree can be on another machine, reached over SSH: `host` is
    // what `ssh` connects to and `path` the worktree as written
    // (`host:/abs/path` or `ssh://…/abs/path`); NULL for a local folder.
    M::up("ALTER TABLE worktrees ADD COLUMN host TEXT;"),
    // 10: share links: a file's bytes put in S3-compatible storage under
    // `object_key`, reachable by `url` (presigned, or the viewer page's
    // link when `encrypted`) until `expires_at`, or until revoked (the
    // object deleted). `sha256` is the revision shared, to reuse the object
    // while its link lives; `deleted_at` when the object is gone.
    M::up(
        "CREATE TABLE shares (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id),
    object_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    encrypted INTEGER NOT NULL,
    url TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    deleted_at INTEGER
);
CREATE INDEX shares_by_file ON shares (file_id);
CREATE INDEX shares_to_delete ON shares (expires_at) WHERE deleted_at IS NULL;",
    ),
    // 11: an update of a tool call finds the call's line by its id through
    // an index instead of reading every tool call of the session: an agent
    // that sent 20,000 calls and then 20,000 updates kept Handoff busy for
    // minutes (the time grew with the square of the count). Lines whose
    // details are not JSON are left out, so that none fails the index.
    M::up(
        "CREATE INDEX messages_tool_call ON messages (session_id, json_extract(data, '$.id'), seq)
 WHERE kind = 'tool_call' AND json_valid(data);",
    ),
    // 12: what an agent made with its own tools during a turn is recorded
    // too: `files.direction` gains `made` and `files.source` gains `turn`.
    // SQLite cannot change a CHECK constraint, so `files` is rebuilt, and
    // `shares`, which refers to it, is rebuilt beside it first (its
    // reference follows the rename), so that no row ever points nowhere.
    M::up(
        r"
CREATE TABLE files_new (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    worktree_id   INTEGER REFERENCES worktrees(id) ON DELETE SET NULL,
    direction     TEXT    NOT NULL CHECK (direction IN ('to_agent', 'from_agent', 'made')),
    destination   TEXT    NOT NULL CHECK (destination IN ('worktree', 'temp', 'global', 'published')),
    filename      TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    mime          TEXT    NOT NULL,
    sniffed_mime  TEXT,
    sha256        TEXT    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('drop', 'paste', 'picker', 'cli', 'mcp', 'found', 'turn')),
    status        TEXT    NOT NULL CHECK (status IN ('present', 'missing', 'modified', 'deleted', 'expired', 'replaced')),
    display_name  TEXT,
    description   TEXT,
    revision      INTEGER NOT NULL DEFAULT 1,
    mtime_ns      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    expires_at    INTEGER
);
INSERT INTO files_new SELECT * FROM files;
CREATE TABLE shares_new (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files_new(id),
    object_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    encrypted INTEGER NOT NULL,
    url TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    deleted_at INTEGER
);
INSERT INTO shares_new SELECT * FROM shares;
DROP TABLE shares;
DROP TABLE files;
ALTER TABLE files_new RENAME TO files;
ALTER TABLE shares_new RENAME TO shares;
CREATE INDEX files_session_time ON files(session_id, created_at DESC, id DESC);
CREATE INDEX files_worktree_time ON files(worktree_id, created_at DESC, id DESC);
CREATE INDEX files_path ON files(path);
CREATE INDEX files_expiry ON files(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX shares_by_file ON shares (file_id);
CREATE INDEX shares_to_delete ON shares (expires_at) WHERE deleted_at IS NULL;
",
    ),
];

/// Refuses a database from a newer build, then applies pending migrations.
///
/// A database that is up to date is left alone without locking. Otherwise
/// the data `folder` is locked (`flock`, exclusive, waiting at most
/// `wait`): without the lock, processes that open a new database at once
/// each read version 0 and run the first migration, and all but one fail
/// with `table worktrees already exists`. Under the lock the version is read
/// again, so a process that waited finds the work done. The journal becomes
/// WAL under the same lock.
pub(super) fn migrate(
    conn: &mut Connection,
    path: &Path,
    folder: &OwnedFd,
    wait: Duration,
) -> Result<(), StoreError> {
    if check_version(conn, path)? == MIGRATIONS.len() {
        return Ok(());
    }
    let lock_error = |source: std::io::Error| StoreError::Lock {
        path: path.parent().unwrap_or(path).to_owned(),
        source,
    };
    lock(folder, wait).map_err(lock_error)?;
    let result = check_version(conn, path).and_then(|_| {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Migrations::from_slice(MIGRATIONS).to_latest(conn)?;
        Ok(())
    });
    let unlocked = rustix::fs::flock(folder, FlockOperation::Unlock);
    result?;
    unlocked.map_err(|e| lock_error(e.into()))
}

/// The schema version of the database; an error when a newer build wrote it.
fn check_version(conn: &Connection, path: &Path) -> Result<usize, StoreError> {
    let found: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if found > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            supported: MIGRATIONS.len(),
        });
    }
    Ok(found)
}

/// Takes the exclusive lock on `folder`, waiting at most `wait` for another
/// process to release it.
fn lock(folder: &OwnedFd, wait: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        match rustix::fs::flock(folder, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(()),
            Err(Errno::WOULDBLOCK | Errno::INTR) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(Errno::WOULDBLOCK) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another Handoff process has been migrating it for over {} s",
                        wait.as_secs()
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The schema version this build writes.
#[cfg(test)]
pub(super) fn latest() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        rusqlite_migration::Migrations::from_slice(super::MIGRATIONS)
            .validate()
            .expect("every migration applies to an empty database");
    }
}
