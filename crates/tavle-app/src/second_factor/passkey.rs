//! Passkeys (WebAuthn, over `webauthn-rs`): a person adds one from the web app, answers a
//! login's second step with it, or logs in with it alone (a discoverable credential; the user
//! handle is the person's id). Every ceremony's state is stored (`webauthn_ceremony`, 5
//! minutes, used once), so the node that finishes it need not be the one that began it.
//!
//! The relying party is Tavle's public address: its host name is the RP id. An address that
//! is an IP cannot be one (WebAuthn wants a domain); a loopback IP is served as `localhost`,
//! the name browsers treat as secure without TLS.

use base64::Engine as _;
use serde_json::{json, Value};
use tavle_core::policy::{self, Actor};
use tavle_core::{InvalidInput, PersonId, Reason, TenantId};
use tavle_store::passkeys::{Ceremony, PasskeyRecord};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

use crate::audit::{anonymous, event, RequestMeta};
use crate::auth::{token_hash, LoginOutcome, Sessions};
use crate::caller::Session;
use crate::error::{AppError, AppResult, Conflict};

/// How long a ceremony may take (ms): the browser's own timeout is 5 minutes too.
const CEREMONY_MS: i64 = 5 * 60 * 1000;
/// The longest name of a passkey.
const NAME_MAX: usize = 60;
/// At most this many logins with a passkey alone under way on the instance: each begins with
/// a row for anybody who asks, so a flood of beginnings is refused as busy, not stored.
const ANONYMOUS_CEREMONIES: i64 = 20_000;

/// One of a person's passkeys, as they see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyInfo {
    /// The credential's id (base64url): how the person removes it.
    pub id: String,
    pub name: String,
    pub created_at: tavle_core::Timestamp,
    pub last_used_at: Option<tavle_core::Timestamp>,
}

/// A ceremony begun: its id (the browser sends it back) and the options for
/// `navigator.credentials.create()`/`get()` (WebAuthn's JSON, binary fields in base64url).
#[derive(Clone, Debug)]
pub struct PasskeyChallenge {
    pub ceremony: String,
    pub options: Value,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn info(r: &PasskeyRecord) -> PasskeyInfo {
    PasskeyInfo {
        id: r.credential_id.clone(),
        name: r.name.clone(),
        created_at: tavle_core::Timestamp(r.created_at),
        last_used_at: r.last_used_at.map(tavle_core::Timestamp),
    }
}

/// The relying party Tavle is at `base_url`.
pub(crate) fn relying_party(base_url: &str) -> AppResult<Webauthn> {
    let mut origin = Url::parse(base_url).map_err(|_| Conflict::PasskeysUnavailable)?;
    if origin.domain().is_none() {
        let loopback = origin
            .host_str()
            .and_then(|h| h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| ip.is_loopback());
        if !loopback || origin.set_host(Some("localhost")).is_err() {
            return Err(Conflict::PasskeysUnavailable.into());
        }
    }
    let rp_id = origin.domain().ok_or(Conflict::PasskeysUnavailable)?.to_string();
    let builder = WebauthnBuilder::new(&rp_id, &origin).map_err(|_| Conflict::PasskeysUnavailable)?;
    Ok(builder.rp_name("Tavle").build().map_err(|_| Conflict::PasskeysUnavailable)?)
}

fn unreadable() -> AppError {
    InvalidInput::new("credential", Reason::BadFormat, "The browser's answer could not be read. Try again.").into()
}

fn state<T: serde::Serialize>(s: &T) -> AppResult<String> {
    serde_json::to_string(s).map_err(|e| AppError::Internal(format!("a WebAuthn state: {e}")))
}

fn parse_state<T: serde::de::DeserializeOwned>(s: &str) -> AppResult<T> {
    serde_json::from_str(s).map_err(|e| AppError::Internal(format!("a stored WebAuthn state: {e}")))
}

fn parse_passkey(r: &PasskeyRecord) -> AppResult<Passkey> {
    parse_state(&r.passkey)
}

fn passkey_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.chars().any(char::is_control) {
        return Err(
            InvalidInput::new("name", Reason::ControlCharacter, "The name cannot hold control characters.").into()
        );
    }
    if name.chars().count() > NAME_MAX {
        return Err(InvalidInput::new(
            "name",
            Reason::TooLong,
            format!("The name may be at most {NAME_MAX} characters."),
        )
        .into());
    }
    Ok(if name.is_empty() { "Passkey".to_string() } else { name.to_string() })
}

