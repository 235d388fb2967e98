//! The login's steps: after a right first step (a password, or a login service's word) either
//! a session, or a waiting login that a second factor finishes, or, where the rule covers a
//! person who has none, a waiting login in which they set one up.

use serde_json::{json, Value};
use tavle_core::org::PersonStatus;
use tavle_core::policy::{self, Actor};
use tavle_core::{PersonId, TenantId};
use tavle_store::login_providers::SessionLogin;
use tavle_store::second_factors::PendingLogin;

use super::{hex_decode, recovery_hash, totp, TotpEnrolment, PENDING_MS, PENDING_TRIES};
use crate::audit::{anonymous, RequestMeta};
use crate::auth::{token_hash, CheckedLogin, LoginOutcome, PasswordLogin, SecondStep, Sessions};
use crate::error::{AppError, AppResult};

/// How a login's first step was made.
pub(crate) enum FirstStep {
    /// A right password.
    Password(CheckedLogin),
    /// A login service vouched for the person.
    Federated(FederatedFirstStep),
}

/// What a login service said, kept (as JSON in the waiting login) until the session is made.
pub(crate) struct FederatedFirstStep {
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    pub status: PersonStatus,
    pub login: SessionLogin,
    /// The audit record's detail.
    pub detail: Value,
    /// The provider asserted a second factor (`amr`, `acr`, NSIS level or Unilogin's `loa`).
    pub second_factor: bool,
}

impl FederatedFirstStep {
    fn to_json(&self) -> String {
        let l = &self.login;
        json!({
            "auth_method": l.auth_method, "provider_id": l.provider_id.map(|p| p.to_string()),
            "idp_subject": l.idp_subject, "idp_sid": l.idp_sid, "id_token": l.id_token, "assurance": l.assurance,
            "detail": self.detail,
        })
        .to_string()
    }

    fn from_json(p: &PendingLogin, status: PersonStatus, raw: &str) -> AppResult<Self> {
        let v: Value = serde_json::from_str(raw).map_err(|e| AppError::Internal(format!("a waiting login: {e}")))?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let login = SessionLogin {
            auth_method: text("auth_method").unwrap_or_else(|| "oidc".into()),
            provider_id: text("provider_id").and_then(|p| p.parse().ok()),
            idp_subject: text("idp_subject"),
            idp_sid: text("idp_sid"),
            id_token: text("id_token"),
            assurance: text("assurance"),
        };
        Ok(FederatedFirstStep {
            tenant_id: p.tenant_id,
            person_id: p.person_id,
            status,
            login,
            detail: v.get("detail").cloned().unwrap_or(Value::Null),
            second_factor: false,
        })
    }
}

impl FirstStep {
    fn who(&self) -> (TenantId, PersonId, PersonStatus) {
        match self {
            FirstStep::Password(r) => (r.tenant_id, r.person_id, r.status),
            FirstStep::Federated(f) => (f.tenant_id, f.person_id, f.status),
        }
    }
}

/// How long a node keeps a municipality's rule (real time: freshness, not a domain rule): a
/// rule set on this node is seen at once, one set on another node within this.
const RULE_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// The waiting login a cookie names, if it still waits (not counting a try).
fn live(p: Option<PendingLogin>, now: i64) -> Option<PendingLogin> {
    p.filter(|p| p.expires_at > now && p.tries <= PENDING_TRIES)
}

