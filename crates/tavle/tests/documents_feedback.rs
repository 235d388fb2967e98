//! Comments and hand-ins of Tavle documents against the real server: threads on a live
//! document (editors comment, viewers read, everyone in the room is told), a document handed
//! in as its PDF and its own form with a receipt covering both and untouched by later edits,
//! exported by the teacher, and the teacher's comments as feedback the pupil sees and answers
//! once it is returned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod doc_client;

use std::process::Command;

use common::{Api, TestServer, START};
use doc_client::{cookie, pdftotext, Editor};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use yrs::sync::Message;

async fn new_document(api: &Api, name: &str) -> String {
    let home = api.home().await;
    let (status, d) =
        api.call(Method::POST, &format!("/api/v1/drive/nodes/{home}/documents"), Some(json!({"name": name}))).await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    d["id"].as_str().unwrap().to_string()
}

/// An assignment of laerer1's class 1.A, open from the start, due `secs` later; `more` adds
/// to (or overrides) what is sent. Returns its id.
async fn assignment(laerer: &Api, title: &str, secs: i64, more: Value) -> String {
    let (_, me) = laerer.get("/api/v1/me").await;
    let class = me["groups"].as_array().unwrap().iter().find(|g| g["name"] == "1.A").unwrap()["id"].clone();
    let deadline = tavle_core::Timestamp(START.millis() + secs * 1000).to_rfc3339();
    let mut body = json!({"group_id": class, "title": title, "opens_at": START.to_rfc3339(), "deadline": deadline});
    body.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
    let (status, a) = laerer.call(Method::POST, "/api/v1/assignments", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    a["id"].as_str().unwrap().to_string()
}

async fn my_id(api: &Api) -> String {
    api.get("/api/v1/me").await.1["person"]["id"].as_str().unwrap().to_string()
}

async fn text(api: &Api, doc: &str) -> String {
    api.get(&format!("/api/v1/documents/{doc}/text")).await.1["text"].as_str().unwrap().to_string()
}

async fn write(server: &TestServer, user: &str, doc: &str, text: &str) {
    let mut ed = Editor::open(&server.base, &cookie(&server.base, user).await, doc).await;
    ed.append(text);
    ed.flush().await;
    ed.saved_all().await;
}

#[tokio::test]
async fn comments_on_a_document_are_threads_that_editors_write_and_viewers_read() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let elev2 = server.login("elev2", "demo").await;
    let doc = new_document(&elev1, "Fælles stil").await;
    write(&server, "elev1", &doc, "Vikingerne sejlede til Ærø.").await;
    let (status, _) = elev1
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{doc}/shares"),
            Some(json!({"grantee_kind": "person", "grantee_id": my_id(&elev2).await, "access": "view"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!("/api/v1/documents/{doc}/comments");

    // elev2 has the document open: a comment made meanwhile is announced on the socket.
    let mut watching = Editor::open(&server.base, &cookie(&server.base, "elev2").await, &doc).await;
    let (status, first) = elev1
        .call(Method::POST, &path, Some(json!({"body": "Hvilket år?", "anchor": "AQID:BAUG", "quote": "Ærø"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["id"].clone(), first["quote"].as_str()), (first["thread_id"].clone(), Some("Ærø")));
    watching.until(|m| matches!(m, Message::Custom(100, d) if d[1] == 2)).await;

    // A viewer reads the thread but does not write in it.
    let (status, all) = elev2.get(&path).await;
    assert_eq!((status, all.as_array().unwrap().len()), (StatusCode::OK, 1));
    assert_eq!(all[0]["author_name"], first["author_name"]);
    let reply = json!({"body": "Det ved jeg ikke", "reply_to": first["id"]});
    assert_eq!(elev2.call(Method::POST, &path, Some(reply.clone())).await.0, StatusCode::FORBIDDEN);
    let thread = first["id"].as_str().unwrap();
    let (status, answered) = elev1.call(Method::POST, &path, Some(reply)).await;
    assert_eq!((status, answered["thread_id"].as_str()), (StatusCode::CREATED, Some(thread)));

    // Resolve and reopen, on the thread's first comment only.
    let (status, r) = elev1.call(Method::PATCH, &format!("{path}/{thread}"), Some(json!({"resolved": true}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert!(r["resolved_at"].is_string() && r["resolved_by"].is_string());
    let reply_id = answered["id"].as_str().unwrap();
    let (status, _) = elev1.call(Method::PATCH, &format!("{path}/{reply_id}"), Some(json!({"resolved": true}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a reply is not a thread");
    let (_, r) = elev1.call(Method::PATCH, &format!("{path}/{thread}"), Some(json!({"resolved": false}))).await;
    assert!(r.get("resolved_at").is_none(), "{r}");

    // Bad input: empty, too long, an anchor that is not the editor's, a thread elsewhere.
    for (body, field) in [
        (json!({"body": "  "}), "body"),
        (json!({"body": "x".repeat(5001)}), "body"),
        (json!({"body": "ok", "anchor": "<script>"}), "anchor"),
    ] {
        let (status, e) = elev1.call(Method::POST, &path, Some(body)).await;
        assert_eq!((status, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{e}");
    }
    let other = new_document(&elev1, "Anden").await;
    let (status, _) = elev1
        .call(
            Method::POST,
            &format!("/api/v1/documents/{other}/comments"),
            Some(json!({"body": "svar", "reply_to": thread})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a thread of another document");
    drop(watching);
    server.stop().await;
}

#[tokio::test]
async fn a_handed_in_document_is_frozen_exported_and_commented_on_as_feedback() {
    let server = TestServer::start().await;
    let laerer = server.login("laerer1", "demo").await;
    let elev1 = server.login("elev1", "demo").await;
    let elev2 = server.login("elev2", "demo").await;
    let aid = &assignment(&laerer, "Stil", 3_600, json!({})).await;

    let doc = new_document(&elev1, "Min stil").await;
    write(&server, "elev1", &doc, "Vikingerne på Ærø byggede skibe.").await;
    let resp = elev1
        .req(Method::POST, &format!("/api/v1/assignments/{aid}/hand-in"))
        .header("idempotency-key", "stil-1")
        .json(&json!({"node_ids": [doc]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let h: Value = resp.json().await.unwrap();
    let hid = h["id"].as_str().unwrap().to_string();
    let names: Vec<&str> = h["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Min stil.pdf", "Min stil.tavledoc"]);

    // The receipt covers both files by SHA-256, and later writing does not reach them.
    let receipt = elev1.req(Method::GET, &format!("/api/v1/assignments/{aid}/hand-ins/{hid}/receipt")).send().await;
    let receipt: Value = serde_json::from_slice(&receipt.unwrap().bytes().await.unwrap()).unwrap();
    let text = receipt.to_string();
    for f in h["files"].as_array().unwrap() {
        assert!(text.contains(f["sha256"].as_str().unwrap()), "the receipt names {f}");
    }
    write(&server, "elev1", &doc, " Skrevet bagefter.").await;
    let file = |pos: usize| format!("/api/v1/assignments/{aid}/hand-ins/{hid}/files/{pos}");
    let own = elev1.req(Method::GET, &file(1)).send().await.unwrap().bytes().await.unwrap();
    assert!(own.starts_with(b"TAVLEDOC 1\n"));
    assert_eq!(sha256_hex(&own), h["files"][1]["sha256"].as_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("stil.pdf");
    std::fs::write(&pdf, elev1.req(Method::GET, &file(0)).send().await.unwrap().bytes().await.unwrap()).unwrap();
    let text = pdftotext(&pdf);
    assert!(text.contains("Vikingerne på Ærø byggede skibe.") && !text.contains("bagefter"), "{text}");

    // The teacher reads it as DOCX (LibreOffice opens it) — what was handed in, not later.
    let resp = laerer.req(Method::GET, &format!("{}/export/docx", file(1))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains("Min%20stil%2Edocx"), "{disposition}");
    let docx = dir.path().join("Min stil.docx");
    std::fs::write(&docx, resp.bytes().await.unwrap()).unwrap();
    let out = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", dir.path().join("lo").display()))
        .args(["--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir"])
        .arg(dir.path())
        .arg(&docx)
        .output()
        .expect("LibreOffice runs (test.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let read = std::fs::read_to_string(dir.path().join("Min stil.txt")).unwrap();
    assert!(read.contains("Vikingerne på Ærø byggede skibe.") && !read.contains("bagefter"), "{read}");
    assert_eq!(laerer.get(&format!("{}/export/pdf", file(0))).await.0, StatusCode::CONFLICT, "the PDF is no document");

    // The teacher comments; the pupil sees nothing until the feedback is returned.
    let comments = format!("{}/comments", file(1));
    let (status, c) = laerer
        .call(
            Method::POST,
            &comments,
            Some(json!({"body": "Flot indledning!", "anchor": "AQ:Ag", "quote": "Vikingerne"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, seen) = elev1.get(&comments).await;
    assert_eq!((status, seen.as_array().unwrap().len()), (StatusCode::OK, 0), "not returned yet");
    let answer = json!({"body": "Tak!", "reply_to": c["id"]});
    assert_eq!(elev1.call(Method::POST, &comments, Some(answer.clone())).await.0, StatusCode::FORBIDDEN);
    assert_eq!(elev2.get(&comments).await.0, StatusCode::NOT_FOUND, "another pupil's hand-in");
    let (status, _) = laerer
        .call(
            Method::PUT,
            &format!("/api/v1/assignments/{aid}/hand-ins/{hid}/feedback"),
            Some(json!({"feedback": "Se kommentarerne.", "returned": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = elev1.get(&comments).await;
    assert_eq!(seen[0]["body"], "Flot indledning!");
    assert_eq!(elev1.call(Method::POST, &comments, Some(answer)).await.0, StatusCode::CREATED, "the pupil answers");
    let (status, _) = elev1.call(Method::POST, &comments, Some(json!({"body": "Ny tråd", "anchor": "AQ:Ag"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a pupil answers threads, begins none");
    let thread = c["id"].as_str().unwrap();
    let resolve = Some(json!({"resolved": true}));
    assert_eq!(
        elev1.call(Method::PATCH, &format!("{comments}/{thread}"), resolve.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(laerer.call(Method::PATCH, &format!("{comments}/{thread}"), resolve).await.0, StatusCode::OK);
    assert_eq!(laerer.get(&format!("{}/comments", file(0))).await.0, StatusCode::CONFLICT, "not on the PDF");

    // The teacher's comment on the pupil's work is in the audit log, naming whose work.
    let pupil = my_id(&elev1).await;
    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    let on_work = |action: &str| audit.iter().any(|e| e.action == action && e.detail.contains(&pupil));
    assert!(on_work("document.comment") && on_work("document.comment.resolve"), "{audit:?}");
    drop(conn);
    server.stop().await;
}

/// A teacher's document as an assignment's template: each pupil (a team: one copy they write
/// in together) gets a live document of their own from what was handed out; the teacher's
/// later writing and the pupils' never meet. A document as an attachment is handed out as PDF.
#[tokio::test]
async fn a_template_document_becomes_each_teams_own_document() {
    let server = TestServer::start().await;
    let laerer = server.login("laerer1", "demo").await;
    let template = new_document(&laerer, "Skabelon").await;
    write(&server, "laerer1", &template, "Skriv om vikingerne her:").await;
    let reading = new_document(&laerer, "Læsestof").await;
    write(&server, "laerer1", &reading, "Vikingerne kom fra Norden.").await;
    let [e1, e2] = [server.login("elev1", "demo").await, server.login("elev2", "demo").await];
    let (p1, p2) = (my_id(&e1).await, my_id(&e2).await);
    let teams = json!({"audience": "teams", "teams": [[p1, p2]], "template": template, "attachments": [reading]});
    let aid = &assignment(&laerer, "Vikinger", 3_600, teams).await;
    write(&server, "laerer1", &template, " (lærerens rettelse bagefter)").await;

    let (_, v1) = e1.get(&format!("/api/v1/assignments/{aid}")).await;
    let names: Vec<&str> = v1["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Skabelon.tavledoc", "Læsestof.pdf"], "{v1}");
    let folder = v1["work_folder_id"].as_str().unwrap();
    let (_, children) = e1.get(&format!("/api/v1/drive/nodes/{folder}/children")).await;
    let copy = children["children"].as_array().unwrap().iter().find(|c| c["name"] == "Skabelon").expect("the copy");
    assert_eq!(copy["kind"], "document");
    let copy = copy["id"].as_str().unwrap().to_string();
    assert_eq!(text(&e1, &copy).await, "Skriv om vikingerne her:");
    // The team writes in one copy together; the teacher's document does not change.
    write(&server, "elev1", &copy, " Elev 1 skrev.").await;
    write(&server, "elev2", &copy, " Elev 2 skrev.").await;
    assert_eq!(text(&e2, &copy).await, "Skriv om vikingerne her: Elev 1 skrev. Elev 2 skrev.");
    assert_eq!(text(&laerer, &template).await, "Skriv om vikingerne her: (lærerens rettelse bagefter)");
    let pdf = e1.req(Method::GET, &format!("/api/v1/assignments/{aid}/files/1")).send().await.unwrap();
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"), "the attachment is a PDF");
    server.stop().await;
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_handed_in_document_keeps_its_pictures() {
    let server = TestServer::start().await;
    let laerer = server.login("laerer1", "demo").await;
    let elev1 = server.login("elev1", "demo").await;
    let elev2 = server.login("elev2", "demo").await;
    let aid = &assignment(&laerer, "Tegning", 3_600, json!({})).await;
    let png = include_bytes!("pictures/half-clear.png");
    let sha = sha256_hex(png);
    let doc = new_document(&elev1, "Min tegning").await;
    let resp = elev1
        .req(Method::POST, &format!("/api/v1/documents/{doc}/images"))
        .header("content-type", "image/png")
        .body(png.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let mut ed = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    {
        use yrs::{Any, Transact, Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim};
        let frag = ed.doc.get_or_insert_xml_fragment("default");
        let mut txn = ed.doc.transact_mut();
        let p = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new("Min tegning af Ærø"));
        let img = frag.push_back(&mut txn, XmlElementPrelim::empty("image"));
        img.insert_attribute(&mut txn, "image", Any::from(sha.as_str()));
    }
    ed.flush().await;
    ed.saved_all().await;
    drop(ed);
    let resp = elev1
        .req(Method::POST, &format!("/api/v1/assignments/{aid}/hand-in"))
        .header("idempotency-key", "tegning-1")
        .json(&json!({"node_ids": [doc]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let hid = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let file = |pos: usize| format!("/api/v1/assignments/{aid}/hand-ins/{hid}/files/{pos}");

    // The teacher sees the picture of the frozen document; another pupil does not.
    let resp = laerer.req(Method::GET, &format!("{}/images/{sha}", file(1))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), png);
    assert_eq!(elev2.get(&format!("{}/images/{sha}", file(1))).await.0, StatusCode::NOT_FOUND);
    assert_eq!(laerer.get(&format!("{}/images/{}", file(1), "0".repeat(64))).await.0, StatusCode::NOT_FOUND);

    // The frozen PDF draws it, and an export of the hand-in carries it.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("tegning.pdf");
    std::fs::write(&pdf, elev1.req(Method::GET, &file(0)).send().await.unwrap().bytes().await.unwrap()).unwrap();
    let list = Command::new("pdfimages").arg("-list").arg(&pdf).output().expect("pdfimages runs (poppler-utils)");
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    assert_eq!(list.lines().filter(|l| l.split_whitespace().nth(2) == Some("image")).count(), 1, "{list}");
    let docx = laerer.req(Method::GET, &format!("{}/export/docx", file(1))).send().await.unwrap();
    let docx = docx.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    assert!(zip.by_name(&format!("word/media/{sha}.png")).is_ok());
    server.stop().await;
}

/// The working copy becomes read-only the moment the assignment closes: an open editor is
/// told it may only read, the API and WebDAV refuse changes under the working folder, and a
/// teacher asking for a new hand-in opens it again.
#[tokio::test]
async fn a_working_copy_becomes_read_only_when_the_assignment_closes() {
    let server = TestServer::start().await;
    let laerer = server.login("laerer1", "demo").await;
    let template = new_document(&laerer, "Skabelon").await;
    let aid = &assignment(&laerer, "Digt", 2, json!({"template": template})).await;
    let (elev1, secret, _) = common::app_password(&server, "elev1").await;
    let (_, v) = elev1.get(&format!("/api/v1/assignments/{aid}")).await;
    let folder = v["work_folder_id"].as_str().unwrap().to_string();
    let (_, children) = elev1.get(&format!("/api/v1/drive/nodes/{folder}/children")).await;
    let copy = children["children"][0]["id"].as_str().unwrap().to_string();
    let mut ed = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &copy).await;
    ed.append("Roser er røde");
    ed.flush().await;
    ed.saved_all().await;
    let resp = elev1
        .req(Method::POST, &format!("/api/v1/assignments/{aid}/hand-in"))
        .header("idempotency-key", "digt-1")
        .json(&json!({"node_ids": [copy]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let hid = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let dav = |name: &str| format!("{}/remote.php/dav/files/elev1/Opgaver/Digt/{name}", server.base);
    let dav_put = |name: &str| reqwest::Client::new().put(dav(name)).basic_auth("elev1", Some(&secret)).body("vers");
    assert_eq!(dav_put("før.txt").send().await.unwrap().status(), StatusCode::CREATED);
    // What a sync client reads of the folder's permissions (ownCloud's letters).
    let permissions = || async {
        let body = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:permissions/></d:prop></d:propfind>"#;
        let resp = reqwest::Client::new()
            .request(Method::from_bytes(b"PROPFIND").unwrap(), dav(""))
            .basic_auth("elev1", Some(&secret))
            .header("depth", "0")
            .body(body)
            .send()
            .await
            .unwrap();
        resp.text().await.unwrap()
    };
    assert!(permissions().await.contains("RDNVCK"), "writable before the deadline");

    // The deadline passes: the open editor is told at that moment that it may only read.
    server.clock.advance_secs(3);
    ed.until(|m| matches!(m, Message::Custom(100, d) if d.len() == 3 && d[1] == 1 && d[2] == 0)).await;
    let refused = [
        elev1.put_file(&folder, "efter.txt", b"for sent".to_vec()).await.0,
        elev1
            .call(Method::POST, &format!("/api/v1/drive/nodes/{folder}/documents"), Some(json!({"name": "Nyt"})))
            .await
            .0,
        elev1.call(Method::PATCH, &format!("/api/v1/drive/nodes/{copy}"), Some(json!({"name": "Omdøbt"}))).await.0,
        elev1.call(Method::DELETE, &format!("/api/v1/drive/nodes/{copy}"), None).await.0,
        dav_put("efter.txt").send().await.unwrap().status(),
        dav_put("før.txt").send().await.unwrap().status(),
    ];
    assert!(refused.iter().all(|s| *s == StatusCode::FORBIDDEN), "{refused:?}");
    let shown = permissions().await;
    assert!(!shown.contains("RDNVCK") && shown.contains("oc:permissions"), "read-only to the sync clients: {shown}");
    assert_eq!(elev1.get(&format!("/api/v1/documents/{copy}/text")).await.0, StatusCode::OK, "still read");
    // Elsewhere in the pupil's own drive nothing changed.
    let home = elev1.home().await;
    assert_eq!(elev1.put_file(&home, "andet.txt", b"fri".to_vec()).await.0, StatusCode::CREATED);

    // The teacher asks for a new hand-in: the working copy may be written in again.
    let (status, _) = laerer
        .call(
            Method::PUT,
            &format!("/api/v1/assignments/{aid}/hand-ins/{hid}/feedback"),
            Some(json!({"feedback": "Skriv et vers mere.", "returned": true, "resubmission_requested": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    ed.until(|m| matches!(m, Message::Custom(100, d) if d.len() == 3 && d[1] == 1 && d[2] == 1)).await;
    assert_eq!(elev1.put_file(&folder, "efter.txt", b"nu igen".to_vec()).await.0, StatusCode::CREATED);
    assert_eq!(dav_put("vers2.txt").send().await.unwrap().status(), StatusCode::CREATED);
    drop(ed);
    server.stop().await;
}
