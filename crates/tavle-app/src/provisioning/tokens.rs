//! SCIM tokens: made and revoked by a municipality administrator (audited), shown once, kept
//! only as their SHA-256; each SCIM request finds its municipality by its token.

use serde_json::json;
use tavle_core::policy;
use tavle_core::{names, TenantId};
use tavle_store::scim_tokens::ScimToken;

use super::Provisioning;
use crate::audit::{anonymous, event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// How often a token's `last_used_at` is written at most (ms): SCIM clients send bursts.
const USED_EVERY_MS: i64 = 60_000;

/// A token as its municipality's administrators see it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScimTokenInfo {
    pub id: String,
    pub name: String,
    pub created_at: tavle_core::Timestamp,
    pub last_used_at: Option<tavle_core::Timestamp>,
}

/// A token just made: its secret is shown this once.
#[derive(Clone)]
pub struct NewScimToken {
    pub info: ScimTokenInfo,
    pub token: String,
}

impl std::fmt::Debug for NewScimToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewScimToken").field("info", &self.info).field("token", &"<secret>").finish()
    }
}

/// Who a SCIM request is: a municipality's identity management system, by its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScimCaller {
    pub tenant_id: TenantId,
    pub token_id: String,
    pub token_name: String,
}

fn info(t: &ScimToken) -> ScimTokenInfo {
    ScimTokenInfo {
        id: t.id.clone(),
        name: t.name.clone(),
        created_at: tavle_core::Timestamp(t.created_at),
        last_used_at: t.last_used_at.map(tavle_core::Timestamp),
    }
}

impl Provisioning {
    /// The municipality's SCIM tokens (its administrators).
    pub async fn tokens(&self, s: &Session) -> AppResult<Vec<ScimTokenInfo>> {
        let a = s.actor();
        if !policy::may_manage_login(a) {
            return Err(AppError::Forbidden);
        }
        let tokens = self.store.read().await?.scim_tokens(a.tenant_id).await?;
        Ok(tokens.iter().map(info).collect())
    }

    /// Makes a token named `name` (which system uses it); its secret is shown once.
    pub async fn make_token(&self, s: &Session, name: &str, meta: &RequestMeta) -> AppResult<NewScimToken> {
        let a = s.actor();
        if !policy::may_manage_login(a) {
            return Err(AppError::Forbidden);
        }
        let name = names::display_text("name", name, 100)?;
        let now = self.clock.now();
        let token = crate::secrets::new_secret();
        let t = ScimToken {
            id: uuid::Uuid::now_v7().to_string(),
            tenant_id: a.tenant_id,
            name,
            created_by: a.person_id,
            created_at: now.millis(),
            last_used_at: None,
        };
        let mut tx = self.store.write().await?;
        tx.insert_scim_token(&t, &crate::secrets::secret_hash(&token)).await?;
        let detail = json!({ "token": t.id, "name": t.name });
        tx.append_audit(&event(a, now, "scim.token_made", &t.id, meta, detail)).await?;
        tx.commit().await?;
        Ok(NewScimToken { info: info(&t), token })
    }

    /// Revokes a token: the system that used it is refused from the next request on.
    pub async fn revoke_token(&self, s: &Session, token_id: &str, meta: &RequestMeta) -> AppResult<()> {
        let a = s.actor();
        if !policy::may_manage_login(a) {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if !tx.delete_scim_token(a.tenant_id, token_id).await? {
            return Err(AppError::NotFound("SCIM token"));
        }
        tx.append_audit(&event(a, now, "scim.token_revoked", token_id, meta, json!({}))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller of a SCIM request, by the bearer token it presents; a wrong or revoked
    /// token is refused (and audited, without the token).
    pub async fn caller(&self, bearer: Option<&str>, meta: &RequestMeta) -> AppResult<ScimCaller> {
        let now = self.clock.now();
        let found = match bearer.map(str::trim).filter(|b| !b.is_empty() && b.len() <= 200) {
            Some(b) => self.store.read().await?.scim_token_by_hash(&crate::secrets::secret_hash(b)).await?,
            None => None,
        };
        let Some(t) = found else {
            if bearer.is_some() {
                let mut tx = self.store.write().await?;
                tx.append_audit(&anonymous(None, now, "scim.request", "refused", "bearer", meta)).await?;
                tx.commit().await?;
            }
            return Err(AppError::Unauthenticated);
        };
        if t.last_used_at.is_none_or(|at| now.millis() - at >= USED_EVERY_MS) {
            let mut tx = self.store.write().await?;
            tx.scim_token_used(&t.id, now.millis()).await?;
            tx.commit().await?;
        }
        Ok(ScimCaller { tenant_id: t.tenant_id, token_id: t.id, token_name: t.name })
    }
}
