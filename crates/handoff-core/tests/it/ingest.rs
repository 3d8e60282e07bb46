use std::fs;
use std::os::unix::fs::symlink;
use std::sync::Arc;

use handoff_core::ingest::Progress;
use handoff_core::store::{FileQuery, FileStatus};
use handoff_core::{ConflictPolicy, Destination, ErrorKind, IngestError, Source};
use sha2::{Digest, Sha256};

use crate::env::{Env, tree};

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[test]
fn saves_a_file_byte_identical_with_its_record() {
    let mut env = Env::new();
    let bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR rest of a png".to_vec();
    let src = env.source("screen shot é.png", &bytes);
    let report = env.upload_paths(&[&src]);
    let record = &report.saved().next().expect("saved").clone();
    assert_eq!(record.path, env.uploads().join("screen shot é.png"));
    assert_eq!(
        fs::read(&record.path).unwrap(),
        bytes,
        "the saved bytes are the source bytes"
    );
    assert_eq!(record.sha256, sha(&bytes));
    assert_eq!(record.size, bytes.len() as u64);
    assert_eq!(record.mime, "image/png");
    assert_eq!(record.sniffed_mime.as_deref(), Some("image/png"));
    assert!(!record.mime_mismatch());
    assert_eq!(record.status, FileStatus::Present);
    assert_eq!(record.worktree_id, Some(env.worktree.id));
    assert_eq!(
        env.store.files().get(record.id).unwrap(),
        *record,
        "the returned record is the stored one"
    );
    assert_eq!(
        fs::read_to_string(env.uploads().join(".gitignore")).unwrap(),
        "*\n"
    );
    assert_eq!(
        tree(&env.uploads()),
        [".gitignore", "screen shot é.png"],
        "no temp file is left"
    );
}

/// Big files are copied by the kernel while another thread hashes them;
/// from another file system (tmpfs here) the copy goes through memory.
#[test]
fn big_files_are_byte_identical_from_this_and_another_file_system() {
    let mut env = Env::new();
    env.settings.max_file_size = 1 << 30;
    let bytes: Vec<u8> = (0..(20_u32 << 20))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let here = env.source("big.bin", &bytes);
    let shm = std::path::Path::new("/dev/shm");
    let elsewhere = tempfile::tempdir_in(shm).ok().map(|dir| {
        let path = dir.path().join("big-elsewhere.bin");
        fs::write(&path, &bytes).unwrap();
        (dir, path)
    });
    let mut sources = vec![here.as_path()];
    match &elsewhere {
        Some((_, path)) => sources.push(path),
        None => eprintln!("skipped the other file system: /dev/shm is not writable here"),
    }
    let report = env.upload_paths(&sources);
    assert!(report.all_saved(), "{:?}", report.outcomes);
    for record in report.saved() {
        assert_eq!(record.sha256, sha(&bytes));
        assert_eq!(
            fs::read(&record.path).unwrap(),
            bytes,
            "{}",
            record.path.display()
        );
    }
}

#[test]
fn flags_a_file_whose_bytes_contradict_its_name() {
    let mut env = Env::new();
    let report = env.upload_bytes(
        "report.pdf",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        Destination::Worktree,
    );
    let record = report.saved().next().unwrap();
    assert_eq!(record.mime, "application/pdf");
    assert_eq!(record.sniffed_mime.as_deref(), Some("image/png"));
    assert!(record.mime_mismatch());
}

#[test]
fn keep_both_numbers_clashing_names() {
    let mut env = Env::new();
    let names: Vec<_> = [b"one".as_slice(), b"two", b"three"]
        .iter()
        .map(|bytes| {
            env.upload_bytes("notes.txt", bytes, Destination::Worktree)
                .saved()
                .next()
                .unwrap()
                .filename
                .clone()
        })
        .collect();
    assert_eq!(names, ["notes.txt", "notes (1).txt", "notes (2).txt"]);
    assert_eq!(
        fs::read(env.uploads().join("notes (1).txt")).unwrap(),
        b"two"
    );
}

#[test]
fn same_bytes_under_the_same_name_reuses_the_record() {
    let mut env = Env::new();
    let first = env.upload_bytes("a.txt", b"same", Destination::Worktree);
    let second = env.upload_bytes("a.txt", b"same", Destination::Worktree);
    let (a, b) = (&first.outcomes[0].result, &second.outcomes[0].result);
    assert_eq!(a.as_ref().unwrap().record.id, b.as_ref().unwrap().record.id);
    assert!(b.as_ref().unwrap().reused);
    assert_eq!(tree(&env.uploads()), [".gitignore", "a.txt"]);
    assert_eq!(
        env.store.files().list(&FileQuery::default()).unwrap().len(),
        1
    );
}

