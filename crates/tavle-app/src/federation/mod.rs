//! Federated login over OpenID Connect (issue 18; `docs/design/federated-login.md`): each
//! municipality names its login services (Unilogin, OS2faktor, Keycloak, ...) in
//! `providers.rs`; a login starts at [`Federation::start`] (nothing written: the attempt
//! travels sealed in a cookie, `attempt.rs`), comes back to [`Federation::callback`] (the
//! code redeemed with PKCE and the ID token checked by `oidc.rs` over the `openidconnect`
//! crate, the person found by `identity.rs`), and ends in the same session a password login
//! makes. Providers end sessions by back-channel logout (`logout.rs`).
//!
//! A login never fetches discovery: metadata is read when an admin saves or checks a
//! provider and kept in the database, as are its keys, which are fetched again (at most once a
//! minute per provider and node) only when a token names a key Tavle does not hold.

mod attempt;
mod identity;
mod logout;
mod oidc;
pub mod providers;
mod schools;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use openidconnect::core::{CoreIdToken, CoreJsonWebKeySet};
use ring::aead::LessSafeKey;
use serde_json::json;
use tavle_core::org::Tenant;
use tavle_core::{InvalidInput, LoginProviderId, Reason};
use tavle_store::login_providers::{LoginProvider, ProviderKeys, SessionLogin};

use crate::audit::{anonymous, RequestMeta};
use crate::auth::{PasswordLogin, Sessions};
use crate::caller::Session;
use crate::error::{AppError, AppResult, LoginRefusal};
use crate::second_factor::{FederatedFirstStep, FirstStep};
use crate::{service, Base};
pub use attempt::cookie_name;
use attempt::Attempt;
use oidc::{Checked, Metadata, Outbound, Redeem, Relying};
pub use schools::SchoolFound;

/// Logins through a municipality's login services.
#[derive(Clone)]
pub struct Federation {
    base: Arc<Base>,
    sessions: Sessions,
    outbound: Outbound,
    key: Arc<tokio::sync::OnceCell<LessSafeKey>>,
    /// When this node last fetched each provider's keys (Unix ms).
    refetched: Arc<Mutex<HashMap<LoginProviderId, i64>>>,
    schools: schools::SchoolList,
    /// Login services as callbacks need them, by municipality code and slug (see [`Kept`]).
    kept: KeptServices,
}

/// The login services kept on this node, by municipality code and slug.
type KeptServices = Arc<Mutex<HashMap<(String, String), Arc<Kept>>>>;

/// A login service as a login's start and callback need it — its municipality, its row, its
/// keys and its metadata parsed — kept on this node for [`KEPT_FOR`]: at 08:00 a thousand
/// logins a second would otherwise each read two rows and parse two JSON documents, twice. A change made on
/// this node forgets them at once; one made on another node is seen within [`KEPT_FOR`] (a
/// provider removed there has already ended its sessions everywhere). Keys that do not know a
/// token's `kid` are read again at once, whatever is kept.
pub(crate) struct Kept {
    tenant: Tenant,
    provider: LoginProvider,
    keys: Option<ProviderKeys>,
    meta: Metadata,
    at: std::time::Instant,
}

/// How long a node keeps a login service (real time: freshness, not a domain rule).
const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(5);

service!(Federation);

/// A municipality's login page: its name and its login services, in order.
#[derive(Clone, Debug)]
pub struct LoginOptions {
    pub tenant_code: String,
    pub tenant_name: String,
    pub providers: Vec<ProviderButton>,
}

#[derive(Clone, Debug)]
pub struct ProviderButton {
    pub slug: String,
    pub display_name: String,
}

/// Where a started login sends the browser, and the sealed attempt for its cookie.
#[derive(Clone, Debug)]
pub struct Started {
    pub redirect_to: String,
    pub state: String,
    pub sealed: String,
}

/// What the provider sent back to the callback address.
#[derive(Clone, Debug, Default)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// The addresses a municipality registers with a provider.
pub fn redirect_uri(base: &str, tenant_code: &str, slug: &str) -> String {
    format!("{}/api/v1/login/oidc/{tenant_code}/{slug}/callback", base.trim_end_matches('/'))
}

pub fn backchannel_logout_uri(base: &str, tenant_code: &str, slug: &str) -> String {
    format!("{}/api/v1/login/oidc/{tenant_code}/{slug}/backchannel-logout", base.trim_end_matches('/'))
}

