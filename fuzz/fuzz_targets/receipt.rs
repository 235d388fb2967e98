//! Hand-in receipts as `tavle receipt verify` reads them: any file is refused or verified,
//! never a panic, with or without a trusted key.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tavle_app::receipts::verify(data, None);
    let key = tavle_app::receipts::ReceiptKey::from_secret([7; 32]);
    let _ = tavle_app::receipts::verify(data, Some(&key.public_hex()));
});
