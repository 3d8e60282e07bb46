//! Share links through a real S3-compatible server (Garage, see
//! [`crate::garage`]): the link serves the same bytes with the file's type
//! and name, sharing again reuses the object, revoking stops the link at
//! once, an encrypted share leaves only ciphertext in the bucket, an
//! expired link is refused by the store and swept, and what goes wrong
//! says what to do, leaving the local file as it was.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

use crate::context::{Run, TestContext, p};
use crate::garage::{Garage, REGION, fetch, percent_decode};

/// Points `ctx`'s Handoff at `garage` and keeps its key.
pub fn configure(ctx: &TestContext, garage: &Garage) {
    for (key, value) in [
        ("share_endpoint", garage.endpoint.as_str()),
        ("share_region", REGION),
        ("share_bucket", garage.bucket.as_str()),
    ] {
        ctx.run(&["settings", "set", key, value]).expect(0);
    }
    keep_key(ctx, &garage.key_id, &garage.secret);
}

fn keep_key(ctx: &TestContext, id: &str, secret: &str) {
    let mut child = ctx
        .command(&["share", "key", "--id", id])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{secret}").unwrap();
    let out = Run(child.wait_with_output().unwrap()).expect(0);
    assert!(
        out.stdout().contains("a file only you can read"),
        "{}",
        out.stdout()
    );
}

/// Uploads `bytes` as `name` (temp destination); the file's id.
pub fn uploaded(ctx: &TestContext, name: &str, bytes: &[u8]) -> String {
    let src = ctx.source(name, bytes);
    let out = ctx
        .run(&["upload", "--dest", "temp", "--json", p(&src)])
        .expect(0)
        .json();
    out["files"][0]["file"]["id"].to_string()
}

fn share(ctx: &TestContext, args: &[&str]) -> Value {
    let mut all = vec!["share", "--json"];
    all.extend_from_slice(args);
    ctx.run(&all).expect(0).json()
}

#[test]
fn a_shared_file_is_a_link_that_works_until_revoked() {
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let tested = ctx.run(&["share", "test"]).expect(0);
    assert!(
        tested.stdout().contains("the key is accepted"),
        "{}",
        tested.stdout()
    );
    let bytes = b"%PDF-1.4\n% a report, shared\n".repeat(1000);
    let id = uploaded(&ctx, "Q3 report (final).pdf", &bytes);

    let shared = share(&ctx, &[&id, "--expires", "1h"]);
    let url = shared["url"].as_str().unwrap();
    let (status, headers, body) = fetch(url);
    assert_eq!(status, 200, "{headers}");
    assert_eq!(body, bytes, "the same bytes");
    assert!(
        headers.contains("content-type: application/pdf"),
        "{headers}"
    );
    assert!(
        headers.contains("filename*=utf-8''q3%20report%20%28final%29.pdf"),
        "{headers}"
    );
    let in_hour = shared["expiresAt"].as_i64().unwrap() - shared["createdAt"].as_i64().unwrap();
    assert_eq!(in_hour, 3_600_000);

    // Shared again while its link lives: a new link to the same object,
    // nothing uploaded again.
    let again = share(&ctx, &[&id, "--expires", "7d"]);
    assert_ne!(again["id"], shared["id"]);
    assert_eq!(again["objectKey"], shared["objectKey"]);
    assert_eq!(fetch(again["url"].as_str().unwrap()).2, bytes);

    let listed = ctx.run(&["share", "ls", "--json"]).expect(0).json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["filename"], "Q3 report (final).pdf");
    assert_eq!(listed[1]["live"], true);

    let share_id = shared["id"].to_string();
    ctx.run(&["share", "revoke", &share_id]).expect(0);
    for link in [url, again["url"].as_str().unwrap()] {
        let (status, _, _) = fetch(link);
        assert!(
            status == 404 || status == 403,
            "the link stops at once: {status}"
        );
    }
    let listed = ctx.run(&["share", "ls", "--json"]).expect(0).json();
    for row in listed.as_array().unwrap() {
        assert_eq!(row["live"], false);
        assert!(row["revokedAt"].is_i64());
    }
    let twice = ctx.run(&["share", "revoke", &share_id]).expect(1);
    assert!(
        twice.stderr().contains("already revoked"),
        "{}",
        twice.stderr()
    );
}

