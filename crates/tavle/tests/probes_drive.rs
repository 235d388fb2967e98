//! What was found by trying Tavle from outside (issue 15), the drive's doors: user content
//! that could script Tavle's origin and ranges that multiply a file, concurrent uploads of one
//! name, paths with `..`, DTDs in other encodings, JSON errors outside the envelope,
//! cross-municipality grantees, quota around pending upload parts, and recent files. Each
//! test covers the class of problem, on every door it has.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{app_password, TestServer, START};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn dav(server: &TestServer, user: &str) -> String {
    format!("{}/remote.php/dav/files/{user}/", server.base)
}

/// Sends one request exactly as written (no URL normalisation, as an attacker's client would)
/// and returns the status code.
async fn raw_status(server: &TestServer, request: String) -> u16 {
    let addr = server.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn every_door_serves_user_content_inertly_and_ranges_within_the_file() {
    let server = TestServer::start().await;
    let (api, secret, _) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let url = dav(&server, "elev1");
    let page = b"<html><script>fetch('/api/v1/me')</script></html>".to_vec();
    let resp = http.put(format!("{url}side.html")).basic_auth("elev1", Some(&secret)).body(page).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let mib: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    let resp =
        http.put(format!("{url}stor.bin")).basic_auth("elev1", Some(&secret)).body(mib.clone()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);

    // An uploaded page never runs on Tavle's origin, by WebDAV as by the API.
    let resp = http.get(format!("{url}side.html")).basic_auth("elev1", Some(&secret)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment"), "{h:?}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().contains("sandbox"), "{h:?}");

    // A thousand overlapping ranges get the file once, not a thousand times.
    let many = format!("bytes={}", vec!["0-"; 1000].join(","));
    let resp = http
        .get(format!("{url}stor.bin"))
        .basic_auth("elev1", Some(&secret))
        .header("range", many)
        .send()
        .await
        .unwrap();
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.len() <= mib.len(), "{} bytes for a 1 MiB file", bytes.len());
    // A range that ends past 2^64-1's reach ends at the file's end.
    let resp = http
        .get(format!("{url}stor.bin"))
        .basic_auth("elev1", Some(&secret))
        .header("range", "bytes=0-18446744073709551615")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.headers()["content-range"], format!("bytes 0-{}/{}", mib.len() - 1, mib.len()));
    assert_eq!(resp.bytes().await.unwrap().len(), mib.len());
    let resp = http
        .get(format!("{url}stor.bin"))
        .basic_auth("elev1", Some(&secret))
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &mib[10..20]);
    drop(api);
    server.stop().await;
}

#[tokio::test]
async fn concurrent_uploads_of_one_new_name_all_get_a_clean_answer() {
    let server = TestServer::start().await;
    let (_, secret, _) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let url = format!("{}Samme.bin", dav(&server, "elev1"));
    let mut tasks = Vec::new();
    for i in 0..30u8 {
        let (http, url, secret) = (http.clone(), url.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            let body = vec![i; 200 * 1024];
            http.put(url).basic_auth("elev1", Some(secret)).body(body).send().await.unwrap().status()
        }));
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status == StatusCode::CREATED || status == StatusCode::NO_CONTENT, "{status}");
    }
    // Two clients that asked for "create only" get 412 when they lose, never a 500.
    let url = format!("{}Kun-en.bin", dav(&server, "elev1"));
    let mut tasks = Vec::new();
    for i in 0..10u8 {
        let (http, url, secret) = (http.clone(), url.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            let req = http.put(url).basic_auth("elev1", Some(secret)).header("if-none-match", "*");
            req.body(vec![i; 100 * 1024]).send().await.unwrap().status()
        }));
    }
    let mut created = 0;
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status == StatusCode::CREATED || status == StatusCode::PRECONDITION_FAILED, "{status}");
        created += usize::from(status == StatusCode::CREATED);
    }
    assert_eq!(created, 1);
    server.stop().await;
}

