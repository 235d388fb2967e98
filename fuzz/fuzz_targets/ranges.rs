//! `Range` headers: whatever is asked, what is served lies inside the file and is never more
//! than the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u64)| {
    let (value, size) = input;
    let size = size % (1 << 40);
    if let Some(Ok(r)) = tavle_http::hostile::range(value, size) {
        assert!(r.start < r.end, "{value:?} {size} → {r:?}");
        assert!(r.end <= size, "{value:?} {size} → {r:?}");
    }
});
