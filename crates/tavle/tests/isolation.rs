//! Tenant isolation, generated from the route table: every route in the OpenAPI document is
//! called by an anonymous caller, a person of another municipality, an admin of another
//! school, a pupil of another class and a disabled person. Each route must have a stated
//! expectation here; a new route without one fails this test. No caller may ever see an
//! identifier of what they are sealed from in any response.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::collections::BTreeMap;

use common::{person_id, Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const CALLERS: [&str; 5] = ["anonymous", "other municipality", "other school", "other class", "disabled"];

/// Expected status per caller, in the order of `CALLERS`.
fn expectations() -> BTreeMap<&'static str, [u16; 5]> {
    BTreeMap::from([
        ("POST /api/v1/session", [400, 400, 400, 400, 400]),
        ("DELETE /api/v1/session", [401, 200, 200, 200, 401]),
        ("GET /api/v1/me", [401, 200, 200, 200, 401]),
        // The receipt key is public: anyone checks receipts with it.
        ("GET /api/v1/receipt-key", [200, 200, 200, 200, 200]),
        ("GET /api/v1/me/sessions", [401, 200, 200, 200, 401]),
        // A password is changed by its owner, who must know the current one.
        ("PUT /api/v1/me/password", [401, 403, 403, 403, 401]),
        ("DELETE /api/v1/me/sessions", [401, 200, 200, 200, 401]),
        ("GET /api/v1/me/app-passwords", [401, 200, 200, 200, 401]),
        ("POST /api/v1/me/app-passwords", [401, 201, 201, 201, 401]),
        // elev1's app password is elev1's to revoke.
        ("DELETE /api/v1/me/app-passwords/{app_password_id}", [401, 404, 404, 404, 401]),
        // A login request is approved by whoever opened it; the token is the secret. This one
        // was approved already, so it is gone for everyone.
        ("GET /api/v1/login-flows/{login_token}", [401, 404, 404, 404, 401]),
        ("POST /api/v1/login-flows/{login_token}/grant", [401, 404, 404, 404, 401]),
        ("GET /api/v1/schools", [401, 200, 200, 200, 401]),
        // A municipality admin creates schools in their own municipality only.
        ("POST /api/v1/schools", [401, 201, 403, 403, 401]),
        ("GET /api/v1/schools/{school_id}", [401, 404, 404, 200, 401]),
        ("GET /api/v1/schools/{school_id}/years", [401, 404, 404, 200, 401]),
        ("POST /api/v1/schools/{school_id}/years", [401, 404, 404, 403, 401]),
        ("GET /api/v1/schools/{school_id}/groups", [401, 404, 404, 200, 401]),
        ("POST /api/v1/schools/{school_id}/groups", [401, 404, 404, 403, 401]),
        ("GET /api/v1/schools/{school_id}/people", [401, 404, 404, 403, 401]),
        ("POST /api/v1/schools/{school_id}/people", [401, 404, 404, 403, 401]),
        ("PUT /api/v1/schools/{school_id}/admins/{person_id}", [401, 404, 403, 403, 401]),
        ("DELETE /api/v1/schools/{school_id}/admins/{person_id}", [401, 404, 403, 403, 401]),
        ("GET /api/v1/groups/{group_id}", [401, 404, 404, 404, 401]),
        ("PUT /api/v1/groups/{group_id}/members/{person_id}", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/groups/{group_id}/members/{person_id}", [401, 404, 404, 404, 401]),
        ("GET /api/v1/people/{person_id}", [401, 404, 404, 404, 401]),
        ("PATCH /api/v1/people/{person_id}", [401, 404, 404, 404, 401]),
        // The roster names the demo school by its institution number: another municipality's
        // admin gets that school created in their own municipality; the admin of another
        // school and a pupil may not import it.
        ("POST /api/v1/roster-imports", [401, 200, 403, 403, 401]),
        // Everyone has their own drives; elev1's own drive and file are elev1's alone.
        ("GET /api/v1/drive/spaces", [401, 200, 200, 200, 401]),
        ("GET /api/v1/drive/search", [401, 200, 200, 200, 401]),
        ("GET /api/v1/drive/recent", [401, 200, 200, 200, 401]),
        ("GET /api/v1/drive/spaces/{space_id}", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/spaces/{space_id}/trash", [401, 404, 404, 404, 401]),
        // Quotas: admins of elev1's own school, and of the municipality.
        ("PUT /api/v1/drive/spaces/{space_id}/quota", [401, 404, 404, 404, 401]),
        ("GET /api/v1/people/{person_id}/drive", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/nodes/{node_id}", [401, 404, 404, 404, 401]),
        ("PATCH /api/v1/drive/nodes/{node_id}", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/drive/nodes/{node_id}", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/nodes/{node_id}/children", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/nodes/{node_id}/content", [401, 404, 404, 404, 401]),
        ("POST /api/v1/drive/nodes/{node_id}/copy", [401, 404, 404, 404, 401]),
        ("PUT /api/v1/drive/nodes/{node_id}/files/{name}", [401, 404, 404, 404, 401]),
        ("POST /api/v1/drive/nodes/{node_id}/folders", [401, 404, 404, 404, 401]),
        // Documents are drive nodes: elev1's are elev1's alone, the socket included (it is
        // refused before the upgrade, with the table's answer).
        ("POST /api/v1/drive/nodes/{node_id}/documents", [401, 404, 404, 404, 401]),
        ("POST /api/v1/drive/nodes/{node_id}/convert", [401, 404, 404, 404, 401]),
        ("POST /api/v1/drive/nodes/{node_id}/office", [401, 404, 404, 404, 401]),
        // The office server is the municipality's: its people read it, its admin sets it.
        ("GET /api/v1/office", [401, 404, 404, 404, 401]),
        ("PUT /api/v1/office", [401, 400, 403, 403, 401]),
        ("DELETE /api/v1/office", [401, 204, 403, 403, 401]),
        // Login services are the municipality's admin's to see and change; another
        // municipality's admin adds one only to their own (here refused: its address is this
        // machine, which login services may not be).
        // Second factors are each person's own; a login's second step needs its waiting login.
        ("POST /api/v1/session/second-factor", [401, 401, 401, 401, 401]),
        ("GET /api/v1/me/second-factors", [401, 200, 200, 200, 401]),
        ("POST /api/v1/me/totp", [401, 200, 200, 403, 401]),
        // Staff began their own enrolment just before (a wrong first code); the pupil has none.
        ("PUT /api/v1/me/totp", [401, 400, 400, 409, 401]),
        ("DELETE /api/v1/me/totp", [401, 403, 403, 403, 401]),
        ("POST /api/v1/me/recovery-codes", [401, 403, 403, 403, 401]),
        ("DELETE /api/v1/people/{person_id}/second-factors", [401, 404, 404, 404, 401]),
        ("GET /api/v1/login-providers", [401, 200, 403, 403, 401]),
        ("POST /api/v1/login-providers", [401, 400, 403, 403, 401]),
        ("GET /api/v1/login-providers/{provider_id}", [401, 404, 403, 403, 401]),
        ("PATCH /api/v1/login-providers/{provider_id}", [401, 404, 403, 403, 401]),
        ("DELETE /api/v1/login-providers/{provider_id}", [401, 404, 403, 403, 401]),
        ("POST /api/v1/login-providers/{provider_id}/check", [401, 404, 403, 403, 401]),
        // Logging in through a login service happens before anyone is logged in: the same for
        // every caller. Without their query (`tenant`, `q`) the lookups are bad requests.
        ("GET /api/v1/login/options", [400, 400, 400, 400, 400]),
        ("GET /api/v1/login/schools", [400, 400, 400, 400, 400]),
        // The start sends the browser to the login service (here an address of Tavle's own
        // that answers 200); a callback without the browser's attempt cookie goes back to the
        // login page (the web app's page, 200) with the reason.
        ("GET /api/v1/login/oidc/{tenant}/{provider}/start", [200, 200, 200, 200, 200]),
        ("GET /api/v1/login/oidc/{tenant}/{provider}/callback", [200, 200, 200, 200, 200]),
        // A provider's back-channel logout without a token is refused, whoever sends it.
        ("POST /api/v1/login/oidc/{tenant}/{provider}/backchannel-logout", [400, 400, 400, 400, 400]),
        ("GET /api/v1/documents/{node_id}/text", [401, 404, 404, 404, 401]),
        ("GET /api/v1/documents/{node_id}/socket", [401, 404, 404, 404, 401]),
        ("GET /api/v1/documents/{node_id}/export/{format}", [401, 404, 404, 404, 401]),
        ("POST /api/v1/documents/{node_id}/versions", [401, 404, 404, 404, 401]),
        ("GET /api/v1/documents/{node_id}/versions/{version_id}/export/{format}", [401, 404, 404, 404, 401]),
        ("POST /api/v1/documents/{node_id}/versions/{version_id}/restore", [401, 404, 404, 404, 401]),
        ("GET /api/v1/documents/{node_id}/comments", [401, 404, 404, 404, 401]),
        ("POST /api/v1/documents/{node_id}/comments", [401, 404, 404, 404, 401]),
        ("PATCH /api/v1/documents/{node_id}/comments/{comment_id}", [401, 404, 404, 404, 401]),
        // Pictures: taken into and read from elev1's own documents only.
        ("POST /api/v1/documents/{node_id}/images", [401, 404, 404, 404, 401]),
        ("POST /api/v1/documents/{node_id}/images/from-drive", [401, 404, 404, 404, 401]),
        ("GET /api/v1/documents/{node_id}/images/{image}", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/nodes/{node_id}/versions", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/nodes/{node_id}/versions/{version_id}/content", [401, 404, 404, 404, 401]),
        ("POST /api/v1/drive/nodes/{node_id}/versions/{version_id}/restore", [401, 404, 404, 404, 401]),
        ("POST /api/v1/drive/trash/{node_id}/restore", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/drive/trash/{node_id}", [401, 404, 404, 404, 401]),
        // Sharing elev1's file is elev1's; what is shared with each caller is their own list.
        ("POST /api/v1/drive/nodes/{node_id}/shares", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/nodes/{node_id}/shares", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/drive/shares/{share_id}", [401, 404, 404, 404, 401]),
        // Only teachers and staff make links, and only on what they may edit themselves.
        ("POST /api/v1/drive/nodes/{node_id}/links", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/nodes/{node_id}/links", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/drive/links/{link_id}", [401, 404, 404, 404, 401]),
        // A link's token is its secret: laerer1's download link to a folder opens for anyone
        // who has it, logged in or not, and shows the folder and nothing else.
        ("GET /api/v1/links/{token}", [200, 200, 200, 200, 200]),
        ("POST /api/v1/links/{token}/unlock", [409, 409, 409, 409, 409]),
        ("GET /api/v1/links/{token}/children", [200, 200, 200, 200, 200]),
        ("GET /api/v1/links/{token}/content", [409, 409, 409, 409, 409]),
        ("PUT /api/v1/links/{token}/files/{name}", [403, 403, 403, 403, 403]),
        // Assignments: 1.A's, handed in by elev1. Another school's admin and another class's
        // pupil may not see 1.A (so not "forbidden" but "not found").
        ("POST /api/v1/assignments", [401, 404, 404, 404, 401]),
        ("GET /api/v1/assignments", [401, 200, 200, 200, 401]),
        ("GET /api/v1/assignments/{assignment_id}", [401, 404, 404, 404, 401]),
        ("PUT /api/v1/assignments/{assignment_id}", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/assignments/{assignment_id}", [401, 404, 404, 404, 401]),
        ("PUT /api/v1/assignments/{assignment_id}/hand-in/{name}", [401, 404, 404, 404, 401]),
        ("POST /api/v1/assignments/{assignment_id}/hand-in", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/assignments/{assignment_id}/hand-in", [401, 404, 404, 404, 401]),
        ("GET /api/v1/assignments/{assignment_id}/hand-ins", [401, 404, 404, 404, 401]),
        ("GET /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}", [401, 404, 404, 404, 401]),
        (
            "GET /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/export/{format}",
            [401, 404, 404, 404, 401],
        ),
        (
            "GET /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments",
            [401, 404, 404, 404, 401],
        ),
        (
            "GET /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/images/{image}",
            [401, 404, 404, 404, 401],
        ),
        (
            "POST /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments",
            [401, 404, 404, 404, 401],
        ),
        (
            "PATCH /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments/{comment_id}",
            [401, 404, 404, 404, 401],
        ),
        ("GET /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/receipt", [401, 404, 404, 404, 401]),
        ("GET /api/v1/assignments/{assignment_id}/hand-ins.zip", [401, 404, 404, 404, 401]),
        ("GET /api/v1/assignments/{assignment_id}/invigilation", [401, 404, 404, 404, 401]),
        ("PUT /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback", [401, 404, 404, 404, 401]),
        ("PUT /api/v1/assignments/{assignment_id}/pupils/{person_id}/extra-time", [401, 404, 404, 404, 401]),
        ("GET /api/v1/assignments/{assignment_id}/files/{position}", [401, 404, 404, 404, 401]),
        ("POST /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback-files", [401, 404, 404, 404, 401]),
        (
            "GET /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback-files/{position}",
            [401, 404, 404, 404, 401],
        ),
        (
            "DELETE /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback-files/{position}",
            [401, 404, 404, 404, 401],
        ),
        ("GET /api/v1/groups/{group_id}/assignment-overview", [401, 404, 404, 404, 401]),
        ("GET /api/v1/drive/shared-with-me", [401, 200, 200, 200, 401]),
        // tus: what the server speaks is public; an upload is its starter's alone.
        ("OPTIONS /api/v1/drive/uploads", [204, 204, 204, 204, 204]),
        ("POST /api/v1/drive/uploads", [401, 404, 404, 404, 401]),
        ("HEAD /api/v1/drive/uploads/{upload_id}", [401, 404, 404, 404, 401]),
        ("PATCH /api/v1/drive/uploads/{upload_id}", [401, 404, 404, 404, 401]),
        ("DELETE /api/v1/drive/uploads/{upload_id}", [401, 404, 404, 404, 401]),
    ])
}

/// A valid body per route, so a refusal comes from the policy and not from parsing.
fn body(route: &str, year: &str, drive_root: &str, school: &str, class_1a: &str, file: &str) -> Option<Value> {
    Some(match route {
        "POST /api/v1/session" => json!({}),
        "POST /api/v1/schools" => json!({"name": "Ny Skole", "institution_number": "123456"}),
        "POST /api/v1/schools/{school_id}/years" => {
            json!({"label": "2030/31", "starts_on": "2030-08-01", "ends_on": "2031-06-30"})
        }
        "POST /api/v1/schools/{school_id}/groups" => {
            json!({"school_year_id": year, "name": "9.X", "kind": "class", "grade": 9, "letter": "X"})
        }
        "POST /api/v1/schools/{school_id}/people" => json!({"display_name": "Ny Elev", "role": "pupil"}),
        "PUT /api/v1/groups/{group_id}/members/{person_id}" => json!({"role": "teacher"}),
        "PATCH /api/v1/people/{person_id}" => json!({"status": "disabled"}),
        "PATCH /api/v1/drive/nodes/{node_id}" => json!({"name": "Stjålet.txt"}),
        "POST /api/v1/drive/nodes/{node_id}/folders" => json!({"name": "Ny"}),
        "POST /api/v1/drive/nodes/{node_id}/documents" => json!({"name": "Ny"}),
        "POST /api/v1/documents/{node_id}/versions" => json!({"name": "Stjålet"}),
        "POST /api/v1/documents/{node_id}/images/from-drive" => json!({"node": file}),
        "PUT /api/v1/office" => json!({"discovery_url": "http://127.0.0.1:9/hosting/discovery"}),
        "POST /api/v1/login-providers" => json!({"slug": "unilogin", "display_name": "Unilogin", "preset": "unilogin",
                                                 "issuer": "http://127.0.0.1:9/realms/x", "client_id": "tavle"}),
        "POST /api/v1/session/second-factor" | "PUT /api/v1/me/totp" => json!({"code": "123456"}),
        "DELETE /api/v1/me/totp" | "POST /api/v1/me/recovery-codes" => json!({"password": "gæt"}),
        "PATCH /api/v1/login-providers/{provider_id}" => json!({"display_name": "Stjålet", "enabled": false}),
        "POST /api/v1/documents/{node_id}/comments"
        | "POST /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments" => {
            json!({"body": "Stjålet", "anchor": "AQ:Ag", "quote": "x"})
        }
        "PATCH /api/v1/documents/{node_id}/comments/{comment_id}"
        | "PATCH /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments/{comment_id}" => {
            json!({"resolved": true})
        }
        "PUT /api/v1/drive/nodes/{node_id}/files/{name}" => json!({"bytes": "of a file"}),
        "POST /api/v1/roster-imports" => json!({
            "schools": [{"institution_number": "999999", "name": "Tavleskolen"}],
            "school_years": [{"school": "999999", "label": "2026/27", "starts_on": "2026-08-01", "ends_on": "2027-07-31"}],
            "groups": [{"id": "1a", "school": "999999", "school_year": "2026/27", "name": "1.A", "kind": "class",
                        "grade": 1, "letter": "A"}],
            "people": [{"id": "x1", "name": "Ny Elev", "groups": [{"group": "1a", "role": "pupil"}]}]
        }),
        "POST /api/v1/drive/nodes/{node_id}/copy" => json!({"parent_id": drive_root}),
        "POST /api/v1/me/app-passwords" => json!({"name": "Laptop"}),
        "PUT /api/v1/me/password" => json!({"current_password": "gæt", "new_password": "et nyt kodeord"}),
        "POST /api/v1/drive/nodes/{node_id}/shares" => {
            json!({"grantee_kind": "school", "grantee_id": school, "access": "edit"})
        }
        "POST /api/v1/drive/nodes/{node_id}/links" => json!({"kind": "download"}),
        "PUT /api/v1/drive/spaces/{space_id}/quota" => json!({"quota_bytes": 1_i64 << 30}),
        "POST /api/v1/links/{token}/unlock" => json!({"password": "gæt et kodeord"}),
        "POST /api/v1/assignments" | "PUT /api/v1/assignments/{assignment_id}" => {
            json!({"group_id": class_1a, "title": "Stjålet", "deadline": "2026-12-01T12:00:00Z"})
        }
        "POST /api/v1/assignments/{assignment_id}/hand-in" => json!({"node_ids": [file]}),
        "PUT /api/v1/assignments/{assignment_id}/pupils/{person_id}/extra-time" => json!({"extra_secs": 3600}),
        "PUT /api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback" => {
            json!({"feedback": "Flot", "grade": "12", "returned": true})
        }
        _ => return None,
    })
}

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
    // Nothing any of them did changed elev1's file.
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
