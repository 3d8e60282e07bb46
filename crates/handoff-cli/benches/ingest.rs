//! `make bench`: Handoff's speed next to `cp` measured in the same run.
//!
//! - B1: one 1 GiB file through `handoff upload` (copy + hash + fsync +
//!   record) vs `cp` + `sync`; target ratio ≤ 1.2, peak RSS ≤ 64 MB.
//! - B2: a folder of 1,000 files of 16 KiB as one upload vs `cp -r` +
//!   `sync`; target ratio ≤ 3.
//! - B3: the newest 200 of 100,000 records of one session; target ≤ 5 ms.
//! - B4: 1,000 uploads deleted; time from the last delete until the watcher
//!   has marked all of them missing; target ≤ 1 s.
//!
//! `HANDOFF_BENCH_QUICK=1` runs smaller sizes (for checking the harness).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use handoff_core::reconcile::Change;
use handoff_core::store::{Direction, FileQuery, FileStatus, NewFile};
use handoff_core::watch::{DEBOUNCE, WatchEvent, Watcher};
use handoff_core::{Destination, Origin, Roots, Settings, Source, Store, Upload, ingest};

mod common;

use common::{human, median, paired, report, sh, write_pseudo_random};

const RUNS: usize = 5;

fn main() {
    let quick = std::env::var_os("HANDOFF_BENCH_QUICK").is_some();
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    println!(
        "Handoff benchmarks ({} runs each, medians; work folder {})",
        RUNS,
        work.display()
    );
    println!(
        "{:<4} {:<52} {:>10} {:>10} {:>7} {:>8}",
        "", "case", "handoff", "baseline", "ratio", "target"
    );
    b1_large_file(&work, if quick { 64 << 20 } else { 1 << 30 });
    b2_many_files(&work, if quick { 100 } else { 1000 });
    b3_listing(&work, if quick { 10_000 } else { 100_000 });
    b4_watch(&work, if quick { 100 } else { 1000 });
    let _ = fs::remove_dir_all(&work);
}

fn b1_large_file(work: &Path, size: u64) {
    let src = work.join("b1-source.bin");
    write_pseudo_random(&src, size);
    let dst = work.join("b1-cp");
    let worktree = work.join("b1-worktree");
    let mut peak_kb = 0;
    let (ours, baseline) = paired(
        RUNS,
        || {
            let _ = fs::remove_file(&dst);
            sh(&format!(
                "cp '{}' '{}' && sync",
                src.display(),
                dst.display()
            ))
        },
        || {
            let (took, kb) = upload(work, &worktree, &src, &["--max-file-size", "4GB"]);
            peak_kb = peak_kb.max(kb);
            took
        },
    );
    report(
        "B1",
        &format!("one {} file: upload vs cp + sync", human(size)),
        ours,
        Some(baseline),
        "≤ 1.2×",
    );
    println!(
        "     peak RSS of `handoff upload`: {:.1} MB (target ≤ 64 MB)",
        peak_kb as f64 / 1000.0
    );
    let _ = fs::remove_file(&src);
    let _ = fs::remove_file(&dst);
    let _ = fs::remove_dir_all(&worktree);
}

fn b2_many_files(work: &Path, count: usize) {
    let src = work.join("b2-source");
    fs::create_dir_all(&src).unwrap();
    let block = vec![0x5a_u8; 16 * 1024];
    for i in 0..count {
        let mut bytes = block.clone();
        bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
        fs::write(src.join(format!("file-{i:04}.txt")), &bytes).unwrap();
    }
    let dst = work.join("b2-cp");
    let worktree = work.join("b2-worktree");
    let (ours, baseline) = paired(
        RUNS,
        || {
            let _ = fs::remove_dir_all(&dst);
            sh(&format!(
                "cp -r '{}' '{}' && sync",
                src.display(),
                dst.display()
            ))
        },
        || upload(work, &worktree, &src, &["--max-batch-files", "100000"]).0,
    );
    report(
        "B2",
        &format!("{count} files of 16 KiB as one drop vs cp -r + sync"),
        ours,
        Some(baseline),
        "≤ 3×",
    );
    println!(
        "     per file: {:.3} ms",
        ours.as_secs_f64() * 1000.0 / count as f64
    );
    let _ = fs::remove_dir_all(&src);
    let _ = fs::remove_dir_all(&dst);
    let _ = fs::remove_dir_all(&worktree);
}

