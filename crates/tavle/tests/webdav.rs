//! WebDAV against the real server: the `litmus` suites (Debian's package) on both database
//! backends, the refusals (no or wrong credentials, someone else's files, `Depth: infinity`,
//! DTDs, oversized XML, foreign destinations), the ownCloud properties and headers the sync
//! clients read, an upload cut off mid-way, an upload whose folder goes away while its bytes
//! come (the access decided when the path was walked is carried, not made again), and locks
//! shared by two nodes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};

use common::{app_password, TestServer};
use reqwest::{Method, StatusCode};

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).unwrap()
}

fn dav_url(server: &TestServer, user: &str) -> String {
    format!("{}/remote.php/dav/files/{user}/", server.base)
}

async fn litmus_on(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let (_, secret, _) = app_password(&server, "elev1").await;
    let url = dav_url(&server, "elev1");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("litmus")
            .env("TESTS", "basic copymove props locks http")
            .current_dir(std::env::temp_dir())
            .args([&url, "elev1", &secret])
            .output()
    })
    .await
    .unwrap()
    .expect("litmus is not installed: apt-get install litmus (.ci/run does)");
    let text = String::from_utf8_lossy(&out.stdout);
    let summaries: Vec<&str> = text.lines().filter(|l| l.starts_with("<- summary for")).collect();
    assert_eq!(summaries.len(), 5, "every suite ran:\n{text}");
    for s in &summaries {
        assert!(s.contains(" 0 failed"), "{s}\n{text}");
    }
    assert!(out.status.success(), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn litmus_passes_every_suite_on_sqlite() {
    litmus_on(false).await;
}

#[tokio::test]
async fn litmus_passes_every_suite_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        litmus_on(true).await;
    }
}

