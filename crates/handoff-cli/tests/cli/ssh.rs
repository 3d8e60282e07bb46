//! Remote worktrees through a real OpenSSH server (see [`crate::sshd`]).
//! What can go wrong says what to do.

use handoff_core::ErrorKind;
use handoff_core::remote::{self, Remote, RemoteError};

use crate::sshd::{Sshd, free_port, keygen, no_master_left};

async fn refused(sshd: &Sshd) -> RemoteError {
    match Remote::connect(&sshd.spec(), &sshd.options()).await {
        Ok(_) => panic!("connected"),
        Err(e) => e,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_worktree_is_reached_through_the_named_ssh_config() {
    let sshd = Sshd::start();
    let remote = Remote::connect(&sshd.spec(), &sshd.options())
        .await
        .unwrap();
    assert_eq!(remote.spec().host(), "devbox");
    let listed = remote.sftp().fs().metadata(&sshd.worktree).await.unwrap();
    assert!(listed.file_type().unwrap().is_dir());
    remote::disconnect(&sshd.spec(), &sshd.options()).await;
    no_master_left(&sshd);
}

/// One master per machine, kept: every later connect goes through it (the
/// server holds one connection however many operations run, 8 of them at
/// once), a master that died is replaced on the next connect, and
/// `disconnect` ends it.
#[tokio::test(flavor = "multi_thread")]
async fn one_kept_master_serves_every_operation_and_a_dead_one_is_replaced() {
    let sshd = Sshd::start();
    let (spec, options) = (sshd.spec(), sshd.options());
    let first = Remote::connect(&spec, &options).await.unwrap();
    let socket = first.session().control_socket().to_owned();
    let mut many = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (spec, options) = (spec.clone(), options.clone());
        many.spawn(async move {
            let remote = Remote::connect(&spec, &options).await.unwrap();
            let meta = remote.sftp().fs().metadata(&spec.path).await.unwrap();
            assert!(meta.file_type().unwrap().is_dir());
            remote.session().control_socket().to_owned()
        });
    }
    for reached in many.join_all().await {
        assert_eq!(reached, socket, "the same master");
    }
    assert_eq!(sshd.connections(), 1, "one connection at the server");

    // The master dies (as when the laptop sleeps): the next connect opens
    // a new one instead of failing.
    let exited = std::process::Command::new("ssh")
        .args(["-F", "/dev/null", "-O", "exit", "-S"])
        .arg(&socket)
        .arg("devbox")
        .output()
        .unwrap();
    assert!(exited.status.success(), "{exited:?}");
    drop(first);
    let again = Remote::connect(&spec, &options).await.unwrap();
    assert_ne!(again.session().control_socket(), socket);
    assert!(again.sftp().fs().metadata(&spec.path).await.is_ok());
    drop(again);

    remote::disconnect(&spec, &options).await;
    no_master_left(&sshd);
    assert!(sshd.wait_idle(), "left under sshd: {:?}", sshd.served());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_host_key_is_refused_and_says_how_to_check() {
    let sshd = Sshd::start();
    keygen(&sshd.path("other_key"));
    let other = std::fs::read_to_string(sshd.path("other_key.pub")).unwrap();
    std::fs::write(
        sshd.path("known_hosts"),
        format!("[127.0.0.1]:{} {other}", sshd.port),
    )
    .unwrap();
    let error = refused(&sshd).await;
    assert!(matches!(error, RemoteError::HostKey { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::RemoteHostKey);
    assert!(
        error.to_string().contains("ssh-keygen -R devbox"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_says_where_the_key_goes() {
    let sshd = Sshd::start();
    std::fs::write(sshd.path("authorized_keys"), "").unwrap();
    let error = refused(&sshd).await;
    assert!(matches!(error, RemoteError::Auth { .. }), "{error:?}");
    assert!(error.to_string().contains("authorized_keys"), "{error}");
    no_master_left(&sshd);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_that_does_not_answer_is_said_so() {
    let sshd = Sshd::start();
    sshd.write_config(free_port());
    let error = refused(&sshd).await;
    assert!(
        matches!(error, RemoteError::Unreachable { .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::RemoteUnreachable);
    no_master_left(&sshd);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worktree_missing_on_the_remote_is_named() {
    let sshd = Sshd::start();
    std::fs::remove_dir(&sshd.worktree).unwrap();
    let error = refused(&sshd).await;
    assert!(matches!(error, RemoteError::NoFolder { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("remote-worktree on devbox is not a folder"),
        "{error}"
    );
}

/// `handoff remote test` says a worktree is reachable, or what to do.
#[test]
fn handoff_remote_test_says_whether_a_worktree_is_reachable() {
    let sshd = Sshd::start();
    let ctx = crate::context::TestContext::new();
    let spec = format!("devbox:{}", sshd.worktree.display());
    let run = |spec: &str| {
        ctx.command(&["remote", "test", spec])
            .env("HANDOFF_SSH_CONFIG", sshd.path("ssh_config"))
            .output()
            .unwrap()
    };
    let ok = run(&spec);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        format!("{spec}: reachable, the folder is there\n")
    );
    let missing = run("devbox:/no/such/folder");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("/no/such/folder on devbox is not a folder"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let local = run("/a/local/folder");
    assert_eq!(local.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&local.stderr).contains("is not a remote worktree"));
    no_master_left(&sshd);
}

/// The `ssh_config` setting names the config file remote worktrees are
/// reached with (`HANDOFF_SSH_CONFIG` wins when set); a relative path is
/// refused with what to give instead.
#[test]
fn the_ssh_config_setting_names_the_config_file() {
    let sshd = Sshd::start();
    let ctx = crate::context::TestContext::new();
    let spec = format!("devbox:{}", sshd.worktree.display());
    let refused = ctx
        .run(&["settings", "set", "ssh_config", "work_config"])
        .expect(1);
    assert!(
        refused
            .stderr()
            .contains("The SSH config file cannot be “work_config”: the full path"),
        "{}",
        refused.stderr()
    );
    let unknown = ctx.run(&["remote", "test", &spec]).expect(1);
    assert!(unknown.stderr().contains("devbox"), "{}", unknown.stderr());
    let config = sshd.path("ssh_config");
    ctx.run(&["settings", "set", "ssh_config", config.to_str().unwrap()])
        .expect(0);
    let reached = ctx.run(&["remote", "test", &spec]).expect(0);
    assert!(
        reached.stdout().contains("reachable"),
        "{}",
        reached.stdout()
    );
    no_master_left(&sshd);
}
