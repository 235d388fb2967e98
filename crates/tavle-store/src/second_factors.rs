//! A person's second factors — a TOTP secret, recovery codes — and logins waiting for their
//! second step (migration 0027).

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{PersonId, TenantId};

use crate::row::{id, int, opt_int, opt_text, text};
use crate::{Db, Result};

/// A person's TOTP secret (hex), confirmed once a first code matched, and the last step used.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpCredential {
    pub secret: String,
    pub confirmed_at: Option<i64>,
    pub last_step: Option<i64>,
    pub created_at: i64,
}

impl std::fmt::Debug for TotpCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpCredential")
            .field("secret", &"<redacted>")
            .field("confirmed_at", &self.confirmed_at)
            .field("last_step", &self.last_step)
            .finish()
    }
}

/// A login whose password was right, waiting for its second step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLogin {
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    pub expires_at: i64,
    pub tries: i64,
    /// How the first step was made, when not by a password (a federated login's JSON).
    pub first_step: Option<String>,
    /// The person must set up a second factor before the login finishes (the rule).
    pub must_enrol: bool,
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn totp_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Option<TotpCredential>> {
        let row = sqlx::query(
            "SELECT secret, confirmed_at, last_step, created_at FROM totp_credential WHERE tenant_id = $1 AND person_id = $2",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_optional(self.c())
        .await?;
        row.map(|r| {
            Ok(TotpCredential {
                secret: text(&r, "secret")?,
                confirmed_at: opt_int(&r, "confirmed_at")?,
                last_step: opt_int(&r, "last_step")?,
                created_at: int(&r, "created_at")?,
            })
        })
        .transpose()
    }

    /// Starts (or restarts) a person's TOTP enrolment with a new, unconfirmed secret; a
    /// confirmed one is never replaced here.
    pub async fn put_pending_totp(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        secret: &str,
        at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO totp_credential (person_id, tenant_id, secret, confirmed_at, last_step, created_at) \
             VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT (person_id) DO UPDATE SET secret = excluded.secret, \
             created_at = excluded.created_at WHERE totp_credential.tenant_id = excluded.tenant_id \
             AND totp_credential.confirmed_at IS NULL",
        )
        .bind(person.to_string())
        .bind(tenant.to_string())
        .bind(secret)
        .bind(at)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the step a code was taken at (and confirms the secret), only if that step is
    /// later than the last one used: false when another request took it first.
    pub async fn use_totp_step(&mut self, tenant: TenantId, person: PersonId, step: i64, at: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE totp_credential SET last_step = $3, confirmed_at = COALESCE(confirmed_at, $4) \
             WHERE tenant_id = $1 AND person_id = $2 AND (last_step IS NULL OR last_step < $3)",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(step)
        .bind(at)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes a person's TOTP secret and recovery codes; how many rows went.
    pub async fn delete_totp(&mut self, tenant: TenantId, person: PersonId) -> Result<u64> {
        self.delete_factors(tenant, person, false).await
    }

    /// Removes every second factor of a person: TOTP, recovery codes and passkeys.
    pub async fn delete_second_factors(&mut self, tenant: TenantId, person: PersonId) -> Result<u64> {
        self.delete_factors(tenant, person, true).await
    }

    async fn delete_factors(&mut self, tenant: TenantId, person: PersonId, passkeys: bool) -> Result<u64> {
        let mut n = 0;
        let all = [
            "DELETE FROM totp_credential WHERE tenant_id = $1 AND person_id = $2",
            "DELETE FROM recovery_code WHERE tenant_id = $1 AND person_id = $2",
            "DELETE FROM passkey_credential WHERE tenant_id = $1 AND person_id = $2",
        ];
        for sql in &all[..if passkeys { 3 } else { 2 }] {
            n += sqlx::query(sql)
                .bind(tenant.to_string())
                .bind(person.to_string())
                .execute(self.c())
                .await?
                .rows_affected();
        }
        Ok(n)
    }

    /// Replaces a person's recovery codes with these (their SHA-256).
    pub async fn replace_recovery_codes(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        hashes: &[String],
        at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM recovery_code WHERE tenant_id = $1 AND person_id = $2")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .execute(self.c())
            .await?;
        for h in hashes {
            sqlx::query(
                "INSERT INTO recovery_code (code_hash, tenant_id, person_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(h)
            .bind(tenant.to_string())
            .bind(person.to_string())
            .bind(at)
            .execute(self.c())
            .await?;
        }
        Ok(())
    }

    /// Uses up a recovery code of a person: true when it was theirs and unused.
    pub async fn use_recovery_code(&mut self, tenant: TenantId, person: PersonId, hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM recovery_code WHERE tenant_id = $1 AND person_id = $2 AND code_hash = $3")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .bind(hash)
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn recovery_codes_left(&mut self, tenant: TenantId, person: PersonId) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM recovery_code WHERE tenant_id = $1 AND person_id = $2")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .fetch_one(self.c())
            .await?;
        int(&row, "n")
    }

    pub async fn insert_login_pending(&mut self, token_hash: &str, p: &PendingLogin, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_pending (token_hash, tenant_id, person_id, created_at, expires_at, tries, first_step, \
             must_enrol) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token_hash)
        .bind(p.tenant_id.to_string())
        .bind(p.person_id.to_string())
        .bind(at)
        .bind(p.expires_at)
        .bind(p.tries)
        .bind(&p.first_step)
        .bind(i64::from(p.must_enrol))
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Instance-level: a login waiting for its second step, by its cookie's hash, counting one
    /// more try.
    pub async fn try_login_pending(&mut self, token_hash: &str) -> Result<Option<PendingLogin>> {
        sqlx::query("UPDATE login_pending SET tries = tries + 1 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.c())
            .await?;
        self.login_pending(token_hash).await
    }

    /// Instance-level: a login waiting for its second step, by its cookie's hash, without
    /// counting a try (to show which step it waits for).
    pub async fn login_pending(&mut self, token_hash: &str) -> Result<Option<PendingLogin>> {
        let row = sqlx::query(
            "SELECT tenant_id, person_id, expires_at, tries, first_step, must_enrol FROM login_pending \
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.c())
        .await?;
        row.map(|r| {
            Ok(PendingLogin {
                tenant_id: id(&r, "tenant_id")?,
                person_id: id(&r, "person_id")?,
                expires_at: int(&r, "expires_at")?,
                tries: int(&r, "tries")?,
                first_step: opt_text(&r, "first_step")?,
                must_enrol: int(&r, "must_enrol")? != 0,
            })
        })
        .transpose()
    }

    /// Instance-level: ends a waiting login by its cookie's hash.
    pub async fn delete_login_pending(&mut self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_pending WHERE token_hash = $1").bind(token_hash).execute(self.c()).await?;
        Ok(())
    }

    /// Instance-level housekeeping: forgets waiting logins that expired before `before`.
    pub async fn delete_expired_login_pending(&mut self, before: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM login_pending WHERE expires_at < $1").bind(before).execute(self.c()).await?;
        Ok(done.rows_affected())
    }
}
