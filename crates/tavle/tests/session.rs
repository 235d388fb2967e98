//! Local login through HTTP: sessions, logout, CSRF, throttling, disabling, timeouts, audit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{person_id, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn login_me_and_logout() {
    let srv = TestServer::start().await;
    let elev = srv.login("Elev1", "demo").await;
    let (s, me) = elev.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["person"]["username"], "elev1");
    assert_eq!(me["tenant"]["code"], "demo");
    let groups: Vec<&str> = me["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(groups, ["1.A", "Musik 1. årgang"]);
    assert_eq!(me["schools"][0]["role"], "pupil");

    let (s, _) = elev.call(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = elev.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "not_logged_in");
    srv.stop().await;
}

/// The `Set-Cookie` header of a successful login.
async fn login_cookie(srv: &TestServer) -> String {
    let resp = common::plain_client()
        .post(format!("{}/api/v1/session", srv.base))
        .json(&json!({"username": "elev1", "password": "demo"}))
        .send()
        .await
        .unwrap();
    resp.headers().get("set-cookie").unwrap().to_str().unwrap().to_string()
}

#[tokio::test]
async fn cookie_is_http_only_and_same_site_lax() {
    let srv = TestServer::start().await;
    let cookie = login_cookie(&srv).await;
    assert!(cookie.starts_with("tavle_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    srv.stop().await;

    let srv = TestServer::start_with(|c| c.secure_cookies = true, false).await;
    let cookie = login_cookie(&srv).await;
    assert!(cookie.starts_with("__Host-tavle_session=") && cookie.contains("Secure"), "{cookie}");
    srv.stop().await;
}

#[tokio::test]
async fn wrong_password_unknown_user_and_bad_body() {
    let srv = TestServer::start().await;
    let anon = srv.anonymous();
    for (user, pass) in [("elev1", "wrong"), ("nobody", "demo"), ("bad name!", "demo")] {
        let (s, body) =
            anon.call(Method::POST, "/api/v1/session", Some(json!({"username": user, "password": pass}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{user}");
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
    let (s, body) = anon.call(Method::POST, "/api/v1/session", Some(json!({"username": "elev1"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
    srv.stop().await;
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let srv = TestServer::start().await;
    let mut admin = srv.login("skoleleder", "demo").await;
    let (_, me) = admin.get("/api/v1/me").await;
    let school = me["schools"][0]["id"].as_str().unwrap().to_string();
    let good = std::mem::take(&mut admin.csrf);
    let body = json!({"label": "2027/28", "starts_on": "2027-08-09", "ends_on": "2028-06-23"});
    let (s, e) = admin.call(Method::POST, &format!("/api/v1/schools/{school}/years"), Some(body.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["code"], "csrf_token_missing");
    admin.csrf = good;
    let (s, y) = admin.call(Method::POST, &format!("/api/v1/schools/{school}/years"), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{y}");
    assert_eq!(y["label"], "2027/28");
    srv.stop().await;
}

#[tokio::test]
async fn a_login_form_from_another_site_is_refused() {
    let srv = TestServer::start().await;
    let resp = common::plain_client()
        .post(format!("{}/api/v1/session", srv.base))
        .header("origin", "https://evil.example")
        .json(&json!({"username": "elev1", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    srv.stop().await;
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_and_source_but_not_for_the_school() {
    let srv = TestServer::start().await;
    let anon = srv.anonymous();
    for _ in 0..10 {
        let (s, _) =
            anon.call(Method::POST, "/api/v1/session", Some(json!({"username": "elev1", "password": "x"}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // The eleventh try is refused without checking the password, even the right one.
    let resp = anon
        .http
        .post(format!("{}/api/v1/session", srv.base))
        .json(&json!({"username": "elev1", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");
    // Classmates behind the same address still log in.
    srv.login("elev2", "demo").await;
    // After the window the account may try again.
    srv.clock.advance_secs(16 * 60);
    srv.login("elev1", "demo").await;
    srv.stop().await;
}

#[tokio::test]
async fn disabling_a_person_ends_their_sessions_at_once() {
    let srv = TestServer::start().await;
    let admin = srv.login("skoleleder", "demo").await;
    let elev = srv.login("elev5", "demo").await;
    assert_eq!(elev.get("/api/v1/me").await.0, StatusCode::OK);
    let (_, me) = admin.get("/api/v1/me").await;
    let school = me["schools"][0]["id"].as_str().unwrap().to_string();
    let id = person_id(&admin, &school, "elev5").await;
    let (s, _) = admin.call(Method::PATCH, &format!("/api/v1/people/{id}"), Some(json!({"status": "disabled"}))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(elev.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (s, body) = srv
        .anonymous()
        .call(Method::POST, "/api/v1/session", Some(json!({"username": "elev5", "password": "demo"})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "account_disabled");
    // A school admin cannot disable the municipality admin.
    let (_, kom) = srv.login("admin", "demo").await.get("/api/v1/me").await;
    let kom_id = kom["person"]["id"].as_str().unwrap();
    let (s, _) =
        admin.call(Method::PATCH, &format!("/api/v1/people/{kom_id}"), Some(json!({"status": "disabled"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    srv.stop().await;
}

#[tokio::test]
async fn sessions_end_when_idle_and_after_the_absolute_limit() {
    let srv = TestServer::start().await;
    let elev = srv.login("elev3", "demo").await;
    srv.clock.advance_secs(3 * 3600);
    assert_eq!(elev.get("/api/v1/me").await.0, StatusCode::OK);
    srv.clock.advance_secs(3 * 3600);
    // Used 3 hours ago: within the 4-hour idle limit.
    assert_eq!(elev.get("/api/v1/me").await.0, StatusCode::OK);
    for _ in 0..3 {
        srv.clock.advance_secs(2 * 3600);
        let _ = elev.get("/api/v1/me").await;
    }
    srv.clock.advance_secs(61);
    // 12 hours after login the session is over, however busy.
    assert_eq!(elev.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let elev = srv.login("elev3", "demo").await;
    srv.clock.advance_secs(4 * 3600 + 61);
    assert_eq!(elev.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    srv.stop().await;
}

#[tokio::test]
async fn log_out_everywhere() {
    let srv = TestServer::start().await;
    let a = srv.login("laerer1", "demo").await;
    let b = srv.login("laerer1", "demo").await;
    let (_, list) = a.get("/api/v1/me/sessions").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list.as_array().unwrap().iter().filter(|s| s["current"] == true).count(), 1);
    let (s, body) = a.call(Method::DELETE, "/api/v1/me/sessions", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["sessions_ended"], 2);
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    srv.stop().await;
}

#[tokio::test]
async fn logins_failures_and_logouts_are_audited() {
    let srv = TestServer::start().await;
    let anon = srv.anonymous();
    anon.call(Method::POST, "/api/v1/session", Some(json!({"username": "elev9", "password": "nej"}))).await;
    let elev = srv.login("elev9", "demo").await;
    elev.call(Method::DELETE, "/api/v1/session", None).await;
    let mut conn = srv.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code("demo").await.unwrap().unwrap();
    let events = conn.audit_events(tenant.id, Some("elev9"), 10).await.unwrap();
    let got: Vec<(String, String)> = events.iter().rev().map(|e| (e.action.clone(), e.outcome.clone())).collect();
    assert_eq!(got, [("session.login".to_string(), "failed".to_string()), ("session.login".into(), "ok".into())]);
    let all = conn.audit_events(tenant.id, None, 50).await.unwrap();
    assert!(all.iter().any(|e| e.action == "session.logout"));
    drop(conn);
    srv.stop().await;
}

#[tokio::test]
async fn a_login_storm_is_told_to_retry_instead_of_piling_up() {
    let srv = TestServer::start_with(
        |c| {
            c.password_workers = Some(1);
            c.password_queue = Some(0);
        },
        false,
    )
    .await;
    let mut tasks = Vec::new();
    for i in 1..=12 {
        let api = srv.anonymous();
        tasks.push(tokio::spawn(async move {
            api.call(Method::POST, "/api/v1/session", Some(json!({"username": format!("elev{i}"), "password": "demo"})))
                .await
        }));
    }
    let mut ok = 0;
    let mut busy = 0;
    for t in tasks {
        let (s, body) = t.await.unwrap();
        match s {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["error"]["code"], "busy");
                busy += 1
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(ok >= 1 && busy >= 1, "ok={ok} busy={busy}");
    // Other requests are unaffected.
    assert_eq!(srv.anonymous().raw(Method::GET, "/healthz", None).await.0, StatusCode::OK);
    srv.stop().await;
}
