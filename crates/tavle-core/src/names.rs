//! Validation and normalisation of the names people type: display names, usernames, school
//! and group names, codes. Text is stored NFC-normalised so "å" typed on a Mac and on Windows
//! is the same name.

use unicode_normalization::UnicodeNormalization;

use crate::error::{InvalidInput, Reason};

/// Whether a character is one a name must not hold: a control character (including CR, LF,
/// NUL and tab), a line or paragraph separator, or an invisible character that changes how the
/// text around it reads — the bidirectional overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) with which "gpj.exe" shows as "exe.jpg", the direction marks, the zero-width
/// space and the byte-order mark — and the Unicode noncharacters (U+FDD0–U+FDEF and the last
/// two of every plane, such as U+FFFE), which XML may not carry, so one such file name would
/// break every WebDAV listing of its folder. (Zero-width joiners stay: emoji and some scripts
/// need them.)
pub fn is_hidden_control(c: char) -> bool {
    let noncharacter = matches!(c, '\u{FDD0}'..='\u{FDEF}') || (u32::from(c) & 0xFFFE) == 0xFFFE;
    noncharacter
        || c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// Trims, NFC-normalises and checks a free-text name (a person, a school, a group).
pub fn display_text(field: &'static str, raw: &str, max_chars: usize) -> Result<String, InvalidInput> {
    let text: String = raw.trim().nfc().collect();
    if text.is_empty() {
        return Err(InvalidInput::new(field, Reason::Empty, format!("The {field} must not be empty.")));
    }
    if text.chars().any(is_hidden_control) {
        return Err(InvalidInput::new(
            field,
            Reason::ControlCharacter,
            format!("The {field} contains a control or text-direction character; remove it and try again."),
        ));
    }
    if text.chars().count() > max_chars {
        return Err(InvalidInput::new(
            field,
            Reason::TooLong,
            format!("The {field} is longer than {max_chars} characters."),
        ));
    }
    Ok(text)
}

/// A person's display name ("Søren Æbelø-Ågård").
pub fn person_name(raw: &str) -> Result<String, InvalidInput> {
    display_text("display_name", raw, 200)
}

/// A login name: 1–64 of lower-case ASCII letters, digits and `.`, `-`, `_`, `@`.
/// Lower-cased on the way in, so `Elev1` and `elev1` are one account.
pub fn username(raw: &str) -> Result<String, InvalidInput> {
    let name = raw.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Err(InvalidInput::new("username", Reason::Empty, "The username must not be empty."));
    }
    if name.len() > 64 {
        return Err(InvalidInput::new("username", Reason::TooLong, "The username is longer than 64 characters."));
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '@')) {
        return Err(InvalidInput::new(
            "username",
            Reason::BadCharacter,
            "A username may only contain the letters a–z, digits and . - _ @.",
        ));
    }
    Ok(name)
}

/// A tenant code such as a municipality number ("0751") or a short slug ("aarhus").
pub fn tenant_code(raw: &str) -> Result<String, InvalidInput> {
    let code = raw.trim().to_ascii_lowercase();
    if code.is_empty() || code.len() > 32 {
        return Err(InvalidInput::new("code", Reason::BadFormat, "The code must be 1–32 characters long."));
    }
    if !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(InvalidInput::new("code", Reason::BadCharacter, "The code may only contain a–z, digits and -."));
    }
    Ok(code)
}

/// An institution number (institutionsnummer), six digits for Danish schools; other owners may
/// use other identifiers, so any short code of letters and digits is accepted.
pub fn institution_number(raw: &str) -> Result<String, InvalidInput> {
    let n = raw.trim().to_string();
    if n.is_empty() || n.len() > 32 || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(InvalidInput::new(
            "institution_number",
            Reason::BadFormat,
            "The institution number must be 1–32 letters or digits (Danish schools have six digits).",
        ));
    }
    Ok(n)
}

/// A school-year label: "2026/27" style, or any short text.
pub fn school_year_label(raw: &str) -> Result<String, InvalidInput> {
    display_text("label", raw, 40)
}

/// Parses an ISO 8601 calendar date (YYYY-MM-DD).
pub fn date(field: &'static str, raw: &str) -> Result<time::Date, InvalidInput> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw.trim(), &fmt).map_err(|_| {
        InvalidInput::new(field, Reason::BadFormat, format!("The {field} must be a date written as YYYY-MM-DD."))
    })
}

/// Reads a moment written in RFC 3339 (`2026-11-23T10:00:00+01:00`, `…Z`).
pub fn moment(field: &'static str, raw: &str) -> Result<crate::Timestamp, InvalidInput> {
    let t = time::OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339).map_err(|_| {
        InvalidInput::new(
            field,
            Reason::BadFormat,
            format!("The {field} must be a date and time such as 2026-11-23T10:00:00+01:00."),
        )
    })?;
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(ms)
        .map(crate::Timestamp)
        .map_err(|_| InvalidInput::new(field, Reason::OutOfRange, format!("The {field} is out of range.")))
}

/// Formats a date as YYYY-MM-DD.
pub fn format_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use expect_test::{expect, Expect};

    fn check(input: &str, expect: Expect) {
        let got = match super::person_name(input) {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => format!("err {} {}", e.reason.code(), e.message),
        };
        expect.assert_eq(&got);
    }

    #[test]
    fn person_names() {
        check("  Søren Æbelø-Ågård ", expect![[r#"ok "Søren Æbelø-Ågård""#]]);
        // "å" as a plus combining ring becomes the single NFC code point.
        check("A\u{30a}se", expect![[r#"ok "Åse""#]]);
        check("   ", expect!["err empty The display_name must not be empty."]);
        check(
            "Bo\u{7}",
            expect!["err control_character The display_name contains a control or text-direction character; remove it and try again."],
        );
        check(&"x".repeat(201), expect!["err too_long The display_name is longer than 200 characters."]);
    }

    #[test]
    fn usernames() {
        let got: Vec<String> = ["Elev1", "lærer", "a b", "", "ok.name-1_x@skole"]
            .iter()
            .map(|u| match super::username(u) {
                Ok(v) => v,
                Err(e) => e.reason.code().to_string(),
            })
            .collect();
        expect![[r#"["elev1", "bad_character", "bad_character", "empty", "ok.name-1_x@skole"]"#]]
            .assert_eq(&format!("{got:?}"));
    }

    #[test]
    fn dates() {
        assert_eq!(super::format_date(super::date("starts_on", "2026-08-10").unwrap_or(time::Date::MIN)), "2026-08-10");
        assert!(super::date("starts_on", "10-08-2026").is_err());
    }
}
