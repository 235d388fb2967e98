//! Tenant isolation, generated from the route table: every route in the OpenAPI document is
//! called by an anonymous caller, a person of another municipality, an admin of another
//! school, a pupil of another class and a disabled person. Each route must have a stated
//! expectation in `isolation_expect/`; a new route without one fails this test. No caller may ever see an
//! identifier of what they are sealed from in any response.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;
mod isolation_expect;

use common::{person_id, Api, TestServer};
use isolation_expect::{body, expectations};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const CALLERS: [&str; 5] = ["anonymous", "other municipality", "other school", "other class", "disabled"];

#[tokio::test]
async fn every_route_is_sealed_on_sqlite() {
    every_route_is_sealed(false).await;
}

/// The same on PostgreSQL, when the suite is given one (CI always is).
#[tokio::test]
async fn every_route_is_sealed_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        every_route_is_sealed(true).await;
    }
}

async fn every_route_is_sealed(postgres: bool) {
    let srv = TestServer::start_with(|_| {}, postgres).await;
    let kommune = srv.login("admin", "demo").await;
    let leder = srv.login("skoleleder", "demo").await;
    let (_, me) = leder.get("/api/v1/me").await;
    let tenant = me["tenant"]["id"].as_str().unwrap().to_string();
    let school = me["schools"][0]["id"].as_str().unwrap().to_string();
    let (_, years) = leder.get(&format!("/api/v1/schools/{school}/years")).await;
    let year = years[0]["id"].as_str().unwrap().to_string();
    let (_, groups) = leder.get(&format!("/api/v1/schools/{school}/groups")).await;
    let class_1a =
        groups.as_array().unwrap().iter().find(|g| g["name"] == "1.A").unwrap()["id"].as_str().unwrap().to_string();
    let elev1 = person_id(&leder, &school, "elev1").await;

    // elev1's own drive with a file that has an older version.
    let elev1_api = srv.login("elev1", "demo").await;
    let (_, spaces) = elev1_api.get("/api/v1/drive/spaces").await;
    let drive = spaces[0]["id"].as_str().unwrap().to_string();
    let drive_root = spaces[0]["root_id"].as_str().unwrap().to_string();
    elev1_api.put_file(&drive_root, "Dagbog.txt", b"1".to_vec()).await;
    let (_, file) = elev1_api.put_file(&drive_root, "Dagbog.txt", b"2".to_vec()).await;
    let file = file["id"].as_str().unwrap().to_string();
    let (_, versions) = elev1_api.get(&format!("/api/v1/drive/nodes/{file}/versions")).await;
    let version = versions[0]["id"].as_str().unwrap().to_string();
    let (_, app_password) =
        elev1_api.call(Method::POST, "/api/v1/me/app-passwords", Some(json!({"name": "Telefon"}))).await;
    let app_password = app_password["id"].as_str().unwrap().to_string();
    let tus = elev1_api.start_tus(&drive_root, "Stor.bin", 10).await;
    assert_eq!(tus.status(), StatusCode::CREATED);
    let (_, flow) = elev1_api.call(Method::POST, "/index.php/login/v2", None).await;
    let login_token = flow["login"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let granted = elev1_api.call(Method::POST, &format!("/api/v1/login-flows/{login_token}/grant"), None).await;
    assert_eq!(granted.0, StatusCode::NO_CONTENT);
    // elev1 shares the file with the one classmate elev3 (not a caller here).
    let elev3 = person_id(&leder, &school, "elev3").await;
    let (status, share) = elev1_api
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{file}/shares"),
            Some(json!({"grantee_kind": "person", "grantee_id": elev3, "access": "view"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{share}");
    let share = share["id"].as_str().unwrap().to_string();
    // elev1 comments on a document of their own.
    let (_, document) = elev1_api
        .call(Method::POST, &format!("/api/v1/drive/nodes/{drive_root}/documents"), Some(json!({"name": "Noter"})))
        .await;
    let document = document["id"].as_str().unwrap().to_string();
    let (status, comment) = elev1_api
        .call(Method::POST, &format!("/api/v1/documents/{document}/comments"), Some(json!({"body": "Husk kilder"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    let comment = comment["id"].as_str().unwrap().to_string();
    let upload = tus.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_string();
    // laerer1 makes a download link to a folder of their own drive.
    let laerer = srv.login("laerer1", "demo").await;
    let (_, spaces) = laerer.get("/api/v1/drive/spaces").await;
    let laerer_root = spaces[0]["root_id"].as_str().unwrap().to_string();
    let (_, folder) = laerer
        .call(Method::POST, &format!("/api/v1/drive/nodes/{laerer_root}/folders"), Some(json!({"name": "Til hjemmet"})))
        .await;
    let folder = folder["id"].as_str().unwrap().to_string();
    let (status, link) = laerer
        .call(Method::POST, &format!("/api/v1/drive/nodes/{folder}/links"), Some(json!({"kind": "download"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let (link_id, token) = (link["id"].as_str().unwrap().to_string(), link["token"].as_str().unwrap().to_string());
    // laerer1 hands out an assignment to 1.A; elev1 hands in.
    let (status, assignment) = laerer
        .call(
            Method::POST,
            "/api/v1/assignments",
            Some(json!({"group_id": class_1a, "title": "Stil", "opens_at": "2026-11-01T00:00:00Z",
                        "deadline": "2026-12-01T00:00:00Z", "resubmit_allowed": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{assignment}");
    let assignment = assignment["id"].as_str().unwrap().to_string();
    let handed = elev1_api
        .req(Method::PUT, &format!("/api/v1/assignments/{assignment}/hand-in/Stil.txt"))
        .header("idempotency-key", "1")
        .body("Min stil")
        .send()
        .await
        .unwrap();
    assert_eq!(handed.status(), StatusCode::CREATED);
    let hand_in = handed.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();

    // Another school in the same municipality, with its own admin.
    let (s, other) = kommune
        .call(Method::POST, "/api/v1/schools", Some(json!({"name": "Østskolen", "institution_number": "999998"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let other_school = other["id"].as_str().unwrap().to_string();
    let (s, created) = srv
        .login("admin", "demo")
        .await
        .call(
            Method::POST,
            &format!("/api/v1/schools/{other_school}/people"),
            Some(json!({"display_name": "Leder Øst", "username": "leder2", "password": "demo", "role": "staff"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let leder2 = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        kommune.call(Method::PUT, &format!("/api/v1/schools/{other_school}/admins/{leder2}"), None).await.0,
        StatusCode::NO_CONTENT
    );

    // Another municipality with its own admin.
    srv.app().org().create_first_admin("0751", Some("Anden Kommune"), "kommune2", "Admin Anden", "demo").await.unwrap();

    // The municipality's login service (its metadata written as if read from the service).
    let provider =
        common::login_provider_row(&srv, &tenant, "unilogin", &format!("{}/api/v1/receipt-key", srv.base)).await;

    // laerer1's passkey (its row as if added from a browser).
    let laerer1 = person_id(&leder, &school, "laerer1").await;
    let passkey = "bGFlcmVyMS1ub2VnbGU";
    let key = tavle_store::passkeys::PasskeyRecord {
        credential_id: passkey.into(),
        name: "Min telefon".into(),
        passkey: "{}".into(),
        created_at: 0,
        last_used_at: None,
    };
    let mut tx = srv.app().store().write().await.unwrap();
    tx.insert_passkey(tenant.parse().unwrap(), laerer1.parse().unwrap(), &key).await.unwrap();
    tx.commit().await.unwrap();

    // The municipality's SCIM token.
    let (status, scim) =
        srv.login("admin", "demo").await.call(Method::POST, "/api/v1/scim-tokens", Some(json!({"name": "IdM"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{scim}");
    let scim_token = scim["id"].as_str().unwrap().to_string();

    // A pupil who will be disabled while logged in.
    let disabled = srv.login("elev2", "demo").await;
    let elev2 = person_id(&leder, &school, "elev2").await;
    assert_eq!(
        leder.call(Method::PATCH, &format!("/api/v1/people/{elev2}"), Some(json!({"status": "disabled"}))).await.0,
        StatusCode::NO_CONTENT
    );

    // What each caller must never see.
    let sealed: [Vec<&str>; 5] = [
        vec![
            &tenant,
            &school,
            &class_1a,
            &elev1,
            &drive,
            &file,
            &version,
            &app_password,
            &upload,
            &share,
            &assignment,
            &hand_in,
            &comment,
            &provider,
        ],
        vec![
            &tenant,
            &school,
            &class_1a,
            &elev1,
            &drive,
            &file,
            &version,
            &app_password,
            &upload,
            &share,
            &assignment,
            &hand_in,
            &comment,
            &provider,
        ],
        vec![
            &school,
            &class_1a,
            &elev1,
            &drive,
            &file,
            &version,
            &app_password,
            &upload,
            &share,
            &assignment,
            &hand_in,
            &comment,
            &provider,
        ],
        vec![
            &class_1a,
            &elev1,
            &drive,
            &file,
            &version,
            &app_password,
            &upload,
            &share,
            &assignment,
            &hand_in,
            &comment,
            &provider,
        ],
        vec![
            &tenant,
            &school,
            &class_1a,
            &elev1,
            &drive,
            &file,
            &version,
            &app_password,
            &upload,
            &share,
            &assignment,
            &hand_in,
            &comment,
            &provider,
        ],
    ];

    let (_, doc) = srv.anonymous().get("/api/v1/openapi.json").await;
    let expect = expectations();
    let mut seen = Vec::new();
    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let route = format!("{} {}", method.to_uppercase(), path);
            seen.push(route.clone());
            let Some(statuses) = expect.get(route.as_str()) else {
                failures.push(format!("{route}: no stated expectation; add one to this test"));
                continue;
            };
            let url = path
                .replace("{school_id}", &school)
                .replace("{group_id}", &class_1a)
                .replace("{person_id}", &elev1)
                .replace("{space_id}", &drive)
                .replace("{node_id}", &file)
                .replace("{version_id}", &version)
                .replace("{image}", &"ab".repeat(32))
                .replace("{app_password_id}", &app_password)
                .replace("{upload_id}", &upload)
                .replace("{login_token}", &login_token)
                .replace("{share_id}", &share)
                .replace("{link_id}", &link_id)
                .replace("{token}", &token)
                .replace("{assignment_id}", &assignment)
                .replace("{hand_in_id}", &hand_in)
                .replace("{comment_id}", &comment)
                .replace("{position}", "0")
                .replace("{name}", "x.txt")
                .replace("{format}", "odt")
                .replace("{provider_id}", &provider)
                .replace("{passkey_id}", passkey)
                .replace("{scim_token_id}", &scim_token)
                .replace("{tenant}", "demo")
                .replace("{provider}", "unilogin");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for (i, caller) in CALLERS.iter().enumerate() {
                // Each call gets a fresh session, so routes that log out do not affect others.
                let api: Api = match *caller {
                    "anonymous" => srv.anonymous(),
                    "other municipality" => srv.login("kommune2", "demo").await,
                    "other school" => srv.login("leder2", "demo").await,
                    "other class" => srv.login("elev41", "demo").await,
                    _ => Api { base: disabled.base.clone(), http: disabled.http.clone(), csrf: disabled.csrf.clone() },
                };
                let (status, text) = if route == "POST /api/v1/drive/uploads" {
                    // Into elev1's own drive, which nobody else may even see.
                    let resp = api
                        .req(m.clone(), &url)
                        .header("upload-length", "10")
                        .header("upload-metadata", common::tus_metadata(&drive_root, "x.bin"))
                        .send()
                        .await
                        .unwrap();
                    (resp.status(), resp.text().await.unwrap())
                } else {
                    api.raw(m.clone(), &url, body(&route, &year, &drive_root, &school, &class_1a, &file)).await
                };
                if status.as_u16() != statuses[i] {
                    failures.push(format!("{route} as {caller}: expected {}, got {status}: {text}", statuses[i]));
                }
                for id in &sealed[i] {
                    if text.contains(id) {
                        failures.push(format!("{route} as {caller}: response reveals sealed id {id}"));
                    }
                }
            }
        }
    }
    // Nothing any of them did changed elev1's file, or took laerer1's passkey.
    let mut conn = srv.app().store().read().await.unwrap();
    let kept = conn.passkeys_of(tenant.parse().unwrap(), laerer1.parse().unwrap()).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(conn.scim_tokens(tenant.parse().unwrap()).await.unwrap().len(), 1, "the SCIM token is kept");
    drop(conn);
    assert_eq!(elev1_api.file_bytes(&file).await, (StatusCode::OK, b"2".to_vec()));
    for route in expect.keys() {
        if !seen.iter().any(|s| s == route) {
            failures.push(format!("{route}: expectation for a route that no longer exists"));
        }
    }
    assert!(failures.is_empty(), "isolation failures:\n{}", failures.join("\n"));
    // Nothing the callers attempted changed elev1.
    let (_, p) = leder.get(&format!("/api/v1/people/{elev1}")).await;
    assert_eq!(p["status"], "active");
    assert_eq!(p["groups"].as_array().unwrap().len(), 2);
    srv.stop().await;
}
