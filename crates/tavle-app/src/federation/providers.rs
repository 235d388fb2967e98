//! A municipality's login services as its admin names them (web app and API), or the operator
//! (`tavle admin login-provider`): validated, their discovery read and kept (with the keys)
//! when saved or checked, every change audited with the fields it changed — never a secret.

use serde_json::json;
use tavle_core::org::Tenant;
use tavle_core::{policy, InvalidInput, LoginProviderId, Reason, TenantId};
use tavle_store::login_providers::{LoginProvider, ProviderKeys};
use tavle_store::AuditEvent;

use super::oidc::Metadata;
use super::{backchannel_logout_uri, post_logout_uri, redirect_uri, Federation};
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// The kinds of login service Tavle knows how to map; each sets defaults.
pub const PRESETS: [&str; 4] = ["unilogin", "os2faktor", "keycloak", "other"];

/// What an admin sends to add or change a provider. `None` keeps what is there (or takes the
/// preset's default for a new one); a `client_secret` of `""` removes the secret.
#[derive(Clone, Default)]
pub struct ProviderInput {
    pub slug: Option<String>,
    pub display_name: Option<String>,
    pub preset: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scopes: Option<String>,
    pub claim: Option<String>,
    pub namespace: Option<String>,
    pub enabled: Option<bool>,
    pub position: Option<i64>,
}

impl std::fmt::Debug for ProviderInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderInput")
            .field("slug", &self.slug)
            .field("issuer", &self.issuer)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// What the provider's metadata said when it was last read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderCheck {
    pub at: i64,
    pub pkce_s256: bool,
    pub iss_parameter: bool,
    pub end_session: bool,
    pub backchannel_logout: bool,
}

/// A provider as its admin sees it, with the addresses to register at the provider.
#[derive(Clone, Debug)]
pub struct ProviderView {
    pub id: LoginProviderId,
    pub slug: String,
    pub display_name: String,
    pub preset: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret_set: bool,
    pub client_secret_file: Option<String>,
    pub scopes: String,
    pub claim: String,
    pub namespace: String,
    pub enabled: bool,
    pub position: i64,
    pub check: Option<ProviderCheck>,
    pub redirect_uri: String,
    pub backchannel_logout_uri: String,
    pub post_logout_redirect_uri: String,
}

/// The client secret a provider's token requests use: from the operator's file, or as stored.
pub(crate) fn client_secret(p: &LoginProvider) -> AppResult<Option<String>> {
    match &p.client_secret_file {
        Some(path) => std::fs::read_to_string(path)
            .map(|s| Some(s.trim_end_matches(['\n', '\r']).to_string()))
            .map_err(|e| AppError::Internal(format!("reading the client secret file of {}: {e}", p.slug))),
        None => Ok(p.client_secret.clone()),
    }
}

fn invalid(field: &'static str, reason: Reason, msg: impl Into<String>) -> AppError {
    InvalidInput::new(field, reason, msg).into()
}

fn check_of(p: &LoginProvider) -> Option<ProviderCheck> {
    let meta: Metadata = serde_json::from_str(p.discovery.as_deref()?).ok()?;
    let more = meta.additional_metadata();
    Some(ProviderCheck {
        at: p.discovery_at.unwrap_or(0),
        pkce_s256: more.code_challenge_methods_supported.as_ref().is_some_and(|m| m.iter().any(|x| x == "S256")),
        iss_parameter: more.authorization_response_iss_parameter_supported == Some(true),
        end_session: more.end_session_endpoint.is_some(),
        backchannel_logout: more.backchannel_logout_supported == Some(true),
    })
}

fn view(p: LoginProvider, tenant: &Tenant, base: &str) -> ProviderView {
    ProviderView {
        check: check_of(&p),
        redirect_uri: redirect_uri(base, &tenant.code, &p.slug),
        backchannel_logout_uri: backchannel_logout_uri(base, &tenant.code, &p.slug),
        post_logout_redirect_uri: post_logout_uri(base, &tenant.code),
        id: p.id,
        client_secret_set: p.client_secret.is_some() || p.client_secret_file.is_some(),
        client_secret_file: p.client_secret_file,
        slug: p.slug,
        display_name: p.display_name,
        preset: p.preset,
        issuer: p.issuer,
        client_id: p.client_id,
        scopes: p.scopes,
        claim: p.claim,
        namespace: p.namespace,
        enabled: p.enabled,
        position: p.position,
    }
}

