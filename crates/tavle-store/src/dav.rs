//! App passwords, WebDAV locks and WebDAV dead properties.

use tavle_core::dav::{AppPassword, DeadProperty, Lock};

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{NodeId, PersonId, SpaceId, TenantId};

use crate::row::{id, int, opt_int, opt_text, text};
use crate::{Db, Result};

fn app_password_row(r: &sqlx::any::AnyRow) -> Result<AppPassword> {
    Ok(AppPassword {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        person_id: id(r, "person_id")?,
        name: text(r, "name")?,
        created_at: int(r, "created_at")?,
        last_used_at: opt_int(r, "last_used_at")?,
    })
}

fn lock_row(r: &sqlx::any::AnyRow) -> Result<Lock> {
    Ok(Lock {
        token: text(r, "token")?,
        tenant_id: id(r, "tenant_id")?,
        space_id: id(r, "space_id")?,
        path: text(r, "path")?,
        href: text(r, "href")?,
        principal: opt_text(r, "principal")?,
        owner_xml: opt_text(r, "owner_xml")?,
        shared: int(r, "shared")? != 0,
        deep: int(r, "deep")? != 0,
        timeout_secs: opt_int(r, "timeout_secs")?,
        expires_at: opt_int(r, "expires_at")?,
    })
}

fn property_row(r: &sqlx::any::AnyRow) -> Result<DeadProperty> {
    Ok(DeadProperty {
        node_id: id(r, "node_id")?,
        namespace: text(r, "namespace")?,
        name: text(r, "name")?,
        prefix: text(r, "prefix")?,
        xml: text(r, "xml")?,
    })
}

const LOCK_COLS: &str =
    "token, tenant_id, space_id, path, href, principal, owner_xml, shared, deep, timeout_secs, expires_at";
