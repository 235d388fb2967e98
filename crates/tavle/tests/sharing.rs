//! Sharing against the real server: with a person (viewer, then editor), with a class (every
//! member by one share, ending with the school year, following the roster), with a school;
//! "shared with me"; what sharing may not do; and the audit of it all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{person_id, Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn share(api: &Api, node: &str, kind: &str, id: &str, access: &str) -> (StatusCode, Value) {
    api.call(
        Method::POST,
        &format!("/api/v1/drive/nodes/{node}/shares"),
        Some(json!({"grantee_kind": kind, "grantee_id": id, "access": access})),
    )
    .await
}

async fn shared_names(api: &Api) -> Vec<String> {
    let (status, list) = api.get("/api/v1/drive/shared-with-me").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().iter().map(|i| i["node"]["node"]["name"].as_str().unwrap().to_string()).collect()
}

async fn on_both(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let leder = server.login("skoleleder", "demo").await;
    let (_, me) = leder.get("/api/v1/me").await;
    let school = me["schools"][0]["id"].as_str().unwrap().to_string();
    let elev1 = server.login("elev1", "demo").await;
    let elev2 = server.login("elev2", "demo").await;
    let elev2_id = person_id(&leder, &school, "elev2").await;

    // A pupil shares a folder with a classmate as viewer.
    let root = elev1.home().await;
    let projekt = elev1.new_folder(&root, "Projekt om vikinger").await;
    let (_, file) = elev1.put_file(&projekt, "Noter.txt", b"Vikingerne sejlede".to_vec()).await;
    let file = file["id"].as_str().unwrap().to_string();
    assert_eq!(elev2.get(&format!("/api/v1/drive/nodes/{file}")).await.0, StatusCode::NOT_FOUND, "before");
    let (status, s) = share(&elev1, &projekt, "person", &elev2_id, "view").await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let share_id = s["id"].as_str().unwrap().to_string();
    assert_eq!(shared_names(&elev2).await, vec!["Projekt om vikinger"]);
    assert_eq!(elev2.file_bytes(&file).await, (StatusCode::OK, b"Vikingerne sejlede".to_vec()));
    let (status, _) = elev2.put_file(&projekt, "Mine.txt", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer cannot add");
    // The viewer cannot share it on.
    let (status, _) = share(&elev2, &projekt, "school", &school, "view").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // As editor, the classmate adds a file, which counts against the owner's drive.
    let (status, _) = share(&elev1, &projekt, "person", &elev2_id, "edit").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = elev2.put_file(&projekt, "Tegning.txt", b"12345".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, spaces) = elev1.get("/api/v1/drive/spaces").await;
    assert_eq!(spaces[0]["used_bytes"], 18 + 5);
    let (_, shares) = elev1.get(&format!("/api/v1/drive/nodes/{projekt}/shares")).await;
    assert_eq!(shares.as_array().unwrap().len(), 1, "the second share changed the first");
    assert_eq!(shares[0]["access"], "edit");

    // Ending the share ends the access.
    assert_eq!(
        elev1.call(Method::DELETE, &format!("/api/v1/drive/shares/{share_id}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(elev2.get(&format!("/api/v1/drive/nodes/{file}")).await.0, StatusCode::NOT_FOUND);
    assert!(shared_names(&elev2).await.is_empty());

    // A teacher shares with the whole class: one share, every member, until the year ends.
    let laerer = server.login("laerer1", "demo").await;
    let (_, groups) = leder.get(&format!("/api/v1/schools/{school}/groups")).await;
    let class_1a = groups.as_array().unwrap().iter().find(|g| g["name"] == "1.A").unwrap();
    let class_id = class_1a["id"].as_str().unwrap().to_string();
    let lroot = laerer.home().await;
    let opgaver = laerer.new_folder(&lroot, "Ugens opgaver").await;
    let (status, s) = share(&laerer, &opgaver, "group", &class_id, "view").await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert!(s["expires_at"].as_str().unwrap().starts_with("2027-0"), "{s}");
    let (_, members) = laerer.get(&format!("/api/v1/groups/{class_id}")).await;
    let pupils: Vec<&Value> = members["members"].as_array().unwrap().iter().filter(|m| m["role"] == "pupil").collect();
    assert!(pupils.len() > 5);
    assert!(shared_names(&elev1).await.contains(&"Ugens opgaver".to_string()), "elev1 is in 1.A");
    let outsider = server.login("elev41", "demo").await;
    assert!(shared_names(&outsider).await.is_empty(), "not in 1.A");
    // The roster decides: a pupil moved out of the class loses it at once.
    let elev1_id = person_id(&leder, &school, "elev1").await;
    let removed = leder.call(Method::DELETE, &format!("/api/v1/groups/{class_id}/members/{elev1_id}"), None).await;
    assert_eq!(removed.0, StatusCode::NO_CONTENT);
    let elev1 = server.login("elev1", "demo").await;
    assert!(!shared_names(&elev1).await.contains(&"Ugens opgaver".to_string()));
    // After the school year, the share is over.
    server.clock.set(tavle_core::Timestamp(1_803_945_600_000)); // 2027-03-01, within the year
    let elev3 = server.login("elev3", "demo").await;
    assert!(shared_names(&elev3).await.contains(&"Ugens opgaver".to_string()));
    server.clock.set(tavle_core::Timestamp(1_817_500_000_000)); // 2027-08-05, after it
    let elev3 = server.login("elev3", "demo").await;
    assert!(shared_names(&elev3).await.is_empty(), "ended with the school year");

    // Sharing with someone the sharer cannot see, or with nothing, is refused.
    let laerer = server.login("laerer1", "demo").await; // the clock moved past the session
    let (status, _) = share(&laerer, &opgaver, "person", &uuid_like(), "view").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = share(&laerer, &opgaver, "everyone", "x", "view").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_input")));

    // Every share and its end is in the audit log.
    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "share.create").count(), 3);
    assert_eq!(actions.iter().filter(|a| **a == "share.delete").count(), 1);
    assert!(actions.contains(&"file.download"), "elev2 read elev1's file: {actions:?}");
    drop(conn);
    server.stop().await;
}

fn uuid_like() -> String {
    "01900000-0000-7000-8000-000000000001".into()
}

#[tokio::test]
async fn sharing_on_sqlite() {
    on_both(false).await;
}

#[tokio::test]
async fn sharing_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        on_both(true).await;
    }
}
