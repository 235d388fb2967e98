//! What was found by trying Tavle from outside (issue 15), people and assignments: rosters
//! that claim people above their uploader, a CRLF roster's lines, a zip bomb, a replay that
//! shows more than the pupil may see, grades where the year group gets none, a closed exam
//! that leaks other material, one address locking out a school, changing one's own password,
//! and control and direction characters in names. Each test covers the class of problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{app_password, Api, TestServer, START};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

fn at(ms: i64) -> String {
    tavle_core::Timestamp(ms).to_rfc3339()
}

fn dav(server: &TestServer, user: &str) -> String {
    format!("{}/remote.php/dav/files/{user}/", server.base)
}

async fn class(api: &Api, name: &str) -> String {
    let (_, me) = api.get("/api/v1/me").await;
    me["groups"].as_array().unwrap().iter().find(|g| g["name"] == name).unwrap()["id"].as_str().unwrap().to_string()
}

async fn roster(api: &Api, name: &str, body: &[u8]) -> (StatusCode, Value) {
    api.upload(&format!("/api/v1/roster-imports?filename={name}"), body.to_vec()).await
}

async fn hand_in(api: &Api, assignment: &str, name: &str, key: &str, bytes: &[u8]) -> (StatusCode, Value) {
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

fn problems(body: &Value) -> Vec<(String, u64, String)> {
    body["error"]["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["code"].as_str().unwrap().to_string(),
                        p["line"].as_u64().unwrap(),
                        p["file"].as_str().unwrap().into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_roster_never_claims_staff_or_people_of_other_schools() {
    let server = TestServer::start().await;
    let leder = server.login("skoleleder", "demo").await;
    let kommune = server.login("admin", "demo").await;
    let header = "school,school_year,id,name,role,username,identity_issuer,identity_subject\n";

    // The municipality admin (made by hand) is not linked, renamed or given an identity:
    // the row only finds her username taken.
    let takeover = format!("{header}999999,2026/27,h1,Overtaget,teacher,admin,https://idp.example,x\n");
    let (status, body) = roster(&leder, "h.csv", takeover.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(problems(&body).iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["username_taken"], "{body}");
    let (_, me) = kommune.get("/api/v1/me").await;
    assert_eq!(me["person"]["display_name"], "Anne Kommunal", "{me}");

    // A roster without her changes nothing of hers either: she still logs in.
    let other = format!("{header}999999,2026/27,n1,Ny Lærer,teacher,nylaerer,,\n");
    let (status, body) = roster(&leder, "n.csv", other.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(kommune.get("/api/v1/me").await.0, StatusCode::OK, "her session lives");
    server.login("admin", "demo").await;

    // The school admin herself cannot be claimed by her own roster either.
    let (status, body) =
        roster(&leder, "s.csv", format!("{header}999999,2026/27,s1,Selv,teacher,skoleleder,,\n").as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A person of another school of the municipality is beyond a school admin's roster.
    let (s, east) = kommune
        .call(Method::POST, "/api/v1/schools", Some(json!({"name": "Østskolen", "institution_number": "999998"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{east}");
    let east = east["id"].as_str().unwrap().to_string();
    let (s, created) = kommune
        .call(
            Method::POST,
            &format!("/api/v1/schools/{east}/people"),
            Some(json!({"display_name": "Lærer Øst", "username": "laereroest", "password": "demo", "role": "teacher"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let row = format!("{header}999999,2026/27,o1,Overtaget Øst,teacher,laereroest,https://idp.example,y\n");
    let (status, body) = roster(&leder, "o.csv", row.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    server.login("laereroest", "demo").await;
    // The municipality admin's roster of the same row may link the teacher of her own school.
    let own = "school,school_year,id,name,role,username\n999998,2026/27,o1,Lærer Øst,teacher,laereroest\n";
    let (status, body) = roster(&kommune, "k.csv", own.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_roster_in_crlf_reports_the_right_line() {
    let server = TestServer::start().await;
    let leder = server.login("skoleleder", "demo").await;
    let file = "school,school_year,id,name,role\r\n999999,2026/27,c1,Et Barn,pupil\r\n999999,2026/27,c2,To Barn,pupil\r\n999999,2026/27,c3,,pupil\r\n";
    let (status, body) = roster(&leder, "crlf.csv", file.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let lines: Vec<u64> = problems(&body).iter().map(|p| p.1).collect();
    assert_eq!(lines, [4], "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_zip_bomb_is_refused_while_it_is_read() {
    let server = TestServer::start().await;
    let leder = server.login("skoleleder", "demo").await;
    // 64 MiB of one repeated line pack to about 100 KiB: over 50 times.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("users.csv", opts).unwrap();
    let line = b"sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName\n";
    std::io::Write::write_all(&mut zip, line).unwrap();
    let filler = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        std::io::Write::write_all(&mut zip, &filler).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 2 << 20, "{}", bytes.len());
    let (status, body) = roster(&leder, "bomb.zip", &bytes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let p = &body["error"]["problems"][0];
    assert_eq!(p["code"], "too_large", "{body}");
    assert!(p["message"].as_str().unwrap().contains("50 times"), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_replayed_hand_in_never_shows_unreturned_feedback() {
    let server = TestServer::start_with(|c| c.grades_from_grade = 1, false).await;
    let laerer = server.login("laerer1", "demo").await;
    let class_1a = class(&laerer, "1.A").await;
    let (_, a) = laerer
        .call(
            Method::POST,
            "/api/v1/assignments",
            Some(json!({"group_id": class_1a, "title": "Stil", "opens_at": at(START.millis() - HOUR),
                        "deadline": at(START.millis() + HOUR)})),
        )
        .await;
    let aid = a["id"].as_str().unwrap().to_string();
    let elev1 = server.login("elev1", "demo").await;
    let (status, first) = hand_in(&elev1, &aid, "Stil.txt", "k1", b"min stil").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let hid = first["id"].as_str().unwrap();
    let path = format!("/api/v1/assignments/{aid}/hand-ins/{hid}/feedback");
    let (status, body) = laerer
        .call(Method::PUT, &path, Some(json!({"feedback": "Hemmelig ros", "grade": "12", "returned": false})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    laerer
        .upload(&format!("/api/v1/assignments/{aid}/hand-ins/{hid}/feedback-files?name=Rettet.txt"), b"r".to_vec())
        .await;
    let (status, replay) = hand_in(&elev1, &aid, "Stil.txt", "k1", b"min stil").await;
    assert_eq!(status, StatusCode::OK, "{replay}");
    let text = replay.to_string();
    assert!(!text.contains("Hemmelig") && !text.contains("Rettet") && !text.contains("\"12\""), "{replay}");
    assert_eq!(replay["receipt"], first["receipt"], "the replay answers what the first answer said");
    server.stop().await;
}

#[tokio::test]
async fn grades_are_offered_from_the_configured_year_group_only() {
    let server = TestServer::start().await;
    let laerer = server.login("laerer1", "demo").await;
    let class_1a = class(&laerer, "1.A").await;
    let (_, a) = laerer
        .call(
            Method::POST,
            "/api/v1/assignments",
            Some(json!({"group_id": class_1a, "title": "Stil", "opens_at": at(START.millis() - HOUR),
                        "deadline": at(START.millis() + HOUR)})),
        )
        .await;
    assert_eq!((a["grades"].as_bool(), a["phase"].as_str()), (Some(false), Some("open")), "{a}");
    let aid = a["id"].as_str().unwrap().to_string();
    let elev1 = server.login("elev1", "demo").await;
    let (_, h) = hand_in(&elev1, &aid, "Stil.txt", "k1", b"x").await;
    let path = format!("/api/v1/assignments/{aid}/hand-ins/{}/feedback", h["id"].as_str().unwrap());
    let (status, body) = laerer.call(Method::PUT, &path, Some(json!({"feedback": "Flot", "grade": "7"}))).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("grade")), "{body}");
    let (status, _) = laerer.call(Method::PUT, &path, Some(json!({"feedback": "Flot"}))).await;
    assert_eq!(status, StatusCode::OK, "feedback is given everywhere");
    let (_, overview) = laerer.get(&format!("/api/v1/groups/{class_1a}/assignment-overview")).await;
    assert_eq!(overview["grades"], false, "{overview}");
    server.stop().await;
}

#[tokio::test]
async fn a_closed_exam_reaches_only_itself() {
    let server = TestServer::start().await;
    let laerer = server.login("laerer1", "demo").await;
    let class_1a = class(&laerer, "1.A").await;
    // An ordinary assignment with a template, and a closed exam that runs from 08:10.
    let root = laerer.home().await;
    let (_, tpl) = laerer.put_file(&root, "Skabelon.txt", b"skabelon".to_vec()).await;
    let (s, other) = laerer
        .call(
            Method::POST,
            "/api/v1/assignments",
            Some(json!({"group_id": class_1a, "title": "Lektie", "opens_at": at(START.millis() - HOUR),
                        "deadline": at(START.millis() + 5 * HOUR), "template": tpl["id"]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let other = other["id"].as_str().unwrap().to_string();
    let (s, exam) = laerer
        .call(
            Method::POST,
            "/api/v1/assignments",
            Some(json!({"group_id": class_1a, "title": "Prøve", "mode": "closed_exam",
                        "opens_at": at(START.millis() + 600_000), "deadline": at(START.millis() + 2 * HOUR)})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{exam}");
    let exam = exam["id"].as_str().unwrap().to_string();
    let elev1 = server.login("elev1", "demo").await;
    assert_eq!(elev1.get(&format!("/api/v1/assignments/{other}")).await.0, StatusCode::OK, "before the exam");

    server.clock.set(tavle_core::Timestamp(START.millis() + 700_000));
    let elev1 = server.login("elev1", "demo").await;
    for path in [
        format!("/api/v1/assignments/{other}"),
        format!("/api/v1/assignments/{other}/files/0"),
        format!("/api/v1/assignments/{other}/hand-ins"),
    ] {
        let (status, body) = elev1.get(&path).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("exam_locked")), "{path}");
    }
    let (status, list) = elev1.get("/api/v1/assignments").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [exam.as_str()], "during the exam only the exam is listed");
    assert_eq!(elev1.get(&format!("/api/v1/assignments/{exam}")).await.0, StatusCode::OK);
    // WebDAV says the same (not a 500).
    let (_, secret, _) = app_password(&server, "elev1").await;
    let resp = common::plain_client()
        .request(Method::from_bytes(b"PROPFIND").unwrap(), dav(&server, "elev1"))
        .basic_auth("elev1", Some(&secret))
        .header("depth", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.text().await.unwrap().contains("exam_locked"));
    server.stop().await;
}

#[tokio::test]
async fn names_refuse_control_and_direction_characters() {
    let server = TestServer::start().await;
    let laerer = server.login("laerer1", "demo").await;
    let class_1a = class(&laerer, "1.A").await;
    for title in ["To\nlinjer", "Med\rretur", "Nul\u{0}", "Omvendt \u{202E}txt.exe"] {
        let (status, body) = laerer
            .call(
                Method::POST,
                "/api/v1/assignments",
                Some(json!({"group_id": class_1a, "title": title, "deadline": at(START.millis() + HOUR)})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["reason"].as_str()),
            (StatusCode::BAD_REQUEST, Some("control_character")),
            "{title:?}: {body}"
        );
    }
    let root = laerer.home().await;
    for name in ["billede\u{202E}gpj.exe", "ikke\u{FFFE}xml.txt", "ikke\u{FDD0}tegn.txt"] {
        let (status, body) = laerer.put_file(&root, name, b"x".to_vec()).await;
        assert_eq!(
            (status, body["error"]["reason"].as_str()),
            (StatusCode::BAD_REQUEST, Some("control_character")),
            "{name:?}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_guesser_cannot_lock_a_pupil_out_of_their_own_browser() {
    let server = TestServer::start_with(
        |c| {
            c.trust_forwarded_for = true;
            c.login_failures_per_source = 30;
        },
        false,
    )
    .await;
    // elev1 has logged in on this browser before: it holds a device cookie.
    let browser = server.login("elev1", "demo").await;
    let login = |api: &Api, user: &str, password: &str, from: &str| {
        api.req(Method::POST, "/api/v1/session")
            .header("x-forwarded-for", from)
            .json(&json!({"username": user, "password": password}))
            .send()
    };
    // A classmate guesses from the school's one address, against many accounts, and against
    // elev1 from six addresses until elev1's account is over its limit.
    let guesser = server.anonymous();
    for i in 0..35 {
        login(&guesser, &format!("elev{}", 2 + i % 5), "forkert", "10.0.0.1").await.unwrap();
    }
    for i in 0..60 {
        login(&guesser, "elev1", "forkert", &format!("10.0.1.{}", i % 6)).await.unwrap();
    }
    // On a new device at school, the limits hold (the address and the account are throttled).
    let new_device = server.anonymous();
    assert_eq!(login(&new_device, "elev7", "demo", "10.0.0.1").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login(&new_device, "elev1", "demo", "10.0.0.9").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    // elev1 at their own browser, at school, still gets in with the right password.
    let resp = login(&browser, "elev1", "demo", "10.0.0.1").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Guessing from that browser is throttled on its own.
    for _ in 0..10 {
        login(&browser, "elev1", "forkert", "10.0.0.1").await.unwrap();
    }
    assert_eq!(login(&browser, "elev1", "demo", "10.0.0.1").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    server.stop().await;
}

#[tokio::test]
async fn a_person_changes_their_own_password() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let other_device = server.login("elev1", "demo").await;
    let path = "/api/v1/me/password";
    let (status, body) =
        elev1.call(Method::PUT, path, Some(json!({"current_password": "forkert", "new_password": "hemmeligt"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("invalid_credentials")));
    let (status, body) =
        elev1.call(Method::PUT, path, Some(json!({"current_password": "demo", "new_password": "kort"}))).await;
    assert_eq!((status, body["error"]["reason"].as_str()), (StatusCode::BAD_REQUEST, Some("too_short")));
    let (status, _) =
        elev1.call(Method::PUT, path, Some(json!({"current_password": "demo", "new_password": "hemmeligt"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(elev1.get("/api/v1/me").await.0, StatusCode::OK, "this session stays");
    assert_eq!(other_device.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the others end");
    server.login("elev1", "hemmeligt").await;
    server.stop().await;
}

#[tokio::test]
async fn a_roster_takes_over_groups_made_by_hand_warns_of_typos_and_asks_before_emptying_a_school() {
    let server = TestServer::start().await;
    let leder = server.login("skoleleder", "demo").await;
    // The demo's 1.A and its team "Dansk læsehold" were made by hand; a roster naming them
    // keeps them, and "1A" is new but flagged as looking like 1.A.
    let mut file = String::from("school,school_year,id,name,role,classes,teams\n");
    for i in 1..=12 {
        file.push_str(&format!("999999,2026/27,r{i},Roster Elev {i},pupil,1.A,Dansk læsehold\n"));
    }
    file.push_str("999999,2026/27,r13,Rune Roster,pupil,1A,\n");
    let (status, report) =
        leder.upload("/api/v1/roster-imports?dry_run=true&filename=r.csv", file.clone().into()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let kinds: Vec<(&str, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"].as_str().unwrap().starts_with("group_"))
        .map(|c| (c["kind"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("group_added", "1A"), ("group_linked", "1.A"), ("group_linked", "Dansk læsehold"), ("group_similar", "1A")],
        "{report}"
    );
    let (status, applied) = leder.upload("/api/v1/roster-imports?filename=r.csv", file.into()).await;
    assert_eq!((status, applied["applied"].as_bool()), (StatusCode::OK, Some(true)), "{applied}");
    let (_, me) = leder.get("/api/v1/me").await;
    let school = me["schools"][0]["id"].as_str().unwrap().to_string();
    let (_, groups) = leder.get(&format!("/api/v1/schools/{school}/groups")).await;
    let named_1a = groups.as_array().unwrap().iter().filter(|g| g["name"] == "1.A").count();
    assert_eq!(named_1a, 1, "one 1.A: {groups}");

    // A file that keeps one of the thirteen (as an export cut short would) is not applied
    // unless confirmed; the preview says why.
    let short = "school,school_year,id,name,role,classes\n999999,2026/27,r1,Roster Elev 1,pupil,1.A\n";
    let (_, preview) = leder.upload("/api/v1/roster-imports?dry_run=true&filename=s.csv", short.into()).await;
    assert!(preview["confirm_leaving"].as_str().is_some_and(|m| m.contains("would leave")), "{preview}");
    let (status, refused) = leder.upload("/api/v1/roster-imports?filename=s.csv", short.into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["problems"][0]["code"], "many_leaving", "{refused}");
    let (status, applied) =
        leder.upload("/api/v1/roster-imports?confirm_leaving=true&filename=s.csv", short.into()).await;
    assert_eq!((status, applied["applied"].as_bool()), (StatusCode::OK, Some(true)), "{applied}");
    assert_eq!(applied["counts"]["person_left"], 12, "{applied}");
    server.stop().await;
}

#[tokio::test]
async fn a_school_admins_roster_reaches_neither_another_schools_admin_nor_more_than_its_school() {
    let server = TestServer::start().await;
    let kommune = server.login("admin", "demo").await;
    let leder = server.login("skoleleder", "demo").await;
    let (s, east) = kommune
        .call(Method::POST, "/api/v1/schools", Some(json!({"name": "Østskolen", "institution_number": "999998"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{east}");
    let east = east["id"].as_str().unwrap().to_string();
    // The municipality's roster: Østskolen's leader, and a teacher at both schools.
    let both = "school,school_year,id,name,role,username,password\n\
                999998,2026/27,lb1,Leder Øst,staff,lederoest,hemmelig1\n\
                999998,2026/27,t2,Tove To Skoler,teacher,tove,hemmelig2\n\
                999999,2026/27,t2,Tove To Skoler,teacher,tove,hemmelig2\n";
    let (status, body) = roster(&kommune, "k.csv", both.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lb1 = common::person_id(&kommune, &east, "lederoest").await;
    assert_eq!(
        kommune.call(Method::PUT, &format!("/api/v1/schools/{east}/admins/{lb1}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    // Tavleskolen's admin names Østskolen's admin by roster id at Tavleskolen: refused, and
    // the refusal does not say who it is.
    let grab = "school,school_year,id,name,role\n999999,2026/27,lb1,Hvem Som Helst,teacher\n";
    let (status, body) = roster(&leder, "g.csv", grab.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"][0]["code"], "person_elsewhere", "{body}");
    assert!(!body.to_string().contains("Leder Øst"), "{body}");
    // The teacher at both schools is in Tavleskolen's roster: accepted, placed in its class,
    // and neither renamed nor given another username by it.
    let mine = "school,school_year,id,name,role,username,classes\n999999,2026/27,t2,Omdøbt,teacher,andet,1.A\n";
    let (status, body) = roster(&leder, "m.csv", mine.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tove = server.login("tove", "hemmelig2").await;
    let (_, me) = tove.get("/api/v1/me").await;
    assert_eq!(me["person"]["display_name"], "Tove To Skoler", "{me}");
    assert!(me["groups"].as_array().unwrap().iter().any(|g| g["name"] == "1.A"), "{me}");
    server.stop().await;
}

#[tokio::test]
async fn a_person_under_attack_can_still_change_their_password() {
    let server = TestServer::start_with(|c| c.trust_forwarded_for = true, false).await;
    let elev1 = server.login("elev1", "demo").await;
    let guesser = server.anonymous();
    for i in 0..60 {
        guesser
            .req(Method::POST, "/api/v1/session")
            .header("x-forwarded-for", format!("10.0.2.{}", i % 6))
            .json(&json!({"username": "elev1", "password": "forkert"}))
            .send()
            .await
            .unwrap();
    }
    let (status, body) = elev1
        .call(
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({"current_password": "demo", "new_password": "et nyt kodeord"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    server.stop().await;
}