#[tokio::test]
async fn only_the_owner_with_an_app_password_gets_in() {
    let server = TestServer::start().await;
    let (api, secret, id) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let url = dav_url(&server, "elev1");
    let propfind = |user: &str, pass: &str, url: &str| {
        http.request(method("PROPFIND"), url).basic_auth(user, Some(pass)).header("depth", "0").send()
    };
    let resp = http.request(method("PROPFIND"), &url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_eq!(propfind("elev1", "wrong", &url).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // Outside the demo, the login password is not enough: devices get app passwords.
    assert_eq!(propfind("elev1", "demo", &url).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        propfind("elev2", &secret, &dav_url(&server, "elev2")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(propfind("elev1", &secret, &url).await.unwrap().status(), StatusCode::MULTI_STATUS);
    assert_eq!(
        propfind("ELEV1", &secret, &format!("{}/dav/files/elev1/", server.base)).await.unwrap().status(),
        StatusCode::MULTI_STATUS
    );
    // Someone else's files, with one's own credentials.
    let resp = propfind("elev1", &secret, &dav_url(&server, "elev2")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let (_, list) = api.get("/api/v1/me/app-passwords").await;
    assert_eq!(list[0]["name"], "Test");
    assert!(list[0]["last_used_at"].is_string(), "{list}");
    assert!(list[0].get("password").is_none(), "the secret is shown once");
    assert_eq!(
        api.call(Method::DELETE, &format!("/api/v1/me/app-passwords/{id}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(propfind("elev1", &secret, &url).await.unwrap().status(), StatusCode::UNAUTHORIZED, "revoked");
    server.stop().await;
}

#[tokio::test]
async fn risky_requests_are_refused() {
    let server = TestServer::start().await;
    let (_, secret, _) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let url = dav_url(&server, "elev1");
    let req = |m: &str, u: &str| http.request(method(m), u).basic_auth("elev1", Some(&secret));

    let resp = req("PROPFIND", &url).header("depth", "infinity").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.text().await.unwrap().contains("propfind-finite-depth"));

    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
        <D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol2;</D:displayname></D:prop></D:propfind>"#;
    let resp = req("PROPFIND", &url).header("depth", "0").body(bomb).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let huge = format!("<D:propfind xmlns:D=\"DAV:\"><D:prop>{}</D:prop></D:propfind>", "<D:x/>".repeat(200_000));
    let resp = req("PROPFIND", &url).header("depth", "0").body(huge).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(req("PUT", &format!("{url}a.txt")).body("a").send().await.unwrap().status(), StatusCode::CREATED);
    let resp = req("COPY", &format!("{url}a.txt"))
        .header("destination", "http://elsewhere.example/dav/files/elev1/b.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    let resp = req("MOVE", &format!("{url}a.txt"))
        .header("destination", format!("{}/dav/files/elev2/a.txt", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Tavle's own short path and Nextcloud's path name the same files.
    let resp = req("COPY", &format!("{url}a.txt"))
        .header("destination", format!("{}/dav/files/elev1/b.txt", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(req("GET", &format!("{url}b.txt")).send().await.unwrap().text().await.unwrap(), "a");
    server.stop().await;
}

#[tokio::test]
async fn sync_client_properties_and_headers() {
    let server = TestServer::start().await;
    let (api, secret, _) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let url = dav_url(&server, "elev1");
    let req = |m: &str, u: &str| http.request(method(m), u).basic_auth("elev1", Some(&secret));

    assert_eq!(req("MKCOL", &format!("{url}Skole")).send().await.unwrap().status(), StatusCode::CREATED);
    let resp = req("PUT", &format!("{url}Skole/Digt%20om%20%C3%A5en.txt"))
        .header("x-oc-mtime", "1700000000")
        .body("Åen løber")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let file_id = resp.headers()["oc-fileid"].to_str().unwrap().to_string();
    let etag = resp.headers()["oc-etag"].to_str().unwrap().to_string();
    assert_eq!(resp.headers()["x-oc-mtime"], "accepted");

    let body = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
        <d:prop><d:getetag/><d:getlastmodified/><oc:id/><oc:permissions/><oc:checksums/><oc:size/>
        <d:quota-used-bytes/><d:quota-available-bytes/></d:prop></d:propfind>"#;
    let resp = req("PROPFIND", &format!("{url}Skole/")).header("depth", "1").body(body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::MULTI_STATUS);
    let xml = resp.text().await.unwrap();
    let sha = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest("Åen løber".as_bytes()));
    for want in [
        format!("SHA256:{sha}"),
        file_id.clone(),
        // The same ETag as the header, which is quoted.
        etag.trim_matches('"').to_string(),
        "RDNVW".into(),
        "RDNVCK".into(),
        "Tue, 14 Nov 2023 22:13:20 GMT".into(),
        "Digt%20om%20%C3%A5en.txt".into(),
    ] {
        assert!(xml.contains(&want), "{want} missing in\n{xml}");
    }

    // The same file through the web API.
    let (_, spaces) = api.get("/api/v1/drive/spaces").await;
    let root = spaces[0]["root_id"].as_str().unwrap();
    let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{root}/children")).await;
    let folder = listing["children"][0]["id"].as_str().unwrap().to_string();
    let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{folder}/children")).await;
    assert_eq!(listing["children"][0]["name"], "Digt om åen.txt");
    assert_eq!(listing["children"][0]["modified_at"], "2023-11-14T22:13:20Z");
    server.stop().await;
}

#[tokio::test]
async fn an_upload_cut_off_leaves_nothing() {
    let server = TestServer::start().await;
    let (api, secret, _) = app_password(&server, "elev1").await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let auth = base64_basic("elev1", &secret);
    let sent = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let head = format!(
            "PUT /remote.php/dav/files/elev1/halv.bin HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\n\
             Content-Length: 1000000\r\n\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&[7u8; 300_000]).unwrap();
        s.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        s.shutdown(std::net::Shutdown::Both).unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
    });
    sent.await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, spaces) = api.get("/api/v1/drive/spaces").await;
    let root = spaces[0]["root_id"].as_str().unwrap();
    let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{root}/children")).await;
    assert_eq!(listing["children"].as_array().unwrap().len(), 0, "{listing}");
    assert_eq!(spaces[0]["used_bytes"], 0);
    server.stop().await;
}

/// A PUT walks its path once and carries the folder it reached to the recorded batch, which
/// does not decide access again: it checks only that the folder is still there, in the same
/// drive. Here the folder is deleted between the walk and the bytes: nothing is kept. And a
/// folder reached (or a drive opened) by one person is no key for another.
#[tokio::test]
async fn an_upload_whose_folder_went_away_keeps_nothing() {
    let server = TestServer::start().await;
    let (api, secret, _) = app_password(&server, "laerer1").await;
    let client = reqwest::Client::new();
    let url = dav_url(&server, "laerer1");
    let mkcol = client.request(method("MKCOL"), format!("{url}Noter")).basic_auth("laerer1", Some(&secret));
    assert_eq!(mkcol.send().await.unwrap().status(), StatusCode::CREATED);

    let app = server.app();
    let meta = tavle_app::audit::RequestMeta { source: "127.0.0.1".into(), user_agent: "test".into(), device: None };
    let session = app.sessions().authenticate_basic("laerer1", &secret, &meta).await.unwrap();
    let space = app.drive().personal_space(&session).await.unwrap();
    let walked = app.access().walk(&session, &space, None, &["Noter".to_string()]).await.unwrap();
    assert_eq!(walked.len(), 2, "the root and the folder");
    let folder = walked[1].clone();
    assert_eq!(folder.node().name, "Noter");
    let deeper = ["Noter".to_string(), "Ingen".to_string(), "x.txt".to_string()];
    let missing = app.access().walk(&session, &space, None, &deeper).await.unwrap();
    assert_eq!(missing.len(), 2, "a walk stops at the first name that is not there");

    // Someone else's session cannot use the folder laerer1 reached.
    let (_, other_secret, _) = app_password(&server, "laerer2").await;
    let other = app.sessions().authenticate_basic("laerer2", &other_secret, &meta).await.unwrap();
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"hej"))]);
    let cond = tavle_app::drive::Conditions::default();
    let refused = app.drive().upload_to(&other, &folder, "lån.txt", body, &cond, None).await;
    assert!(matches!(refused, Err(tavle_app::AppError::Forbidden)), "{refused:?}");
    // Nor walk in the drive laerer1 was given, nor read its locks.
    let walked = app.access().walk(&other, &space, None, &["Noter".to_string()]).await;
    assert!(matches!(walked, Err(tavle_app::AppError::Forbidden)), "{walked:?}");
    let locks = app.drive().dav_locks(&other, &space).await;
    assert!(matches!(locks, Err(tavle_app::AppError::Forbidden)), "{locks:?}");

    // The folder goes to the trash after the walk, before the bytes are recorded.
    let delete = client.request(Method::DELETE, format!("{url}Noter")).basic_auth("laerer1", Some(&secret));
    assert_eq!(delete.send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 4096]))]);
    let late = app.drive().upload_to(&session, &folder, "sent.txt", body, &cond, None).await;
    assert!(matches!(late, Err(tavle_app::AppError::NotFound(_))), "{late:?}");

    let (_, spaces) = api.get("/api/v1/drive/spaces").await;
    assert_eq!(spaces[0]["used_bytes"], 0, "nothing was charged: {spaces}");
    // Back from the trash, the folder holds nothing.
    let id = folder.node().id.0.simple().to_string();
    let (status, body) = api.call(Method::POST, &format!("/api/v1/drive/trash/{id}/restore"), None).await;
    assert!(status.is_success(), "{status} {body}");
    let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{id}/children")).await;
    assert_eq!(listing["children"].as_array().map(Vec::len), Some(0), "{listing}");
    server.stop().await;
}

fn base64_basic(user: &str, pass: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

/// Locks live in the database: a lock taken through one node holds on another.
#[tokio::test]
async fn locks_hold_across_nodes() {
    if tavle_store::testing::postgres_url().is_none() {
        return;
    }
    let a = TestServer::start_with(|_| {}, true).await;
    let b = a.another_node().await;
    let (_, secret, _) = app_password(&a, "elev1").await;
    let http = common::plain_client();
    let on = |server: &TestServer, m: &str, path: &str| {
        http.request(method(m), format!("{}{path}", dav_url(server, "elev1"))).basic_auth("elev1", Some(secret.clone()))
    };
    assert_eq!(on(&a, "PUT", "delt.txt").body("1").send().await.unwrap().status(), StatusCode::CREATED);
    let lock = r#"<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>
        <D:locktype><D:write/></D:locktype><D:owner>elev1's laptop</D:owner></D:lockinfo>"#;
    let resp = on(&a, "LOCK", "delt.txt").header("timeout", "Second-600").body(lock).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let token = resp.headers()["lock-token"].to_str().unwrap().trim_matches(['<', '>']).to_string();
    assert_eq!(on(&b, "PUT", "delt.txt").body("2").send().await.unwrap().status(), StatusCode::LOCKED);
    let resp = on(&b, "PUT", "delt.txt").header("if", format!("(<{token}>)")).body("2").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = on(&b, "UNLOCK", "delt.txt").header("lock-token", format!("<{token}>")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(on(&a, "PUT", "delt.txt").body("3").send().await.unwrap().status(), StatusCode::NO_CONTENT);
    b.stop().await;
    a.stop().await;
}
