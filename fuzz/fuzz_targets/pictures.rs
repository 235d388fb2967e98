//! Pictures taken into documents: any bytes as an uploaded picture, checked (PNG or JPEG by
//! their bytes, within the size limits) and, if taken, readied for a PDF (a PNG decoded). Never
//! a panic, and never more memory than the limits allow, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tavle_app::documents::picture_for_fuzzing(data);
});
