//! Assignments and hand-ins against the real server: drafts only the teacher sees, hand-in
//! by upload and from the drive as a frozen snapshot, a signed receipt that verifies, retries
//! with the same idempotency key answered once, handing in again, late and closed, the
//! teacher's overview and reads, and hand-in contents kept by `tavle check`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Api, TestServer, START};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

fn at(ms: i64) -> String {
    tavle_core::Timestamp(ms).to_rfc3339()
}

async fn class(api: &Api, name: &str) -> String {
    let (_, me) = api.get("/api/v1/me").await;
    me["groups"].as_array().unwrap().iter().find(|g| g["name"] == name).unwrap()["id"].as_str().unwrap().to_string()
}

async fn create(api: &Api, body: Value) -> Value {
    let (status, a) = api.call(Method::POST, "/api/v1/assignments", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    a
}

async fn upload(api: &Api, assignment: &str, name: &str, key: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let resp = api
        .req(Method::PUT, &format!("/api/v1/assignments/{assignment}/hand-in/{name}"))
        .header("idempotency-key", key)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

async fn statuses(api: &Api, assignment: &str) -> Vec<(String, String)> {
    let (status, all) = api.get(&format!("/api/v1/assignments/{assignment}/hand-ins")).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    all.as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["status"].as_str().unwrap().to_string()))
        .collect()
}

fn status_of(all: &[(String, String)], name: &str) -> String {
    all.iter().find(|(n, _)| n == name).unwrap().1.clone()
}

async fn name_of(api: &Api) -> String {
    api.get("/api/v1/me").await.1["person"]["display_name"].as_str().unwrap().to_string()
}

