//! The parsers of what clients send, reachable for the coverage-guided fuzz targets in `fuzz/`
//! (see `docs/fuzzing.md`): each function takes raw input as an attacker would send it and
//! must return, never panic. Not an API; nothing else calls these.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// A WebDAV XML request body: the encoding check, the DTD refusal's view of it, and the
/// PROPFIND fast path's reading of the properties asked for. Returns whether it is accepted.
pub fn xml_body(bytes: &[u8]) -> bool {
    if !crate::dav::utf8_xml(bytes) {
        return false;
    }
    let head = String::from_utf8_lossy(bytes).to_ascii_uppercase();
    if head.contains("<!DOCTYPE") || head.contains("<!ENTITY") {
        return false;
    }
    let _ = crate::dav::propfind::wanted(bytes);
    true
}

/// A request path: the refusal of `..` and encoded separators, the split into root and user,
/// and the decoded segments below it. Returns the segments when the path is accepted.
pub fn path(path: &str) -> Option<Vec<String>> {
    if crate::dav::bad_path(path) {
        return None;
    }
    let (root, _user) = crate::dav::split_path(path)?;
    Some(crate::dav::segments_below_user(path, root))
}

/// A `Range` header against a file of `size` bytes.
pub fn range(value: &str, size: u64) -> Option<Result<std::ops::Range<u64>, ()>> {
    crate::content::byte_range(value, size)
}

/// tus and Nextcloud chunked-upload headers, given as name/value pairs: the numbers
/// (`Upload-Length`, `Upload-Offset`, `OC-Total-Length`) and the `Upload-Metadata` pairs.
pub fn upload_headers(pairs: &[(&[u8], &[u8])]) -> (Option<i64>, Option<i64>, Option<i64>, usize) {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            h.append(n, v);
        }
    }
    let length = crate::api::tus::number(&h, "upload-length").ok();
    let offset = crate::api::tus::number(&h, "upload-offset").ok();
    let total = crate::dav::chunks::total_length(&h);
    (length, offset, total, crate::api::tus::metadata(&h).len())
}
