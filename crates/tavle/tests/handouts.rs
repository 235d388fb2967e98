//! What goes out with an assignment, against the real server: teams who hand in together, a
//! template frozen from the teacher's drive and copied into each working folder when it opens,
//! attachments, files given back with feedback, the overview per class, and an exam for a few
//! pupils whose lock lets their working folder through.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
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

async fn person(api: &Api) -> String {
    api.get("/api/v1/me").await.1["person"]["id"].as_str().unwrap().to_string()
}

async fn bytes(api: &Api, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = api.req(Method::GET, path).send().await.unwrap();
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

/// The files of a folder, by name → id.
async fn files_in(api: &Api, folder: &str) -> Vec<(String, String)> {
    let (status, f) = api.get(&format!("/api/v1/drive/nodes/{folder}/children")).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    f["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["id"].as_str().unwrap().to_string()))
        .collect()
}

fn id_of(files: &[(String, String)], name: &str) -> String {
    files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} in {files:?}")).1.clone()
}

on_both_backends!(teams_work_in_one_folder_from_a_template_and_hand_in_together);
async fn teams_work_in_one_folder_from_a_template_and_hand_in_together(postgres: bool) {
    let server = TestServer::start_with(|c| c.grades_from_grade = 1, postgres).await;
    let laerer = server.login("laerer1", "demo").await;
    let class_1a = class(&laerer, "1.A").await;
    let home = laerer.home().await;
    let (_, tpl) = laerer.put_file(&home, "Skabelon.txt", b"skabelon v1".to_vec()).await;
    let (_, att) = laerer.put_file(&home, "Bilag.txt", b"bilag".to_vec()).await;
    let [e1, e2, e3, e4] = [
        server.login("elev1", "demo").await,
        server.login("elev2", "demo").await,
        server.login("elev3", "demo").await,
        server.login("elev4", "demo").await,
    ];
    let [p1, p2, p3] = [person(&e1).await, person(&e2).await, person(&e3).await];
    let opens = START.millis() + HOUR;
    let mut body = json!({"group_id": class_1a, "title": "Vandets kredsløb", "instructions": "Skriv sammen.",
        "opens_at": at(opens), "deadline": at(opens + 2 * HOUR), "audience": "teams",
        "teams": [[p1, p2], [p3]], "template": tpl["id"], "attachments": [att["id"]]});

    // Only pupils of the class, each in one team.
    let outsider = person(&server.login("elev21", "demo").await).await;
    for teams in [json!([[p1, outsider]]), json!([[p1], [p1, p2]]), json!([[p1], []])] {
        let mut bad = body.clone();
        bad["teams"] = teams;
        let (status, err) = laerer.call(Method::POST, "/api/v1/assignments", Some(bad)).await;
        assert_eq!((status, err["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("audience")), "{err}");
    }
    let (status, a) = laerer.call(Method::POST, "/api/v1/assignments", Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_str().unwrap().to_string();
    assert_eq!((a["audience"].as_str(), a["teams"].as_array().unwrap().len()), (Some("teams"), 2));
    let kinds: Vec<&str> = a["files"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["template", "attachment"]);
    assert_eq!(e4.get(&format!("/api/v1/assignments/{aid}")).await.0, StatusCode::NOT_FOUND, "not in a team");
    let (_, early) = e1.get(&format!("/api/v1/assignments/{aid}")).await;
    assert!(early.get("work_folder_id").is_none(), "no working folder before it opens: {early}");

    // The teacher changes the original afterwards: what was handed out stays as it was.
    laerer.put_file(&home, "Skabelon.txt", b"skabelon v2".to_vec()).await;

    // Opened: the first of a team to open it gets the working folder with the template in it,
    // shared with the rest of the team.
    server.clock.set(tavle_core::Timestamp(opens + 60_000));
    let [e1, e2, e3] =
        [server.login("elev1", "demo").await, server.login("elev2", "demo").await, server.login("elev3", "demo").await];
    let (_, v1) = e1.get(&format!("/api/v1/assignments/{aid}")).await;
    let folder = v1["work_folder_id"].as_str().unwrap().to_string();
    assert_eq!((v1["team"].as_u64(), v1["team_names"].as_array().unwrap().len()), (Some(1), 2));
    assert_eq!(bytes(&e1, &format!("/api/v1/assignments/{aid}/files/1")).await, (StatusCode::OK, b"bilag".to_vec()));
    let work = files_in(&e1, &folder).await;
    assert_eq!(e1.file_bytes(&id_of(&work, "Skabelon.txt")).await.1, b"skabelon v1");
    let (_, v2) = e2.get(&format!("/api/v1/assignments/{aid}")).await;
    assert_eq!(v2["work_folder_id"].as_str(), Some(folder.as_str()), "one folder for the team");
    let (status, svar) = e2.put_file(&folder, "Svar.txt", b"vores svar".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "a teammate edits in it: {svar}");
    let (_, v3) = e3.get(&format!("/api/v1/assignments/{aid}")).await;
    let folder3 = v3["work_folder_id"].as_str().unwrap().to_string();
    assert_ne!(folder3, folder);
    assert_eq!(e3.file_bytes(&id_of(&files_in(&e3, &folder3).await, "Skabelon.txt")).await.1, b"skabelon v1");
    assert_eq!(e3.get(&format!("/api/v1/drive/nodes/{folder}")).await.0, StatusCode::NOT_FOUND, "another team's");
    // After opening, the template and the teams stay.
    body["opens_at"] = json!(at(opens));
    for change in [json!({"template": null, "attachments": []}), json!({"teams": [[p1], [p2, p3]]})] {
        let mut b = body.clone();
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (status, err) = laerer.call(Method::PUT, &format!("/api/v1/assignments/{aid}"), Some(b)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
    }

    // One hands in from the working folder, for the team: the receipt names them all, and the
    // hand-in counts for the other as well.
    let hand_in = json!({"node_ids": [id_of(&files_in(&e1, &folder).await, "Svar.txt")]});
    let resp = e1
        .req(Method::POST, &format!("/api/v1/assignments/{aid}/hand-in"))
        .header("idempotency-key", "k1")
        .json(&hand_in)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let h: Value = resp.json().await.unwrap();
    assert_eq!((h["team"].as_u64(), h["receipt"]["receipt"]["team"].as_array().unwrap().len()), (Some(1), 2));
    let hid = h["id"].as_str().unwrap().to_string();
    let (_, v2) = e2.get(&format!("/api/v1/assignments/{aid}")).await;
    assert_eq!(v2["my_hand_in"]["id"].as_str(), Some(hid.as_str()));
    let resp = e2
        .req(Method::PUT, &format!("/api/v1/assignments/{aid}/hand-in/Mit.txt"))
        .header("idempotency-key", "k2")
        .body("mit eget")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT, "the team has handed in already");
    e2.put_file(&folder, "Svar.txt", b"rettet bagefter".to_vec()).await;
    let (status, got) = bytes(&e2, &format!("/api/v1/assignments/{aid}/hand-ins/{hid}/files/0")).await;
    assert_eq!((status, got), (StatusCode::OK, b"vores svar".to_vec()), "frozen, and the team's to read");

    // The teacher: three pupils (the fourth is in no team), the team handed in.
    let (_, all) = laerer.get(&format!("/api/v1/assignments/{aid}/hand-ins")).await;
    let st: Vec<(u64, &str)> =
        all.as_array().unwrap().iter().map(|p| (p["team"].as_u64().unwrap(), p["status"].as_str().unwrap())).collect();
    assert_eq!(st, [(1, "handed_in"), (1, "handed_in"), (2, "missing")]);

    // Files back with the feedback: seen by the pupils once returned.
    let fb = format!("/api/v1/assignments/{aid}/hand-ins/{hid}/feedback-files");
    let resp = laerer.req(Method::POST, &format!("{fb}?name=Rettet.txt")).body("med rettelser").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        e2.req(Method::POST, &format!("{fb}?name=X.txt")).body("x").send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(bytes(&e2, &format!("{fb}/0")).await.0, StatusCode::NOT_FOUND, "not returned yet");
    let (_, v2) = e2.get(&format!("/api/v1/assignments/{aid}")).await;
    assert_eq!(v2["my_hand_in"]["feedback_files"].as_array().unwrap().len(), 0);
    let feedback = json!({"feedback": "Godt samarbejde.", "grade": "10", "returned": true});
    let (status, _) =
        laerer.call(Method::PUT, &format!("/api/v1/assignments/{aid}/hand-ins/{hid}/feedback"), Some(feedback)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes(&e2, &format!("{fb}/0")).await, (StatusCode::OK, b"med rettelser".to_vec()));
    let (_, v1) = e1.get(&format!("/api/v1/assignments/{aid}")).await;
    assert_eq!(
        (v1["my_hand_in"]["grade"].as_str(), v1["my_hand_in"]["feedback_files"][0]["name"].as_str()),
        (Some("10"), Some("Rettet.txt"))
    );

    // The overview of the class: every pupil the assignment is for, with the grade.
    let (status, o) = laerer.get(&format!("/api/v1/groups/{class_1a}/assignment-overview")).await;
    assert_eq!(status, StatusCode::OK, "{o}");
    let col = o["assignments"].as_array().unwrap().iter().find(|c| c["id"] == aid.as_str()).unwrap();
    let cells = col["pupils"].as_array().unwrap();
    assert_eq!(cells.len(), 3);
    assert!(cells.iter().filter(|c| c["grade"] == "10" && c["returned"] == true).count() == 2, "{col}");
    assert_eq!(e1.get(&format!("/api/v1/groups/{class_1a}/assignment-overview")).await.0, StatusCode::FORBIDDEN);

    // The zip holds the team's hand-in once, in the team's folder, and a row for each pupil.
    let (_, z) = bytes(&laerer, &format!("/api/v1/assignments/{aid}/hand-ins.zip")).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(z)).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    assert_eq!(names.iter().filter(|n| n.ends_with("Svar.txt")).collect::<Vec<_>>(), ["Gruppe 1/Svar.txt"]);
    let mut manifest = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("manifest.csv").unwrap(), &mut manifest).unwrap();
    assert_eq!(manifest.lines().filter(|l| l.contains("Gruppe 1/Svar.txt")).count(), 2, "{manifest}");

    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "assignment.work_folder").count(), 2, "one per team");
    drop(conn);
    server.stop().await;
}

on_both_backends!(a_closed_exam_for_some_pupils_lets_their_working_folder_through);
async fn a_closed_exam_for_some_pupils_lets_their_working_folder_through(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let laerer = server.login("laerer1", "demo").await;
    let class_1a = class(&laerer, "1.A").await;
    let home = laerer.home().await;
    let (_, tpl) = laerer.put_file(&home, "Prøve.txt", b"opgave 1:".to_vec()).await;
    let e5 = server.login("elev5", "demo").await;
    let p5 = person(&e5).await;
    let own = e5.put_file(&e5.home().await, "Noter.txt", b"snyd".to_vec()).await.1["id"].as_str().unwrap().to_string();
    let opens = START.millis() + HOUR;
    let body = json!({"group_id": class_1a, "title": "Prøve", "mode": "closed_exam", "opens_at": at(opens),
        "deadline": at(opens + HOUR), "audience": "pupils", "pupils": [p5], "template": tpl["id"]});
    let (status, a) = laerer.call(Method::POST, "/api/v1/assignments", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_str().unwrap().to_string();
    let (_, early) = e5.get(&format!("/api/v1/assignments/{aid}")).await;
    assert_eq!(early["files"].as_array().unwrap().len(), 0, "the template is staged, not shown: {early}");
    assert_eq!(bytes(&e5, &format!("/api/v1/assignments/{aid}/files/0")).await.0, StatusCode::NOT_FOUND);

    server.clock.set(tavle_core::Timestamp(opens + 1000));
    let e5 = server.login("elev5", "demo").await;
    let e6 = server.login("elev6", "demo").await;
    let (_, v) = e5.get(&format!("/api/v1/assignments/{aid}")).await;
    let folder = v["work_folder_id"].as_str().unwrap().to_string();
    let work = files_in(&e5, &folder).await;
    assert_eq!(e5.file_bytes(&id_of(&work, "Prøve.txt")).await.1, b"opgave 1:");
    let (status, _) = e5.put_file(&folder, "Prøve.txt", b"opgave 1: 42".to_vec()).await;
    assert!(status.is_success(), "the working folder is open during the exam");
    for locked in ["/api/v1/drive/spaces".to_string(), format!("/api/v1/drive/nodes/{own}")] {
        let (status, err) = e5.get(&locked).await;
        assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("exam_locked")), "{locked}");
    }
    // A pupil of the class the exam is not for sees neither it nor any lock.
    assert_eq!(e6.get(&format!("/api/v1/assignments/{aid}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(e6.get("/api/v1/drive/spaces").await.0, StatusCode::OK);
    let (_, all) = laerer.get(&format!("/api/v1/assignments/{aid}/hand-ins")).await;
    assert_eq!(all.as_array().unwrap().len(), 1, "only the pupil it is for");
    server.stop().await;
}
