//! `make bench`, part five: what finding a turn's outputs adds to a turn.
//!
//! B6, on a git repository of 2,000 committed files in 100 folders:
//! - the watch set up before the prompt (a walk of the folders, one watch
//!   each, `git status`), against `git status` alone;
//! - the end of a turn that wrote one file, against `git status`;
//! - the end of a turn that also wrote 10,000 files in `node_modules`
//!   (never watched nor listed): what they add, against `cp` of those
//!   files measured in the same run.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

// Each bench uses a part of what the benches share.
#[allow(dead_code)]
mod common;

use common::{paired, report};
use handoff_core::outputs::TurnWatch;

const RUNS: usize = 5;
const NOISE_FILES: usize = 10_000;

fn main() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-outputs");
    drop(std::fs::remove_dir_all(&work));
    let repo = work.join("repo");
    for folder in 0..100 {
        let dir = repo.join(format!("src/m{folder}"));
        std::fs::create_dir_all(&dir).unwrap();
        for file in 0..20 {
            std::fs::write(
                dir.join(format!("f{file}.rs")),
                format!("// {folder} {file}\n"),
            )
            .unwrap();
        }
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "start"]);
    let excluded = vec!["node_modules".to_owned()];
    let status = || {
        timed(|| {
            git(
                &repo,
                &["status", "--porcelain", "-z", "--untracked-files=all"],
            );
        })
    };

    println!("B6: a turn's outputs on a repository of 2,000 files ({RUNS} runs, medians)");
    let (start, base) = paired(RUNS, status, || {
        let started = Instant::now();
        let watch = TurnWatch::start(&repo, &excluded, ".agor/uploads");
        let took = started.elapsed();
        drop(watch.finish(&[]));
        took
    });
    report(
        "B6",
        "watch set up before the prompt",
        start,
        Some(base),
        "-",
    );

    let mut turn = 0;
    let (plain, base) = paired(RUNS, status, || {
        turn += 1;
        let watch = TurnWatch::start(&repo, &excluded, ".agor/uploads");
        std::fs::write(repo.join(format!("out-{turn}.md")), "# out\n").unwrap();
        let started = Instant::now();
        let found = watch.finish(&[]);
        assert_eq!(found.files.len(), 1);
        started.elapsed()
    });
    report(
        "B6",
        "end of a turn that wrote 1 file",
        plain,
        Some(base),
        "-",
    );

    let source = work.join("noise-source");
    write_noise(&source);
    let mut round = 0;
    let (noisy, copied) = paired(
        RUNS,
        || {
            round += 1;
            let to = work.join(format!("cp-{round}"));
            timed(|| {
                let ok = Command::new("cp")
                    .arg("-r")
                    .arg(&source)
                    .arg(&to)
                    .status()
                    .unwrap();
                assert!(ok.success());
            })
        },
        || {
            turn += 1;
            let watch = TurnWatch::start(&repo, &excluded, ".agor/uploads");
            write_noise(&repo.join(format!("node_modules/pkg-{turn}")));
            std::fs::write(repo.join(format!("out-{turn}.md")), "# out\n").unwrap();
            let started = Instant::now();
            let found = watch.finish(&[]);
            assert_eq!(found.files.len(), 1, "{:?}", found.files);
            started.elapsed()
        },
    );
    report(
        "B6",
        "end of a turn that also wrote 10,000 noise files",
        noisy,
        Some(copied),
        "≤ 50 ms",
    );
    println!(
        "B6   added by the noise files: {:.1} ms (target ≤ 50 ms); baseline above: cp -r of those files",
        (noisy.saturating_sub(plain)).as_secs_f64() * 1000.0
    );
    drop(std::fs::remove_dir_all(&work));
}

fn write_noise(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..NOISE_FILES {
        std::fs::write(dir.join(format!("f{i}.js")), "module.exports = 1;\n").unwrap();
    }
}

fn git(repo: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=b", "-c", "user.email=b@b", "-C"])
        .arg(repo)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}");
}

fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}
