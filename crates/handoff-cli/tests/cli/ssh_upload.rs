//! Uploads into a remote worktree, through a real `sshd` (see
//! [`crate::sshd::Sshd`]), with the promises of a local upload: the same
//! names, clash policies, limits, hashes, `.gitignore`, permissions; a
//! planted symlink refused; a server killed mid-file leaving no file under
//! a real name, and its temp file removed on the next connection.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::agreement::files_under;
use crate::context::{Run, TestContext, p};
use crate::sshd::{Sshd, no_master_left};

/// `handoff` in `ctx`, reaching `devbox` through `sshd`'s client config.
pub(crate) fn handoff(ctx: &TestContext, sshd: &Sshd, args: &[&str]) -> Command {
    let mut command = ctx.command(args);
    command.env("HANDOFF_SSH_CONFIG", sshd.path("ssh_config"));
    command
}

pub(crate) fn run(ctx: &TestContext, sshd: &Sshd, args: &[&str]) -> Run {
    Run(handoff(ctx, sshd, args).output().unwrap())
}

/// The remote worktree `devbox:<worktree>`.
pub(crate) fn remote(sshd: &Sshd) -> String {
    format!("devbox:{}", sshd.worktree.display())
}

fn uploads(sshd: &Sshd) -> PathBuf {
    sshd.worktree.join(".agor/uploads")
}

fn sha256(path: &Path) -> String {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path).unwrap(), &mut hasher).unwrap();
    format!("{:x}", hasher.finalize())
}

/// The files below `dir` (recursively), relative to it, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = files_under(dir)
        .iter()
        .map(|f| f.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Names no file system or shell should trust land under the same names a
/// local upload gives them; a dropped folder keeps its shape; the records
/// carry the remote paths and hashes.
#[test]
fn hostile_names_and_a_folder_land_as_a_local_upload_names_them() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let names = [
        "shot.png",
        "line\nbreak.txt",
        "-rf",
        "CON.txt",
        " spaced .md",
        "$(touch pwned).sh",
        "über\u{202e}gnp.exe",
    ];
    let mut sources: Vec<PathBuf> = names.iter().map(|n| ctx.source(n, n.as_bytes())).collect();
    let folder = ctx.root.join("src/notes");
    std::fs::create_dir_all(folder.join("deeper")).unwrap();
    std::fs::write(folder.join("a.md"), "a").unwrap();
    std::fs::write(folder.join("deeper/b.md"), "b").unwrap();
    sources.push(folder);
    let args: Vec<&str> = sources.iter().map(|s| p(s)).collect();

    let spec = remote(&sshd);
    let mut remote_args = vec!["upload", "--worktree", spec.as_str(), "--json"];
    remote_args.extend(&args);
    let out = run(&ctx, &sshd, &remote_args).expect(0).json();
    let mut local_args = vec!["upload"];
    local_args.extend(&args);
    ctx.run(&local_args).expect(0);

    let there = listing(&uploads(&sshd));
    assert_eq!(there, listing(&ctx.uploads()), "the same names as locally");
    assert!(there.contains(&"notes/deeper/b.md".to_owned()), "{there:?}");
    assert!(!sshd.worktree.join("pwned").exists());
    assert_eq!(
        std::fs::read_to_string(uploads(&sshd).join(".gitignore")).unwrap(),
        "*\n"
    );
    let files = out["files"].as_array().unwrap();
    assert_eq!(files.len(), names.len() + 2);
    for file in files {
        let path = Path::new(file["file"]["path"].as_str().unwrap());
        assert!(path.starts_with(uploads(&sshd)), "{path:?}");
        assert_eq!(file["file"]["sha256"].as_str().unwrap(), sha256(path));
    }
    // The records are the remote worktree's, and only `ls` of it lists them.
    let listed = run(&ctx, &sshd, &["ls", "--worktree", &spec, "--json"]).expect(0);
    assert_eq!(listed.json().as_array().unwrap().len(), names.len() + 2);
    no_master_left(&sshd);
}

