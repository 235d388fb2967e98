//! `tavle receipt verify FILE`: checks a hand-in receipt offline, with nothing but the file
//! and, to know it came from a given Tavle, that instance's public key.

use std::path::Path;

use anyhow::Context;
use tavle_app::receipts::{verify, SignedReceipt};

/// Reads and checks a receipt; returns it, or why it does not verify.
pub fn verify_file(path: &Path, public_key: Option<&str>) -> anyhow::Result<SignedReceipt> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    verify(&bytes, public_key).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The lines printed for a receipt that verifies.
pub fn describe(s: &SignedReceipt, trusted: bool) -> String {
    let r = &s.receipt;
    let mut out = format!(
        "valid: {} handed in \"{}\" at {} ({}), signed by key {}{}\n",
        r.pupil_name,
        r.assignment_title,
        r.handed_in_at,
        if r.late_by_secs > 0 { format!("{} s late", r.late_by_secs) } else { "on time".into() },
        r.key_id,
        if trusted { ", the key you gave" } else { "" },
    );
    if !r.team.is_empty() {
        out.push_str(&format!("  for the team: {}\n", r.team.join(", ")));
    }
    for f in &r.files {
        out.push_str(&format!("  {}  {} bytes  sha256 {}\n", f.name, f.size, f.sha256));
    }
    out
}
