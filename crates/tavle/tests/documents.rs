//! Tavle documents against the real server: people editing one document together over the
//! WebSocket with real Yjs clients (yrs, the Rust port Yjs's own tests are run against),
//! Danish letters and a surrogate pair at every offset, acknowledgements only after the
//! commit, viewers read-only, access ending while the socket is open, hostile messages,
//! compaction, and a room leaving memory when the last person leaves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;
mod doc_client;

use std::time::Duration;

use common::{person_id, Api, TestServer};
use doc_client::{connect, cookie, pandoc_text, utf16_doc, Editor, WAIT};
use futures_util::SinkExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Ws;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Text, Transact};

async fn new_document(api: &Api, folder: &str, name: &str) -> String {
    let (status, d) =
        api.call(Method::POST, &format!("/api/v1/drive/nodes/{folder}/documents"), Some(json!({"name": name}))).await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    assert_eq!(d["kind"], "document");
    d["id"].as_str().unwrap().to_string()
}

async fn stored_text(api: &Api, node: &str) -> String {
    let (status, t) = api.get(&format!("/api/v1/documents/{node}/text")).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t["text"].as_str().unwrap().to_string()
}

async fn share(api: &Api, node: &str, person: &str, access: &str) -> String {
    let (status, s) = api
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{node}/shares"),
            Some(json!({"grantee_kind": "person", "grantee_id": person, "access": access})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    s["id"].as_str().unwrap().to_string()
}

async fn school_of(api: &Api) -> String {
    let (_, me) = api.get("/api/v1/me").await;
    me["schools"][0]["id"].as_str().unwrap().to_string()
}

/// Two pupils write in one document: each sees the other's text, Danish letters and a
/// surrogate pair land where Yjs means them, edits are acknowledged only once stored, and
/// what is stored is what they see.
async fn writing_together(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let leder = server.login("skoleleder", "demo").await;
    let school = school_of(&leder).await;
    let elev1 = server.login("elev1", "demo").await;
    let elev2_id = person_id(&leder, &school, "elev2").await;
    let doc = new_document(&elev1, &elev1.home().await, "Min stil").await;
    share(&elev1, &doc, &elev2_id, "edit").await;

    let mut a = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    let mut b = Editor::open(&server.base, &cookie(&server.base, "elev2").await, &doc).await;
    assert_eq!(a.writable, Some(true));
    a.insert(0, "Ærø, Åse og 🦊 løb");
    a.flush().await;
    b.until_text("Ærø, Åse og 🦊 løb").await;
    // UTF-16 offsets, as Yjs counts: 3 is after "Ærø"; the fox (a surrogate pair) is 13 and
    // 14 once "x" is in, so 15 is after it.
    b.insert(3, "x");
    b.insert(15, "!");
    b.flush().await;
    a.until_text("Ærøx, Åse og 🦊! løb").await;
    a.saved_all().await;
    b.saved_all().await;
    assert_eq!(stored_text(&elev1, &doc).await, "Ærøx, Åse og 🦊! løb");

    // Offsets all through the text (from the end, so each is where it was meant), while the
    // other writes at the start: both converge, nothing panics.
    let len = u32::try_from("Ærøx, Åse og 🦊! løb".encode_utf16().count()).unwrap();
    assert_eq!(len, 20);
    for at in (0..=len).rev().step_by(4) {
        a.insert(at, "æ");
    }
    b.insert(0, "Å");
    a.flush().await;
    b.flush().await;
    a.saved_all().await;
    b.saved_all().await;
    let want = stored_text(&elev1, &doc).await;
    a.until_text(&want).await;
    b.until_text(&want).await;
    let mine = "æÆrøxæ, Åsæe ogæ 🦊!æ løbæ";
    assert!(want == format!("Å{mine}") || want == format!("æÅ{}", &mine["æ".len()..]), "{want}");
    assert_eq!(want.matches('æ').count(), 6);

    // A third person opening it now gets the same text from the server alone.
    let c = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    assert_eq!(c.text(), want);
    drop((a, b, c));
    server.stop().await;
}
on_both_backends!(writing_together);

/// A viewer reads and sees the others, but what their editor sends is not applied; taking the
/// share away closes their socket with 4404; a person disabled is closed with 4401.
#[tokio::test]
async fn viewers_read_and_access_ends_at_once() {
    let server = TestServer::start().await;
    let leder = server.login("skoleleder", "demo").await;
    let school = school_of(&leder).await;
    let elev1 = server.login("elev1", "demo").await;
    let elev2_id = person_id(&leder, &school, "elev2").await;
    let doc = new_document(&elev1, &elev1.home().await, "Noter").await;
    let share_id = share(&elev1, &doc, &elev2_id, "view").await;

    let mut owner = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    let mut viewer = Editor::open(&server.base, &cookie(&server.base, "elev2").await, &doc).await;
    assert_eq!(viewer.writable, Some(false));
    owner.insert(0, "Kun ejeren skriver");
    owner.flush().await;
    owner.saved_all().await;
    viewer.until_text("Kun ejeren skriver").await;
    viewer.insert(0, "Gæst: ");
    viewer.flush().await;
    // The viewer's change went nowhere: what is stored and what the owner has is unchanged.
    let (status, body) = elev1.call(Method::DELETE, &format!("/api/v1/drive/shares/{share_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (code, reason) = viewer.closed().await;
    assert_eq!((code, reason.as_str()), (4404, "not_found"));
    assert_eq!(stored_text(&elev1, &doc).await, "Kun ejeren skriver");
    assert_eq!(owner.text(), "Kun ejeren skriver");
    // The viewer opening elev1's document is a read of elev1's work, in the audit log; the
    // owner's own opening is not.
    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    let opened: Vec<_> = audit.iter().filter(|e| e.action == "document.open").collect();
    assert_eq!(opened.len(), 1, "{opened:?}");
    drop(conn);

    // The owner is disabled by the school: their socket closes as not logged in.
    let elev1_id = person_id(&leder, &school, "elev1").await;
    let (status, body) =
        leder.call(Method::PATCH, &format!("/api/v1/people/{elev1_id}"), Some(json!({"status": "disabled"}))).await;
    assert!(status.is_success(), "{status} {body}");
    let (code, _) = owner.closed().await;
    assert_eq!(code, 4401);
    server.stop().await;
}

/// What may not open a document is an ordinary answer before the upgrade: not logged in,
/// another web site, not a document, someone else's, another municipality's.
#[tokio::test]
async fn who_may_not_open_a_document() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let home = elev1.home().await;
    let doc = new_document(&elev1, &home, "Dagbog").await;
    let (_, file) = elev1.put_file(&home, "Noter.txt", b"x".to_vec()).await;
    let file = file["id"].as_str().unwrap().to_string();
    let elev1_cookie = cookie(&server.base, "elev1").await;

    assert_eq!(connect(&server.base, "tavle_session=nope", &doc).await.err().unwrap().0, 401);
    assert_eq!(connect(&server.base, &cookie(&server.base, "elev2").await, &doc).await.err().unwrap().0, 404);
    let (status, body) = connect(&server.base, &elev1_cookie, &file).await.err().unwrap();
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("not_a_document"), "{body}");
    assert_eq!(connect(&server.base, &elev1_cookie, "not-an-id").await.err().unwrap().0, 404);

    // Another web site's page cannot open it with the pupil's cookie.
    let url = format!("{}/api/v1/documents/{doc}/socket", server.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("cookie", elev1_cookie.parse().unwrap());
    req.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status().as_u16(), 403),
        other => panic!("a cross-site socket opened: {:?}", other.map(|_| ())),
    }
    // A plain GET of the socket's address is told to use a WebSocket.
    let (status, body) = elev1.raw(Method::GET, &format!("/api/v1/documents/{doc}/socket"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A document's name follows the drive's rules.
    let (status, _) = elev1
        .call(Method::POST, &format!("/api/v1/drive/nodes/{home}/documents"), Some(json!({"name": "Dagbog"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) =
        elev1.call(Method::POST, &format!("/api/v1/drive/nodes/{home}/documents"), Some(json!({"name": "a/b"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A download link hands a document out as its file form, `<name>.odt`.
    let laerer = server.login("laerer1", "demo").await;
    let plan = new_document(&laerer, &laerer.home().await, "Årsplan").await;
    let (status, body) = laerer
        .call(Method::POST, &format!("/api/v1/drive/nodes/{plan}/links"), Some(json!({"kind": "download"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["token"].as_str().unwrap();
    let got = server.anonymous().req(Method::GET, &format!("/api/v1/links/{token}/content")).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let disposition = got.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains("%2Eodt"), "{disposition}");
    assert!(got.bytes().await.unwrap().starts_with(b"PK"), "an ODT (a zip)");
    server.stop().await;
}

/// Hostile messages: garbage, a truncated update, an update that does not decode, a text
/// frame. Each closes only the sender's socket with 4400 `bad_document_update`; the document
/// and the others are unharmed, and the node goes on serving.
#[tokio::test]
async fn hostile_messages_are_refused() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let doc = new_document(&elev1, &elev1.home().await, "Mål").await;
    let c = cookie(&server.base, "elev1").await;
    let mut good = Editor::open(&server.base, &c, &doc).await;
    good.insert(0, "Det gode");
    good.flush().await;
    good.saved_all().await;

    let valid = {
        let d = utf16_doc();
        let t = d.get_or_insert_text("x");
        t.insert(&mut d.transact_mut(), 0, "ondt");
        let u = d.transact().encode_state_as_update_v1(&StateVector::default());
        u
    };
    let hostile: Vec<Vec<u8>> = vec![
        vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        Message::Sync(SyncMessage::Update(valid[..valid.len() / 2].to_vec())).encode_v1(),
        Message::Sync(SyncMessage::Update(vec![0x05, 0xff, 0xff, 0xff, 0x7f, 0x00])).encode_v1(),
        Message::Sync(SyncMessage::Update(vec![0xaa; 300])).encode_v1(),
    ];
    for (i, h) in hostile.into_iter().enumerate() {
        let mut bad = Editor::open(&server.base, &c, &doc).await;
        bad.ws.send(Ws::Binary(h.into())).await.unwrap();
        let (code, reason) = bad.closed().await;
        assert_eq!((code, reason.as_str()), (4400, "bad_document_update"), "hostile message {i}");
    }
    let mut texty = Editor::open(&server.base, &c, &doc).await;
    texty.ws.send(Ws::Text("hej".into())).await.unwrap();
    assert_eq!(texty.closed().await.0, 4400);

    // The good editor is still in, and the document still takes changes.
    good.insert(8, " står");
    good.flush().await;
    good.saved_all().await;

    assert_eq!(stored_text(&elev1, &doc).await, "Det gode står");
    drop(good);
    server.stop().await;
}

/// A long-edited document is compacted: 700 changes end as a snapshot and a short tail, and
/// the text is whole. When the last person leaves, the room leaves memory.
#[tokio::test]
async fn compaction_and_leaving_memory() {
    let server = TestServer::start_with(|c| c.document_idle_seconds = 0, false).await;
    let elev1 = server.login("elev1", "demo").await;
    let doc = new_document(&elev1, &elev1.home().await, "Lang").await;
    let mut a = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    let mut want = String::new();
    for i in 0..700u32 {
        let ch = if i % 50 == 49 { "ø" } else { "a" };
        a.insert(i, ch);
        want.push_str(ch);
        a.flush().await;
    }
    a.saved_all().await;
    assert_eq!(stored_text(&elev1, &doc).await, want);
    let (_, me) = elev1.get("/api/v1/me").await;
    let tenant: tavle_core::TenantId = me["tenant"]["id"].as_str().unwrap().parse().unwrap();
    let node: tavle_core::NodeId = doc.parse().unwrap();
    // Compaction runs beside the editing, after the commit that passed the mark.
    let stored = tokio::time::timeout(WAIT, async {
        loop {
            let mut conn = server.app().store().read().await.unwrap();
            let stored = conn.document_state(tenant, node).await.unwrap().unwrap();
            if stored.updates.len() < 700 {
                return stored;
            }
            drop(conn);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the document was compacted");
    assert!(!stored.snapshot.is_empty());
    assert_eq!(server.app().documents().open_rooms(), 1);
    drop(a);
    tokio::time::timeout(WAIT, async {
        while server.app().documents().open_rooms() != 0 {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the room left memory");
    // Opened again, it loads from the store.
    let b = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    assert_eq!(b.text(), want);
    drop(b);
    server.stop().await;
}

/// WebDAV and the sync clients see a document as `<name>.odt`: listed with the size and
/// ETag of its file form, which is made again when the last person leaves it; read as an ODT
/// that pandoc reads; saved over (a laptop's LibreOffice saving the file) as one change that
/// an open editor sees, the state before kept as a version, refused when the client's ETag is
/// stale; moved under another `.odt` name, renaming the document.
#[tokio::test]
async fn webdav_offers_a_document_as_odt() {
    let server = TestServer::start_with(|c| c.document_idle_seconds = 0, false).await;
    let (api, secret, _) = common::app_password(&server, "elev1").await;
    let home = api.home().await;
    let doc = new_document(&api, &home, "Min stil").await;
    let mut ed = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    ed.append("Vikingerne på Ærø");
    ed.flush().await;
    ed.saved_all().await;
    drop(ed);
    // No file may take the name WebDAV shows the document by: not uploaded, renamed or copied.
    let (status, e) = api.put_file(&home, "min stil.ODT", b"x".to_vec()).await;
    assert_eq!((status, e["error"]["reason"].as_str()), (StatusCode::CONFLICT, Some("name_taken")), "{e}");
    let (_, other) = api.put_file(&home, "Andet.txt", b"x".to_vec()).await;
    let other = other["id"].as_str().unwrap();
    let rename = json!({"name": "Min stil.odt"});
    assert_eq!(
        api.call(Method::PATCH, &format!("/api/v1/drive/nodes/{other}"), Some(rename)).await.0,
        StatusCode::CONFLICT
    );
    let copy = json!({"parent_id": home, "name": "Min stil.odt"});
    let copied = api.call(Method::POST, &format!("/api/v1/drive/nodes/{other}/copy"), Some(copy)).await.0;
    assert_eq!(copied, StatusCode::CONFLICT);
    let http = common::plain_client();
    let url = format!("{}/remote.php/dav/files/elev1/", server.base);
    let dav = |method: &str, path: &str| {
        http.request(Method::from_bytes(method.as_bytes()).unwrap(), format!("{url}{path}"))
            .basic_auth("elev1", Some(&secret))
    };
    // The file form catches up once the room is let go (at once here).
    let mut listing = String::new();
    for _ in 0..100 {
        let resp = dav("PROPFIND", "").header("depth", "1").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 207);
        listing = resp.text().await.unwrap();
        let odt = dav("GET", "Min%20stil.odt").send().await.unwrap().bytes().await.unwrap();
        if pandoc_text(&odt).contains("Vikingerne på Ærø") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        listing.contains("Min%20stil.odt") && listing.contains("application/vnd.oasis.opendocument.text"),
        "{listing}"
    );
    let odt = dav("GET", "Min%20stil.odt").send().await.unwrap().bytes().await.unwrap();
    assert!(pandoc_text(&odt).contains("Vikingerne på Ærø"));
    let etag =
        dav("PROPFIND", "Min%20stil.odt").header("depth", "0").send().await.unwrap().headers().get("etag").cloned();
    let (_, node) = api.get(&format!("/api/v1/drive/nodes/{doc}")).await;
    let etag = etag
        .map(|e| e.to_str().unwrap().to_string())
        .unwrap_or(format!("\"{}\"", node["node"]["etag"].as_str().unwrap()));

    // Saved over from a laptop: one change the open editor sees; the state before is a version.
    let mut watcher = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ny.md"), "# Ny overskrift\n\nSkrevet på en bærbar.\n").unwrap();
    let out =
        std::process::Command::new("pandoc").current_dir(dir.path()).args(["ny.md", "-o", "ny.odt"]).output().unwrap();
    assert!(out.status.success());
    let new_odt = std::fs::read(dir.path().join("ny.odt")).unwrap();
    let stale =
        dav("PUT", "Min%20stil.odt").header("if-match", "\"stale\"").body(new_odt.clone()).send().await.unwrap();
    assert_eq!(stale.status().as_u16(), 412);
    let put = dav("PUT", "Min%20stil.odt").header("if-match", etag.as_str()).body(new_odt).send().await.unwrap();
    assert!(put.status().is_success(), "{}: {}", put.status(), put.text().await.unwrap());
    watcher.until_text("Ny overskrift\nSkrevet på en bærbar.").await;
    assert_eq!(stored_text(&api, &doc).await, "Ny overskrift\nSkrevet på en bærbar.");
    let (_, versions) = api.get(&format!("/api/v1/drive/nodes/{doc}/versions")).await;
    assert!(!versions.as_array().unwrap().is_empty(), "the state before is kept: {versions}");
    let (_, node) = api.get(&format!("/api/v1/drive/nodes/{doc}")).await;
    assert_eq!(node["node"]["kind"], "document", "{node}");

    // Moved under another `.odt` name: the document is renamed.
    let moved =
        dav("MOVE", "Min%20stil.odt").header("destination", format!("{url}Andet%20navn.odt")).send().await.unwrap();
    assert!(moved.status().is_success(), "{}", moved.status());
    let (_, node) = api.get(&format!("/api/v1/drive/nodes/{doc}")).await;
    assert_eq!(node["node"]["name"], "Andet navn", "{node}");
    drop(watcher);
    server.stop().await;
}

/// A closed exam beginning for a pupil closes their other documents at that moment, not at
/// the next periodic check (every 30 s): the socket wakes when the exam begins.
#[tokio::test]
async fn a_closed_exam_closes_a_pupils_other_documents_when_it_begins() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let laerer = server.login("laerer1", "demo").await;
    let home = elev1.home().await;
    let doc = new_document(&elev1, &home, "Noter").await;
    let mut ed = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    ed.append("Før prøven");
    ed.flush().await;
    ed.saved_all().await;
    let (_, me) = laerer.get("/api/v1/me").await;
    let class = me["groups"].as_array().unwrap().iter().find(|g| g["name"] == "1.A").unwrap()["id"].clone();
    let now = common::START.millis();
    let at = |ms: i64| tavle_core::Timestamp(ms).to_rfc3339();
    let exam = json!({"group_id": class, "title": "Prøve", "mode": "closed_exam",
        "opens_at": at(now + 1_000), "deadline": at(now + 3_600_000)});
    let (status, a) = laerer.call(Method::POST, "/api/v1/assignments", Some(exam)).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    // Making the exam tells open sockets to look again; each learns when the person's next
    // exam begins (in a second) and wakes then. An edit acknowledged after that look shows
    // the socket still open; then the server's clock passes the beginning, and the socket
    // closes when it wakes, long before its next periodic check.
    ed.append(" og lidt mere");
    ed.flush().await;
    ed.saved_all().await;
    server.clock.advance_secs(2);
    let (code, reason) = ed.closed().await;
    assert_eq!((code, reason.as_str()), (4403, "exam_locked"), "closed when the exam began");
    server.stop().await;
}

/// A document is made where the caller may add files, a folder shared with them as editor
/// included, and not where they only read; the drive's search finds it by name.
#[tokio::test]
async fn documents_are_made_in_shared_folders_and_found_by_name() {
    let server = TestServer::start().await;
    let leder = server.login("skoleleder", "demo").await;
    let school = school_of(&leder).await;
    let elev1 = server.login("elev1", "demo").await;
    let (elev2, elev3) = (server.login("elev2", "demo").await, server.login("elev3", "demo").await);
    let home = elev1.home().await;
    let (_, folder) =
        elev1.call(Method::POST, &format!("/api/v1/drive/nodes/{home}/folders"), Some(json!({"name": "Fælles"}))).await;
    let folder = folder["id"].as_str().unwrap().to_string();
    share(&elev1, &folder, &person_id(&leder, &school, "elev2").await, "edit").await;
    share(&elev1, &folder, &person_id(&leder, &school, "elev3").await, "view").await;
    let doc = new_document(&elev2, &folder, "Fælles noter om Ærø").await;
    let mine = format!("/api/v1/drive/nodes/{folder}/documents");
    let made = elev3.call(Method::POST, &mine, Some(json!({"name": "Mine"}))).await.0;
    assert_eq!(made, StatusCode::FORBIDDEN, "a viewer makes no documents there");
    for api in [&elev1, &elev2] {
        let (_, found) = api.get("/api/v1/drive/search?q=noter%20om").await;
        let hits: Vec<&Value> = found.as_array().unwrap().iter().map(|n| &n["id"]).collect();
        assert_eq!((hits, found[0]["kind"].as_str()), (vec![&json!(doc)], Some("document")), "{found}");
    }
    server.stop().await;
}

/// Two nodes on one PostgreSQL: people on different nodes write in one document together;
/// when one node stops, its people reconnect to the other and nothing acknowledged is lost.
#[tokio::test]
async fn two_nodes_serve_one_document() {
    if tavle_store::testing::postgres_url().is_none() {
        return;
    }
    let one = TestServer::start_with(|_| {}, true).await;
    let two = one.another_node().await;
    let leder = one.login("skoleleder", "demo").await;
    let school = school_of(&leder).await;
    let elev1 = one.login("elev1", "demo").await;
    let elev2_id = person_id(&leder, &school, "elev2").await;
    let doc = new_document(&elev1, &elev1.home().await, "Fælles").await;
    let shared = share(&elev1, &doc, &elev2_id, "edit").await;
    let (c1, c2) = (cookie(&one.base, "elev1").await, cookie(&two.base, "elev2").await);

    let mut a = Editor::open(&one.base, &c1, &doc).await;
    let mut b = Editor::open(&two.base, &c2, &doc).await;
    a.append("Første linje fra node ét.");
    a.flush().await;
    a.saved_all().await;
    b.until_text("Første linje fra node ét.").await;
    b.append(" Og så fra node to: æøå.");
    b.flush().await;
    b.saved_all().await;
    a.until_text("Første linje fra node ét. Og så fra node to: æøå.").await;

    // Cursors and comments cross too: a's caret on node one reaches b on node two with a's
    // own name, and a comment made through node one tells b's editor to read them again.
    {
        use std::collections::HashMap;
        use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
        use yrs::ClientID;
        let json = r##"{"user":{"name":"Hvem som helst","color":"#1d4e89"},"cursor":null}"##;
        let entry = AwarenessUpdateEntry { clock: 1, json: json.into() };
        let caret = Message::Awareness(AwarenessUpdate { clients: HashMap::from([(ClientID::new(4242), entry)]) });
        a.ws.send(Ws::Binary(caret.encode_v1().into())).await.unwrap();
        let mut seen = String::new();
        b.until(|m| match m {
            Message::Awareness(u) => u.clients.get(&ClientID::new(4242)).is_some_and(|e| {
                seen = e.json.to_string();
                true
            }),
            _ => false,
        })
        .await;
        let (_, me) = elev1.get("/api/v1/me").await;
        assert!(seen.contains(me["person"]["display_name"].as_str().unwrap()), "{seen}");
        let (status, _) =
            elev1.call(Method::POST, &format!("/api/v1/documents/{doc}/comments"), Some(json!({"body": "Fint"}))).await;
        assert_eq!(status, StatusCode::CREATED);
        b.until(|m| matches!(m, Message::Custom(100, d) if d[1] == 2)).await;
    }

    // The share is removed through node one: b's socket on node two closes at once (node
    // one tells the others; their periodic look is 30 s away), and a new share lets b in.
    let (status, _) = elev1.call(Method::DELETE, &format!("/api/v1/drive/shares/{shared}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), b.closed()).await;
    assert_eq!(closed.expect("closed long before the periodic check").0, 4404);
    share(&elev1, &doc, &elev2_id, "edit").await;
    let b = Editor::open(&two.base, &c2, &doc).await;

    // Node two stops; its person reconnects to node one, as a load balancer would send them.
    drop(b);
    two.stop().await;
    let mut b = Editor::open(&one.base, &c2, &doc).await;
    assert_eq!(b.text(), "Første linje fra node ét. Og så fra node to: æøå.");
    b.append(" Igen.");
    b.flush().await;
    b.saved_all().await;
    a.until_text("Første linje fra node ét. Og så fra node to: æøå. Igen.").await;
    drop((a, b));
    one.stop().await;
}

/// A cursor's name is the person's own: an editor that says it is someone else is corrected
/// before the others see it, and one connection cannot move another's cursor.
#[tokio::test]
async fn cursors_carry_the_persons_own_name() {
    use std::collections::HashMap;
    use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
    use yrs::ClientID;

    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let (_, me) = elev1.get("/api/v1/me").await;
    let own_name = me["person"]["display_name"].as_str().unwrap().to_string();
    let doc = new_document(&elev1, &elev1.home().await, "Navne").await;
    let c = cookie(&server.base, "elev1").await;
    let mut writer = Editor::open(&server.base, &c, &doc).await;
    let mut watcher = Editor::open(&server.base, &c, &doc).await;

    let cursor = |client: u64, clock: u32, name: &str| {
        let json = format!(r##"{{"user":{{"name":"{name}","color":"#1d4e89"}},"cursor":null}}"##);
        let entry = AwarenessUpdateEntry { clock, json: json.into() };
        Message::Awareness(AwarenessUpdate { clients: HashMap::from([(ClientID::new(client), entry)]) })
    };
    writer.ws.send(Ws::Binary(cursor(4711, 1, "Lærer Lise").encode_v1().into())).await.unwrap();
    let mut seen = String::new();
    watcher
        .until(|m| {
            if let Message::Awareness(u) = m {
                if let Some(e) = u.clients.get(&ClientID::new(4711)) {
                    seen = e.json.to_string();
                    return true;
                }
            }
            false
        })
        .await;
    let state: serde_json::Value = serde_json::from_str(&seen).unwrap();
    assert_eq!(state["user"]["name"], own_name.as_str(), "{seen}");

    // The watcher claims the writer's client id: that is not passed on. Its own cursor (a
    // client id of its own) is, and arrives after where the claim would have.
    watcher.ws.send(Ws::Binary(cursor(4711, 9, "Falsk").encode_v1().into())).await.unwrap();
    watcher.ws.send(Ws::Binary(cursor(99, 1, "Mig").encode_v1().into())).await.unwrap();
    let mut seen_first = Vec::new();
    writer
        .until(|m| {
            if let Message::Awareness(u) = m {
                seen_first.extend(u.clients.keys().map(|c| c.get()));
                return u.clients.contains_key(&ClientID::new(99));
            }
            false
        })
        .await;
    assert_eq!(seen_first, vec![99], "the claim on another's cursor was passed on");
    drop((writer, watcher));
    server.stop().await;
}