#[test]
fn replace_keeps_the_older_record_as_replaced() {
    let mut env = Env::new();
    let old = env
        .upload_bytes("a.txt", b"old", Destination::Worktree)
        .saved()
        .next()
        .unwrap()
        .clone();
    let mut upload = env.request(vec![Source::Bytes {
        name: "a.txt".into(),
        bytes: Arc::from(&b"new"[..]),
    }]);
    upload.on_conflict = ConflictPolicy::Replace;
    let new = env.upload(&upload).saved().next().unwrap().clone();
    assert_eq!(new.path, old.path);
    assert_eq!(fs::read(&new.path).unwrap(), b"new");
    assert_eq!(
        env.store.files().get(old.id).unwrap().status,
        FileStatus::Replaced
    );
    assert_eq!(
        env.store.files().get(new.id).unwrap().status,
        FileStatus::Present
    );
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let mut env = Env::new();
    env.settings.max_file_size = 1000;
    let good = env.source("good.txt", b"fine");
    let big = env.source("big.bin", &vec![7; 5000]);
    let missing = env.root().join("src/missing.txt");
    let fifo = env.root().join("src/pipe");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let report = env.upload_paths(&[&big, &missing, &fifo, &good]);
    assert!(
        started.elapsed().as_secs() < 2,
        "a FIFO is refused without blocking"
    );
    let kinds: Vec<_> = report
        .outcomes
        .iter()
        .map(|o| o.result.as_ref().map_or_else(|e| Some(e.kind()), |_| None))
        .collect();
    assert_eq!(
        kinds,
        [
            Some(ErrorKind::TooLarge),
            Some(ErrorKind::NotFound),
            Some(ErrorKind::NotRegularFile),
            None
        ]
    );
    let message = report.outcomes[0].result.as_ref().unwrap_err().to_string();
    assert_eq!(message, "5 kB is over the 1 kB limit");
    assert_eq!(
        tree(&env.uploads()),
        [".gitignore", "good.txt"],
        "nothing of the refused files is left"
    );
}

#[test]
fn the_size_limit_holds_while_copying_even_for_pasted_bytes() {
    let mut env = Env::new();
    env.settings.max_file_size = 10;
    let report = env.upload_bytes("paste.txt", &[b'x'; 11], Destination::Worktree);
    assert!(matches!(
        report.outcomes[0].result,
        Err(IngestError::TooLarge { .. })
    ));
    assert_eq!(tree(&env.uploads()), [".gitignore"]);
}

#[test]
fn a_batch_over_the_limit_is_refused_whole_before_anything_is_copied() {
    let mut env = Env::new();
    env.settings.max_batch_files = 2;
    let paths: Vec<_> = (0..4)
        .map(|i| env.source(&format!("{i}.txt"), b"x"))
        .collect();
    let refs: Vec<_> = paths.iter().map(std::path::PathBuf::as_path).collect();
    let report = env.upload_paths(&refs);
    assert_eq!(
        report.refused,
        Some(IngestError::BatchLimit { count: 4, limit: 2 })
    );
    assert!(report.outcomes.is_empty(), "said once, not once per file");
    assert!(!report.all_saved());
    assert!(
        !env.uploads().exists() || tree(&env.uploads()).is_empty(),
        "nothing was copied"
    );
}

/// A folder is counted as the upload counts it, so the dialog can say
/// before Upload whether the batch limit will refuse it.
#[test]
fn a_folder_is_tallied_as_the_upload_counts_it() {
    let mut env = Env::new();
    env.source("proj/a.txt", b"aa");
    env.source("proj/src/b.rs", b"bbb");
    env.source("proj/src/deep/c.md", b"c");
    let folder = env.root().join("src/proj");
    symlink("/etc/hostname", folder.join("link")).unwrap();
    let tally = handoff_core::ingest::tally(&folder);
    assert_eq!((tally.files, tally.bytes, tally.skipped), (3, 6, 1));

    env.settings.max_batch_files = 2;
    let report = env.upload_paths(&[&folder]);
    assert_eq!(
        report.refused,
        Some(IngestError::BatchLimit { count: 3, limit: 2 })
    );
    env.settings.max_batch_files = tally.files;
    let report = env.upload_paths(&[&folder]);
    assert_eq!(report.saved().count(), 3, "exactly the tally fits");
}

#[test]
fn a_folder_is_copied_recursively_and_its_symlinks_are_skipped() {
    let mut env = Env::new();
    let a = env.source("shots/a.png", b"a");
    env.source("shots/deep/er/b.txt", b"b");
    symlink("/etc/passwd", env.root().join("src/shots/passwd")).unwrap();
    let folder = a.parent().unwrap().to_owned();
    let report = env.upload_paths(&[&folder]);
    let skipped: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.result == Err(IngestError::SymlinkSkipped))
        .collect();
    assert_eq!(skipped.len(), 1, "the symlink is reported");
    assert!(skipped[0].label.ends_with("shots/passwd"));
    assert_eq!(
        tree(&env.uploads()),
        [".gitignore", "shots/a.png", "shots/deep/er/b.txt"]
    );
    // The same folder again lands beside the first, not inside it.
    env.upload_paths(&[&folder]);
    assert!(env.uploads().join("shots (1)/deep/er/b.txt").is_file());
}

