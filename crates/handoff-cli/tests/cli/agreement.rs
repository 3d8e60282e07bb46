//! Checking that the records and the disk tell the same story.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::agents::sha;
use crate::context::TestContext;

/// Every file in the uploads folder (but its `.gitignore`) has exactly one
/// live record at its path with its bytes; every `present` record has its
/// file; no temp file is left. Returns how many files there are.
pub fn assert_records_match_disk(ctx: &TestContext) -> usize {
    let uploads = ctx.uploads();
    let records = ctx.run(&["ls", "--json"]).expect(0).json();
    let mut live: HashMap<PathBuf, Vec<serde_json::Value>> = HashMap::new();
    for record in records.as_array().unwrap() {
        if ["present", "missing", "modified"].contains(&record["status"].as_str().unwrap()) {
            let path = PathBuf::from(record["path"].as_str().unwrap());
            live.entry(path).or_default().push(record.clone());
        }
    }
    for (path, records) in &live {
        assert_eq!(
            records.len(),
            1,
            "one live record for {}: {records:#?}",
            path.display()
        );
        let record = &records[0];
        if record["status"] == "present" {
            let bytes = std::fs::read(path)
                .unwrap_or_else(|e| panic!("{} is recorded present: {e}", path.display()));
            assert_eq!(
                record["sha256"].as_str().unwrap(),
                sha(&bytes),
                "{} holds the bytes its record says",
                path.display()
            );
        }
    }
    let files = files_under(&uploads);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            !name.ends_with(".part"),
            "a temp file is left: {}",
            file.display()
        );
        if file.parent() == Some(uploads.as_path()) && name == ".gitignore" {
            continue;
        }
        assert!(
            live.contains_key(file),
            "{} is on disk without a record",
            file.display()
        );
    }
    files.len()
}

/// Every regular file below `dir`, without following symlinks.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.extend(files_under(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

/// A small deterministic generator for kill delays (no extra crate).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}