/// Text between 1 and `max` characters without control characters.
fn text(field: &'static str, v: &str, max: usize) -> AppResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(invalid(field, Reason::Empty, format!("Give the {}.", field.replace('_', " "))));
    }
    if v.chars().count() > max {
        return Err(invalid(
            field,
            Reason::TooLong,
            format!("The {} may be at most {max} characters.", field.replace('_', " ")),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(invalid(
            field,
            Reason::ControlCharacter,
            format!("The {} contains a control character.", field.replace('_', " ")),
        ));
    }
    Ok(v.to_string())
}

/// Applies `input` over `p` (a new provider is all defaults) and checks every field.
fn merge(p: &mut LoginProvider, input: &ProviderInput) -> AppResult<Vec<&'static str>> {
    let mut changed = Vec::new();
    if let Some(preset) = &input.preset {
        if !PRESETS.contains(&preset.as_str()) {
            return Err(invalid(
                "preset",
                Reason::BadFormat,
                "The kind must be unilogin, os2faktor, keycloak or other.",
            ));
        }
        if *preset != p.preset {
            changed.push("preset");
            p.preset = preset.clone();
        }
    }
    let mut set = |field: &'static str, slot: &mut String, v: &Option<String>, max: usize| -> AppResult<()> {
        if let Some(v) = v {
            let v = text(field, v, max)?;
            if *slot != v {
                changed.push(field);
                *slot = v;
            }
        }
        Ok(())
    };
    set("slug", &mut p.slug, &input.slug, 40)?;
    set("display_name", &mut p.display_name, &input.display_name, 80)?;
    set("issuer", &mut p.issuer, &input.issuer, 500)?;
    set("client_id", &mut p.client_id, &input.client_id, 255)?;
    set("scopes", &mut p.scopes, &input.scopes, 500)?;
    set("claim", &mut p.claim, &input.claim, 100)?;
    set("namespace", &mut p.namespace, &input.namespace, 255)?;
    if let Some(secret) = &input.client_secret {
        if secret.len() > 1024 || secret.chars().any(char::is_control) {
            return Err(invalid(
                "client_secret",
                Reason::BadFormat,
                "The client secret is longer than 1024 bytes or has control characters.",
            ));
        }
        let new = (!secret.is_empty()).then(|| secret.clone());
        if new != p.client_secret {
            changed.push("client_secret");
            p.client_secret = new;
        }
    }
    if let Some(enabled) = input.enabled.filter(|e| *e != p.enabled) {
        changed.push("enabled");
        p.enabled = enabled;
    }
    if let Some(pos) = input.position.filter(|x| *x != p.position) {
        if !(0..=1000).contains(&pos) {
            return Err(invalid("position", Reason::OutOfRange, "The position must be between 0 and 1000."));
        }
        changed.push("position");
        p.position = pos;
    }
    if !p.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(invalid(
            "slug",
            Reason::BadCharacter,
            "The short name may hold only a–z, 0–9 and -, as it goes in addresses.",
        ));
    }
    if !p.scopes.split_whitespace().any(|s| s == "openid") {
        return Err(invalid("scopes", Reason::BadFormat, "The scopes must include openid."));
    }
    Ok(changed)
}

/// A new provider's defaults for its preset: Unilogin is matched by `uniid` among the
/// identities rosters give (`UNI-Login`), the others by the provider's own subject.
fn defaults(preset: &str, issuer: &str) -> (String, String, String) {
    match preset {
        "unilogin" => ("openid".into(), "uniid".into(), "UNI-Login".into()),
        _ => ("openid profile".into(), "sub".into(), issuer.to_string()),
    }
}

