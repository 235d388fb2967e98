//! The isolation test's table (`isolation.rs`): the status each caller must get from each
//! route of the OpenAPI document, and a valid body per route, so a refusal comes from the
//! policy and not from parsing.

use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Expected status per caller, in the order of `CALLERS`.
pub fn expectations() -> BTreeMap<&'static str, [u16; 5]> {
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
        // A waiting login's steps need its cookie, which no caller has.
        ("GET /api/v1/session/second-factor", [401, 401, 401, 401, 401]),
        ("POST /api/v1/session/second-factor/totp", [401, 401, 401, 401, 401]),
        ("PUT /api/v1/session/second-factor/totp", [401, 401, 401, 401, 401]),
        ("POST /api/v1/session/second-factor/passkey", [401, 401, 401, 401, 401]),
        ("PUT /api/v1/session/second-factor/passkey", [401, 401, 401, 401, 401]),
        ("POST /api/v1/session/second-factor/passkey-challenge", [401, 401, 401, 401, 401]),
        // A login with a passkey alone begins before anyone is known; an answer that is not a
        // credential is a bad request for everyone.
        ("POST /api/v1/session/passkey-challenge", [200, 200, 200, 200, 200]),
        ("POST /api/v1/session/passkey", [400, 400, 400, 400, 400]),
        // Passkeys are each person's own: laerer1's is nobody else's to remove.
        ("GET /api/v1/me/passkeys", [401, 200, 200, 200, 401]),
        ("POST /api/v1/me/passkeys/challenge", [401, 200, 200, 403, 401]),
        ("POST /api/v1/me/passkeys", [401, 400, 400, 403, 401]),
        ("DELETE /api/v1/me/passkeys/{passkey_id}", [401, 404, 404, 404, 401]),
        // The rule is the municipality admin's, for their own municipality (here: nobody).
        ("GET /api/v1/second-factor-rule", [401, 200, 403, 403, 401]),
        ("PUT /api/v1/second-factor-rule", [401, 200, 403, 403, 401]),
        // SCIM tokens are the municipality admin's: another municipality's admin makes one in
        // their own municipality, and cannot revoke this one's.
        ("GET /api/v1/scim-tokens", [401, 200, 403, 403, 401]),
        ("POST /api/v1/scim-tokens", [401, 201, 403, 403, 401]),
        ("DELETE /api/v1/scim-tokens/{scim_token_id}", [401, 404, 403, 403, 401]),
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
pub fn body(route: &str, year: &str, drive_root: &str, school: &str, class_1a: &str, file: &str) -> Option<Value> {
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
        "POST /api/v1/session/second-factor" | "PUT /api/v1/me/totp" | "PUT /api/v1/session/second-factor/totp" => {
            json!({"code": "123456"})
        }
        "POST /api/v1/session/passkey" | "POST /api/v1/me/passkeys" | "PUT /api/v1/session/second-factor/passkey" => {
            json!({"ceremony": "gæt", "credential": {"id": "x"}, "name": "Stjålet"})
        }
        "PUT /api/v1/second-factor-rule" => json!({"roles": []}),
        "POST /api/v1/scim-tokens" => json!({"name": "Stjålet IdM"}),
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
