//! `make bench`, share links: putting a file in S3-compatible storage (a
//! real Garage on 127.0.0.1) with `handoff share` next to `rclone copyto`
//! of the same file to the same bucket, measured in the same run.
//!
//! - S1: a 1 GiB file, `handoff share --plain` vs `rclone copyto`;
//!   target ratio ≤ 1.2.
//! - S2: the same file end-to-end encrypted (`--encrypt`: age, then the
//!   upload) vs the same `rclone copyto`; target ratio ≤ 1.5.
//!
//! Each share is revoked after it is timed, so the next one uploads again.
//! `HANDOFF_BENCH_QUICK=1` runs a 64 MiB file (for checking the harness).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// Each bench uses a part of what the benches share.
#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "../tests/cli/garage.rs"]
mod garage;

use common::{human, paired, report, write_pseudo_random};
use garage::{Garage, REGION};

const RUNS: usize = 5;

fn main() {
    let quick = std::env::var_os("HANDOFF_BENCH_QUICK").is_some();
    let size: u64 = if quick { 64 << 20 } else { 1 << 30 };
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-share");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    let garage = Garage::start();
    let home = work.join("home");
    set_up(&home, &garage);
    let src = work.join("shared.bin");
    write_pseudo_random(&src, size);
    let id = record(&home, &src);
    println!("Share benchmarks ({RUNS} runs each, medians; a real Garage on 127.0.0.1)");
    for (label, how, target) in [("S1", "--plain", "≤ 1.2×"), ("S2", "--encrypt", "≤ 1.5×")] {
        let (ours, baseline) = paired(RUNS, || rclone(&garage, &src), || share(&home, &id, how));
        report(
            label,
            &format!(
                "one {} file: handoff share {how} vs rclone copyto",
                human(size)
            ),
            ours,
            Some(baseline),
            target,
        );
    }
    drop(garage);
    let _ = fs::remove_dir_all(&work);
}

fn handoff(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handoff"));
    command
        .env("HANDOFF_HOME", home)
        .env("HANDOFF_NO_KEYRING", "1")
        .env("TMPDIR", home.parent().unwrap());
    command
}

fn ok(command: &mut Command) -> String {
    let out = command.stderr(Stdio::inherit()).output().unwrap();
    assert!(out.status.success(), "{command:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

fn set_up(home: &Path, garage: &Garage) {
    for (key, value) in [
        ("share_endpoint", garage.endpoint.as_str()),
        ("share_region", REGION),
        ("share_bucket", garage.bucket.as_str()),
    ] {
        ok(handoff(home).args(["settings", "set", key, value]));
    }
    let mut child = handoff(home)
        .args(["share", "key", "--id", &garage.key_id])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        format!("{}\n", garage.secret).as_bytes(),
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
}

/// Records `src` (a temp upload); its id.
fn record(home: &Path, src: &Path) -> String {
    let out = ok(handoff(home)
        .args([
            "upload",
            "--dest",
            "temp",
            "--max-file-size",
            "4GB",
            "--json",
        ])
        .arg(src));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    json["files"][0]["file"]["id"].to_string()
}

/// One timed share of file `id`, then its revocation (not timed).
fn share(home: &Path, id: &str, how: &str) -> Duration {
    let started = Instant::now();
    let out = ok(handoff(home).args(["share", "--json", how, id]));
    let took = started.elapsed();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    ok(handoff(home).args(["share", "revoke", &json["id"].to_string()]));
    took
}

/// `rclone copyto` of `src` to the bucket (its stock S3 settings: 4 parts
/// in flight).
fn rclone(garage: &Garage, src: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new("rclone")
        .args(["copyto", "-q", "--ignore-times", "--s3-no-check-bucket"])
        .arg(src)
        .arg(format!("bench:{}/rclone/shared.bin", garage.bucket))
        .env("RCLONE_CONFIG_BENCH_TYPE", "s3")
        .env("RCLONE_CONFIG_BENCH_PROVIDER", "Other")
        .env("RCLONE_CONFIG_BENCH_ENDPOINT", &garage.endpoint)
        .env("RCLONE_CONFIG_BENCH_REGION", REGION)
        .env("RCLONE_CONFIG_BENCH_ACCESS_KEY_ID", &garage.key_id)
        .env("RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY", &garage.secret)
        .env("RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE", "true")
        // A CA bundle for AWS (set on some machines) is refused by rclone
        // for a plain-HTTP endpoint.
        .env_remove("AWS_CA_BUNDLE")
        .status()
        .expect("rclone runs (make bench installs it)");
    let took = started.elapsed();
    assert!(status.success(), "rclone failed");
    took
}
