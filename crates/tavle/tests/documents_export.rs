//! Documents out in open formats, read back by independent programs: a document written as
//! the editor writes it (headings, marks, a link, a line break, bulleted, numbered and check
//! lists, a table, Danish letters) is exported as ODT and DOCX, and pandoc (its document
//! tree) and LibreOffice (its text) must find the same structure and text in both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod doc_client;

use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use std::sync::Arc;

use common::{Api, TestServer};
use doc_client::{cookie, pdftotext, Editor};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use yrs::{Any, Text, Transact, Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim};

/// A mark as y-tiptap stores it: the mark's name and its attributes.
fn mark(name: &str, attrs: &[(&str, &str)]) -> HashMap<Arc<str>, Any> {
    let inner: HashMap<String, Any> = attrs.iter().map(|(k, v)| (k.to_string(), Any::from(v.to_string()))).collect();
    HashMap::from([(Arc::from(name), Any::from(inner))])
}

/// Writes the test's document into the editor's Yjs tree, in one change.
fn write_rich(ed: &Editor) {
    let frag = ed.doc.get_or_insert_xml_fragment("default");
    let mut txn = ed.doc.transact_mut();
    let h = frag.push_back(&mut txn, XmlElementPrelim::empty("heading"));
    h.insert_attribute(&mut txn, "level", Any::from(1.0));
    h.push_back(&mut txn, XmlTextPrelim::new("Vikingerne på Ærø"));

    let p = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    let t = p.push_back(&mut txn, XmlTextPrelim::new(""));
    t.insert(&mut txn, 0, "Det var ");
    t.insert_with_attributes(&mut txn, 8, "fed", mark("bold", &[]));
    t.insert(&mut txn, 11, " og ");
    t.insert_with_attributes(&mut txn, 15, "kursiv", mark("italic", &[]));
    t.insert(&mut txn, 21, " og ");
    t.insert_with_attributes(&mut txn, 25, "streg", mark("strike", &[]));
    t.insert(&mut txn, 30, " hos ");
    t.insert_with_attributes(&mut txn, 35, "Tavle", mark("link", &[("href", "https://tavle.example/om")]));
    p.push_back(&mut txn, XmlElementPrelim::empty("hardBreak"));
    p.push_back(&mut txn, XmlTextPrelim::new("næste linje"));

    let list = |txn: &mut yrs::TransactionMut, kind: &str, items: &[&str]| {
        let l = frag.push_back(txn, XmlElementPrelim::empty(kind));
        for (i, item) in items.iter().enumerate() {
            let li =
                l.push_back(txn, XmlElementPrelim::empty(if kind == "taskList" { "taskItem" } else { "listItem" }));
            if kind == "taskList" {
                li.insert_attribute(txn, "checked", Any::Bool(i == 0));
            }
            let p = li.push_back(txn, XmlElementPrelim::empty("paragraph"));
            p.push_back(txn, XmlTextPrelim::new(*item));
        }
        l
    };
    list(&mut txn, "bulletList", &["æble", "pære"]);
    let ol = list(&mut txn, "orderedList", &["tredje", "fjerde"]);
    ol.insert_attribute(&mut txn, "start", Any::from(3.0));
    list(&mut txn, "taskList", &["lektier lavet", "taske pakket"]);

    let table = frag.push_back(&mut txn, XmlElementPrelim::empty("table"));
    for (r, cells) in [["Navn", "Alder"], ["Åse", "9"]].iter().enumerate() {
        let row = table.push_back(&mut txn, XmlElementPrelim::empty("tableRow"));
        for c in cells {
            let cell =
                row.push_back(&mut txn, XmlElementPrelim::empty(if r == 0 { "tableHeader" } else { "tableCell" }));
            let p = cell.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
            p.push_back(&mut txn, XmlTextPrelim::new(*c));
        }
    }
    let last = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    last.push_back(&mut txn, XmlTextPrelim::new("  To mellemrum foran og  to inde."));
    let fox = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    fox.push_back(&mut txn, XmlTextPrelim::new("Ræven 🦊 løb."));
}

