//! Reading typed values out of rows: identifiers, dates and enum codes are text in the
//! database and are parsed here, with a `Corrupt` error naming the column when they do not
//! parse.

use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, StoreError};

pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String> {
    row.try_get::<String, _>(col).map_err(StoreError::Database)
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(col).map_err(StoreError::Database)
}

pub(crate) fn int(row: &AnyRow, col: &str) -> Result<i64> {
    row.try_get::<i64, _>(col).map_err(StoreError::Database)
}

pub(crate) fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col).map_err(StoreError::Database)
}

pub(crate) fn id<T: FromStr>(row: &AnyRow, col: &str) -> Result<T> {
    let raw = text(row, col)?;
    raw.parse().map_err(|_| StoreError::Corrupt(format!("column {col} holds {raw:?}, not an identifier")))
}

/// An optional identifier; NULL and '' are both "none".
pub(crate) fn opt_id<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>> {
    Ok(match opt_text(row, col)? {
        Some(s) if !s.is_empty() => Some(id(row, col)?),
        _ => None,
    })
}

pub(crate) fn date(row: &AnyRow, col: &str) -> Result<time::Date> {
    let raw = text(row, col)?;
    tavle_core::names::date("date", &raw)
        .map_err(|_| StoreError::Corrupt(format!("column {col} holds {raw:?}, not a date")))
}

pub(crate) fn parse<T>(col: &str, raw: &str, f: impl FnOnce(&str) -> Option<T>) -> Result<T> {
    f(raw).ok_or_else(|| StoreError::Corrupt(format!("column {col} holds unknown value {raw:?}")))
}

/// `$from, $from+1, …` for `n` bound values: the inside of an `IN (…)`.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (0..n).map(|i| format!("${}", from + i)).collect::<Vec<_>>().join(", ")
}
