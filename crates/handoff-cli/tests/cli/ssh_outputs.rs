//! What an agent makes in a remote worktree with its own code: found over
//! the kept SSH connection at the end of the turn (a real `sshd`, see
//! [`crate::sshd`]), listed, recorded with the remote paths, kept, and
//! never read through a link the agent put in the way.

use std::path::Path;
use std::time::{Duration, Instant};

use handoff_core::outputs::{Found, RemoteTurn, changes_there};
use handoff_core::remote::{self, Remote, RemoteError};
use handoff_core::store::Change;

use crate::context::TestContext;
use crate::outputs::{git_repo, sha};
use crate::ssh_agent::remote_session;
use crate::ssh_upload::run;
use crate::sshd::{Sshd, no_master_left};

#[test]
fn a_remote_turns_outputs_are_found_over_ssh_recorded_and_kept() {
    let sshd = Sshd::start();
    git_repo(
        &sshd.worktree,
        &[
            ("src/app.ts", "let a = 1;\nlet b = 2;\n"),
            ("old.txt", "old\n"),
        ],
    );
    let ctx = TestContext::new();
    let id = remote_session(&ctx, &sshd);
    let out = run(
        &ctx,
        &sshd,
        &[
            "prompt",
            "--session",
            &id,
            "make file out/report.md\nedit file src/app.ts\ndelete file old.txt",
        ],
    )
    .expect(0)
    .stdout();
    let made = out
        .lines()
        .find(|l| l.starts_with("made: "))
        .unwrap_or_else(|| panic!("no made line: {out}"));
    assert_eq!(
        made, "made: old.txt (deleted); out/report.md (60 B, new); src/app.ts (+1 −0)",
        "the same list as in a worktree on this machine"
    );

    let records = ctx.made_records();
    assert_eq!(records.len(), 2, "{records:?}");
    for record in &records {
        assert!(
            record.path.starts_with(&sshd.worktree),
            "the remote path: {}",
            record.path.display()
        );
        let bytes = std::fs::read(&record.path).unwrap();
        assert_eq!(record.sha256, sha(&bytes), "{}", record.path.display());
        assert_eq!(record.size, bytes.len() as u64);
    }

    // Kept: fetched over SSH into a snapshot here, byte for byte.
    let report = records.iter().find(|r| r.filename == "report.md").unwrap();
    let kept = run(&ctx, &sshd, &["keep", &report.id.to_string()])
        .expect(0)
        .stdout();
    assert!(
        kept.starts_with("kept report.md (revision 1, 60 B)"),
        "{kept}"
    );
    let listed = run(&ctx, &sshd, &["published", "ls", "--json"])
        .expect(0)
        .json();
    let snapshot = listed.as_array().unwrap()[0]["path"].as_str().unwrap();
    assert_eq!(
        std::fs::read(snapshot).unwrap(),
        std::fs::read(&report.path).unwrap()
    );
    assert!(
        sshd.wait_idle(),
        "processes left under sshd: {:?}",
        sshd.served()
    );
}

/// One turn, watched through `sshd`'s worktree while `during` runs.
fn turn(sshd: &Sshd, during: impl FnOnce()) -> Found {
    remote::block_on(async {
        let remote = Remote::connect(&sshd.spec(), &sshd.options()).await?;
        let noise = ["node_modules".to_owned()];
        let turn = RemoteTurn::start(&remote, &noise, ".agor/uploads").await?;
        during();
        turn.finish(&remote, &[]).await
    })
    .unwrap()
}

fn listed(found: &Found) -> Vec<(&str, Change)> {
    found
        .files
        .iter()
        .map(|f| (f.rel.as_str(), f.change))
        .collect()
}

