//! A real OpenSSH server for tests and benchmarks: started on 127.0.0.1
//! and a free port, with a host key and a user key made for each run and a
//! client config of its own (`ssh -F`, naming it `devbox`), so nothing
//! touches the person's own SSH set-up.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use handoff_core::remote::{ConnectOptions, RemoteSpec};
use tempfile::TempDir;

/// An `sshd` of this test's own, and a client config naming it `devbox`.
pub struct Sshd {
    dir: TempDir,
    child: Child,
    pub port: u16,
    /// The folder the remote worktree is, reached only over SSH.
    pub worktree: PathBuf,
}

pub fn keygen(path: &Path) {
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs");
    assert!(made.success());
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sshd {
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sshd")
            .tempdir_in("/tmp")
            .unwrap();
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("id"));
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
        let port = free_port();
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\nLogLevel ERROR\n\
                 SetEnv TMPDIR={d}/remote-tmp\n",
                d = d.display()
            ),
        )
        .unwrap();
        let child = spawn_sshd(d, port);
        let host_key = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
        std::fs::write(
            d.join("known_hosts"),
            format!("[127.0.0.1]:{port} {host_key}"),
        )
        .unwrap();
        let worktree = d.join("remote-worktree");
        std::fs::create_dir(&worktree).unwrap();
        std::fs::create_dir(d.join("remote-tmp")).unwrap();
        let sshd = Self {
            dir,
            child,
            port,
            worktree,
        };
        sshd.write_config(port);
        sshd
    }

    /// Kills the server and every connection it serves, at once (a
    /// connection's processes leave the server's process group, so they are
    /// found as its descendants).
    pub fn kill(&mut self) {
        let mut pids = descendants(self.child.id());
        pids.push(self.child.id());
        for pid in pids {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port, with the same keys.
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn_sshd(self.dir.path(), self.port);
    }

    /// The processes the server runs for connections (and what they run).
    pub fn served(&self) -> Vec<u32> {
        descendants(self.child.id())
    }

    /// How many connections the server holds (one process each, directly
    /// under the listener).
    pub fn connections(&self) -> usize {
        let listener = self.child.id();
        parents()
            .iter()
            .filter(|(_, parent)| *parent == listener)
            .count()
    }

    /// Waits until the server runs nothing for any connection.
    pub fn wait_idle(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.served().is_empty() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The remote's temp folder (`TMPDIR` in its sessions).
    pub fn remote_tmp(&self) -> PathBuf {
        self.path("remote-tmp")
    }

    /// The client config: `devbox` is this server, reached on `port`.
    pub fn write_config(&self, port: u16) {
        let d = self.dir.path();
        let user =
            String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        std::fs::write(
            d.join("ssh_config"),
            format!(
                "Host devbox\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {d}/id\n  \
                 IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  StrictHostKeyChecking yes\n  \
                 BatchMode yes\n",
                user = user.trim(),
                d = d.display()
            ),
        )
        .unwrap();
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            ssh_config: Some(self.path("ssh_config")),
            control_dir: self.dir.path().to_owned(),
            timeout: Duration::from_secs(10),
        }
    }

    /// The remote worktree `devbox:<worktree>`.
    pub fn spec(&self) -> RemoteSpec {
        RemoteSpec::parse(&format!("devbox:{}", self.worktree.display()))
            .unwrap()
            .unwrap()
    }

    /// The `ssh` masters still running with a control socket here.
    pub fn masters(&self) -> usize {
        let out = Command::new("pgrep")
            .args(["-f", &self.dir.path().display().to_string()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|pid| pid.trim().parse::<u32>().ok() != Some(self.child.id()))
            .count()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Every process below `pid` in the process tree.
fn descendants(pid: u32) -> Vec<u32> {
    let parents = parents();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// Every process and its parent.
fn parents() -> Vec<(u32, u32)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let child: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // The parent is the second field after the parenthesised name.
            let parent = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((child, parent))
        })
        .collect()
}

/// Starts `sshd` with the config in `dir`, in a process group of its own
/// (its per-connection children end with it), and waits until it listens.
fn spawn_sshd(dir: &Path, port: u16) -> Child {
    // As root, sshd wants its privilege-separation folder.
    if rustix::process::geteuid().is_root() {
        std::fs::create_dir_all("/run/sshd").unwrap();
    }
    let child = Command::new("/usr/sbin/sshd")
        .process_group(0)
        .args(["-D", "-e", "-f"])
        .arg(dir.join("sshd_config"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
        .spawn()
        .expect("sshd starts (apt install openssh-server)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// Waits until no `ssh` master of this server's tests runs.
pub fn no_master_left(sshd: &Sshd) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while sshd.masters() > 0 {
        assert!(Instant::now() < deadline, "an ssh master is left running");
        std::thread::sleep(Duration::from_millis(50));
    }
}
