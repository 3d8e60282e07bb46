//! The demo agent's own file work, done with its own code and without a
//! word to the client (no tool call, no location), as a coding agent's
//! shell commands would: `make file PATH`, `edit file PATH`, `delete file
//! PATH` and `make N files in FOLDER`, one per line of the prompt. Paths are
//! relative to its working folder and may not leave it.

use std::io::Write as _;
use std::path::{Component, Path};

/// One piece of file work asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileWork {
    /// Write a new file (or rewrite one) with a few lines of Markdown.
    Make(String),
    /// Add a line to a file.
    Edit(String),
    /// Delete a file.
    Delete(String),
    /// Write this many small files in a folder.
    Fill(String, usize),
}

/// The most files one `make N files` writes.
const MOST_FILLED: usize = 20_000;

/// The file work the prompt's text asks for, in order.
#[must_use]
pub fn asked(text: &str) -> Vec<FileWork> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let lower = line.to_lowercase();
            let arg = |prefix: &str| {
                lower
                    .starts_with(prefix)
                    .then(|| unquote(&line[prefix.len()..]))
                    .filter(|p| !p.is_empty())
            };
            if let Some(path) = arg("make file ") {
                return Some(FileWork::Make(path));
            }
            if let Some(path) = arg("edit file ") {
                return Some(FileWork::Edit(path));
            }
            if let Some(path) = arg("delete file ") {
                return Some(FileWork::Delete(path));
            }
            let rest = lower.strip_prefix("make ")?;
            let (count, folder) = rest.split_once(" files in ")?;
            let count: usize = count.trim().parse().ok()?;
            let folder = unquote(&line[line.len() - folder.len()..]);
            (!folder.is_empty()).then(|| FileWork::Fill(folder, count.min(MOST_FILLED)))
        })
        .collect()
}

fn unquote(s: &str) -> String {
    s.trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .to_owned()
}

/// Does the work in `cwd` and says what it did, one line each.
#[must_use]
pub fn run(cwd: &Path, work: &[FileWork]) -> String {
    let mut said = String::new();
    for item in work {
        let line = match item {
            FileWork::Make(path) => inside(cwd, path).and_then(|target| {
                let title = Path::new(path)
                    .file_stem()
                    .map_or_else(|| path.clone(), |s| s.to_string_lossy().into_owned());
                write(
                    &target,
                    &format!("# {title}\n\nMade by the Handoff demo agent with its own code.\n"),
                    false,
                )
                .map(|()| format!("I made {path}."))
            }),
            FileWork::Edit(path) => inside(cwd, path).and_then(|target| {
                write(&target, "One more line from the demo agent.\n", true)
                    .map(|()| format!("I edited {path}."))
            }),
            FileWork::Delete(path) => inside(cwd, path).and_then(|target| {
                std::fs::remove_file(&target)
                    .map(|()| format!("I deleted {path}."))
                    .map_err(|e| format!("I could not delete {path}: {e}"))
            }),
            FileWork::Fill(folder, count) => inside(cwd, folder).and_then(|target| {
                (0..*count)
                    .try_for_each(|i| {
                        write(
                            &target.join(format!("file-{i}.js")),
                            &format!("// {i}\n"),
                            false,
                        )
                    })
                    .map(|()| format!("I made {count} files in {folder}."))
            }),
        };
        said.push_str(&line.unwrap_or_else(|why| why));
        said.push('\n');
    }
    said
}

/// `path` under `cwd`, refused when it is absolute or climbs out.
fn inside(cwd: &Path, path: &str) -> Result<std::path::PathBuf, String> {
    let relative = Path::new(path);
    if relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        Ok(cwd.join(relative))
    } else {
        Err(format!("I only touch files inside my folder, not {path}."))
    }
}

fn write(target: &Path, text: &str, append: bool) -> Result<(), String> {
    target
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .append(append)
                .truncate(!append)
                .open(target)
        })
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| format!("I could not write {}: {e}", target.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_work_asked_line_by_line() {
        assert_eq!(
            asked(
                "Please:\nmake file out/report.md\nEdit file `src/app.ts`\ndelete file old.txt\nmake 5000 files in node_modules/pkg\nmake me a poem"
            ),
            [
                FileWork::Make("out/report.md".to_owned()),
                FileWork::Edit("src/app.ts".to_owned()),
                FileWork::Delete("old.txt".to_owned()),
                FileWork::Fill("node_modules/pkg".to_owned(), 5000),
            ]
        );
    }

    #[test]
    fn never_leaves_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let said = run(
            dir.path(),
            &[
                FileWork::Make("../escape.md".to_owned()),
                FileWork::Delete("/etc/passwd".to_owned()),
            ],
        );
        assert_eq!(
            said.matches("I only touch files inside my folder").count(),
            2,
            "{said}"
        );
        assert!(!dir.path().parent().unwrap().join("escape.md").exists());
    }
}
