//! `make bench`, remote worktrees: uploads over SSH next to `scp` to the
//! same server (a real `sshd` on 127.0.0.1), measured in the same run.
//!
//! - R1: one 1 GiB file through `handoff upload --worktree devbox:/…`
//!   (connect, stream + hash, fsync, link into place, record) vs `scp`
//!   then `sync -f` there (the same durability, as B1 pairs `cp` with
//!   `sync`); target ratio ≤ 1.2.
//! - R2: a folder of 1,000 files of 16 KiB as one upload vs `scp -r` then
//!   `sync -f` there; target ratio ≤ 2.
//!
//! - R3: reaching a remote worktree again (what each upload, files-panel
//!   check, thumbnail and publish fetch starts with) on the kept connection
//!   vs `ssh devbox true`, a new connection (what each paid before
//!   connections were kept); target ratio ≤ 0.1.
//!
//! `HANDOFF_BENCH_QUICK=1` runs smaller sizes (for checking the harness).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

// Each bench uses a part of what the benches share.
#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "../tests/cli/sshd.rs"]
mod sshd;

use common::{human, paired, report, write_pseudo_random};
use handoff_core::remote::{self, Remote, RemoteError};
use sshd::Sshd;

const RUNS: usize = 5;

fn main() {
    let quick = std::env::var_os("HANDOFF_BENCH_QUICK").is_some();
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-remote");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    let sshd = Sshd::start();
    println!("Remote worktree benchmarks ({RUNS} runs each, medians; a real sshd on 127.0.0.1)");
    r1_large_file(&work, &sshd, if quick { 64 << 20 } else { 1 << 30 });
    r2_many_files(&work, &sshd, if quick { 100 } else { 1000 });
    r3_reach_again(&sshd);
    let _ = fs::remove_dir_all(&work);
}

fn r1_large_file(work: &Path, sshd: &Sshd, size: u64) {
    let src = work.join("r1-source.bin");
    write_pseudo_random(&src, size);
    let scp_target = sshd.path("r1-scp");
    let (ours, baseline) = paired(
        RUNS,
        || {
            let _ = fs::remove_dir_all(&scp_target);
            fs::create_dir_all(&scp_target).unwrap();
            scp(sshd, &src, &scp_target, false)
        },
        || upload(work, sshd, &src),
    );
    report(
        "R1",
        &format!("one {} file over SSH: upload vs scp + sync", human(size)),
        ours,
        Some(baseline),
        "≤ 1.2×",
    );
    let _ = fs::remove_file(&src);
}

fn r2_many_files(work: &Path, sshd: &Sshd, count: usize) {
    let src = work.join("r2-folder");
    fs::create_dir_all(&src).unwrap();
    for i in 0..count {
        fs::write(src.join(format!("file-{i:04}.txt")), vec![b'x'; 16 << 10]).unwrap();
    }
    let scp_target = sshd.path("r2-scp");
    let (ours, baseline) = paired(
        RUNS,
        || {
            let _ = fs::remove_dir_all(&scp_target);
            fs::create_dir_all(&scp_target).unwrap();
            scp(sshd, &src, &scp_target, true)
        },
        || upload(work, sshd, &src),
    );
    report(
        "R2",
        &format!("{count} files of 16 KiB over SSH: upload vs scp -r + sync"),
        ours,
        Some(baseline),
        "≤ 2×",
    );
}

fn r3_reach_again(sshd: &Sshd) {
    let (spec, options) = (sshd.spec(), sshd.options());
    let reach = || {
        remote::block_on(async {
            let started = Instant::now();
            Remote::connect(&spec, &options).await?;
            Ok::<_, RemoteError>(started.elapsed())
        })
        .unwrap()
    };
    reach();
    let (ours, baseline) = paired(
        RUNS * 4,
        || {
            let started = Instant::now();
            let status = Command::new("ssh")
                .arg("-F")
                .arg(sshd.path("ssh_config"))
                .args(["devbox", "true"])
                .status()
                .unwrap();
            assert!(status.success(), "ssh failed");
            started.elapsed()
        },
        reach,
    );
    report(
        "R3",
        "reaching a remote worktree again: kept connection vs a new ssh connection",
        ours,
        Some(baseline),
        "≤ 0.1×",
    );
    remote::close_all();
}

/// `scp` (SFTP underneath, as Handoff) of `src` into `target` on the
/// server, then `sync -f` there: the bytes as durable as Handoff makes them.
fn scp(sshd: &Sshd, src: &Path, target: &Path, recursive: bool) -> Duration {
    let started = Instant::now();
    let mut command = Command::new("scp");
    command.arg("-q").arg("-F").arg(sshd.path("ssh_config"));
    if recursive {
        command.arg("-r");
    }
    let status = command
        .arg(src)
        .arg(format!("devbox:{}/", target.display()))
        .status()
        .unwrap();
    assert!(status.success(), "scp failed");
    let synced = Command::new("ssh")
        .arg("-F")
        .arg(sshd.path("ssh_config"))
        .args(["devbox", "sync", "-f"])
        .arg(target)
        .status()
        .unwrap();
    let took = started.elapsed();
    assert!(synced.success(), "sync failed");
    took
}

/// One `handoff upload` of `src` into the remote worktree (emptied first).
fn upload(work: &Path, sshd: &Sshd, src: &Path) -> Duration {
    let _ = fs::remove_dir_all(&sshd.worktree);
    fs::create_dir_all(&sshd.worktree).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .env("HANDOFF_HOME", work.join("home"))
        .env("HANDOFF_SSH_CONFIG", sshd.path("ssh_config"))
        .args([
            "upload",
            "--max-file-size",
            "4GB",
            "--max-batch-files",
            "100000",
        ])
        .arg("--worktree")
        .arg(format!("devbox:{}", sshd.worktree.display()))
        .arg(src)
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}
