//! A remote agent's environment, handed over in a file only we can read
//! there, never on a command line: `/proc/<pid>/cmdline` of `ssh` here and
//! of the shell there is readable by every user of either machine. The
//! agent's shell reads the file and deletes it before it starts the agent.

use std::collections::BTreeMap;
use std::path::PathBuf;

use openssh_sftp_client::metadata::Permissions;

use super::{Remote, RemoteError};

impl Remote {
    /// Writes `env` as shell assignments into `env` in a new folder of
    /// ours in the temp folder there, made `0700` as it is created (so no
    /// other user can open the file at any moment); returns the file's path.
    pub async fn env_file(&self, env: &BTreeMap<String, String>) -> Result<PathBuf, RemoteError> {
        let failed = |detail: String| RemoteError::Failed {
            host: self.spec().host().to_owned(),
            detail,
        };
        if let Some(key) = env.keys().find(|key| !is_shell_name(key)) {
            return Err(failed(format!(
                "the agent's environment variable {key:?} cannot be set there: a name is letters, digits and _, not starting with a digit"
            )));
        }
        let lines: Vec<String> = env
            .iter()
            .map(|(key, value)| format!("export {key}={}", super::quote(value)))
            .collect();
        let script = lines.join("\n") + "\n";
        let bases = self.bases().await?;
        let mut fs = self.sftp().fs();
        for _ in 0..16 {
            let random = crate::random::hex::<12>().map_err(|e| failed(e.to_string()))?;
            let folder = bases.temp.join(format!(".handoff-env-{random}"));
            if fs
                .dir_builder()
                .permissions(Permissions::from(0o700))
                .create(&folder)
                .await
                .is_err()
            {
                continue;
            }
            let meta = fs
                .symlink_metadata(&folder)
                .await
                .map_err(|e| failed(e.to_string()))?;
            let mode = meta.permissions().map_or(0o777, |p| p.as_raw().bits());
            if meta.uid() != Some(bases.uid)
                || mode & 0o077 != 0
                || meta.file_type().is_none_or(|t| !t.is_dir())
            {
                return Err(failed(format!(
                    "{} is not a private folder of ours; the agent's environment was not sent",
                    folder.display()
                )));
            }
            let file = folder.join("env");
            fs.write(&file, script.as_bytes())
                .await
                .map_err(|e| failed(format!("cannot write {}: {e}", file.display())))?;
            return Ok(file);
        }
        Err(failed(format!(
            "cannot make a private folder in {}",
            bases.temp.display()
        )))
    }
}

/// Whether `name` can be a shell variable's name.
fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
