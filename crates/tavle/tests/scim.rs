//! SCIM provisioning: a municipality admin makes a token (shown once), the identity management
//! system reads what Tavle offers with it (`ServiceProviderConfig`, `ResourceTypes`,
//! `Schemas`, which name that municipality's own schools), a revoked or made-up token is 401,
//! another municipality's token sees only its own schools, and the real client
//! (scim2-tester, `tests/peers/scim/`) passes its discovery checks.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn scim(srv: &TestServer, token: &str, m: Method, path: &str) -> (StatusCode, Option<String>, Value) {
    let resp = reqwest::Client::new()
        .request(m, format!("{}/scim/v2{path}", srv.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let kind = resp.headers().get("content-type").map(|c| c.to_str().unwrap().to_string());
    (status, kind, resp.json().await.unwrap_or(Value::Null))
}

async fn with_csrf(mut api: Api) -> Api {
    let (_, me) = api.get("/api/v1/me").await;
    api.csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
    api
}

#[tokio::test]
async fn a_municipality_provisions_with_its_own_token() {
    let srv = TestServer::start_with(|_| {}, false).await;
    let admin = with_csrf(srv.login("admin", "demo").await).await;
    let leder = with_csrf(srv.login("skoleleder", "demo").await).await;
    let body = Some(json!({"name": "OS2rollekatalog"}));
    assert_eq!(leder.call(Method::POST, "/api/v1/scim-tokens", body.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, bad) = admin.call(Method::POST, "/api/v1/scim-tokens", Some(json!({"name": " "}))).await;
    assert_eq!((status, bad["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("name")));
    let (status, made) = admin.call(Method::POST, "/api/v1/scim-tokens", body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(made["scim_url"], format!("{}/scim/v2", srv.base));
    let (_, list) = admin.get("/api/v1/scim-tokens").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&token), "the secret is shown once");
    assert_eq!(list[0]["last_used_at"], Value::Null);

    // What Tavle offers, with the demo school's institution number as a school's value.
    let (status, kind, spc) = scim(&srv, &token, Method::GET, "/ServiceProviderConfig").await;
    assert_eq!((status, kind.as_deref()), (StatusCode::OK, Some("application/scim+json")));
    assert_eq!(spc["patch"]["supported"], true);
    let (_, _, types) = scim(&srv, &token, Method::GET, "/ResourceTypes").await;
    assert_eq!(types["totalResults"], 2);
    let (_, _, ext) =
        scim(&srv, &token, Method::GET, "/Schemas/urn:ietf:params:scim:schemas:extension:tavle:2.0:Group").await;
    let school = &ext["attributes"].as_array().unwrap().iter().find(|a| a["name"] == "school").unwrap();
    let (_, schools) = admin.get("/api/v1/schools").await;
    let demo_school = schools[0]["institution_number"].as_str().unwrap().to_string();
    assert_eq!(school["canonicalValues"], json!([demo_school]));
    let (status, _, err) = scim(&srv, &token, Method::GET, "/Schemas/urn:findes:ikke").await;
    assert_eq!((status, err["status"].as_str()), (StatusCode::NOT_FOUND, Some("404")));
    assert_eq!(err["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert_eq!(scim(&srv, &token, Method::POST, "/Schemas").await.0, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(scim(&srv, &token, Method::GET, "/Ukendt").await.0, StatusCode::NOT_FOUND);
    assert_eq!(scim(&srv, &token, Method::GET, "/Users").await.0, StatusCode::NOT_IMPLEMENTED);
    assert!(admin.get("/api/v1/scim-tokens").await.1[0]["last_used_at"].is_string(), "the use is noted");

    // Another municipality's token names only its own schools.
    srv.app().org().create_first_admin("0751", Some("Anden Kommune"), "kommune2", "Admin Anden", "demo").await.unwrap();
    let other = with_csrf(srv.login("kommune2", "demo").await).await;
    let (_, theirs) = other.call(Method::POST, "/api/v1/scim-tokens", Some(json!({"name": "IdM"}))).await;
    let their_token = theirs["token"].as_str().unwrap().to_string();
    let (status, _, schemas) = scim(&srv, &their_token, Method::GET, "/Schemas").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!schemas.to_string().contains(&demo_school), "{schemas}");
    assert_eq!(other.get("/api/v1/scim-tokens").await.1.as_array().unwrap().len(), 1, "only their own");
    let id = made["id"].as_str().unwrap();
    assert_eq!(other.call(Method::DELETE, &format!("/api/v1/scim-tokens/{id}"), None).await.0, StatusCode::NOT_FOUND);

    // The real client's discovery checks.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/scim");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: test.sh makes it (python3 -m venv, pip install -r requirements.txt)",
        python.display()
    );
    let base = format!("{}/scim/v2", srv.base);
    let script = dir.join("run_tester.py");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python).arg(script).args([&base, &token, "discovery", "misc"]).output().unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "scim2-tester's discovery checks failed:\n{text}");

    // Revoked, made up, or missing: 401 with the Bearer challenge.
    assert_eq!(admin.call(Method::DELETE, &format!("/api/v1/scim-tokens/{id}"), None).await.0, StatusCode::NO_CONTENT);
    let resp = reqwest::Client::new().get(format!("{}/scim/v2/Schemas", srv.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(scim(&srv, "gaet-et-token", Method::GET, "/Schemas").await.0, StatusCode::UNAUTHORIZED);
    let revoked = made["token"].as_str().unwrap();
    assert_eq!(scim(&srv, revoked, Method::GET, "/ServiceProviderConfig").await.0, StatusCode::UNAUTHORIZED);
    srv.stop().await;
}