impl Federation {
    /// Reads a provider's metadata and keys now; refused when it cannot be read, lacks PKCE
    /// with S256, or lives at an address Tavle may not call.
    async fn discover(&self, p: &mut LoginProvider) -> AppResult<ProviderKeys> {
        self.outbound
            .check_url(&p.issuer)
            .map_err(|why| invalid("issuer", Reason::BadFormat, format!("Tavle may not call this address: {why}.")))?;
        let (meta, keys) = self.outbound.discover(&p.issuer).await.map_err(|why| {
            invalid(
                "issuer",
                Reason::BadFormat,
                format!("Tavle could not read the login service's discovery document: {why}."),
            )
        })?;
        let more = meta.additional_metadata();
        if !more.code_challenge_methods_supported.as_ref().is_some_and(|m| m.iter().any(|x| x == "S256")) {
            return Err(invalid(
                "issuer",
                Reason::BadFormat,
                "The login service does not offer PKCE with S256, which Tavle requires.",
            ));
        }
        let now = self.clock.now().millis();
        p.discovery = Some(serde_json::to_string(&meta).map_err(|e| AppError::Internal(e.to_string()))?);
        p.discovery_at = Some(now);
        let jwks = serde_json::to_string(&keys).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(ProviderKeys { jwks, fetched_at: now })
    }

    async fn tenant_of(&self, id: TenantId) -> AppResult<Tenant> {
        self.store.read().await?.tenant(id).await?.ok_or(AppError::NotFound("municipality"))
    }

    /// The municipality's login services (its admins).
    pub async fn providers(&self, s: &Session, base: &str) -> AppResult<Vec<ProviderView>> {
        if !policy::may_manage_login(&s.actor) {
            return Err(AppError::Forbidden);
        }
        let tenant = self.tenant_of(s.actor.tenant_id).await?;
        let list = self.store.read().await?.login_providers(tenant.id).await?;
        Ok(list.into_iter().map(|p| view(p, &tenant, base)).collect())
    }

    pub async fn provider_view(&self, s: &Session, id: LoginProviderId, base: &str) -> AppResult<ProviderView> {
        if !policy::may_manage_login(&s.actor) {
            return Err(AppError::Forbidden);
        }
        let tenant = self.tenant_of(s.actor.tenant_id).await?;
        let p =
            self.store.read().await?.login_provider(tenant.id, id).await?.ok_or(AppError::NotFound("login service"))?;
        Ok(view(p, &tenant, base))
    }

    /// Adds a login service (its admins); its discovery is read now.
    pub async fn add_provider(
        &self,
        s: &Session,
        input: &ProviderInput,
        base: &str,
        meta: &RequestMeta,
    ) -> AppResult<ProviderView> {
        if !policy::may_manage_login(&s.actor) {
            return Err(AppError::Forbidden);
        }
        let tenant = self.tenant_of(s.actor.tenant_id).await?;
        let p = self.insert(&tenant, input, None).await?;
        let detail = json!({ "slug": p.slug, "issuer": p.issuer, "preset": p.preset });
        let mut tx = self.store.write().await?;
        tx.append_audit(&event(&s.actor, self.clock.now(), "login_provider.created", p.id, meta, detail)).await?;
        tx.commit().await?;
        self.forget_kept();
        Ok(view(p, &tenant, base))
    }

