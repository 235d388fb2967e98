//! Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226): HMAC-SHA1, 6 digits, 30 s
//! steps, one step either side for a phone's clock. `check` returns the step that matched, so
//! the caller can refuse that step and every earlier one next time (a code is used once).

use ring::hmac;

/// Seconds per step.
pub(crate) const STEP_SECS: i64 = 30;
/// Digits per code.
const DIGITS: u32 = 6;

/// The HOTP value of `secret` at `counter` (RFC 4226 §5.3), as `DIGITS` digits.
pub(crate) fn hotp(secret: &[u8], counter: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let h = tag.as_ref();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    format!("{:0width$}", bin % 10u32.pow(DIGITS), width = DIGITS as usize)
}

/// The step a time (Unix seconds) falls in.
pub(crate) fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The step `code` is valid for at `unix_secs` (±1 step), if any, and later than `after`.
pub(crate) fn check(secret: &[u8], code: &str, unix_secs: i64, after: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_secs);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|s| *s >= 0 && after.is_none_or(|a| *s > a))
        .find(|s| same(&hotp(secret, *s as u64), &code))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// RFC 4648 base32 without padding, as authenticator apps read secrets.
pub(crate) fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 here).
    #[test]
    fn the_rfc_6238_test_vectors_hold() {
        let secret = b"12345678901234567890";
        for (t, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(secret, step_at(t) as u64), eight[2..], "t = {t}");
        }
    }

    #[test]
    fn a_code_is_taken_one_step_either_side_and_never_twice() {
        let secret = b"12345678901234567890";
        let t = 1_234_567_890;
        let code = hotp(secret, step_at(t) as u64);
        assert_eq!(check(secret, &code, t, None), Some(step_at(t)));
        assert_eq!(check(secret, &code, t + 30, None), Some(step_at(t)));
        assert_eq!(check(secret, &code, t - 30, None), Some(step_at(t)));
        assert_eq!(check(secret, &code, t + 60, None), None);
        assert_eq!(check(secret, &code, t, Some(step_at(t))), None, "used");
        assert_eq!(check(secret, &format!("{} {}", &code[..3], &code[3..]), t, None), Some(step_at(t)));
        for bad in ["", "12345", "1234567", "abcdef", "12345x"] {
            assert_eq!(check(secret, bad, t, None), None, "{bad}");
        }
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}
