//! Serving a file's contents: conditional requests (`If-None-Match`, `If-Range`), a single
//! byte range (`Range`, answered with 206 or 416), the type from the name, and headers that
//! keep a file from acting as part of Tavle's own pages. The JSON API and WebDAV share it.

use std::ops::Range;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tavle_app::content::Download;

use crate::error::ApiResult;

/// Whether a browser should show the file or save it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Attachment,
    /// Shown in the page (previews): honoured only for images, PDF and plain text.
    Inline,
}

/// `"etag"`: Tavle's ETags are strong validators.
pub fn quoted(etag: &str) -> String {
    format!("\"{etag}\"")
}

/// The ETags listed in an `If-Match` / `If-None-Match` value, without quotes or `W/`;
/// `*` stays `*`.
pub fn etags(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"').to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The HTTP date of a time in milliseconds (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(ms: i64) -> String {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&fmt).unwrap_or_default()
}

/// What a `Range` header asks of a file of `size` bytes: `None` when there is no single
/// byte range to honour (absent, malformed or several ranges: the whole file is sent), or
/// `Some(Err(()))` when the range lies outside the file.
pub fn byte_range(value: &str, size: u64) -> Option<Result<Range<u64>, ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        let suffix: u64 = end.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        size.saturating_sub(suffix)..size
    } else {
        let first: u64 = start.parse().ok()?;
        let last =
            if end.is_empty() { size.saturating_sub(1) } else { end.parse::<u64>().ok()?.min(size.saturating_sub(1)) };
        if end.parse::<u64>().is_ok_and(|e| e < first) {
            return None;
        }
        first..last + 1
    };
    if range.start >= size || range.is_empty() {
        return Some(Err(()));
    }
    Some(Ok(range))
}

fn inline_allowed(mime: &str) -> bool {
    // Not SVG: it can carry script.
    (mime.starts_with("image/") && mime != "image/svg+xml") || mime == "application/pdf" || mime == "text/plain"
}

/// Sets a header to a value made at run time; one that cannot be a header value is left out.
pub fn set_header(headers: &mut HeaderMap, name: impl header::IntoHeaderName, value: impl std::fmt::Display) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(name, v);
    }
}

/// Answers a GET (or HEAD) of a file's contents.
/// The headers that make user content inert wherever it is served: its type from its name,
/// shown inline only when that is safe, `nosniff`, and a sandboxing CSP.
fn inert(out: &mut HeaderMap, name: &str, disposition: Disposition) {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let mime = match mime.essence_str() {
        "text/plain" => "text/plain; charset=utf-8".to_string(),
        m => m.to_string(),
    };
    set_header(out, header::CONTENT_TYPE, &mime);
    let shown = disposition == Disposition::Inline && inline_allowed(mime.split(';').next().unwrap_or(""));
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let kind = if shown { "inline" } else { "attachment" };
    set_header(out, header::CONTENT_DISPOSITION, format!("{kind}; filename*=UTF-8''{encoded}"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"),
    );
}

/// A file made for this request (a document's export) as a download, with the same inert
/// headers as stored contents.
pub fn attachment(name: &str, bytes: Vec<u8>) -> Response {
    let mut out = HeaderMap::new();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    inert(&mut out, name, Disposition::Attachment);
    (StatusCode::OK, out, bytes).into_response()
}

pub async fn serve(req: &HeaderMap, dl: &Download, disposition: Disposition) -> ApiResult<Response> {
    let mut out = HeaderMap::new();
    set_header(&mut out, header::ETAG, quoted(&dl.etag));
    set_header(&mut out, header::LAST_MODIFIED, http_date(dl.modified_at));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    let header_str = |name| req.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if let Some(im) = header_str(header::IF_MATCH) {
        if !etags(im).iter().any(|t| t == "*" || *t == dl.etag) {
            return Err(tavle_app::AppError::PreconditionFailed.into());
        }
    }
    if let Some(inm) = header_str(header::IF_NONE_MATCH) {
        if etags(inm).iter().any(|t| t == "*" || *t == dl.etag) {
            return Ok((StatusCode::NOT_MODIFIED, out).into_response());
        }
    }
    inert(&mut out, &dl.name, disposition);
    // `If-Range` with another ETag (or a date, which Tavle does not compare) means "send all".
    let range_ok = header_str(header::IF_RANGE).is_none_or(|v| etags(v).first().is_some_and(|t| *t == dl.etag));
    let range = header_str(header::RANGE).filter(|_| range_ok).and_then(|v| byte_range(v, dl.size));
    match range {
        Some(Err(())) => {
            set_header(&mut out, header::CONTENT_RANGE, format!("bytes */{}", dl.size));
            Ok((StatusCode::RANGE_NOT_SATISFIABLE, out).into_response())
        }
        Some(Ok(r)) => {
            set_header(&mut out, header::CONTENT_RANGE, format!("bytes {}-{}/{}", r.start, r.end - 1, dl.size));
            set_header(&mut out, header::CONTENT_LENGTH, (r.end - r.start).to_string());
            let body = Body::from_stream(dl.read(Some(r)).await?);
            Ok((StatusCode::PARTIAL_CONTENT, out, body).into_response())
        }
        None => {
            set_header(&mut out, header::CONTENT_LENGTH, dl.size.to_string());
            let body = if dl.size == 0 { Body::empty() } else { Body::from_stream(dl.read(None).await?) };
            Ok((StatusCode::OK, out, body).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(byte_range("bytes=0-9", 100), Some(Ok(0..10)));
        assert_eq!(byte_range("bytes=90-", 100), Some(Ok(90..100)));
        assert_eq!(byte_range("bytes=-5", 100), Some(Ok(95..100)));
        assert_eq!(byte_range("bytes=-500", 100), Some(Ok(0..100)));
        assert_eq!(byte_range("bytes=50-1000", 100), Some(Ok(50..100)));
        assert_eq!(byte_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(byte_range("bytes=0-", 0), Some(Err(())));
        assert_eq!(byte_range("bytes=5-1", 100), None);
        assert_eq!(byte_range("bytes=0-1,5-6", 100), None);
        assert_eq!(byte_range("items=0-1", 100), None);
        assert_eq!(byte_range("bytes=a-b", 100), None);
    }

    #[test]
    fn dates_and_tags() {
        assert_eq!(http_date(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(etags("\"a\", W/\"b\""), vec!["a", "b"]);
        assert_eq!(etags("*"), vec!["*"]);
    }
}
