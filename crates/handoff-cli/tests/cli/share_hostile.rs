//! Share links under attack, on a real Garage and the real `handoff`:
//! shares killed mid-upload leave no parts behind once swept, a file
//! edited behind Handoff's back (same size, old mtime put back) is not
//! shared, a revoke that cannot reach the storage says what is still
//! shared without printing a signed URL, and with the system's random
//! source failing nothing secret is made from the clock.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::agreement::Lcg;
use crate::context::{TestContext, p};
use crate::garage::Garage;
use crate::share::{configure, uploaded, write_noise};

/// Writes `size` incompressible-looking bytes to `src/<name>`; records it
/// as a temp upload; its id.
fn uploaded_large(ctx: &TestContext, name: &str, size: usize) -> String {
    let src = ctx.root.join("src").join(name);
    write_noise(&src, size >> 20);
    let out = ctx
        .run(&[
            "upload",
            "--dest",
            "temp",
            "--max-file-size",
            "1GB",
            "--json",
            p(&src),
        ])
        .expect(0)
        .json();
    out["files"][0]["file"]["id"].to_string()
}

/// Waits (up to 60 s) until Garage lists `count` multipart uploads.
fn wait_for_uploads(garage: &Garage, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = garage.multipart_uploads().len();
        if now >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{now} uploads, not {count}: no upload began"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Starts `handoff share --plain <id>`, waits for its multipart upload to
/// begin, lets it send for a random 0–400 ms and kills it (SIGKILL).
fn kill_mid_share(ctx: &TestContext, garage: &Garage, id: &str, rng: &mut Lcg) {
    let before = garage.multipart_uploads().len();
    let mut child = ctx
        .command(&["share", "--plain", id])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_uploads(garage, before + 1);
    std::thread::sleep(Duration::from_millis(rng.below(400)));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the share ended before it was killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A share of this many bytes takes seconds, so one runs all along a gc.
const SIZE: usize = 512 << 20;

/// Kills five shares of a 512 MiB file at random points of their
/// multipart uploads: each leaves its upload (and the parts it sent) in
/// the bucket, which `handoff gc` then aborts, down to zero, as a real
/// `ListMultipartUploads` says. A share running meanwhile keeps its
/// upload and finishes; two more kills are cleaned by the next share.
/// Before the sweep, five kills of a 300 MB share left 746,586,112 bytes
/// in five uploads that neither gc nor a later share removed.
/// Runs in about 25 s (debug build).
#[test]
fn shares_killed_mid_upload_leave_nothing_once_swept() {
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let big = uploaded_large(&ctx, "big.bin", SIZE);
    let seed = u64::from_le_bytes(rustix_random());
    eprintln!("kill points seeded with {seed}");
    let mut rng = Lcg(seed);
    for _ in 0..5 {
        kill_mid_share(&ctx, &garage, &big, &mut rng);
    }
    let left = garage.multipart_uploads();
    assert_eq!(left.len(), 5, "each kill left its upload: {left:?}");
    assert!(garage.objects().is_empty(), "no share finished");

    // A share in progress while gc runs is not touched.
    let before = garage.multipart_uploads().len();
    let mut running = ctx
        .command(&["share", "--plain", "--json", &big])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_uploads(&garage, before + 1);
    let gc = ctx.run(&["gc", "--json"]).expect(0).json();
    assert_eq!(gc["uploads_aborted"], 5, "{gc}");
    assert!(
        running.try_wait().unwrap().is_none(),
        "the share ran all along the gc"
    );
    let running = crate::context::Run(running.wait_with_output().unwrap()).expect(0);
    let url = running.json()["url"].as_str().unwrap().to_owned();
    let (status, _, body) = crate::garage::fetch(&url);
    assert_eq!((status, body.len()), (200, SIZE), "the running share");
    assert_eq!(garage.multipart_uploads(), Vec::<String>::new());
    // Revoked, so that sharing the file again uploads it again.
    let share_id = running.json()["id"].to_string();
    ctx.run(&["share", "revoke", &share_id]).expect(0);

    // Two more kills; the next share (a small file) sweeps them.
    for _ in 0..2 {
        kill_mid_share(&ctx, &garage, &big, &mut rng);
    }
    assert_eq!(garage.multipart_uploads().len(), 2);
    let small = uploaded(&ctx, "small.txt", b"a few words");
    ctx.run(&["share", &small]).expect(0);
    assert_eq!(garage.multipart_uploads(), Vec::<String>::new());
    assert_eq!(
        ctx.run(&["gc", "--json"]).expect(0).json()["uploads_aborted"],
        0
    );
}

/// Edits an upload's bytes behind Handoff's back, keeping its size and
/// putting its old modification time back, so its size and mtime still
/// match the record: a small file (one request), a 20 MiB one (in parts,
/// the edit in its second part) and an encrypted share are each refused,
/// saying the file changed, and the bucket holds nothing. Before, the
/// link served the edited bytes under the recorded SHA-256.
/// Runs in about 3 s.
#[test]
fn a_same_size_edit_with_its_mtime_put_back_is_not_shared() {
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let small = uploaded(&ctx, "notes.txt", &b"the recorded words\n".repeat(100));
    let large = uploaded_large(&ctx, "large.bin", 20 << 20);
    let files = ctx.run(&["ls", "--json"]).expect(0).json();
    for row in files.as_array().unwrap() {
        let path = row["path"].as_str().unwrap();
        let size = std::fs::metadata(path).unwrap().len();
        // Within the second 8 MiB part of the large file.
        edit_in_place(path, (size / 2).min(9 << 20));
    }
    for args in [
        vec!["share", "--plain", &small],
        vec!["share", "--plain", &large],
        vec!["share", "--encrypt", &small],
    ] {
        let refused = ctx.run(&args).expect(1);
        assert!(
            refused.stderr().contains("changed since it was recorded")
                && refused.stderr().contains("nothing was shared"),
            "{args:?}: {}",
            refused.stderr()
        );
    }
    let in_bucket = garage.objects();
    assert!(in_bucket.is_empty(), "{in_bucket:?}");
    assert!(garage.multipart_uploads().is_empty());
    let listed = ctx.run(&["share", "ls", "--json"]).expect(0).json();
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");
}

/// Flips the byte at `at` of the file at `path`, then puts its
/// modification time back: the same size, the same mtime, other bytes.
fn edit_in_place(path: &str, at: u64) {
    use std::io::{Read, Seek, SeekFrom};
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut byte = [0_u8; 1];
    file.seek(SeekFrom::Start(at)).unwrap();
    file.read_exact(&mut byte).unwrap();
    file.seek(SeekFrom::Start(at)).unwrap();
    file.write_all(&[byte[0] ^ 0x20]).unwrap();
    file.set_times(std::fs::FileTimes::new().set_modified(modified))
        .unwrap();
    drop(file);
    assert_eq!(
        std::fs::metadata(path).unwrap().modified().unwrap(),
        modified
    );
}

/// Revokes a share while the storage is down: refused, saying which file
/// is still shared and for how long, with no URL (a signed one is a
/// credential until it expires) in what is printed; the share stays live
/// and is revoked once the storage is back. Before, it said "nothing was
/// shared" and printed the signed DELETE URL. Runs in about 2 s.
#[test]
fn a_revoke_that_cannot_reach_the_storage_says_what_is_still_shared() {
    let mut garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let id = uploaded(&ctx, "Q3 report.pdf", b"%PDF-1.4\n% the numbers\n");
    let shared = ctx
        .run(&["share", "--json", &id, "--expires", "24h"])
        .expect(0);
    let share_id = shared.json()["id"].to_string();
    garage.kill();

    let revoke = ctx.run(&["share", "revoke", &share_id]).expect(1);
    let said = revoke.stderr();
    assert!(
        said.contains(&format!("Q3 report.pdf is still shared (share {share_id})")),
        "{said}"
    );
    assert!(said.contains("another 24 h"), "{said}");
    assert!(said.contains("cannot reach the storage"), "{said}");
    assert!(!said.contains("nothing was shared"), "{said}");
    for secret in ["X-Amz", "Signature", "Credential", "?", "/handoff-shares/"] {
        assert!(!said.contains(secret), "{secret:?} in: {said}");
    }
    let gc = ctx.run(&["gc"]).expect(0);
    for secret in ["X-Amz", "Signature", "?"] {
        assert!(
            !gc.stderr().contains(secret),
            "{secret:?} in: {}",
            gc.stderr()
        );
    }
    let listed = ctx.run(&["share", "ls", "--json"]).expect(0).json();
    assert_eq!(listed[0]["live"], true, "{listed}");
}

/// With `getrandom` refused to the process (a seccomp filter, as a
/// sandbox may have), a session gets no publish token and a file no share
/// link: each says the random source failed, and nothing reaches the
/// bucket. Before, the token was the time in ms and the pid, and the
/// object key the same. Runs in about 2 s.
#[cfg(target_arch = "x86_64")]
#[test]
fn without_the_system_random_source_no_secret_is_made() {
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let id = uploaded(&ctx, "secret.txt", b"for one person only");
    for (args, what) in [
        (
            vec!["session", "new", "--worktree", p(&ctx.worktree)],
            "session",
        ),
        (vec!["share", "--plain", id.as_str()], "share"),
        (vec!["share", "--encrypt", id.as_str()], "encrypted share"),
    ] {
        let out = Command::new("python3")
            .args(["-c", REFUSE_GETRANDOM, env!("CARGO_BIN_EXE_handoff")])
            .args(&args)
            .current_dir(&ctx.worktree)
            .envs(
                ctx.command(&[])
                    .get_envs()
                    .filter_map(|(k, v)| Some((k, v?))),
            )
            .output()
            .expect("python3 runs");
        let out = crate::context::Run(out).expect(1);
        assert!(
            out.stderr().contains("the system's random source failed"),
            "{what}: {}",
            out.stderr()
        );
    }
    assert!(garage.objects().is_empty(), "{:?}", garage.objects());
    let listed = ctx.run(&["share", "ls", "--json"]).expect(0).json();
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");
    let sessions = ctx.run(&["session", "ls", "--json"]).expect(0).json();
    assert!(sessions.as_array().unwrap().is_empty(), "{sessions}");
}

/// Runs the program in `argv[1:]` with `getrandom(2)` failing with `ENOSYS`
/// (a seccomp filter on x86-64, installed through ctypes, then exec). The
/// standard library then reads `/dev/urandom` for its hash seeds; Handoff
/// must refuse to make a secret.
#[cfg(target_arch = "x86_64")]
const REFUSE_GETRANDOM: &str = r#"
import ctypes, os, struct, sys
def op(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k)
LOAD, JEQ, RET = 0x20, 0x15, 0x06
program = b"".join([
    op(LOAD, 4),                       # the architecture
    op(JEQ, 0xC000003E, 0, 3),         # x86-64, else allow
    op(LOAD, 0),                       # the system call
    op(JEQ, 318, 0, 1),                # getrandom
    op(RET, 0x00050000 | 38),          # fails with ENOSYS
    op(RET, 0x7FFF0000),               # anything else is allowed
])
class Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(38, 1, 0, 0, 0) == 0, "PR_SET_NO_NEW_PRIVS"
assert libc.prctl(22, 2, ctypes.byref(Program(len(program) // 8, program)), 0, 0) == 0, "PR_SET_SECCOMP"
os.execv(sys.argv[1], sys.argv[1:])
"#;

fn rustix_random() -> [u8; 8] {
    let mut seed = [0_u8; 8];
    rustix::rand::getrandom(&mut seed, rustix::rand::GetRandomFlags::empty()).unwrap();
    seed
}
