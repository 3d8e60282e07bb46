//! A worktree on another machine, read from text (`host:/path`,
//! `ssh://[user@]host[:port]/path`).

use super::ErrorKind;
use std::path::PathBuf;

/// Text that is not a remote worktree Handoff understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a remote worktree: write ssh://[user@]host[:port]/absolute/path or host:/absolute/path"
)]
pub struct BadRemoteSpec {
    /// What was given.
    pub text: String,
}

/// A worktree on another machine: where to connect and the folder there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSpec {
    /// What `ssh` connects to: an `ssh://[user@]host[:port]` URL or a host
    /// (an alias of the SSH config, or `[user@]host`).
    pub destination: String,
    /// The worktree's absolute path on that machine.
    pub path: PathBuf,
}

impl RemoteSpec {
    /// The remote worktree `text` names, `None` when it names a local
    /// folder, or why it is not a remote worktree Handoff understands.
    pub fn parse(text: &str) -> Result<Option<Self>, BadRemoteSpec> {
        let bad = || BadRemoteSpec {
            text: text.to_owned(),
        };
        if let Some(rest) = text.strip_prefix("ssh://") {
            let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
            if authority.is_empty()
                || !path.starts_with('/')
                || authority.contains(char::is_whitespace)
            {
                return Err(bad());
            }
            if let Some((_, port)) = authority.rsplit_once(':')
                && port.parse::<u16>().is_err()
            {
                return Err(bad());
            }
            return Ok(Some(Self {
                destination: format!("ssh://{authority}"),
                path: PathBuf::from(path),
            }));
        }
        // `host:/path`, as scp writes it; a local path never has a colon
        // before its first slash.
        let Some((host, path)) = text.split_once(':') else {
            return Ok(None);
        };
        if host.is_empty() || host.contains('/') {
            return Ok(None);
        }
        if !path.starts_with('/') || host.contains(char::is_whitespace) || host.starts_with('-') {
            return Err(bad());
        }
        Ok(Some(Self {
            destination: host.to_owned(),
            path: PathBuf::from(path),
        }))
    }

    /// The host part, for messages: `host` of `ssh://user@host:22` or the alias.
    #[must_use]
    pub fn host(&self) -> &str {
        let bare = self.destination.trim_start_matches("ssh://");
        let bare = bare.rsplit_once('@').map_or(bare, |(_, h)| h);
        bare.split(':').next().unwrap_or(bare)
    }
}

impl std::fmt::Display for RemoteSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.destination.starts_with("ssh://") {
            write!(f, "{}{}", self.destination, self.path.display())
        } else {
            write!(f, "{}:{}", self.destination, self.path.display())
        }
    }
}

impl BadRemoteSpec {
    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

#[cfg(test)]
mod tests {
    use super::RemoteSpec;

    fn parsed(text: &str) -> (String, String) {
        let spec = RemoteSpec::parse(text).unwrap().unwrap();
        (spec.destination.clone(), spec.path.display().to_string())
    }

    #[test]
    fn urls_and_aliases_are_remote() {
        assert_eq!(
            parsed("ssh://me@dev.example:2222/home/me/src/app"),
            (
                "ssh://me@dev.example:2222".to_owned(),
                "/home/me/src/app".to_owned()
            )
        );
        assert_eq!(
            parsed("devbox:/home/me/src/app"),
            ("devbox".to_owned(), "/home/me/src/app".to_owned())
        );
        let spec = RemoteSpec::parse("ssh://me@dev.example:2222/w")
            .unwrap()
            .unwrap();
        assert_eq!(spec.host(), "dev.example");
        assert_eq!(spec.to_string(), "ssh://me@dev.example:2222/w");
        assert_eq!(
            RemoteSpec::parse("devbox:/w").unwrap().unwrap().to_string(),
            "devbox:/w"
        );
    }

    #[test]
    fn local_paths_are_not_remote() {
        for local in ["/home/me/src/app", "src/app", "./a:b", "/tmp/x:/y", "app"] {
            assert_eq!(RemoteSpec::parse(local).unwrap(), None, "{local}");
        }
    }

    #[test]
    fn half_remote_text_is_refused_with_the_forms_that_work() {
        for bad in [
            "ssh://host",
            "ssh://host:port/x",
            "ssh:///x",
            "devbox:relative/path",
            "-oProxyCommand=x:/w",
        ] {
            let error = RemoteSpec::parse(bad).unwrap_err().to_string();
            assert!(
                error.contains("ssh://[user@]host[:port]/absolute/path"),
                "{bad}: {error}"
            );
        }
    }
}
