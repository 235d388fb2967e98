//! Tavle documents' stored form (migration 0020): a snapshot per document and the updates
//! committed since. Loading reads both; compaction replaces the snapshot and deletes exactly
//! the update rows it folded in, so an update committed meanwhile is kept whatever its id.

use std::ops::DerefMut;

use sqlx::{AnyConnection, Row};
use tavle_core::{NodeId, PersonId, TenantId};

use crate::row::{int, placeholders};
use crate::{Db, Result, StoreError};

/// A document as stored: its snapshot and every update recorded after it, oldest first.
#[derive(Clone, Debug, Default)]
pub struct StoredDocument {
    pub snapshot: Vec<u8>,
    /// `(id, update)` in the order of their ids.
    pub updates: Vec<(i64, Vec<u8>)>,
}

impl StoredDocument {
    /// The bytes of the updates not yet folded into the snapshot.
    pub fn update_bytes(&self) -> usize {
        self.updates.iter().map(|(_, u)| u.len()).sum()
    }
}

/// How many update ids one `DELETE … IN (…)` names.
const DELETE_CHUNK: usize = 500;

fn bytes(r: &sqlx::any::AnyRow, col: &str) -> Result<Vec<u8>> {
    r.try_get::<Vec<u8>, _>(col).map_err(StoreError::Database)
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Stores a new document's first snapshot (the node must be there, of the same tenant).
    pub async fn insert_document(&mut self, tenant: TenantId, node: NodeId, snapshot: &[u8], now: i64) -> Result<()> {
        sqlx::query("INSERT INTO document (tenant_id, node_id, snapshot, compacted_at) VALUES ($1, $2, $3, $4)")
            .bind(tenant.to_string())
            .bind(node.to_string())
            .bind(snapshot.to_vec())
            .bind(now)
            .execute(self.c())
            .await?;
        Ok(())
    }

    /// A document's snapshot and the updates after it; `None` if it has no stored state.
    pub async fn document_state(&mut self, tenant: TenantId, node: NodeId) -> Result<Option<StoredDocument>> {
        let Some(row) = sqlx::query("SELECT snapshot FROM document WHERE tenant_id = $1 AND node_id = $2")
            .bind(tenant.to_string())
            .bind(node.to_string())
            .fetch_optional(self.c())
            .await?
        else {
            return Ok(None);
        };
        let snapshot = bytes(&row, "snapshot")?;
        let updates = self.document_updates_after(tenant, node, 0).await?;
        Ok(Some(StoredDocument { snapshot, updates }))
    }

    /// A document's updates with an id above `after`, oldest first.
    pub async fn document_updates_after(
        &mut self,
        tenant: TenantId,
        node: NodeId,
        after: i64,
    ) -> Result<Vec<(i64, Vec<u8>)>> {
        let rows = sqlx::query(
            "SELECT id, data FROM document_update WHERE tenant_id = $1 AND node_id = $2 AND id > $3 ORDER BY id",
        )
        .bind(tenant.to_string())
        .bind(node.to_string())
        .bind(after)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(|r| Ok((int(r, "id")?, bytes(r, "data")?))).collect()
    }

    /// Records one update to a document; its id orders it among the document's updates.
    pub async fn append_document_update(
        &mut self,
        tenant: TenantId,
        node: NodeId,
        data: &[u8],
        by: PersonId,
        at: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO document_update (tenant_id, node_id, data, by_person, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(tenant.to_string())
        .bind(node.to_string())
        .bind(data.to_vec())
        .bind(by.to_string())
        .bind(at)
        .fetch_one(self.c())
        .await?;
        int(&row, "id")
    }

    /// Replaces a document's snapshot with one that holds the updates `folded` (their ids),
    /// and deletes exactly those.
    pub async fn compact_document(
        &mut self,
        tenant: TenantId,
        node: NodeId,
        snapshot: &[u8],
        folded: &[i64],
        now: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE document SET snapshot = $3, compacted_at = $4 WHERE tenant_id = $1 AND node_id = $2")
            .bind(tenant.to_string())
            .bind(node.to_string())
            .bind(snapshot.to_vec())
            .bind(now)
            .execute(self.c())
            .await?;
        for ids in folded.chunks(DELETE_CHUNK) {
            let sql = format!(
                "DELETE FROM document_update WHERE tenant_id = $1 AND node_id = $2 AND id IN ({})",
                placeholders(3, ids.len())
            );
            let mut q = sqlx::query(&sql).bind(tenant.to_string()).bind(node.to_string());
            for id in ids {
                q = q.bind(*id);
            }
            q.execute(self.c()).await?;
        }
        Ok(())
    }

    /// Gives the document node `to` the stored state of `from` (a copy of a document).
    pub async fn copy_document(&mut self, tenant: TenantId, from: NodeId, to: NodeId) -> Result<()> {
        sqlx::query(
            "INSERT INTO document (tenant_id, node_id, snapshot, compacted_at) \
             SELECT tenant_id, $3, snapshot, compacted_at FROM document WHERE tenant_id = $1 AND node_id = $2",
        )
        .bind(tenant.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .execute(self.c())
        .await?;
        sqlx::query(
            "INSERT INTO document_update (tenant_id, node_id, data, by_person, at) \
             SELECT tenant_id, $3, data, by_person, at FROM document_update WHERE tenant_id = $1 AND node_id = $2 ORDER BY id",
        )
        .bind(tenant.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .execute(self.c())
        .await?;
        Ok(())
    }
}
