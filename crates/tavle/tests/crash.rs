//! The crash test: the real `tavle` binary takes many concurrent uploads of mixed sizes and
//! is killed with SIGKILL at a random moment, round after round. After every restart each
//! upload that was acknowledged reads back with the same SHA-256, no file is visible that is
//! not whole, and `tavle check` finds nothing missing or damaged.
//!
//! The test command runs a short version (`TAVLE_CRASH_ROUNDS`, default 3, with
//! `TAVLE_CRASH_UPLOADS`, default 60, uploads each); `scripts/crash-test` runs the long one
//! (20 rounds of 200). With `TAVLE_TEST_POSTGRES_URL` it runs on PostgreSQL too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash_harness;

use std::collections::BTreeMap;

use crash_harness::{login, start, wait_ready, Rng};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Mostly small files, some of a megabyte, a few that go up in several parts.
fn size(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0..=69 => 1 + rng.below(64 * 1024) as usize,
        70..=94 => 100_000 + rng.below(1_500_000) as usize,
        _ => 3_000_000 + rng.below(6_000_000) as usize,
    }
}

fn content(seed: u64, len: usize) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&r.next().to_le_bytes());
    }
    out.truncate(len);
    out
}

fn hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Every file in the drive's top folder: name → (sha256 as recorded, bytes as read).
async fn visible(http: &Client, base: &str, root: &str) -> BTreeMap<String, (String, Vec<u8>)> {
    let listing: Value =
        http.get(format!("{base}/api/v1/drive/nodes/{root}/children")).send().await.unwrap().json().await.unwrap();
    let mut out = BTreeMap::new();
    for c in listing["children"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let resp = http.get(format!("{base}/api/v1/drive/nodes/{id}/content")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{c}");
        let bytes = resp.bytes().await.unwrap().to_vec();
        out.insert(c["name"].as_str().unwrap().to_string(), (c["sha256"].as_str().unwrap_or("").to_string(), bytes));
    }
    out
}

fn check(data: &std::path::Path, database: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tavle"));
    cmd.arg("check").arg("--data-dir").arg(data);
    if let Some(url) = database {
        cmd.arg("--database-url").arg(url);
    }
    cmd.env_remove("TAVLE_CRASH_ROUNDS").env_remove("TAVLE_CRASH_UPLOADS");
    let out = cmd.env("TAVLE_LOG", "warn").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "tavle check is not clean:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    text
}

async fn crash_rounds(database: Option<&str>) {
    let rounds = env_number("TAVLE_CRASH_ROUNDS", 3);
    let uploads = env_number("TAVLE_CRASH_UPLOADS", 60);
    let data = tempfile::tempdir().unwrap();
    tavle_blob::install_tls_provider();
    let probe = Client::new();
    // Every upload ever acknowledged: name → SHA-256 of its bytes.
    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    // Every upload ever attempted: name → SHA-256 of what was sent.
    let mut intended: BTreeMap<String, String> = BTreeMap::new();
    // Uploads the kill caught before they were acknowledged.
    let mut cut_off = 0;
    for round in 0..rounds {
        let seed = 0x7a7e_1e00 + round;
        let mut rng = Rng(seed);
        let mut node = start(data.path(), database);
        wait_ready(&probe, &mut node).await;
        let (http, csrf, root) = login(&node.base).await;

        // Everything acknowledged before any crash so far is still there, whole.
        let seen = visible(&http, &node.base, &root).await;
        for (name, sha) in &acknowledged {
            let (recorded, bytes) =
                seen.get(name).unwrap_or_else(|| panic!("round {round}: acknowledged {name} is gone"));
            assert_eq!(recorded, sha, "round {round}: {name} recorded with another hash");
            assert_eq!(&hex(bytes), sha, "round {round}: {name} reads back different bytes");
        }
        for (name, (_, bytes)) in &seen {
            let want = intended.get(name).unwrap_or_else(|| panic!("round {round}: unknown file {name}"));
            assert_eq!(&hex(bytes), want, "round {round}: {name} is visible but not whole");
        }
        check(data.path(), database);

        // Now many uploads at once, and a SIGKILL in the middle of them.
        // The contents first, so that the uploads then start together.
        let files: Vec<(String, Vec<u8>)> = (0..uploads)
            .map(|i| (format!("r{round:02}-{i:03}.bin"), content(seed * 1000 + i, size(&mut rng))))
            .collect();
        let acks = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = tokio::task::JoinSet::new();
        for (name, bytes) in files {
            intended.insert(name.clone(), hex(&bytes));
            let (http, csrf, acks) = (http.clone(), csrf.clone(), acks.clone());
            let url = format!("{}/api/v1/drive/nodes/{root}/files/{name}", node.base);
            tasks.spawn(async move {
                let sha = hex(&bytes);
                if let Ok(resp) = http.put(url).header("x-csrf-token", csrf).body(bytes).send().await {
                    if resp.status() == StatusCode::CREATED {
                        if let Ok(body) = resp.json::<Value>().await {
                            assert_eq!(body["sha256"].as_str(), Some(sha.as_str()));
                            acks.lock().unwrap().push((name, sha));
                        }
                    }
                }
            });
        }
        // Early, in the thick of it, or late: most rounds kill with uploads in flight.
        let delay = match round % 3 {
            0 => 5 + rng.below(60),
            1 => 20 + rng.below(200),
            _ => 100 + rng.below(1500),
        };
        if round % 3 == 0 {
            // Early means as soon as the first upload is acknowledged (or at the delay, if that
            // comes first): the others are then still on their way, however fast the machine.
            let until = std::time::Instant::now() + Duration::from_millis(delay);
            while acks.lock().unwrap().is_empty() && std::time::Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        node.child.kill().unwrap();
        node.child.wait().unwrap();
        while tasks.join_next().await.is_some() {}
        let got = std::mem::take(&mut *acks.lock().unwrap());
        eprintln!("round {round}: killed after {delay} ms; {} of {uploads} uploads acknowledged", got.len());
        cut_off += uploads - got.len() as u64;
        acknowledged.extend(got);
    }
    // A last start: the final round's acknowledged uploads are checked too.
    let mut node = start(data.path(), database);
    wait_ready(&probe, &mut node).await;
    let (http, _, root) = login(&node.base).await;
    let seen = visible(&http, &node.base, &root).await;
    for (name, sha) in &acknowledged {
        assert_eq!(seen.get(name).map(|(_, b)| hex(b)).as_ref(), Some(sha), "acknowledged {name}");
    }
    for (name, (_, bytes)) in &seen {
        assert_eq!(Some(&hex(bytes)), intended.get(name), "{name} is visible but not whole");
    }
    let report = check(data.path(), database);
    assert!(report.contains("clean"), "{report}");
    assert!(!acknowledged.is_empty(), "no upload was ever acknowledged: the test proved nothing");
    assert!(cut_off > 0, "the kill never caught an upload in flight: the test proved little");
    node.child.kill().unwrap();
    node.child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_uploads_survive_sigkill_on_sqlite() {
    crash_rounds(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_uploads_survive_sigkill_on_postgres() {
    let Some(admin) = tavle_store::testing::postgres_url() else { return };
    let url = tavle_store::testing::create_postgres_database(&admin).await.unwrap();
    crash_rounds(Some(&url)).await;
    tavle_store::testing::drop_postgres_database(&admin, &url).await.unwrap();
}
