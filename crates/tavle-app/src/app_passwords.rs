//! App passwords: what WebDAV and the Nextcloud/ownCloud sync clients log in with. A person
//! creates one per device in the web app (or a client obtains one through Login Flow v2),
//! sees when each was last used, and revokes any of them without touching the others or
//! their own password. Only a hash of the secret is kept.

use serde_json::json;
use tavle_core::dav::AppPassword;
use tavle_core::names;

use std::sync::OnceLock;

use tavle_core::Timestamp;

use crate::audit::{event, RequestMeta};
use crate::auth::Sessions;
use crate::cache::Entry;
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::secrets::{new_secret, secret_hash};

/// A new app password; the secret is shown once and never again.
#[derive(Clone, Debug)]
pub struct NewAppPassword {
    pub password: AppPassword,
    pub secret: String,
}

impl Sessions {
    /// Creates an app password named for the device it is for.
    pub async fn create_app_password(&self, s: &Session, name: &str, meta: &RequestMeta) -> AppResult<NewAppPassword> {
        let a = &s.actor;
        let name = names::display_text("name", name, 100)?;
        let secret = new_secret();
        let now = self.clock.now();
        let row = AppPassword {
            id: uuid::Uuid::now_v7(),
            tenant_id: a.tenant_id,
            person_id: a.person_id,
            name,
            created_at: now.millis(),
            last_used_at: None,
        };
        let mut tx = self.store.write().await?;
        tx.insert_app_password(&row, &secret_hash(&secret)).await?;
        tx.append_audit(&event(a, now, "app_password.create", row.id, meta, json!({ "name": row.name }))).await?;
        tx.commit().await?;
        Ok(NewAppPassword { password: row, secret })
    }

    /// The caller's app passwords.
    pub async fn app_passwords(&self, s: &Session) -> AppResult<Vec<AppPassword>> {
        Ok(self.store.read().await?.app_passwords(s.actor.tenant_id, s.actor.person_id).await?)
    }

    /// Revokes one of the caller's app passwords.
    pub async fn revoke_app_password(&self, s: &Session, id: uuid::Uuid, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        if !tx.delete_app_password(a.tenant_id, a.person_id, id).await? {
            return Err(AppError::NotFound("app password"));
        }
        tx.append_audit(&event(a, self.clock.now(), "app_password.revoke", id, meta, json!({}))).await?;
        // Through the cache sync: on this node the password stops working before this answers.
        self.commit(tx).await?;
        Ok(())
    }

    /// Authenticates a WebDAV or sync-client request: the username with one of that person's
    /// app passwords, or, where the operator allows it (the demo), with their password.
    ///
    /// A checked app password is cached like a session (under `app:` and its hash): the
    /// next request with it reads nothing from the database. Revoking it, and any change to
    /// the person's organisation (disabled, moved), drops it on every node, through the same
    /// triggers and polling as sessions (migration 0009).
    pub async fn authenticate_basic(&self, username: &str, secret: &str, meta: &RequestMeta) -> AppResult<Session> {
        let now = self.clock.now();
        let username = names::username(username).unwrap_or_default();
        let hash = secret_hash(secret);
        let key = format!("app:{hash}");
        if let Some(e) = self.cache.get(&key) {
            if let Some((name, id)) = e.app_password.as_ref().filter(|(name, _)| *name == username) {
                if now.millis() - e.last_seen_at.millis() > 60_000 {
                    self.note_app_password_use(e.session.actor.tenant_id, *id, now).await?;
                    self.cache.put(Entry {
                        session: e.session.clone(),
                        created_at: e.created_at,
                        last_seen_at: now,
                        epoch: e.epoch,
                        me: OnceLock::new(),
                        app_password: Some((name.clone(), *id)),
                    });
                }
                return Ok(e.session.clone());
            }
        }
        // Read before anything it could cache, so a change committed meanwhile is not hidden.
        let generation = self.cache.generation();
        let mut conn = self.store.read().await?;
        let found = conn.app_password_by_hash(&hash).await?;
        let login = conn.login_by_username(&username).await?;
        let (login, app_password) = match (login, found) {
            (Some(l), Some(p)) if p.person_id == l.person_id => (crate::auth::CheckedLogin::from(l), Some(p)),
            _ if self.cfg.dav_accepts_login_password => {
                drop(conn);
                conn = self.store.read().await?;
                let checked = self.check_password(&username, secret, "dav.login", meta).await?;
                // A password alone is not enough for someone with a second factor.
                if conn.totp_of(checked.tenant_id, checked.person_id).await?.is_some_and(|t| t.confirmed_at.is_some()) {
                    return Err(AppError::SecondFactorRequired);
                }
                (checked, None)
            }
            _ => {
                drop(conn);
                // Counted like a failed login, so guessing is throttled the same way.
                return Err(self
                    .check_password(&username, "\u{0}", "dav.login", meta)
                    .await
                    .err()
                    .unwrap_or(AppError::BadCredentials));
            }
        };
        if !login.status.can_log_in() {
            return Err(AppError::AccountDisabled);
        }
        let actor = conn.actor(login.tenant_id, login.person_id, login.status).await?;
        drop(conn);
        let Some(p) = app_password else {
            // The login password (demo only): checked every time, never cached.
            return Ok(Session::new(actor, format!("password:{username}"), String::new()));
        };
        let session = Session::new(actor, key, String::new());
        let mut last_seen_at = Timestamp(p.last_used_at.unwrap_or(0));
        if now.millis() - last_seen_at.millis() > 60_000 {
            self.note_app_password_use(p.tenant_id, p.id, now).await?;
            last_seen_at = now;
        }
        if let Some(epoch) = generation.and_then(|g| self.cache.epoch_since(session.actor.tenant_id, g)) {
            self.cache.put(Entry {
                session: session.clone(),
                created_at: Timestamp(p.created_at),
                last_seen_at,
                epoch,
                me: OnceLock::new(),
                app_password: Some((username, p.id)),
            });
        }
        Ok(session)
    }

    /// Records when an app password was last used (to the minute, shown on the account page).
    async fn note_app_password_use(
        &self,
        tenant: tavle_core::TenantId,
        id: uuid::Uuid,
        now: Timestamp,
    ) -> AppResult<()> {
        let mut tx = self.store.write().await?;
        tx.touch_app_password(tenant, id, now.millis()).await?;
        tx.commit().await?;
        Ok(())
    }
}
