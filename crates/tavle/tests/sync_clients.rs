//! The real sync clients against the real server: Nextcloud's `nextcloudcmd` and rclone's
//! WebDAV backend in Nextcloud mode (both Debian packages). Each uploads a tree with Danish
//! names (and one file large enough to go up in Nextcloud's chunks), a file is changed
//! through the API, the client syncs again, and everything is compared byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{app_password, Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The tree every client uploads: Danish names, nested folders, text and binary.
fn tree() -> BTreeMap<String, Vec<u8>> {
    let mut t = BTreeMap::new();
    t.insert("Dansk/Æbler og pærer.txt".into(), "Æbler og pærer, ét for hver årstid.\n".as_bytes().to_vec());
    t.insert("Dansk/Digte/Forår.md".into(), "# Forår\nSolen skinner på søen.\n".as_bytes().to_vec());
    t.insert("Matematik/Brøker ½.txt".into(), "½ + ¼ = ¾\n".as_bytes().to_vec());
    t.insert("billeder/tegning.png".into(), (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect());
    t.insert("læs mig.txt".into(), b"Hej!\n".to_vec());
    // Larger than nextcloudcmd's first chunk (10 MB): it goes up in chunks.
    t.insert("video/Skoletur på Fanø.mp4".into(), (0..25_000_000u32).map(|i| (i % 253) as u8).collect());
    t
}

fn write_tree(dir: &Path, t: &BTreeMap<String, Vec<u8>>) {
    for (path, bytes) in t {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Every file below `dir`, except the sync clients' own bookkeeping.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".sync_") || name.starts_with(".nextcloudsync") || name.starts_with(".owncloudsync") {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Every file of the caller's own drive, read through the JSON API.
async fn server_tree(api: &Api) -> BTreeMap<String, Vec<u8>> {
    let (_, spaces) = api.get("/api/v1/drive/spaces").await;
    let mut out = BTreeMap::new();
    let mut todo = vec![(spaces[0]["root_id"].as_str().unwrap().to_string(), String::new())];
    while let Some((folder, prefix)) = todo.pop() {
        let (status, listing) = api.get(&format!("/api/v1/drive/nodes/{folder}/children")).await;
        assert_eq!(status, StatusCode::OK);
        for c in listing["children"].as_array().unwrap() {
            let path = format!("{prefix}{}", c["name"].as_str().unwrap());
            let id = c["id"].as_str().unwrap().to_string();
            if c["kind"] == "folder" {
                todo.push((id, format!("{path}/")));
            } else {
                out.insert(path, api.file_bytes(&id).await.1);
            }
        }
    }
    out
}

/// How many chunks of Nextcloud's chunked uploads the server has taken.
async fn chunks_received(server: &TestServer) -> u64 {
    let text = server.anonymous().raw(Method::GET, "/metrics", None).await.1;
    text.lines()
        .filter(|l| l.contains("method=\"PUT\"") && l.contains("/remote.php/dav/uploads/{user}/{transfer}/{chunk}"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Changes a file (by path from the root) through the JSON API.
async fn change_through_api(api: &Api, path: &str, bytes: &[u8]) {
    let (_, spaces) = api.get("/api/v1/drive/spaces").await;
    let mut folder = spaces[0]["root_id"].as_str().unwrap().to_string();
    let (dirs, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    for seg in dirs.split('/').filter(|s| !s.is_empty()) {
        let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{folder}/children")).await;
        let child: &Value = listing["children"].as_array().unwrap().iter().find(|c| c["name"] == seg).unwrap();
        folder = child["id"].as_str().unwrap().to_string();
    }
    let (status, body) = api.put_file(&folder, name, bytes.to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// One `nextcloudcmd` run of elev1's drive into `dir` (with `home` as its HOME), as a closure
/// to run again; it returns what the client said.
fn nextcloudcmd(base: &str, secret: &str, home: &Path, dir: &Path) -> impl Fn() -> String + Clone + Send + 'static {
    let (base, secret, home, dir) = (base.to_string(), secret.to_string(), home.to_path_buf(), dir.to_path_buf());
    move || {
        run(
            std::process::Command::new("nextcloudcmd")
                .env("HOME", &home)
                .args(["--non-interactive", "-u", "elev1", "-p", &secret])
                .arg(&dir)
                .arg(&base),
            "nextcloudcmd",
        )
    }
}

fn run(cmd: &mut std::process::Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what} could not run ({e}); apt-get install it (.ci/run does)"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

#[tokio::test]
async fn nextcloudcmd_syncs_both_ways() {
    let server = TestServer::start().await;
    let (api, secret, _) = app_password(&server, "elev1").await;
    let home = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut expected = tree();
    write_tree(local.path(), &expected);
    let sync = nextcloudcmd(&server.base, &secret, home.path(), local.path());
    let s = sync.clone();
    tokio::task::spawn_blocking(s).await.unwrap();
    assert_eq!(server_tree(&api).await, expected, "the upload");
    assert!(chunks_received(&server).await >= 2, "the video went up in chunks");

    // A change on the server and one on the client, then sync again.
    let changed = "Hej igen – ændret i Tavle.\n".as_bytes().to_vec();
    change_through_api(&api, "Dansk/Æbler og pærer.txt", &changed).await;
    expected.insert("Dansk/Æbler og pærer.txt".into(), changed);
    let new_local = "Skrevet på computeren.\n".as_bytes().to_vec();
    std::fs::write(local.path().join("Matematik/Ny opgave.txt"), &new_local).unwrap();
    expected.insert("Matematik/Ny opgave.txt".into(), new_local);
    tokio::task::spawn_blocking(sync).await.unwrap();
    assert_eq!(read_tree(local.path()), expected, "the client's copy");
    assert_eq!(server_tree(&api).await, expected, "Tavle's copy");
    server.stop().await;
}

#[tokio::test]
async fn rclone_in_nextcloud_mode_syncs_both_ways() {
    let server = TestServer::start().await;
    let (api, secret, _) = app_password(&server, "elev1").await;
    let src = tempfile::tempdir().unwrap();
    let back = tempfile::tempdir().unwrap();
    let mut expected = tree();
    write_tree(src.path(), &expected);
    let rclone = {
        let url = format!("{}/remote.php/dav/files/elev1/", server.base);
        move |args: Vec<String>| {
            let obscured = run(std::process::Command::new("rclone").args(["obscure", &secret]), "rclone obscure");
            let remote = format!(":webdav,url='{url}',vendor=nextcloud,user=elev1,pass={}:", obscured.trim());
            let args: Vec<String> = args.into_iter().map(|a| a.replace("REMOTE:", &remote)).collect();
            run(std::process::Command::new("rclone").env("RCLONE_CONFIG", "/dev/null").args(&args), "rclone")
        }
    };
    let (s, b) = (src.path().to_string_lossy().into_owned(), back.path().to_string_lossy().into_owned());
    let r = rclone.clone();
    let up = vec!["copy".to_string(), s.clone(), "REMOTE:".into()];
    tokio::task::spawn_blocking(move || r(up)).await.unwrap();
    // Debian's rclone (1.60) predates Nextcloud chunking and sends the video whole.
    assert_eq!(server_tree(&api).await, expected, "the upload");

    let changed = "Ændret på serveren.\n".as_bytes().to_vec();
    change_through_api(&api, "Matematik/Brøker ½.txt", &changed).await;
    expected.insert("Matematik/Brøker ½.txt".into(), changed);
    let r = rclone.clone();
    let down = vec!["sync".to_string(), "REMOTE:".into(), b.clone()];
    tokio::task::spawn_blocking(move || r(down)).await.unwrap();
    assert_eq!(read_tree(back.path()), expected, "rclone's copy");
    let check = vec!["check".to_string(), b, "REMOTE:".into()];
    let out = tokio::task::spawn_blocking(move || rclone(check)).await.unwrap();
    assert!(out.contains("0 differences found"), "{out}");
    server.stop().await;
}

/// rclone against a drive's own WebDAV address (`/remote.php/dav/spaces/<id>/`, plain WebDAV).
fn rclone_on(
    url: String,
    user: &'static str,
    secret: String,
) -> impl Fn(Vec<String>) -> Result<String, String> + Clone {
    move |args: Vec<String>| {
        let obscured = run(std::process::Command::new("rclone").args(["obscure", &secret]), "rclone obscure");
        let remote = format!(":webdav,url='{url}',vendor=other,user={user},pass={}:", obscured.trim());
        let args: Vec<String> = args.into_iter().map(|a| a.replace("REMOTE:", &remote)).collect();
        let out = std::process::Command::new("rclone").env("RCLONE_CONFIG", "/dev/null").args(&args).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    }
}

#[tokio::test]
async fn a_class_drive_syncs_over_its_own_webdav_address() {
    let server = TestServer::start().await;
    let (laerer, secret, _) = app_password(&server, "laerer1").await;
    let (_, spaces) = laerer.get("/api/v1/drive/spaces").await;
    let class = spaces.as_array().unwrap().iter().find(|s| s["kind"] == "group" && s["name"] == "1.A").unwrap();
    let (space, root) = (class["id"].as_str().unwrap().to_string(), class["root_id"].as_str().unwrap().to_string());
    let url = format!("{}/remote.php/dav/spaces/{space}/", server.base);

    // The teacher puts a tree into the class's drive with rclone.
    let mut expected = tree();
    expected.retain(|p, _| !p.starts_with("video/"));
    let src = tempfile::tempdir().unwrap();
    write_tree(src.path(), &expected);
    let teacher = rclone_on(url.clone(), "laerer1", secret);
    let s = src.path().to_string_lossy().into_owned();
    let t = teacher.clone();
    tokio::task::spawn_blocking(move || t(vec!["copy".into(), s, "REMOTE:".into()])).await.unwrap().unwrap();
    let (_, listing) = laerer.get(&format!("/api/v1/drive/nodes/{root}/children")).await;
    let names: Vec<&str> =
        listing["children"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Dansk") && names.contains(&"læs mig.txt"), "{names:?}");

    // A pupil of the class syncs it down, byte for byte, and may not change it.
    let (_, pupil_secret, _) = app_password(&server, "elev1").await;
    let pupil = rclone_on(url.clone(), "elev1", pupil_secret.clone());
    let down = tempfile::tempdir().unwrap();
    let d = down.path().to_string_lossy().into_owned();
    let p = pupil.clone();
    tokio::task::spawn_blocking(move || p(vec!["sync".into(), "REMOTE:".into(), d])).await.unwrap().unwrap();
    assert_eq!(read_tree(down.path()), expected, "the pupil's copy");
    let put = common::plain_client()
        .put(format!("{url}Min.txt"))
        .basic_auth("elev1", Some(&pupil_secret))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::FORBIDDEN, "pupils read their class's drive");
    // Moving out of the drive over WebDAV is refused (the web app moves between drives).
    let moved = common::plain_client()
        .request(Method::from_bytes(b"MOVE").unwrap(), format!("{url}l%C3%A6s%20mig.txt"))
        .basic_auth("laerer1", Some(&teacher_secret(&server).await))
        .header("destination", format!("{}/remote.php/dav/files/laerer1/l%C3%A6s%20mig.txt", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);

    // A pupil of another class does not find the drive at all.
    let (_, other_secret, _) = app_password(&server, "elev21").await;
    let outsider = rclone_on(url, "elev21", other_secret);
    let listed = tokio::task::spawn_blocking(move || outsider(vec!["lsf".into(), "REMOTE:".into()])).await.unwrap();
    assert!(listed.is_err_and(|e| e.contains("404") || e.contains("not found")), "another class's pupil");
    server.stop().await;
}

async fn teacher_secret(server: &TestServer) -> String {
    app_password(server, "laerer1").await.1
}

/// A Tavle document reaches a laptop through `nextcloudcmd` as `<name>.odt`, an ODT that pandoc
/// reads; the laptop's new version of that file, synced back, becomes the document's content.
#[tokio::test]
async fn nextcloudcmd_gets_a_document_as_odt_and_saves_it_back() {
    let server = TestServer::start_with(|c| c.document_idle_seconds = 0, false).await;
    let (api, secret, _) = app_password(&server, "elev1").await;
    let (_, spaces) = api.get("/api/v1/drive/spaces").await;
    let root = spaces[0]["root_id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    // A document with text in it, made from an ODT that pandoc wrote.
    let md = dir.path().join("stil.md");
    std::fs::write(&md, "# Min stil\n\nVikingerne sejlede til Ærø.\n").unwrap();
    let odt = |md: &Path, out: &Path| {
        run(std::process::Command::new("pandoc").arg(md).arg("-o").arg(out), "pandoc");
        std::fs::read(out).unwrap()
    };
    let source = odt(&md, &dir.path().join("kilde.odt"));
    let (_, file) = api.put_file(&root, "kilde.odt", source).await;
    let (status, c) =
        api.call(Method::POST, &format!("/api/v1/drive/nodes/{}/convert", file["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let doc = c["document"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.call(Method::DELETE, &format!("/api/v1/drive/nodes/{}", file["id"].as_str().unwrap()), None).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, _) = api
        .call(Method::PATCH, &format!("/api/v1/drive/nodes/{doc}"), Some(serde_json::json!({"name": "Min stil"})))
        .await;
    assert!(status.is_success());

    let (home, local) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sync = nextcloudcmd(&server.base, &secret, home.path(), local.path());
    tokio::task::spawn_blocking(sync.clone()).await.unwrap();
    let on_laptop = local.path().join("Min stil.odt");
    let text = pandoc_text(&on_laptop);
    assert!(text.contains("Vikingerne sejlede til Ærø."), "{text:?}");

    // LibreOffice on the laptop saves a new version; the next sync brings it into the document.
    std::fs::write(&md, "# Min stil\n\nVikingerne sejlede til Ærø og Fanø.\n").unwrap();
    let edited = odt(&md, &dir.path().join("ny.odt"));
    std::fs::write(&on_laptop, edited).unwrap();
    let log = tokio::task::spawn_blocking(sync.clone()).await.unwrap();
    let (_, t) = api.get(&format!("/api/v1/documents/{doc}/text")).await;
    assert_eq!(t["text"], "Min stil\nVikingerne sejlede til Ærø og Fanø.", "{log}");
    let (_, node) = api.get(&format!("/api/v1/drive/nodes/{doc}")).await;
    assert_eq!(node["node"]["kind"], "document", "still a document: {node}");
    // Synced once more, the laptop holds Tavle's file form of the new content.
    tokio::task::spawn_blocking(sync).await.unwrap();
    assert!(pandoc_text(&on_laptop).contains("Ærø og Fanø"));
    server.stop().await;
}

fn pandoc_text(path: &Path) -> String {
    run(std::process::Command::new("pandoc").args(["-f", "odt", "-t", "plain"]).arg(path), "pandoc")
}
