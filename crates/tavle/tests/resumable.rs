//! Resumable uploads against the real server: tus 1.0 for the web app (a broken PATCH loses
//! only itself, the client resumes from the offset the server reports) and Nextcloud's
//! chunked uploads for the sync clients (chunks in any order, resumable listing, assembly
//! checked against the announced length).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{app_password, tus_metadata, Api, TestServer};
use reqwest::{Method, StatusCode};

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 % 251) as u8).collect()
}

async fn offset(api: &Api, upload: &str) -> reqwest::Response {
    api.req(Method::HEAD, upload).header("tus-resumable", "1.0.0").send().await.unwrap()
}

#[tokio::test]
async fn tus_upload_resumes_after_a_broken_patch() {
    let server = TestServer::start().await;
    let api = server.login("elev1", "demo").await;
    let root = api.home().await;
    let body = data(3_000_000);
    let resp = api.req(Method::OPTIONS, "/api/v1/drive/uploads").send().await.unwrap();
    assert_eq!(resp.headers()["tus-version"], "1.0.0");

    let resp = api.start_tus(&root, "Film om åen.mp4", body.len() as u64).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let upload = resp.headers()["location"].to_str().unwrap().to_string();
    let patch = |at: usize, bytes: reqwest::Body| {
        api.req(Method::PATCH, &upload)
            .header("tus-resumable", "1.0.0")
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", at.to_string())
            .body(bytes)
            .send()
    };
    let resp = patch(0, body[..1_000_000].to_vec().into()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(resp.headers()["upload-offset"], "1000000");

    // The connection breaks in the middle of the next PATCH: that part is not kept.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(body[1_000_000..1_500_000].to_vec()), Err(std::io::Error::other("the network went away"))];
    let broken = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    // The client sees the request fail; whatever it sees, the server must keep nothing of it.
    let _ = patch(1_000_000, broken).await;
    let resp = offset(&api, &upload).await;
    assert_eq!(resp.headers()["upload-offset"], "1000000", "only whole parts count");
    assert_eq!(resp.headers()["upload-length"], "3000000");

    // Sending from the wrong place is refused; from the right one, the rest completes it.
    let resp = patch(5, body[5..10].to_vec().into()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let resp = patch(1_000_000, body[1_000_000..].to_vec().into()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.headers().contains_key("tavle-node-id"));
    let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{root}/children")).await;
    let file = &listing["children"][0];
    assert_eq!(file["name"], "Film om åen.mp4");
    assert_eq!(api.file_bytes(file["id"].as_str().unwrap()).await.1, body);
    assert_eq!(offset(&api, &upload).await.status(), StatusCode::NOT_FOUND, "the session is gone");

    // A cancelled upload leaves nothing.
    let resp = api
        .req(Method::POST, "/api/v1/drive/uploads")
        .header("upload-length", "100")
        .header("upload-metadata", tus_metadata(&root, "afbrudt.bin"))
        .send()
        .await
        .unwrap();
    let cancelled = resp.headers()["location"].to_str().unwrap().to_string();
    patch_raw(&api, &cancelled, 0, &body[..50]).await;
    assert_eq!(api.req(Method::DELETE, &cancelled).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let (_, listing) = api.get(&format!("/api/v1/drive/nodes/{root}/children")).await;
    assert_eq!(listing["children"].as_array().unwrap().len(), 1);

    // More than the quota is refused at the start.
    let resp = api
        .req(Method::POST, "/api/v1/drive/uploads")
        .header("upload-length", (6u64 << 30).to_string())
        .header("upload-metadata", tus_metadata(&root, "for stor.iso"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::INSUFFICIENT_STORAGE);
    server.stop().await;
}

async fn patch_raw(api: &Api, upload: &str, at: usize, bytes: &[u8]) {
    let resp = api
        .req(Method::PATCH, upload)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", at.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn nextcloud_chunked_upload_assembles_in_order() {
    let server = TestServer::start().await;
    let (_, secret, _) = app_password(&server, "elev1").await;
    let http = common::plain_client();
    let uploads = format!("{}/remote.php/dav/uploads/elev1/web-file-upload-1234", server.base);
    let dest = format!("{}/remote.php/dav/files/elev1/Stor%20fil.bin", server.base);
    let req = |m: &str, url: &str| {
        http.request(Method::from_bytes(m.as_bytes()).unwrap(), url).basic_auth("elev1", Some(secret.clone()))
    };
    let body = data(2_500_000);
    assert_eq!(req("MKCOL", &uploads).header("destination", &dest).send().await.unwrap().status(), StatusCode::CREATED);
    // Chunks arrive out of order; "10" sorts after "2" by number.
    for (name, range) in [("10", 2_000_000..2_500_000), ("1", 0..1_000_000), ("2", 1_000_000..2_000_000)] {
        let resp = req("PUT", &format!("{uploads}/{name}")).body(body[range].to_vec()).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let listing = req("PROPFIND", &uploads).header("depth", "1").send().await.unwrap().text().await.unwrap();
    assert!(listing.contains("<d:getcontentlength>500000</d:getcontentlength>"), "{listing}");

    let resp = req("MOVE", &format!("{uploads}/.file"))
        .header("destination", &dest)
        .header("oc-total-length", "9")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT, "a length that does not match is refused");
    let resp = req("MOVE", &format!("{uploads}/.file"))
        .header("destination", &dest)
        .header("oc-total-length", body.len().to_string())
        .header("x-oc-mtime", "1700000000")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(resp.headers().contains_key("oc-fileid"));
    assert_eq!(resp.headers()["x-oc-mtime"], "accepted");
    let got = req("GET", &dest).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(got.to_vec(), body);
    assert_eq!(req("PROPFIND", &uploads).header("depth", "1").send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Another person's uploads are not reachable.
    let other = format!("{}/remote.php/dav/uploads/elev2/x", server.base);
    assert_eq!(req("MKCOL", &other).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    server.stop().await;
}