fn b3_listing(work: &Path, count: usize) {
    let mut store = Store::open(&work.join("b3/handoff.db")).unwrap();
    let wt = store
        .worktrees()
        .ensure(Path::new("/bench/worktree"), 0)
        .unwrap();
    let session = store.sessions().create(wt.id, None, "bench", 0).unwrap();
    let other = store.sessions().create(wt.id, None, "other", 0).unwrap();
    for chunk in 0..count / 1000 {
        let files: Vec<NewFile> = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                let sid = if n % 10 == 0 { other.id } else { session.id };
                record(n, sid, wt.id)
            })
            .collect();
        store
            .files()
            .insert_many(&files, &[], chunk as i64)
            .unwrap();
    }
    let query = FileQuery {
        session_id: Some(session.id),
        limit: Some(200),
        ..FileQuery::default()
    };
    assert_eq!(store.files().list(&query).unwrap().len(), 200);
    let ours = median(50, || {
        let started = Instant::now();
        let rows = store.files().list(&query).unwrap();
        let took = started.elapsed();
        assert_eq!(rows.len(), 200);
        took
    });
    report(
        "B3",
        &format!("newest 200 of {count} records of one session"),
        ours,
        None,
        "≤ 5 ms",
    );
}

fn b4_watch(work: &Path, count: usize) {
    let root = work.join("b4");
    let src = root.join("source");
    fs::create_dir_all(&src).unwrap();
    for i in 0..count {
        fs::write(src.join(format!("{i}.txt")), b"x").unwrap();
    }
    let ours = median(3, || {
        let worktree = root.join("worktree");
        let _ = fs::remove_dir_all(&worktree);
        fs::create_dir_all(&worktree).unwrap();
        let db = root.join("handoff.db");
        let mut store = Store::open(&db).unwrap();
        let settings = Settings {
            max_batch_files: count,
            ..Settings::default()
        };
        let mut upload = Upload::new(vec![Source::Path(src.clone())], Origin::Cli, &settings);
        upload.worktree = Some(
            store
                .worktrees()
                .ensure(&fs::canonicalize(&worktree).unwrap(), 0)
                .unwrap(),
        );
        let roots = Roots {
            temp: root.clone(),
            home: root.clone(),
        };
        let report = ingest::upload(&mut store, &roots, &settings, &upload, 0, &mut |_| {});
        assert!(report.all_saved());
        let folder = report.folder.clone().unwrap();
        let (watcher, events) =
            Watcher::start(Store::open(&db).unwrap(), &[folder], DEBOUNCE).unwrap();
        for record in report.saved() {
            fs::remove_file(&record.path).unwrap();
        }
        let last_delete = Instant::now();
        let mut missing = 0;
        while missing < count {
            let event = events
                .recv_timeout(Duration::from_secs(10))
                .expect("watch events");
            if let WatchEvent::StatusChanged(Change {
                to: FileStatus::Missing,
                ..
            }) = event
            {
                missing += 1;
            }
        }
        let took = last_delete.elapsed();
        drop(watcher);
        took
    });
    report(
        "B4",
        &format!("{count} uploads deleted → all marked missing"),
        ours,
        None,
        "≤ 1 s",
    );
}

fn record(n: usize, session_id: i64, worktree_id: i64) -> NewFile {
    NewFile {
        session_id: Some(session_id),
        worktree_id: Some(worktree_id),
        direction: Direction::ToAgent,
        destination: Destination::Worktree,
        filename: format!("file-{n}.png"),
        path: PathBuf::from(format!("/bench/worktree/.agor/uploads/file-{n}.png")),
        size: 1000,
        mime: "image/png".to_owned(),
        sniffed_mime: Some("image/png".to_owned()),
        sha256: format!("{n:064x}"),
        source: Origin::Drop,
        display_name: None,
        description: None,
        revision: 1,
        mtime_ns: 0,
        expires_at: None,
    }
}

/// `handoff upload` of `src` into a fresh `worktree`: its time and peak RSS (kB).
fn upload(work: &Path, worktree: &Path, src: &Path, flags: &[&str]) -> (Duration, u64) {
    let _ = fs::remove_dir_all(worktree);
    fs::create_dir_all(worktree).unwrap();
    let started = Instant::now();
    let out = handoff(work)
        .arg("upload")
        .args(flags)
        .arg("--worktree")
        .arg(worktree)
        .arg(src)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (took, max_rss_kb(&out.stderr))
}

fn handoff(work: &Path) -> Command {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "maxrss_kb=%M", env!("CARGO_BIN_EXE_handoff")])
        .env("HANDOFF_HOME", work.join("home"))
        .stdout(std::process::Stdio::null());
    cmd
}

fn max_rss_kb(stderr: &[u8]) -> u64 {
    String::from_utf8_lossy(stderr)
        .lines()
        .find_map(|l| {
            l.strip_prefix("maxrss_kb=")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}
