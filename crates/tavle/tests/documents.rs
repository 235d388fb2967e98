//! Tavle documents against the real server: people editing one document together over the
//! WebSocket with real Yjs clients (yrs, the Rust port Yjs's own tests are run against),
//! Danish letters and a surrogate pair at every offset, acknowledgements only after the
//! commit, viewers read-only, access ending while the socket is open, hostile messages,
//! compaction, and a room leaving memory when the last person leaves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{person_id, Api, TestServer};
use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Ws;
use yrs::encoding::read::Cursor;
use yrs::sync::{Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{
    Doc, GetString, OffsetKind, Options, ReadTxn, StateVector, Text, Transact, Update, XmlElementPrelim, XmlFragment,
    XmlOut, XmlTextPrelim, XmlTextRef,
};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for something it expects to arrive.
const WAIT: Duration = Duration::from_secs(10);

/// Logs in with a client of its own and returns the session cookie (`name=value`).
async fn cookie(server: &TestServer, user: &str) -> String {
    let resp = common::plain_client()
        .post(format!("{}/api/v1/session", server.base))
        .json(&json!({"username": user, "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let set = resp.headers().get("set-cookie").unwrap().to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

fn utf16_doc() -> Doc {
    Doc::with_options(Options { offset_kind: OffsetKind::Utf16, ..Options::default() })
}

/// A person's editor: a Yjs document and the socket it syncs over, as the browser's provider
/// does (sync step 1 and 2, then each local change as an update).
struct Editor {
    ws: Socket,
    doc: Doc,
    /// Local changes not yet sent.
    outbox: Arc<Mutex<Vec<Vec<u8>>>>,
    sent: u64,
    saved: u64,
    writable: Option<bool>,
}

async fn connect(server: &TestServer, cookie: &str, node: &str) -> Result<Socket, (u16, String)> {
    let url = format!("{}/api/v1/documents/{node}/socket", server.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req.headers_mut().insert("origin", server.base.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp.body().as_ref().map(|b| String::from_utf8_lossy(b).to_string()).unwrap_or_default();
            Err((resp.status().as_u16(), body))
        }
        Err(e) => panic!("connecting: {e}"),
    }
}

impl Editor {
    async fn open(server: &TestServer, cookie: &str, node: &str) -> Editor {
        let ws = connect(server, cookie, node).await.expect("the socket opens");
        let doc = utf16_doc();
        let outbox: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let out = outbox.clone();
        doc.observe_update_v1("editor", move |txn: &yrs::TransactionMut, e| {
            // Only local changes go out (the server's arrive with an origin).
            if txn.origin().is_none() {
                out.lock().unwrap().push(e.update.clone());
            }
        })
        .unwrap();
        let mut ed = Editor { ws, doc, outbox, sent: 0, saved: 0, writable: None };
        let sv = ed.doc.transact().state_vector();
        ed.send(Message::Sync(SyncMessage::SyncStep1(sv))).await;
        // Synced once the server's sync step 2 (its state) has arrived.
        ed.until(|m| matches!(m, Message::Sync(SyncMessage::SyncStep2(_)))).await;
        ed
    }

    async fn send(&mut self, m: Message) {
        self.ws.send(Ws::Binary(m.encode_v1().into())).await.unwrap();
    }

    /// Sends the local changes made since the last flush, each as one update.
    async fn flush(&mut self) {
        let updates: Vec<Vec<u8>> = std::mem::take(&mut *self.outbox.lock().unwrap());
        for u in updates {
            self.sent += 1;
            self.send(Message::Sync(SyncMessage::Update(u))).await;
        }
    }

    /// Applies what arrives until a message matches `stop` (which is applied too).
    async fn until(&mut self, mut stop: impl FnMut(&Message) -> bool) {
        tokio::time::timeout(WAIT, async {
            loop {
                let frame = self.ws.next().await.expect("the socket stays open").unwrap();
                let Ws::Binary(data) = frame else {
                    if let Ws::Close(c) = frame {
                        panic!("closed: {c:?}");
                    }
                    continue;
                };
                if data.first() == Some(&100) {
                    let (kind, value) =
                        (data[1], data[2..].iter().rev().fold(0u64, |a, b| (a << 7) | u64::from(b & 0x7f)));
                    match kind {
                        0 => self.saved = value,
                        1 => self.writable = Some(value == 1),
                        _ => {}
                    }
                    if stop(&Message::Custom(100, data.to_vec())) {
                        return;
                    }
                    continue;
                }
                let mut dec = DecoderV1::new(Cursor::new(&data));
                for m in MessageReader::new(&mut dec) {
                    let m = m.unwrap();
                    match &m {
                        Message::Sync(SyncMessage::SyncStep2(u)) | Message::Sync(SyncMessage::Update(u)) => {
                            let mut txn = self.doc.transact_mut_with("server");
                            txn.apply_update(Update::decode_v1(u).unwrap()).unwrap();
                        }
                        Message::Sync(SyncMessage::SyncStep1(sv)) => {
                            // A sync step 2 carries changes too, and counts among those sent.
                            self.sent += 1;
                            let u = self.doc.transact().encode_state_as_update_v1(sv);
                            self.ws
                                .send(Ws::Binary(Message::Sync(SyncMessage::SyncStep2(u)).encode_v1().into()))
                                .await
                                .unwrap();
                        }
                        _ => {}
                    }
                    if stop(&m) {
                        return;
                    }
                }
            }
        })
        .await
        .expect("the expected message arrived in time");
    }

    /// Waits until every change sent so far is acknowledged as saved.
    async fn saved_all(&mut self) {
        let sent = self.sent;
        if self.saved < sent {
            let mut saved = self.saved;
            self.until(|m| {
                if let Message::Custom(100, d) = m {
                    if d[1] == 0 {
                        saved = d[2..].iter().rev().fold(0u64, |a, b| (a << 7) | u64::from(b & 0x7f));
                    }
                }
                saved >= sent
            })
            .await;
        }
        assert!(self.saved >= sent, "saved {} of {}", self.saved, sent);
    }

    /// Applies updates until the text reads `want`.
    async fn until_text(&mut self, want: &str) {
        if self.text() == want {
            return;
        }
        let doc = self.doc.clone();
        self.until(|_| text_of(&doc) == want).await;
    }

    /// The first paragraph's text node (made if the document is empty).
    fn paragraph(&self) -> XmlTextRef {
        let frag = self.doc.get_or_insert_xml_fragment("default");
        let mut txn = self.doc.transact_mut();
        if let Some(XmlOut::Element(p)) = frag.get(&txn, 0) {
            if let Some(XmlOut::Text(t)) = p.get(&txn, 0) {
                return t;
            }
        }
        let p = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new(""))
    }

    fn insert(&self, at: u32, s: &str) {
        let t = self.paragraph();
        t.insert(&mut self.doc.transact_mut(), at, s);
    }

    fn text(&self) -> String {
        text_of(&self.doc)
    }

    /// Waits for the server to close the socket and returns the close code and reason.
    async fn closed(mut self) -> (u16, String) {
        tokio::time::timeout(WAIT, async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Ws::Close(Some(f)))) => return (u16::from(f.code), f.reason.to_string()),
                    Some(Ok(Ws::Close(None))) | None | Some(Err(_)) => return (0, String::new()),
                    Some(Ok(_)) => {}
                }
            }
        })
        .await
        .expect("the server closed the socket in time")
    }
}

