//! What an agent made in a remote worktree during a turn, found over the
//! kept SSH connection: one listing of the worktree's files (path, size,
//! mtime; `.git` and the noise folders pruned) when the turn starts and
//! one when it ends tell what is new, changed and deleted, whether or not
//! git is there; then one script reads the facts of what is listed (each
//! file opened once, and only if the kernel names it where its path says:
//! a file reached through a symbolic link is no output), and `git diff
//! --numstat` counts the lines of what changed that the agent's own
//! edits did not describe.

use std::collections::BTreeMap;

use super::{Change, Described, Facts, Found, LineCounts, MAX_LISTED, Output, Skip};
use crate::remote::{Remote, RemoteError};

/// The most bytes a listing of the worktree may take (about half a
/// million files); a bigger worktree's outputs are not looked for.
const MOST_LISTED_BYTES: usize = 64 << 20;

/// Lists the worktree's regular files (`$1`), pruning `.git` and the
/// folders named by the other arguments: `mtime size path` per file, each
/// record ended by a NUL.
const LIST: &str = r#"cd -- "$1" || exit 3
shift
prune=(-name .git)
for name in "$@"; do prune+=(-o -name "$name"); done
find . \( "${prune[@]}" \) -prune -o -type f -printf '%T@ %s %P\0'"#;

/// Reads the facts of each file its input names (NUL-ended paths relative
/// to the worktree `$1`), one NUL-ended record each, in order: `f size
/// mtime sha256 lines head-hex` for a regular file opened where its path
/// says (`lines`, the non-empty lines of one up to 1 MiB, else `-`), `l`
/// for one reached through a link or swapped, `o` for something else, `m`
/// for nothing there.
const FACTS: &str = r#"cd -- "$1" || exit 3
root=$(pwd -P)
fd=/proc/$$/fd/3
while IFS= read -r -d '' rel; do
  if [ -f "$rel" ] && [ ! -L "$rel" ] && command exec 3<"./$rel"; then
    if [ "$(readlink "$fd")" = "$root/$rel" ] && [ -f "$fd" ]; then
      stat=$(stat -L -c '%s %Y' "$fd")
      sum=$(sha256sum <"$fd")
      lines=-
      if [ "${stat%% *}" -le 1048576 ]; then lines=$(LC_ALL=C grep -c . <"$fd"); fi
      head=$(head -c 512 "$fd" | od -An -v -tx1 | tr -d ' \n')
      printf 'f %s %s %s %s\0' "$stat" "${sum%% *}" "$lines" "$head"
    else
      printf 'l\0'
    fi
    exec 3<&-
  elif [ -e "$rel" ] || [ -L "$rel" ]; then
    printf 'o\0'
  else
    printf 'm\0'
  fi
done 2>/dev/null"#;

/// Where the worktree `$1` is in its repository (a NUL-ended record), then
/// the lines added and removed in each of the other arguments against the
/// last commit (`git diff --numstat -z`). Exits 4 without git.
const NUMSTAT: &str = r#"cd -- "$1" || exit 3
shift
prefix=$(git rev-parse --show-prefix 2>/dev/null) || exit 4
printf '%s\0' "$prefix"
git --literal-pathspecs diff --numstat -z --no-renames HEAD -- "$@" 2>/dev/null"#;

/// What a changed file of a worktree shows against its last commit: `git
/// diff HEAD` of `$2` in the folder `$1`.
const DIFF: &str = r#"cd -- "$1" || exit 3
git --literal-pathspecs diff --no-color --no-ext-diff HEAD -- "$2" 2>/dev/null"#;

/// A file as a listing saw it: its mtime (ns) and size.
type Stamp = (i128, u64);

/// A remote worktree's files as a turn found them when it started.
pub struct RemoteTurn {
    skip: Skip,
    noise: Vec<String>,
    before: BTreeMap<String, Stamp>,
}

impl RemoteTurn {
    /// Lists the worktree of `remote` before a turn. `noise` names the
    /// folders to leave out, `uploads` the worktree's uploads folder
    /// (relative).
    pub async fn start(
        remote: &Remote,
        noise: &[String],
        uploads: &str,
    ) -> Result<Self, RemoteError> {
        let skip = Skip::new(noise, uploads);
        let before = list(remote, noise, &skip).await?;
        Ok(Self {
            skip,
            noise: noise.to_vec(),
            before,
        })
    }