const AP_COLS: &str = "id, tenant_id, person_id, name, created_at, last_used_at";

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn insert_app_password(&mut self, p: &AppPassword, secret_hash: &str) -> Result<()> {
        sqlx::query(&format!("INSERT INTO app_password ({AP_COLS}, secret_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
            .bind(p.id.to_string())
            .bind(p.tenant_id.to_string())
            .bind(p.person_id.to_string())
            .bind(&p.name)
            .bind(p.created_at)
            .bind(p.last_used_at)
            .bind(secret_hash)
            .execute(self.c())
            .await?;
        Ok(())
    }

    /// A person's app passwords, newest first.
    pub async fn app_passwords(&mut self, tenant: TenantId, person: PersonId) -> Result<Vec<AppPassword>> {
        let rows = sqlx::query(&format!(
            "SELECT {AP_COLS} FROM app_password WHERE tenant_id = $1 AND person_id = $2 ORDER BY created_at DESC, id DESC"
        ))
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(app_password_row).collect()
    }

    /// Instance-level: the app password with this secret hash (how a WebDAV request finds
    /// its person, like a session token).
    pub async fn app_password_by_hash(&mut self, secret_hash: &str) -> Result<Option<AppPassword>> {
        let row = sqlx::query(&format!("SELECT {AP_COLS} FROM app_password WHERE secret_hash = $1"))
            .bind(secret_hash)
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(app_password_row).transpose()
    }

    /// Revokes one of a person's app passwords; returns whether there was one.
    pub async fn delete_app_password(&mut self, tenant: TenantId, person: PersonId, id: uuid::Uuid) -> Result<bool> {
        let done = sqlx::query("DELETE FROM app_password WHERE tenant_id = $1 AND person_id = $2 AND id = $3")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .bind(id.to_string())
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn touch_app_password(&mut self, tenant: TenantId, id: uuid::Uuid, at: i64) -> Result<()> {
        sqlx::query("UPDATE app_password SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(at)
            .execute(self.c())
            .await?;
        Ok(())
    }

    /// The locks of a space that have not expired at `now`.
    pub async fn dav_locks(&mut self, tenant: TenantId, space: SpaceId, now: i64) -> Result<Vec<Lock>> {
        let rows = sqlx::query(&format!(
            "SELECT {LOCK_COLS} FROM dav_lock WHERE tenant_id = $1 AND space_id = $2 \
             AND (expires_at IS NULL OR expires_at > $3) ORDER BY path"
        ))
        .bind(tenant.to_string())
        .bind(space.to_string())
        .bind(now)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(lock_row).collect()
    }

    pub async fn insert_dav_lock(&mut self, l: &Lock) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO dav_lock ({LOCK_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(&l.token)
        .bind(l.tenant_id.to_string())
        .bind(l.space_id.to_string())
        .bind(&l.path)
        .bind(&l.href)
        .bind(l.principal.as_deref())
        .bind(l.owner_xml.as_deref())
        .bind(i64::from(l.shared))
        .bind(i64::from(l.deep))
        .bind(l.timeout_secs)
        .bind(l.expires_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Sets a lock's timeout anew.
    pub async fn refresh_dav_lock(&mut self, l: &Lock) -> Result<()> {
        sqlx::query("UPDATE dav_lock SET timeout_secs = $3, expires_at = $4 WHERE tenant_id = $1 AND token = $2")
            .bind(l.tenant_id.to_string())
            .bind(&l.token)
            .bind(l.timeout_secs)
            .bind(l.expires_at)
            .execute(self.c())
            .await?;
        Ok(())
    }

    pub async fn delete_dav_lock(&mut self, tenant: TenantId, token: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM dav_lock WHERE tenant_id = $1 AND token = $2")
            .bind(tenant.to_string())
            .bind(token)
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes every lock on `path` and below it, and expired locks of the space.
    pub async fn delete_dav_locks_under(
        &mut self,
        tenant: TenantId,
        space: SpaceId,
        path: &str,
        now: i64,
    ) -> Result<()> {
        let below = format!("{}/%", crate::drive::like_escape(path.trim_end_matches('/')));
        sqlx::query(
            "DELETE FROM dav_lock WHERE tenant_id = $1 AND space_id = $2 \
             AND (path = $3 OR path LIKE $4 ESCAPE '\\' OR expires_at <= $5)",
        )
        .bind(tenant.to_string())
        .bind(space.to_string())
        .bind(path)
        .bind(below)
        .bind(now)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// The properties set on a node.
    pub async fn dav_properties(&mut self, tenant: TenantId, node: NodeId) -> Result<Vec<DeadProperty>> {
        let rows = sqlx::query(
            "SELECT node_id, namespace, name, prefix, xml FROM dav_property WHERE tenant_id = $1 AND node_id = $2 \
             ORDER BY namespace, name",
        )
        .bind(tenant.to_string())
        .bind(node.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(property_row).collect()
    }

    /// The properties set on the children of a folder (for listing it in one query).
    pub async fn dav_properties_of_children(&mut self, tenant: TenantId, parent: NodeId) -> Result<Vec<DeadProperty>> {
        let rows = sqlx::query(
            "SELECT p.node_id, p.namespace, p.name, p.prefix, p.xml FROM dav_property p \
             JOIN node n ON n.id = p.node_id WHERE p.tenant_id = $1 AND n.parent_id = $2 AND n.trashed_at IS NULL",
        )
        .bind(tenant.to_string())
        .bind(parent.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(property_row).collect()
    }

    pub async fn put_dav_property(&mut self, tenant: TenantId, p: &DeadProperty) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO dav_property (tenant_id, node_id, namespace, name, prefix, xml) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (node_id, namespace, name) DO UPDATE SET prefix = excluded.prefix, xml = excluded.xml \
             WHERE dav_property.tenant_id = excluded.tenant_id",
        )
        .bind(tenant.to_string())
        .bind(p.node_id.to_string())
        .bind(&p.namespace)
        .bind(&p.name)
        .bind(&p.prefix)
        .bind(&p.xml)
        .execute(self.c())
        .await?;
        crate::other_tenant(done.rows_affected(), "dav_property")
    }

    pub async fn delete_dav_property(
        &mut self,
        tenant: TenantId,
        node: NodeId,
        namespace: &str,
        name: &str,
    ) -> Result<()> {
        sqlx::query("DELETE FROM dav_property WHERE tenant_id = $1 AND node_id = $2 AND namespace = $3 AND name = $4")
            .bind(tenant.to_string())
            .bind(node.to_string())
            .bind(namespace)
            .bind(name)
            .execute(self.c())
            .await?;
        Ok(())
    }
}

/// A Login Flow v2 in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginFlowRow {
    pub login_token_hash: String,
    pub poll_token_hash: String,
    pub device: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// Who approved it, when someone has.
    pub granted: Option<(TenantId, PersonId, String)>,
}

fn login_flow_row(r: &sqlx::any::AnyRow) -> Result<LoginFlowRow> {
    let tenant: Option<TenantId> = crate::row::opt_id(r, "tenant_id")?;
    let person: Option<PersonId> = crate::row::opt_id(r, "person_id")?;
    let username = opt_text(r, "username")?;
    Ok(LoginFlowRow {
        login_token_hash: text(r, "login_token_hash")?,
        poll_token_hash: text(r, "poll_token_hash")?,
        device: text(r, "device")?,
        created_at: int(r, "created_at")?,
        expires_at: int(r, "expires_at")?,
        granted: match (tenant, person, username) {
            (Some(t), Some(p), Some(u)) => Some((t, p, u)),
            _ => None,
        },
    })
}

const FLOW_COLS: &str =
    "login_token_hash, poll_token_hash, device, created_at, expires_at, tenant_id, person_id, username";

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Instance-level: a flow belongs to nobody until it is approved.
    pub async fn insert_login_flow(&mut self, f: &LoginFlowRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_flow (login_token_hash, poll_token_hash, device, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&f.login_token_hash)
        .bind(&f.poll_token_hash)
        .bind(&f.device)
        .bind(f.created_at)
        .bind(f.expires_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Instance-level: a live flow by the hash of its login token (the approving page's).
    pub async fn login_flow_by_login(&mut self, hash: &str, now: i64) -> Result<Option<LoginFlowRow>> {
        let row =
            sqlx::query(&format!("SELECT {FLOW_COLS} FROM login_flow WHERE login_token_hash = $1 AND expires_at > $2"))
                .bind(hash)
                .bind(now)
                .fetch_optional(self.c())
                .await?;
        row.as_ref().map(login_flow_row).transpose()
    }

    /// Instance-level: a live flow by the hash of its poll token (the client's).
    pub async fn login_flow_by_poll(&mut self, hash: &str, now: i64) -> Result<Option<LoginFlowRow>> {
        let row =
            sqlx::query(&format!("SELECT {FLOW_COLS} FROM login_flow WHERE poll_token_hash = $1 AND expires_at > $2"))
                .bind(hash)
                .bind(now)
                .fetch_optional(self.c())
                .await?;
        row.as_ref().map(login_flow_row).transpose()
    }

    /// Records who approved a flow (only a flow nobody approved yet).
    pub async fn grant_login_flow(
        &mut self,
        hash: &str,
        tenant: TenantId,
        person: PersonId,
        username: &str,
        at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE login_flow SET tenant_id = $2, person_id = $3, username = $4, granted_at = $5 \
             WHERE login_token_hash = $1 AND person_id IS NULL",
        )
        .bind(hash)
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(username)
        .bind(at)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a flow; returns whether it was still there (so it is handed over only once).
    pub async fn delete_login_flow(&mut self, login_token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM login_flow WHERE login_token_hash = $1")
            .bind(login_token_hash)
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Instance-level housekeeping: removes flows that expired.
    pub async fn delete_expired_login_flows(&mut self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_flow WHERE expires_at <= $1").bind(now).execute(self.c()).await?;
        Ok(done.rows_affected())
    }
}
