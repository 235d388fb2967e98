//! WOPI's proof of origin and Tavle's access tokens.
//!
//! - **Proof keys**: an office server signs each request (`X-WOPI-Proof`, with
//!   `X-WOPI-ProofOld` during a key change) over the access token, the request's address in
//!   capitals and its time (`X-WOPI-TimeStamp`, .NET ticks); the signature is RSA PKCS#1 v1.5
//!   with SHA-256 under the keys its discovery publishes. A request passes with the current
//!   key on either proof, or the old key on the current proof, and only within 20 minutes.
//! - **Access tokens**: `<payload>.<HMAC-SHA256>` (base64url) over the tenant, the person, the
//!   file and the expiry, with an instance key every node shares; bound to one person and one
//!   file, valid for [`TOKEN_TTL_MS`]. Access is decided again on every call (a share removed
//!   or a person disabled ends it at once); the token only says who is asking for what.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::{hmac, signature};
use tavle_core::{NodeId, PersonId, TenantId};

use super::discovery::ProofKeys;

/// How long an access token is good for: an editing session's length.
pub const TOKEN_TTL_MS: i64 = 4 * 3_600_000;
/// How old a proof's time may be.
const PROOF_WINDOW_MS: i64 = 20 * 60_000;
/// .NET ticks (100 ns since 0001-01-01) at the Unix epoch.
const TICKS_AT_EPOCH: i64 = 621_355_968_000_000_000;

/// What an access token grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub tenant: TenantId,
    pub person: PersonId,
    pub node: NodeId,
    pub expires_at: i64,
}

/// A token for `g`, signed with `key`.
pub fn mint(key: &[u8], g: &Grant) -> String {
    let payload = format!("{}.{}.{}.{}", g.tenant, g.person, g.node, g.expires_at);
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), payload.as_bytes());
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// What `token` grants, if `key` signed it and it has not expired at `now`.
pub fn check(key: &[u8], token: &str, now: i64) -> Option<Grant> {
    let (payload, tag) = token.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, key), &payload, &tag).ok()?;
    let text = String::from_utf8(payload).ok()?;
    let mut parts = text.split('.');
    let g = Grant {
        tenant: parts.next()?.parse().ok()?,
        person: parts.next()?.parse().ok()?,
        node: parts.next()?.parse().ok()?,
        expires_at: parts.next()?.parse().ok()?,
    };
    (parts.next().is_none() && g.expires_at > now).then_some(g)
}

/// The bytes a proof signs.
pub fn signed_bytes(token: &str, url: &str, ticks: i64) -> Vec<u8> {
    let url = url.to_uppercase();
    let mut out = Vec::with_capacity(token.len() + url.len() + 20);
    for part in [token.as_bytes(), url.as_bytes()] {
        out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&8u32.to_be_bytes());
    out.extend_from_slice(&ticks.to_be_bytes());
    out
}

/// Whether a request's proof holds: `proof`/`proof_old` as sent (base64), `ticks` its
/// `X-WOPI-TimeStamp`, `now` in Unix milliseconds.
pub fn verify(
    keys: &ProofKeys,
    token: &str,
    url: &str,
    ticks: i64,
    proof: &str,
    proof_old: Option<&str>,
    now: i64,
) -> bool {
    let at_ms = (ticks - TICKS_AT_EPOCH) / 10_000;
    if (now - at_ms).abs() > PROOF_WINDOW_MS {
        return false;
    }
    let msg = signed_bytes(token, url, ticks);
    let current = (keys.modulus.as_str(), keys.exponent.as_str());
    let old = keys.old_modulus.as_deref().zip(keys.old_exponent.as_deref());
    one(current, proof, &msg)
        || proof_old.is_some_and(|p| one(current, p, &msg))
        || old.is_some_and(|o| one(o, proof, &msg))
}

fn one((modulus, exponent): (&str, &str), sig: &str, msg: &[u8]) -> bool {
    let (Ok(n), Ok(e), Ok(sig)) = (STANDARD.decode(modulus), STANDARD.decode(exponent), STANDARD.decode(sig.trim()))
    else {
        return false;
    };
    let key = signature::RsaPublicKeyComponents { n: &n, e: &e };
    key.verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, &sig).is_ok()
}

/// A name as WOPI sends it in headers (UTF-7, RFC 2152): `+…-` runs are base64 of UTF-16
/// (without padding, the last bits ignored), `+-` is a plus sign.
pub fn utf7(s: &str) -> Option<String> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '+' {
            out.push(c);
            continue;
        }
        let mut run = String::new();
        // The character that ended the run, unless it is the `-` that only ends it.
        let mut after = None;
        for d in chars.by_ref() {
            if d.is_ascii_alphanumeric() || d == '+' || d == '/' {
                run.push(d);
            } else {
                after = Some(d).filter(|d| *d != '-');
                break;
            }
        }
        if run.is_empty() {
            out.push('+');
        } else {
            let bytes = engine.decode(run.as_bytes()).ok()?;
            let units: Vec<u16> = bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
            out.push_str(&String::from_utf16(&units).ok()?);
        }
        out.extend(after);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_and_expire() {
        let g = Grant { tenant: TenantId::new(), person: PersonId::new(), node: NodeId::new(), expires_at: 1_000 };
        let t = mint(b"key", &g);
        assert_eq!(check(b"key", &t, 999), Some(g));
        assert_eq!(check(b"key", &t, 1_000), None, "expired");
        assert_eq!(check(b"other", &t, 0), None, "another key");
        let (payload, tag) = t.split_once('.').unwrap();
        let forged = format!("{}x.{tag}", payload);
        assert_eq!(check(b"key", &forged, 0), None);
    }

    #[test]
    fn utf7_names() {
        assert_eq!(utf7("Stil.docx").as_deref(), Some("Stil.docx"));
        assert_eq!(utf7("S+AOY-rbog").as_deref(), Some("Særbog"));
        assert_eq!(utf7("+AMYA+ADl-").as_deref(), Some("Æøå"));
        assert_eq!(utf7("+AMY-r+APg.docx").as_deref(), Some("Ærø.docx"));
        assert_eq!(utf7("1+-1").as_deref(), Some("1+1"));
    }
}