    /// Lists the worktree again when the turn ended and says what it made,
    /// changed and deleted, with the facts of each file as it is now.
    pub async fn finish(
        self,
        remote: &Remote,
        described: &[Described],
    ) -> Result<Found, RemoteError> {
        let after = list(remote, &self.noise, &self.skip).await?;
        let mut changes: Vec<(String, Change)> = after
            .iter()
            .filter_map(|(rel, stamp)| match self.before.get(rel) {
                None => Some((rel.clone(), Change::New)),
                Some(was) if was != stamp => Some((rel.clone(), Change::Changed)),
                Some(_) => None,
            })
            .chain(
                self.before
                    .keys()
                    .filter(|rel| !after.contains_key(*rel))
                    .map(|rel| (rel.clone(), Change::Deleted)),
            )
            .collect();
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        let more = super::cap(&mut changes, 0);
        let root = &remote.spec().path;
        let edits = super::described_counts(root, described);
        let present: Vec<&str> = changes
            .iter()
            .filter(|(_, change)| *change != Change::Deleted)
            .map(|(rel, _)| rel.as_str())
            .collect();
        let mut facts = read_facts(remote, &present).await?;
        let from_git: Vec<&str> = changes
            .iter()
            .filter(|(rel, change)| *change == Change::Changed && !edits.contains_key(rel))
            .map(|(rel, _)| rel.as_str())
            .collect();
        let git_counts = line_counts(remote, &from_git).await?;
        let files = changes
            .into_iter()
            .filter_map(|(rel, change)| {
                let path = root.join(&rel);
                let lines = edits.get(&rel).or_else(|| git_counts.get(&rel)).copied();
                if change == Change::Deleted {
                    return Some(Output {
                        rel,
                        path,
                        change,
                        lines,
                        facts: None,
                    });
                }
                let (facts, counted) = facts.remove(&rel)?;
                let lines = lines.or_else(|| {
                    (change == Change::New && super::is_text(&facts))
                        .then_some(counted)
                        .flatten()
                        .map(|added| LineCounts { added, removed: 0 })
                });
                Some(Output {
                    rel,
                    path,
                    change,
                    lines,
                    facts: Some(facts),
                })
            })
            .collect();
        Ok(Found { files, more })
    }
}

/// The worktree's regular files and their stamps, leaving out what `skip`
/// says.
async fn list(
    remote: &Remote,
    noise: &[String],
    skip: &Skip,
) -> Result<BTreeMap<String, Stamp>, RemoteError> {
    let root = remote.spec().path.to_string_lossy().into_owned();
    let mut args = vec![root.as_str()];
    args.extend(noise.iter().map(String::as_str));
    let ran = remote.script(LIST, &args, &[], MOST_LISTED_BYTES).await?;
    if ran.cut {
        return Err(failed(
            remote,
            "the worktree holds too many files to look for a turn's outputs",
        ));
    }
    if ran.stdout.is_empty() && !ran.success {
        return Err(failed(remote, "cannot list the worktree's files"));
    }
    let mut files = BTreeMap::new();
    for record in ran.stdout.split(|&b| b == 0) {
        let Some((stamp, rel)) = std::str::from_utf8(record).ok().and_then(parse_listed) else {
            continue;
        };
        if !skip.skips(rel) {
            files.insert(rel.to_owned(), stamp);
        }
    }
    Ok(files)
}

/// `1733333333.123456789 120 out/report.md` → its stamp and path.
fn parse_listed(record: &str) -> Option<(Stamp, &str)> {
    let (mtime, rest) = record.split_once(' ')?;
    let (size, rel) = rest.split_once(' ')?;
    let (secs, frac) = mtime.split_once('.').unwrap_or((mtime, ""));
    let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    let ns = i128::from(secs.parse::<i64>().ok()?) * 1_000_000_000 + digits.parse::<i128>().ok()?;
    (!rel.is_empty()).then_some(((ns, size.parse().ok()?), rel))
}

/// The facts of each of `rels` that is a regular file where its path
/// says, and its count of non-empty lines when it was small enough to
/// count.
async fn read_facts(
    remote: &Remote,
    rels: &[&str],
) -> Result<BTreeMap<String, (Facts, Option<u32>)>, RemoteError> {
    let mut facts = BTreeMap::new();
    let root = remote.spec().path.to_string_lossy().into_owned();
    for chunk in rels.chunks(MAX_LISTED) {
        let input: Vec<u8> = chunk
            .iter()
            .flat_map(|rel| rel.bytes().chain(std::iter::once(0)))
            .collect();
        let ran = remote
            .script(FACTS, &[&root], &input, chunk.len() * 2048)
            .await?;
        for (rel, record) in chunk.iter().zip(ran.stdout.split(|&b| b == 0)) {
            if let Some(read) = std::str::from_utf8(record)
                .ok()
                .and_then(|r| parse_facts(rel, r))
            {
                facts.insert((*rel).to_owned(), read);
            }
        }
    }
    Ok(facts)
}

