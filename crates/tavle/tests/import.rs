//! Roster import through the API and the `tavle import roster` command, against the real
//! server on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::io::Write;

use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const ROSTER: &str = "\
school;school_name;school_year;id;name;role;username;classes;teams;password
999999;Tavleskolen;2026/27;r1;Søren Æbelø-Ågård;elev;soren.a;3.A;Musik 3. årgang,Tysk;hemmelig
999999;Tavleskolen;2026/27;r2;Maja Østergaard Jørgensen;elev;maja.oj;3.A;Musik 3. årgang;hemmelig
999999;Tavleskolen;2026/27;r3;Anne-Grethe Bøgh Christiansen;lærer;agbc;3.A,3.B;Musik 3. årgang;hemmelig
999999;Tavleskolen;2026/27;r4;Kristian Dahl;elev;kd;3.B;;
";

/// The same roster a month later: Kristian moved to 3.A, Maja left, Søren's name corrected.
const ROSTER_LATER: &str = "\
school;school_name;school_year;id;name;role;username;classes;teams;password
999999;Tavleskolen;2026/27;r1;Søren Æbelø-Ågård Nielsen;elev;soren.a;3.A;Musik 3. årgang,Tysk;hemmelig
999999;Tavleskolen;2026/27;r3;Anne-Grethe Bøgh Christiansen;lærer;agbc;3.A,3.B;Musik 3. årgang;hemmelig
999999;Tavleskolen;2026/27;r4;Kristian Dahl;elev;kd;3.A;;
";

fn count(report: &Value, kind: &str) -> u64 {
    report["counts"][kind].as_u64().unwrap_or(0)
}

async fn school_id(api: &Api) -> String {
    let (_, me) = api.get("/api/v1/me").await;
    me["schools"][0]["id"].as_str().unwrap().to_string()
}

async fn people_names(api: &Api, school: &str) -> Vec<String> {
    let (_, people) = api.get(&format!("/api/v1/schools/{school}/people")).await;
    people.as_array().unwrap().iter().map(|p| p["display_name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn tavle_csv_preview_apply_reimport_and_change_on_sqlite() {
    preview_apply_reimport_and_change(false).await;
}

#[tokio::test]
async fn tavle_csv_preview_apply_reimport_and_change_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        preview_apply_reimport_and_change(true).await;
    }
}

