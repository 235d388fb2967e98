//! A document editor for the tests, as the browser's provider is one: a Yjs document (yrs,
//! UTF-16 offsets like Yjs) synced over Tavle's document socket with the y-websocket messages,
//! counting the changes it sends and the `saved n` acknowledgements it gets; and the
//! independent programs that read exports back (pdftotext, pandoc).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // Shared by several test binaries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Ws;
use yrs::encoding::read::Cursor;
use yrs::sync::{Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{
    Doc, GetString, OffsetKind, Options, ReadTxn, Text, Transact, Update, XmlElementPrelim, XmlFragment, XmlOut,
    XmlTextPrelim, XmlTextRef,
};

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for something it expects to arrive.
pub const WAIT: Duration = Duration::from_secs(10);

/// Logs in with a client of its own and returns the session cookie (`name=value`).
pub async fn cookie(base: &str, user: &str) -> String {
    tavle_blob::install_tls_provider();
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": user, "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let set = resp.headers().get("set-cookie").unwrap().to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

pub fn utf16_doc() -> Doc {
    Doc::with_options(Options { offset_kind: OffsetKind::Utf16, ..Options::default() })
}

/// A person's editor: a Yjs document and the socket it syncs over, as the browser's provider
/// does (sync step 1 and 2, then each local change as an update).
pub struct Editor {
    pub ws: Socket,
    pub doc: Doc,
    /// Local changes not yet sent.
    outbox: Arc<Mutex<Vec<Vec<u8>>>>,
    pub sent: u64,
    pub saved: u64,
    pub writable: Option<bool>,
}

pub async fn connect(base: &str, cookie: &str, node: &str) -> Result<Socket, (u16, String)> {
    let url = format!("{}/api/v1/documents/{node}/socket", base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req.headers_mut().insert("origin", base.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp.body().as_ref().map(|b| String::from_utf8_lossy(b).to_string()).unwrap_or_default();
            Err((resp.status().as_u16(), body))
        }
        Err(e) => Err((0, e.to_string())),
    }
}

impl Editor {
    pub async fn open(base: &str, cookie: &str, node: &str) -> Editor {
        Self::try_open(base, cookie, node).await.expect("the socket opens and syncs")
    }

    /// Opens and syncs, or says why not (a refusal's status, or 0 when the connection broke).
    pub async fn try_open(base: &str, cookie: &str, node: &str) -> Result<Editor, (u16, String)> {
        let ws = connect(base, cookie, node).await?;
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
        ed.ws
            .send(Ws::Binary(Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1().into()))
            .await
            .map_err(|e| (0, e.to_string()))?;
        // Synced once the server's sync step 2 (its state) has arrived.
        ed.try_until(|m| matches!(m, Message::Sync(SyncMessage::SyncStep2(_)))).await.map_err(|e| (0, e))?;
        Ok(ed)
    }

    /// Sends the local changes made since the last flush, each as one update.
    pub async fn flush(&mut self) {
        self.try_flush().await.expect("the socket takes the changes");
    }

    pub async fn try_flush(&mut self) -> Result<(), String> {
        let updates: Vec<Vec<u8>> = std::mem::take(&mut *self.outbox.lock().unwrap());
        for u in updates {
            self.sent += 1;
            let m = Message::Sync(SyncMessage::Update(u));
            self.ws.send(Ws::Binary(m.encode_v1().into())).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Applies what arrives until a message matches `stop` (which is applied too).
    pub async fn until(&mut self, stop: impl FnMut(&Message) -> bool) {
        self.try_until(stop).await.expect("the expected message arrived");
    }

    /// As `until`, or why it could not: the socket closed or broke, or nothing came in time.
    pub async fn try_until(&mut self, mut stop: impl FnMut(&Message) -> bool) -> Result<(), String> {
        tokio::time::timeout(WAIT, async {
            loop {
                let frame = match self.ws.next().await {
                    Some(Ok(f)) => f,
                    Some(Err(e)) => return Err(e.to_string()),
                    None => return Err("the socket ended".to_string()),
                };
                let Ws::Binary(data) = frame else {
                    if let Ws::Close(c) = frame {
                        return Err(format!("closed: {c:?}"));
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
                        return Ok(());
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
                                .map_err(|e| e.to_string())?;
                        }
                        _ => {}
                    }
                    if stop(&m) {
                        return Ok(());
                    }
                }
            }
        })
        .await
        .unwrap_or_else(|_| Err("nothing came in time".to_string()))
    }

    /// Waits until every change sent so far is acknowledged as saved.
    pub async fn saved_all(&mut self) {
        self.try_saved_all().await.expect("every change is acknowledged");
    }

    pub async fn try_saved_all(&mut self) -> Result<(), String> {
        let sent = self.sent;
        if self.saved < sent {
            let mut saved = self.saved;
            self.try_until(|m| {
                if let Message::Custom(100, d) = m {
                    if d[1] == 0 {
                        saved = d[2..].iter().rev().fold(0u64, |a, b| (a << 7) | u64::from(b & 0x7f));
                    }
                }
                saved >= sent
            })
            .await?;
        }
        assert!(self.saved >= sent, "saved {} of {}", self.saved, sent);
        Ok(())
    }

    /// Applies updates until the text reads `want`.
    pub async fn until_text(&mut self, want: &str) {
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

    /// Adds `s` at the end of the first paragraph.
    pub fn append(&self, s: &str) {
        let t = self.paragraph();
        let mut txn = self.doc.transact_mut();
        let end = t.len(&txn);
        t.insert(&mut txn, end, s);
    }

    pub fn insert(&self, at: u32, s: &str) {
        let t = self.paragraph();
        t.insert(&mut self.doc.transact_mut(), at, s);
    }

    pub fn text(&self) -> String {
        text_of(&self.doc)
    }

    /// Waits for the server to close the socket and returns the close code and reason.
    pub async fn closed(mut self) -> (u16, String) {
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

pub fn text_of(doc: &Doc) -> String {
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

/// The text of a PDF as poppler's pdftotext reads it.
pub fn pdftotext(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs (test.sh installs it: apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The text of an ODT file as pandoc reads it (empty if it cannot).
pub fn pandoc_text(odt: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.odt");
    std::fs::write(&path, odt).unwrap();
    let out = std::process::Command::new("pandoc").args(["-f", "odt", "-t", "plain"]).arg(&path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
