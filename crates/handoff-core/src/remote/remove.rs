//! Deleting a recorded file on the remote machine, on the person's request.
//! There is no trash there; what is deleted is an upload, whose source is
//! still on this machine.

use std::path::Path;

use super::folder::is_missing;
use super::{Remote, RemoteError};

impl Remote {
    /// Deletes the file at `path` there; `false` when it was already gone.
    /// Its folder is resolved first: when a component of it became a
    /// symlink (an agent swapped it), nothing is deleted.
    pub async fn remove_file(&self, path: &Path) -> Result<bool, RemoteError> {
        let failed = |detail: String| RemoteError::Failed {
            host: self.spec().host().to_owned(),
            detail,
        };
        let folder = path.parent().unwrap_or(path);
        let mut fs = self.sftp().fs();
        let resolved = match fs.canonicalize(folder).await {
            Ok(resolved) => resolved,
            Err(e) if is_missing(&e) => return Ok(false),
            Err(e) => return Err(failed(format!("cannot look at {}: {e}", folder.display()))),
        };
        if resolved != folder {
            return Err(failed(format!(
                "{} now leads to {} through a symlink; nothing was deleted",
                folder.display(),
                resolved.display()
            )));
        }
        match fs.remove_file(path).await {
            Ok(()) => Ok(true),
            Err(e) if is_missing(&e) => Ok(false),
            Err(e) => Err(failed(format!("cannot delete {}: {e}", path.display()))),
        }
    }
}
