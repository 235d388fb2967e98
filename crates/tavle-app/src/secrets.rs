//! Secrets people type or clients keep: app passwords, Login Flow v2 tokens, share-link
//! tokens. Made from the operating system's random source; only their hash is stored.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// Five groups of five characters from 57 that cannot be confused (no 0/O, 1/l/I): about
/// 146 bits, easy to type into a phone from the screen.
pub(crate) fn new_secret() -> String {
    let mut out = String::with_capacity(29);
    let mut n = 0;
    while n < 25 {
        let mut bytes = [0u8; 64];
        OsRng.fill_bytes(&mut bytes);
        for b in bytes {
            // Rejection sampling keeps every character equally likely.
            if usize::from(b) >= 256 - 256 % ALPHABET.len() {
                continue;
            }
            if n > 0 && n % 5 == 0 {
                out.push('-');
            }
            out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            n += 1;
            if n == 25 {
                break;
            }
        }
    }
    out
}

pub(crate) fn secret_hash(secret: &str) -> String {
    tavle_blob::hex(&Sha256::digest(secret.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_grouped_and_unambiguous() {
        let s = new_secret();
        assert_eq!(s.len(), 29, "{s}");
        assert_eq!(s.split('-').count(), 5);
        assert!(s.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert_ne!(new_secret(), s);
    }
}
