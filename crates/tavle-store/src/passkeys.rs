//! Passkeys (WebAuthn credentials), the WebAuthn ceremonies under way, and a municipality's
//! rule of which roles need a second factor (migration 0028).

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{PersonId, TenantId};

use crate::row::{id, int, opt_id, opt_int, text};
use crate::{Db, Result};

/// A person's passkey: its credential id (base64url), the name they gave it, and what
/// webauthn-rs keeps of it (JSON: the public key and the signature counter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyRecord {
    pub credential_id: String,
    pub name: String,
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A passkey found by its credential id, with whose it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedPasskey {
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    pub record: PasskeyRecord,
}

/// A WebAuthn ceremony under way: `register`, `step` or `login`, with the webauthn-rs state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ceremony {
    pub kind: String,
    pub tenant_id: Option<TenantId>,
    pub person_id: Option<PersonId>,
    pub state: String,
    pub expires_at: i64,
}

fn passkey_of(r: &sqlx::any::AnyRow) -> Result<PasskeyRecord> {
    Ok(PasskeyRecord {
        credential_id: text(r, "credential_id")?,
        name: text(r, "name")?,
        passkey: text(r, "passkey")?,
        created_at: int(r, "created_at")?,
        last_used_at: opt_int(r, "last_used_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// The roles of a municipality that need a second factor (`staff`, `school_admin`,
    /// `municipality_admin`), sorted.
    pub async fn second_factor_rule(&mut self, tenant: TenantId) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT role FROM second_factor_rule WHERE tenant_id = $1 ORDER BY role")
            .bind(tenant.to_string())
            .fetch_all(self.c())
            .await?;
        rows.iter().map(|r| text(r, "role")).collect()
    }

    /// Replaces a municipality's rule with these roles.
    pub async fn set_second_factor_rule(&mut self, tenant: TenantId, roles: &[String], at: i64) -> Result<()> {
        sqlx::query("DELETE FROM second_factor_rule WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .execute(self.c())
            .await?;
        for role in roles {
            sqlx::query("INSERT INTO second_factor_rule (tenant_id, role, set_at) VALUES ($1, $2, $3)")
                .bind(tenant.to_string())
                .bind(role)
                .bind(at)
                .execute(self.c())
                .await?;
        }
        Ok(())
    }

    /// A person's passkeys, oldest first.
    pub async fn passkeys_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Vec<PasskeyRecord>> {
        let rows = sqlx::query(
            "SELECT credential_id, name, passkey, created_at, last_used_at FROM passkey_credential \
             WHERE tenant_id = $1 AND person_id = $2 ORDER BY created_at, credential_id",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(passkey_of).collect()
    }

    /// Adds a passkey; false when a passkey with this credential id exists already.
    pub async fn insert_passkey(&mut self, tenant: TenantId, person: PersonId, p: &PasskeyRecord) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO passkey_credential (credential_id, tenant_id, person_id, name, passkey, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(&p.credential_id)
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(&p.name)
        .bind(&p.passkey)
        .bind(p.created_at)
        .bind(p.last_used_at)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Instance-level: a passkey by its credential id, with whose it is (a login with a
    /// passkey alone learns the person from it).
    pub async fn passkey_by_credential(&mut self, credential_id: &str) -> Result<Option<OwnedPasskey>> {
        let row = sqlx::query(
            "SELECT tenant_id, person_id, credential_id, name, passkey, created_at, last_used_at \
             FROM passkey_credential WHERE credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(self.c())
        .await?;
        row.map(|r| {
            Ok(OwnedPasskey {
                tenant_id: id(&r, "tenant_id")?,
                person_id: id(&r, "person_id")?,
                record: passkey_of(&r)?,
            })
        })
        .transpose()
    }

    /// Keeps a passkey's new state (its signature counter) after a use.
    pub async fn passkey_used(&mut self, tenant: TenantId, credential_id: &str, passkey: &str, at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE passkey_credential SET passkey = $3, last_used_at = $4 WHERE tenant_id = $1 AND credential_id = $2",
        )
        .bind(tenant.to_string())
        .bind(credential_id)
        .bind(passkey)
        .bind(at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Removes one of a person's passkeys; false when they have none by that id.
    pub async fn delete_passkey(&mut self, tenant: TenantId, person: PersonId, credential_id: &str) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM passkey_credential WHERE tenant_id = $1 AND person_id = $2 AND credential_id = $3",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(credential_id)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_ceremony(&mut self, id_hash: &str, c: &Ceremony) -> Result<()> {
        sqlx::query(
            "INSERT INTO webauthn_ceremony (id_hash, kind, tenant_id, person_id, state, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(&c.kind)
        .bind(c.tenant_id.map(|t| t.to_string()))
        .bind(c.person_id.map(|p| p.to_string()))
        .bind(&c.state)
        .bind(c.expires_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Instance-level: takes a ceremony by the hash of its id (it is gone afterwards, so each
    /// is finished once); a login with a passkey alone has no tenant yet.
    pub async fn take_ceremony(&mut self, id_hash: &str) -> Result<Option<Ceremony>> {
        let row = sqlx::query(
            "SELECT kind, tenant_id, person_id, state, expires_at FROM webauthn_ceremony WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(self.c())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let done =
            sqlx::query("DELETE FROM webauthn_ceremony WHERE id_hash = $1").bind(id_hash).execute(self.c()).await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        Ok(Some(Ceremony {
            kind: text(&r, "kind")?,
            tenant_id: opt_id(&r, "tenant_id")?,
            person_id: opt_id(&r, "person_id")?,
            state: text(&r, "state")?,
            expires_at: int(&r, "expires_at")?,
        }))
    }

    /// Instance-level: how many ceremonies of a kind are under way at `now` (a login with a
    /// passkey alone begins one for anybody who asks, so their number is capped).
    pub async fn live_ceremonies(&mut self, kind: &str, now: i64) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM webauthn_ceremony WHERE kind = $1 AND expires_at > $2")
            .bind(kind)
            .bind(now)
            .fetch_one(self.c())
            .await?;
        int(&row, "n")
    }

    /// Instance-level housekeeping: forgets ceremonies that expired before `before`.
    pub async fn delete_expired_ceremonies(&mut self, before: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM webauthn_ceremony WHERE expires_at < $1").bind(before).execute(self.c()).await?;
        Ok(done.rows_affected())
    }
}