#[test]
fn links_pipes_noise_and_uploads_in_a_remote_turn_are_no_outputs() {
    let sshd = Sshd::start();
    let secret = sshd.path("secret.txt");
    std::fs::write(&secret, "the person's secret\n").unwrap();
    let w = sshd.worktree.clone();
    let found = turn(&sshd, || {
        std::fs::create_dir_all(w.join("out")).unwrap();
        std::fs::write(w.join("out/new.md"), "# new\n").unwrap();
        std::os::unix::fs::symlink(&secret, w.join("out/secret.txt")).unwrap();
        std::os::unix::fs::symlink(sshd.path(""), w.join("linked")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(w.join("out/pipe"))
            .status()
            .unwrap();
        assert!(fifo.success());
        std::fs::write(w.join("odd\nname 'x'.txt"), "odd\n").unwrap();
        std::fs::create_dir_all(w.join("node_modules/pkg")).unwrap();
        std::fs::write(w.join("node_modules/pkg/index.js"), "x").unwrap();
        std::fs::create_dir_all(w.join(".agor/uploads")).unwrap();
        std::fs::write(w.join(".agor/uploads/shot.png"), "x").unwrap();
    });
    assert_eq!(
        listed(&found),
        [
            ("odd\nname 'x'.txt", Change::New),
            ("out/new.md", Change::New)
        ]
    );
    let new = &found.files[1];
    assert_eq!(new.path, w.join("out/new.md"));
    let facts = new.facts.as_ref().unwrap();
    assert_eq!((facts.size, facts.mime.as_str()), (6, "text/markdown"));
    assert_eq!(facts.sha256, sha(b"# new\n"));
    assert_eq!(new.lines.map(|l| l.added), Some(1), "{new:?}");
}

/// While turns are looked at over and over for 4 s, the agent swaps a
/// file for a link to a file outside the worktree and back, thousands of
/// times: what is listed is always the plain file, never what the link
/// names.
#[test]
fn a_file_swapped_for_a_link_during_the_look_is_never_read_through_it() {
    let sshd = Sshd::start();
    let secret = sshd.path("secret.txt");
    std::fs::write(&secret, "the person's secret\n").unwrap();
    let w = sshd.worktree.clone();
    std::fs::create_dir_all(w.join("out")).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (w, secret, stop) = (w.clone(), secret.clone(), std::sync::Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut swaps = 0_u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::fs::write(w.join("out/plain.tmp"), "plain\n").unwrap();
                std::fs::rename(w.join("out/plain.tmp"), w.join("out/swap.txt")).unwrap();
                std::thread::sleep(Duration::from_millis(2));
                drop(std::fs::remove_file(w.join("out/link.tmp")));
                std::os::unix::fs::symlink(&secret, w.join("out/link.tmp")).unwrap();
                std::fs::rename(w.join("out/link.tmp"), w.join("out/swap.txt")).unwrap();
                std::thread::sleep(Duration::from_millis(1));
                swaps += 1;
            }
            swaps
        })
    };
    let (deadline, mut looks, mut read) = (Instant::now() + Duration::from_secs(4), 0, 0);
    // At least 8 looks, however loaded the machine.
    while Instant::now() < deadline || looks < 8 {
        let found = turn(&sshd, || std::thread::sleep(Duration::from_millis(5)));
        for file in &found.files {
            if let Some(facts) = &file.facts {
                assert_ne!(facts.sha256, sha(b"the person's secret\n"), "{file:?}");
                assert_eq!(facts.sha256, sha(b"plain\n"), "{file:?}");
                read += 1;
            }
        }
        looks += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps >= 100, "{looks} looks, {swaps} swaps");
    eprintln!("{looks} looks, {swaps} swaps, {read} files read");
    remote::block_on(async {
        remote::disconnect(&sshd.spec(), &sshd.options()).await;
        Ok::<_, RemoteError>(())
    })
    .unwrap();
    no_master_left(&sshd);
}

#[test]
fn a_changed_remote_file_shows_its_diff_against_the_last_commit() {
    let sshd = Sshd::start();
    git_repo(&sshd.worktree, &[("src/app.ts", "let a = 1;\n")]);
    let file = sshd.worktree.join("src/app.ts");
    let found = turn(&sshd, || {
        std::fs::write(&file, "let a = 1;\nlet b = 2;\n").unwrap();
    });
    assert_eq!(listed(&found), [("src/app.ts", Change::Changed)]);
    let lines = found.files[0].lines.unwrap();
    assert_eq!((lines.added, lines.removed), (1, 0));
    let diff = remote::block_on(async {
        let remote = Remote::connect(&sshd.spec(), &sshd.options()).await?;
        changes_there(&remote, Path::new(&file), 256_000).await
    })
    .unwrap()
    .expect("git shows the change");
    assert!(diff.0.contains("+let b = 2;"), "{}", diff.0);
    assert!(!diff.1, "not cut");
}