    async fn insert(
        &self,
        tenant: &Tenant,
        input: &ProviderInput,
        secret_file: Option<String>,
    ) -> AppResult<LoginProvider> {
        let preset = input.preset.clone().unwrap_or_else(|| "other".into());
        let issuer = text("issuer", input.issuer.as_deref().unwrap_or_default(), 500)?;
        let (scopes, claim, namespace) = defaults(&preset, &issuer);
        let existing = self.store.read().await?.login_providers(tenant.id).await?;
        let mut p = LoginProvider {
            id: LoginProviderId::new(),
            tenant_id: tenant.id,
            slug: String::new(),
            display_name: String::new(),
            preset,
            issuer,
            client_id: String::new(),
            client_secret: None,
            client_secret_file: secret_file,
            scopes,
            claim,
            namespace,
            enabled: true,
            position: existing.iter().map(|p| p.position + 1).max().unwrap_or(0),
            discovery: None,
            discovery_at: None,
            created_at: self.clock.now().millis(),
        };
        merge(&mut p, input)?;
        for (field, v) in [("slug", &p.slug), ("display_name", &p.display_name), ("client_id", &p.client_id)] {
            text(field, v, 255)?;
        }
        if existing.iter().any(|e| e.slug == p.slug) {
            return Err(invalid(
                "slug",
                Reason::BadFormat,
                format!("This municipality already has a login service called {:?}.", p.slug),
            ));
        }
        let keys = self.discover(&mut p).await?;
        let mut tx = self.store.write().await?;
        tx.insert_login_provider(&p).await?;
        tx.put_provider_keys(tenant.id, p.id, &keys).await?;
        tx.commit().await?;
        self.forget_kept();
        Ok(p)
    }

    /// Changes a login service (its admins); a new issuer is read again.
    pub async fn change_provider(
        &self,
        s: &Session,
        id: LoginProviderId,
        input: &ProviderInput,
        base: &str,
        meta: &RequestMeta,
    ) -> AppResult<ProviderView> {
        if !policy::may_manage_login(&s.actor) {
            return Err(AppError::Forbidden);
        }
        let tenant = self.tenant_of(s.actor.tenant_id).await?;
        let mut p =
            self.store.read().await?.login_provider(tenant.id, id).await?.ok_or(AppError::NotFound("login service"))?;
        let changed = merge(&mut p, input)?;
        if changed.contains(&"slug") {
            let others = self.store.read().await?.login_providers(tenant.id).await?;
            if others.iter().any(|o| o.id != p.id && o.slug == p.slug) {
                return Err(invalid(
                    "slug",
                    Reason::BadFormat,
                    format!("This municipality already has a login service called {:?}.", p.slug),
                ));
            }
        }
        let keys = if changed.contains(&"issuer") { Some(self.discover(&mut p).await?) } else { None };
        let mut tx = self.store.write().await?;
        tx.update_login_provider(&p).await?;
        if let Some(k) = &keys {
            tx.put_provider_keys(tenant.id, p.id, k).await?;
        }
        let detail = json!({ "slug": p.slug, "changed": changed });
        tx.append_audit(&event(&s.actor, self.clock.now(), "login_provider.changed", p.id, meta, detail)).await?;
        tx.commit().await?;
        self.forget_kept();
        Ok(view(p, &tenant, base))
    }

    /// Reads a login service's discovery and keys again now (its admins).
    pub async fn check_provider(
        &self,
        s: &Session,
        id: LoginProviderId,
        base: &str,
        meta: &RequestMeta,
    ) -> AppResult<ProviderView> {
        if !policy::may_manage_login(&s.actor) {
            return Err(AppError::Forbidden);
        }
        let tenant = self.tenant_of(s.actor.tenant_id).await?;
        let p = self.recheck(&tenant, id).await?;
        let detail = json!({ "slug": p.slug });
        let mut tx = self.store.write().await?;
        tx.append_audit(&event(&s.actor, self.clock.now(), "login_provider.checked", p.id, meta, detail)).await?;
        tx.commit().await?;
        self.forget_kept();
        Ok(view(p, &tenant, base))
    }

    async fn recheck(&self, tenant: &Tenant, id: LoginProviderId) -> AppResult<LoginProvider> {
        let mut p =
            self.store.read().await?.login_provider(tenant.id, id).await?.ok_or(AppError::NotFound("login service"))?;
        let keys = self.discover(&mut p).await?;
        let mut tx = self.store.write().await?;
        tx.update_login_provider(&p).await?;
        tx.put_provider_keys(tenant.id, p.id, &keys).await?;
        tx.commit().await?;
        self.forget_kept();
        Ok(p)
    }

