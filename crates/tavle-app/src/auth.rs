//! Local login, sessions and logout.
//!
//! A session token is 32 random bytes given to the browser in a cookie; the database keeps
//! only its SHA-256, so a leaked database copy logs nobody in. Each session also has a CSRF
//! token that state-changing requests must echo in a header.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use tavle_blob::hex;
use tavle_core::names;
use tavle_core::Timestamp;
use tavle_store::SessionRecord;

use std::sync::OnceLock;

use crate::audit::{anonymous, event, RequestMeta};
use crate::cache::Entry;
pub use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::org::Organisation;
use crate::Base;

/// What a successful login hands back to the client.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    /// The secret for the session cookie.
    pub token: String,
    pub session: Session,
    /// The secret for the device cookie, when this browser had none for this person yet.
    pub device_token: Option<String>,
}

/// What a right password gives: a session, or a login waiting for its second step.
#[derive(Clone, Debug)]
pub enum PasswordLogin {
    Session(LoginOutcome),
    SecondStep(SecondStep),
}

/// A password login that waits for its second step.
#[derive(Clone, Debug)]
pub struct SecondStep {
    /// The secret for the waiting login's cookie.
    pub token: String,
    /// What the person can answer with: `totp`, `recovery_code`, `passkey`.
    pub methods: Vec<&'static str>,
    /// The person has no second factor yet and must set one up to finish (the municipality's
    /// rule requires one of their role).
    pub must_enrol: bool,
}

/// One of a person's sessions, for "log out everywhere".
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub current: bool,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub source: String,
    pub user_agent: String,
}

/// The throttling scope of a known device (by its cookie's hash).
fn device_scope(hash: &str) -> String {
    format!("device:{hash}")
}

/// A login whose password was right, and whether it came from a known device of the person.
#[derive(Clone, Debug)]
pub(crate) struct CheckedLogin {
    pub tenant_id: tavle_core::TenantId,
    pub person_id: tavle_core::PersonId,
    pub username: String,
    pub status: tavle_core::org::PersonStatus,
    pub known_device: bool,
}

