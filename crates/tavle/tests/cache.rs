//! The session cache never outlives the truth: a change made on another node, or by the import
//! command in another process, ends cached sessions and refreshes cached views within the
//! sync interval; on the node that made it, at once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::time::{Duration, Instant};

use common::{person_id, Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Calls `GET /api/v1/me` until `done` holds for the answer, for at most three seconds.
async fn eventually(api: &Api, what: &str, done: impl Fn(StatusCode, &serde_json::Value) -> bool) {
    let start = Instant::now();
    loop {
        let (status, body) = api.get("/api/v1/me").await;
        if done(status, &body) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "{what}: still {status} {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn on(api: &Api, node: &TestServer) -> Api {
    Api { base: node.base.clone(), http: api.http.clone(), csrf: api.csrf.clone() }
}

#[tokio::test]
async fn changes_on_another_node_reach_cached_sessions() {
    if tavle_store::testing::postgres_url().is_none() {
        return;
    }
    let a = TestServer::start_with(|c| c.cache_sync_ms = 100, true).await;
    let b = a.another_node().await;
    let leder_b = on(&a.login("skoleleder", "demo").await, &b);
    let school = leder_b.get("/api/v1/me").await.1["schools"][0]["id"].as_str().unwrap().to_string();

    // Cached on node A.
    let elev3 = a.login("elev3", "demo").await;
    let (_, me) = elev3.get("/api/v1/me").await;
    let old_name = me["person"]["display_name"].as_str().unwrap().to_string();
    assert_eq!(elev3.get("/api/v1/me").await.0, StatusCode::OK);

    // Renamed on node B: A's cached view follows.
    let id3 = person_id(&leder_b, &school, "elev3").await;
    let (s, _) = leder_b
        .call(Method::PATCH, &format!("/api/v1/people/{id3}"), Some(json!({"display_name": "Ærø Ny-Navn"})))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    eventually(&elev3, "rename from another node", |s, b| {
        s == StatusCode::OK && b["person"]["display_name"] == "Ærø Ny-Navn"
    })
    .await;
    assert_ne!(old_name, "Ærø Ny-Navn");

    // Disabled on node B: A refuses the cached session.
    let elev4 = a.login("elev4", "demo").await;
    assert_eq!(elev4.get("/api/v1/me").await.0, StatusCode::OK);
    let id4 = person_id(&leder_b, &school, "elev4").await;
    let (s, _) =
        leder_b.call(Method::PATCH, &format!("/api/v1/people/{id4}"), Some(json!({"status": "disabled"}))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    eventually(&elev4, "disable from another node", |s, _| s == StatusCode::UNAUTHORIZED).await;

    // Logged out on node B with the same cookie: A refuses it too.
    let elev5 = a.login("elev5", "demo").await;
    assert_eq!(elev5.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(on(&elev5, &b).call(Method::DELETE, "/api/v1/session", None).await.0, StatusCode::OK);
    eventually(&elev5, "logout on another node", |s, _| s == StatusCode::UNAUTHORIZED).await;

    // An app password used on node A is cached there; revoked on node B, A refuses it, and
    // so it does when its person is disabled.
    let propfind = |node: &TestServer, user: &str, secret: &str| {
        let (url, user, secret) =
            (format!("{}/remote.php/dav/files/{user}/", node.base), user.to_string(), secret.to_string());
        async move {
            let resp = common::plain_client()
                .request(Method::from_bytes(b"PROPFIND").unwrap(), url)
                .basic_auth(user, Some(secret))
                .header("depth", "0")
                .send()
                .await
                .unwrap();
            resp.status()
        }
    };
    let (elev6, secret, id) = common::app_password(&a, "elev6").await;
    for _ in 0..3 {
        assert_eq!(propfind(&a, "elev6", &secret).await, StatusCode::MULTI_STATUS);
    }
    assert_eq!(propfind(&a, "elev7", &secret).await, StatusCode::UNAUTHORIZED, "another person's name");
    let revoked = on(&elev6, &b).call(Method::DELETE, &format!("/api/v1/me/app-passwords/{id}"), None).await;
    assert_eq!(revoked.0, StatusCode::NO_CONTENT);
    let mut refused = false;
    for _ in 0..100 {
        if propfind(&a, "elev6", &secret).await == StatusCode::UNAUTHORIZED {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused, "node A kept accepting an app password revoked on node B");
    let (_, secret, _) = common::app_password(&a, "elev8").await;
    assert_eq!(propfind(&a, "elev8", &secret).await, StatusCode::MULTI_STATUS);
    let id8 = person_id(&leder_b, &school, "elev8").await;
    let (s, _) =
        leder_b.call(Method::PATCH, &format!("/api/v1/people/{id8}"), Some(json!({"status": "disabled"}))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let mut refused = false;
    for _ in 0..100 {
        if propfind(&a, "elev8", &secret).await != StatusCode::MULTI_STATUS {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused, "node A kept accepting the app password of a person disabled on node B");

    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn on_one_node_a_change_holds_at_once() {
    let srv = TestServer::start_with(|c| c.cache_sync_ms = 3_600_000, false).await;
    let leder = srv.login("skoleleder", "demo").await;
    let school = leder.get("/api/v1/me").await.1["schools"][0]["id"].as_str().unwrap().to_string();
    let elev6 = srv.login("elev6", "demo").await;
    assert_eq!(elev6.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(elev6.get("/api/v1/me").await.0, StatusCode::OK);
    let (_, groups) = leder.get(&format!("/api/v1/schools/{school}/groups")).await;
    let class_2a =
        groups.as_array().unwrap().iter().find(|g| g["name"] == "2.A").unwrap()["id"].as_str().unwrap().to_string();
    let id6 = person_id(&leder, &school, "elev6").await;
    let (s, _) = leder
        .call(Method::PUT, &format!("/api/v1/groups/{class_2a}/members/{id6}"), Some(json!({"role": "pupil"})))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // No background sync runs within this test: the write itself refreshed the cache.
    let (_, me) = elev6.get("/api/v1/me").await;
    assert!(me["groups"].as_array().unwrap().iter().any(|g| g["name"] == "2.A"), "{me}");
    // A new teacher of the class is in the pupil's view at once too: the teachers are read
    // with the tenant's shared part of `/me`, which the same change voids.
    let teacher = person_id(&leder, &school, "laerer1").await;
    let teacher_name = leder.get(&format!("/api/v1/people/{teacher}")).await.1["display_name"].clone();
    let before = me["groups"].as_array().unwrap().iter().find(|g| g["name"] == "2.A").unwrap()["teachers"].clone();
    assert!(!before.as_array().unwrap().contains(&teacher_name), "{teacher_name} teaches 2.A already: {before}");
    let (s, _) = leder
        .call(Method::PUT, &format!("/api/v1/groups/{class_2a}/members/{teacher}"), Some(json!({"role": "teacher"})))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, me) = elev6.get("/api/v1/me").await;
    let class = me["groups"].as_array().unwrap().iter().find(|g| g["name"] == "2.A").unwrap().clone();
    assert!(class["teachers"].as_array().unwrap().contains(&teacher_name), "{teacher_name} in {class}");
    assert_eq!(elev6.call(Method::DELETE, "/api/v1/session", None).await.0, StatusCode::OK);
    assert_eq!(elev6.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    srv.stop().await;
}

#[tokio::test]
async fn the_import_command_beside_a_running_server_ends_the_sessions_of_who_left() {
    let srv = TestServer::start_with(|c| c.cache_sync_ms = 100, false).await;
    let leder = srv.login("skoleleder", "demo").await;
    let roster = "school,school_year,id,name,role,username,classes,password\n\
                  999999,2026/27,r1,Søren Æbelø-Ågård,pupil,soren.a,3.A,hemmelig\n\
                  999999,2026/27,r2,Maja Østergaard,pupil,maja.o,3.A,hemmelig\n";
    assert_eq!(leder.upload("/api/v1/roster-imports", roster.into()).await.0, StatusCode::OK);
    let maja = srv.login("maja.o", "hemmelig").await;
    assert_eq!(maja.get("/api/v1/me").await.0, StatusCode::OK);

    // The operator imports a roster without Maja, in another process, on the same database.
    let file = srv.cfg.data_dir.join("later.csv");
    std::fs::write(
        &file,
        "school,school_year,id,name,role,username,classes\n999999,2026/27,r1,Søren Æbelø-Ågård,pupil,soren.a,3.A\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tavle"))
        .args(["import", "roster"])
        .arg(&file)
        .args(["--tenant", "demo", "--data-dir"])
        .arg(&srv.cfg.data_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("person_left: 1"), "{stdout}");
    eventually(&maja, "left by an import in another process", |s, _| s == StatusCode::UNAUTHORIZED).await;
    srv.stop().await;
}
