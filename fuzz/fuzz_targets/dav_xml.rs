//! WebDAV XML request bodies (PROPFIND, PROPPATCH, LOCK): the encoding and DTD refusal and the
//! PROPFIND fast path's reading must never panic, and a body with a DTD is never accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let accepted = tavle_http::hostile::xml_body(data);
    if accepted {
        let text = String::from_utf8_lossy(data).to_ascii_uppercase();
        assert!(!text.contains("<!DOCTYPE") && !text.contains("<!ENTITY"));
    }
});
