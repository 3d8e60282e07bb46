//! Deleting a recorded file on the remote machine, on the person's request.
//! There is no trash there; what is deleted is an upload, whose source is
//! still on this machine.

use std::path::Path;

use super::held::Removed;
use super::{Remote, RemoteError};

impl Remote {
    /// Deletes the file at `path` there; `false` when it was already gone.
    /// Its folder is opened first and the name deleted in what was opened:
    /// when the folder is not really at its path (a component of it became
    /// a symlink, an agent swapped it), nothing is deleted.
    pub async fn remove_file(&self, path: &Path) -> Result<bool, RemoteError> {
        let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(false);
        };
        match self.remove_held(folder, &name.to_string_lossy()).await? {
            Removed::Done => Ok(true),
            Removed::Gone => Ok(false),
            Removed::Moved => Err(RemoteError::Failed {
                host: self.spec().host().to_owned(),
                detail: format!(
                    "{} now leads elsewhere through a symlink; nothing was deleted",
                    folder.display()
                ),
            }),
        }
    }
}
