//! A login attempt between its start and the provider's callback, kept in the browser as a
//! sealed cookie (ChaCha20-Poly1305 under the instance key `oidc-state`), so starting a login
//! writes nothing to the database and any node can finish it. The cookie is named after the
//! first characters of the attempt's `state`, so two tabs logging in at once do not clash,
//! and it binds the callback to the browser that started the login.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use serde::{Deserialize, Serialize};

/// How long an attempt may take, from the start to the callback (ms).
pub(crate) const ATTEMPT_MS: i64 = 10 * 60 * 1000;

/// What the callback needs to finish a login it started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Attempt {
    /// The municipality and provider (ids) the login was started for.
    pub tenant: String,
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// When it was started (Unix ms).
    pub at: i64,
}

/// The name of the cookie that carries the attempt with this `state`.
pub fn cookie_name(state: &str, secure: bool) -> String {
    let short: String = state.chars().filter(char::is_ascii_alphanumeric).take(8).collect();
    if secure {
        format!("__Secure-tavle_oidc_{short}")
    } else {
        format!("tavle_oidc_{short}")
    }
}

pub(crate) fn key(secret: &[u8]) -> Option<LessSafeKey> {
    UnboundKey::new(&CHACHA20_POLY1305, secret).ok().map(LessSafeKey::new)
}

/// Seals an attempt: a random nonce, then the encrypted JSON with its tag, in base64url.
pub(crate) fn seal(key: &LessSafeKey, a: &Attempt) -> Option<String> {
    let nonce_bytes: [u8; NONCE_LEN] = crate::instance_keys::random_32()[..NONCE_LEN].try_into().ok()?;
    let mut data = serde_json::to_vec(a).ok()?;
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(b"tavle-oidc"), &mut data)
        .ok()?;
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&data);
    Some(URL_SAFE_NO_PAD.encode(out))
}

/// Opens a sealed attempt; `None` when it was not sealed by this instance or was changed.
pub(crate) fn open(key: &LessSafeKey, sealed: &str) -> Option<Attempt> {
    if sealed.len() > 4096 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if raw.len() < NONCE_LEN {
        return None;
    }
    let (n, rest) = raw.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(n).ok()?;
    let mut data = rest.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(b"tavle-oidc"), &mut data).ok()?;
    serde_json::from_slice(plain).ok()
}

/// Compares two secrets in time that does not depend on where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn attempt() -> Attempt {
        Attempt {
            tenant: "t".into(),
            provider: "p".into(),
            state: "s".repeat(43),
            nonce: "n".into(),
            verifier: "v".into(),
            at: 1,
        }
    }

    #[test]
    fn a_sealed_attempt_opens_only_unchanged_and_under_its_own_key() {
        let k = key(&[7u8; 32]).unwrap();
        let sealed = seal(&k, &attempt()).unwrap();
        assert_eq!(open(&k, &sealed), Some(attempt()));
        // Another instance's key, one changed character, garbage: nothing.
        assert_eq!(open(&key(&[8u8; 32]).unwrap(), &sealed), None);
        let mut changed = sealed.clone().into_bytes();
        changed[20] = if changed[20] == b'A' { b'B' } else { b'A' };
        assert_eq!(open(&k, &String::from_utf8(changed).unwrap()), None);
        assert_eq!(open(&k, "not-base64!"), None);
        assert_eq!(open(&k, ""), None);
        // Two seals of the same attempt differ (a fresh nonce each time).
        assert_ne!(seal(&k, &attempt()), Some(sealed));
    }

    #[test]
    fn the_cookie_name_takes_only_letters_and_digits_of_the_state() {
        assert_eq!(cookie_name("ab-_cd/efgh1234", false), "tavle_oidc_abcdefgh");
        assert_eq!(cookie_name("x", true), "__Secure-tavle_oidc_x");
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
