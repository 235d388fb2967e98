//! Spaces (drives): whose they are, their root folder, quota and usage.

use tavle_core::drive::Space;

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::drive::SpaceKind;
use tavle_core::{SpaceId, TenantId};

use crate::row::{id, int, opt_int, placeholders, text};
use crate::{Db, Result, StoreError};
use tavle_core::drive::Node;

const SPACE_COLS: &str = "id, tenant_id, kind, owner_id, school_id, root_id, quota_bytes, used_bytes, created_at";

fn owner_columns(kind: &SpaceKind) -> (String, String) {
    match kind {
        SpaceKind::Personal(p) => (p.to_string(), String::new()),
        SpaceKind::Group { group, school } => (group.to_string(), school.to_string()),
        SpaceKind::Staff(school) => (school.to_string(), school.to_string()),
    }
}

fn space_row(r: &sqlx::any::AnyRow) -> Result<Space> {
    let kind = match text(r, "kind")?.as_str() {
        "personal" => SpaceKind::Personal(id(r, "owner_id")?),
        "group" => SpaceKind::Group { group: id(r, "owner_id")?, school: id(r, "school_id")? },
        "staff" => SpaceKind::Staff(id(r, "owner_id")?),
        other => return Err(StoreError::Corrupt(format!("unknown space kind {other:?}"))),
    };
    Ok(Space {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        kind,
        root_id: id(r, "root_id")?,
        quota_bytes: opt_int(r, "quota_bytes")?,
        used_bytes: int(r, "used_bytes")?,
        created_at: int(r, "created_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn space(&mut self, tenant: TenantId, space: SpaceId) -> Result<Option<Space>> {
        let row = sqlx::query(&format!("SELECT {SPACE_COLS} FROM space WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(space.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(space_row).transpose()
    }

    /// The spaces of these owners (people, groups, schools) that exist so far.
    pub async fn spaces_of(&mut self, tenant: TenantId, kinds: &[SpaceKind]) -> Result<Vec<Space>> {
        if kinds.is_empty() {
            return Ok(vec![]);
        }
        let list = placeholders(2, kinds.len());
        let sql = format!(
            "SELECT {SPACE_COLS} FROM space WHERE tenant_id = $1 AND owner_id IN ({}) ORDER BY created_at",
            list
        );
        let mut q = sqlx::query(&sql).bind(tenant.to_string());
        for k in kinds {
            q = q.bind(owner_columns(k).0);
        }
        let rows = q.fetch_all(self.c()).await?;
        let spaces: Vec<Space> = rows.iter().map(space_row).collect::<Result<_>>()?;
        Ok(spaces.into_iter().filter(|s| kinds.contains(&s.kind)).collect())
    }

    /// Creates a space with its root folder. A space that exists already (created by another
    /// request at the same moment) is a `Conflict`.
    pub async fn insert_space(&mut self, space: &Space, root: &Node) -> Result<()> {
        let (owner, school) = owner_columns(&space.kind);
        sqlx::query(
            "INSERT INTO space (id, tenant_id, kind, owner_id, school_id, root_id, quota_bytes, used_bytes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(space.id.to_string())
        .bind(space.tenant_id.to_string())
        .bind(space.kind.code())
        .bind(owner)
        .bind(school)
        .bind(space.root_id.to_string())
        .bind(space.quota_bytes)
        .bind(space.used_bytes)
        .bind(space.created_at)
        .execute(self.c())
        .await?;
        self.insert_node(root).await
    }

    /// Adds `delta` bytes (negative to free) to a space's usage.
    pub async fn add_used(&mut self, tenant: TenantId, space: SpaceId, delta: i64) -> Result<()> {
        if delta != 0 {
            sqlx::query("UPDATE space SET used_bytes = used_bytes + $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.to_string())
                .bind(space.to_string())
                .bind(delta)
                .execute(self.c())
                .await?;
        }
        Ok(())
    }

    /// Adds `delta` bytes to a space's usage if the usage stays within `quota` (freeing is
    /// always allowed). One statement, so concurrent uploads cannot both slip under the quota.
    /// Returns whether it was added.
    pub async fn charge_space(&mut self, tenant: TenantId, space: SpaceId, delta: i64, quota: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE space SET used_bytes = used_bytes + $3 \
             WHERE tenant_id = $1 AND id = $2 AND ($3 <= 0 OR used_bytes + $3 <= $4)",
        )
        .bind(tenant.to_string())
        .bind(space.to_string())
        .bind(delta)
        .bind(quota)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets a space's quota (`None`: back to the default for its kind).
    pub async fn set_quota(&mut self, tenant: TenantId, space: SpaceId, quota: Option<i64>) -> Result<()> {
        sqlx::query("UPDATE space SET quota_bytes = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(space.to_string())
            .bind(quota)
            .execute(self.c())
            .await?;
        Ok(())
    }
}
