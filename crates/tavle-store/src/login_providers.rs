//! A municipality's OpenID Connect providers, their published keys, used back-channel logout
//! tokens and what a federated session keeps of its login (migration 0026).

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::org::PersonStatus;
use tavle_core::{LoginProviderId, PersonId, TenantId};

use crate::row::{id, int, opt_int, opt_text, parse, text};
use crate::{Db, Result};

/// A provider as stored. `discovery` is the provider's metadata as read (JSON), `None` until
/// an admin checked it; `client_secret_file` is a path only the operator may set.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginProvider {
    pub id: LoginProviderId,
    pub tenant_id: TenantId,
    pub slug: String,
    pub display_name: String,
    pub preset: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<String>,
    /// Space-separated, as OAuth writes them.
    pub scopes: String,
    /// The claim that names the person, and the namespace (`external_identity.issuer`) its
    /// value is looked up in.
    pub claim: String,
    pub namespace: String,
    pub enabled: bool,
    pub position: i64,
    pub discovery: Option<String>,
    pub discovery_at: Option<i64>,
    pub created_at: i64,
}

impl std::fmt::Debug for LoginProvider {
    // The client secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginProvider")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("slug", &self.slug)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .field("client_secret_file", &self.client_secret_file)
            .finish_non_exhaustive()
    }
}

/// A provider's published keys (a JWKS, JSON) and when they were fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderKeys {
    pub jwks: String,
    pub fetched_at: i64,
}

/// What a federated session keeps of its login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionLogin {
    /// `oidc` (or `passkey`, later); sessions without a row of this are `password`.
    pub auth_method: String,
    pub provider_id: Option<LoginProviderId>,
    pub idp_subject: Option<String>,
    pub idp_sid: Option<String>,
    pub id_token: Option<String>,
    /// JSON: `acr`, `amr`, `loa` as the provider asserted them.
    pub assurance: Option<String>,
}

const COLUMNS: &str = "id, tenant_id, slug, display_name, preset, issuer, client_id, client_secret, \
     client_secret_file, scopes, claim, namespace, enabled, position, discovery, discovery_at, created_at";