pub fn post_logout_uri(base: &str, tenant_code: &str) -> String {
    format!("{}/k/{tenant_code}", base.trim_end_matches('/'))
}

fn random_text() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(crate::instance_keys::random_32())
}

fn parse_keys(keys: Option<&ProviderKeys>) -> CoreJsonWebKeySet {
    keys.and_then(|k| serde_json::from_str(&k.jwks).ok()).unwrap_or_default()
}

impl Federation {
    pub(crate) fn new(base: Arc<Base>, sessions: Sessions) -> AppResult<Self> {
        let outbound = Outbound::new(base.cfg.oidc_allow_loopback).map_err(AppError::Internal)?;
        Ok(Federation {
            base,
            sessions,
            outbound,
            key: Arc::default(),
            refetched: Arc::default(),
            schools: Arc::default(),
            kept: Arc::default(),
        })
    }

    /// The key attempts are sealed with, shared by every node (made by the first).
    async fn seal_key(&self) -> AppResult<&LessSafeKey> {
        self.key
            .get_or_try_init(|| async {
                let stored =
                    crate::instance_keys::get_or_make(&self.base, "oidc-state", || tavle_store::keys::InstanceKey {
                        secret: tavle_blob::hex(&crate::instance_keys::random_32()),
                        public_key: String::new(),
                    })
                    .await?;
                let bytes: Vec<u8> = (0..stored.secret.len() / 2)
                    .filter_map(|i| u8::from_str_radix(stored.secret.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect();
                attempt::key(&bytes).ok_or_else(|| AppError::Internal("the oidc-state key is not 32 bytes".into()))
            })
            .await
    }

    async fn tenant(&self, code: &str) -> AppResult<Tenant> {
        self.store.read().await?.tenant_by_code(code).await?.ok_or(AppError::NotFound("municipality"))
    }

    /// An enabled login service as a callback needs it, kept for a few seconds (see [`Kept`]).
    async fn kept(&self, tenant_code: &str, slug: &str) -> AppResult<Arc<Kept>> {
        let key = (tenant_code.to_string(), slug.to_string());
        if let Some(k) = self.kept.lock().ok().and_then(|m| m.get(&key).cloned()) {
            if k.at.elapsed() < KEPT_FOR {
                return Ok(k);
            }
        }
        let tenant = self.tenant(tenant_code).await?;
        let (provider, keys) = self.provider(&tenant, slug).await?;
        let meta = metadata(&provider, keys.as_ref())?;
        let k = Arc::new(Kept { tenant, provider, keys, meta, at: std::time::Instant::now() });
        if let Ok(mut m) = self.kept.lock() {
            m.insert(key, k.clone());
        }
        Ok(k)
    }

    /// Forgets the login services kept on this node (after a change to one).
    pub(crate) fn forget_kept(&self) {
        if let Ok(mut m) = self.kept.lock() {
            m.clear();
        }
    }

    /// An enabled provider with its keys, or "not found" (a disabled one is not offered).
    async fn provider(&self, tenant: &Tenant, slug: &str) -> AppResult<(LoginProvider, Option<ProviderKeys>)> {
        match self.store.read().await?.login_provider_by_slug(tenant.id, slug).await? {
            Some((p, keys)) if p.enabled => Ok((p, keys)),
            _ => Err(AppError::NotFound("login service")),
        }
    }

    /// The municipality's login page: its enabled login services that have been checked.
    pub async fn options(&self, tenant_code: &str) -> AppResult<LoginOptions> {
        let tenant = self.tenant(tenant_code).await?;
        let providers = self.store.read().await?.login_providers(tenant.id).await?;
        Ok(LoginOptions {
            tenant_code: tenant.code,
            tenant_name: tenant.name,
            providers: providers
                .into_iter()
                .filter(|p| p.enabled && p.discovery.is_some())
                .map(|p| ProviderButton { slug: p.slug, display_name: p.display_name })
                .collect(),
        })
    }

    /// Starts a login: the authorization request with `state`, `nonce` and a PKCE S256
    /// challenge; the attempt is sealed for a cookie, and nothing is written.
    pub async fn start(&self, tenant_code: &str, slug: &str, base_url: &str) -> AppResult<Started> {
        let kept = self.kept(tenant_code, slug).await?;
        let (tenant, p) = (&kept.tenant, &kept.provider);
        let (state, nonce, verifier) = (random_text(), random_text(), random_text());
        let relying = self.relying(tenant, p, &kept.meta, base_url)?;
        let redirect_to = relying.authorize_url(&p.scopes, &state, &nonce, &verifier).map_err(AppError::Internal)?;
        let attempt = Attempt {
            tenant: tenant.id.to_string(),
            provider: p.id.to_string(),
            state: state.clone(),
            nonce,
            verifier,
            at: self.clock.now().millis(),
        };
        let sealed = attempt::seal(self.seal_key().await?, &attempt)
            .ok_or_else(|| AppError::Internal("sealing a login attempt".into()))?;
        Ok(Started { redirect_to, state, sealed })
    }

    fn relying<'a>(
        &self,
        tenant: &Tenant,
        p: &'a LoginProvider,
        meta: &'a Metadata,
        base_url: &str,
    ) -> AppResult<Relying<'a>> {
        Ok(Relying {
            meta,
            client_id: &p.client_id,
            secret: providers::client_secret(p)?,
            redirect_uri: redirect_uri(base_url, &tenant.code, &p.slug),
        })
    }

