//! The drive over the JSON API against the real server: spaces and access, uploads and
//! downloads (ranges, conditions), names, folders, move/copy, trash, versions, quotas,
//! deduplication and the storage check. The storage tests run on the local blob store and,
//! when `TAVLE_TEST_S3_*` names one, on a real S3 server (Garage).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::{use_s3_from_env, Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

async fn spaces(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/v1/drive/spaces").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn list(api: &Api, folder: &str) -> Vec<String> {
    let (status, body) = api.get(&format!("/api/v1/drive/nodes/{folder}/children")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["children"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

async fn used(api: &Api) -> i64 {
    spaces(api).await[0]["used_bytes"].as_i64().unwrap()
}

on_both_backends!(everyone_has_their_drives_with_the_right_access);
async fn everyone_has_their_drives_with_the_right_access(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let pupil = server.login("elev1", "demo").await;
    let s = spaces(&pupil).await;
    assert_eq!(s[0]["kind"], "personal");
    assert_eq!(s[0]["access"], "edit");
    assert_eq!(s[0]["quota_bytes"], 5i64 << 30);
    let groups: Vec<&Value> = s.iter().filter(|x| x["kind"] == "group").collect();
    assert!(!groups.is_empty());
    assert!(groups.iter().all(|g| g["access"] == "view"), "{groups:?}");
    assert!(s.iter().all(|x| x["kind"] != "staff"), "pupils have no staff drive");

    let teacher = server.login("laerer1", "demo").await;
    let t = spaces(&teacher).await;
    assert_eq!(t[0]["quota_bytes"], 20i64 << 30);
    assert!(t.iter().any(|x| x["kind"] == "staff" && x["access"] == "edit"), "{t:?}");
    // The teacher edits the class drive the pupil may only read.
    let class = groups[0];
    let theirs = t.iter().find(|x| x["id"] == class["id"]).expect("the same class drive");
    assert_eq!(theirs["access"], "edit");
    let root = class["root_id"].as_str().unwrap();
    let (status, _) = teacher.put_file(root, "Ugeplan.txt", b"mandag: dansk".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(list(&pupil, root).await, vec!["Ugeplan.txt"]);
    let (status, body) = pupil.put_file(root, "Mit.txt", b"x".to_vec()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));

    // Another pupil sees nothing of elev1's own drive, not even that a file exists.
    let mine = pupil.home().await;
    let (_, f) = pupil.put_file(&mine, "Dagbog.txt", b"hemmeligt".to_vec()).await;
    let other = server.login("elev2", "demo").await;
    for path in [format!("/api/v1/drive/nodes/{}", id(&f)), format!("/api/v1/drive/nodes/{}/content", id(&f))] {
        let (status, body) = other.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    // Not even the municipality's admin browses a pupil's own drive.
    let admin = server.login("admin", "demo").await;
    assert_eq!(admin.get(&format!("/api/v1/drive/nodes/{mine}/children")).await.0, StatusCode::NOT_FOUND);
    server.stop().await;
}

on_both_backends!(uploads_download_whole_in_ranges_and_conditionally);
async fn uploads_download_whole_in_ranges_and_conditionally(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let api = server.login("elev1", "demo").await;
    let root = api.home().await;
    let body = data(100_000, 7);
    let (status, f) = api.put_file(&root, "Rapport.pdf", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    assert_eq!(f["size"], 100_000);
    assert_eq!(f["sha256"].as_str().unwrap(), format!("{:x}", Sha256::digest(&body)));
    let node = id(&f);
    let etag = format!("\"{}\"", f["etag"].as_str().unwrap());
    assert_eq!(api.file_bytes(&node).await, (StatusCode::OK, body.clone()));
    assert_eq!(used(&api).await, 100_000);

    let content = format!("/api/v1/drive/nodes/{node}/content");
    let resp = api.req(Method::GET, &content).header("range", "bytes=10-19").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.headers()["content-range"], "bytes 10-19/100000");
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(resp.bytes().await.unwrap().to_vec(), body[10..20]);
    let resp = api.req(Method::GET, &content).header("range", "bytes=-5").send().await.unwrap();
    assert_eq!(resp.bytes().await.unwrap().to_vec(), body[99_995..]);
    let resp = api.req(Method::GET, &content).header("range", "bytes=200000-").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(resp.headers()["content-range"], "bytes */100000");
    let resp = api.req(Method::GET, &content).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    // A range of a file that changed meanwhile (If-Range with the old ETag) sends it whole.
    let resp =
        api.req(Method::GET, &content).header("range", "bytes=0-0").header("if-range", "\"old\"").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = api.req(Method::HEAD, &content).send().await.unwrap();
    assert_eq!(resp.headers()["content-length"], "100000");

    // Overwriting keeps the old contents as a version; conditions protect others' changes.
    let upload = |bytes: Vec<u8>, header: Option<(&'static str, String)>| {
        let mut req = api.req(Method::PUT, &format!("/api/v1/drive/nodes/{root}/files/Rapport.pdf")).body(bytes);
        if let Some((k, v)) = header {
            req = req.header(k, v);
        }
        req.send()
    };
    let resp = upload(b"stale".to_vec(), Some(("if-match", "\"not-the-etag\"".into()))).await.unwrap();
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
    let resp = upload(b"new".to_vec(), Some(("if-none-match", "*".into()))).await.unwrap();
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(api.file_bytes(&node).await.1, body, "refused uploads change nothing");
    let resp = upload(b"version 2".to_vec(), Some(("if-match", etag.clone()))).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_ne!(resp.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(api.file_bytes(&node).await.1, b"version 2");
    assert_eq!(used(&api).await, 9, "the quota counts current contents");

    let (_, versions) = api.get(&format!("/api/v1/drive/nodes/{node}/versions")).await;
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["size"], 100_000);
    let v = id(&versions[0]);
    let resp = api.req(Method::GET, &format!("/api/v1/drive/nodes/{node}/versions/{v}/content")).send().await.unwrap();
    assert_eq!(resp.bytes().await.unwrap().to_vec(), body);
    let (status, restored) =
        api.call(Method::POST, &format!("/api/v1/drive/nodes/{node}/versions/{v}/restore"), None).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(api.file_bytes(&node).await.1, body);
    let (_, versions) = api.get(&format!("/api/v1/drive/nodes/{node}/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 1, "the replaced contents became the version");
    assert_eq!(versions[0]["size"], 9);
    server.stop().await;
}

on_both_backends!(names_must_work_on_every_client);
async fn names_must_work_on_every_client(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let api = server.login("elev1", "demo").await;
    let root = api.home().await;
    for (name, reason) in [
        ("a:b.txt", "bad_character"),
        ("CON", "reserved_name"),
        ("nul.txt", "reserved_name"),
        ("slut.", "bad_format"),
        ("tab\tnavn", "control_character"),
    ] {
        let (status, body) = api.put_file(&root, name, b"x".to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(body["error"]["reason"], reason, "{name}");
        assert_eq!(body["error"]["field"], "name");
    }
    let (status, _) = api.put_file(&root, &"æ".repeat(128), b"x".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // "å" typed as a + combining ring (as macOS sends it) is stored as one character.
    let (status, f) = api.put_file(&root, "Bla\u{030a}bær.txt", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(f["name"], "Blåbær.txt");
    // Names differing only in case are one file, as on Windows and macOS.
    let (status, g) = api.put_file(&root, "BLÅBÆR.TXT", b"y".to_vec()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((id(&g), g["name"].as_str()), (id(&f), Some("Blåbær.txt")));
    let (status, body) = api
        .call(Method::POST, &format!("/api/v1/drive/nodes/{root}/folders"), Some(json!({"name": "blåbær.txt"})))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    server.stop().await;
}

on_both_backends!(folders_move_copy_trash_and_restore);
async fn folders_move_copy_trash_and_restore(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let api = server.login("elev1", "demo").await;
    let root = api.home().await;
    let folder = |parent: String, name: &'static str| {
        let api = &api;
        async move {
            let (status, f) = api
                .call(Method::POST, &format!("/api/v1/drive/nodes/{parent}/folders"), Some(json!({"name": name})))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{f}");
            id(&f)
        }
    };
    let dansk = folder(root.clone(), "Dansk").await;
    let digte = folder(dansk.clone(), "Digte").await;
    let (_, digt) = api.put_file(&digte, "Forår.txt", "Det er forår".as_bytes().to_vec()).await;
    let (_, node) = api.get(&format!("/api/v1/drive/nodes/{}", id(&digt))).await;
    let path: Vec<&str> = node["path"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(path, vec!["", "Dansk", "Digte"]);

    // The root's ETag changes with anything below it (sync clients compare it).
    let before = etag_of(&api, &root).await;
    api.put_file(&digte, "Sommer.txt", b"sol".to_vec()).await;
    assert_ne!(etag_of(&api, &root).await, before);

    // Rename, move, and the refusals.
    let (status, moved) = api
        .call(Method::PATCH, &format!("/api/v1/drive/nodes/{digte}"), Some(json!({"name": "Poesi", "parent_id": root})))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(list(&api, &root).await, vec!["Dansk", "Poesi"]);
    let (status, _) =
        api.call(Method::PATCH, &format!("/api/v1/drive/nodes/{dansk}"), Some(json!({"parent_id": digte}))).await;
    assert_eq!(status, StatusCode::OK, "moving Dansk into Poesi (not its own child) is fine");
    let (status, body) =
        api.call(Method::PATCH, &format!("/api/v1/drive/nodes/{digte}"), Some(json!({"parent_id": dansk}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "a folder into its own subfolder: {body}");
    let (status, _) = api.call(Method::PATCH, &format!("/api/v1/drive/nodes/{root}"), Some(json!({"name": "x"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Copy shares the stored bytes but counts against the quota.
    let before = used(&api).await;
    let (status, copy) = api
        .call(
            Method::POST,
            &format!("/api/v1/drive/nodes/{digte}/copy"),
            Some(json!({"parent_id": root, "name": "Kopi"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{copy}");
    assert_eq!(used(&api).await, before * 2);
    assert_eq!(list(&api, &id(&copy)).await, vec!["Dansk", "Forår.txt", "Sommer.txt"]);

    // Delete to the trash: gone from the folder, still counted, and restorable.
    let (status, _) = api.call(Method::DELETE, &format!("/api/v1/drive/nodes/{digte}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(list(&api, &root).await, vec!["Kopi"]);
    assert_eq!(
        api.get(&format!("/api/v1/drive/nodes/{}", id(&digt))).await.0,
        StatusCode::NOT_FOUND,
        "inside the trash"
    );
    let space = spaces(&api).await[0]["id"].as_str().unwrap().to_string();
    let (_, trash) = api.get(&format!("/api/v1/drive/spaces/{space}/trash")).await;
    assert_eq!(trash.as_array().unwrap().len(), 1);
    assert_eq!(trash[0]["name"], "Poesi");
    // A new folder takes the name; the restored one gets a numbered name.
    folder(root.clone(), "Poesi").await;
    let (status, back) = api.call(Method::POST, &format!("/api/v1/drive/trash/{digte}/restore"), None).await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(back["name"], "Poesi (2)");
    assert_eq!(api.file_bytes(&id(&digt)).await.1, "Det er forår".as_bytes());

    // Delete for good frees the space.
    let before = used(&api).await;
    api.call(Method::DELETE, &format!("/api/v1/drive/nodes/{digte}"), None).await;
    assert_eq!(used(&api).await, before, "the trash counts");
    let (status, _) = api.call(Method::DELETE, &format!("/api/v1/drive/trash/{digte}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(used(&api).await, before / 2);

    let (_, found) = api.get("/api/v1/drive/search?q=for").await;
    let names: Vec<&str> = found.as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Forår.txt"], "only the copy: the original is gone");
    server.stop().await;
}

on_both_backends!(a_teacher_moves_work_between_drives_and_quotas_follow);
async fn a_teacher_moves_work_between_drives_and_quotas_follow(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let teacher = server.login("laerer1", "demo").await;
    let s = spaces(&teacher).await;
    let own = s[0]["root_id"].as_str().unwrap().to_string();
    let class = s.iter().find(|x| x["kind"] == "group").unwrap();
    let (_, f) = teacher.put_file(&own, "Opgave.docx", data(5000, 1)).await;
    let (status, moved) = teacher
        .call(Method::PATCH, &format!("/api/v1/drive/nodes/{}", id(&f)), Some(json!({"parent_id": class["root_id"]})))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["space_id"], class["id"]);
    let after = spaces(&teacher).await;
    assert_eq!(after[0]["used_bytes"], 0);
    assert_eq!(after.iter().find(|x| x["id"] == class["id"]).unwrap()["used_bytes"], 5000);
    server.stop().await;
}

/// Storage behaviour, on whichever blob store `tweak` chooses.
async fn storage_checks(s3: bool, postgres: bool) {
    let server = TestServer::start_with(
        |c| {
            c.drive_quota_pupil_mib = 8;
            if s3 {
                assert!(use_s3_from_env(c));
            }
        },
        postgres,
    )
    .await;
    let api = server.login("elev1", "demo").await;
    let root = api.home().await;
    let app = server.app();
    let tenant = tavle_store_tenant(&server).await;

    // A file larger than a multipart part streams through and reads back whole.
    let big = data(9 << 20 >> 1, 3);
    let (status, f) = api.put_file(&root, "Video.mp4", big.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    assert_eq!(api.file_bytes(&id(&f)).await.1, big);

    // Identical contents are stored once per municipality.
    let (_, a) = api.put_file(&root, "a.txt", b"samme indhold".to_vec()).await;
    let (_, b) = api.put_file(&root, "b.txt", b"samme indhold".to_vec()).await;
    assert_eq!(a["sha256"], b["sha256"]);
    let blobs = app.store().read().await.unwrap().blobs(tenant).await.unwrap();
    assert_eq!(blobs.len(), 2, "the video and one copy of the text");

    // Over quota: refused with a clear error and nothing left behind.
    let (status, body) = api.put_file(&root, "For.stor", data(4 << 20, 9)).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"]["code"], "quota_exceeded");
    assert_eq!(list(&api, &root).await, vec!["a.txt", "b.txt", "Video.mp4"]);
    assert_eq!(count_blobs(app, tenant).await, 2, "the refused upload left no blob");

    // The check is clean; then it finds an unrecorded blob (a crash between writing and
    // recording) once it is older than the grace period, and a missing one.
    let report = app.drive().check_storage(|_, _| {}).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.blobs, 2);
    let stray = app.blobs().write(tenant, futures_stream(b"debris".to_vec()), u64::MAX).await.unwrap();
    assert_eq!(
        app.drive().check_storage(|_, _| {}).await.unwrap().orphans_removed,
        0,
        "young: may be an upload in flight"
    );
    // The store dates the blob by the real time; move the test's clock past its grace period.
    let written = blob_written_ms(app, tenant, stray.key.blob).await;
    server.clock.set(tavle_core::Timestamp(written).plus_secs(tavle_blob::STAGING_GRACE_SECS + 60));
    let report = app.drive().check_storage(|_, _| {}).await.unwrap();
    assert_eq!(report.orphans_removed, 1, "{report:?}");
    assert_eq!(app.blobs().size(stray.key).await.unwrap(), None);
    let video = blobs.iter().find(|b| b.size == big.len() as i64).unwrap();
    app.blobs().delete(tavle_blob::BlobKey { tenant, blob: video.id }).await.unwrap();
    let report = app.drive().check_storage(|_, _| {}).await.unwrap();
    assert_eq!(report.missing.len(), 1);
    assert!(!report.is_clean());
    let api = server.login("elev1", "demo").await; // the clock moved past the session's end

    // Deleted for good, a blob is collected once nothing uses it.
    for path in [format!("/api/v1/drive/nodes/{}", id(&a)), format!("/api/v1/drive/trash/{}", id(&a))] {
        assert_eq!(api.call(Method::DELETE, &path, None).await.0, StatusCode::NO_CONTENT);
    }
    assert_eq!(app.drive().check_storage(|_, _| {}).await.unwrap().unused_removed, 0, "b.txt still uses it");
    for path in [format!("/api/v1/drive/nodes/{}", id(&b)), format!("/api/v1/drive/trash/{}", id(&b))] {
        assert_eq!(api.call(Method::DELETE, &path, None).await.0, StatusCode::NO_CONTENT);
    }
    server.clock.advance_secs(tavle_blob::STAGING_GRACE_SECS + 60);
    assert_eq!(app.drive().check_storage(|_, _| {}).await.unwrap().unused_removed, 1);
    server.stop().await;
}

#[tokio::test]
async fn storage_on_the_local_blob_store() {
    storage_checks(false, false).await;
}

#[tokio::test]
async fn storage_on_s3() {
    let mut probe = tavle::config::Config::default();
    if !use_s3_from_env(&mut probe) {
        eprintln!("TAVLE_TEST_S3_* not set: S3 storage not tested (scripts/garage-test-server starts one)");
        return;
    }
    // With S3 goes PostgreSQL when there is one: the scale-out setup.
    storage_checks(true, tavle_store::testing::postgres_url().is_some()).await;
}

on_both_backends!(trash_and_versions_expire);
async fn trash_and_versions_expire(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let api = server.login("elev1", "demo").await;
    let root = api.home().await;
    let (_, f) = api.put_file(&root, "Noter.txt", b"1".to_vec()).await;
    api.put_file(&root, "Noter.txt", b"2".to_vec()).await;
    let (_, g) = api.put_file(&root, "Gammel.txt", b"old".to_vec()).await;
    api.call(Method::DELETE, &format!("/api/v1/drive/nodes/{}", id(&g)), None).await;
    let tenant = tavle_store_tenant(&server).await;
    server.clock.advance_secs(29 * 24 * 3600);
    assert_eq!(server.app().drive().expire_drive(tenant).await.unwrap(), (0, 0));
    server.clock.advance_secs(2 * 24 * 3600);
    assert_eq!(server.app().drive().expire_drive(tenant).await.unwrap(), (1, 0), "the trash after 30 days");
    server.clock.advance_secs(60 * 24 * 3600);
    assert_eq!(server.app().drive().expire_drive(tenant).await.unwrap(), (0, 1), "versions after 90 days");
    let api = server.login("elev1", "demo").await;
    let (_, versions) = api.get(&format!("/api/v1/drive/nodes/{}/versions", id(&f))).await;
    assert_eq!(versions.as_array().unwrap().len(), 0);
    assert_eq!(used(&api).await, 1);
    server.stop().await;
}

async fn tavle_store_tenant(server: &TestServer) -> tavle_core::TenantId {
    let mut conn = server.app().store().read().await.unwrap();
    conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id
}

fn futures_stream(bytes: Vec<u8>) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))])
}

async fn count_blobs(app: &tavle_app::App, tenant: tavle_core::TenantId) -> usize {
    use futures_util::TryStreamExt;
    app.blobs().list(Some(tenant)).try_collect::<Vec<_>>().await.unwrap().len()
}

async fn blob_written_ms(app: &tavle_app::App, tenant: tavle_core::TenantId, blob: tavle_core::BlobId) -> i64 {
    use futures_util::TryStreamExt;
    let all: Vec<_> = app.blobs().list(Some(tenant)).try_collect().await.unwrap();
    all.iter().find(|b| b.key.blob == blob).unwrap().modified_ms
}

async fn etag_of(api: &Api, node: &str) -> Value {
    api.get(&format!("/api/v1/drive/nodes/{node}")).await.1["node"]["etag"].clone()
}

on_both_backends!(concurrent_uploads_refused_in_a_batch_leave_the_others_whole);
/// Uploads recorded together (group commit): the ones the quota refuses are undone alone.
async fn concurrent_uploads_refused_in_a_batch_leave_the_others_whole(postgres: bool) {
    let server = TestServer::start_with(|c| c.drive_quota_pupil_mib = 1, postgres).await;
    let api = std::sync::Arc::new(server.login("elev1", "demo").await);
    let root = api.home().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (api, root) = (api.clone(), root.clone());
        tasks.spawn(async move { (i, api.put_file(&root, &format!("del{i:02}.bin"), data(100_000, i as u8)).await) });
    }
    let mut ok = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let (i, (status, body)) = r.unwrap();
        match status {
            StatusCode::CREATED => ok.push(i),
            StatusCode::INSUFFICIENT_STORAGE => assert_eq!(body["error"]["code"], "quota_exceeded"),
            other => panic!("upload {i}: {other} {body}"),
        }
    }
    assert_eq!(ok.len(), 10, "1 MiB holds ten of them: {ok:?}");
    assert_eq!(used(&api).await, 1_000_000);
    let names = list(&api, &root).await;
    assert_eq!(names.len(), 10);
    for i in ok {
        let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{root}/children")).await;
        let f = listing["children"].as_array().unwrap().iter().find(|c| c["name"] == format!("del{i:02}.bin")).unwrap();
        assert_eq!(api.file_bytes(f["id"].as_str().unwrap()).await.1, data(100_000, i as u8));
    }
    server.stop().await;
}

on_both_backends!(admins_set_quotas_of_their_school);
async fn admins_set_quotas_of_their_school(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let leder = server.login("skoleleder", "demo").await;
    let (_, me) = leder.get("/api/v1/me").await;
    let school = me["schools"][0]["id"].as_str().unwrap().to_string();
    let elev = server.login("elev1", "demo").await;
    let elev_id = common::person_id(&leder, &school, "elev1").await;

    // A pupil's own drive: the school admin sees its usage and quota, never its files.
    let (_, root) = elev.put_file(&elev.home().await, "Noter.txt", vec![b'x'; 2_000_000]).await;
    assert!(root["id"].is_string());
    let (status, drive) = leder.get(&format!("/api/v1/people/{elev_id}/drive")).await;
    assert_eq!(status, StatusCode::OK, "{drive}");
    assert_eq!((drive["used_bytes"].as_i64(), drive["quota_bytes"].as_i64()), (Some(2_000_000), Some(5 << 30)));
    assert_eq!((drive["access"].as_str(), drive["can_set_quota"].as_bool()), (Some("none"), Some(true)));
    let space = drive["id"].as_str().unwrap().to_string();
    let root_id = drive["root_id"].as_str().unwrap();
    assert_eq!(leder.get(&format!("/api/v1/drive/nodes/{root_id}/children")).await.0, StatusCode::NOT_FOUND);
    // Lowered below what is used: the drive takes nothing more until files go.
    let (status, body) = leder
        .call(Method::PUT, &format!("/api/v1/drive/spaces/{space}/quota"), Some(json!({"quota_bytes": 1 << 20})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["quota_bytes"], 1 << 20);
    let (status, body) = elev.put_file(&elev.home().await, "Mere.txt", b"x".to_vec()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::INSUFFICIENT_STORAGE, Some("quota_exceeded")));
    // So is a picture for a document there (it counts once the document shows it).
    let home = elev.home().await;
    let (_, doc) =
        elev.call(Method::POST, &format!("/api/v1/drive/nodes/{home}/documents"), Some(json!({"name": "Album"}))).await;
    let picture = include_bytes!("pictures/half-clear.png").to_vec();
    let images = format!("/api/v1/documents/{}/images", doc["id"].as_str().unwrap());
    let resp = elev.req(Method::POST, &images).header("content-type", "image/png").body(picture).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::INSUFFICIENT_STORAGE);
    // Back to the default.
    let (status, body) = leder
        .call(Method::PUT, &format!("/api/v1/drive/spaces/{space}/quota"), Some(json!({"quota_bytes": null})))
        .await;
    assert_eq!((status, body["quota_bytes"].as_i64()), (StatusCode::OK, Some(5 << 30)), "a pupil's default");
    assert_eq!(elev.put_file(&elev.home().await, "Mere.txt", b"x".to_vec()).await.0, StatusCode::CREATED);
    let (status, body) =
        leder.call(Method::PUT, &format!("/api/v1/drive/spaces/{space}/quota"), Some(json!({"quota_bytes": 5}))).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("quota_bytes")));

    // A class's drive: the school admin may; its teacher and pupils may not.
    let laerer = server.login("laerer1", "demo").await;
    let class = spaces(&laerer).await.into_iter().find(|s| s["kind"] == "group").unwrap();
    assert_eq!(class["can_set_quota"], false);
    let class_id = class["id"].as_str().unwrap();
    let path = format!("/api/v1/drive/spaces/{class_id}/quota");
    assert_eq!(
        laerer.call(Method::PUT, &path, Some(json!({"quota_bytes": 1_i64 << 40}))).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(elev.call(Method::PUT, &path, Some(json!({"quota_bytes": 1_i64 << 40}))).await.0, StatusCode::FORBIDDEN);
    let (status, body) = leder.call(Method::PUT, &path, Some(json!({"quota_bytes": 1_i64 << 40}))).await;
    assert_eq!((status, body["quota_bytes"].as_i64()), (StatusCode::OK, Some(1 << 40)));
    assert_eq!(laerer.get(&format!("/api/v1/drive/spaces/{class_id}")).await.1["quota_bytes"], 1_i64 << 40);
    // Pupils' own drives are not for the teacher to look into.
    assert_eq!(laerer.get(&format!("/api/v1/people/{elev_id}/drive")).await.0, StatusCode::FORBIDDEN);

    let mut conn = server.app().store().read().await.unwrap();
    let tenant = conn.tenant_by_code(tavle_app::demo::DEMO_TENANT_CODE).await.unwrap().unwrap().id;
    let audit = conn.audit_events(tenant, None, 10_000).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "drive.quota").count(), 3);
    assert_eq!(audit.iter().filter(|e| e.action == "drive.usage_read").count(), 1);
    drop(conn);
    server.stop().await;
}
