//! Keys of the instance as a whole (the receipt-signing key, the key of WOPI access tokens):
//! read from the database, or made by the first node that needs one, so every node uses the
//! same.

use tavle_store::keys::InstanceKey;

use crate::error::AppResult;
use crate::Base;

/// The stored key `name`, or `make()`'s, stored now (another node's, if it made one first).
pub(crate) async fn get_or_make(base: &Base, name: &str, make: impl FnOnce() -> InstanceKey) -> AppResult<InstanceKey> {
    let mut tx = base.store.write().await?;
    let stored = match tx.instance_key(name).await? {
        Some(k) => k,
        None => tx.put_instance_key(name, &make(), base.clock.now().millis()).await?,
    };
    tx.commit().await?;
    Ok(stored)
}

/// 32 bytes from the operating system's random source.
pub(crate) fn random_32() -> [u8; 32] {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    seed
}