impl From<tavle_store::LoginRecord> for CheckedLogin {
    fn from(r: tavle_store::LoginRecord) -> Self {
        CheckedLogin {
            tenant_id: r.tenant_id,
            person_id: r.person_id,
            username: r.username,
            status: r.status,
            known_device: false,
        }
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Logins, sessions, devices, app passwords and Login Flow v2 (`app_passwords.rs`,
/// `login_flow.rs`). Depends on the organisation, for the `/me` a new sync client is shown.
#[derive(Clone)]
pub struct Sessions {
    base: std::sync::Arc<Base>,
    pub(crate) org: Organisation,
    /// Sessions opened without a password check (federated logins) are recorded by group
    /// commit: at 08:00 a thousand logins a second are a few commits, not a thousand.
    opened: std::sync::Arc<crate::batch::Batcher<NewSession>>,
    /// Each municipality's second-factor rule, kept on this node (`second_factor/steps.rs`).
    pub(crate) rules: crate::cache::KeptRules,
}
crate::service!(Sessions);

/// A session to record, with how it was logged in and its audit record's detail.
pub(crate) struct NewSession {
    rec: SessionRecord,
    login: tavle_store::login_providers::SessionLogin,
    detail: String,
    source: String,
}

impl crate::batch::Record for NewSession {
    type Out = ();
    type By = Sessions;
    const WHAT: &'static str = "logins";

    async fn record(&self, _by: &Sessions, tx: &mut tavle_store::Tx) -> AppResult<()> {
        let r = &self.rec;
        tx.insert_session(r).await?;
        tx.set_session_login(r.tenant_id, &r.token_hash, &self.login).await?;
        tx.append_audit(&tavle_store::AuditEvent {
            tenant_id: Some(r.tenant_id),
            at: r.created_at,
            actor_id: Some(r.person_id),
            action: "session.login",
            outcome: "ok",
            subject: Some(r.person_id.to_string()),
            source: Some(&self.source),
            detail: self.detail.clone(),
        })
        .await?;
        Ok(())
    }
}

impl crate::batch::BatcherOf<NewSession> for Sessions {
    fn batcher(&self) -> &std::sync::Arc<crate::batch::Batcher<NewSession>> {
        &self.opened
    }
}

impl Sessions {
    pub(crate) fn new(base: std::sync::Arc<Base>, org: Organisation) -> Self {
        Sessions { base, org, opened: std::sync::Arc::default(), rules: std::sync::Arc::default() }
    }

    fn throttle_scopes(username: &str, source: &str) -> [String; 3] {
        [format!("account:{username}"), format!("account-source:{username}|{source}"), format!("source:{source}")]
    }

    /// Logs in with a username and password: a session, or, for a person with a second
    /// factor, a login that waits for its second step ([`Sessions::second_step`]).
    pub async fn login(&self, username: &str, password: &str, meta: &RequestMeta) -> AppResult<PasswordLogin> {
        let record = self.check_password(username, password, "session.login", meta).await?;
        self.after_password(record, meta).await
    }

    /// Makes the session of a password login whose every step succeeded (`method` names the
    /// last step: `password`, `totp`, `recovery_code` or `passkey`; `passkey_only` is a login
    /// with a passkey alone).
    pub(crate) async fn finish_password_login(
        &self,
        record: &CheckedLogin,
        method: &str,
        meta: &RequestMeta,
    ) -> AppResult<LoginOutcome> {
        let now = self.clock.now();
        let username = record.username.clone();
        let [account, pair, _] = Self::throttle_scopes(&username, &meta.source);
        let token = random_token();
        let rec = SessionRecord {
            token_hash: token_hash(&token),
            tenant_id: record.tenant_id,
            person_id: record.person_id,
            csrf_token: random_token(),
            created_at: now,
            last_seen_at: now,
            source: meta.source.clone(),
            user_agent: meta.user_agent.chars().take(300).collect(),
            person_status: record.status,
        };
        // The browser becomes a known device of this person (or is noted as used again).
        let (device_hash, device_token) = match meta.device.as_deref().filter(|_| record.known_device) {
            Some(known) => (token_hash(known), None),
            None => {
                let fresh = random_token();
                (token_hash(&fresh), Some(fresh))
            }
        };
        let mut tx = self.store.write().await?;
        tx.insert_session(&rec).await?;
        if method != "password" {
            let login = tavle_store::login_providers::SessionLogin {
                auth_method: if method == "passkey_only" { "passkey" } else { "password" }.into(),
                provider_id: None,
                idp_subject: None,
                idp_sid: None,
                id_token: None,
                assurance: Some(serde_json::json!({ "second_factor": method }).to_string()),
            };
            tx.set_session_login(record.tenant_id, &rec.token_hash, &login).await?;
        }
        tx.put_device(record.tenant_id, record.person_id, &device_hash, now).await?;
        // A success at a known device clears that device's count, not the account's: else
        // every login of the pupil would give guessers elsewhere their tries again.
        if !record.known_device {
            tx.clear_login_failures(&account).await?;
        }
        tx.clear_login_failures(&pair).await?;
        tx.clear_login_failures(&device_scope(&device_hash)).await?;
        let mut ev = anonymous(Some(record.tenant_id), now, "session.login", "ok", &username, meta);
        ev.actor_id = Some(record.person_id);
        if method != "password" {
            ev.detail = serde_json::json!({ "user_agent": meta.user_agent, "second_factor": method }).to_string();
        }
        tx.append_audit(&ev).await?;
        tx.commit().await?;
        let mut conn = self.store.read().await?;
        let actor = conn.actor(record.tenant_id, record.person_id, record.status).await?;
        let session = Session::new(actor, rec.token_hash, rec.csrf_token);
        Ok(LoginOutcome { token, session, device_token })
    }

    /// The login of a person waiting for their second step, as its first step checked it.
    pub(crate) async fn checked_login_of(
        &self,
        tenant: tavle_core::TenantId,
        person: tavle_core::PersonId,
        meta: &RequestMeta,
    ) -> AppResult<CheckedLogin> {
        let mut conn = self.store.read().await?;
        let login = conn.login_of(tenant, person).await?.ok_or(AppError::Unauthenticated)?;
        let known_device = match meta.device.as_deref() {
            Some(cookie) => conn.known_device(tenant, person, &token_hash(cookie)).await?,
            None => false,
        };
        if !login.status.can_log_in() {
            return Err(AppError::AccountDisabled);
        }
        Ok(CheckedLogin { known_device, ..CheckedLogin::from(login) })
    }

    /// The caller confirms their own password (before removing a second factor, say):
    /// throttled in their session's own scope.
    pub(crate) async fn confirm_own_password(&self, s: &Session, password: &str, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let login = self.store.read().await?.login_of(a.tenant_id, a.person_id).await?;
        let Some(login) = login.filter(|l| l.password_hash.is_some()) else {
            return Err(AppError::NoLocalPassword);
        };
        let own = format!("session:{}", s.token_hash);
        match self.check_password_in(&login.username, password, "person.password_confirm", meta, Some(own)).await {
            Ok(_) => Ok(()),
            Err(AppError::BadCredentials) => Err(AppError::WrongCurrentPassword),
            Err(e) => Err(e),
        }
    }

    /// Opens a session for a person a login service vouched for (Unilogin, OS2faktor, ...):
    /// the same session as a password login, keeping what the login said (`login`), audited
    /// as `session.login` with `detail`. No device cookie: it exists for password throttling.
    pub(crate) async fn open_federated(
        &self,
        tenant: tavle_core::TenantId,
        person: tavle_core::PersonId,
        status: tavle_core::org::PersonStatus,
        login: &tavle_store::login_providers::SessionLogin,
        detail: serde_json::Value,
        meta: &RequestMeta,
    ) -> AppResult<LoginOutcome> {
        let now = self.clock.now();
        let token = random_token();
        let rec = SessionRecord {
            token_hash: token_hash(&token),
            tenant_id: tenant,
            person_id: person,
            csrf_token: random_token(),
            created_at: now,
            last_seen_at: now,
            source: meta.source.clone(),
            user_agent: meta.user_agent.chars().take(300).collect(),
            person_status: status,
        };
        let job = NewSession {
            rec: rec.clone(),
            login: login.clone(),
            detail: detail.to_string(),
            source: meta.source.clone(),
        };
        // Taken before the session exists (as `authenticate` reads it before anything it could
        // cache), so a revocation from then on keeps the new session out of the cache.
        let generation = self.cache.generation();
        crate::batch::Batcher::submit(self, job).await?;
        // Kept in the cache: the browser's first request after the login needs no query.
        let mut conn = self.store.read().await?;
        let actor = conn.actor(tenant, person, status).await?;
        drop(conn);
        let session = Session::new(actor, rec.token_hash.clone(), rec.csrf_token);
        if let Some(epoch) = generation.and_then(|g| self.cache.epoch_since(tenant, g)) {
            self.cache.put(Entry {
                session: session.clone(),
                created_at: now,
                last_seen_at: now,
                epoch,
                me: OnceLock::new(),
                app_password: None,
            });
        }
        Ok(LoginOutcome { token, session, device_token: None })
    }

    /// Checks a username and password, with throttling, failure counting and the audit
    /// record of a failure (under `action`); returns the login on success.
    pub(crate) async fn check_password(
        &self,
        username: &str,
        password: &str,
        action: &str,
        meta: &RequestMeta,
    ) -> AppResult<CheckedLogin> {
        self.check_password_in(username, password, action, meta, None).await
    }

    /// `check_password`, throttled in `own_scope` alone when it is given (a logged-in person
    /// who confirms their password: their session is what a guesser would have to hold).
    async fn check_password_in(
        &self,
        username: &str,
        password: &str,
        action: &str,
        meta: &RequestMeta,
        own_scope: Option<String>,
    ) -> AppResult<CheckedLogin> {
        let now = self.clock.now();
        // A malformed username cannot exist; it is answered like a wrong password.
        let username = names::username(username).unwrap_or_else(|_| "-invalid-".to_string());
        let [account, pair, source] = Self::throttle_scopes(&username, &meta.source);
        let t = &self.cfg.throttle;
        let since = now.minus_secs(t.window_secs);
        let mut conn = self.store.read().await?;
        let record = conn.login_by_username(&username).await?;
        // A browser this person logged in from before is throttled on its own: guesses from
        // elsewhere (one address behind the school's NAT, many addresses against one pupil)
        // throttle the guessers, never the pupil at their own browser.
        let device = match (own_scope, meta.device.as_deref(), &record) {
            (Some(scope), _, _) => Some(scope),
            (None, Some(cookie), Some(r))
                if conn.known_device(r.tenant_id, r.person_id, &token_hash(cookie)).await? =>
            {
                Some(device_scope(&token_hash(cookie)))
            }
            _ => None,
        };
        let throttled = match &device {
            Some(scope) => conn.login_failures_since(scope, since).await? >= t.per_account_and_source,
            None => {
                conn.login_failures_since(&pair, since).await? >= t.per_account_and_source
                    || conn.login_failures_since(&account, since).await? >= t.per_account
                    || conn.login_failures_since(&source, since).await? >= t.per_source
            }
        };
        drop(conn);
        let tenant = record.as_ref().map(|r| r.tenant_id);
        if throttled {
            let mut tx = self.store.write().await?;
            tx.append_audit(&anonymous(tenant, now, action, "throttled", &username, meta)).await?;
            tx.commit().await?;
            return Err(AppError::Throttled { retry_after_secs: 60 });
        }
        let stored = record.as_ref().and_then(|r| r.password_hash.clone());
        let ok = self.passwords.verify(password.to_string(), stored).await?;
        let record = match record {
            Some(r) if ok => r,
            _ => {
                let mut tx = self.store.write().await?;
                match &device {
                    Some(scope) => tx.record_login_failure(&[scope], now).await?,
                    None => tx.record_login_failure(&[&account, &pair, &source], now).await?,
                }
                tx.append_audit(&anonymous(tenant, now, action, "failed", &username, meta)).await?;
                tx.commit().await?;
                return Err(AppError::BadCredentials);
            }
        };
        if !record.status.can_log_in() {
            let mut tx = self.store.write().await?;
            tx.append_audit(&anonymous(tenant, now, action, "disabled", &username, meta)).await?;
            tx.commit().await?;
            return Err(AppError::AccountDisabled);
        }
        Ok(CheckedLogin { known_device: device.is_some(), ..CheckedLogin::from(record) })
    }

    /// Finds the session for a cookie token, ending it if it has expired or its person may no
    /// longer log in.
    pub async fn authenticate(&self, token: &str) -> AppResult<Session> {
        let now = self.clock.now();
        let hash = token_hash(token);
        if let Some(e) = self.cache.get(&hash) {
            let idle = now.millis() - e.last_seen_at.millis();
            let fresh = idle <= self.cfg.session_idle_secs * 1000
                && now.millis() - e.created_at.millis() <= self.cfg.session_absolute_secs * 1000;
            if fresh && idle <= 60_000 {
                return Ok(e.session.clone());
            }
            if fresh {
                // Seen again after a minute: note it for the next batched write.
                self.cache.touch(&hash, now);
                let session = e.session.clone();
                self.cache.put(Entry {
                    session: session.clone(),
                    created_at: e.created_at,
                    last_seen_at: now,
                    epoch: e.epoch,
                    me: e.me.get().cloned().map(OnceLock::from).unwrap_or_default(),
                    app_password: None,
                });
                return Ok(session);
            }
            // Expired: the database decides, as without the cache.
            self.cache.remove(&hash);
        }
        // Read before anything it could cache, so a change committed meanwhile is not hidden.
        let generation = self.cache.generation();
        let mut conn = self.store.read().await?;
        let Some(rec) = conn.session_by_hash(&hash).await? else {
            return Err(AppError::Unauthenticated);
        };
        // A touch not yet written counts: the session was used then.
        let seen = self.cache.pending_touch(&hash).map_or(rec.last_seen_at, |t| t.max(rec.last_seen_at));
        let idle_expired = now.millis() - seen.millis() > self.cfg.session_idle_secs * 1000;
        let absolute_expired = now.millis() - rec.created_at.millis() > self.cfg.session_absolute_secs * 1000;
        if idle_expired || absolute_expired || !rec.person_status.can_log_in() {
            drop(conn);
            let mut tx = self.store.write().await?;
            tx.delete_session(&hash).await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated);
        }
        let actor = conn.actor(rec.tenant_id, rec.person_id, rec.person_status).await?;
        drop(conn);
        // Recording when the session was last used, to the minute, in batches
        // (`flush_touches`): a lost batch only makes an idle timeout of hours a minute early.
        let mut last_seen_at = seen;
        if now.millis() - seen.millis() > 60_000 {
            self.cache.touch(&hash, now);
            last_seen_at = now;
        }
        let session = Session::new(actor, hash, rec.csrf_token);
        if let Some(epoch) = generation.and_then(|g| self.cache.epoch_since(session.actor.tenant_id, g)) {
            self.cache.put(Entry {
                session: session.clone(),
                created_at: rec.created_at,
                last_seen_at,
                epoch,
                me: OnceLock::new(),
                app_password: None,
            });
        }
        Ok(session)
    }

    /// Ends the current session.
    pub async fn logout(&self, session: &Session, meta: &RequestMeta) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.delete_session(&session.token_hash).await?;
        tx.append_audit(&event(
            &session.actor,
            now,
            "session.logout",
            session.actor.person_id,
            meta,
            serde_json::json!({}),
        ))
        .await?;
        self.commit(tx).await?;
        self.cache.remove(&session.token_hash);
        Ok(())
    }

    /// A person changes their own password: the current one must be right (throttled and
    /// audited like a login), the new one at least 8 characters. Every other session of theirs
    /// ends, so a device that knew the old password is logged out.
    pub async fn change_own_password(
        &self,
        session: &Session,
        current: &str,
        new: &str,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let a = &session.actor;
        let login = self.store.read().await?.login_of(a.tenant_id, a.person_id).await?;
        let Some(login) = login.filter(|l| l.password_hash.is_some()) else {
            return Err(AppError::NoLocalPassword);
        };
        if new.chars().count() < 8 {
            return Err(tavle_core::InvalidInput::new(
                "new_password",
                tavle_core::Reason::TooShort,
                "The new password must have at least 8 characters.",
            )
            .into());
        }
        if new.len() > 1024 {
            return Err(tavle_core::InvalidInput::new(
                "new_password",
                tavle_core::Reason::TooLong,
                "The new password is longer than 1024 bytes.",
            )
            .into());
        }
        let own = format!("session:{}", session.token_hash);
        match self.check_password_in(&login.username, current, "person.password", meta, Some(own)).await {
            Ok(_) => {}
            Err(AppError::BadCredentials) => return Err(AppError::WrongCurrentPassword),
            Err(e) => return Err(e),
        }
        let hash = self.passwords.hash(new.to_string()).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_password_hash(a.tenant_id, a.person_id, &hash).await?;
        let ended = tx.delete_other_sessions(a.tenant_id, a.person_id, &session.token_hash).await?;
        let detail = serde_json::json!({ "sessions_ended": ended });
        tx.append_audit(&event(a, now, "person.password", a.person_id, meta, detail)).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Ends every session of the current person, this one included.
    pub async fn logout_everywhere(&self, session: &Session, meta: &RequestMeta) -> AppResult<u64> {
        let now = self.clock.now();
        let a = &session.actor;
        let mut tx = self.store.write().await?;
        let n = tx.delete_sessions_of(a.tenant_id, a.person_id).await?;
        tx.append_audit(&event(a, now, "session.logout_all", a.person_id, meta, serde_json::json!({ "sessions": n })))
            .await?;
        self.commit(tx).await?;
        Ok(n)
    }

    /// The current person's sessions.
    pub async fn sessions(&self, session: &Session) -> AppResult<Vec<SessionInfo>> {
        let a = &session.actor;
        let mut conn = self.store.read().await?;
        Ok(conn
            .sessions_of(a.tenant_id, a.person_id)
            .await?
            .into_iter()
            .map(|s| SessionInfo {
                current: s.token_hash == session.token_hash,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                source: s.source,
                user_agent: s.user_agent,
            })
            .collect())
    }

    /// Writes when sessions were last used, for all noted since the last flush, in one
    /// transaction; run every `cache_sync_ms` by the server and when it stops.
    pub async fn flush_touches(&self) -> AppResult<()> {
        let hashes = self.cache.take_touches();
        if hashes.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.write().await?;
        tx.touch_sessions(&hashes, self.clock.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes expired sessions, old login failures and change records, and ended Login
    /// Flows; run periodically by the server (`App::housekeeping`).
    pub(crate) async fn expire(&self) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.delete_expired_sessions(
            now.minus_secs(self.cfg.session_idle_secs),
            now.minus_secs(self.cfg.session_absolute_secs),
        )
        .await?;
        tx.prune_login_failures(now.minus_secs(self.cfg.throttle.window_secs)).await?;
        tx.prune_changes(self.store.backend()).await?;
        tx.delete_expired_login_flows(now.millis()).await?;
        tx.prune_logout_tokens(now.millis()).await?;
        self.expire_second_steps(&mut tx, now.millis()).await?;
        tx.commit().await?;
        Ok(())
    }
}
