//! Building audit records. Every login, logout, failure, change and read of another person's
//! data is recorded in the same transaction as the work it describes.

use tavle_core::policy::Actor;
use tavle_core::{TenantId, Timestamp};
use tavle_store::AuditEvent;

/// Where a request came from, for the audit log and throttling.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub source: String,
    pub user_agent: String,
    /// The browser's device cookie, if it sent one (see `App::login`).
    pub device: Option<String>,
}

pub(crate) fn event<'a>(
    actor: &Actor,
    at: Timestamp,
    action: &'a str,
    subject: impl ToString,
    meta: &'a RequestMeta,
    detail: serde_json::Value,
) -> AuditEvent<'a> {
    AuditEvent {
        tenant_id: Some(actor.tenant_id),
        at,
        actor_id: Some(actor.person_id),
        action,
        outcome: "ok",
        subject: Some(subject.to_string()),
        source: Some(meta.source.as_str()),
        detail: detail.to_string(),
    }
}

pub(crate) fn anonymous<'a>(
    tenant: Option<TenantId>,
    at: Timestamp,
    action: &'a str,
    outcome: &'a str,
    subject: &str,
    meta: &'a RequestMeta,
) -> AuditEvent<'a> {
    AuditEvent {
        tenant_id: tenant,
        at,
        actor_id: None,
        action,
        outcome,
        subject: Some(subject.to_string()),
        source: Some(meta.source.as_str()),
        detail: serde_json::json!({ "user_agent": meta.user_agent }).to_string(),
    }
}
