//! A real OpenID Connect provider for the tests: `oidc-provider` (npm, OpenID-certified) in
//! `tests/peers/oidc/provider.mjs`, started per test on loopback and port 0, with two real
//! issuers ("unilogin" as STIL's broker behaves, "staff" with `amr`), a scripted hostile
//! issuer for forged tokens, and a control address (see that folder's README). It stops
//! when dropped (its stdin closes).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::Api;

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/oidc")
}

/// Installs the provider's packages from the lock file once per test binary (test.sh does it
/// before the suite; this makes a lone `cargo test` work too).
fn installed() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = peer_dir();
        if dir.join("node_modules/oidc-provider/package.json").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .stdout(Stdio::null())
            .status()
            .expect("npm (Node.js) runs");
        assert!(status.success(), "npm ci --prefix {} failed", dir.display());
    });
}

pub struct Provider {
    child: Child,
    _stdin: ChildStdin,
    _config: tempfile::NamedTempFile,
    pub unilogin: String,
    pub staff: String,
    pub hostile: String,
    pub control: String,
    http: reqwest::Client,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client registration at one of the provider's issuers for a municipality's callback.
pub fn client_for(issuer: &str, tavle: &str, tenant: &str, slug: &str, client_id: &str) -> Value {
    json!({
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": "tavle-test-secret-of-at-least-32-characters",
        "redirect_uris": [format!("{tavle}/api/v1/login/oidc/{tenant}/{slug}/callback")],
        "post_logout_redirect_uris": [format!("{tavle}/k/{tenant}")],
        "backchannel_logout_uri": format!("{tavle}/api/v1/login/oidc/{tenant}/{slug}/backchannel-logout"),
    })
}

pub const SECRET: &str = "tavle-test-secret-of-at-least-32-characters";

impl Provider {
    /// Starts the provider with `clients` and `accounts` (see the README's config).
    pub fn start(clients: Vec<Value>, accounts: Value) -> Provider {
        installed();
        let config = json!({ "clients": clients, "accounts": accounts, "quiet": true });
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(config.to_string().as_bytes()).unwrap();
        let mut child = Command::new("node")
            .arg(peer_dir().join("provider.mjs"))
            .arg(file.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let a: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("the provider said {line:?}: {e}"));
        let s = |k: &str| a[k].as_str().unwrap().to_string();
        Provider {
            unilogin: s("unilogin"),
            staff: s("staff"),
            hostile: s("hostile"),
            control: s("control"),
            child,
            _stdin: stdin,
            _config: file,
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        }
    }

    /// Calls the control address (`path` after `/control`).
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let resp = self.http.post(format!("{}{path}", self.control)).json(&body).send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "control {path}: {status} {v}");
        v
    }

    pub async fn control_get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.control)).send().await.unwrap().json().await.unwrap()
    }
}

/// Adds a login service to the municipality an admin is of, and returns its JSON.
pub async fn add_provider(admin: &Api, body: Value) -> Value {
    let (status, p) = admin.call(Method::POST, "/api/v1/login-providers", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p
}

/// What a browser ends with after a login service: where Tavle sent it and the session
/// cookie's client (when it was logged in).
pub struct Landed {
    pub location: String,
    pub api: Api,
}

/// Plays a browser through a login: Tavle's start, the provider's redirects (logging in
/// `login_hint` at once), and Tavle's callback; follows redirects by hand with one cookie jar
/// and stops at Tavle's final answer. `tweak` may change the callback address first.
pub async fn browse_login(
    base: &str,
    start_url: &str,
    login_hint: &str,
    tweak: impl FnOnce(String) -> String,
) -> Landed {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let mut url = format!("{base}{start_url}");
    let mut tweak = Some(tweak);
    for _ in 0..20 {
        let resp = http.get(&url).send().await.unwrap();
        let status = resp.status();
        let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        let Some(next) = location.filter(|_| status.is_redirection()) else {
            panic!("{url} answered {status} without a redirect: {}", resp.text().await.unwrap_or_default());
        };
        let next = if next.starts_with('/') {
            let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
            format!("{origin}{next}")
        } else {
            next
        };
        // The provider's authorization request gets the account to log in as.
        let next = if next.contains("/auth?") && !next.contains("login_hint=") {
            format!("{next}&login_hint={login_hint}")
        } else {
            next
        };
        let next = if next.contains("/callback?") { (tweak.take().unwrap())(next) } else { next };
        if next.starts_with(base) && !next.contains("/api/v1/login/oidc/") {
            let location = next[base.len()..].to_string();
            let api = Api { base: base.to_string(), http: cookie_client(&jar), csrf: String::new() };
            return Landed { location, api };
        }
        url = next;
    }
    panic!("too many redirects from {start_url}");
}

fn cookie_client(jar: &std::sync::Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder().cookie_provider(jar.clone()).build().unwrap()
}
