//! Hostile names through the whole ingest path: nothing lands outside the
//! destination folder, and nothing fails without a typed error.

use std::sync::Arc;

use handoff_core::{Destination, Source};
use proptest::prelude::*;

use crate::env::Env;

fn hostile_name() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(\\.\\./|\\.\\.\\\\|/|\\\\|C:\\\\){1,4}[a-z]{0,8}(\\.txt)?",
        "[\\x00-\\x1f]{0,5}[a-z]{0,5}[\\x00-\\x1f]{0,5}",
        "[. ]{1,20}",
        "(CON|PRN|AUX|NUL|COM1|LPT9|con|Nul)(\\.[a-z]{1,3})?",
        "[a-zé]{900,1100}(\\.png)?",
        "(\u{FF0E}\u{FF0E}\u{FF0F}|\u{2215}|e\u{0301}|\u{212B}|\u{202E}){1,5}[a-z]{0,5}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hostile_names_stay_inside_the_destination(names in prop::collection::vec(hostile_name(), 1..4)) {
        let mut env = Env::new();
        env.settings.max_batch_files = 10;
        let sources = names.iter().map(|n| Source::Bytes { name: n.clone(), bytes: Arc::from(n.as_bytes()) }).collect();
        let mut upload = env.request(sources);
        upload.destination = Destination::Worktree;
        let report = env.upload(&upload);
        let uploads = env.uploads();
        for outcome in &report.outcomes {
            match &outcome.result {
                Ok(saved) => {
                    prop_assert_eq!(saved.record.path.parent(), Some(uploads.as_path()));
                    prop_assert!(saved.record.filename.len() <= 255);
                    prop_assert_eq!(std::fs::read(&saved.record.path).unwrap(), outcome.label.as_bytes());
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
        // Nothing was created anywhere else in the world.
        let root = env.root();
        let mut outside: Vec<_> = walkdir::WalkDir::new(&root)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().to_owned())
            .filter(|p| !p.starts_with(&uploads) && !p.starts_with(root.join("data")))
            .collect();
        outside.sort();
        prop_assert_eq!(outside, Vec::<std::path::PathBuf>::new());
    }
}
