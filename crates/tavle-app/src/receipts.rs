//! Signed hand-in receipts: what a pupil handed in (each file's name, size and SHA-256), for
//! which assignment, at what time on the server's clock, signed with the instance's Ed25519
//! key. A receipt is a small JSON file the pupil can keep; anyone can check it offline with
//! the instance's public key (`GET /api/v1/receipt-key`, and `tavle receipt verify FILE`).
//!
//! The signature covers the receipt's canonical bytes: the `receipt` object serialized with
//! its fields in a fixed order and nothing else. Verifying parses the file into the same
//! typed structure (unknown fields are refused) and serializes it again, so any change to a
//! signed field, or any field added, fails the check.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tavle_blob::hex;

/// The receipt format's version.
pub const RECEIPT_VERSION: u32 = 1;

/// One file of a hand-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptFile {
    pub name: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// What a receipt states. Field order is part of the format: do not reorder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub version: u32,
    /// The first 16 hex digits of the SHA-256 of the public key that signed it.
    pub key_id: String,
    pub municipality: String,
    pub assignment_id: String,
    pub assignment_title: String,
    pub hand_in_id: String,
    pub pupil_id: String,
    pub pupil_name: String,
    /// When the hand-in was recorded, on the server's clock (RFC 3339, UTC).
    pub handed_in_at: String,
    /// Seconds after the pupil's deadline; 0 when on time.
    pub late_by_secs: i64,
    pub files: Vec<ReceiptFile>,
    /// For a team's hand-in, everyone in the team by name (it counts for all of them). Left
    /// out when empty, so receipts of a pupil alone are as they always were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team: Vec<String>,
}

/// A receipt with its signature, as given to the pupil.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReceipt {
    pub receipt: Receipt,
    /// Ed25519 over the receipt's canonical bytes, hex.
    pub signature: String,
    /// The public key that signed it, hex (compare it with the instance's published key).
    pub public_key: String,
}

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    #[error("this is not a Tavle receipt: {0}")]
    Malformed(String),
    #[error("the receipt was signed with key {found}, not with the key you trust ({trusted})")]
    OtherKey { found: String, trusted: String },
    #[error("the signature does not match: the receipt has been changed, or was not made by Tavle")]
    BadSignature,
}

fn canonical(r: &Receipt) -> Vec<u8> {
    // A struct of strings and integers always serializes.
    serde_json::to_vec(r).unwrap_or_default()
}

/// The key id of a public key: the first 16 hex digits of its SHA-256.
pub fn key_id(public: &VerifyingKey) -> String {
    hex(&Sha256::digest(public.as_bytes()))[..16].to_string()
}

fn decode_hex<const N: usize>(s: &str, what: &str) -> Result<[u8; N], ReceiptError> {
    let s = s.trim();
    if s.len() != N * 2 || !s.is_ascii() {
        return Err(ReceiptError::Malformed(format!("the {what} must be {} hex digits", N * 2)));
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
            .map_err(|_| ReceiptError::Malformed(format!("the {what} is not hex")))?;
    }
    Ok(out)
}

/// Reads a public key given as 64 hex digits.
pub fn public_key(hex_key: &str) -> Result<VerifyingKey, ReceiptError> {
    VerifyingKey::from_bytes(&decode_hex::<32>(hex_key, "public key")?)
        .map_err(|_| ReceiptError::Malformed("the public key is not an Ed25519 key".into()))
}

/// The instance's signing key.
#[derive(Clone)]
pub struct ReceiptKey {
    signing: SigningKey,
}

impl std::fmt::Debug for ReceiptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptKey").field("key_id", &self.key_id()).finish_non_exhaustive()
    }
}

impl ReceiptKey {
    /// A key from its 32-byte secret seed.
    pub fn from_secret(seed: [u8; 32]) -> ReceiptKey {
        ReceiptKey { signing: SigningKey::from_bytes(&seed) }
    }

    /// A key from its secret seed written as 64 hex digits (as stored).
    pub fn from_secret_hex(s: &str) -> Result<ReceiptKey, ReceiptError> {
        Ok(Self::from_secret(decode_hex::<32>(s, "secret key")?))
    }

    pub fn secret_hex(&self) -> String {
        hex(self.signing.as_bytes())
    }