/// Keep both numbers a clash, the same bytes again are not written twice,
/// replace takes the name atomically and marks the older record.
#[test]
fn clashes_follow_the_policy_on_the_remote() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let spec = remote(&sshd);
    let first = ctx.source("report.txt", b"first");
    run(&ctx, &sshd, &["upload", "--worktree", &spec, p(&first)]).expect(0);
    let again = run(&ctx, &sshd, &["upload", "--worktree", &spec, p(&first)]).expect(0);
    assert!(
        again.stderr().contains("already there with the same bytes"),
        "{}",
        again.stderr()
    );
    std::fs::write(&first, b"second").unwrap();
    let kept = run(&ctx, &sshd, &["upload", "--worktree", &spec, p(&first)]).expect(0);
    assert!(
        kept.stdout().contains("report (1).txt"),
        "{}",
        kept.stdout()
    );
    std::fs::write(&first, b"third").unwrap();
    run(
        &ctx,
        &sshd,
        &[
            "upload",
            "--worktree",
            &spec,
            "--on-conflict",
            "replace",
            p(&first),
        ],
    )
    .expect(0);
    assert_eq!(
        std::fs::read(uploads(&sshd).join("report.txt")).unwrap(),
        b"third"
    );
    assert_eq!(
        std::fs::read(uploads(&sshd).join("report (1).txt")).unwrap(),
        b"second"
    );
    let replaced = run(
        &ctx,
        &sshd,
        &["ls", "--worktree", &spec, "--status", "replaced", "--json"],
    )
    .json();
    assert_eq!(replaced.as_array().unwrap().len(), 1);
    assert_eq!(
        listing(&uploads(&sshd)),
        [".gitignore", "report (1).txt", "report.txt"],
        "no temp file is left"
    );
}

/// 100 MB arrive byte-identical, with the hash computed while sending; a
/// file over the limit is stopped while it streams and leaves nothing.
#[test]
fn a_100_mb_file_arrives_whole_and_the_limit_holds_while_streaming() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let spec = remote(&sshd);
    let big = ctx.root.join("src/big.bin");
    let mut bytes = vec![0_u8; 100 << 20];
    for (i, chunk) in bytes.chunks_mut(4096).enumerate() {
        chunk.fill((i % 251) as u8);
    }
    std::fs::write(&big, &bytes).unwrap();
    let out = run(
        &ctx,
        &sshd,
        &[
            "upload",
            "--worktree",
            &spec,
            "--max-file-size",
            "200MB",
            "--json",
            p(&big),
        ],
    )
    .expect(0)
    .json();
    let there = uploads(&sshd).join("big.bin");
    assert_eq!(sha256(&there), sha256(&big), "byte-identical");
    assert_eq!(
        out["files"][0]["file"]["sha256"].as_str().unwrap(),
        sha256(&big)
    );
    assert_eq!(out["files"][0]["file"]["size"].as_u64().unwrap(), 100 << 20);
    assert_eq!(mode(&there), 0o644);

    let refused = run(
        &ctx,
        &sshd,
        &[
            "upload",
            "--worktree",
            &spec,
            "--max-file-size",
            "10MB",
            p(&big),
        ],
    )
    .expect(1);
    assert!(
        refused.stderr().contains("over the 10 MB limit"),
        "{}",
        refused.stderr()
    );
    assert_eq!(
        listing(&uploads(&sshd)),
        [".gitignore", "big.bin"],
        "nothing else is left"
    );
}

/// A `.agor` symlink planted in the remote worktree (by the agent, say) is
/// refused, never followed: nothing lands where it points.
#[test]
fn a_planted_agor_symlink_is_refused() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let elsewhere = sshd.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, sshd.worktree.join(".agor")).unwrap();
    let src = ctx.source("shot.png", b"png");
    let out = run(
        &ctx,
        &sshd,
        &["upload", "--worktree", &remote(&sshd), p(&src)],
    )
    .expect(1);
    assert!(
        out.stderr()
            .contains(".agor is a symlink; refusing to write there"),
        "{}",
        out.stderr()
    );
    assert!(listing(&elsewhere).is_empty());
}

/// Temp means the remote's temp folder: private to us there.
#[test]
fn the_temp_destination_is_the_remote_machines_and_private() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let src = ctx.source("secret.txt", b"s");
    run(
        &ctx,
        &sshd,
        &[
            "upload",
            "--worktree",
            &remote(&sshd),
            "--dest",
            "temp",
            p(&src),
        ],
    )
    .expect(0);
    let folder = sshd.remote_tmp().join("agor-uploads");
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&folder.join("secret.txt")), 0o600);
    assert!(!ctx.root.join("tmp/agor-uploads").exists(), "nothing local");
}

