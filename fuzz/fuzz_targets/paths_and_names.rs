//! Request paths and the names people type: no path that is accepted has a `.` or `..`
//! segment after decoding, and every name that is accepted is one a sync client can store.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(segments) = tavle_http::hostile::path(text) {
        for s in &segments {
            assert!(s != "." && s != "..", "{text:?} reached {s:?}");
        }
    }
    if let Ok(name) = tavle_core::drive::file_name(text) {
        assert!(!name.contains('/') && !name.contains('\\') && name != "." && name != "..");
        assert!(!name.chars().any(tavle_core::names::is_hidden_control), "{name:?}");
    }
    if let Ok(name) = tavle_core::names::display_text("name", text, 200) {
        assert!(!name.chars().any(tavle_core::names::is_hidden_control), "{name:?}");
        assert!(name.chars().count() <= 200);
    }
    let _ = tavle_core::names::username(text);
    let _ = tavle_core::names::tenant_code(text);
});
