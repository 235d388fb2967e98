//! What the crash tests share: the real `tavle` binary started as `tavle demo` on a data
//! directory (and a PostgreSQL database when given), waited for, logged into as elev1; and a
//! small deterministic generator, so a failing round can be repeated from its seed.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // Shared by several test binaries.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;

/// A small deterministic generator, so a failing round can be repeated from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Node {
    pub child: Child,
    pub base: String,
    pub log: std::path::PathBuf,
}

pub fn start(data: &std::path::Path, database: Option<&str>) -> Node {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tavle"));
    cmd.arg("demo").arg("--data-dir").arg(data).arg("--listen").arg(format!("127.0.0.1:{port}"));
    if let Some(url) = database {
        cmd.arg("--database-url").arg(url);
    }
    // The test's own settings are not Tavle's (which refuses unknown TAVLE_ variables).
    cmd.env_remove("TAVLE_CRASH_ROUNDS").env_remove("TAVLE_CRASH_UPLOADS");
    let log = std::fs::File::create(data.join("tavle.log")).unwrap();
    let child = cmd.env("TAVLE_LOG", "warn").stdout(Stdio::null()).stderr(log).spawn().unwrap();
    Node { child, base: format!("http://127.0.0.1:{port}"), log: data.join("tavle.log") }
}

pub async fn wait_ready(http: &Client, node: &mut Node) {
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{}/readyz", node.base)).send().await {
            if r.status() == StatusCode::OK {
                return;
            }
        }
        if node.child.try_wait().unwrap().is_some() {
            panic!("tavle exited while starting:\n{}", std::fs::read_to_string(&node.log).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tavle did not become ready");
}

/// A logged-in client: the cookie jar, the CSRF token and the root of elev1's drive.
pub async fn login(base: &str) -> (Client, String, String) {
    let http = Client::builder().cookie_store(true).build().unwrap();
    let resp = http
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": "elev1", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csrf = resp.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_string();
    let spaces: Value = http.get(format!("{base}/api/v1/drive/spaces")).send().await.unwrap().json().await.unwrap();
    (http, csrf, spaces[0]["root_id"].as_str().unwrap().to_string())
}