async fn on_both(postgres: bool) {
    let server = TestServer::start_with(|c| c.grades_from_grade = 1, postgres).await;
    let laerer = server.login("laerer1", "demo").await;
    let class_1a = class(&laerer, "1.A").await;
    let elev1 = server.login("elev1", "demo").await;
    let elev2 = server.login("elev2", "demo").await;
    let elev21 = server.login("elev21", "demo").await;

    // A draft is the teacher's alone.
    let draft =
        create(&laerer, json!({"group_id": class_1a, "title": "Udkast", "deadline": at(START.millis() + HOUR)})).await;
    assert!(draft.get("opens_at").is_none());
    let did = draft["id"].as_str().unwrap();
    assert_eq!(elev1.get(&format!("/api/v1/assignments/{did}")).await.0, StatusCode::NOT_FOUND);
    let (status, body) = laerer
        .call(
            Method::POST,
            "/api/v1/assignments",
            Some(json!({"group_id": class_1a, "title": " ", "deadline": at(START.millis())})),
        )
        .await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("title")));
    let (status, _) = elev1
        .call(
            Method::POST,
            "/api/v1/assignments",
            Some(json!({"group_id": class_1a, "title": "Mit", "deadline": at(START.millis())})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "pupils hand out nothing");

    // Publishing the draft: its pupils see it from its opening; changes before then are not
    // listed, changes after it are.
    let mut body = json!({"group_id": class_1a, "title": "Udkast, nu klar", "instructions": "Læs side 4.",
        "opens_at": at(START.millis() + HOUR), "deadline": at(START.millis() + 3 * HOUR)});
    let (status, published) = laerer.call(Method::PUT, &format!("/api/v1/assignments/{did}"), Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["changes"].as_array().unwrap().len(), 0, "not opened yet");
    assert_eq!(elev1.get(&format!("/api/v1/assignments/{did}")).await.0, StatusCode::OK, "published");
    assert_eq!(
        elev1.call(Method::PUT, &format!("/api/v1/assignments/{did}"), Some(body.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    server.clock.set(tavle_core::Timestamp(START.millis() + HOUR + 60_000));
    let laerer = server.login("laerer1", "demo").await;
    let elev1 = server.login("elev1", "demo").await;
    body["deadline"] = json!(at(START.millis() + 4 * HOUR));
    body["instructions"] = json!("Læs side 4 og 5.");
    let (status, _) = laerer.call(Method::PUT, &format!("/api/v1/assignments/{did}"), Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = elev1.get(&format!("/api/v1/assignments/{did}")).await;
    let fields: Vec<&str> =
        seen["changes"][0]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["instructions", "deadline"], "{seen}");
    body["opens_at"] = Value::Null;
    let (status, _) = laerer.call(Method::PUT, &format!("/api/v1/assignments/{did}"), Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "an opened assignment is not a draft again");
    server.clock.set(START);
    let laerer = server.login("laerer1", "demo").await;
    let elev1 = server.login("elev1", "demo").await;

    // Open now, due in an hour; handing in again is allowed.
    let stil = create(
        &laerer,
        json!({"group_id": class_1a, "title": "Stil om efteråret", "instructions": "Skriv en side.",
               "opens_at": at(START.millis()), "deadline": at(START.millis() + HOUR), "resubmit_allowed": true}),
    )
    .await;
    let sid = stil["id"].as_str().unwrap().to_string();
    let (_, mine) = elev1.get("/api/v1/assignments").await;
    let titles: Vec<&str> = mine.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, vec!["Stil om efteråret", "Udkast, nu klar"], "soonest deadline first");
    assert_eq!(elev21.get(&format!("/api/v1/assignments/{sid}")).await.0, StatusCode::NOT_FOUND, "1.B's pupil");

    // elev1 uploads; the receipt verifies with the published key.
    let (status, body) = upload(&elev1, &sid, "Stil.txt", "", b"x").await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("idempotency_key")));
    let text = "Efteråret er gult og rødt.".as_bytes();
    let (status, first) = upload(&elev1, &sid, "Stil.txt", "forsog-1", text).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["late_by_secs"], 0);
    let key = server.anonymous().get("/api/v1/receipt-key").await.1["public_key"].as_str().unwrap().to_string();
    let receipt = serde_json::to_vec(&first["receipt"]).unwrap();
    let verified = tavle_app::receipts::verify(&receipt, Some(&key)).unwrap();
    assert_eq!(verified.receipt.files[0].size, text.len() as u64);
    assert_eq!(verified.receipt.pupil_name, name_of(&elev1).await);
    assert_eq!(verified.receipt.assignment_title, "Stil om efteråret");
    // The same key again: the same hand-in and the same receipt, not a second hand-in.
    let (status, again) = upload(&elev1, &sid, "Stil.txt", "forsog-1", b"other bytes").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((again["id"].clone(), again["receipt"].clone()), (first["id"].clone(), first["receipt"].clone()));
    // That answer came before its body was read: it says the connection closes, so a client
    // that pools connections does not send its next request on a closing one. An upload whose
    // body was read keeps its connection.
    let closing = |r: &reqwest::Response| r.headers().get("connection").map(|v| v.to_str().unwrap().to_string());
    let retry = elev1
        .req(Method::PUT, &format!("/api/v1/assignments/{sid}/hand-in/Stil.txt"))
        .header("idempotency-key", "forsog-1")
        .body(vec![7u8; 1 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!((retry.status(), closing(&retry).as_deref()), (StatusCode::OK, Some("close")));
    let home = elev1.home().await;
    let kept = elev1.req(Method::PUT, &format!("/api/v1/drive/nodes/{home}/files/kladde.txt")).body(vec![7u8; 1 << 20]);
    let kept = kept.send().await.unwrap();
    assert_eq!((kept.status(), closing(&kept)), (StatusCode::CREATED, None));
    let hid = first["id"].as_str().unwrap().to_string();
    let resp =
        elev1.req(Method::GET, &format!("/api/v1/assignments/{sid}/hand-ins/{hid}/receipt")).send().await.unwrap();
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("kvittering-"));
    assert!(tavle_app::receipts::verify(&resp.bytes().await.unwrap(), Some(&key)).is_ok(), "the receipt file");

    // elev2 hands in a file of their drive: a frozen copy that later edits do not reach.
    let root = elev2.home().await;
    let (_, file) = elev2.put_file(&root, "Min stil.txt", b"Version 1".to_vec()).await;
    let fid = file["id"].as_str().unwrap().to_string();
    let (status, h2) = elev2
        .req(Method::POST, &format!("/api/v1/assignments/{sid}/hand-in"))
        .header("idempotency-key", "a")
        .json(&json!({"node_ids": [fid]}))
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(status, StatusCode::CREATED);
    let h2: Value = h2.json().await.unwrap();
    elev2.put_file(&root, "Min stil.txt", b"Version 2, changed after".to_vec()).await;
    let h2id = h2["id"].as_str().unwrap();
    let got =
        elev2.req(Method::GET, &format!("/api/v1/assignments/{sid}/hand-ins/{h2id}/files/0")).send().await.unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"Version 1");
    assert_eq!(
        elev1.get(&format!("/api/v1/assignments/{sid}/hand-ins/{h2id}/receipt")).await.0,
        StatusCode::NOT_FOUND,
        "another pupil's hand-in"
    );
    // Even when the drive file is gone for good, the hand-in keeps its contents.
    assert_eq!(elev2.call(Method::DELETE, &format!("/api/v1/drive/nodes/{fid}"), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(elev2.call(Method::DELETE, &format!("/api/v1/drive/trash/{fid}"), None).await.0, StatusCode::NO_CONTENT);

    // The teacher's overview; reading a pupil's hand-in is audited.
    let all = statuses(&laerer, &sid).await;
    assert_eq!(all.len(), 20, "every pupil of 1.A");
    assert_eq!(status_of(&all, &name_of(&elev1).await), "handed_in");
    assert_eq!(status_of(&all, &name_of(&elev2).await), "handed_in");
    assert_eq!(all.iter().filter(|(_, s)| s == "missing").count(), 18);
    assert_eq!(elev1.get(&format!("/api/v1/assignments/{sid}/hand-ins")).await.0, StatusCode::FORBIDDEN);
    let got =
        laerer.req(Method::GET, &format!("/api/v1/assignments/{sid}/hand-ins/{hid}/files/0")).send().await.unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), text);

    // All hand-ins as one streamed zip: each pupil's files and receipt, a manifest, the key.
    let resp = laerer.req(Method::GET, &format!("/api/v1/assignments/{sid}/hand-ins.zip")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(resp.bytes().await.unwrap().to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut out).unwrap();
        out
    };
    let manifest = String::from_utf8(read("manifest.csv")).unwrap();
    assert_eq!(manifest.lines().count(), 21, "a header and a row for each of the 20 pupils: {manifest}");
    let row = manifest.lines().find(|l| l.contains(first["pupil_id"].as_str().unwrap())).unwrap();
    let path = row.rsplit(',').nth(1).unwrap().trim_matches('"').to_string(); // then the team
    assert!(row.contains(",handed_in,") && path.ends_with("/Stil.txt"), "{row}");
    assert_eq!(read(&path), text);
    let folder = path.rsplit_once('/').unwrap().0.to_string();
    let receipt = read(&format!("{folder}/kvittering.json"));
    assert_eq!(tavle_app::receipts::verify(&receipt, Some(&key)).unwrap().receipt.hand_in_id, hid);
    assert!(String::from_utf8(read("receipt-key.txt")).unwrap().contains(&key));
    assert_eq!(manifest.matches(",missing,").count(), 18);
    assert_eq!(elev1.get(&format!("/api/v1/assignments/{sid}/hand-ins.zip")).await.0, StatusCode::FORBIDDEN);

    // Handing in again replaces the current hand-in; taking back leaves none.
    let (status, second) = upload(&elev1, &sid, "Stil v2.txt", "forsog-2", b"Bedre nu.").await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, a) = elev1.get(&format!("/api/v1/assignments/{sid}")).await;
    assert_eq!(a["my_hand_in"]["id"], second["id"]);
    assert_eq!(
        elev1.call(Method::DELETE, &format!("/api/v1/assignments/{sid}/hand-in"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert!(elev1.get(&format!("/api/v1/assignments/{sid}")).await.1.get("my_hand_in").is_none());
    assert_eq!(status_of(&statuses(&laerer, &sid).await, &name_of(&elev1).await), "missing");

    // Feedback and a grade: the pupil sees nothing until it is returned.
    let hid2 = second["id"].as_str().unwrap().to_string();
    let (status, _) = upload(&elev1, &sid, "Stil v3.txt", "forsog-3", b"Endnu bedre.").await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, a) = elev1.get(&format!("/api/v1/assignments/{sid}")).await;
    let hid3 = a["my_hand_in"]["id"].as_str().unwrap().to_string();
    assert_ne!(hid3, hid2);
    let path = format!("/api/v1/assignments/{sid}/hand-ins/{hid3}/feedback");
    let (status, body) = laerer.call(Method::PUT, &path, Some(json!({"feedback": "Godt", "grade": "11"}))).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("grade")));
    let (status, fb) = laerer.call(Method::PUT, &path, Some(json!({"feedback": "Fine billeder.", "grade": "7"}))).await;
    assert_eq!((status, fb["grade"].as_str()), (StatusCode::OK, Some("7")), "{fb}");
    let (_, a) = elev1.get(&format!("/api/v1/assignments/{sid}")).await;
    assert!(a["my_hand_in"].get("grade").is_none() && a["my_hand_in"].get("feedback").is_none(), "not returned: {a}");
    assert_eq!(elev1.call(Method::PUT, &path, Some(json!({"grade": "12"}))).await.0, StatusCode::FORBIDDEN);
    let (status, _) = laerer
        .call(Method::PUT, &path, Some(json!({"feedback": "Fine billeder.", "grade": "7", "returned": true})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, a) = elev1.get(&format!("/api/v1/assignments/{sid}")).await;
    assert_eq!(
        (a["my_hand_in"]["grade"].as_str(), a["my_hand_in"]["feedback"].as_str()),
        (Some("7"), Some("Fine billeder."))
    );
    assert!(a["my_hand_in"]["returned_at"].is_string());

    // No resubmission: a second hand-in is refused. After the deadline (and the grace), closed.
    let prove = create(
        &laerer,
        json!({"group_id": class_1a, "title": "Prøve", "mode": "exam", "opens_at": at(START.millis()),
               "deadline": at(START.millis() + HOUR)}),
    )
    .await;
    let pid = prove["id"].as_str().unwrap().to_string();
    assert_eq!(upload(&elev1, &pid, "Svar.txt", "1", b"42").await.0, StatusCode::CREATED);
    let (status, body) = upload(&elev1, &pid, "Svar.txt", "2", b"43").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    let late_ok = create(
        &laerer,
        json!({"group_id": class_1a, "title": "Lektie", "opens_at": at(START.millis()),
               "deadline": at(START.millis() + HOUR), "late_allowed": true}),
    )
    .await;
    let lid = late_ok["id"].as_str().unwrap().to_string();
    server.clock.set(tavle_core::Timestamp(START.millis() + 2 * HOUR));
    let elev2 = server.login("elev2", "demo").await;
    assert_eq!(upload(&elev2, &pid, "Svar.txt", "1", b"for sent").await.0, StatusCode::CONFLICT, "the exam closed");
    // Unless the teacher asks for a new hand-in: then it is taken, marked late.
    let laerer = server.login("laerer1", "demo").await;
    let (_, exam_hand_ins) = laerer.get(&format!("/api/v1/assignments/{pid}/hand-ins")).await;
    let elev1_name = name_of(&elev1).await;
    let exam_hand_in = exam_hand_ins.as_array().unwrap().iter().find(|p| p["name"] == elev1_name.as_str()).unwrap()
        ["hand_in"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ask = format!("/api/v1/assignments/{pid}/hand-ins/{exam_hand_in}/feedback");
    let (status, _) = laerer
        .call(
            Method::PUT,
            &ask,
            Some(json!({"feedback": "Aflever igen.", "returned": true, "resubmission_requested": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let elev1 = server.login("elev1", "demo").await;
    let (status, redo) = upload(&elev1, &pid, "Svar.txt", "3", b"44").await;
    assert_eq!((status, redo["late_by_secs"].as_i64()), (StatusCode::CREATED, Some(3600)), "{redo}");
    let (status, late) = upload(&elev2, &lid, "Lektie.txt", "1", b"lidt sent").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(late["late_by_secs"], 3600);
    let laerer = server.login("laerer1", "demo").await;
    assert_eq!(status_of(&statuses(&laerer, &lid).await, &name_of(&elev2).await), "late");

    // Two days on, `tavle check` collects unused contents but keeps the hand-ins'.
    server.clock.set(tavle_core::Timestamp(START.millis() + 50 * HOUR));
    let report = server.app().drive().check_storage(|_, _| {}).await.unwrap();
    assert!(report.is_clean());
    let laerer = server.login("laerer1", "demo").await;
    let got =
        laerer.req(Method::GET, &format!("/api/v1/assignments/{sid}/hand-ins/{h2id}/files/0")).send().await.unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"Version 1", "kept after the drive file was purged");

    // Deleting an assignment with hand-ins needs a confirmation; without one nothing changes.
    let path = format!("/api/v1/assignments/{lid}");
    let (status, body) = laerer.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["message"].as_str().unwrap().starts_with("1 hand-in(s)"), "{body}");
    assert_eq!(laerer.get(&path).await.0, StatusCode::OK, "still there");
    let elev2 = server.login("elev2", "demo").await;
    assert_eq!(elev2.call(Method::DELETE, &format!("{path}?confirm=true"), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(laerer.call(Method::DELETE, &format!("{path}?confirm=true"), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(laerer.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(elev2.get(&path).await.0, StatusCode::NOT_FOUND);

    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("assignment.delete"), 1);
    assert_eq!(count("assignment.create"), 4);
    assert_eq!(count("assignment.update"), 2);
    assert_eq!(count("hand_in.create"), 7);
    assert_eq!(count("hand_in.feedback"), 3);
    assert_eq!(count("hand_in.withdraw"), 1);
    assert_eq!(count("hand_in.read"), 2);
    assert_eq!(count("hand_in.export"), 1);
    drop(conn);
    server.stop().await;
}

#[tokio::test]
async fn assignments_on_sqlite() {
    on_both(false).await;
}

#[tokio::test]
async fn assignments_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        on_both(true).await;
    }
}

/// An exam with extra time for one pupil: their deadline moves, the others' does not, and while
/// the exam runs for them they cannot share.
async fn exam_with_extra_time(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let laerer = server.login("laerer1", "demo").await;
    let leder = server.login("skoleleder", "demo").await;
    let school = leder.get("/api/v1/me").await.1["schools"][0]["id"].as_str().unwrap().to_string();
    let class_1a = class(&laerer, "1.A").await;
    // A closed exam from 08:10 to 09:10.
    let (opens, deadline) = (START.millis() + 600_000, START.millis() + 600_000 + HOUR);
    let exam = create(
        &laerer,
        json!({"group_id": class_1a, "title": "Skriftlig dansk", "mode": "closed_exam",
               "instructions": "Skriv om havet.", "opens_at": at(opens), "deadline": at(deadline)}),
    )
    .await;
    let eid = exam["id"].as_str().unwrap().to_string();
    let elev3 = common::person_id(&leder, &school, "elev3").await;
    let path = format!("/api/v1/assignments/{eid}/pupils/{elev3}/extra-time");
    let (status, body) = laerer.call(Method::PUT, &path, Some(json!({"extra_secs": -1}))).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("extra_secs")));
    assert_eq!(laerer.call(Method::PUT, &path, Some(json!({"extra_secs": 1800}))).await.0, StatusCode::NO_CONTENT);
    let elev21 = common::person_id(&leder, &school, "elev21").await;
    let other = format!("/api/v1/assignments/{eid}/pupils/{elev21}/extra-time");
    assert_eq!(
        laerer.call(Method::PUT, &other, Some(json!({"extra_secs": 60}))).await.0,
        StatusCode::NOT_FOUND,
        "not in 1.A"
    );

    // Before it starts the pupil's drive is theirs as always.
    let pupil = server.login("elev3", "demo").await;
    let root = pupil.home().await;
    let (_, f) = pupil.put_file(&root, "Noter.txt", b"x".to_vec()).await;
    let fid = f["id"].as_str().unwrap().to_string();
    let (_, early) = pupil.get(&format!("/api/v1/assignments/{eid}")).await;
    assert_eq!(early["instructions"], "", "the exam paper is hidden until the start");
    let invigilation = format!("/api/v1/assignments/{eid}/invigilation");
    let (_, v) = laerer.get(&invigilation).await;
    assert_eq!((v["phase"].as_str(), v["not_started"].as_u64()), (Some("not_yet_open"), Some(20)), "{v}");

    // While it runs: the exam page opens (and the invigilator sees the pupil working), their
    // drives, shares and search do not, and nothing can be shared.
    server.clock.set(tavle_core::Timestamp(opens + 1000));
    let pupil = server.login("elev3", "demo").await;
    let (_, seen) = pupil.get(&format!("/api/v1/assignments/{eid}")).await;
    assert_eq!(
        (seen["extra_secs"].as_i64(), seen["my_deadline"].as_str()),
        (Some(1800), Some(at(deadline + 1_800_000).as_str()))
    );
    assert_eq!(seen["instructions"], "Skriv om havet.");
    pupil.get(&format!("/api/v1/assignments/{eid}")).await;
    for locked in ["/api/v1/drive/spaces", &format!("/api/v1/drive/nodes/{fid}"), "/api/v1/drive/shared-with-me"] {
        let (status, body) = pupil.get(locked).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("exam_locked")), "{locked}");
    }
    let share = json!({"grantee_kind": "group", "grantee_id": class_1a, "access": "view"});
    let (status, body) =
        pupil.call(Method::POST, &format!("/api/v1/drive/nodes/{fid}/shares"), Some(share.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let laerer = server.login("laerer1", "demo").await;
    let (_, v) = laerer.get(&invigilation).await;
    assert_eq!(
        (v["phase"].as_str(), v["working"].as_u64(), v["not_started"].as_u64()),
        (Some("open"), Some(1), Some(19))
    );
    let me = v["pupils"].as_array().unwrap().iter().find(|p| p["pupil_id"] == elev3.as_str()).unwrap();
    assert_eq!(
        (me["state"].as_str(), me["deadline"].as_str()),
        (Some("working"), Some(at(deadline + 1_800_000).as_str()))
    );
    assert_eq!(pupil.get(&invigilation).await.0, StatusCode::FORBIDDEN);

    // Ten minutes after the deadline: closed for elev2, still open for elev3.
    server.clock.set(tavle_core::Timestamp(deadline + 600_000));
    let elev2 = server.login("elev2", "demo").await;
    let pupil = server.login("elev3", "demo").await;
    assert_eq!(upload(&elev2, &eid, "Stil.txt", "1", b"for sent").await.0, StatusCode::CONFLICT);
    let (status, h) = upload(&pupil, &eid, "Stil.txt", "1", "med forlænget tid".as_bytes()).await;
    assert_eq!((status, h["late_by_secs"].as_i64()), (StatusCode::CREATED, Some(0)), "{h}");
    let laerer = server.login("laerer1", "demo").await;
    let (_, v) = laerer.get(&invigilation).await;
    assert_eq!((v["phase"].as_str(), v["handed_in"].as_u64()), (Some("closed"), Some(1)));
    // After their own deadline the exam is over for them too: drives and sharing work again.
    server.clock.set(tavle_core::Timestamp(deadline + 2 * HOUR));
    let pupil = server.login("elev3", "demo").await;
    assert_eq!(pupil.get("/api/v1/drive/spaces").await.0, StatusCode::OK);
    let (status, _) = pupil.call(Method::POST, &format!("/api/v1/drive/nodes/{fid}/shares"), Some(share)).await;
    assert_eq!(status, StatusCode::CREATED);

    // The export for the external examiner: the hand-in with its receipt. Every exam action
    // is in the audit log.
    let laerer = server.login("laerer1", "demo").await;
    let resp = laerer.req(Method::GET, &format!("/api/v1/assignments/{eid}/hand-ins.zip")).send().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(resp.bytes().await.unwrap().to_vec())).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    assert_eq!(names.iter().filter(|n| n.ends_with("/kvittering.json")).count(), 1, "{names:?}");
    assert!(names.iter().any(|n| n.ends_with("/Stil.txt")), "{names:?}");
    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(
        ["exam.open", "exam.export", "assignment.extra_time", "hand_in.create"].map(count),
        [1, 1, 1, 1],
        "each exam action once"
    );
    drop(conn);
    zip.by_index(0).unwrap();
    server.stop().await;
}

#[tokio::test]
async fn exam_with_extra_time_on_sqlite() {
    exam_with_extra_time(false).await;
}

#[tokio::test]
async fn exam_with_extra_time_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        exam_with_extra_time(true).await;
    }
}