    /// Finishes a login at the provider's callback: the sealed attempt (`sealed`, the cookie
    /// the `state` names) must be this browser's, for this provider, and young; the code is
    /// redeemed with the PKCE verifier, the ID token checked, the person found, and a session
    /// made. Every refusal is audited with its reason and answered as [`AppError::LoginRefused`].
    pub async fn callback(
        &self,
        tenant_code: &str,
        slug: &str,
        params: &CallbackParams,
        sealed: Option<&str>,
        base_url: &str,
        meta: &RequestMeta,
    ) -> AppResult<PasswordLogin> {
        let kept = self.kept(tenant_code, slug).await?;
        let (tenant, p) = (&kept.tenant, &kept.provider);
        match self.finish(tenant, p, kept.keys.as_ref(), &kept.meta, params, sealed, base_url, meta).await {
            Ok(done) => Ok(done),
            Err(Refused(e, why)) => {
                let reason = match &e {
                    AppError::LoginRefused(r) => r.reason(),
                    AppError::AccountDisabled => "disabled",
                    _ => "error",
                };
                let now = self.clock.now();
                let mut ev = anonymous(Some(tenant.id), now, "session.login", "refused", &p.slug, meta);
                ev.detail =
                    json!({ "method": "oidc", "provider": p.slug, "reason": reason, "why": why, "user_agent": meta.user_agent })
                        .to_string();
                let mut tx = self.store.write().await?;
                tx.append_audit(&ev).await?;
                tx.commit().await?;
                if !matches!(e, AppError::LoginRefused(_) | AppError::AccountDisabled) {
                    tracing::warn!(provider = %p.slug, error = %e, "a federated login failed inside Tavle");
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish(
        &self,
        tenant: &Tenant,
        p: &LoginProvider,
        keys: Option<&ProviderKeys>,
        meta_p: &Metadata,
        params: &CallbackParams,
        sealed: Option<&str>,
        base_url: &str,
        meta: &RequestMeta,
    ) -> Result<PasswordLogin, Refused> {
        let now = self.clock.now().millis();
        let key = self.seal_key().await.map_err(Refused::plain)?;
        let attempt = sealed.and_then(|s| attempt::open(key, s));
        let state = params.state.as_deref().unwrap_or_default();
        let Some(attempt) = attempt else { return Err(Refused::new(LoginRefusal::State, "no sealed attempt")) };
        if !attempt::same(&attempt.state, state) {
            return Err(Refused::new(LoginRefusal::State, "the state differs from the attempt's"));
        }
        if attempt.tenant != tenant.id.to_string() || attempt.provider != p.id.to_string() {
            return Err(Refused::new(LoginRefusal::State, "the attempt was started for another login service"));
        }
        if now - attempt.at > attempt::ATTEMPT_MS || attempt.at > now + 60_000 {
            return Err(Refused::new(LoginRefusal::State, "the attempt is older than 10 minutes"));
        }
        if let Some(err) = &params.error {
            return Err(Refused::new(LoginRefusal::ProviderError, format!("the provider answered {err:?}")));
        }
        // RFC 9207: where the provider says it sends `iss`, it must; where sent, it must match.
        let says_iss = meta_p.additional_metadata().authorization_response_iss_parameter_supported == Some(true);
        match params.iss.as_deref() {
            Some(iss) if iss != meta_p.issuer().as_str() => {
                return Err(Refused::new(LoginRefusal::Token, format!("the callback's iss is {iss:?}")))
            }
            None if says_iss => return Err(Refused::new(LoginRefusal::Token, "the callback has no iss")),
            _ => {}
        }
        let Some(code) = params.code.as_deref().filter(|c| !c.is_empty() && c.len() <= 4096) else {
            return Err(Refused::new(LoginRefusal::ProviderError, "the callback has no code"));
        };
        let relying = self.relying(tenant, p, meta_p, base_url).map_err(Refused::plain)?;
        let raw = match relying.redeem(&self.outbound, code, &attempt.verifier).await {
            Ok(raw) => raw,
            Err(Redeem::Refused(why)) => return Err(Refused::new(LoginRefusal::ProviderError, why)),
            Err(Redeem::Unavailable(why)) => return Err(Refused::new(LoginRefusal::ProviderUnavailable, why)),
            Err(Redeem::Malformed(why)) => return Err(Refused::new(LoginRefusal::Token, why)),
        };
        let secs = now.div_euclid(1000);
        let claims = match relying.check_id_token(&raw, &attempt.nonce, secs) {
            Checked::Good(c) => c,
            Checked::Bad(why) => return Err(Refused::new(LoginRefusal::Token, why)),
            Checked::UnknownKey => {
                let fresh = self.fetch_keys(tenant, p, meta_p, keys).await;
                let Some(fresh) = fresh else {
                    return Err(Refused::new(LoginRefusal::Token, "signed with a key the provider does not publish"));
                };
                let meta_k = meta_p.clone().set_jwks(fresh);
                let again = self.relying(tenant, p, &meta_k, base_url).map_err(Refused::plain)?;
                match again.check_id_token(&raw, &attempt.nonce, secs) {
                    Checked::Good(c) => c,
                    Checked::Bad(why) => return Err(Refused::new(LoginRefusal::Token, why)),
                    Checked::UnknownKey => {
                        return Err(Refused::new(
                            LoginRefusal::Token,
                            "signed with a key the provider does not publish",
                        ))
                    }
                }
            }
        };
        let (person, status, matched) =
            identity::find(&self.base, tenant.id, p, &claims).await.map_err(|e| Refused(e, String::new()))?;
        let sub = identity::claim_text(&claims, "sub");
        let assurance = json!({
            "acr": claims.get("acr"), "amr": claims.get("amr"), "loa": claims.get("loa"),
            "unilogin_loa": claims.get("unilogin_loa"),
        });
        let has_end_session = meta_p.additional_metadata().end_session_endpoint.is_some();
        let login = SessionLogin {
            auth_method: "oidc".into(),
            provider_id: Some(p.id),
            idp_subject: sub.clone(),
            idp_sid: identity::claim_text(&claims, "sid"),
            id_token: has_end_session.then_some(raw),
            assurance: Some(assurance.to_string()),
        };
        let detail = json!({
            "method": "oidc", "provider": p.slug, "iss": meta_p.issuer().as_str(), "sub": sub, "matched": matched,
            "assurance": assurance, "user_agent": meta.user_agent,
        });
        let first = FederatedFirstStep {
            tenant_id: tenant.id,
            person_id: person,
            status,
            login,
            detail,
            second_factor: identity::asserts_second_factor(&claims),
        };
        self.sessions.after_first_step(FirstStep::Federated(first), meta).await.map_err(Refused::plain)
    }

    /// A provider's keys after an unknown `kid`: those another node stored since, else fetched
    /// now (at most once a minute per provider on this node) and stored for every node.
    async fn fetch_keys(
        &self,
        tenant: &Tenant,
        p: &LoginProvider,
        meta: &Metadata,
        used: Option<&ProviderKeys>,
    ) -> Option<CoreJsonWebKeySet> {
        let stored = self.store.read().await.ok()?.provider_keys(tenant.id, p.id).await.ok()?;
        if let Some(s) = stored.filter(|s| used.is_none_or(|u| s.fetched_at > u.fetched_at)) {
            self.forget_kept();
            return serde_json::from_str(&s.jwks).ok();
        }
        let now = self.clock.now().millis();
        {
            let mut last = self.refetched.lock().ok()?;
            if last.get(&p.id).is_some_and(|at| now - at < 60_000) {
                return None;
            }
            last.insert(p.id, now);
        }
        let fresh = self.outbound.keys(meta).await.ok()?;
        let jwks = serde_json::to_string(&fresh).ok()?;
        let mut tx = self.store.write().await.ok()?;
        tx.put_provider_keys(tenant.id, p.id, &ProviderKeys { jwks, fetched_at: now }).await.ok()?;
        tx.commit().await.ok()?;
        self.forget_kept();
        Some(fresh)
    }

    /// Where to send a person who logs out of a federated session: the provider's
    /// end-session endpoint with `id_token_hint`, `client_id` and Tavle's login page as the
    /// return. `None` for a session the provider cannot end (or a password session).
    pub async fn end_session_url(&self, s: &Session, base_url: &str) -> AppResult<Option<String>> {
        let tenant = s.actor.tenant_id;
        let mut conn = self.store.read().await?;
        let Some(login) = conn.session_login(tenant, &s.token_hash).await? else { return Ok(None) };
        let (Some(provider), Some(raw)) = (login.provider_id, login.id_token) else { return Ok(None) };
        let Some(p) = conn.login_provider(tenant, provider).await? else { return Ok(None) };
        let Some(t) = conn.tenant(tenant).await? else { return Ok(None) };
        drop(conn);
        let meta = metadata(&p, None)?;
        let Some(end) = meta.additional_metadata().end_session_endpoint.clone() else { return Ok(None) };
        let (Ok(end), Ok(token)) = (openidconnect::EndSessionUrl::new(end), raw.parse::<CoreIdToken>()) else {
            return Ok(None);
        };
        let back = openidconnect::PostLogoutRedirectUrl::new(post_logout_uri(base_url, &t.code))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let url = openidconnect::LogoutRequest::from(end)
            .set_id_token_hint(&token)
            .set_client_id(openidconnect::ClientId::new(p.client_id.clone()))
            .set_post_logout_redirect_uri(back)
            .http_get_url();
        Ok(Some(url.to_string()))
    }

    /// A back-channel logout from a provider: a good token ends the sessions it names on every
    /// node, once; anything else is refused (400) and audited.
    pub async fn backchannel_logout(
        &self,
        tenant_code: &str,
        slug: &str,
        token: &str,
        meta: &RequestMeta,
    ) -> AppResult<u64> {
        let tenant = self.tenant(tenant_code).await?;
        let (p, keys) = self.provider(&tenant, slug).await?;
        let meta_p = metadata(&p, keys.as_ref())?;
        let now = self.clock.now();
        let secs = now.millis().div_euclid(1000);
        let mut verdict = logout::check(token, &meta_p, &parse_keys(keys.as_ref()), &p.client_id, secs);
        if matches!(verdict, logout::Verdict::UnknownKey) {
            if let Some(fresh) = self.fetch_keys(&tenant, &p, &meta_p, keys.as_ref()).await {
                verdict = logout::check(token, &meta_p, &fresh, &p.client_id, secs);
            }
        }
        let l = match verdict {
            logout::Verdict::Good(l) => l,
            logout::Verdict::UnknownKey => {
                return self
                    .refuse_logout(&tenant, &p, meta, "signed with a key the provider does not publish".into())
                    .await
            }
            logout::Verdict::Bad(why) => return self.refuse_logout(&tenant, &p, meta, why).await,
        };
        let mut tx = self.store.write().await?;
        if !tx.note_logout_token(tenant.id, p.id, &l.jti, l.keep_until * 1000).await? {
            drop(tx);
            return self.refuse_logout(&tenant, &p, meta, "this token was used before (jti)".into()).await;
        }
        let ended = tx.delete_federated_sessions(tenant.id, p.id, l.sid.as_deref(), l.sub.as_deref()).await?;
        let mut ev = anonymous(Some(tenant.id), now, "session.backchannel_logout", "ok", &p.slug, meta);
        ev.detail = json!({ "provider": p.slug, "sub": l.sub, "sid": l.sid, "sessions_ended": ended }).to_string();
        tx.append_audit(&ev).await?;
        self.base.commit(tx).await?;
        Ok(ended)
    }
}

impl Federation {
    /// Audits a refused back-channel logout and answers it (400).
    async fn refuse_logout(
        &self,
        tenant: &Tenant,
        p: &LoginProvider,
        meta: &RequestMeta,
        why: String,
    ) -> AppResult<u64> {
        let mut ev =
            anonymous(Some(tenant.id), self.clock.now(), "session.backchannel_logout", "refused", &p.slug, meta);
        ev.detail = json!({ "provider": p.slug, "why": why }).to_string();
        let mut tx = self.store.write().await?;
        tx.append_audit(&ev).await?;
        tx.commit().await?;
        Err(AppError::Invalid(InvalidInput::new(
            "logout_token",
            Reason::BadFormat,
            format!("The logout token was refused: {why}."),
        )))
    }
}

/// A refusal and what it was for the audit log (never shown to the person).
struct Refused(AppError, String);

impl Refused {
    fn new(r: LoginRefusal, why: impl Into<String>) -> Self {
        Refused(AppError::LoginRefused(r), why.into())
    }

    fn plain(e: AppError) -> Self {
        Refused(e, String::new())
    }
}

/// A provider's stored metadata with the keys Tavle holds; one never checked cannot log in.
fn metadata(p: &LoginProvider, keys: Option<&ProviderKeys>) -> AppResult<Metadata> {
    let Some(d) = &p.discovery else { return Err(AppError::LoginRefused(LoginRefusal::ProviderUnavailable)) };
    let meta: Metadata =
        serde_json::from_str(d).map_err(|e| AppError::Internal(format!("the stored metadata of {}: {e}", p.slug)))?;
    Ok(meta.set_jwks(parse_keys(keys)))
}

/// For the fuzz target `login_tokens`: any text as an ID token (checked as a callback does,
/// against a fixed provider) and as a back-channel logout token. Never a panic; true when
/// either was taken (which, without the provider's private key, must never happen).
pub fn tokens_for_fuzzing(data: &[u8]) -> bool {
    const ISSUER: &str = "https://login.example/realms/fuzz";
    let meta = serde_json::json!({
        "issuer": ISSUER, "authorization_endpoint": format!("{ISSUER}/auth"),
        "token_endpoint": format!("{ISSUER}/token"), "jwks_uri": format!("{ISSUER}/jwks"),
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
    });
    let keys = serde_json::json!({ "keys": [{ "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "e": "AQAB",
        "n": "8iJoAekeSI4u02u5Xf_S7DzT228RXfL2neNWmYJ01YO4z0scvq5SFTSDTorRvsWnKxyTdxXUTRDylWUAnMCDjiBI0nu9Xuej1hiJodDigTrGr9Ny-qOluTyuSGGUYDIiGTJDES_tUrnUI1xHIkLUj6faFlX4kNR6GvFLcM2XunOksSGpvPwr4W8bzKhWZQ4MMuXBaCPkBRfletX2IwISKJDg4SibNrzuxvj1NMs3M21Y8BuaKzFPn7dTq3hc0Yv0SHWfvGKCBeHloOrm_hukzaaR2poaMu2Ixm9I568zNJL5DfneFsG0BGA_NgEwK9v2ddf9_Fc3eRDLh886D9OamQ" }] });
    let (Ok(meta), Ok(keys)) =
        (serde_json::from_value::<Metadata>(meta), serde_json::from_value::<CoreJsonWebKeySet>(keys))
    else {
        return false;
    };
    let meta = meta.set_jwks(keys.clone());
    let raw = String::from_utf8_lossy(data);
    let relying = Relying {
        meta: &meta,
        client_id: "tavle",
        secret: Some("secret".into()),
        redirect_uri: "https://tavle.example/cb".into(),
    };
    let id = matches!(relying.check_id_token(&raw, "nonce", 1_800_000_000), Checked::Good(_));
    let out = matches!(logout::check(&raw, &meta, &keys, "tavle", 1_800_000_000), logout::Verdict::Good(_));
    id || out
}

#[cfg(test)]
mod fuzz_seed_tests {
    #[test]
    fn the_fuzz_entry_takes_no_unsigned_forged_or_broken_token() {
        use base64::Engine;
        let b = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let claims = serde_json::json!({ "iss": "https://login.example/realms/fuzz", "aud": "tavle", "sub": "x",
            "iat": 1_800_000_000, "exp": 1_800_000_100, "nonce": "nonce", "jti": "j", "events":
            { "http://schemas.openid.net/event/backchannel-logout": {} } });
        let seeds = [
            format!("{}.{}.", b(serde_json::json!({"alg": "none"})), b(claims.clone())),
            format!("{}.{}.AAAA", b(serde_json::json!({"alg": "RS256", "kid": "k1"})), b(claims.clone())),
            format!("{}.{}.AAAA", b(serde_json::json!({"alg": "HS256"})), b(claims)),
            "a.b.c".into(),
            "".into(),
            "....".into(),
            "\u{0}\u{ffff}".into(),
        ];
        for s in seeds {
            assert!(!super::tokens_for_fuzzing(s.as_bytes()), "{s}");
        }
    }
}