/// The server dies mid-file: the upload says the connection was lost and
/// which file did not make it, no file has a real name, and the temp file
/// it left is removed by the next upload once the server is back.
#[test]
fn a_server_killed_mid_upload_leaves_no_file_under_a_real_name() {
    let mut sshd = Sshd::start();
    let ctx = TestContext::new();
    let spec = remote(&sshd);
    let big = ctx.root.join("src/huge.bin");
    std::fs::write(&big, vec![7_u8; 400 << 20]).unwrap();
    let small = ctx.source("after.txt", b"after");
    let args = [
        "upload",
        "--worktree",
        &spec,
        "--max-file-size",
        "1GB",
        p(&big),
        p(&small),
    ];
    let child = handoff(&ctx, &sshd, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until some of the file is there under its temp name.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let partial = std::fs::read_dir(uploads(&sshd)).ok().and_then(|entries| {
            entries.flatten().find(|e| {
                e.file_name().to_string_lossy().ends_with(".part")
                    && e.metadata().is_ok_and(|m| m.len() > 1 << 20)
            })
        });
        if partial.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the upload never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    sshd.kill();
    let out = Run(child.wait_with_output().unwrap()).expect(1);
    let stderr = out.stderr();
    assert!(
        stderr.contains("the connection to devbox was lost"),
        "{stderr}"
    );
    assert!(stderr.contains("huge.bin: "), "{stderr}");
    assert!(
        stderr.contains("after.txt: "),
        "each file that did not make it is named: {stderr}"
    );
    let left = listing(&uploads(&sshd));
    assert!(
        left.iter()
            .all(|n| n.starts_with(".handoff-") || n == ".gitignore"),
        "nothing under a real name: {left:?}"
    );
    assert!(left.iter().any(|n| n.starts_with(".handoff-")), "{left:?}");

    sshd.restart();
    run(&ctx, &sshd, &["upload", "--worktree", &spec, p(&small)]).expect(0);
    assert_eq!(listing(&uploads(&sshd)), [".gitignore", "after.txt"]);
}

/// Listing a remote worktree looks at its files first, in one batch: a
/// file the agent deleted there shows as missing, one it changed as
/// modified; the local watcher and `gc` never touch them.
#[test]
fn listing_a_remote_worktree_tells_what_happened_there() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    let spec = remote(&sshd);
    let sources: Vec<PathBuf> = ["kept.txt", "gone.txt", "changed.txt"]
        .iter()
        .map(|n| ctx.source(n, n.as_bytes()))
        .collect();
    let mut args = vec!["upload", "--worktree", spec.as_str()];
    args.extend(sources.iter().map(|s| p(s)));
    run(&ctx, &sshd, &args).expect(0);
    std::fs::remove_file(uploads(&sshd).join("gone.txt")).unwrap();
    std::fs::write(uploads(&sshd).join("changed.txt"), "longer than before").unwrap();
    // `gc` follows this machine's files only.
    run(&ctx, &sshd, &["gc"]).expect(0);
    let listed = run(&ctx, &sshd, &["ls", "--worktree", &spec, "--json"]).json();
    let status = |name: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["filename"] == name)
            .map(|f| f["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(status("kept.txt"), "present");
    assert_eq!(status("gone.txt"), "missing");
    assert_eq!(status("changed.txt"), "modified");
}

/// An uploads folder on the remote that already holds the person's own
/// files is refused (a `.gitignore` of `*` would hide them from git), and
/// nothing is written there.
#[test]
fn a_remote_folder_of_the_persons_own_files_is_refused() {
    let sshd = Sshd::start();
    let ctx = TestContext::new();
    std::fs::create_dir(sshd.worktree.join("src")).unwrap();
    std::fs::write(sshd.worktree.join("src/main.rs"), "fn main() {}\n").unwrap();
    ctx.run(&["settings", "set", "uploads_folder", "src"])
        .expect(0);
    let src = ctx.source("shot.png", b"png");
    let out = run(
        &ctx,
        &sshd,
        &["upload", "--worktree", &remote(&sshd), p(&src)],
    )
    .expect(1);
    assert!(
        out.stderr()
            .contains("already holds files Handoff did not put there (such as main.rs)"),
        "{}",
        out.stderr()
    );
    assert_eq!(
        listing(&sshd.worktree.join("src")),
        ["main.rs"],
        "nothing written"
    );
}
