//! The message sent to the agent with the saved files: `{filepath}`,
//! `{filename}` and `{dir}` become the files' paths, names and folders.

use std::path::Path;

/// The message used when the person does not write one.
pub const DEFAULT_MESSAGE: &str = "Please review {filepath}";

/// Fills the placeholders of `template` for the saved `files`:
///
/// - `{filepath}`: each path, relative to `worktree` when inside it,
///   absolute otherwise, joined by `, `;
/// - `{filename}`: each file name, joined by `, `;
/// - `{dir}`: each distinct folder, shown like the paths, joined by `, `.
///
/// Any other `{…}` is left as written.
#[must_use]
pub fn fill(template: &str, files: &[&Path], worktree: Option<&Path>) -> String {
    let shown = |p: &Path| -> String {
        match worktree.and_then(|w| p.strip_prefix(w).ok()) {
            Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
            Some(_) => ".".to_owned(),
            None => p.display().to_string(),
        }
    };
    let filepath = files
        .iter()
        .map(|p| shown(p))
        .collect::<Vec<_>>()
        .join(", ");
    let filename = files
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut dirs: Vec<String> = Vec::new();
    for dir in files.iter().filter_map(|p| p.parent()).map(shown) {
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let dir = dirs.join(", ");

    let mut out = String::with_capacity(template.len() + filepath.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let value = [
            ("{filepath}", &filepath),
            ("{filename}", &filename),
            ("{dir}", &dir),
        ]
        .into_iter()
        .find(|(key, _)| after.starts_with(key));
        if let Some((key, value)) = value {
            out.push_str(value);
            rest = &after[key.len()..];
        } else {
            out.push('{');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_relative_and_absolute_paths() {
        let wt = Path::new("/work/repo");
        let a = Path::new("/work/repo/.agor/uploads/shot 1.png");
        let b = Path::new("/tmp/agor-uploads/log.txt");
        assert_eq!(
            fill(DEFAULT_MESSAGE, &[a, b], Some(wt)),
            "Please review .agor/uploads/shot 1.png, /tmp/agor-uploads/log.txt"
        );
        assert_eq!(
            fill("{filename} in {dir}", &[a, b], Some(wt)),
            "shot 1.png, log.txt in .agor/uploads, /tmp/agor-uploads"
        );
    }

    #[test]
    fn leaves_unknown_placeholders() {
        let a = Path::new("/x/a.txt");
        assert_eq!(fill("{nope} {filepath} {", &[a], None), "{nope} /x/a.txt {");
        assert_eq!(fill("{{filename}}", &[a], None), "{a.txt}");
    }

    #[test]
    fn shared_folders_are_listed_once() {
        let a = Path::new("/w/.agor/uploads/a");
        let b = Path::new("/w/.agor/uploads/b");
        assert_eq!(
            fill("{dir}", &[a, b], Some(Path::new("/w"))),
            ".agor/uploads"
        );
    }
}