fn text_of(doc: &Doc) -> String {
    let txn = doc.transact();
    let Some(frag) = txn.get_xml_fragment("default") else { return String::new() };
    let mut out = Vec::new();
    for c in frag.children(&txn) {
        if let XmlOut::Element(p) = c {
            out.push(
                p.children(&txn)
                    .filter_map(|t| if let XmlOut::Text(t) = t { Some(t.get_string(&txn)) } else { None })
                    .collect::<String>(),
            );
        }
    }
    out.join("\n")
}

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

    let mut a = Editor::open(&server, &cookie(&server, "elev1").await, &doc).await;
    let mut b = Editor::open(&server, &cookie(&server, "elev2").await, &doc).await;
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
    let c = Editor::open(&server, &cookie(&server, "elev1").await, &doc).await;
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

    let mut owner = Editor::open(&server, &cookie(&server, "elev1").await, &doc).await;
    let mut viewer = Editor::open(&server, &cookie(&server, "elev2").await, &doc).await;
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
    let elev1_cookie = cookie(&server, "elev1").await;

    assert_eq!(connect(&server, "tavle_session=nope", &doc).await.err().unwrap().0, 401);
    assert_eq!(connect(&server, &cookie(&server, "elev2").await, &doc).await.err().unwrap().0, 404);
    let (status, body) = connect(&server, &elev1_cookie, &file).await.err().unwrap();
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("not_a_document"), "{body}");
    assert_eq!(connect(&server, &elev1_cookie, "not-an-id").await.err().unwrap().0, 404);

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
    let c = cookie(&server, "elev1").await;
    let mut good = Editor::open(&server, &c, &doc).await;
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
        let mut bad = Editor::open(&server, &c, &doc).await;
        bad.ws.send(Ws::Binary(h.into())).await.unwrap();
        let (code, reason) = bad.closed().await;
        assert_eq!((code, reason.as_str()), (4400, "bad_document_update"), "hostile message {i}");
    }
    let mut texty = Editor::open(&server, &c, &doc).await;
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
    let mut a = Editor::open(&server, &cookie(&server, "elev1").await, &doc).await;
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
    let stored = server.app().store().read().await.unwrap().document_state(tenant, node).await.unwrap().unwrap();
    assert!(stored.updates.len() < 700, "compacted: {} updates left", stored.updates.len());
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
    let b = Editor::open(&server, &cookie(&server, "elev1").await, &doc).await;
    assert_eq!(b.text(), want);
    drop(b);
    server.stop().await;
}

/// Until a document has its OpenDocument rendition, WebDAV and the sync clients do not see it:
/// a listing leaves it out (a sync client would fetch it in vain), and a file uploaded under
/// its name does not replace it.
#[tokio::test]
async fn webdav_does_not_offer_documents_yet() {
    let server = TestServer::start().await;
    let (api, secret, _) = common::app_password(&server, "elev1").await;
    let home = api.home().await;
    let doc = new_document(&api, &home, "Min stil").await;
    api.put_file(&home, "Noter.txt", b"x".to_vec()).await;
    let http = common::plain_client();
    let url = format!("{}/remote.php/dav/files/elev1/", server.base);
    let resp = http
        .request(Method::from_bytes(b"PROPFIND").unwrap(), &url)
        .basic_auth("elev1", Some(&secret))
        .header("depth", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 207);
    let body = resp.text().await.unwrap();
    assert!(body.contains("Noter.txt") && !body.contains("Min%20stil") && !body.contains("Min stil"), "{body}");
    let resp =
        http.put(format!("{url}Min%20stil")).basic_auth("elev1", Some(&secret)).body("over").send().await.unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let (_, node) = api.get(&format!("/api/v1/drive/nodes/{doc}")).await;
    assert_eq!(node["node"]["kind"], "document", "{node}");
    let resp = http.get(format!("{url}Min%20stil")).basic_auth("elev1", Some(&secret)).send().await.unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    server.stop().await;
}