/// `f 120 1733333333 <sha256> 4 <hex>` of the file `rel` → its facts.
fn parse_facts(rel: &str, record: &str) -> Option<(Facts, Option<u32>)> {
    let mut fields = record.split(' ');
    if fields.next()? != "f" {
        return None;
    }
    let size = fields.next()?.parse().ok()?;
    let mtime: i64 = fields.next()?.parse().ok()?;
    let sha256 = fields.next().filter(|s| s.len() == 64)?.to_owned();
    let lines = fields.next()?.parse().ok();
    let head = unhex(fields.next().unwrap_or(""))?;
    let name = rel.rsplit('/').next().unwrap_or(rel);
    Some((
        Facts {
            size,
            sha256,
            mime: crate::mime::guess(name),
            sniffed_mime: crate::mime::sniff(&head),
            mtime_ns: mtime.saturating_mul(1_000_000_000),
        },
        lines,
    ))
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len().is_multiple_of(2).then_some(())?;
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Lines added and removed in each of `rels` against the last commit;
/// none without git there.
async fn line_counts(
    remote: &Remote,
    rels: &[&str],
) -> Result<BTreeMap<String, LineCounts>, RemoteError> {
    if rels.is_empty() {
        return Ok(BTreeMap::new());
    }
    let root = remote.spec().path.to_string_lossy().into_owned();
    let mut args = vec![root.as_str()];
    args.extend_from_slice(rels);
    let ran = remote.script(NUMSTAT, &args, &[], 4 << 20).await?;
    let Some((prefix, numstat)) = ran
        .stdout
        .iter()
        .position(|&b| b == 0)
        .map(|end| (&ran.stdout[..end], &ran.stdout[end + 1..]))
    else {
        return Ok(BTreeMap::new());
    };
    Ok(super::git::parse_numstat(
        numstat,
        &String::from_utf8_lossy(prefix),
    ))
}

/// What changed in the file at `path` of a remote worktree since its last
/// commit, as a unified diff of at most `limit` bytes (the flag: more
/// was cut); `None` when git has nothing to show.
pub async fn changes_there(
    remote: &Remote,
    path: &std::path::Path,
    limit: usize,
) -> Result<Option<(String, bool)>, RemoteError> {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(None);
    };
    let ran = remote
        .script(
            DIFF,
            &[&folder.to_string_lossy(), &name.to_string_lossy()],
            &[],
            limit,
        )
        .await?;
    if ran.stdout.is_empty() {
        return Ok(None);
    }
    let (text, cut) =
        crate::words::cut_at_line(String::from_utf8_lossy(&ran.stdout).into_owned(), limit);
    Ok(Some((text, cut || ran.cut)))
}

fn failed(remote: &Remote, detail: &str) -> RemoteError {
    RemoteError::Failed {
        host: remote.spec().host().to_owned(),
        detail: detail.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_reads_its_stamps_and_paths_with_spaces() {
        assert_eq!(
            parse_listed("1733333333.5 12 out/my report.md"),
            Some(((1_733_333_333_500_000_000, 12), "out/my report.md"))
        );
        assert_eq!(
            parse_listed("1733333333 0 a"),
            Some(((1_733_333_333_000_000_000, 0), "a"))
        );
        assert_eq!(parse_listed("bad"), None);
    }

    #[test]
    fn facts_read_back_and_a_link_is_no_file() {
        let sha = "a".repeat(64);
        let (facts, lines) =
            parse_facts("out/a.png", &format!("f 8 1700000000 {sha} - 89504e47")).unwrap();
        assert_eq!(facts.size, 8);
        assert_eq!(facts.mtime_ns, 1_700_000_000_000_000_000);
        assert_eq!(facts.mime, "image/png");
        assert_eq!(lines, None);
        let (_, lines) = parse_facts("a.txt", &format!("f 3 1 {sha} 1 6869")).unwrap();
        assert_eq!(lines, Some(1));
        assert!(parse_facts("a.txt", "l").is_none());
        assert!(parse_facts("a.txt", "m").is_none());
    }
}
