//! Drives: spaces, their files and folders (nodes), stored contents (blobs) and older
//! versions. Every query takes the tenant and filters on it.
//!
//! Trees are walked with recursive common table expressions, which SQLite and PostgreSQL
//! write the same way: up to the root for a node's path, down for a folder's contents.

mod blobs;
mod links;
mod nodes;
mod shares;
mod spaces;

pub use blobs::BlobRow;

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
