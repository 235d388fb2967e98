//! Tavle as a WOPI host, driven by a client that behaves as Collabora Online does (neither
//! Collabora nor OnlyOffice installs here): a discovery served on loopback with an RSA proof
//! key (made by `openssl`), every request signed as Collabora signs it, and Collabora's order
//! of calls — CheckFileInfo, GetFile, Lock, PutFile with `X-COOL-WOPI-Timestamp`,
//! RefreshLock, Unlock — then PutRelativeFile and RenameFile. The file saved through PutFile
//! is opened by LibreOffice to prove it intact. Hostile calls: no token, another file's token,
//! a forged token, a bad or stale proof, another session's lock, a reader writing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tavle_core::Clock;

/// The office server as far as Tavle sees it: its discovery, and its proof key.
struct FakeOffice {
    discovery_url: String,
    key: PathBuf,
    _dir: tempfile::TempDir,
}

impl FakeOffice {
    async fn start() -> FakeOffice {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("proof.pem");
        run(Command::new("openssl").args(["genrsa", "-out"]).arg(&key).arg("2048"));
        let modulus_hex = run(Command::new("openssl").args(["rsa", "-noout", "-modulus", "-in"]).arg(&key));
        let modulus_hex = modulus_hex.trim().trim_start_matches("Modulus=");
        let modulus: Vec<u8> = (0..modulus_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&modulus_hex[i..i + 2], 16).unwrap())
            .collect();
        let xml = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<wopi-discovery><net-zone name="external-http">
<app name="writer"><action default="true" ext="docx" name="edit" urlsrc="http://127.0.0.1:9980/browser/dist/cool.html?"/>
<action ext="odt" name="edit" urlsrc="http://127.0.0.1:9980/browser/dist/cool.html?"/></app>
<app name="calc"><action ext="xlsx" name="edit" urlsrc="http://127.0.0.1:9980/browser/dist/cool.html?"/></app>
</net-zone><proof-key exponent="AQAB" modulus="{}" oldexponent="" oldmodulus="" value=""/></wopi-discovery>"#,
            STANDARD.encode(&modulus)
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app =
            axum::Router::new().route("/hosting/discovery", axum::routing::get(move || async move { xml.clone() }));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeOffice { discovery_url: format!("http://{addr}/hosting/discovery"), key, _dir: dir }
    }

    /// `X-WOPI-Proof` for a request, as Collabora computes it.
    fn proof(&self, token: &str, url: &str, ticks: i64) -> String {
        let dir = tempfile::tempdir().unwrap();
        let msg = dir.path().join("msg");
        std::fs::write(&msg, tavle_app::office::proof::signed_bytes(token, url, ticks)).unwrap();
        let out =
            Command::new("openssl").args(["dgst", "-sha256", "-binary", "-sign"]).arg(&self.key).arg(&msg).output();
        let out = out.expect("openssl runs");
        assert!(out.status.success());
        STANDARD.encode(out.stdout)
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("openssl runs (test.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// .NET ticks now (what `X-WOPI-TimeStamp` carries).
fn ticks(now_ms: i64) -> i64 {
    now_ms * 10_000 + 621_355_968_000_000_000
}

/// Collabora calling Tavle about one file.
struct Client<'a> {
    office: &'a FakeOffice,
    http: reqwest::Client,
    src: String,
    token: String,
    now_ms: i64,
}

impl Client<'_> {
    fn url(&self, suffix: &str) -> String {
        format!("{}{suffix}?access_token={}", self.src, self.token)
    }

    fn req(&self, method: Method, suffix: &str) -> reqwest::RequestBuilder {
        let url = self.url(suffix);
        let t = ticks(self.now_ms);
        self.http
            .request(method, &url)
            .header("x-wopi-proof", self.office.proof(&self.token, &url, t))
            .header("x-wopi-timestamp", t.to_string())
    }

    fn op(&self, op: &str) -> reqwest::RequestBuilder {
        self.req(Method::POST, "").header("x-wopi-override", op)
    }
}

async fn open(api: &Api, file: &str) -> (String, String) {
    let (status, o) = api.call(Method::POST, &format!("/api/v1/drive/nodes/{file}/office"), None).await;
    assert_eq!(status, StatusCode::OK, "{o}");
    let action = o["action_url"].as_str().unwrap();
    let src = action.split("WOPISrc=").nth(1).unwrap().split('&').next().unwrap();
    let src = percent_encoding::percent_decode_str(src).decode_utf8().unwrap().to_string();
    (src, o["access_token"].as_str().unwrap().to_string())
}

fn docx(dir: &Path, name: &str, text: &str) -> Vec<u8> {
    std::fs::write(dir.join("in.md"), text).unwrap();
    let out = Command::new("pandoc").current_dir(dir).args(["in.md", "-o", name]).output().expect("pandoc runs");
    assert!(out.status.success());
    std::fs::read(dir.join(name)).unwrap()
}