impl Sessions {
    /// Stores a ceremony's state; gives the id the browser sends back.
    async fn keep_ceremony(&self, kind: &str, who: Option<(TenantId, PersonId)>, state: String) -> AppResult<String> {
        let id = crate::secrets::new_secret();
        let c = Ceremony {
            kind: kind.to_string(),
            tenant_id: who.map(|w| w.0),
            person_id: who.map(|w| w.1),
            state,
            expires_at: self.clock.now().millis() + CEREMONY_MS,
        };
        let mut tx = self.store.write().await?;
        tx.insert_ceremony(&token_hash(&id), &c).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes a ceremony of this kind (and person, where one is named); `None` when it is
    /// unknown, finished, expired or someone else's.
    async fn take_ceremony(
        &self,
        id: &str,
        kind: &str,
        who: Option<(TenantId, PersonId)>,
    ) -> AppResult<Option<Ceremony>> {
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let c = tx.take_ceremony(&token_hash(id)).await?;
        tx.commit().await?;
        Ok(c.filter(|c| {
            c.kind == kind
                && c.expires_at > now
                && who.is_none_or(|(t, p)| c.tenant_id == Some(t) && c.person_id == Some(p))
        }))
    }

    /// The caller's passkeys.
    pub async fn passkeys(&self, s: &Session) -> AppResult<Vec<PasskeyInfo>> {
        let a = &s.actor;
        let keys = self.store.read().await?.passkeys_of(a.tenant_id, a.person_id).await?;
        Ok(keys.iter().map(info).collect())
    }

    /// Begins adding a passkey (staff; pupils do not).
    pub async fn begin_passkey(&self, s: &Session, base_url: &str) -> AppResult<PasskeyChallenge> {
        self.begin_passkey_as(&s.actor, base_url).await
    }

    pub(crate) async fn begin_passkey_as(&self, a: &Actor, base_url: &str) -> AppResult<PasskeyChallenge> {
        if !policy::may_use_second_factor(a) {
            return Err(AppError::Forbidden);
        }
        let rp = relying_party(base_url)?;
        let mut conn = self.store.read().await?;
        let existing = conn.passkeys_of(a.tenant_id, a.person_id).await?;
        let login = conn.login_of(a.tenant_id, a.person_id).await?;
        let person = conn.person(a.tenant_id, a.person_id).await?.ok_or(AppError::NotFound("person"))?;
        drop(conn);
        let exclude: Vec<_> =
            existing.iter().filter_map(|r| parse_passkey(r).ok()).map(|p| p.cred_id().clone()).collect();
        let user_name = login.map(|l| l.username).unwrap_or_else(|| a.person_id.to_string());
        let (ccr, reg) = rp
            .start_passkey_registration(a.person_id.0, &user_name, &person.display_name, Some(exclude))
            .map_err(|e| AppError::Internal(format!("a passkey registration: {e}")))?;
        let mut options = serde_json::to_value(&ccr).map_err(|e| AppError::Internal(e.to_string()))?;
        // A passkey Tavle can log in with alone must be discoverable (kept on the authenticator).
        if let Some(sel) = options.pointer_mut("/publicKey/authenticatorSelection") {
            sel["residentKey"] = json!("required");
            sel["requireResidentKey"] = json!(true);
        }
        let ceremony = self.keep_ceremony("register", Some((a.tenant_id, a.person_id)), state(&reg)?).await?;
        Ok(PasskeyChallenge { ceremony, options })
    }

    /// Finishes adding a passkey with the browser's answer; audited.
    pub async fn add_passkey(
        &self,
        s: &Session,
        ceremony: &str,
        credential: &Value,
        name: &str,
        base_url: &str,
        meta: &RequestMeta,
    ) -> AppResult<PasskeyInfo> {
        self.add_passkey_as(&s.actor, ceremony, credential, name, base_url, meta).await
    }

    pub(crate) async fn add_passkey_as(
        &self,
        a: &Actor,
        ceremony: &str,
        credential: &Value,
        name: &str,
        base_url: &str,
        meta: &RequestMeta,
    ) -> AppResult<PasskeyInfo> {
        if !policy::may_use_second_factor(a) {
            return Err(AppError::Forbidden);
        }
        let name = passkey_name(name)?;
        let rp = relying_party(base_url)?;
        let reg: RegisterPublicKeyCredential = serde_json::from_value(credential.clone()).map_err(|_| unreadable())?;
        let Some(c) = self.take_ceremony(ceremony, "register", Some((a.tenant_id, a.person_id))).await? else {
            return Err(InvalidInput::new(
                "ceremony",
                Reason::BadFormat,
                "Adding the passkey took too long or was finished already. Start again.",
            )
            .into());
        };
        let state: PasskeyRegistration = parse_state(&c.state)?;
        let passkey = rp.finish_passkey_registration(&reg, &state).map_err(|e| {
            InvalidInput::new(
                "credential",
                Reason::BadFormat,
                format!("The passkey could not be added ({e}). Try again."),
            )
        })?;
        let now = self.clock.now();
        let record = PasskeyRecord {
            credential_id: b64(passkey.cred_id()),
            name,
            passkey: state_of(&passkey)?,
            created_at: now.millis(),
            last_used_at: None,
        };
        let mut tx = self.store.write().await?;
        if !tx.insert_passkey(a.tenant_id, a.person_id, &record).await? {
            return Err(Conflict::PasskeyExists.into());
        }
        let detail = json!({ "passkey": record.credential_id, "name": record.name });
        tx.append_audit(&event(a, now, "second_factor.passkey_added", a.person_id, meta, detail)).await?;
        tx.commit().await?;
        Ok(info(&record))
    }

    /// Removes one of the caller's passkeys; audited.
    pub async fn remove_passkey(&self, s: &Session, id: &str, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if !tx.delete_passkey(a.tenant_id, a.person_id, id).await? {
            return Err(AppError::NotFound("passkey"));
        }
        tx.append_audit(&event(a, now, "second_factor.passkey_removed", a.person_id, meta, json!({ "passkey": id })))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// In a waiting login that must set up a factor: begins adding a passkey.
    pub async fn waiting_begin_passkey(&self, pending_token: &str, base_url: &str) -> AppResult<PasskeyChallenge> {
        let p = self.waiting(pending_token).await?;
        let actor = self.enrolling(&p).await?;
        self.begin_passkey_as(&actor, base_url).await
    }

    /// In a waiting login that must set up a factor: adds the passkey, which finishes the login.
    pub async fn waiting_add_passkey(
        &self,
        pending_token: &str,
        ceremony: &str,
        credential: &Value,
        name: &str,
        base_url: &str,
        meta: &RequestMeta,
    ) -> AppResult<LoginOutcome> {
        let (p, hash) = self.try_waiting(pending_token).await?;
        let actor = self.enrolling(&p).await?;
        self.add_passkey_as(&actor, ceremony, credential, name, base_url, meta).await?;
        self.finish_waiting(&p, &hash, "passkey", meta).await
    }

    /// The second step with a passkey: the challenge for the person's passkeys.
    pub async fn waiting_passkey_challenge(&self, pending_token: &str, base_url: &str) -> AppResult<PasskeyChallenge> {
        let p = self.waiting(pending_token).await?;
        let rp = relying_party(base_url)?;
        let records = self.store.read().await?.passkeys_of(p.tenant_id, p.person_id).await?;
        let keys: Vec<Passkey> = records.iter().map(parse_passkey).collect::<AppResult<_>>()?;
        if keys.is_empty() {
            return Err(Conflict::NoSecondFactor.into());
        }
        let (rcr, auth) =
            rp.start_passkey_authentication(&keys).map_err(|e| AppError::Internal(format!("a passkey login: {e}")))?;
        let options = serde_json::to_value(&rcr).map_err(|e| AppError::Internal(e.to_string()))?;
        let ceremony = self.keep_ceremony("step", Some((p.tenant_id, p.person_id)), state(&auth)?).await?;
        Ok(PasskeyChallenge { ceremony, options })
    }

    /// The second step answered with a passkey. Counts as a try of the waiting login.
    pub async fn second_step_passkey(
        &self,
        pending_token: &str,
        ceremony: &str,
        credential: &Value,
        base_url: &str,
        meta: &RequestMeta,
    ) -> AppResult<LoginOutcome> {
        let rp = relying_party(base_url)?;
        let answer: PublicKeyCredential = serde_json::from_value(credential.clone()).map_err(|_| unreadable())?;
        let (p, hash) = self.try_waiting(pending_token).await?;
        let c = self.take_ceremony(ceremony, "step", Some((p.tenant_id, p.person_id))).await?;
        let checked = match c {
            Some(c) => {
                let auth: PasskeyAuthentication = parse_state(&c.state)?;
                rp.finish_passkey_authentication(&answer, &auth).ok()
            }
            None => None,
        };
        let Some(result) = checked else {
            let mut tx = self.store.write().await?;
            self.second_step_failed(&mut tx, &p, "passkey", meta).await?;
            tx.commit().await?;
            return Err(AppError::WrongSecondFactor);
        };
        self.passkey_used(p.tenant_id, p.person_id, result.cred_id(), &result).await?;
        self.finish_waiting(&p, &hash, "passkey", meta).await
    }

    /// Keeps a passkey's new counter after a use (of this person's passkey).
    async fn passkey_used(
        &self,
        tenant: TenantId,
        person: PersonId,
        cred_id: &[u8],
        result: &webauthn_rs::prelude::AuthenticationResult,
    ) -> AppResult<()> {
        let id = b64(cred_id);
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let Some(owned) =
            tx.passkey_by_credential(&id).await?.filter(|o| o.tenant_id == tenant && o.person_id == person)
        else {
            return Err(AppError::PasskeyRefused);
        };
        let mut passkey = parse_passkey(&owned.record)?;
        passkey.update_credential(result);
        tx.passkey_used(tenant, &id, &state_of(&passkey)?, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Begins a login with a passkey alone: the browser lets the person pick one.
    pub async fn passkey_login_challenge(&self, base_url: &str) -> AppResult<PasskeyChallenge> {
        let rp = relying_party(base_url)?;
        let now = self.clock.now().millis();
        if self.store.read().await?.live_ceremonies("login", now).await? >= ANONYMOUS_CEREMONIES {
            return Err(AppError::Busy { retry_after_secs: 30 });
        }
        let (rcr, auth) =
            rp.start_discoverable_authentication().map_err(|e| AppError::Internal(format!("a passkey login: {e}")))?;
        let mut options = serde_json::to_value(&rcr).map_err(|e| AppError::Internal(e.to_string()))?;
        // The web app asks from a button, not from the login form's autofill.
        if let Some(o) = options.as_object_mut() {
            o.remove("mediation");
        }
        let ceremony = self.keep_ceremony("login", None, state(&auth)?).await?;
        Ok(PasskeyChallenge { ceremony, options })
    }

    /// A login with a passkey alone: the passkey names its person (the user handle is the
    /// person's id) and the authenticator verified the user, so it counts as two factors.
    /// Refusals are audited.
    pub async fn passkey_login(
        &self,
        ceremony: &str,
        credential: &Value,
        base_url: &str,
        meta: &RequestMeta,
    ) -> AppResult<LoginOutcome> {
        let rp = relying_party(base_url)?;
        let answer: PublicKeyCredential = serde_json::from_value(credential.clone()).map_err(|_| unreadable())?;
        let Some(c) = self.take_ceremony(ceremony, "login", None).await? else {
            return Err(AppError::PasskeyRefused);
        };
        let auth: DiscoverableAuthentication = parse_state(&c.state)?;
        let (handle, cred_id) =
            rp.identify_discoverable_authentication(&answer).map_err(|_| AppError::PasskeyRefused)?;
        let id = b64(cred_id);
        let owned = self.store.read().await?.passkey_by_credential(&id).await?;
        let refused = |tenant: Option<TenantId>, why: &'static str| async move {
            let now = self.clock.now();
            let mut ev = anonymous(tenant, now, "session.login", "refused", &id_for_audit(credential), meta);
            ev.detail = json!({ "method": "passkey", "why": why, "user_agent": meta.user_agent }).to_string();
            let mut tx = self.store.write().await?;
            tx.append_audit(&ev).await?;
            tx.commit().await?;
            Err::<LoginOutcome, AppError>(AppError::PasskeyRefused)
        };
        let Some(owned) = owned else { return refused(None, "an unknown passkey").await };
        if owned.person_id.0 != handle {
            return refused(Some(owned.tenant_id), "the passkey names another person").await;
        }
        let passkey = parse_passkey(&owned.record)?;
        let Ok(result) = rp.finish_discoverable_authentication_v2(&answer, auth, &passkey) else {
            return refused(Some(owned.tenant_id), "the signature does not check out").await;
        };
        self.passkey_used(owned.tenant_id, owned.person_id, result.cred_id(), &result).await?;
        let record = self.checked_login_of(owned.tenant_id, owned.person_id, meta).await?;
        self.finish_password_login(&record, "passkey_only", meta).await
    }
}

/// A credential's id as a refusal's audit subject (bounded: it comes from outside).
fn id_for_audit(credential: &Value) -> String {
    credential.get("id").and_then(Value::as_str).unwrap_or_default().chars().take(100).collect()
}

fn state_of(p: &Passkey) -> AppResult<String> {
    state(p)
}
