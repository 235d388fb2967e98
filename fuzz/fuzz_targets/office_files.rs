//! Office files opened as Tavle documents: any bytes as a DOCX or ODT (a zip of XML and
//! pictures), read, written into a document, and written out again as ODT, DOCX and PDF, as
//! "Åbn som Tavle-dokument" and a WebDAV PUT do. Never a panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tavle_app::documents::office_file_for_fuzzing(data);
});
