//! tus and Nextcloud chunked-upload headers: lengths and offsets are never negative, and
//! `Upload-Metadata` in any shape is read without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|pairs: Vec<(&[u8], &[u8])>| {
    let (length, offset, _total, _meta) = tavle_http::hostile::upload_headers(&pairs);
    assert!(length.is_none_or(|n| n >= 0));
    assert!(offset.is_none_or(|n| n >= 0));
});