/// Ten clients creating one name at once by MKCOL, COPY or MOVE: one wins, the others are told
/// as WebDAV says (405 for MKCOL, 412 for a COPY or MOVE that may not overwrite), never a 5xx.
#[tokio::test]
async fn concurrent_creates_of_one_name_by_every_method_get_no_5xx() {
    let server = TestServer::start().await;
    let (_, secret, _) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let base = dav(&server, "elev1");
    for i in 0..10 {
        let put = http.put(format!("{base}kilde{i}.txt")).basic_auth("elev1", Some(&secret)).body(format!("{i}"));
        assert_eq!(put.send().await.unwrap().status(), StatusCode::CREATED);
    }
    let method = |m: &str| reqwest::Method::from_bytes(m.as_bytes()).unwrap();
    // (method, source of client i, destination or None, the loser's status)
    type Round = (&'static str, fn(usize) -> String, Option<&'static str>, StatusCode);
    let rounds: [Round; 4] = [
        ("MKCOL", |_| "Ny mappe".to_string(), None, StatusCode::METHOD_NOT_ALLOWED),
        ("COPY", |i| format!("kilde{i}.txt"), Some("Kopi.txt"), StatusCode::PRECONDITION_FAILED),
        ("MOVE", |i| format!("kilde{i}.txt"), Some("Flyttet.txt"), StatusCode::PRECONDITION_FAILED),
        ("COPY", |_| "Kopi.txt".to_string(), Some("Ny mappe/Kopi.txt"), StatusCode::PRECONDITION_FAILED),
    ];
    for (m, source, dest, loser) in rounds {
        let mut tasks = Vec::new();
        for i in 0..10 {
            let mut req = http.request(method(m), format!("{base}{}", source(i))).basic_auth("elev1", Some(&secret));
            if let Some(d) = dest {
                req = req.header("destination", format!("{base}{d}")).header("overwrite", "F");
            }
            tasks.push(tokio::spawn(async move { req.send().await.unwrap().status() }));
        }
        let mut won = 0;
        for t in tasks {
            let status = t.await.unwrap();
            assert!(status == StatusCode::CREATED || status == loser, "{m} to {dest:?}: {status}");
            won += usize::from(status == StatusCode::CREATED);
        }
        assert_eq!(won, 1, "{m} to {dest:?}: one client creates the name");
    }
    server.stop().await;
}

