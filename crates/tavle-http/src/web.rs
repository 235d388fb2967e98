//! The embedded web app: its files with caching and gzip, and its page for every path the app
//! routes in the browser. The page's Content-Security-Policy allows nothing from elsewhere, so a
//! school's data cannot leak to third parties through the browser.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tavle_web::Asset;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; manifest-src 'self'; frame-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Address roots that belong to the API and the protocols, not to the web app's pages.
const PROTOCOL_ROOTS: [&str; 6] = ["/api/", "/ocs/", "/remote.php/", "/index.php/", "/dav/", "/public.php/"];

/// Answers a GET or HEAD that no API route took.
pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
    }
    let path = uri.path();
    // The API and the protocols' addresses are never the app's pages: a client that asks for
    // one Tavle does not have gets a plain "not found" it can read, not a web page with 200.
    if PROTOCOL_ROOTS.iter().any(|root| path.starts_with(root) || path == root.trim_end_matches('/')) {
        return crate::error::ApiError::from(tavle_app::AppError::NotFound("address")).into_response();
    }
    let asset = match tavle_web::asset(path) {
        Some(a) if path != "/index.html" => a,
        // Paths without a file extension are the app's own pages.
        _ if !path.rsplit('/').next().unwrap_or_default().contains('.') => tavle_web::index(),
        _ => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
    };
    respond(asset, &headers, method == Method::HEAD)
}

fn respond(asset: &'static Asset, req: &HeaderMap, head_only: bool) -> Response {
    let mut resp = if req.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == asset.etag.as_bytes()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let gzip = asset.gzip.filter(|_| accepts_gzip(req));
        let body = gzip.unwrap_or(asset.body);
        let mut r = if head_only { Response::new(Body::empty()) } else { Response::new(Body::from(body)) };
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.mime));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        if gzip.is_some() {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    if asset.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let cache = if asset.immutable() { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if asset.mime.starts_with("text/html") {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    resp
}

/// Whether `Accept-Encoding` allows gzip (present and not `q=0`).
fn accepts_gzip(req: &HeaderMap) -> bool {
    let Some(v) = req.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else { return false };
    v.split(',').any(|part| {
        let mut it = part.split(';').map(str::trim);
        let coding = it.next().unwrap_or_default();
        let q_zero = it.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q == 0.0)));
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")));
            accepts_gzip(&m)
        };
        assert!(h("gzip, deflate, br"));
        assert!(h("br;q=1.0, gzip;q=0.8"));
        assert!(h("*"));
        assert!(!h("gzip;q=0"));
        assert!(!h("br"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
