//! Tokens from login services: any text as an ID token (checked as a callback checks it) and
//! as a back-channel logout token, against a fixed provider whose private key the fuzzer
//! does not have. Never a panic, and never a token taken.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assert!(!tavle_app::federation::tokens_for_fuzzing(data), "a token was taken without the provider's key");
});