impl Sessions {
    /// What a person can answer a second step with: `totp` and `recovery_code` with a
    /// confirmed authenticator app, `passkey` with a passkey.
    async fn methods_of(&self, tenant: TenantId, person: PersonId) -> AppResult<Vec<&'static str>> {
        let mut conn = self.store.read().await?;
        let mut methods = Vec::new();
        if conn.totp_of(tenant, person).await?.is_some_and(|t| t.confirmed_at.is_some()) {
            methods.extend(["totp", "recovery_code"]);
        }
        if !conn.passkeys_of(tenant, person).await?.is_empty() {
            methods.push("passkey");
        }
        Ok(methods)
    }

    /// Whether the municipality's rule requires a second factor of the person (no query when
    /// the municipality has no rule and this node read it in the last seconds, as at 08:00).
    pub(crate) async fn rule_requires(
        &self,
        tenant: TenantId,
        person: PersonId,
        status: PersonStatus,
    ) -> AppResult<bool> {
        let kept = self.rules.lock().ok().and_then(|m| m.get(&tenant).cloned());
        let rule = match kept.filter(|(at, _)| at.elapsed() < RULE_KEPT_FOR) {
            Some((_, rule)) => rule,
            None => {
                let rule = std::sync::Arc::new(self.store.read().await?.second_factor_rule(tenant).await?);
                if let Ok(mut m) = self.rules.lock() {
                    m.insert(tenant, (std::time::Instant::now(), rule.clone()));
                }
                rule
            }
        };
        if rule.is_empty() {
            return Ok(false);
        }
        let actor = self.store.read().await?.actor(tenant, person, status).await?;
        Ok(policy::second_factor_required(&actor, &rule))
    }

    /// Housekeeping: forgets waiting logins and WebAuthn ceremonies that expired.
    pub(crate) async fn expire_second_steps(&self, tx: &mut tavle_store::Tx, now: i64) -> AppResult<()> {
        tx.delete_expired_login_pending(now).await?;
        tx.delete_expired_ceremonies(now).await?;
        Ok(())
    }

    /// Forgets the rules kept on this node (after one was set).
    pub(crate) fn forget_rules(&self) {
        if let Ok(mut m) = self.rules.lock() {
            m.clear();
        }
    }

    /// After a right password: the session, or a login waiting for its second step.
    pub(crate) async fn after_password(&self, record: CheckedLogin, meta: &RequestMeta) -> AppResult<PasswordLogin> {
        self.after_first_step(FirstStep::Password(record), meta).await
    }

    /// After a right first step: the session, or a login waiting for its second step. A
    /// password is followed by the person's second factor whenever they have one; a login
    /// service's word only when the rule covers the person and the service did not assert a
    /// second factor. Whom the rule covers and who has no factor yet must set one up first.
    pub(crate) async fn after_first_step(&self, first: FirstStep, meta: &RequestMeta) -> AppResult<PasswordLogin> {
        let (tenant, person, status) = first.who();
        let step = match &first {
            FirstStep::Federated(f) if f.second_factor => None,
            FirstStep::Federated(_) => match self.rule_requires(tenant, person, status).await? {
                true => Some(self.methods_of(tenant, person).await?),
                false => None,
            },
            FirstStep::Password(_) => {
                let methods = self.methods_of(tenant, person).await?;
                if !methods.is_empty() || self.rule_requires(tenant, person, status).await? {
                    Some(methods)
                } else {
                    None
                }
            }
        };
        let Some(methods) = step else {
            return Ok(PasswordLogin::Session(self.finish_first(first, None, meta).await?));
        };
        let must_enrol = methods.is_empty();
        let token = crate::secrets::new_secret();
        let now = self.clock.now();
        let first_step = match &first {
            FirstStep::Federated(f) => Some(f.to_json()),
            FirstStep::Password(_) => None,
        };
        let pending = PendingLogin {
            tenant_id: tenant,
            person_id: person,
            expires_at: now.millis() + PENDING_MS,
            tries: 0,
            first_step,
            must_enrol,
        };
        let outcome = if must_enrol { "second_factor_enrolment" } else { "second_factor" };
        let mut ev = anonymous(Some(tenant), now, "session.login", outcome, &person.to_string(), meta);
        ev.actor_id = Some(person);
        let mut tx = self.store.write().await?;
        tx.insert_login_pending(&token_hash(&token), &pending, now.millis()).await?;
        tx.append_audit(&ev).await?;
        tx.commit().await?;
        Ok(PasswordLogin::SecondStep(SecondStep { token, methods, must_enrol }))
    }

    /// Makes the session of a login whose every step succeeded (`second`: the second step's
    /// method, if there was one).
    async fn finish_first(
        &self,
        first: FirstStep,
        second: Option<&str>,
        meta: &RequestMeta,
    ) -> AppResult<LoginOutcome> {
        match first {
            FirstStep::Password(record) => {
                self.finish_password_login(&record, second.unwrap_or("password"), meta).await
            }
            FirstStep::Federated(mut f) => {
                if let Some(method) = second {
                    let mut assurance: Value =
                        f.login.assurance.as_deref().and_then(|a| serde_json::from_str(a).ok()).unwrap_or(json!({}));
                    assurance["second_factor"] = json!(method);
                    f.login.assurance = Some(assurance.to_string());
                    f.detail["second_factor"] = json!(method);
                }
                self.open_federated(f.tenant_id, f.person_id, f.status, &f.login, f.detail, meta).await
            }
        }
    }

    /// The first step a waiting login kept, checked again (the person may have been disabled
    /// in the meantime).
    async fn first_of(&self, p: &PendingLogin, meta: &RequestMeta) -> AppResult<FirstStep> {
        match &p.first_step {
            None => Ok(FirstStep::Password(self.checked_login_of(p.tenant_id, p.person_id, meta).await?)),
            Some(raw) => {
                let person = self.store.read().await?.person(p.tenant_id, p.person_id).await?;
                let person = person.ok_or(AppError::Unauthenticated)?;
                if !person.status.can_log_in() {
                    return Err(AppError::AccountDisabled);
                }
                Ok(FirstStep::Federated(FederatedFirstStep::from_json(p, person.status, raw)?))
            }
        }
    }

    /// The waiting login a cookie names, for showing its second step (no try is counted).
    pub(crate) async fn waiting(&self, pending_token: &str) -> AppResult<PendingLogin> {
        let now = self.clock.now().millis();
        let p = self.store.read().await?.login_pending(&token_hash(pending_token)).await?;
        live(p, now).ok_or(AppError::Unauthenticated)
    }

    /// What a waiting login's second step can be answered with, and whether the person must
    /// set up a factor first.
    pub async fn second_step_status(&self, pending_token: &str) -> AppResult<SecondStep> {
        let p = self.waiting(pending_token).await?;
        let methods = self.methods_of(p.tenant_id, p.person_id).await?;
        Ok(SecondStep { token: String::new(), must_enrol: p.must_enrol && methods.is_empty(), methods })
    }

    /// Takes a try of a waiting login: its row, if it still waits.
    pub(crate) async fn take_try(&self, tx: &mut tavle_store::Tx, hash: &str) -> AppResult<Option<PendingLogin>> {
        let now = self.clock.now().millis();
        let p = live(tx.try_login_pending(hash).await?, now);
        if p.is_none() {
            tx.delete_login_pending(hash).await?;
        }
        Ok(p)
    }

    /// Ends a waiting login whose second step succeeded (`method`) and makes its session.
    pub(crate) async fn finish_waiting(
        &self,
        p: &PendingLogin,
        hash: &str,
        method: &str,
        meta: &RequestMeta,
    ) -> AppResult<LoginOutcome> {
        let mut tx = self.store.write().await?;
        tx.delete_login_pending(hash).await?;
        tx.commit().await?;
        let first = self.first_of(p, meta).await?;
        self.finish_first(first, Some(method), meta).await
    }

    /// Audits a failed second step.
    pub(crate) async fn second_step_failed(
        &self,
        tx: &mut tavle_store::Tx,
        p: &PendingLogin,
        method: &str,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let now = self.clock.now();
        let mut ev =
            anonymous(Some(p.tenant_id), now, "session.second_factor", "failed", &p.person_id.to_string(), meta);
        ev.actor_id = Some(p.person_id);
        ev.detail = json!({ "method": method, "user_agent": meta.user_agent }).to_string();
        tx.append_audit(&ev).await?;
        Ok(())
    }

    /// Takes a try of the waiting login a cookie names, in a transaction of its own (a wrong
    /// answer still counts): its row and the cookie's hash; `Unauthenticated` when it no
    /// longer waits.
    pub(crate) async fn try_waiting(&self, pending_token: &str) -> AppResult<(PendingLogin, String)> {
        let hash = token_hash(pending_token);
        let mut tx = self.store.write().await?;
        let p = self.take_try(&mut tx, &hash).await?;
        tx.commit().await?;
        Ok((p.ok_or(AppError::Unauthenticated)?, hash))
    }

    /// The second step of a login: a code from the authenticator app or a recovery code. Five
    /// tries per waiting login; each failure is audited.
    pub async fn second_step(&self, pending_token: &str, code: &str, meta: &RequestMeta) -> AppResult<LoginOutcome> {
        let now = self.clock.now();
        let hash = token_hash(pending_token);
        let mut tx = self.store.write().await?;
        let Some(p) = self.take_try(&mut tx, &hash).await? else {
            tx.commit().await?;
            return Err(AppError::Unauthenticated);
        };
        let totp = tx.totp_of(p.tenant_id, p.person_id).await?.filter(|t| t.confirmed_at.is_some());
        let by_totp = totp
            .as_ref()
            .and_then(|t| totp::check(&hex_decode(&t.secret), code, now.millis().div_euclid(1000), t.last_step));
        let ok = match by_totp {
            Some(step) => tx.use_totp_step(p.tenant_id, p.person_id, step, now.millis()).await?,
            None => tx.use_recovery_code(p.tenant_id, p.person_id, &recovery_hash(code)).await?,
        };
        let method = if by_totp.is_some() { "totp" } else { "recovery_code" };
        if !ok {
            self.second_step_failed(&mut tx, &p, method, meta).await?;
            tx.commit().await?;
            return Err(AppError::WrongSecondFactor);
        }
        tx.commit().await?;
        self.finish_waiting(&p, &hash, method, meta).await
    }

    /// The person of a waiting login that must set up a factor first, as an actor.
    pub(super) async fn enrolling(&self, p: &PendingLogin) -> AppResult<Actor> {
        if !p.must_enrol {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.store.read().await?;
        let person = conn.person(p.tenant_id, p.person_id).await?.ok_or(AppError::Unauthenticated)?;
        Ok(conn.actor(p.tenant_id, p.person_id, person.status).await?)
    }

    /// In a waiting login that must set up a factor: begins an authenticator app.
    pub async fn waiting_begin_totp(&self, pending_token: &str, meta: &RequestMeta) -> AppResult<TotpEnrolment> {
        let p = self.waiting(pending_token).await?;
        let actor = self.enrolling(&p).await?;
        self.begin_totp_as(&actor, meta).await
    }

    /// In a waiting login that must set up a factor: confirms the authenticator app with its
    /// first code, which finishes the login. Gives the session and the recovery codes.
    pub async fn waiting_confirm_totp(
        &self,
        pending_token: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> AppResult<(LoginOutcome, Vec<String>)> {
        let (p, hash) = self.try_waiting(pending_token).await?;
        let actor = self.enrolling(&p).await?;
        let mut tx = self.store.write().await?;
        let codes = self.confirm_totp_in(&mut tx, &actor, code, meta).await?;
        tx.commit().await?;
        let outcome = self.finish_waiting(&p, &hash, "totp", meta).await?;
        Ok((outcome, codes))
    }
}