    pub fn public_hex(&self) -> String {
        hex(self.signing.verifying_key().as_bytes())
    }

    pub fn key_id(&self) -> String {
        key_id(&self.signing.verifying_key())
    }

    /// Signs a receipt (its `key_id` is set to this key's).
    pub fn sign(&self, mut receipt: Receipt) -> SignedReceipt {
        receipt.key_id = self.key_id();
        let signature = self.signing.sign(&canonical(&receipt));
        SignedReceipt { receipt, signature: hex(&signature.to_bytes()), public_key: self.public_hex() }
    }
}

/// Checks a receipt file. With `trusted` (the instance's published key, hex), the receipt
/// must have been signed by that key; without it, only that it is whole and signed by the
/// key it names.
pub fn verify(file: &[u8], trusted: Option<&str>) -> Result<SignedReceipt, ReceiptError> {
    let signed: SignedReceipt = serde_json::from_slice(file).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    if signed.receipt.version != RECEIPT_VERSION {
        return Err(ReceiptError::Malformed(format!("unknown receipt version {}", signed.receipt.version)));
    }
    let key = public_key(&signed.public_key)?;
    if let Some(t) = trusted {
        let trusted_key = public_key(t)?;
        if trusted_key != key {
            return Err(ReceiptError::OtherKey { found: key_id(&key), trusted: key_id(&trusted_key) });
        }
    }
    if signed.receipt.key_id != key_id(&key) {
        return Err(ReceiptError::BadSignature);
    }
    let signature = Signature::from_bytes(&decode_hex::<64>(&signed.signature, "signature")?);
    key.verify_strict(&canonical(&signed.receipt), &signature).map_err(|_| ReceiptError::BadSignature)?;
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt() -> Receipt {
        Receipt {
            version: RECEIPT_VERSION,
            key_id: String::new(),
            municipality: "Demo Kommune".into(),
            assignment_id: "0190a000-0000-7000-8000-000000000001".into(),
            assignment_title: "Stil om efteråret".into(),
            hand_in_id: "0190a000-0000-7000-8000-000000000002".into(),
            pupil_id: "0190a000-0000-7000-8000-000000000003".into(),
            pupil_name: "Åse Ørsted".into(),
            handed_in_at: "2026-11-23T09:59:58.120Z".into(),
            late_by_secs: 0,
            files: vec![ReceiptFile {
                name: "Stil.docx".into(),
                size: 18_211,
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            }],
            team: vec![],
        }
    }

    #[test]
    fn a_signed_receipt_verifies_and_any_change_breaks_it() {
        let key = ReceiptKey::from_secret([7u8; 32]);
        let signed = key.sign(receipt());
        let file = serde_json::to_vec_pretty(&signed).unwrap();
        assert_eq!(verify(&file, None).unwrap(), signed);
        assert_eq!(verify(&file, Some(&key.public_hex())).unwrap().receipt.pupil_name, "Åse Ørsted");
        // The same key read back from storage signs the same way.
        let again = ReceiptKey::from_secret_hex(&key.secret_hex()).unwrap();
        assert_eq!(again.sign(receipt()), signed);

        let text = String::from_utf8(file.clone()).unwrap();
        for (from, to) in [
            ("18211", "18212"),
            ("09:59:58", "09:59:57"),
            ("Stil.docx", "Stil2.docx"),
            ("\"late_by_secs\": 0", "\"late_by_secs\": 1"),
        ] {
            let changed = text.replace(from, to);
            assert_ne!(changed, text, "{from}");
            assert_eq!(verify(changed.as_bytes(), None), Err(ReceiptError::BadSignature), "{from}");
        }
        let added = text.replacen("\"version\"", "\"extra\": 1, \"version\"", 1);
        assert!(matches!(verify(added.as_bytes(), None), Err(ReceiptError::Malformed(_))));
        // Signed by someone else's key: whole, but not from the instance the pupil trusts.
        let other = ReceiptKey::from_secret([9u8; 32]).sign(receipt());
        let other = serde_json::to_vec(&other).unwrap();
        assert!(verify(&other, None).is_ok());
        assert!(matches!(verify(&other, Some(&key.public_hex())), Err(ReceiptError::OtherKey { .. })));
        assert!(matches!(verify(b"{}", None), Err(ReceiptError::Malformed(_))));
    }
}