fn provider_row(r: &sqlx::any::AnyRow) -> Result<LoginProvider> {
    Ok(LoginProvider {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        slug: text(r, "slug")?,
        display_name: text(r, "display_name")?,
        preset: text(r, "preset")?,
        issuer: text(r, "issuer")?,
        client_id: text(r, "client_id")?,
        client_secret: opt_text(r, "client_secret")?,
        client_secret_file: opt_text(r, "client_secret_file")?,
        scopes: text(r, "scopes")?,
        claim: text(r, "claim")?,
        namespace: text(r, "namespace")?,
        enabled: int(r, "enabled")? != 0,
        position: int(r, "position")?,
        discovery: opt_text(r, "discovery")?,
        discovery_at: opt_int(r, "discovery_at")?,
        created_at: int(r, "created_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// A municipality's providers, in the order the login page shows them.
    pub async fn login_providers(&mut self, tenant: TenantId) -> Result<Vec<LoginProvider>> {
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM login_provider WHERE tenant_id = $1 ORDER BY position, slug"))
                .bind(tenant.to_string())
                .fetch_all(self.c())
                .await?;
        rows.iter().map(provider_row).collect()
    }

    pub async fn login_provider(
        &mut self,
        tenant: TenantId,
        provider: LoginProviderId,
    ) -> Result<Option<LoginProvider>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM login_provider WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(provider.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(provider_row).transpose()
    }

    /// A provider by its slug, with its stored keys (one query: a login reads both).
    pub async fn login_provider_by_slug(
        &mut self,
        tenant: TenantId,
        slug: &str,
    ) -> Result<Option<(LoginProvider, Option<ProviderKeys>)>> {
        let row = sqlx::query(
            "SELECT p.id, p.tenant_id, p.slug, p.display_name, p.preset, p.issuer, p.client_id, p.client_secret, \
             p.client_secret_file, p.scopes, p.claim, p.namespace, p.enabled, p.position, p.discovery, \
             p.discovery_at, p.created_at, k.jwks, k.fetched_at FROM login_provider p \
             LEFT JOIN login_provider_keys k ON k.provider_id = p.id AND k.tenant_id = p.tenant_id \
             WHERE p.tenant_id = $1 AND p.slug = $2",
        )
        .bind(tenant.to_string())
        .bind(slug)
        .fetch_optional(self.c())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let keys = match opt_text(&r, "jwks")? {
            Some(jwks) => Some(ProviderKeys { jwks, fetched_at: opt_int(&r, "fetched_at")?.unwrap_or(0) }),
            None => None,
        };
        Ok(Some((provider_row(&r)?, keys)))
    }

    pub async fn insert_login_provider(&mut self, p: &LoginProvider) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO login_provider ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17)"
        ))
        .bind(p.id.to_string())
        .bind(p.tenant_id.to_string())
        .bind(&p.slug)
        .bind(&p.display_name)
        .bind(&p.preset)
        .bind(&p.issuer)
        .bind(&p.client_id)
        .bind(&p.client_secret)
        .bind(&p.client_secret_file)
        .bind(&p.scopes)
        .bind(&p.claim)
        .bind(&p.namespace)
        .bind(i64::from(p.enabled))
        .bind(p.position)
        .bind(&p.discovery)
        .bind(p.discovery_at)
        .bind(p.created_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Writes every field of a provider but its id, tenant and creation time.
    pub async fn update_login_provider(&mut self, p: &LoginProvider) -> Result<()> {
        sqlx::query(
            "UPDATE login_provider SET slug = $3, display_name = $4, preset = $5, issuer = $6, client_id = $7, \
             client_secret = $8, client_secret_file = $9, scopes = $10, claim = $11, namespace = $12, enabled = $13, \
             position = $14, discovery = $15, discovery_at = $16 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(p.tenant_id.to_string())
        .bind(p.id.to_string())
        .bind(&p.slug)
        .bind(&p.display_name)
        .bind(&p.preset)
        .bind(&p.issuer)
        .bind(&p.client_id)
        .bind(&p.client_secret)
        .bind(&p.client_secret_file)
        .bind(&p.scopes)
        .bind(&p.claim)
        .bind(&p.namespace)
        .bind(i64::from(p.enabled))
        .bind(p.position)
        .bind(&p.discovery)
        .bind(p.discovery_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Removes a provider with its keys, used logout tokens and the sessions it made.
    /// Returns how many sessions ended.
    pub async fn delete_login_provider(&mut self, tenant: TenantId, provider: LoginProviderId) -> Result<u64> {
        let (t, p) = (tenant.to_string(), provider.to_string());
        let ended = sqlx::query("DELETE FROM session WHERE tenant_id = $1 AND provider_id = $2")
            .bind(&t)
            .bind(&p)
            .execute(self.c())
            .await?
            .rows_affected();
        for sql in [
            "DELETE FROM login_provider_keys WHERE tenant_id = $1 AND provider_id = $2",
            "DELETE FROM logout_token_seen WHERE tenant_id = $1 AND provider_id = $2",
            "DELETE FROM login_provider WHERE tenant_id = $1 AND id = $2",
        ] {
            sqlx::query(sql).bind(&t).bind(&p).execute(self.c()).await?;
        }
        Ok(ended)
    }

    pub async fn put_provider_keys(
        &mut self,
        tenant: TenantId,
        provider: LoginProviderId,
        keys: &ProviderKeys,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_provider_keys (provider_id, tenant_id, jwks, fetched_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (provider_id) DO UPDATE SET jwks = excluded.jwks, fetched_at = excluded.fetched_at \
             WHERE login_provider_keys.tenant_id = excluded.tenant_id",
        )
        .bind(provider.to_string())
        .bind(tenant.to_string())
        .bind(&keys.jwks)
        .bind(keys.fetched_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn provider_keys(&mut self, tenant: TenantId, provider: LoginProviderId) -> Result<Option<ProviderKeys>> {
        let row =
            sqlx::query("SELECT jwks, fetched_at FROM login_provider_keys WHERE tenant_id = $1 AND provider_id = $2")
                .bind(tenant.to_string())
                .bind(provider.to_string())
                .fetch_optional(self.c())
                .await?;
        row.map(|r| Ok(ProviderKeys { jwks: text(&r, "jwks")?, fetched_at: int(&r, "fetched_at")? })).transpose()
    }

    /// Notes a back-channel logout token's `jti` as used; false when it was used before.
    pub async fn note_logout_token(
        &mut self,
        tenant: TenantId,
        provider: LoginProviderId,
        jti: &str,
        expires_at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO logout_token_seen (tenant_id, provider_id, jti, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (provider_id, jti) DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(provider.to_string())
        .bind(jti)
        .bind(expires_at)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Instance-level housekeeping: forgets used logout tokens that expired before `before`.
    pub async fn prune_logout_tokens(&mut self, before: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM logout_token_seen WHERE expires_at < $1").bind(before).execute(self.c()).await?;
        Ok(done.rows_affected())
    }

    /// Records how a just-made session was logged in.
    pub async fn set_session_login(&mut self, tenant: TenantId, token_hash: &str, l: &SessionLogin) -> Result<()> {
        sqlx::query(
            "UPDATE session SET auth_method = $3, provider_id = $4, idp_subject = $5, idp_sid = $6, id_token = $7, \
             assurance = $8 WHERE tenant_id = $1 AND token_hash = $2",
        )
        .bind(tenant.to_string())
        .bind(token_hash)
        .bind(&l.auth_method)
        .bind(l.provider_id.map(|p| p.to_string()))
        .bind(&l.idp_subject)
        .bind(&l.idp_sid)
        .bind(&l.id_token)
        .bind(&l.assurance)
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn session_login(&mut self, tenant: TenantId, token_hash: &str) -> Result<Option<SessionLogin>> {
        let row = sqlx::query(
            "SELECT auth_method, provider_id, idp_subject, idp_sid, id_token, assurance FROM session \
             WHERE tenant_id = $1 AND token_hash = $2",
        )
        .bind(tenant.to_string())
        .bind(token_hash)
        .fetch_optional(self.c())
        .await?;
        row.map(|r| {
            Ok(SessionLogin {
                auth_method: text(&r, "auth_method")?,
                provider_id: crate::row::opt_id(&r, "provider_id")?,
                idp_subject: opt_text(&r, "idp_subject")?,
                idp_sid: opt_text(&r, "idp_sid")?,
                id_token: opt_text(&r, "id_token")?,
                assurance: opt_text(&r, "assurance")?,
            })
        })
        .transpose()
    }

    /// Ends the sessions a provider made for its session `sid`, or for its subject `sub` when
    /// no `sid` is given (a back-channel logout). Returns how many ended.
    pub async fn delete_federated_sessions(
        &mut self,
        tenant: TenantId,
        provider: LoginProviderId,
        sid: Option<&str>,
        sub: Option<&str>,
    ) -> Result<u64> {
        let q = match (sid, sub) {
            (Some(sid), Some(sub)) => sqlx::query(
                "DELETE FROM session WHERE tenant_id = $1 AND provider_id = $2 AND idp_sid = $3 AND idp_subject = $4",
            )
            .bind(tenant.to_string())
            .bind(provider.to_string())
            .bind(sid)
            .bind(sub),
            (Some(sid), None) => {
                sqlx::query("DELETE FROM session WHERE tenant_id = $1 AND provider_id = $2 AND idp_sid = $3")
                    .bind(tenant.to_string())
                    .bind(provider.to_string())
                    .bind(sid)
            }
            (None, Some(sub)) => {
                sqlx::query("DELETE FROM session WHERE tenant_id = $1 AND provider_id = $2 AND idp_subject = $3")
                    .bind(tenant.to_string())
                    .bind(provider.to_string())
                    .bind(sub)
            }
            (None, None) => return Ok(0),
        };
        Ok(q.execute(self.c()).await?.rows_affected())
    }

    /// The person an external identity names in a municipality, with their status.
    pub async fn person_by_identity(
        &mut self,
        tenant: TenantId,
        namespace: &str,
        value: &str,
    ) -> Result<Option<(PersonId, PersonStatus)>> {
        let row = sqlx::query(
            "SELECT p.id, p.status FROM external_identity e JOIN person p ON p.id = e.person_id \
             AND p.tenant_id = e.tenant_id WHERE e.tenant_id = $1 AND e.issuer = $2 AND e.subject = $3",
        )
        .bind(tenant.to_string())
        .bind(namespace)
        .bind(value)
        .fetch_optional(self.c())
        .await?;
        row.map(|r| Ok((id(&r, "id")?, parse("status", &text(&r, "status")?, PersonStatus::parse)?))).transpose()
    }

    /// A person's roles at their schools, with each school's institution number (a federated
    /// login compares them with what the provider asserted).
    pub async fn person_roles_at_schools(
        &mut self,
        tenant: TenantId,
        person: PersonId,
    ) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT ps.role, s.institution_number FROM person_school ps JOIN school s ON s.id = ps.school_id \
             AND s.tenant_id = ps.tenant_id WHERE ps.tenant_id = $1 AND ps.person_id = $2",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(|r| Ok((text(r, "role")?, text(r, "institution_number")?))).collect()
    }

    /// Instance-level: every school of the municipalities that offer a login service, with its
    /// municipality (name, institution number, code, municipality name), for "find your
    /// school" on the login page: public facts.
    pub async fn schools_with_login(&mut self) -> Result<Vec<(String, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT s.name, s.institution_number, t.code, t.name AS tenant_name FROM school s \
             JOIN tenant t ON t.id = s.tenant_id WHERE EXISTS (SELECT 1 FROM login_provider p \
             WHERE p.tenant_id = t.id AND p.enabled = 1 AND p.discovery IS NOT NULL) ORDER BY s.name",
        )
        .fetch_all(self.c())
        .await?;
        rows.iter()
            .map(|r| Ok((text(r, "name")?, text(r, "institution_number")?, text(r, "code")?, text(r, "tenant_name")?)))
            .collect()
    }
}