/// The bucket holds ciphertext only: no PNG header, no marker; the link
/// opens the viewer page (strict CSP, no other origin) with the key in the
/// fragment; the object decrypts to the original with that key.
#[test]
fn an_encrypted_share_leaves_only_ciphertext_in_the_bucket() {
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let marker = b"HANDOFF-SECRET-MARKER-7f3a";
    let mut png = crate::agents::PNG.to_vec();
    png.extend_from_slice(marker);
    let id = uploaded(&ctx, "secret.png", &png);

    let shared = share(&ctx, &[&id, "--encrypt"]);
    assert_eq!(shared["encrypted"], true);
    let url = shared["url"].as_str().unwrap();
    let (page, fragment) = url.split_once('#').unwrap();
    let (status, headers, html) = fetch(page);
    assert_eq!(status, 200);
    assert!(headers.contains("content-type: text/html"), "{headers}");
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("default-src 'none'"), "a strict CSP");
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "no other origin"
    );

    let params: std::collections::BTreeMap<String, String> = fragment
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), percent_decode(v))
        })
        .collect();
    assert!(params["k"].starts_with("AGE-SECRET-KEY-1"));
    assert_eq!(params["n"], "secret.png");
    assert_eq!(params["t"], "image/png");
    assert!(
        params["u"].starts_with(&garage.endpoint),
        "the object is the bucket's"
    );
    let (status, _, sealed) = fetch(&params["u"]);
    assert_eq!(status, 200);
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    assert!(!contains(&sealed, marker), "no plaintext marker");
    assert!(!contains(&sealed, b"\x89PNG"), "no PNG header");
    let identity: age::x25519::Identity = params["k"].parse().unwrap();
    let opened = age::decrypt(&identity, &sealed).unwrap();
    assert_eq!(opened, png, "decrypts to the original");
}

/// A store that does not answer, a wrong secret, a missing bucket: each
/// says so; nothing is recorded and the local file is untouched.
#[test]
fn what_goes_wrong_with_the_storage_says_what_to_do() {
    let mut garage = Garage::start();
    let ctx = TestContext::new();
    let not_set = ctx.run(&["share", "test"]).expect(1);
    assert!(
        not_set.stderr().contains("sharing is not set up"),
        "{}",
        not_set.stderr()
    );
    configure(&ctx, &garage);
    let id = uploaded(&ctx, "notes.txt", b"keep me");

    keep_key(&ctx, &garage.key_id, "not-the-secret");
    let wrong = ctx.run(&["share", "test"]).expect(1);
    assert!(
        wrong.stderr().contains("check the key id and its secret"),
        "{}",
        wrong.stderr()
    );
    assert!(
        wrong.stderr().contains("refused the access key"),
        "{}",
        wrong.stderr()
    );
    keep_key(&ctx, &garage.key_id, &garage.secret);

    ctx.run(&["settings", "set", "share_bucket", "no-such-bucket"])
        .expect(0);
    let missing = ctx.run(&["share", "test"]).expect(1);
    assert!(
        missing
            .stderr()
            .contains("the bucket no-such-bucket does not exist"),
        "{}",
        missing.stderr()
    );
    ctx.run(&["settings", "set", "share_bucket", &garage.bucket])
        .expect(0);

    garage.kill();
    let down = ctx.run(&["share", &id]).expect(1);
    assert!(
        down.stderr()
            .contains("cannot reach the storage at http://127.0.0.1:"),
        "{}",
        down.stderr()
    );
    assert!(
        down.stderr().contains("nothing was shared"),
        "{}",
        down.stderr()
    );
    let listed = ctx.run(&["share", "ls", "--json"]).expect(0).json();
    assert!(listed.as_array().unwrap().is_empty());
    let files = ctx.run(&["ls", "--json"]).expect(0).json();
    let path = files[0]["path"].as_str().unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"keep me");
}

/// A file edited after it was recorded is not shared under the recorded
/// revision: the person is told, nothing goes to the bucket.
#[test]
fn a_file_changed_since_it_was_recorded_is_not_shared() {
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let id = uploaded(&ctx, "draft.md", b"first words");
    let files = ctx.run(&["ls", "--json"]).expect(0).json();
    let path = files[0]["path"].as_str().unwrap().to_owned();
    std::fs::write(&path, b"other, longer words").unwrap();
    let refused = ctx.run(&["share", &id]).expect(1);
    assert!(
        refused
            .stderr()
            .contains("draft.md changed since it was recorded"),
        "{}",
        refused.stderr()
    );
    let listed = ctx.run(&["share", "ls", "--json"]).expect(0).json();
    assert!(listed.as_array().unwrap().is_empty());
}

