//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0, §2.6): the provider posts a
//! signed `logout_token`; when it checks out, the sessions it names end on every node (the
//! session table's revocation trigger carries that), and its `jti` is kept so it cannot be
//! played again anywhere.
//!
//! `openidconnect` reads no logout tokens (its JWT type is private), so the claims are checked
//! here; the signature is checked by the crate's own key type (`JsonWebKey::verify_signature`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{CoreJsonWebKeySet, CoreJsonWebKeyUse, CoreJwsSigningAlgorithm};
use openidconnect::JsonWebKey;
use serde_json::Value;

use super::identity::{claim_text, Claims};
use super::oidc::{header_is_plain, payload, Metadata, ACCEPTED_ALGS, SKEW_SECS};

/// The event a logout token must carry.
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// The largest logout token taken.
pub(crate) const MAX_LOGOUT_TOKEN: usize = 64 << 10;

/// What a good logout token names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Logout {
    pub sub: Option<String>,
    pub sid: Option<String>,
    pub jti: String,
    /// Until when its `jti` must be remembered (Unix seconds).
    pub keep_until: i64,
}

pub(crate) enum Verdict {
    Good(Logout),
    UnknownKey,
    Bad(String),
}

/// Checks a logout token from the provider `meta` describes, issued to `client_id`.
pub(crate) fn check(raw: &str, meta: &Metadata, keys: &CoreJsonWebKeySet, client_id: &str, now: i64) -> Verdict {
    if raw.len() > MAX_LOGOUT_TOKEN {
        return Verdict::Bad("the logout token is larger than 64 KiB".into());
    }
    let header = match header_is_plain(raw) {
        Ok(h) => h,
        Err(e) => return Verdict::Bad(e),
    };
    if let Some(typ) = header.get("typ") {
        let typ = typ.as_str().unwrap_or_default().to_ascii_lowercase();
        if !matches!(typ.as_str(), "logout+jwt" | "application/logout+jwt" | "jwt") {
            return Verdict::Bad("the token's type is not a logout token".into());
        }
    }
    let alg: CoreJwsSigningAlgorithm = match header.get("alg").cloned().map(serde_json::from_value) {
        Some(Ok(a)) => a,
        _ => return Verdict::Bad("the token names no signature algorithm Tavle knows".into()),
    };
    if !ACCEPTED_ALGS.contains(&alg) || !meta.id_token_signing_alg_values_supported().contains(&alg) {
        return Verdict::Bad("the token's signature algorithm is not accepted".into());
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let signing: Vec<_> = keys
        .keys()
        .iter()
        .filter(|k| k.key_use() != Some(&CoreJsonWebKeyUse::Encryption))
        .filter(|k| match kid {
            Some(kid) => k.key_id().is_some_and(|id| id.as_str() == kid),
            None => true,
        })
        .collect();
    let key = match signing.as_slice() {
        [one] => *one,
        [] => return Verdict::UnknownKey,
        _ => return Verdict::Bad("the token does not say which of several keys signed it".into()),
    };
    let (signed, sig) = raw.rsplit_once('.').unwrap_or_default();
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else { return Verdict::Bad("the signature is not base64url".into()) };
    if key.verify_signature(&alg, signed.as_bytes(), &sig).is_err() {
        return Verdict::Bad("the signature does not verify".into());
    }
    let claims = match payload(raw) {
        Ok(c) => c,
        Err(e) => return Verdict::Bad(e),
    };
    match claims_of(&claims, meta.issuer().as_str(), client_id, now) {
        Ok(l) => Verdict::Good(l),
        Err(e) => Verdict::Bad(e),
    }
}

/// The claims' rules of §2.4 and §2.6, after the signature.
fn claims_of(c: &Claims, issuer: &str, client_id: &str, now: i64) -> Result<Logout, String> {
    if c.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err("the token is from another issuer".into());
    }
    let audiences: Vec<&str> = match c.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if audiences != [client_id] {
        return Err("the token is not for Tavle's client alone (aud)".into());
    }
    if let Some(azp) = c.get("azp") {
        if azp.as_str() != Some(client_id) {
            return Err("the token was issued to another client (azp)".into());
        }
    }
    let iat = c.get("iat").and_then(Value::as_i64).ok_or("the token has no issue time (iat)")?;
    if iat > now + SKEW_SECS || iat < now - 600 {
        return Err("the token was not issued within the last 10 minutes".into());
    }
    let exp = c.get("exp").and_then(Value::as_i64);
    if exp.is_some_and(|exp| exp <= now - SKEW_SECS) {
        return Err("the token has expired".into());
    }
    if c.contains_key("nonce") {
        return Err("a logout token must not carry a nonce".into());
    }
    let events = c.get("events").and_then(Value::as_object).ok_or("the token has no events")?;
    if !events.get(EVENT).is_some_and(Value::is_object) {
        return Err("the token's events do not say back-channel logout".into());
    }
    let (sub, sid) = (claim_text(c, "sub"), claim_text(c, "sid"));
    if sub.is_none() && sid.is_none() {
        return Err("the token names neither a subject (sub) nor a session (sid)".into());
    }
    let jti = claim_text(c, "jti").ok_or("the token has no identifier (jti)")?;
    let keep_until = exp.unwrap_or(iat + 600).max(now) + SKEW_SECS;
    Ok(Logout { sub, sid, jti, keep_until })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ISS: &str = "https://broker.example/realms/x";

    fn good() -> Value {
        serde_json::json!({
            "iss": ISS, "aud": "tavle", "iat": 1000, "exp": 1120, "jti": "j1", "sid": "s1", "sub": "u1",
            "events": { EVENT: {} }
        })
    }

    fn with(change: impl FnOnce(&mut Claims)) -> Result<Logout, String> {
        let mut c = good().as_object().unwrap().clone();
        change(&mut c);
        claims_of(&c, ISS, "tavle", 1000)
    }

    #[test]
    fn a_logout_tokens_claims_are_held_to_section_2_6() {
        let ok = with(|_| {}).unwrap();
        assert_eq!((ok.sub.as_deref(), ok.sid.as_deref(), ok.jti.as_str()), (Some("u1"), Some("s1"), "j1"));
        assert_eq!(ok.keep_until, 1180);
        type Change = Box<dyn FnOnce(&mut Claims)>;
        let refused: Vec<(&str, Change)> = vec![
            ("other issuer", Box::new(|c| drop(c.insert("iss".into(), "https://evil.example".into())))),
            ("other audience", Box::new(|c| drop(c.insert("aud".into(), "someone".into())))),
            ("two audiences", Box::new(|c| drop(c.insert("aud".into(), serde_json::json!(["tavle", "x"]))))),
            ("azp of another", Box::new(|c| drop(c.insert("azp".into(), "x".into())))),
            ("no iat", Box::new(|c| drop(c.remove("iat")))),
            ("iat ahead", Box::new(|c| drop(c.insert("iat".into(), 1100.into())))),
            ("iat old", Box::new(|c| drop(c.insert("iat".into(), 300.into())))),
            ("expired", Box::new(|c| drop(c.insert("exp".into(), 900.into())))),
            ("nonce", Box::new(|c| drop(c.insert("nonce".into(), "n".into())))),
            ("no events", Box::new(|c| drop(c.remove("events")))),
            ("other event", Box::new(|c| drop(c.insert("events".into(), serde_json::json!({"x": {}}))))),
            ("event not an object", Box::new(|c| drop(c.insert("events".into(), serde_json::json!({ EVENT: 1 }))))),
            ("no sub nor sid", Box::new(|c| drop((c.remove("sub"), c.remove("sid"))))),
            ("no jti", Box::new(|c| drop(c.remove("jti")))),
        ];
        for (what, change) in refused {
            assert!(with(change).is_err(), "{what} must be refused");
        }
        assert!(with(|c| drop(c.remove("sub"))).is_ok(), "a sid alone is enough");
        assert!(with(|c| drop(c.remove("exp"))).is_ok(), "exp may be left out");
    }
}
