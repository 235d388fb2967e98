//! The test harness: boots the real server in-process on port 0 with its own database and a
//! clock the test controls, and a typed HTTP client for it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // Shared by several test binaries.

/// A test run on SQLite, and on PostgreSQL when the suite is given one (CI always is): the
/// test is an `async fn(postgres: bool)` of the same name.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(false).await;
            }
            #[tokio::test]
            async fn postgres() {
                if tavle_store::testing::postgres_url().is_some() {
                    super::$name(true).await;
                }
            }
        }
    };
}

pub mod oidc;

use std::sync::Arc;

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use tavle::config::Config;
use tavle::server::{self, Running};
use tavle_core::{FixedClock, Timestamp};

pub struct TestServer {
    pub base: String,
    pub clock: Arc<FixedClock>,
    pub running: Option<Running>,
    pub cfg: Config,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

/// 2026-11-02 08:00 UTC, a Monday of the school year.
pub const START: Timestamp = Timestamp(1_793_606_400_000);

impl TestServer {
    /// A server on SQLite in a temporary directory.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}, false).await
    }

    /// A server on the backend of choice, with configuration changes.
    pub async fn start_with(tweak: impl FnOnce(&mut Config), postgres: bool) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config { listen: "127.0.0.1:0".into(), data_dir: dir.path().to_path_buf(), ..Config::default() };
        let mut pg = None;
        if postgres {
            let admin = tavle_store::testing::postgres_url().expect("TAVLE_TEST_POSTGRES_URL");
            let url = tavle_store::testing::create_postgres_database(&admin).await.unwrap();
            cfg.database_url = Some(url.clone());
            pg = Some((admin, url));
        }
        tweak(&mut cfg);
        let clock = Arc::new(FixedClock::new(START));
        let app = server::open_app(&cfg, clock.clone()).await.unwrap();
        app.seed_demo().await.unwrap();
        let running = server::start(&cfg, app).await.unwrap();
        TestServer { base: format!("http://{}", running.addr), clock, running: Some(running), cfg, _dir: dir, pg }
    }

    /// A second node on the same database (PostgreSQL), with its own clock at the same time.
    pub async fn another_node(&self) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        // Nodes share the database and the blob store.
        let blob_dir = Some(self.cfg.blob_dir.clone().unwrap_or_else(|| self.cfg.data_dir.join("blobs")));
        let cfg = Config { data_dir: dir.path().to_path_buf(), blob_dir, ..self.cfg.clone() };
        let clock = Arc::new(FixedClock::new(tavle_core::Clock::now(self.clock.as_ref())));
        let app = server::open_app(&cfg, clock.clone()).await.unwrap();
        let running = server::start(&cfg, app).await.unwrap();
        TestServer { base: format!("http://{}", running.addr), clock, running: Some(running), cfg, _dir: dir, pg: None }
    }

    pub fn app(&self) -> &tavle_app::App {
        &self.running.as_ref().unwrap().app
    }

    pub fn anonymous(&self) -> Api {
        Api { base: self.base.clone(), http: client(), csrf: String::new() }
    }

    /// Logs in and returns a client holding the session cookie and CSRF token.
    pub async fn login(&self, username: &str, password: &str) -> Api {
        let mut api = self.anonymous();
        let (status, body) = api
            .call(
                Method::POST,
                "/api/v1/session",
                Some(serde_json::json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        api.csrf = body["csrf_token"].as_str().unwrap().to_string();
        api
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
        if let Some((admin, url)) = self.pg.take() {
            tavle_store::testing::drop_postgres_database(&admin, &url).await.unwrap();
        }
    }
}

/// A client without a cookie store.
pub fn plain_client() -> Client {
    tavle_blob::install_tls_provider();
    Client::new()
}

fn client() -> Client {
    tavle_blob::install_tls_provider();
    Client::builder().cookie_store(true).build().unwrap()
}

/// A client of one caller.
pub struct Api {
    pub base: String,
    pub http: Client,
    pub csrf: String,
}

impl Api {
    /// Sends a request (with the CSRF header) and returns the status and the JSON body
    /// (`Value::Null` when the body is empty or not JSON).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.base, path)).header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    /// Posts raw bytes (a file upload) and returns the status and the JSON body.
    pub async fn upload(&self, path: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A request with the CSRF header, for tests that set their own headers.
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{}", self.base, path)).header("x-csrf-token", &self.csrf)
    }

    /// Starts a tus upload of `length` bytes as `name` into the folder `folder` (a node id),
    /// as a tus client does; the answer's `Location` names the upload.
    pub async fn start_tus(&self, folder: &str, name: &str, length: u64) -> reqwest::Response {
        self.req(Method::POST, "/api/v1/drive/uploads")
            .header("tus-resumable", "1.0.0")
            .header("upload-length", length.to_string())
            .header("upload-metadata", tus_metadata(folder, name))
            .send()
            .await
            .unwrap()
    }

    /// Uploads `bytes` as the file `name` into the folder `folder` (a node id).
    pub async fn put_file(&self, folder: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let name = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
        let resp = self
            .req(Method::PUT, &format!("/api/v1/drive/nodes/{folder}/files/{name}"))
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The top folder of the caller's own drive.
    pub async fn home(&self) -> String {
        let (status, spaces) = self.get("/api/v1/drive/spaces").await;
        assert_eq!(status, StatusCode::OK, "{spaces}");
        spaces[0]["root_id"].as_str().unwrap().to_string()
    }

    /// Creates the folder `name` in `parent` and returns its id.
    pub async fn new_folder(&self, parent: &str, name: &str) -> String {
        let (status, f) = self
            .call(
                Method::POST,
                &format!("/api/v1/drive/nodes/{parent}/folders"),
                Some(serde_json::json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{f}");
        f["id"].as_str().unwrap().to_string()
    }

    /// Downloads a file's contents.
    pub async fn file_bytes(&self, node: &str) -> (StatusCode, Vec<u8>) {
        let resp = self.req(Method::GET, &format!("/api/v1/drive/nodes/{node}/content")).send().await.unwrap();
        (resp.status(), resp.bytes().await.unwrap().to_vec())
    }

    pub async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, String) {
        let mut req = self.http.request(method, format!("{}{}", self.base, path)).header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }
}

/// Logs `user` in and makes an app password; returns the client, the secret and its id.
pub async fn app_password(server: &TestServer, user: &str) -> (Api, String, String) {
    let api = server.login(user, "demo").await;
    let (status, body) =
        api.call(Method::POST, "/api/v1/me/app-passwords", Some(serde_json::json!({"name": "Test"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (api, body["password"].as_str().unwrap().to_string(), body["id"].as_str().unwrap().to_string())
}

/// Points the blob store at the S3 server named by `TAVLE_TEST_S3_*` (see
/// `scripts/garage-test-server`); returns false, changing nothing, when none is named.
pub fn use_s3_from_env(cfg: &mut Config) -> bool {
    let var = |k: &str| std::env::var(format!("TAVLE_TEST_S3_{k}")).ok();
    let (Some(endpoint), Some(bucket), Some(key), Some(secret)) =
        (var("ENDPOINT"), var("BUCKET"), var("KEY_ID"), var("SECRET"))
    else {
        return false;
    };
    cfg.blob_store = "s3".into();
    cfg.s3_endpoint = endpoint;
    cfg.s3_bucket = bucket;
    cfg.s3_region = var("REGION").unwrap_or_else(|| "garage".into());
    cfg.s3_access_key_id = key;
    cfg.s3_secret_access_key = Some(secret);
    true
}

/// The id of the demo person with this username, as seen by a school admin.
pub async fn person_id(admin: &Api, school: &str, username: &str) -> String {
    let (_, people) = admin.get(&format!("/api/v1/schools/{school}/people")).await;
    people.as_array().unwrap().iter().find(|p| p["username"] == username).unwrap()["id"].as_str().unwrap().to_string()
}

/// Base64, as tus's `Upload-Metadata` and the test fixtures write it.
pub fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// tus's `Upload-Metadata` for a file `name` in the folder `folder`.
pub fn tus_metadata(folder: &str, name: &str) -> String {
    format!("folder {},filename {}", b64(folder), b64(name))
}

/// A login service of a municipality written straight into the store, with metadata as if
/// read from a service whose authorization endpoint is `authorize` (no service is called).
pub async fn login_provider_row(srv: &TestServer, tenant: &str, slug: &str, authorize: &str) -> String {
    let issuer = "https://login.example/realms/test";
    let meta = serde_json::json!({
        "issuer": issuer, "authorization_endpoint": authorize, "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"), "response_types_supported": ["code"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"], "authorization_response_iss_parameter_supported": true,
    });
    let p = tavle_store::login_providers::LoginProvider {
        id: tavle_core::LoginProviderId::new(),
        tenant_id: tenant.parse().unwrap(),
        slug: slug.into(),
        display_name: "Unilogin".into(),
        preset: "unilogin".into(),
        issuer: issuer.into(),
        client_id: "tavle".into(),
        client_secret: Some("hemmelig".into()),
        client_secret_file: None,
        scopes: "openid".into(),
        claim: "uniid".into(),
        namespace: "UNI-Login".into(),
        enabled: true,
        position: 0,
        discovery: Some(meta.to_string()),
        discovery_at: Some(0),
        created_at: 0,
    };
    let mut tx = srv.app().store().write().await.unwrap();
    tx.insert_login_provider(&p).await.unwrap();
    tx.commit().await.unwrap();
    p.id.to_string()
}

/// The code an authenticator app shows for `secret` (base32) at `unix` seconds: RFC 6238
/// computed here with ring's HMAC, not Tavle's code.
pub fn totp_code(secret: &str, unix: i64) -> String {
    let mut bits = 0u32;
    let mut buf = 0u32;
    let mut key = Vec::new();
    for c in secret.chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c).unwrap() as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buf >> bits) as u8);
        }
    }
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let h = ring::hmac::sign(&k, &((unix / 30) as u64).to_be_bytes());
    let h = h.as_ref();
    let o = (h[19] & 0x0f) as usize;
    let n = (u32::from(h[o]) & 0x7f) << 24 | u32::from(h[o + 1]) << 16 | u32::from(h[o + 2]) << 8 | u32::from(h[o + 3]);
    format!("{:06}", n % 1_000_000)
}
