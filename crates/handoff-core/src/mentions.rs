//! The files a person can `@`-mention: the uploads first, then the
//! worktree's files as git would see them (`.gitignore` honoured).

use std::path::Path;

use walkdir::WalkDir;

/// At most this many paths are offered.
pub const MAX_FILES: usize = 5000;

/// Paths relative to `worktree`: the files in its uploads folder (newest
/// first), then the rest of its files that `.gitignore` does not hide.
#[must_use]
pub fn mentionable(worktree: &Path, uploads_folder: &str) -> Vec<String> {
    let relative = |p: &Path| {
        p.strip_prefix(worktree)
            .ok()
            .map(|r| r.to_string_lossy().into_owned())
    };
    let uploads = worktree.join(uploads_folder);
    let mut found: Vec<(std::time::SystemTime, String)> = WalkDir::new(&uploads)
        .follow_links(false)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && !crate::reconcile::is_temp_file(e.path()))
        .filter(|e| !crate::reconcile::is_folder_gitignore(&uploads, e.path()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, relative(e.path())?)))
        .collect();
    found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    let mut paths: Vec<String> = found.into_iter().map(|(_, p)| p).collect();
    let walk = ignore::WalkBuilder::new(worktree)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walk.flatten() {
        if paths.len() >= MAX_FILES {
            break;
        }
        if entry.file_type().is_some_and(|t| t.is_file())
            && !entry.path().starts_with(&uploads)
            && let Some(path) = relative(entry.path())
        {
            paths.push(path);
        }
    }
    paths.truncate(MAX_FILES);
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_first_then_what_git_would_see() {
        let dir = tempfile::tempdir().unwrap();
        let w = dir.path();
        std::fs::create_dir_all(w.join(".git")).unwrap();
        std::fs::create_dir_all(w.join(".agor/uploads")).unwrap();
        std::fs::create_dir_all(w.join("src")).unwrap();
        std::fs::create_dir_all(w.join("target")).unwrap();
        std::fs::write(w.join(".gitignore"), "target/\n").unwrap();
        std::fs::write(w.join(".agor/uploads/.gitignore"), "*\n").unwrap();
        std::fs::write(w.join(".agor/uploads/shot.png"), "x").unwrap();
        std::fs::write(w.join("src/main.rs"), "x").unwrap();
        std::fs::write(w.join("target/big.o"), "x").unwrap();
        std::fs::write(w.join(".git/HEAD"), "x").unwrap();
        let paths = mentionable(w, ".agor/uploads");
        assert_eq!(paths[0], ".agor/uploads/shot.png");
        assert!(paths.contains(&"src/main.rs".to_owned()));
        assert!(paths.contains(&".gitignore".to_owned()));
        assert!(
            !paths
                .iter()
                .any(|p| p.starts_with("target") || p.starts_with(".git/")),
            "{paths:?}"
        );
    }
}