async fn export(api: &Api, doc: &str, format: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = api.req(Method::GET, &format!("/api/v1/documents/{doc}/export/{format}")).send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// Every `t` of pandoc's document tree, and every text it holds.
fn walk(v: &Value, tags: &mut BTreeSet<String>, text: &mut String) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(t)) = o.get("t") {
                tags.insert(t.clone());
                match (t.as_str(), o.get("c")) {
                    ("Str", Some(Value::String(s))) => text.push_str(s),
                    ("Space" | "SoftBreak" | "LineBreak" | "Para" | "Plain" | "Header", _) => text.push(' '),
                    _ => {}
                }
            }
            for v in o.values() {
                walk(v, tags, text);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| walk(v, tags, text)),
        _ => {}
    }
}

fn pandoc(path: &std::path::Path, from: &str) -> Value {
    let out = Command::new("pandoc")
        .args(["-f", from, "-t", "json"])
        .arg(path)
        .output()
        .expect("pandoc runs (test.sh installs it: apt-get install pandoc)");
    assert!(out.status.success(), "pandoc read {from}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn first_of<'a>(v: &'a Value, tag: &str) -> Option<&'a Value> {
    match v {
        Value::Object(o) if o.get("t").and_then(Value::as_str) == Some(tag) => Some(v),
        Value::Object(o) => o.values().find_map(|v| first_of(v, tag)),
        Value::Array(a) => a.iter().find_map(|v| first_of(v, tag)),
        _ => None,
    }
}

#[tokio::test]
async fn a_document_exports_to_odt_and_docx_that_pandoc_and_libreoffice_read() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let (status, d) = elev1
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{}/documents", elev1.home().await),
            Some(json!({"name": "Min stil"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let doc = d["id"].as_str().unwrap().to_string();
    let mut ed = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    write_rich(&ed);
    ed.flush().await;
    ed.saved_all().await;

    let dir = tempfile::tempdir().unwrap();
    for (format, pandoc_reader, mime) in [
        ("odt", "odt", "application/vnd.oasis.opendocument.text"),
        ("docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ] {
        let (status, headers, bytes) = export(&elev1, &doc, format).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], mime);
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment") && disposition.contains("Min%20stil"), "{disposition}");
        assert!(headers.get("tavle-not-exported").is_none(), "{headers:?}");
        let path = dir.path().join(format!("stil-{format}.{format}"));
        std::fs::write(&path, &bytes).unwrap();

        let tree = pandoc(&path, pandoc_reader);
        let (mut tags, mut text) = (BTreeSet::new(), String::new());
        walk(&tree, &mut tags, &mut text);
        for t in ["Header", "Strong", "Emph", "Strikeout", "Link", "LineBreak", "BulletList", "OrderedList", "Table"] {
            assert!(tags.contains(t), "{format}: pandoc finds no {t}: {tags:?}");
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for want in [
            "Vikingerne på Ærø",
            "Det var fed og kursiv og streg hos Tavle",
            "næste linje",
            "æble",
            "pære",
            "tredje",
            "☑ lektier lavet",
            "☐ taske pakket",
            "Navn",
            "Åse",
        ] {
            assert!(text.contains(want), "{format}: {want:?} is not in {text:?}");
        }
        let header = first_of(&tree, "Header").unwrap();
        assert_eq!(header["c"][0], 1, "{format}: a heading of level 1");
        let link = first_of(&tree, "Link").unwrap();
        assert_eq!(link["c"][2][0], "https://tavle.example/om", "{format}: the link's address");
        let ordered = first_of(&tree, "OrderedList").unwrap();
        assert_eq!(ordered["c"][0][0], 3, "{format}: the numbered list starts at 3");
    }

    // LibreOffice opens both and reads the same text, spaces included.
    let profile = dir.path().join("lo-profile");
    let out = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir"])
        .arg(dir.path().join("txt"))
        .arg(dir.path().join("stil-odt.odt"))
        .arg(dir.path().join("stil-docx.docx"))
        .output()
        .expect("LibreOffice runs (test.sh installs it: apt-get install libreoffice-writer-nogui)");
    assert!(out.status.success(), "soffice: {}", String::from_utf8_lossy(&out.stderr));
    for format in ["odt", "docx"] {
        let text =
            std::fs::read_to_string(dir.path().join("txt").join(format!("stil-{format}.txt"))).unwrap_or_default();
        for want in ["Vikingerne på Ærø", "Det var fed og kursiv", "Åse", "  To mellemrum foran og  to inde."] {
            assert!(text.contains(want), "LibreOffice, {format}: {want:?} is not in {text:?}");
        }
    }

    // PDF: pdftotext finds the text in order, Danish letters whole; the fox, which the PDF's
    // faces cannot write, is named in the header; the link is a link.
    let (status, headers, bytes) = export(&elev1, &doc, "pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["tavle-not-exported"], "character U+1F98A");
    let pdf = dir.path().join("stil.pdf");
    std::fs::write(&pdf, &bytes).unwrap();
    let text = pdftotext(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut at = 0;
    for want in [
        "Vikingerne på Ærø",
        "Det var fed og kursiv og streg hos Tavle",
        "næste linje",
        "• æble",
        "• pære",
        "3. tredje",
        "4. fjerde",
        "lektier lavet",
        "Navn",
        "Alder",
        "Åse",
        "To mellemrum foran og to inde.",
        "Ræven ? løb.",
        "1/1",
    ] {
        let found = flat[at..].find(want).unwrap_or_else(|| panic!("pdf: {want:?} is not after {at} in {flat:?}"));
        at += found + want.len();
    }
    assert!(String::from_utf8_lossy(&bytes).contains("/URI (https://tavle.example/om)"), "the link is clickable");

    // A format Tavle does not write, and what is not a document.
    let (status, _, body) = export(&elev1, &doc, "pdfx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&body));
    drop(ed);
    server.stop().await;
}

/// A document's history: a named version, versions kept while people edit, an older version
/// read as ODT, and restoring one as a change everyone in the document sees (the state before
/// kept as a version too).
#[tokio::test]
async fn versions_are_named_kept_read_and_restored() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let (_, d) = elev1
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{}/documents", elev1.home().await),
            Some(json!({"name": "Dagbog"})),
        )
        .await;
    let doc = d["id"].as_str().unwrap().to_string();
    let c = cookie(&server.base, "elev1").await;
    let mut ed = Editor::open(&server.base, &c, &doc).await;
    ed.append("Første udkast om Ærø.");
    ed.flush().await;
    ed.saved_all().await;

    let (status, v1) =
        elev1.call(Method::POST, &format!("/api/v1/documents/{doc}/versions"), Some(json!({"name": "Udkast 1"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["label"], "Udkast 1");
    let v1 = v1["id"].as_str().unwrap().to_string();
    let (status, _) =
        elev1.call(Method::POST, &format!("/api/v1/documents/{doc}/versions"), Some(json!({"name": " "}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Five minutes of editing later, a version is kept on its own.
    server.clock.advance_secs(6 * 60);
    ed.append(" Andet afsnit.");
    ed.flush().await;
    ed.saved_all().await;
    let listed = tokio::time::timeout(doc_client::WAIT, async {
        loop {
            let (status, list) = elev1.get(&format!("/api/v1/drive/nodes/{doc}/versions")).await;
            assert_eq!(status, StatusCode::OK, "{list}");
            if list.as_array().unwrap().len() >= 2 {
                return list;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("a version was kept while editing");
    let labels: Vec<Option<&str>> = listed.as_array().unwrap().iter().map(|v| v["label"].as_str()).collect();
    assert!(labels.contains(&Some("Udkast 1")) && labels.contains(&None), "{listed}");

    // The named version reads as it was.
    let resp =
        elev1.req(Method::GET, &format!("/api/v1/documents/{doc}/versions/{v1}/export/odt")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.odt");
    std::fs::write(&path, resp.bytes().await.unwrap()).unwrap();
    let (mut tags, mut text) = (BTreeSet::new(), String::new());
    walk(&pandoc(&path, "odt"), &mut tags, &mut text);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(text, "Første udkast om Ærø.");
    // Its own form (what the editor opens read-only to view it): `TAVLEDOC 1` and the state.
    let own = elev1.req(Method::GET, &format!("/api/v1/documents/{doc}/versions/{v1}/export/tavledoc")).send().await;
    let own = own.unwrap();
    assert!(own.headers()["content-disposition"].to_str().unwrap().contains("tavledoc"));
    assert!(own.bytes().await.unwrap().starts_with(b"TAVLEDOC 1\n"));

    // Restoring it: the editor that is open sees the change, and so does the store.
    let (status, body) =
        elev1.call(Method::POST, &format!("/api/v1/documents/{doc}/versions/{v1}/restore"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    ed.until_text("Første udkast om Ærø.").await;
    let (_, t) = elev1.get(&format!("/api/v1/documents/{doc}/text")).await;
    assert_eq!(t["text"], "Første udkast om Ærø.");
    let (_, list) = elev1.get(&format!("/api/v1/drive/nodes/{doc}/versions")).await;
    assert!(list.as_array().unwrap().len() >= 3, "the state before the restore is kept: {list}");
    // Someone who may only read cannot restore or name versions.
    let elev2 = server.login("elev2", "demo").await;
    let (status, _) = elev2.call(Method::POST, &format!("/api/v1/documents/{doc}/versions/{v1}/restore"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    drop(ed);
    server.stop().await;
}

/// Word and OpenDocument files written by others (pandoc, and LibreOffice converting pandoc's
/// Word file) open as Tavle documents: the document, exported again and read by pandoc, has
/// the headings, marks, link, lists and table of the original; the picture it cannot hold is
/// named; a file that is neither is refused with the table's code.
#[tokio::test]
async fn word_and_opendocument_files_open_as_documents() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let home = elev1.home().await;
    let dir = tempfile::tempdir().unwrap();
    let md = "# Vikingerne på Ærø\n\nDet var **fed** og *kursiv* og ~~streg~~ hos [Tavle](https://tavle.example/om).\n\n\
              - æble\n    - lille æble\n- pære\n\n3. tredje\n4. fjerde\n\n| Navn | Alder |\n|------|-------|\n| Åse | 9 |\n\n\
              ![Et billede](pixel.png)\n";
    std::fs::write(dir.path().join("kilde.md"), md).unwrap();
    // A 1×1 PNG: the picture comes along into the document.
    let png: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1,
        8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf,
        0xc0, 0xf0, 0x1f, 0, 0x05, 0, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae,
        0x42, 0x60, 0x82,
    ];
    std::fs::write(dir.path().join("pixel.png"), png).unwrap();
    for to in ["kilde.docx", "kilde.odt"] {
        let out = Command::new("pandoc").current_dir(dir.path()).args(["kilde.md", "-o", to]).output().unwrap();
        assert!(out.status.success(), "pandoc wrote {to}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", dir.path().join("lo-profile").display()))
        .args(["--headless", "--convert-to", "odt", "--outdir"])
        .arg(dir.path().join("lo"))
        .arg(dir.path().join("kilde.docx"))
        .output()
        .expect("LibreOffice runs");
    assert!(out.status.success(), "soffice: {}", String::from_utf8_lossy(&out.stderr));

    for (name, path) in [
        ("pandoc-word.docx", dir.path().join("kilde.docx")),
        ("pandoc.odt", dir.path().join("kilde.odt")),
        ("libreoffice.odt", dir.path().join("lo").join("kilde.odt")),
    ] {
        let (status, file) = elev1.put_file(&home, name, std::fs::read(&path).unwrap()).await;
        assert!(status.is_success(), "{file}");
        let file = file["id"].as_str().unwrap();
        let (status, c) = elev1.call(Method::POST, &format!("/api/v1/drive/nodes/{file}/convert"), None).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {c}");
        assert_eq!(c["document"]["kind"], "document");
        // Named after the file; beside an ODT of the same name it is numbered, since WebDAV
        // shows the document itself as `<name>.odt`.
        let stem = name.split('.').next().unwrap();
        let want = if name.ends_with(".odt") { format!("{stem} (2)") } else { stem.to_string() };
        assert_eq!(c["document"]["name"], want.as_str());
        let dropped: Vec<&str> = c["not_converted"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(!dropped.contains(&"image"), "{name}: the picture is converted: {dropped:?}");
        let doc = c["document"]["id"].as_str().unwrap();

        let (status, _, bytes) = export(&elev1, doc, "odt").await;
        assert_eq!(status, StatusCode::OK);
        let back = dir.path().join(format!("{stem}-tilbage.odt"));
        std::fs::write(&back, bytes).unwrap();
        let tree = pandoc(&back, "odt");
        let (mut tags, mut text) = (BTreeSet::new(), String::new());
        walk(&tree, &mut tags, &mut text);
        for t in ["Header", "Strong", "Emph", "Strikeout", "Link", "BulletList", "OrderedList", "Table", "Image"] {
            assert!(tags.contains(t), "{name}: no {t} after converting: {tags:?}");
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for want in ["Vikingerne på Ærø", "Det var fed og kursiv og streg hos Tavle", "lille æble", "fjerde", "Åse"]
        {
            assert!(text.contains(want), "{name}: {want:?} is not in {text:?}");
        }
        assert_eq!(first_of(&tree, "Header").unwrap()["c"][0], 1, "{name}: a heading of level 1");
        assert_eq!(first_of(&tree, "Link").unwrap()["c"][2][0], "https://tavle.example/om", "{name}");
        let ordered = first_of(&tree, "OrderedList").unwrap();
        assert_eq!(ordered["c"][0][0], 3, "{name}: the numbered list starts at 3");
        let bullets = first_of(&tree, "BulletList").unwrap();
        assert!(first_of(&bullets["c"], "BulletList").is_some(), "{name}: the nested list is nested");
    }

    // Converting again gives a numbered name; a file that is neither format is refused.
    let (_, file) = elev1.put_file(&home, "igen.odt", std::fs::read(dir.path().join("kilde.odt")).unwrap()).await;
    let path = format!("/api/v1/drive/nodes/{}/convert", file["id"].as_str().unwrap());
    assert_eq!(elev1.call(Method::POST, &path, None).await.1["document"]["name"], "igen (2)");
    assert_eq!(elev1.call(Method::POST, &path, None).await.1["document"]["name"], "igen (3)");
    let (_, text_file) = elev1.put_file(&home, "noter.docx", b"PK not really a zip".to_vec()).await;
    let (status, e) = elev1
        .call(Method::POST, &format!("/api/v1/drive/nodes/{}/convert", text_file["id"].as_str().unwrap()), None)
        .await;
    assert_eq!((status, e["error"]["reason"].as_str()), (StatusCode::CONFLICT, Some("not_convertible")), "{e}");
    server.stop().await;
}

const PNG: &[u8] = include_bytes!("pictures/half-clear.png");
const JPEG: &[u8] = include_bytes!("pictures/two-colours.jpg");

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// Puts a picture node in the editor's tree, as the editor does.
fn picture(txn: &mut yrs::TransactionMut, frag: &yrs::XmlFragmentRef, sha: &str, alt: &str) {
    let img = frag.push_back(txn, XmlElementPrelim::empty("image"));
    img.insert_attribute(txn, "image", Any::from(sha));
    img.insert_attribute(txn, "alt", Any::from(alt));
}

#[tokio::test]
async fn pictures_go_into_documents_and_out_in_every_format() {
    let server = TestServer::start().await;
    let elev1 = server.login("elev1", "demo").await;
    let elev2 = server.login("elev2", "demo").await;
    let home = elev1.home().await;
    let (_, doc) = elev1
        .call(Method::POST, &format!("/api/v1/drive/nodes/{home}/documents"), Some(json!({"name": "Rejsen"})))
        .await;
    let doc = doc["id"].as_str().unwrap().to_string();
    let images = format!("/api/v1/documents/{doc}/images");
    let send = |api: &Api, bytes: Vec<u8>| {
        api.req(Method::POST, &images).header("content-type", "image/png").body(bytes).send()
    };

    // Uploaded, and picked from the drive; each named by its SHA-256.
    let resp = send(&elev1, PNG.to_vec()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let png: Value = resp.json().await.unwrap();
    assert_eq!(
        (png["image"].as_str(), png["width"].as_u64(), png["height"].as_u64()),
        (Some(&*sha256_hex(PNG)), Some(40), Some(30))
    );
    // The same picture again (as two tabs might at once) is the same picture.
    let again: Value = send(&elev1, PNG.to_vec()).await.unwrap().json().await.unwrap();
    assert_eq!(again["image"], png["image"]);
    let (_, flag) = elev1.put_file(&home, "flag.jpg", JPEG.to_vec()).await;
    let (status, jpeg) =
        elev1.call(Method::POST, &format!("{images}/from-drive"), Some(json!({"node": flag["id"]}))).await;
    assert_eq!((status, jpeg["content_type"].as_str()), (StatusCode::CREATED, Some("image/jpeg")), "{jpeg}");

    // Bad input: not a picture (by its bytes, whatever it is called), too large, a file
    // that is no picture, someone who may not edit the document.
    let resp = send(&elev1, b"GIF89a\x01\0\x01\0".to_vec()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["reason"], "not_a_picture");
    let resp = send(&elev1, [PNG, &vec![0; 10 << 20]].concat()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (_, notes) = elev1.put_file(&home, "noter.png", b"ikke et billede".to_vec()).await;
    let (status, e) =
        elev1.call(Method::POST, &format!("{images}/from-drive"), Some(json!({"node": notes["id"]}))).await;
    assert_eq!((status, e["error"]["reason"].as_str()), (StatusCode::CONFLICT, Some("not_a_picture")), "{e}");
    assert_eq!(send(&elev2, PNG.to_vec()).await.unwrap().status(), StatusCode::NOT_FOUND);

    // Read back by who may read the document, and only what was taken into it: the hash of
    // another file of the municipality reaches nothing.
    let resp = elev1.req(Method::GET, &format!("{images}/{}", sha256_hex(PNG))).send().await.unwrap();
    assert_eq!((resp.status(), resp.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
    let stranger = sha256_hex(b"ikke et billede");
    assert_eq!(elev1.get(&format!("{images}/{stranger}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(elev2.get(&format!("{images}/{}", sha256_hex(PNG))).await.0, StatusCode::NOT_FOUND);

    // The editor puts them in the text, and one more whose file was never given.
    let mut ed = Editor::open(&server.base, &cookie(&server.base, "elev1").await, &doc).await;
    {
        let frag = ed.doc.get_or_insert_xml_fragment("default");
        let mut txn = ed.doc.transact_mut();
        let p = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new("Før billederne på Ærø"));
        picture(&mut txn, &frag, &sha256_hex(PNG), "En farvet flade");
        picture(&mut txn, &frag, &sha256_hex(JPEG), "Et flag");
        picture(&mut txn, &frag, &stranger, "Et andet");
        let p = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new("Efter billederne"));
    }
    ed.flush().await;
    ed.saved_all().await;

    let dir = tempfile::tempdir().unwrap();
    for format in ["odt", "docx"] {
        let (status, headers, bytes) = export(&elev1, &doc, format).await;
        assert_eq!(status, StatusCode::OK);
        let lost = headers.get("tavle-not-exported").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(lost.contains("1 picture"), "{format}: {lost}");
        let file = dir.path().join(format!("rejsen.{format}"));
        std::fs::write(&file, &bytes).unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
        let folder = if format == "odt" { "Pictures" } else { "word/media" };
        for (sha, ext, original) in [(sha256_hex(PNG), "png", PNG), (sha256_hex(JPEG), "jpg", JPEG)] {
            let mut inside = Vec::new();
            std::io::Read::read_to_end(&mut zip.by_name(&format!("{folder}/{sha}.{ext}")).unwrap(), &mut inside)
                .unwrap();
            assert_eq!(inside, original, "{format} holds the picture as it was given");
        }
        // pandoc finds both pictures in the text, between the paragraphs.
        let tree = pandoc(&file, format);
        let (mut tags, mut text) = (BTreeSet::new(), String::new());
        walk(&tree, &mut tags, &mut text);
        assert!(tags.contains("Image") && text.contains("Før billederne på Ærø"), "{format}: {tags:?}");
        assert_eq!(tree.to_string().matches("\"t\":\"Image\"").count(), 2, "{format}");
        // LibreOffice opens it and keeps both pictures when it writes it again.
        let out = Command::new("soffice")
            .arg(format!("-env:UserInstallation=file://{}", dir.path().join("lo").display()))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path().join(format))
            .arg(&file)
            .output()
            .expect("LibreOffice runs (test.sh installs it)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(pdf_images(&dir.path().join(format).join("rejsen.pdf")), 2, "LibreOffice's PDF of the {format}");
        // Opened as a document again, the file brings its pictures along.
        let (_, up) = elev1.put_file(&home, &format!("igen.{format}"), bytes).await;
        let (status, c) = elev1
            .call(Method::POST, &format!("/api/v1/drive/nodes/{}/convert", up["id"].as_str().unwrap()), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        assert!(!c["not_converted"].to_string().contains("image"), "{format}: {c}");
        let again = c["document"]["id"].as_str().unwrap();
        for sha in [sha256_hex(PNG), sha256_hex(JPEG)] {
            assert_eq!(
                elev1.get(&format!("/api/v1/documents/{again}/images/{sha}")).await.0,
                StatusCode::OK,
                "{format}"
            );
        }
        let (_, _, odt) = export(&elev1, again, "odt").await;
        let path = dir.path().join(format!("igen-{format}.odt"));
        std::fs::write(&path, odt).unwrap();
        let tree = pandoc(&path, "odt");
        assert_eq!(tree.to_string().matches("\"t\":\"Image\"").count(), 2, "{format} again: {tree}");
        assert!(tree.to_string().contains("billederne"), "{tree}");
    }
    let (status, _, pdf) = export(&elev1, &doc, "pdf").await;
    assert_eq!(status, StatusCode::OK);
    let file = dir.path().join("rejsen.pdf");
    std::fs::write(&file, pdf).unwrap();
    assert_eq!(pdf_images(&file), 2, "Tavle's PDF draws both pictures");
    assert!(pdftotext(&file).contains("Efter billederne"));

    // A copy of the document shows the same pictures.
    let (status, copy) = elev1
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{doc}/copy"),
            Some(json!({"parent_id": home, "name": "Rejsen 2"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{copy}");
    let copied = format!("/api/v1/documents/{}/images/{}", copy["id"].as_str().unwrap(), sha256_hex(JPEG));
    assert_eq!(elev1.get(&copied).await.0, StatusCode::OK);
    drop(ed);
    server.stop().await;
}

/// How many pictures a PDF draws (`pdfimages -list`; a picture's transparency is not counted).
fn pdf_images(pdf: &std::path::Path) -> usize {
    let out = Command::new("pdfimages").arg("-list").arg(pdf).output().expect("pdfimages runs (poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter(|l| l.split_whitespace().nth(2) == Some("image"))
        .count()
}
