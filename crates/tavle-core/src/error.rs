//! Validation errors of the domain. They carry a stable code and a sentence a person can act
//! on; the HTTP layer maps them to a status without knowing any of the reasons.

use std::fmt;

/// Why a value was refused. The `code` is stable and part of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Empty,
    TooLong,
    TooShort,
    ControlCharacter,
    BadCharacter,
    BadFormat,
    OutOfRange,
    /// A name that an operating system reserves (`.`, `..`, `CON`, `NUL`, …).
    ReservedName,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::Empty => "empty",
            Reason::TooLong => "too_long",
            Reason::TooShort => "too_short",
            Reason::ControlCharacter => "control_character",
            Reason::BadCharacter => "bad_character",
            Reason::BadFormat => "bad_format",
            Reason::OutOfRange => "out_of_range",
            Reason::ReservedName => "reserved_name",
        }
    }
}

/// A field that failed validation, with a human sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InvalidInput {
    pub field: &'static str,
    pub reason: Reason,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, reason: Reason, message: impl Into<String>) -> Self {
        InvalidInput { field, reason, message: message.into() }
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
