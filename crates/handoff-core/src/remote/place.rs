//! Giving sent files their names on the remote (as the clash policy says,
//! never over another file unless replacing) and recording them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Remote;
use super::folder::{RemoteFolder, is_missing};
use super::held::{HeldDir, Holder, Opened};
use super::send::RemoteTemp;
use crate::clock::Timestamp;
use crate::ingest::source::Item;
use crate::ingest::{
    ConflictPolicy, IngestError, MAX_ALTERNATIVES, Saved, Upload, store_failed, too_many,
};
use crate::naming;
use crate::store::{Direction, FileRecord, NewFile, Store};

/// A file in place on the remote, not yet recorded.
pub(super) enum Placed {
    New {
        record: NewFile,
        /// Its path as requests reach it (through its held folder).
        via: PathBuf,
        replaces: Option<i64>,
    },
    Reused(FileRecord),
}

/// A folder files go into: as recorded, and as held open there.
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// Its path as records say.
    pub record: PathBuf,
    /// The folder as held.
    pub dir: HeldDir,
}

impl Target {
    /// `name` in it, as records say.
    pub fn record(&self, name: &str) -> PathBuf {
        self.record.join(name)
    }
}

/// One batch on its way: what every step needs.
pub(super) struct Batch<'a> {
    pub remote: &'a Remote,
    pub upload: &'a Upload,
    pub folder: &'a RemoteFolder,
    /// Holds the batch's folders open there.
    pub holder: Holder,
    pub groups: &'a [String],
    /// The folder made for each dropped folder (and its sub-folders).
    pub group_dirs: HashMap<(usize, Vec<String>), Result<Target, IngestError>>,
    pub expires_at: Option<Timestamp>,
}

