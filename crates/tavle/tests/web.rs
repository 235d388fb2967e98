//! The embedded web app over HTTP: its page for every app path, its files with gzip, caching
//! and ETags, and a Content-Security-Policy that allows nothing from elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestServer;
use reqwest::header;
use reqwest::StatusCode;

#[tokio::test]
async fn the_app_is_served_with_its_files_and_a_strict_policy() {
    let server = TestServer::start().await;
    let http = common::plain_client();
    let get = |path: &str| http.get(format!("{}{path}", server.base));

    let page = get("/").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-cache");
    let html = page.text().await.unwrap();
    assert!(html.contains("<div id=\"app\"></div>"), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing is loaded from elsewhere: {html}");

    // Every path of the app gets the same page, so links can be reloaded and shared.
    for path in ["/login", "/groups/0190f0a4-0000-7000-8000-000000000000", "/admin/schools/x/people", "/account"] {
        let r = get(path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.text().await.unwrap(), html, "{path}");
    }

    // The script, gzipped when asked, cached for good (its name changes with its content).
    let script = html.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(script.starts_with("/assets/") && script.ends_with(".js"), "{script}");
    let plain = get(&script).send().await.unwrap();
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let etag = plain.headers()[header::ETAG].clone();
    let plain_len = plain.bytes().await.unwrap().len();
    let gz = get(&script).header(header::ACCEPT_ENCODING, "gzip, br").send().await.unwrap();
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(gz.headers()[header::VARY], "accept-encoding");
    let gz_len = gz.bytes().await.unwrap().len();
    assert!(gz_len < plain_len / 2, "gzip {gz_len} of {plain_len} bytes");
    let again = get(&script).header(header::IF_NONE_MATCH, etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // The home page's JavaScript stays within the budget for a cheap laptop: 150 KB gzipped.
    let mut scripts = 0;
    for part in html.split("/assets/").skip(1) {
        let file = part.split('"').next().unwrap();
        if file.ends_with(".js") {
            let r = get(&format!("/assets/{file}")).header(header::ACCEPT_ENCODING, "gzip").send().await.unwrap();
            scripts += r.bytes().await.unwrap().len();
        }
    }
    assert!(scripts > 0 && scripts < 150 * 1024, "the page loads {scripts} bytes of gzipped JavaScript");

    // Files that do not exist are not the page; the API keeps its own answers.
    assert_eq!(get("/assets/missing.js").send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(get("/favicon.svg").send().await.unwrap().status(), StatusCode::OK);
    let api = get("/api/v1/nothing").send().await.unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.json::<serde_json::Value>().await.unwrap()["error"]["code"], "not_found");
    let post = http.post(format!("{}/login", server.base)).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    server.stop().await;
}