/// A link signed two hours ago for one hour is refused by the store; the
/// sweep deletes its object, and a later share makes a new one.
#[test]
fn an_expired_link_is_refused_and_its_object_swept() {
    use handoff_core::share::{self, ShareRequest};
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let id: i64 = uploaded(&ctx, "old.txt", b"old news").parse().unwrap();
    let home = handoff_core::home::Home::at(ctx.root.join("data"));
    let mut store = handoff_core::Store::open_home(&home).unwrap();
    let storage = share::storage(&home, &store.settings().load().unwrap()).unwrap();
    let now = handoff_core::clock::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let request = ShareRequest {
        file_id: id,
        life: std::time::Duration::from_secs(3600),
        encrypt: false,
    };
    let old = runtime
        .block_on(share::share(
            &mut store,
            &storage,
            &request,
            now - 7_200_000,
            &|_| {},
        ))
        .unwrap();
    let (status, _, body) = fetch(&old.url);
    let said = String::from_utf8_lossy(&body);
    assert!(status == 400 || status == 403, "{status}: {said}");
    assert!(
        said.contains("expired") || said.contains("too old"),
        "{said}"
    );

    let swept = runtime
        .block_on(share::sweep(&mut store, &storage, now))
        .unwrap();
    assert_eq!(swept.objects, 1);
    assert!(!runtime.block_on(storage.exists(&old.object_key)).unwrap());
    assert!(store.shares().get(old.id).unwrap().deleted_at.is_some());

    let fresh = runtime
        .block_on(share::share(&mut store, &storage, &request, now, &|_| {}))
        .unwrap();
    assert_ne!(fresh.object_key, old.object_key);
    assert_eq!(fetch(&fresh.url).2, b"old news");
}

/// Writes `mib` MiB of bytes that do not compress (xorshift) to `path`.
pub(crate) fn write_noise(path: &std::path::Path, mib: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut block = vec![0_u8; 1 << 20];
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..mib {
        for chunk in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        out.write_all(&block).unwrap();
    }
    out.flush().unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A 1 GiB share streams: the file goes up in parts read one at a time
/// (plain) or through an encrypted temp copy (end-to-end), and the process
/// never holds more than 64 MB; the object is the file, byte for byte.
#[test]
fn a_1_gib_share_streams_in_under_64_mb() {
    use sha2::{Digest, Sha256};
    let garage = Garage::start();
    let ctx = TestContext::new();
    configure(&ctx, &garage);
    let src = ctx.root.join("src/big.bin");
    write_noise(&src, 1024);
    let uploaded = ctx
        .run(&[
            "upload",
            "--dest",
            "temp",
            "--max-file-size",
            "2GB",
            "--json",
            p(&src),
        ])
        .expect(0)
        .json();
    let id = uploaded["files"][0]["file"]["id"].to_string();
    let sha = uploaded["files"][0]["file"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    for how in ["--plain", "--encrypt"] {
        let started = std::time::Instant::now();
        let measured = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(env!("CARGO_BIN_EXE_handoff"))
            .args(["share", "--json", how, &id])
            .envs(
                ctx.command(&[])
                    .get_envs()
                    .filter_map(|(k, v)| Some((k, v?))),
            )
            .current_dir(&ctx.worktree)
            .output()
            .unwrap();
        let out = Run(measured).expect(0);
        let peak_kib: u64 = out.stderr().trim().lines().last().unwrap().parse().unwrap();
        eprintln!(
            "share {how} of 1 GiB: peak RSS {} MB, {:.1} s",
            peak_kib / 1024,
            started.elapsed().as_secs_f64()
        );
        assert!(peak_kib < 64 * 1024, "{how}: peak RSS {peak_kib} KiB");
        if how == "--plain" {
            let url = out.json()["url"].as_str().unwrap().to_owned();
            let body = ctx.root.join("fetched.bin");
            let got = std::process::Command::new("curl")
                .args(["-s", "-f", "-o"])
                .arg(&body)
                .arg(&url)
                .status()
                .unwrap();
            assert!(got.success());
            let mut hasher = Sha256::new();
            std::io::copy(&mut std::fs::File::open(&body).unwrap(), &mut hasher).unwrap();
            assert_eq!(
                format!("{:x}", hasher.finalize()),
                sha,
                "the object is the file"
            );
            std::fs::remove_file(&body).unwrap();
        }
    }
}
