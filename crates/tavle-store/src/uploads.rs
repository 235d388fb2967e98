//! Resumable upload sessions and the parts received so far.

use tavle_core::dav::{UploadPart, UploadSession};

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{PersonId, SpaceId, TenantId};

use crate::row::{id, int, opt_id, opt_int, opt_text, text};
use crate::{Db, Result};

const SESSION_COLS: &str =
    "id, tenant_id, person_id, protocol, client_key, folder_id, name, total_length, received, created_at, expires_at";

fn session_row(r: &sqlx::any::AnyRow) -> Result<UploadSession> {
    Ok(UploadSession {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        person_id: id(r, "person_id")?,
        protocol: text(r, "protocol")?,
        client_key: text(r, "client_key")?,
        folder_id: opt_id(r, "folder_id")?,
        name: opt_text(r, "name")?,
        total_length: opt_int(r, "total_length")?,
        received: int(r, "received")?,
        created_at: int(r, "created_at")?,
        expires_at: int(r, "expires_at")?,
    })
}

fn part_row(r: &sqlx::any::AnyRow) -> Result<UploadPart> {
    Ok(UploadPart {
        upload_id: id(r, "upload_id")?,
        name: text(r, "name")?,
        blob_id: id(r, "blob_id")?,
        size: int(r, "size")?,
        created_at: int(r, "created_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Starts a session; one with the same client key is a `Conflict`.
    pub async fn insert_upload_session(&mut self, u: &UploadSession) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO upload_session ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(u.id.to_string())
        .bind(u.tenant_id.to_string())
        .bind(u.person_id.to_string())
        .bind(&u.protocol)
        .bind(&u.client_key)
        .bind(u.folder_id.map(|f| f.to_string()))
        .bind(u.name.as_deref())
        .bind(u.total_length)
        .bind(u.received)
        .bind(u.created_at)
        .bind(u.expires_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// A person's session by protocol and client key.
    pub async fn upload_session(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        protocol: &str,
        client_key: &str,
    ) -> Result<Option<UploadSession>> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLS} FROM upload_session \
             WHERE tenant_id = $1 AND person_id = $2 AND protocol = $3 AND client_key = $4"
        ))
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(protocol)
        .bind(client_key)
        .fetch_optional(self.c())
        .await?;
        row.as_ref().map(session_row).transpose()
    }

    /// The bytes a person's live upload sessions into one drive, other than `except`, hold or
    /// have announced: each counts what it received, or the length it announced when that is
    /// more. Pending parts take room in the drive before they become a file. A session that
    /// names no folder yet (Nextcloud's chunks, which go to the person's own files) counts for
    /// their own drive (`personal`).
    pub async fn pending_upload_bytes(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        space: SpaceId,
        personal: bool,
        now: i64,
        except: Option<uuid::Uuid>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN u.total_length > u.received THEN u.total_length ELSE u.received END), 0) \
               AS BIGINT) AS n \
             FROM upload_session u LEFT JOIN node f ON f.id = u.folder_id AND f.tenant_id = u.tenant_id \
             WHERE u.tenant_id = $1 AND u.person_id = $2 AND u.expires_at > $3 AND u.id <> $4 \
             AND ((u.folder_id IS NULL AND $5 = 1) OR f.space_id = $6)",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(now)
        .bind(except.map(|u| u.to_string()).unwrap_or_default())
        .bind(i64::from(personal))
        .bind(space.to_string())
        .fetch_one(self.c())
        .await?;
        int(&row, "n")
    }

    /// How many sessions a person has open.
    pub async fn upload_sessions_open(&mut self, tenant: TenantId, person: PersonId, now: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM upload_session WHERE tenant_id = $1 AND person_id = $2 AND expires_at > $3",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(now)
        .fetch_one(self.c())
        .await?;
        int(&row, "n")
    }

    pub async fn upload_parts(&mut self, tenant: TenantId, upload: uuid::Uuid) -> Result<Vec<UploadPart>> {
        let rows = sqlx::query(
            "SELECT upload_id, name, blob_id, size, created_at FROM upload_part \
             WHERE tenant_id = $1 AND upload_id = $2 ORDER BY name",
        )
        .bind(tenant.to_string())
        .bind(upload.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(part_row).collect()
    }

    /// Records a part (replacing one of the same name, whose row is returned so its object can
    /// go) and counts its bytes.
    pub async fn put_upload_part(&mut self, tenant: TenantId, p: &UploadPart) -> Result<Option<UploadPart>> {
        let old = sqlx::query(
            "SELECT upload_id, name, blob_id, size, created_at FROM upload_part \
             WHERE tenant_id = $1 AND upload_id = $2 AND name = $3",
        )
        .bind(tenant.to_string())
        .bind(p.upload_id.to_string())
        .bind(&p.name)
        .fetch_optional(self.c())
        .await?
        .as_ref()
        .map(part_row)
        .transpose()?;
        if let Some(o) = &old {
            sqlx::query("DELETE FROM upload_part WHERE tenant_id = $1 AND upload_id = $2 AND name = $3")
                .bind(tenant.to_string())
                .bind(o.upload_id.to_string())
                .bind(&o.name)
                .execute(self.c())
                .await?;
        }
        sqlx::query(
            "INSERT INTO upload_part (upload_id, tenant_id, name, blob_id, size, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(p.upload_id.to_string())
        .bind(tenant.to_string())
        .bind(&p.name)
        .bind(p.blob_id.to_string())
        .bind(p.size)
        .bind(p.created_at)
        .execute(self.c())
        .await?;
        sqlx::query("UPDATE upload_session SET received = received + $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(p.upload_id.to_string())
            .bind(p.size - old.as_ref().map_or(0, |o| o.size))
            .execute(self.c())
            .await?;
        Ok(old)
    }

    /// Ends a session and forgets its parts (their objects are the caller's to delete).
    pub async fn delete_upload_session(&mut self, tenant: TenantId, upload: uuid::Uuid) -> Result<()> {
        for sql in [
            "DELETE FROM upload_part WHERE tenant_id = $1 AND upload_id = $2",
            "DELETE FROM upload_session WHERE tenant_id = $1 AND id = $2",
        ] {
            sqlx::query(sql).bind(tenant.to_string()).bind(upload.to_string()).execute(self.c()).await?;
        }
        Ok(())
    }

    /// Sessions of a tenant that expired before `now`.
    pub async fn expired_upload_sessions(&mut self, tenant: TenantId, now: i64) -> Result<Vec<UploadSession>> {
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLS} FROM upload_session WHERE tenant_id = $1 AND expires_at <= $2"
        ))
        .bind(tenant.to_string())
        .bind(now)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(session_row).collect()
    }
}