    /// Removes a login service (its admins); the sessions it made end on every node.
    pub async fn remove_provider(&self, s: &Session, id: LoginProviderId, meta: &RequestMeta) -> AppResult<u64> {
        if !policy::may_manage_login(&s.actor) {
            return Err(AppError::Forbidden);
        }
        let tenant = s.actor.tenant_id;
        let p =
            self.store.read().await?.login_provider(tenant, id).await?.ok_or(AppError::NotFound("login service"))?;
        let mut tx = self.store.write().await?;
        let ended = tx.delete_login_provider(tenant, id).await?;
        let detail = json!({ "slug": p.slug, "sessions_ended": ended });
        tx.append_audit(&event(&s.actor, self.clock.now(), "login_provider.removed", id, meta, detail)).await?;
        self.base.commit(tx).await?;
        Ok(ended)
    }

    /// The operator's `tavle admin login-provider`: the same as the web app's, for a
    /// municipality by its code, audited as the CLI's; only here can the client secret be a
    /// file (an admin naming any file could send it to a token endpoint of their own).
    pub async fn operator_add(
        &self,
        tenant_code: &str,
        input: &ProviderInput,
        secret_file: Option<String>,
        base: &str,
    ) -> AppResult<ProviderView> {
        let tenant =
            self.store.read().await?.tenant_by_code(tenant_code).await?.ok_or(AppError::NotFound("municipality"))?;
        let p = self.insert(&tenant, input, secret_file).await?;
        self.operator_audit(&tenant, "login_provider.created", &p).await?;
        Ok(view(p, &tenant, base))
    }

    pub async fn operator_list(&self, tenant_code: &str, base: &str) -> AppResult<Vec<ProviderView>> {
        let tenant =
            self.store.read().await?.tenant_by_code(tenant_code).await?.ok_or(AppError::NotFound("municipality"))?;
        let list = self.store.read().await?.login_providers(tenant.id).await?;
        Ok(list.into_iter().map(|p| view(p, &tenant, base)).collect())
    }

    pub async fn operator_check(&self, tenant_code: &str, slug: &str, base: &str) -> AppResult<ProviderView> {
        let tenant =
            self.store.read().await?.tenant_by_code(tenant_code).await?.ok_or(AppError::NotFound("municipality"))?;
        let id = self.slug_id(&tenant, slug).await?;
        let p = self.recheck(&tenant, id).await?;
        self.operator_audit(&tenant, "login_provider.checked", &p).await?;
        Ok(view(p, &tenant, base))
    }

    pub async fn operator_remove(&self, tenant_code: &str, slug: &str) -> AppResult<u64> {
        let tenant =
            self.store.read().await?.tenant_by_code(tenant_code).await?.ok_or(AppError::NotFound("municipality"))?;
        let id = self.slug_id(&tenant, slug).await?;
        let p =
            self.store.read().await?.login_provider(tenant.id, id).await?.ok_or(AppError::NotFound("login service"))?;
        let mut tx = self.store.write().await?;
        let ended = tx.delete_login_provider(tenant.id, id).await?;
        tx.commit().await?;
        self.forget_kept();
        self.operator_audit(&tenant, "login_provider.removed", &p).await?;
        Ok(ended)
    }

    async fn slug_id(&self, tenant: &Tenant, slug: &str) -> AppResult<LoginProviderId> {
        let list = self.store.read().await?.login_providers(tenant.id).await?;
        list.into_iter().find(|p| p.slug == slug).map(|p| p.id).ok_or(AppError::NotFound("login service"))
    }

    async fn operator_audit(&self, tenant: &Tenant, action: &'static str, p: &LoginProvider) -> AppResult<()> {
        let mut tx = self.store.write().await?;
        tx.append_audit(&AuditEvent {
            tenant_id: Some(tenant.id),
            at: self.clock.now(),
            actor_id: None,
            action,
            outcome: "ok",
            subject: Some(p.id.to_string()),
            source: Some("cli"),
            detail: json!({ "slug": p.slug, "issuer": p.issuer, "by": "tavle admin login-provider" }).to_string(),
        })
        .await?;
        tx.commit().await?;
        self.forget_kept();
        Ok(())
    }
}