async fn preview_apply_reimport_and_change(postgres: bool) {
    let srv = TestServer::start_with(|_| {}, postgres).await;
    let leder = srv.login("skoleleder", "demo").await;
    let school = school_id(&leder).await;
    let before = people_names(&leder, &school).await;

    // A preview says what would change and changes nothing.
    let (s, preview) = leder.upload("/api/v1/roster-imports?dry_run=true&filename=elever.csv", ROSTER.into()).await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["applied"], false);
    assert_eq!(count(&preview, "person_added"), 4);
    assert_eq!(count(&preview, "group_added"), 4);
    assert_eq!(count(&preview, "member_added"), 9);
    assert_eq!(preview["people_in_roster"], 4);
    assert!(preview["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["kind"] == "person_added" && c["name"] == "Anne-Grethe Bøgh Christiansen" && c["to"] == "agbc"));
    assert_eq!(people_names(&leder, &school).await, before);

    // Applying it: Danish names survive exactly, and a new pupil can log in.
    let (s, applied) = leder.upload("/api/v1/roster-imports", ROSTER.into()).await;
    assert_eq!(s, StatusCode::OK, "{applied}");
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["counts"], preview["counts"]);
    let names = people_names(&leder, &school).await;
    for name in ["Søren Æbelø-Ågård", "Maja Østergaard Jørgensen", "Anne-Grethe Bøgh Christiansen", "Kristian Dahl"]
    {
        assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
    }
    let soren = srv.login("soren.a", "hemmelig").await;
    let (_, me) = soren.get("/api/v1/me").await;
    assert_eq!(me["person"]["display_name"], "Søren Æbelø-Ågård");
    let mut groups: Vec<&str> = me["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    groups.sort();
    assert_eq!(groups, ["3.A", "Musik 3. årgang", "Tysk"]);
    let maja = srv.login("maja.oj", "hemmelig").await;

    // The same file again changes nothing and says so.
    let (s, again) = leder.upload("/api/v1/roster-imports", ROSTER.into()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!((again["unchanged"].clone(), again["applied"].clone()), (Value::Bool(true), Value::Bool(false)));
    assert_eq!(again["changes"], Value::Array(vec![]));

    // A changed file applies only the difference and names it.
    let (s, later) = leder.upload("/api/v1/roster-imports", ROSTER_LATER.into()).await;
    assert_eq!(s, StatusCode::OK, "{later}");
    let mut counts: Vec<(String, u64)> =
        later["counts"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect();
    counts.sort();
    assert_eq!(
        counts,
        [("person_changed".to_string(), 1), ("person_left".to_string(), 1), ("person_moved".to_string(), 1)]
    );
    let moved = later["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "person_moved").unwrap();
    assert_eq!((&moved["name"], &moved["from"], &moved["to"]), (&"Kristian Dahl".into(), &"3.B".into(), &"3.A".into()));
    // Whoever left is logged out at once and cannot log in again.
    assert_eq!(maja.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (s, _) = srv
        .anonymous()
        .call(Method::POST, "/api/v1/session", Some(serde_json::json!({"username": "maja.oj", "password": "hemmelig"})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Coming back is a change too; importing the first file again reverses everything.
    let (_, back) = leder.upload("/api/v1/roster-imports", ROSTER.into()).await;
    assert_eq!(count(&back, "person_returned"), 1);
    assert_eq!(count(&back, "person_moved"), 1);
    assert_eq!(count(&back, "person_changed"), 1);
    assert_eq!(count(&back, "member_added"), 2, "{back}");
    srv.stop().await;
}

#[tokio::test]
async fn a_roster_with_bad_rows_is_refused_whole_with_file_and_line() {
    let srv = TestServer::start().await;
    let leder = srv.login("skoleleder", "demo").await;
    let school = school_id(&leder).await;
    let before = people_names(&leder, &school).await;
    let bad = "\
school,school_year,id,name,role,username,classes
999999,2026/27,b1,Good Pupil,pupil,good.pupil,3.A
999999,2026/27,b2,,pupil,empty.name,3.A
999999,2026/27,b3,Bad Role,rektor,bad.role,3.A
999999,2026/27,b4,Bad Username,pupil,Søren,3.A
999999,2026/27,b5,Bad Class,pupil,bad.class,Musik
999999,2026/27,b6,Taken,pupil,elev1,3.A
";
    let (s, body) = leder.upload("/api/v1/roster-imports?filename=elever.csv", bad.into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "roster_invalid");
    let problems: Vec<(String, u64, String)> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["file"].as_str().unwrap().into(), p["line"].as_u64().unwrap(), p["code"].as_str().unwrap().into()))
        .collect();
    let f = "elever.csv".to_string();
    assert_eq!(
        problems,
        [
            (f.clone(), 3, "empty".into()),
            (f.clone(), 4, "bad_value".into()),
            (f.clone(), 5, "bad_character".into()),
            (f.clone(), 6, "bad_value".into()),
        ]
    );
    assert_eq!(people_names(&leder, &school).await, before);

    // Once the rows are right, a username of someone else from the roster is still refused,
    // naming the line. (A hand-made person with that username would be linked instead.)
    assert_eq!(leder.upload("/api/v1/roster-imports", ROSTER.into()).await.0, StatusCode::OK);
    let before = people_names(&leder, &school).await;
    let clash = "school,school_year,id,name,role,username\n999999,2026/27,b6,Taken,pupil,agbc\n";
    let (s, body) = leder.upload("/api/v1/roster-imports", clash.into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"][0]["code"], "username_taken");
    assert_eq!(body["error"]["problems"][0]["line"], 2);

    // Not UTF-8 (an old Excel export) is one clear problem.
    let (s, body) = leder
        .upload("/api/v1/roster-imports", b"school,school_year,id,name,role\n1,2026/27,x,S\xf8ren,pupil\n".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["problems"][0]["code"], "not_utf8");

    // A school admin may not create schools; a pupil may not import at all.
    let new_school = "school,school_name,school_year,id,name,role\n123123,Nyskolen,2026/27,n1,Ny Elev,pupil\n";
    assert_eq!(leder.upload("/api/v1/roster-imports", new_school.into()).await.0, StatusCode::FORBIDDEN);
    let elev = srv.login("elev1", "demo").await;
    assert_eq!(elev.upload("/api/v1/roster-imports", ROSTER.into()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(people_names(&leder, &school).await, before);
    srv.stop().await;
}

/// A OneRoster 1.2 bulk export of one school: a homeroom class, a scheduled class, two pupils,
/// a teacher and a guardian (who is not imported).
fn oneroster_files() -> Vec<(&'static str, String)> {
    vec![
        ("manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\n".into()),
        (
            "orgs.csv",
            "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
             d1,,,Nordby Kommune,district,,\n\
             s1,,,Nordby Skole,school,280111,d1\n"
                .into(),
        ),
        (
            "academicSessions.csv",
            "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n\
             y1,,,Skoleår 2026-2027,schoolYear,2026-08-10,2027-06-25,,2027\n\
             t1,,,Efterår,term,2026-08-10,2026-12-20,y1,2027\n"
                .into(),
        ),
        (
            "classes.csv",
            "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,\
             schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n\
             c1,,,5.A,05,,,homeroom,,s1,t1,,,\n\
             c2,,,Engelsk 5. årgang,05,,,scheduled,,s1,t1,Engelsk,,\n"
                .into(),
        ),
        (
            "users.csv",
            "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,\
             identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,\
             preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId\n\
             u1,,,true,ida.holm,{UNI-Login:idah1234},Ida,Holm-Ærtebjerg,Sofie,,,,,,05,,,,,,s1\n\
             u2,,,true,oscar.lund,,Oscar,Lund,,,,,,,05,,,,,,s1\n\
             u3,,,true,birthe.laerer,{https://login.example.dk:b-77},Birthe,Kjær,,,,,,,,,,,,,s1\n\
             u4,,,true,mor.holm,,Hanne,Holm,,,,,,,,,,,,,s1\n"
                .into(),
        ),
        (
            "roles.csv",
            "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,\
             userProfileSourcedId\n\
             r1,,,u1,primary,student,,,s1,\n\
             r2,,,u2,primary,student,,,s1,\n\
             r3,,,u3,primary,teacher,,,s1,\n\
             r4,,,u4,primary,guardian,,,s1,\n"
                .into(),
        ),
        (
            "enrollments.csv",
            "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,\
             beginDate,endDate\n\
             e1,,,c1,s1,u1,student,,,\n\
             e2,,,c1,s1,u2,student,,,\n\
             e3,,,c1,s1,u3,teacher,true,,\n\
             e4,,,c2,s1,u1,student,,,\n\
             e5,,,c2,s1,u3,teacher,true,,\n\
             e6,,,c1,s1,u4,guardian,,,\n"
                .into(),
        ),
    ]
}

fn zip_of(files: &[(&str, String)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn oneroster_zip_through_the_api() {
    let srv = TestServer::start().await;
    let admin = srv.login("admin", "demo").await;
    let (s, report) = admin.upload("/api/v1/roster-imports?filename=nordby.zip", zip_of(&oneroster_files())).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(count(&report, "school_added"), 1);
    assert_eq!(count(&report, "school_year_added"), 1);
    assert_eq!(count(&report, "group_added"), 2);
    assert_eq!(count(&report, "person_added"), 3, "the guardian is not imported: {report}");
    assert_eq!(count(&report, "member_added"), 5);
    let year = report["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "school_year_added").unwrap();
    assert_eq!(year["name"], "2026/27");

    let (_, schools) = admin.get("/api/v1/schools").await;
    let nordby = schools.as_array().unwrap().iter().find(|s| s["institution_number"] == "280111").unwrap();
    let school = nordby["id"].as_str().unwrap();
    assert_eq!(nordby["name"], "Nordby Skole");
    let (_, groups) = admin.get(&format!("/api/v1/schools/{school}/groups")).await;
    let class = groups.as_array().unwrap().iter().find(|g| g["name"] == "5.A").unwrap();
    assert_eq!((&class["kind"], &class["grade"], &class["letter"]), (&"class".into(), &5.into(), &"A".into()));
    let team = groups.as_array().unwrap().iter().find(|g| g["kind"] == "team").unwrap();
    assert_eq!(team["subject"], "Engelsk");
    let (_, people) = admin.get(&format!("/api/v1/schools/{school}/people")).await;
    let ida = people.as_array().unwrap().iter().find(|p| p["username"] == "ida.holm").unwrap();
    assert_eq!(ida["display_name"], "Ida Sofie Holm-Ærtebjerg");
    let (_, detail) = admin.get(&format!("/api/v1/people/{}", ida["id"].as_str().unwrap())).await;
    assert_eq!(detail["identities"], serde_json::json!([{"issuer": "UNI-Login", "subject": "idah1234"}]));

    let (_, again) = admin.upload("/api/v1/roster-imports", zip_of(&oneroster_files())).await;
    assert_eq!(again["unchanged"], true, "{again}");
    srv.stop().await;
}

#[tokio::test]
async fn the_import_command_reads_a_directory_shows_progress_and_refuses_bad_files() {
    let cfg_dir = tempfile::tempdir().unwrap();
    let export = cfg_dir.path().join("export");
    std::fs::create_dir(&export).unwrap();
    for (name, text) in oneroster_files() {
        std::fs::write(export.join(name), text).unwrap();
    }
    let data = cfg_dir.path().join("data");
    let tavle = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tavle"))
            .args(["import", "roster"])
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap()
    };
    let dir = export.to_str().unwrap();
    // A roster rejected when compared (a new school without a name) for a new municipality
    // leaves no municipality behind.
    let bad = cfg_dir.path().join("bad.csv");
    std::fs::write(&bad, "school,school_year,id,name,role\n280111,2026/27,x1,Ny Elev,pupil\n").unwrap();
    let out = tavle(&[bad.to_str().unwrap(), "--tenant", "nordby", "--tenant-name", "Nordby Kommune"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("unknown_school"), "{}", stderr_of(&out));
    let out = tavle(&[dir, "--tenant", "nordby", "--dry-run"]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("give its name to create it"), "{}", stderr_of(&out));

    let out = tavle(&[dir, "--tenant", "nordby", "--tenant-name", "Nordby Kommune", "--dry-run"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("person_added: 3"), "{stdout}");
    assert!(stdout.contains("Preview only"), "{stdout}");
    assert!(stderr.contains("reading:") && stderr.contains("comparing"), "{stderr}");

    let out = tavle(&[dir, "--tenant", "nordby", "--tenant-name", "Nordby Kommune", "-v"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("person_added Ida Sofie Holm-Ærtebjerg to ida.holm"), "{stdout}");
    assert!(stderr_of(&out).contains("writing:"), "{}", stderr_of(&out));

    let out = tavle(&[dir, "--tenant", "nordby"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no changes"));

    std::fs::write(export.join("enrollments.csv"), "sourcedId,classSourcedId,userSourcedId,role\ne1,c9,u1,student\n")
        .unwrap();
    let out = tavle(&[dir, "--tenant", "nordby"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("enrollments.csv:2: unknown_reference: group c9 is not in the roster"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
