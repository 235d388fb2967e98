//! Office files through WOPI: a municipality that runs Collabora Online or OnlyOffice names
//! its discovery address; `.docx/.xlsx/.pptx/.odt/.ods/.odp` files then open in it from the
//! drive, with Tavle as the WOPI host (`wopi.rs`: CheckFileInfo, GetFile, PutFile, the locks,
//! PutRelativeFile, RenameFile). Every call is authenticated by a short-lived access token
//! bound to one person and one file (`proof.rs`), checked against the office server's proof
//! keys when its discovery publishes them, and authorised again through the drive's access
//! (`AccessControl::reach`, the exam lock included) — the token says who asks, never what
//! they may. Saves go through the drive's upload, so the contents before become a version;
//! locks are rows, so any node answers for them.
//!
//! It has not met a real Collabora here (neither office server installs on the build
//! machines): the tests drive it with a client that sends Collabora's documented requests.

pub mod discovery;
pub mod proof;
mod wopi;

use std::sync::Arc;

use serde_json::json;
use tavle_core::drive::{Access, NodeKind};
use tavle_core::{InvalidInput, NodeId, Reason};
use tavle_store::office::OfficeServer;

use crate::access::AccessControl;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::drive::Drive;
use crate::error::{AppError, AppResult};
use crate::{service, Base};
use discovery::Discovery;
use proof::Grant;

pub use wopi::{FileInfo, Relative};

/// How long the discovery may be before a failed proof fetches it again (keys rotate).
const REFETCH_AFTER_MS: i64 = 60_000;
/// The largest discovery read.
const MAX_DISCOVERY: usize = 1 << 20;

/// Office files through WOPI.
#[derive(Clone)]
pub struct Office {
    base: Arc<Base>,
    access: AccessControl,
    drive: Drive,
    key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

service!(Office);

/// A municipality's office server as the web app shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeSettings {
    pub discovery_url: String,
    /// The file extensions it opens.
    pub extensions: Vec<String>,
}

/// What the browser needs to open a file in the office server: a form POST of the token to
/// the action's address (in a frame).
#[derive(Clone, Debug)]
pub struct OfficeOpen {
    pub action_url: String,
    pub access_token: String,
    /// When the token expires (Unix milliseconds), as WOPI's `access_token_ttl` wants it.
    pub access_token_ttl: i64,
}

/// A WOPI call's caller: the person the token names, as a session of their own, and what
/// the token grants.
pub struct WopiCaller {
    session: Session,
    grant: Grant,
}

/// A WOPI request's proof headers.
#[derive(Clone, Debug, Default)]
pub struct ProofHeaders {
    pub proof: Option<String>,
    pub proof_old: Option<String>,
    pub timestamp: Option<String>,
    /// The address the office server called, as it called it.
    pub url: String,
}

impl Office {
    pub(crate) fn new(base: Arc<Base>, access: AccessControl, drive: Drive) -> Self {
        Office { base, access, drive, key: Arc::default() }
    }

    /// The key access tokens are signed with, shared by every node (made by the first).
    async fn token_key(&self) -> AppResult<Vec<u8>> {
        let key = self
            .key
            .get_or_try_init(|| async {
                let stored =
                    crate::instance_keys::get_or_make(&self.base, "wopi-hmac", || tavle_store::keys::InstanceKey {
                        secret: tavle_blob::hex(&crate::instance_keys::random_32()),
                        public_key: String::new(),
                    })
                    .await?;
                Ok::<_, AppError>(stored.secret.into_bytes())
            })
            .await?;
        Ok(key.clone())
    }

    async fn discovery(&self, tenant: tavle_core::TenantId) -> AppResult<Option<(OfficeServer, Discovery)>> {
        let Some(server) = self.store.read().await?.office_server(tenant).await? else { return Ok(None) };
        let d: Discovery = serde_json::from_str(&server.discovery)
            .map_err(|e| AppError::Internal(format!("the stored office discovery: {e}")))?;
        Ok(Some((server, d)))
    }

    /// The municipality's office server, if it has one (for everyone there: the web app shows
    /// "open in office" from it).
    pub async fn settings(&self, s: &Session) -> AppResult<Option<OfficeSettings>> {
        Ok(self
            .discovery(s.actor.tenant_id)
            .await?
            .map(|(server, d)| OfficeSettings { discovery_url: server.discovery_url, extensions: d.extensions() }))
    }

