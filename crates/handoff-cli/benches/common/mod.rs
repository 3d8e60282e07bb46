//! What the benchmarks share: timing, medians, the report line, test data.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub fn sh(script: &str) -> Duration {
    let started = Instant::now();
    let status = Command::new("sh").args(["-c", script]).status().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "{script}");
    took
}

pub fn median(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..runs).map(|_| f()).collect();
    times.sort();
    times[runs / 2]
}

/// Runs the baseline and ours alternately (so drift in the machine's speed
/// hits both alike) and returns the medians, ours first.
pub fn paired(
    runs: usize,
    mut baseline: impl FnMut() -> Duration,
    mut ours: impl FnMut() -> Duration,
) -> (Duration, Duration) {
    let mut base_times = Vec::with_capacity(runs);
    let mut our_times = Vec::with_capacity(runs);
    for _ in 0..runs {
        base_times.push(baseline());
        our_times.push(ours());
    }
    base_times.sort();
    our_times.sort();
    (our_times[runs / 2], base_times[runs / 2])
}

pub fn report(id: &str, case: &str, ours: Duration, baseline: Option<Duration>, target: &str) {
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    let (base, ratio) = match baseline {
        Some(b) => (
            ms(b),
            format!("{:.2}×", ours.as_secs_f64() / b.as_secs_f64()),
        ),
        None => ("-".to_owned(), "-".to_owned()),
    };
    println!(
        "{id:<4} {case:<52} {:>10} {base:>10} {ratio:>7} {target:>8}",
        ms(ours)
    );
}

pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Incompressible-looking bytes, fast to make (xorshift).
pub fn write_pseudo_random(path: &Path, size: u64) {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, fs::File::create(path).unwrap());
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut block = vec![0_u8; 1 << 20];
    let mut written = 0;
    while written < size {
        for chunk in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        let n = (size - written).min(block.len() as u64) as usize;
        out.write_all(&block[..n]).unwrap();
        written += n as u64;
    }
    out.flush().unwrap();
}