impl Batch<'_> {
    /// The folder `item` goes into: the uploads folder, or for a dropped
    /// folder's file, a new folder named after it (`name (1)` when taken)
    /// with the item's sub-folders.
    pub async fn target(&mut self, item: &Item) -> Result<Target, IngestError> {
        let Some(group) = item.group else {
            return Ok(Target {
                record: self.folder.path.clone(),
                dir: self.folder.held.clone(),
            });
        };
        let root_key = (group, Vec::new());
        if !self.group_dirs.contains_key(&root_key) {
            let made = self.new_folder(group).await;
            self.group_dirs.insert(root_key.clone(), made);
        }
        let mut at = self.group_dirs[&root_key].clone()?;
        let mut key = root_key;
        for sub in &item.subdirs {
            key.1.push(sub.clone());
            if let Some(made) = self.group_dirs.get(&key) {
                at = made.clone()?;
                continue;
            }
            let made = match self.remote.sftp().fs().create_dir(at.dir.via(sub)).await {
                Ok(()) => self.hold(&at, sub).await,
                Err(e) => Err(self.remote.io_error(&at.record(sub), &e)),
            };
            self.group_dirs.insert(key.clone(), made.clone());
            at = made?;
        }
        Ok(at)
    }

    /// Holds `name`, just made in `parent`: refused when something else
    /// took its place meanwhile.
    async fn hold(&mut self, parent: &Target, name: &str) -> Result<Target, IngestError> {
        match self.holder.hold_in(&parent.dir, name).await? {
            Opened::Held(dir) => Ok(Target {
                record: parent.record(name),
                dir,
            }),
            Opened::Refused => Err(crate::destination::DestinationError::Unsafe {
                path: parent.record(name),
                why: "changed as soon as it was made (a symlink or another folder was put in its place)"
                    .to_owned(),
            }
            .into()),
        }
    }

    async fn new_folder(&mut self, group: usize) -> Result<Target, IngestError> {
        let name = self.groups[group].clone();
        let parent = Target {
            record: self.folder.path.clone(),
            dir: self.folder.held.clone(),
        };
        let mut fs = self.remote.sftp().fs();
        for n in 0..=MAX_ALTERNATIVES {
            let candidate = if n == 0 {
                name.clone()
            } else {
                naming::numbered(&name, n)
            };
            match fs.create_dir(parent.dir.via(&candidate)).await {
                Ok(()) => return self.hold(&parent, &candidate).await,
                Err(e) => match fs.symlink_metadata(parent.dir.via(&candidate)).await {
                    Ok(_) => {}
                    Err(missing) if is_missing(&missing) => {
                        return Err(self.remote.io_error(&parent.record(&candidate), &e));
                    }
                    Err(other) => {
                        return Err(self.remote.io_error(&parent.record(&candidate), &other));
                    }
                },
            }
        }
        Err(too_many(&name))
    }

    /// Gives the sent file its name as the clash policy says.
    pub async fn place(
        &self,
        store: &mut Store,
        temp: &RemoteTemp,
        target: &Target,
        name: &str,
    ) -> Result<Placed, IngestError> {
        let worktree_id = self.upload.worktree.as_ref().map(|w| w.id);
        if self.upload.on_conflict == ConflictPolicy::Replace {
            let via = target.dir.via(name);
            self.remote.rename_over(&temp.path, &via).await?;
            let recorded = target.record(name);
            let replaces = match worktree_id {
                Some(id) => store
                    .files()
                    .live_in(id, &recorded)
                    .map_err(|e| store_failed(&e))?
                    .map(|r| r.id),
                None => None,
            };
            return Ok(Placed::New {
                record: self.new_record(temp, name, recorded),
                via,
                replaces,
            });
        }
        for n in 0..=MAX_ALTERNATIVES {
            let candidate = if n == 0 {
                name.to_owned()
            } else {
                naming::numbered(name, n)
            };
            let via = target.dir.via(&candidate);
            if self.remote.link_new(&temp.path, &via).await? {
                return Ok(Placed::New {
                    record: self.new_record(temp, &candidate, target.record(&candidate)),
                    via,
                    replaces: None,
                });
            }
            // The same bytes already recorded under that name are reused.
            if let Some(id) = worktree_id
                && let Some(record) = store
                    .files()
                    .live_in(id, &target.record(&candidate))
                    .map_err(|e| store_failed(&e))?
                && record.sha256 == temp.facts.sha256
                && self.unchanged(&via, &record).await
            {
                return Ok(Placed::Reused(record));
            }
        }
        Err(too_many(name))
    }

    /// Whether the file at `path` still has the recorded size.
    async fn unchanged(&self, path: &Path, record: &FileRecord) -> bool {
        self.remote
            .sftp()
            .fs()
            .symlink_metadata(path)
            .await
            .is_ok_and(|m| {
                m.file_type().is_some_and(|t| t.is_file()) && m.len() == Some(record.size)
            })
    }

    pub fn new_record(&self, temp: &RemoteTemp, name: &str, path: PathBuf) -> NewFile {
        NewFile {
            session_id: self.upload.session_id,
            worktree_id: self.upload.worktree.as_ref().map(|w| w.id),
            direction: Direction::ToAgent,
            destination: self.upload.destination,
            filename: name.to_owned(),
            path,
            size: temp.facts.size,
            mime: crate::mime::guess(name),
            sniffed_mime: temp.facts.sniffed_mime.clone(),
            sha256: temp.facts.sha256.clone(),
            source: self.upload.origin,
            display_name: None,
            description: None,
            revision: 1,
            mtime_ns: temp.facts.mtime_ns,
            expires_at: self.expires_at,
        }
    }

    /// Records every placed file in one transaction; if that fails, the
    /// files are removed again and each says why.
    pub async fn record(
        &self,
        store: &mut Store,
        results: Vec<Result<Placed, IngestError>>,
        now: Timestamp,
    ) -> Vec<Result<Saved, IngestError>> {
        let mut files = Vec::new();
        let mut vias = Vec::new();
        let mut replaces = Vec::new();
        for result in &results {
            if let Ok(Placed::New {
                record,
                via,
                replaces: r,
            }) = result
            {
                files.push(record.clone());
                vias.push(via.clone());
                replaces.extend(*r);
            }
        }
        let recorded = store.files().insert_many(&files, &replaces, now);
        let mut records = match recorded {
            Ok(records) => records.into_iter(),
            Err(e) => {
                for via in &vias {
                    self.remote.remove_quietly(via).await;
                }
                let failed = store_failed(&e);
                return results
                    .into_iter()
                    .map(|r| r.and_then(|_| Err(failed.clone())))
                    .collect();
            }
        };
        results
            .into_iter()
            .map(|result| {
                result.and_then(|placed| match placed {
                    Placed::New { .. } => records
                        .next()
                        .map(|record| Saved {
                            record,
                            reused: false,
                        })
                        .ok_or_else(|| IngestError::StoreFailed {
                            reason: "a record is missing".to_owned(),
                        }),
                    Placed::Reused(record) => Ok(Saved {
                        record,
                        reused: true,
                    }),
                })
            })
            .collect()
    }
}