    /// Names the municipality's office server by its discovery address (a municipality admin):
    /// the discovery is read now and kept; one that cannot be read is refused with why.
    pub async fn configure(&self, s: &Session, discovery_url: &str, meta: &RequestMeta) -> AppResult<OfficeSettings> {
        if !s.actor.is_municipality_admin() {
            return Err(AppError::Forbidden);
        }
        let url = discovery_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 {
            return Err(bad_url("Give the office server's discovery address, starting with https://.".into()));
        }
        let d = fetch(url).await.map_err(|why| {
            bad_url(format!("Tavle could not read the office server's discovery at that address: {why}."))
        })?;
        let settings = OfficeSettings { discovery_url: url.to_string(), extensions: d.extensions() };
        let now = self.clock.now();
        let server = OfficeServer {
            discovery_url: url.to_string(),
            discovery: serde_json::to_string(&d).map_err(|e| AppError::Internal(e.to_string()))?,
            fetched_at: now.millis(),
        };
        let mut tx = self.store.write().await?;
        tx.put_office_server(s.actor.tenant_id, &server, Some(s.actor.person_id)).await?;
        let detail = json!({ "discovery_url": url, "extensions": settings.extensions });
        tx.append_audit(&event(&s.actor, now, "office.configure", s.actor.tenant_id, meta, detail)).await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// The operator names a municipality's office server (`tavle admin office`), as a
    /// municipality admin would in the web app; `None` removes it. Audited as the CLI's.
    pub async fn configure_for_operator(
        &self,
        tenant_code: &str,
        discovery_url: Option<&str>,
    ) -> AppResult<Option<OfficeSettings>> {
        let tenant =
            self.store.read().await?.tenant_by_code(tenant_code).await?.ok_or(AppError::NotFound("municipality"))?;
        let now = self.clock.now();
        let (settings, server) = match discovery_url {
            Some(url) => {
                let url = url.trim();
                let d = fetch(url).await.map_err(|why| {
                    bad_url(format!("Tavle could not read the office server's discovery at that address: {why}."))
                })?;
                let server = OfficeServer {
                    discovery_url: url.to_string(),
                    discovery: serde_json::to_string(&d).map_err(|e| AppError::Internal(e.to_string()))?,
                    fetched_at: now.millis(),
                };
                (Some(OfficeSettings { discovery_url: url.to_string(), extensions: d.extensions() }), Some(server))
            }
            None => (None, None),
        };
        let mut tx = self.store.write().await?;
        match &server {
            Some(s) => tx.put_office_server(tenant.id, s, None).await?,
            None => tx.delete_office_server(tenant.id).await?,
        }
        tx.append_audit(&tavle_store::AuditEvent {
            tenant_id: Some(tenant.id),
            at: now,
            actor_id: None,
            action: if server.is_some() { "office.configure" } else { "office.remove" },
            outcome: "ok",
            subject: Some(tenant.id.to_string()),
            source: Some("cli"),
            detail: json!({ "discovery_url": discovery_url, "by": "tavle admin office" }).to_string(),
        })
        .await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// Removes the municipality's office server (a municipality admin).
    pub async fn remove(&self, s: &Session, meta: &RequestMeta) -> AppResult<()> {
        if !s.actor.is_municipality_admin() {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.write().await?;
        tx.delete_office_server(s.actor.tenant_id).await?;
        tx.append_audit(&event(&s.actor, self.clock.now(), "office.remove", s.actor.tenant_id, meta, json!({})))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a file in the office server for the caller: to edit if they may change it, else
    /// to view. `wopi_base` is the address the office server reaches Tavle's `/wopi` at.
    pub async fn open(&self, s: &Session, node: NodeId, wopi_base: &str, meta: &RequestMeta) -> AppResult<OfficeOpen> {
        let a = &s.actor;
        let r = self.access.reach(&mut self.store.read().await?, a, node, false).await?;
        r.require(Access::View)?;
        let n = r.node();
        if n.kind != NodeKind::File {
            return Err(crate::Conflict::NotAFile.into());
        }
        let ext = n.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let (_, d) = self.discovery(a.tenant_id).await?.ok_or(AppError::NotFound("office server"))?;
        if !discovery::OFFICE_EXTENSIONS.contains(&ext.as_str()) {
            return Err(AppError::NotFound("office application for this file"));
        }
        let action = d
            .action_for(&ext, r.access() >= Access::Edit)
            .ok_or(AppError::NotFound("office application for this file"))?;
        self.access.audit_read(a, &r, "office.open", meta).await?;
        let expires_at = self.clock.now().millis() + proof::TOKEN_TTL_MS;
        let grant = Grant { tenant: a.tenant_id, person: a.person_id, node, expires_at };
        let token = proof::mint(&self.token_key().await?, &grant);
        let src = format!("{}/wopi/files/{node}", wopi_base.trim_end_matches('/'));
        let action_url = format!("{}WOPISrc={}&lang=da", action.urlsrc, percent(&src));
        Ok(OfficeOpen { action_url, access_token: token, access_token_ttl: expires_at })
    }

    /// The caller of a WOPI request on `node`: the token must be Tavle's, unexpired and for
    /// that file, its person still able to log in, and the proof (when the office server
    /// publishes keys) must hold — with keys fetched again once if it does not.
    pub async fn authenticate(&self, token: &str, node: NodeId, proof: &ProofHeaders) -> AppResult<WopiCaller> {
        let now = self.clock.now().millis();
        let grant = proof::check(&self.token_key().await?, token, now).ok_or(AppError::Unauthenticated)?;
        if grant.node != node {
            return Err(AppError::Unauthenticated);
        }
        let (server, d) = self.discovery(grant.tenant).await?.ok_or(AppError::Unauthenticated)?;
        if let Some(keys) = &d.proof {
            let holds = |k: &discovery::ProofKeys| match (&proof.proof, &proof.timestamp) {
                (Some(p), Some(ts)) => ts
                    .parse::<i64>()
                    .is_ok_and(|t| proof::verify(k, token, &proof.url, t, p, proof.proof_old.as_deref(), now)),
                _ => false,
            };
            if !holds(keys) {
                // The office server may have new keys (it makes them when it restarts).
                let fresh = if now - server.fetched_at > REFETCH_AFTER_MS {
                    self.refetch(grant.tenant, &server).await
                } else {
                    None
                };
                if !fresh.as_ref().and_then(|d| d.proof.as_ref()).is_some_and(holds) {
                    tracing::warn!(node = %node, "a WOPI request's proof does not hold");
                    return Err(AppError::Unauthenticated);
                }
            }
        }
        let mut conn = self.store.read().await?;
        let person = conn.person(grant.tenant, grant.person).await?.ok_or(AppError::Unauthenticated)?;
        if !person.status.can_log_in() {
            return Err(AppError::AccountDisabled);
        }
        let actor = conn.actor(grant.tenant, grant.person, person.status).await?;
        Ok(WopiCaller { session: Session::new(actor, format!("wopi:{}", grant.person), String::new()), grant })
    }

    /// Reads the discovery again and keeps it; `None` if it cannot be read.
    async fn refetch(&self, tenant: tavle_core::TenantId, server: &OfficeServer) -> Option<Discovery> {
        let d = fetch(&server.discovery_url).await.ok()?;
        let fresh = OfficeServer {
            discovery_url: server.discovery_url.clone(),
            discovery: serde_json::to_string(&d).ok()?,
            fetched_at: self.clock.now().millis(),
        };
        let mut tx = self.store.write().await.ok()?;
        tx.put_office_server(tenant, &fresh, None).await.ok()?;
        tx.commit().await.ok()?;
        Some(d)
    }
}

fn bad_url(why: String) -> AppError {
    InvalidInput::new("discovery_url", Reason::BadFormat, why).into()
}

/// Reads and parses a discovery (at most 1 MiB, 10 s).
async fn fetch(url: &str) -> Result<Discovery, String> {
    // HTTPS needs rustls's provider, which the S3 client installs only when it is used.
    tavle_blob::install_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client.get(url).send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("it answered {}", resp.status()));
    }
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if body.len() > MAX_DISCOVERY {
        return Err("it is larger than 1 MiB".into());
    }
    discovery::parse(&String::from_utf8_lossy(&body))
}

/// `s` percent-encoded as a query value.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