#[tokio::test]
async fn paths_that_step_out_are_a_clear_400() {
    let server = TestServer::start().await;
    let (_, secret, _) = app_password(&server, "elev1").await;
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("elev1:{secret}"))
    );
    for (method, path) in [
        ("GET", "/remote.php/dav/files/elev1/../elev2/x.txt"),
        ("PUT", "/remote.php/dav/files/elev1/%2e%2e/elev2/x.txt"),
        ("MKCOL", "/remote.php/dav/files/elev1/a/%2E%2E/%2e%2e/b"),
        ("GET", "/remote.php/dav/files/elev1/a%2fb"),
        ("PUT", "/remote.php/dav/uploads/elev1/..%2f/1"),
    ] {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(raw_status(&server, req).await, 400, "{method} {path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn xml_in_any_encoding_with_a_dtd_is_refused() {
    let server = TestServer::start().await;
    let (_, secret, _) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let url = dav(&server, "elev1");
    http.put(format!("{url}a.txt")).basic_auth("elev1", Some(&secret)).body("a").send().await.unwrap();
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE x [<!ENTITY e \"udvidet\">]>\
        <D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop><Z:p>&e;</Z:p></D:prop></D:set></D:propertyupdate>";
    let mut utf16 = vec![0xFF, 0xFE];
    for u in xml.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let resp = http
        .request(Method::from_bytes(b"PROPPATCH").unwrap(), format!("{url}a.txt"))
        .basic_auth("elev1", Some(&secret))
        .body(utf16)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>";
    let resp = http
        .request(Method::from_bytes(b"PROPFIND").unwrap(), format!("{url}a.txt"))
        .basic_auth("elev1", Some(&secret))
        .header("depth", "0")
        .body(latin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    server.stop().await;
}

#[tokio::test]
async fn every_api_error_has_the_envelope() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let root = elev1.home().await;
    let path = format!("/api/v1/drive/nodes/{root}/folders");
    let send = |body: Vec<u8>, ctype: Option<&'static str>| {
        let mut req = elev1.req(Method::POST, &path).body(body);
        if let Some(t) = ctype {
            req = req.header("content-type", t);
        }
        req.send()
    };
    let cases: Vec<(Vec<u8>, Option<&'static str>, &str)> = vec![
        (b"{\"name\":".to_vec(), Some("application/json"), "bad_request"),
        (b"{\"name\":5}".to_vec(), Some("application/json"), "bad_request"),
        (b"{\"name\":\"a\",\"x\":1}".to_vec(), Some("application/json"), "bad_request"),
        (b"{\"name\":\"a\"}".to_vec(), None, "unsupported_media_type"),
        (vec![b' '; 50 << 20], Some("application/json"), "too_large"),
    ];
    for (body, ctype, code) in cases {
        let resp = send(body, ctype).await.unwrap();
        let status = resp.status();
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{code}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{status} {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    // A method the route does not have, and an address only the protocols use.
    let (status, v) = elev1.call(Method::PATCH, "/api/v1/drive/spaces", None).await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    let (status, v) = elev1.get("/ocs/v2.php/cloud/users/elev2").await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    server.stop().await;
}

#[tokio::test]
async fn grantees_are_found_in_the_callers_municipality_only() {
    let server = TestServer::start().await;
    server
        .app()
        .org()
        .create_first_admin("0751", Some("Anden Kommune"), "kommune2", "Admin Anden", "demo")
        .await
        .unwrap();
    let other = server.login("kommune2", "demo").await;
    let (s, school) = other
        .call(Method::POST, "/api/v1/schools", Some(json!({"name": "Fremmed Skole", "institution_number": "888888"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{school}");
    let kommune = server.login("admin", "demo").await;
    let root = kommune.home().await;
    let folder = kommune.new_folder(&root, "Del").await;
    let (status, body) = kommune
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{folder}/shares"),
            Some(json!({"grantee_kind": "school", "grantee_id": school["id"], "access": "view"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn pending_upload_parts_count_against_the_quota() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let leder = server.login("skoleleder", "demo").await;
    let (_, spaces) = elev1.get("/api/v1/drive/spaces").await;
    let (space, root) =
        (spaces[0]["id"].as_str().unwrap().to_string(), spaces[0]["root_id"].as_str().unwrap().to_string());
    let (status, body) = leder
        .call(Method::PUT, &format!("/api/v1/drive/spaces/{space}/quota"), Some(json!({"quota_bytes": 1 << 20})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = elev1.start_tus(&root, "a.bin", 819_200).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = elev1.start_tus(&root, "b.bin", 819_200).await;
    assert_eq!(second.status(), StatusCode::INSUFFICIENT_STORAGE, "800 KiB are promised to the first upload");
    let huge = elev1.start_tus(&root, "c.bin", 9_223_372_036_854_775_807).await;
    assert_eq!(huge.status(), StatusCode::INSUFFICIENT_STORAGE, "no overflow");
    // Nextcloud's chunks, which announce nothing: parts waiting count once written.
    let (_, secret, _) = app_password(&server, "elev2").await;
    let leder_space = {
        let elev2 = server.login("elev2", "demo").await;
        elev2.get("/api/v1/drive/spaces").await.1[0]["id"].as_str().unwrap().to_string()
    };
    leder
        .call(Method::PUT, &format!("/api/v1/drive/spaces/{leder_space}/quota"), Some(json!({"quota_bytes": 1 << 20})))
        .await;
    let http = common::plain_client();
    let mut statuses = Vec::new();
    for t in 0..3 {
        let dir = format!("{}/remote.php/dav/uploads/elev2/t{t}", server.base);
        http.request(Method::from_bytes(b"MKCOL").unwrap(), &dir)
            .basic_auth("elev2", Some(&secret))
            .send()
            .await
            .unwrap();
        let resp = http
            .put(format!("{dir}/00001"))
            .basic_auth("elev2", Some(&secret))
            .body(vec![1u8; 400 * 1024])
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 507], "the third 400 KiB part does not fit beside the two waiting");
    server.stop().await;
}

#[tokio::test]
async fn recent_files_are_the_callers_own_latest() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let root = elev1.home().await;
    let folder = elev1.new_folder(&root, "Mappe").await;
    elev1.put_file(&root, "Første.txt", b"1".to_vec()).await;
    server.clock.set(tavle_core::Timestamp(START.millis() + 1000));
    elev1.put_file(&folder, "Anden.txt", b"2".to_vec()).await;
    let (status, recent) = elev1.get("/api/v1/drive/recent").await;
    assert_eq!(status, StatusCode::OK, "{recent}");
    let names: Vec<&str> = recent.as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Anden.txt", "Første.txt"]);
    // What is in the trash (here, under a folder in the trash) is not recent any more.
    assert_eq!(
        elev1.call(Method::DELETE, &format!("/api/v1/drive/nodes/{folder}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, recent) = elev1.get("/api/v1/drive/recent").await;
    let names: Vec<&str> = recent.as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Første.txt"]);
    let (_, other) = server.login("elev2", "demo").await.get("/api/v1/drive/recent").await;
    assert_eq!(other, json!([]));
    server.stop().await;
}

/// A WebDAV lock is decided by the policy: a pupil who may only read a class drive sees the
/// teacher's lock token in a listing, but can neither release nor refresh the lock with it;
/// the teacher (its holder) can.
#[tokio::test]
async fn a_reader_can_neither_release_nor_refresh_someone_elses_lock() {
    let server = TestServer::start().await;
    let (laerer, t_secret, _) = app_password(&server, "laerer1").await;
    let (_, p_secret, _) = app_password(&server, "elev1").await;
    let (_, spaces) = laerer.get("/api/v1/drive/spaces").await;
    let class = spaces.as_array().unwrap().iter().find(|s| s["name"] == "1.A" && s["kind"] == "group").unwrap();
    let base = format!("{}/remote.php/dav/spaces/{}/", server.base, class["id"].as_str().unwrap());
    let http = common::plain_client();
    let method = |m: &str| reqwest::Method::from_bytes(m.as_bytes()).unwrap();
    let file = format!("{base}Plan.txt");
    let put = http.put(&file).basic_auth("laerer1", Some(&t_secret)).body("ugeplan");
    assert_eq!(put.send().await.unwrap().status(), StatusCode::CREATED);
    let lock_body = r#"<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>laerer1</D:owner></D:lockinfo>"#;
    let resp = http
        .request(method("LOCK"), &file)
        .basic_auth("laerer1", Some(&t_secret))
        .header("timeout", "Second-600")
        .body(lock_body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let token = resp.headers()["lock-token"].to_str().unwrap().trim_matches(['<', '>']).to_string();
    // The pupil reads the token off the file's lock discovery.
    let body = r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>"#;
    let listing = http
        .request(method("PROPFIND"), &file)
        .basic_auth("elev1", Some(&p_secret))
        .header("depth", "0")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), StatusCode::MULTI_STATUS);
    assert!(listing.text().await.unwrap().contains(&token), "the pupil sees the lock");
    let unlock = http
        .request(method("UNLOCK"), &file)
        .basic_auth("elev1", Some(&p_secret))
        .header("lock-token", format!("<{token}>"))
        .send()
        .await
        .unwrap();
    assert!(unlock.status().is_client_error(), "a reader's UNLOCK: {}", unlock.status());
    let refresh = http
        .request(method("LOCK"), &file)
        .basic_auth("elev1", Some(&p_secret))
        .header("if", format!("(<{token}>)"))
        .header("timeout", "Second-3600")
        .send()
        .await
        .unwrap();
    assert!(refresh.status().is_client_error(), "a reader's refresh: {}", refresh.status());
    // The lock still holds: a change without its token is refused, with it allowed.
    let put = http.put(&file).basic_auth("laerer1", Some(&t_secret)).body("ny plan");
    assert_eq!(put.send().await.unwrap().status(), StatusCode::LOCKED);
    let put = http.put(&file).basic_auth("laerer1", Some(&t_secret)).header("if", format!("(<{token}>)"));
    assert_eq!(put.body("ny plan").send().await.unwrap().status(), StatusCode::NO_CONTENT);
    // Its holder refreshes and releases it.
    let refresh = http
        .request(method("LOCK"), &file)
        .basic_auth("laerer1", Some(&t_secret))
        .header("if", format!("(<{token}>)"))
        .header("timeout", "Second-3600")
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), StatusCode::OK);
    let unlock = http
        .request(method("UNLOCK"), &file)
        .basic_auth("laerer1", Some(&t_secret))
        .header("lock-token", format!("<{token}>"))
        .send()
        .await
        .unwrap();
    assert_eq!(unlock.status(), StatusCode::NO_CONTENT);
    server.stop().await;
}
