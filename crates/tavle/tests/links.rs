//! Share links against the real server: a download link to a file and to a folder (and
//! nothing outside it), a password that must be given (and is throttled when guessed), a last
//! day, a drop box that takes files without showing any, who may make links, removing one,
//! and the audit of every use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn link(api: &Api, node: &str, body: Value) -> (StatusCode, Value) {
    api.call(Method::POST, &format!("/api/v1/drive/nodes/{node}/links"), Some(body)).await
}

/// An anonymous GET of a link address: status and body.
async fn fetch(anon: &Api, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = anon.http.get(format!("{}{}", anon.base, path)).send().await.unwrap();
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

fn code(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    v["error"]["code"].as_str().unwrap_or_default().to_string()
}

async fn drop_file(anon: &Api, token: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let name = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let resp = anon
        .http
        .put(format!("{}/api/v1/links/{token}/files/{name}", anon.base))
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

async fn on_both(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let laerer = server.login("laerer1", "demo").await;
    let anon = server.anonymous();
    let root = laerer.home().await;

    // Pupils do not make links; they share with people in Tavle.
    let elev = server.login("elev1", "demo").await;
    let elev_root = elev.home().await;
    let (status, body) = link(&elev, &elev_root, json!({"kind": "download"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // A download link to a file: open it, download it, in ranges too.
    let (_, file) = laerer.put_file(&root, "Ugeplan.txt", b"Mandag: dansk og matematik".to_vec()).await;
    let file_id = file["id"].as_str().unwrap().to_string();
    let (status, l) = link(&laerer, &file_id, json!({"kind": "download"})).await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    assert_eq!(l["has_password"], false);
    let token = l["token"].as_str().unwrap().to_string();
    assert!(token.len() >= 25 && l["path"] == format!("/s/{token}"), "{l}");
    let (status, opened) = fetch(&anon, &format!("/api/v1/links/{token}")).await;
    let opened: Value = serde_json::from_slice(&opened).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!((opened["kind"].as_str(), opened["locked"].as_bool()), (Some("download"), Some(false)));
    assert_eq!(opened["node"]["name"], "Ugeplan.txt");
    assert!(opened["owner_name"].as_str().unwrap().starts_with("Lærer"), "{opened}");
    let (status, bytes) = fetch(&anon, &format!("/api/v1/links/{token}/content")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, b"Mandag: dansk og matematik".as_slice()));
    let ranged = anon
        .http
        .get(format!("{}/api/v1/links/{token}/content", anon.base))
        .header("range", "bytes=8-12")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), b"dansk");
    // A file's link opens that file only.
    let (_, other) = laerer.put_file(&root, "Karakterer.txt", b"hemmeligt".to_vec()).await;
    let other = other["id"].as_str().unwrap().to_string();
    let (status, _) = fetch(&anon, &format!("/api/v1/links/{token}/content?node={other}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = fetch(&anon, &format!("/api/v1/links/{}/content", "x".repeat(25))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a made-up token");

    // A download link to a folder: browse it and below it, download from it; nothing beside it.
    let til_hjemmet = laerer.new_folder(&root, "Til hjemmet").await;
    let billeder = laerer.new_folder(&til_hjemmet, "Billeder").await;
    let (_, foto) = laerer.put_file(&billeder, "Udflugt.jpg", vec![0xff, 0xd8, 0xff, 0xe0]).await;
    let foto = foto["id"].as_str().unwrap().to_string();
    let (_, l) = link(&laerer, &til_hjemmet, json!({"kind": "download"})).await;
    let ftoken = l["token"].as_str().unwrap().to_string();
    let (status, listing) = fetch(&anon, &format!("/api/v1/links/{ftoken}/children")).await;
    assert_eq!(status, StatusCode::OK);
    let listing: Value = serde_json::from_slice(&listing).unwrap();
    assert_eq!(listing["children"][0]["name"], "Billeder");
    assert_eq!(listing["path"].as_array().unwrap().len(), 1, "the path starts at the link's folder: {listing}");
    let (status, sub) = fetch(&anon, &format!("/api/v1/links/{ftoken}/children?folder={billeder}")).await;
    let sub: Value = serde_json::from_slice(&sub).unwrap();
    assert_eq!((status, sub["children"][0]["name"].as_str()), (StatusCode::OK, Some("Udflugt.jpg")));
    assert_eq!(sub["path"][0]["name"], "Til hjemmet");
    let (status, bytes) = fetch(&anon, &format!("/api/v1/links/{ftoken}/content?node={foto}")).await;
    assert_eq!((status, bytes), (StatusCode::OK, vec![0xff, 0xd8, 0xff, 0xe0]));
    for outside in [&root, &other, &elev_root] {
        let (status, _) = fetch(&anon, &format!("/api/v1/links/{ftoken}/children?folder={outside}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the drive's top folder, a file beside, another drive");
        let (status, _) = fetch(&anon, &format!("/api/v1/links/{ftoken}/content?node={outside}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    // A password: nothing of what it opens until it is given; wrong ones are throttled.
    let (status, body) = link(&laerer, &til_hjemmet, json!({"kind": "download", "password": "kort"})).await;
    assert_eq!((status, body["error"]["reason"].as_str()), (StatusCode::BAD_REQUEST, Some("too_short")));
    let (status, l) = link(&laerer, &til_hjemmet, json!({"kind": "download", "password": "Sommerferie2027"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(l["has_password"], true);
    let ptoken = l["token"].as_str().unwrap().to_string();
    let (_, opened) = fetch(&anon, &format!("/api/v1/links/{ptoken}")).await;
    let opened: Value = serde_json::from_slice(&opened).unwrap();
    assert_eq!(opened["locked"], true);
    assert!(opened.get("node").is_none(), "{opened}");
    let (status, body) = fetch(&anon, &format!("/api/v1/links/{ptoken}/children")).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "link_locked".to_string()));
    let wrong =
        anon.call(Method::POST, &format!("/api/v1/links/{ptoken}/unlock"), Some(json!({"password": "x"}))).await;
    assert_eq!((wrong.0, wrong.1["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("wrong_link_password")));
    // The right password: the key comes back and as a cookie for this link's addresses.
    let browser = server.anonymous();
    let (status, key) = browser
        .call(Method::POST, &format!("/api/v1/links/{ptoken}/unlock"), Some(json!({"password": "Sommerferie2027"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let (status, _) = fetch(&browser, &format!("/api/v1/links/{ptoken}/content?node={foto}")).await;
    assert_eq!(status, StatusCode::OK, "the cookie opens it");
    let with_header = anon
        .http
        .get(format!("{}/api/v1/links/{ptoken}/children", anon.base))
        .header("x-tavle-link-key", key["key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(with_header.status(), StatusCode::OK, "the header opens it");
    let (status, _) = fetch(&browser, &format!("/api/v1/links/{ftoken}/children?folder={billeder}")).await;
    assert_eq!(status, StatusCode::OK);
    // Guessing: after ten wrong passwords for a link, even the right one has to wait.
    for _ in 0..10 {
        anon.call(Method::POST, &format!("/api/v1/links/{ptoken}/unlock"), Some(json!({"password": "gæt"}))).await;
    }
    let (status, _) = anon
        .call(Method::POST, &format!("/api/v1/links/{ptoken}/unlock"), Some(json!({"password": "Sommerferie2027"})))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // A last day: refused when it has passed; the link ends after it.
    let (status, body) = link(&laerer, &file_id, json!({"kind": "download", "expires_on": "2026-10-01"})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("expires_on")));
    let (status, l) = link(&laerer, &file_id, json!({"kind": "download", "expires_on": "2026-11-05"})).await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    let etoken = l["token"].as_str().unwrap().to_string();
    assert_eq!(fetch(&anon, &format!("/api/v1/links/{etoken}/content")).await.0, StatusCode::OK);
    server.clock.set(tavle_core::Timestamp(common::START.millis() + 4 * 86_400_000)); // 2026-11-06
    assert_eq!(fetch(&anon, &format!("/api/v1/links/{etoken}/content")).await.0, StatusCode::NOT_FOUND);
    server.clock.set(common::START);

    // A drop box: files go in, nothing comes out; a name already there gets a number.
    let aflevering = laerer.new_folder(&root, "Aflevering 1.A").await;
    let (status, body) = link(&laerer, &file_id, json!({"kind": "upload"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "only folders collect files: {body}");
    let (_, l) = link(&laerer, &aflevering, json!({"kind": "upload"})).await;
    let dtoken = l["token"].as_str().unwrap().to_string();
    let (status, first) = drop_file(&anon, &dtoken, "Stil.docx", b"min stil").await;
    assert_eq!((status, first["name"].as_str()), (StatusCode::CREATED, Some("Stil.docx")));
    // The second sender is not told that a "Stil.docx" was there already.
    let (status, second) = drop_file(&anon, &dtoken, "Stil.docx", b"en anden stil").await;
    assert_eq!((status, second["name"].as_str()), (StatusCode::CREATED, Some("Stil.docx")));
    assert!(second.get("id").is_none(), "{second}");
    let (status, body) = drop_file(&anon, &dtoken, "CON.txt", b"x").await;
    assert_eq!((status, body["error"]["reason"].as_str()), (StatusCode::BAD_REQUEST, Some("reserved_name")));
    assert_eq!(fetch(&anon, &format!("/api/v1/links/{dtoken}/children")).await.0, StatusCode::NOT_FOUND);
    let (_, inside) = laerer.get(&format!("/api/v1/drive/nodes/{aflevering}/children")).await;
    let first = inside["children"].as_array().unwrap().iter().find(|c| c["name"] == "Stil.docx").unwrap().clone();
    let first_id = first["id"].as_str().unwrap();
    assert_eq!(fetch(&anon, &format!("/api/v1/links/{dtoken}/content?node={first_id}")).await.0, StatusCode::NOT_FOUND);
    let (_, opened) = fetch(&anon, &format!("/api/v1/links/{dtoken}")).await;
    let opened: Value = serde_json::from_slice(&opened).unwrap();
    assert_eq!((opened["kind"].as_str(), opened["node"]["name"].as_str()), (Some("upload"), Some("Aflevering 1.A")));
    let (_, inside) = laerer.get(&format!("/api/v1/drive/nodes/{aflevering}/children")).await;
    let names: Vec<&str> = inside["children"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Stil (2).docx", "Stil.docx"]);
    assert_eq!(laerer.file_bytes(first_id).await, (StatusCode::OK, b"min stil".to_vec()));
    // A download link cannot take files.
    assert_eq!(drop_file(&anon, &ftoken, "x.txt", b"x").await.0, StatusCode::FORBIDDEN);

    // The owner lists and removes links; a removed link is gone at once. So is one whose
    // folder went to the trash.
    let (status, links) = laerer.get(&format!("/api/v1/drive/nodes/{til_hjemmet}/links")).await;
    assert_eq!((status, links.as_array().unwrap().len()), (StatusCode::OK, 2));
    let (status, _) = elev.get(&format!("/api/v1/drive/nodes/{til_hjemmet}/links")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the pupil's to see");
    let lid = links[1]["id"].as_str().unwrap();
    assert_eq!(links[1]["token"], ftoken.as_str(), "newest first");
    assert_eq!(
        laerer.call(Method::DELETE, &format!("/api/v1/drive/links/{lid}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(fetch(&anon, &format!("/api/v1/links/{ftoken}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        laerer.call(Method::DELETE, &format!("/api/v1/drive/nodes/{aflevering}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(drop_file(&anon, &dtoken, "Sent.txt", b"x").await.0, StatusCode::NOT_FOUND);

    // Every link made, removed, opened, used and guessed at is in the audit log.
    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    let count =
        |action: &str, outcome: &str| audit.iter().filter(|e| e.action == action && e.outcome == outcome).count();
    assert_eq!(count("link.create", "ok"), 5);
    assert_eq!(count("link.delete", "ok"), 1);
    assert_eq!(count("link.open", "ok"), 2, "the file's and the drop box's; a locked link shows nothing");
    assert_eq!(count("link.upload", "ok"), 2);
    assert!(count("link.download", "ok") >= 5);
    assert_eq!(count("link.unlock", "ok"), 1);
    assert_eq!(count("link.unlock", "failed"), 10);
    assert_eq!(count("link.unlock", "throttled"), 2);
    drop(conn);
    server.stop().await;
}

#[tokio::test]
async fn links_on_sqlite() {
    on_both(false).await;
}

#[tokio::test]
async fn links_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        on_both(true).await;
    }
}
