//! Nextcloud's Login Flow v2, so a sync client gets an app password without the person typing
//! one: the client starts a flow and opens its login address in the browser; the person logs
//! in to Tavle there and approves the device; the client's next poll receives a new app
//! password named after the device, once. Flows expire after 20 minutes.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use serde_json::json;
use tavle_core::dav::AppPassword;
use tavle_store::dav::LoginFlowRow;

use crate::audit::{event, RequestMeta};
use crate::auth::Sessions;
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::secrets::{new_secret, secret_hash};

const FLOW_SECS: i64 = 20 * 60;

fn token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    tavle_blob::hex(&bytes)
}

/// A new flow: the token for the approving page's address, and the client's poll token.
#[derive(Clone, Debug)]
pub struct NewLoginFlow {
    pub login_token: String,
    pub poll_token: String,
}

/// What a successful poll hands the client.
#[derive(Clone, Debug)]
pub struct LoginFlowResult {
    pub username: String,
    pub app_password: String,
}

impl Sessions {
    /// Starts a flow for the device named by its User-Agent.
    pub async fn start_login_flow(&self, device: &str) -> AppResult<NewLoginFlow> {
        let now = self.clock.now();
        let flow = NewLoginFlow { login_token: token(), poll_token: token() };
        let device: String = device.chars().filter(|c| !c.is_control()).take(100).collect();
        let mut tx = self.store.write().await?;
        tx.insert_login_flow(&LoginFlowRow {
            login_token_hash: secret_hash(&flow.login_token),
            poll_token_hash: secret_hash(&flow.poll_token),
            device: if device.trim().is_empty() { "Sync client".into() } else { device },
            created_at: now.millis(),
            expires_at: now.plus_secs(FLOW_SECS).millis(),
            granted: None,
        })
        .await?;
        tx.commit().await?;
        Ok(flow)
    }

    /// The device a flow is for, for the page that asks the person to approve it.
    pub async fn login_flow_device(&self, _s: &Session, login_token: &str) -> AppResult<String> {
        let now = self.clock.now().millis();
        let flow = self.store.read().await?.login_flow_by_login(&secret_hash(login_token), now).await?;
        let flow = flow.filter(|f| f.granted.is_none()).ok_or(AppError::NotFound("login request"))?;
        Ok(flow.device)
    }

    /// The logged-in person approves the flow for their own account.
    pub async fn grant_login_flow(&self, s: &Session, login_token: &str, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let now = self.clock.now();
        let username = self.org.me(s).await?.person.username.clone().ok_or(AppError::Forbidden)?;
        let hash = secret_hash(login_token);
        let mut tx = self.store.write().await?;
        let flow = tx.login_flow_by_login(&hash, now.millis()).await?.ok_or(AppError::NotFound("login request"))?;
        if !tx.grant_login_flow(&hash, a.tenant_id, a.person_id, &username, now.millis()).await? {
            return Err(AppError::NotFound("login request"));
        }
        tx.append_audit(&event(a, now, "login_flow.grant", a.person_id, meta, json!({ "device": flow.device })))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The client's poll: `None` until the flow is approved; then, once, a new app password.
    pub async fn poll_login_flow(&self, poll_token: &str) -> AppResult<Option<LoginFlowResult>> {
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let Some(flow) = tx.login_flow_by_poll(&secret_hash(poll_token), now.millis()).await? else {
            return Ok(None);
        };
        let Some((tenant, person, username)) = flow.granted.clone() else { return Ok(None) };
        if !tx.delete_login_flow(&flow.login_token_hash).await? {
            return Ok(None);
        }
        let secret = new_secret();
        let row = AppPassword {
            id: uuid::Uuid::now_v7(),
            tenant_id: tenant,
            person_id: person,
            name: flow.device.clone(),
            created_at: now.millis(),
            last_used_at: None,
        };
        tx.insert_app_password(&row, &secret_hash(&secret)).await?;
        tx.append_audit(&tavle_store::AuditEvent {
            tenant_id: Some(tenant),
            at: now,
            actor_id: Some(person),
            action: "app_password.create",
            outcome: "ok",
            subject: Some(row.id.to_string()),
            source: None,
            detail: json!({ "name": row.name, "by": "login_flow" }).to_string(),
        })
        .await?;
        tx.commit().await?;
        Ok(Some(LoginFlowResult { username, app_password: secret }))
    }
}