#[tokio::test]
async fn a_collabora_like_client_edits_an_office_file() {
    let server = TestServer::start().await;
    let office = FakeOffice::start().await;
    let admin = server.login("admin", "demo").await;
    let (status, s) =
        admin.call(Method::PUT, "/api/v1/office", Some(json!({"discovery_url": office.discovery_url}))).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["extensions"], json!(["docx", "xlsx", "odt"]));
    let (status, e) =
        admin.call(Method::PUT, "/api/v1/office", Some(json!({"discovery_url": "http://127.0.0.1:9/x"}))).await;
    assert_eq!((status, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("discovery_url")), "{e}");

    let laerer = server.login("laerer1", "demo").await;
    assert_eq!(laerer.get("/api/v1/office").await.1["extensions"], json!(["docx", "xlsx", "odt"]));
    let dir = tempfile::tempdir().unwrap();
    let home = laerer.home().await;
    let (_, file) = laerer.put_file(&home, "Stil.docx", docx(dir.path(), "a.docx", "# Stil\n\nFørste udgave.\n")).await;
    let file = file["id"].as_str().unwrap().to_string();
    let (src, token) = open(&laerer, &file).await;
    assert!(src.starts_with(&server.base) && src.ends_with(&format!("/wopi/files/{file}")), "{src}");
    let now_ms = server.clock.now().millis();
    let c = Client { office: &office, http: reqwest::Client::new(), src: src.clone(), token: token.clone(), now_ms };

    // Collabora's order: CheckFileInfo, GetFile, Lock.
    let info: Value = c.req(Method::GET, "").send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (info["BaseFileName"].as_str(), info["UserCanWrite"].as_bool()),
        (Some("Stil.docx"), Some(true)),
        "{info}"
    );
    assert_eq!(info["SupportsLocks"], true);
    let got = c.req(Method::GET, "/contents").send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert!(got.headers().contains_key("x-wopi-itemversion"));
    assert!(got.bytes().await.unwrap().starts_with(b"PK"));
    assert_eq!(c.op("LOCK").header("x-wopi-lock", "cool-1").send().await.unwrap().status(), StatusCode::OK);
    // Another editing session meets the lock and is told whose it is.
    let other = c.op("LOCK").header("x-wopi-lock", "cool-2").send().await.unwrap();
    assert_eq!(other.status(), StatusCode::CONFLICT);
    assert_eq!(other.headers()["x-wopi-lock"], "cool-1");
    let get_lock = c.op("GET_LOCK").send().await.unwrap();
    assert_eq!(get_lock.headers()["x-wopi-lock"], "cool-1");
    let bad = c.req(Method::POST, "/contents").header("x-wopi-override", "PUT").header("x-wopi-lock", "cool-2");
    assert_eq!(bad.body("x").send().await.unwrap().status(), StatusCode::CONFLICT, "a save under another lock");

    // PutFile: a new version; the file before is kept; LibreOffice opens what was saved.
    let saved = docx(dir.path(), "b.docx", "# Stil\n\nAnden udgave, gemt i Collabora.\n");
    let put = c
        .req(Method::POST, "/contents")
        .header("x-wopi-override", "PUT")
        .header("x-wopi-lock", "cool-1")
        .header("x-cool-wopi-timestamp", info["LastModifiedTime"].as_str().unwrap())
        .header("x-cool-wopi-ismodifiedbyuser", "true")
        .header("x-cool-wopi-isautosave", "false")
        .body(saved.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK, "{}", put.text().await.unwrap());
    // Saving again from the time the editor first loaded: the file changed since.
    let stale = c
        .req(Method::POST, "/contents")
        .header("x-wopi-override", "PUT")
        .header("x-wopi-lock", "cool-1")
        .header("x-cool-wopi-timestamp", "2001-01-01T00:00:00Z")
        .body(saved.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(stale.json::<Value>().await.unwrap()["COOLStatusCode"], 1010);
    let (_, versions) = laerer.get(&format!("/api/v1/drive/nodes/{file}/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 1, "{versions}");
    let (_, bytes) = laerer.file_bytes(&file).await;
    assert_eq!(bytes, saved);
    let path = dir.path().join("Gemt.docx");
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", dir.path().join("lo").display()))
        .args(["--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .expect("LibreOffice runs");
    assert!(out.status.success());
    let text = std::fs::read_to_string(dir.path().join("Gemt.txt")).unwrap();
    assert!(text.contains("Anden udgave, gemt i Collabora."), "{text}");
    assert_eq!(c.op("REFRESH_LOCK").header("x-wopi-lock", "cool-1").send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(c.op("UNLOCK").header("x-wopi-lock", "cool-1").send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(c.op("GET_LOCK").send().await.unwrap().headers()["x-wopi-lock"], "");

    // Save As (PutRelativeFile, UTF-7 name) and Rename.
    let rel = c.op("PUT_RELATIVE").header("x-wopi-suggestedtarget", "K+AOY-re dagbog.docx").body(saved.clone());
    let rel: Value = rel.send().await.unwrap().json().await.unwrap();
    assert_eq!(rel["Name"], "Kære dagbog.docx", "{rel}");
    let rel_url = rel["Url"].as_str().unwrap();
    let (rel_src, rel_token) = rel_url.split_once("?access_token=").unwrap();
    let c2 =
        Client { office: &office, http: reqwest::Client::new(), src: rel_src.into(), token: rel_token.into(), now_ms };
    let info2: Value = c2.req(Method::GET, "").send().await.unwrap().json().await.unwrap();
    assert_eq!(info2["BaseFileName"], "Kære dagbog.docx");
    let renamed = c.op("RENAME_FILE").header("x-wopi-requestedname", "Stil (rettet)").send().await.unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    let (_, node) = laerer.get(&format!("/api/v1/drive/nodes/{file}")).await;
    assert_eq!(node["node"]["name"], "Stil (rettet).docx");

    // The page that opens it: a form posting the token into a frame; the office server's
    // origin is the one other origin its CSP allows.
    let page = laerer.req(Method::GET, &format!("/office/{file}")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("frame-src http://127.0.0.1:9980;") && csp.contains("form-action http://127.0.0.1:9980;"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("action=\"http://127.0.0.1:9980/browser/dist/cool.html?WOPISrc=")
            && html.contains("name=\"access_token\""),
        "{html}"
    );

    // Hostile: no token, another file's token, a forged token, a bad or stale proof.
    let anon = reqwest::Client::new();
    assert_eq!(anon.get(&src).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let c_wrong = Client {
        token: rel_token.into(),
        ..Client { office: &office, http: anon.clone(), src: src.clone(), token: String::new(), now_ms }
    };
    assert_eq!(
        c_wrong.req(Method::GET, "").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "another file's token"
    );
    let forged = format!("{}x", token);
    let c_forged = Client { office: &office, http: anon.clone(), src: src.clone(), token: forged, now_ms };
    assert_eq!(c_forged.req(Method::GET, "").send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let unsigned =
        anon.get(c.url("")).header("x-wopi-proof", "AAAA").header("x-wopi-timestamp", ticks(now_ms).to_string());
    assert_eq!(unsigned.send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "a proof that does not hold");
    let old = Client {
        office: &office,
        http: anon.clone(),
        src: src.clone(),
        token: token.clone(),
        now_ms: now_ms - 3_600_000,
    };
    assert_eq!(old.req(Method::GET, "").send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "a stale proof");

    // A pupil the file is shared with to read: views, never writes.
    let elev1 = server.login("elev1", "demo").await;
    let (_, me) = elev1.get("/api/v1/me").await;
    let share = json!({"grantee_kind": "person", "grantee_id": me["person"]["id"], "access": "view"});
    assert_eq!(
        laerer.call(Method::POST, &format!("/api/v1/drive/nodes/{file}/shares"), Some(share)).await.0,
        StatusCode::CREATED
    );
    let (src_e, token_e) = open(&elev1, &file).await;
    let ce = Client { office: &office, http: anon.clone(), src: src_e, token: token_e, now_ms };
    let info_e: Value = ce.req(Method::GET, "").send().await.unwrap().json().await.unwrap();
    assert_eq!(info_e["UserCanWrite"], false);
    assert_eq!(ce.op("LOCK").header("x-wopi-lock", "e").send().await.unwrap().status(), StatusCode::FORBIDDEN);
    // Another municipality's admin has no office server and reaches nothing.
    server.app().org().create_first_admin("0751", Some("Anden"), "kommune2", "Admin Anden", "demo").await.unwrap();
    let other = server.login("kommune2", "demo").await;
    assert_eq!(
        other.call(Method::POST, &format!("/api/v1/drive/nodes/{file}/office"), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(other.get("/api/v1/office").await.0, StatusCode::NOT_FOUND);
    server.stop().await;
}

/// The operator's way: `tavle admin office` names a municipality's office server (reading its
/// discovery) or removes it; an address without a discovery is refused with why.
#[tokio::test]
async fn the_operator_names_an_office_server_from_the_command_line() {
    let office = FakeOffice::start().await;
    let dir = tempfile::tempdir().unwrap();
    let tavle = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tavle"));
        cmd.arg("admin").args(args).arg("--data-dir").arg(dir.path()).env("TAVLE_ADMIN_PASSWORD", "et godt kodeord");
        cmd
    };
    let out = tavle(&[
        "create",
        "--tenant-code",
        "0999",
        "--tenant-name",
        "Prøve Kommune",
        "--username",
        "chef",
        "--display-name",
        "Chef",
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The fake office server answers from this process: the command runs while it serves.
    let url = office.discovery_url.clone();
    let set = tokio::task::spawn_blocking({
        let mut cmd = tavle(&["office", "--tenant-code", "0999", "--discovery-url", &url]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&set.stdout).to_string();
    assert!(set.status.success() && said.contains("docx, xlsx, odt"), "{said}{}", String::from_utf8_lossy(&set.stderr));
    let bad = tavle(&["office", "--tenant-code", "0999", "--discovery-url", "http://127.0.0.1:9/x"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("could not read the office server's discovery"));
    let removed = tavle(&["office", "--tenant-code", "0999", "--remove"]).output().unwrap();
    assert!(String::from_utf8_lossy(&removed.stdout).contains("has no office server"), "{removed:?}");
}
