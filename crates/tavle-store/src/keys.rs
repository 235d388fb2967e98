//! Keys of the instance as a whole, such as the one that signs hand-in receipts. Not per
//! municipality: a receipt is the instance's word, and its public key is published once.

use std::ops::DerefMut;

use sqlx::AnyConnection;

use crate::row::text;
use crate::{Db, Result};

/// A stored key pair, both halves as hex.
#[derive(Clone, PartialEq, Eq)]
pub struct InstanceKey {
    pub secret: String,
    pub public_key: String,
}

impl std::fmt::Debug for InstanceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceKey").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn instance_key(&mut self, name: &str) -> Result<Option<InstanceKey>> {
        let row = sqlx::query("SELECT secret, public_key FROM instance_key WHERE name = $1")
            .bind(name)
            .fetch_optional(self.c())
            .await?;
        row.map(|r| Ok(InstanceKey { secret: text(&r, "secret")?, public_key: text(&r, "public_key")? })).transpose()
    }

    /// Stores a key unless one of that name exists (another node made it first); returns the
    /// one that is stored.
    pub async fn put_instance_key(&mut self, name: &str, key: &InstanceKey, at: i64) -> Result<InstanceKey> {
        sqlx::query(
            "INSERT INTO instance_key (name, secret, public_key, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(&key.secret)
        .bind(&key.public_key)
        .bind(at)
        .execute(self.c())
        .await?;
        Ok(self.instance_key(name).await?.unwrap_or_else(|| key.clone()))
    }
}