#[test]
fn temp_and_global_destinations() {
    let mut env = Env::new();
    let temp = env
        .upload_bytes("t.txt", b"t", Destination::Temp)
        .saved()
        .next()
        .unwrap()
        .clone();
    assert_eq!(temp.path, env.roots.temp.join("agor-uploads/t.txt"));
    assert_eq!(
        temp.expires_at,
        Some(1_000 + 24 * 3600 * 1000),
        "temp uploads expire after a day"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &fs::metadata(temp.path.parent().unwrap())
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o700, "the shared temp folder is private");
    let global = env
        .upload_bytes("g.txt", b"g", Destination::Global)
        .saved()
        .next()
        .unwrap()
        .clone();
    assert_eq!(global.path, env.roots.home.join(".agor/uploads/g.txt"));
    assert_eq!(global.expires_at, None);
    assert!(
        !env.roots.home.join(".agor/uploads/.gitignore").exists(),
        ".gitignore is only for worktrees"
    );
}

#[test]
fn a_symlinked_uploads_folder_is_refused_for_every_file() {
    let mut env = Env::new();
    let elsewhere = env.root().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    symlink(&elsewhere, env.worktree.path.join(".agor")).unwrap();
    let a = env.source("a.txt", b"a");
    let b = env.source("b.txt", b"b");
    let report = env.upload_paths(&[&a, &b]);
    for outcome in &report.outcomes {
        assert_eq!(
            outcome.result.as_ref().unwrap_err().kind(),
            ErrorKind::UnsafeDestination
        );
    }
    assert_eq!(
        tree(&elsewhere),
        Vec::<String>::new(),
        "nothing was written through the link"
    );
}

#[test]
fn a_symlink_planted_at_the_final_name_is_not_followed() {
    let mut env = Env::new();
    let victim = env.root().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    // An uploads folder Handoff made earlier, where the agent planted a link.
    fs::create_dir_all(env.uploads()).unwrap();
    fs::write(env.uploads().join(".gitignore"), "*\n").unwrap();
    symlink(&victim, env.uploads().join("a.txt")).unwrap();
    let saved = env
        .upload_bytes("a.txt", b"upload", Destination::Worktree)
        .saved()
        .next()
        .unwrap()
        .clone();
    assert_eq!(saved.filename, "a (1).txt");
    assert_eq!(fs::read(&victim).unwrap(), b"precious");

    let mut upload = env.request(vec![Source::Bytes {
        name: "a.txt".into(),
        bytes: Arc::from(&b"replace"[..]),
    }]);
    upload.on_conflict = ConflictPolicy::Replace;
    env.upload(&upload);
    assert_eq!(
        fs::read(&victim).unwrap(),
        b"precious",
        "replace swaps the link itself, never writes through it"
    );
    assert!(
        !fs::symlink_metadata(env.uploads().join("a.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn concurrent_uploads_of_one_name_never_clobber() {
    let env = Env::new();
    let db = env.store.path().to_owned();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (roots, settings, worktree, db) = (
                env.roots.clone(),
                env.settings.clone(),
                env.worktree.clone(),
                db.clone(),
            );
            std::thread::spawn(move || {
                let mut store = handoff_core::Store::open(&db).unwrap();
                let mut upload = handoff_core::Upload::new(
                    vec![Source::Bytes {
                        name: "same.txt".into(),
                        bytes: Arc::from(format!("writer {i}").as_bytes()),
                    }],
                    handoff_core::Origin::Cli,
                    &settings,
                );
                upload.worktree = Some(worktree);
                let report = handoff_core::ingest::upload(
                    &mut store,
                    &roots,
                    &settings,
                    &upload,
                    1,
                    &mut |_| {},
                );
                report.saved().next().unwrap().clone()
            })
        })
        .collect();
    let records: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut contents: Vec<_> = records
        .iter()
        .map(|r| fs::read_to_string(&r.path).unwrap())
        .collect();
    contents.sort();
    let expected: Vec<_> = (0..8).map(|i| format!("writer {i}")).collect();
    assert_eq!(
        contents, expected,
        "every writer's bytes survive under a name of its own"
    );
}

#[test]
fn progress_reaches_the_total() {
    let mut env = Env::new();
    let src = env.source("big.bin", &vec![1; 3 * 1024 * 1024 + 5]);
    let upload = env.request(vec![Source::Path(src)]);
    let mut last = None;
    handoff_core::ingest::upload(
        &mut env.store,
        &env.roots,
        &env.settings,
        &upload,
        1,
        &mut |p: &Progress| last = Some(*p),
    );
    let last = last.expect("progress was reported");
    assert_eq!(last.batch_done, last.batch_total);
    assert_eq!(last.item_total, Some(3 * 1024 * 1024 + 5));
}

#[test]
fn the_worktree_destination_needs_a_worktree() {
    let mut env = Env::new();
    let mut upload = env.request(vec![Source::Bytes {
        name: "a".into(),
        bytes: Arc::from(&b"a"[..]),
    }]);
    upload.worktree = None;
    let report = env.upload(&upload);
    assert_eq!(
        report.outcomes[0].result.as_ref().unwrap_err().kind(),
        ErrorKind::NoWorktree
    );
}
