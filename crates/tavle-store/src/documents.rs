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
        let updates = self.document_updates(tenant, node).await?;
        Ok(Some(StoredDocument { snapshot, updates }))
    }

    /// A document's stored updates, oldest first.
    async fn document_updates(&mut self, tenant: TenantId, node: NodeId) -> Result<Vec<(i64, Vec<u8>)>> {
        let rows =
            sqlx::query("SELECT id, data FROM document_update WHERE tenant_id = $1 AND node_id = $2 ORDER BY id")
                .bind(tenant.to_string())
                .bind(node.to_string())
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

/// The channel on which a committed document update is announced to the other nodes.
const CHANNEL: &str = "tavle_document";

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Announces a recorded update to the other nodes (PostgreSQL; SQLite is one node). Run
    /// in the transaction that records it: PostgreSQL delivers the notice only if it commits.
    /// The notice names the row, not the update (a notice holds at most 8,000 bytes).
    pub async fn announce_document_update(
        &mut self,
        backend: crate::Backend,
        origin: &str,
        tenant: TenantId,
        node: NodeId,
        id: i64,
    ) -> Result<()> {
        self.announce_document_signal(backend, origin, tenant, node, &id.to_string()).await
    }

    /// Announces a notice about a document to the other nodes (PostgreSQL): `what` is an
    /// update's id (above), or, for what is not stored and is sent outside any transaction,
    /// `a:<base64>` (cursors, a y-websocket awareness message) or `c` (the comments changed).
    /// Lost if no node listens, which is what cursors are for.
    pub async fn announce_document_signal(
        &mut self,
        backend: crate::Backend,
        origin: &str,
        tenant: TenantId,
        node: NodeId,
        what: &str,
    ) -> Result<()> {
        if backend == crate::Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(format!("{origin} {tenant} {node} {what}"))
                .execute(self.c())
                .await?;
        }
        Ok(())
    }

    /// One stored update of a document, by its id (`None` once compaction folded it).
    pub async fn document_update(&mut self, tenant: TenantId, node: NodeId, id: i64) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT data FROM document_update WHERE tenant_id = $1 AND node_id = $2 AND id = $3")
            .bind(tenant.to_string())
            .bind(node.to_string())
            .bind(id)
            .fetch_optional(self.c())
            .await?;
        row.map(|r| bytes(&r, "data")).transpose()
    }
}

/// What another node recorded, as its notice said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedEvent {
    /// A document update `id` recorded by the node `origin`.
    Update { origin: String, tenant: TenantId, node: NodeId, id: i64 },
    /// Cursors on another node (a y-websocket awareness message, base64 as sent).
    Awareness { origin: String, tenant: TenantId, node: NodeId, message: String },
    /// The comments of a document changed on another node.
    Comments { origin: String, tenant: TenantId, node: NodeId },
    /// Who may reach what may have changed on another node (a share removed, a node moved):
    /// open connections check their access again.
    Access { origin: String },
    /// The listening connection was lost and made again: notices in between are lost, so
    /// whoever follows must read what it holds open afresh.
    Gap,
}

/// The other nodes' document updates, as PostgreSQL announces them (`LISTEN`).
pub struct DocumentFeed(sqlx::postgres::PgListener);

impl std::fmt::Debug for DocumentFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentFeed")
    }
}

impl DocumentFeed {
    /// The next event; an error only when the database cannot be reached at all.
    pub async fn next(&mut self) -> Result<FeedEvent> {
        loop {
            match self.0.try_recv().await.map_err(StoreError::Database)? {
                None => return Ok(FeedEvent::Gap),
                Some(n) => {
                    let mut parts = n.payload().split(' ');
                    let parsed = (|| {
                        let origin = parts.next()?.to_string();
                        let tenant = parts.next()?.parse().ok()?;
                        let node = parts.next()?.parse().ok()?;
                        let what = parts.next()?;
                        if let Some(message) = what.strip_prefix("a:") {
                            return Some(FeedEvent::Awareness { origin, tenant, node, message: message.to_string() });
                        }
                        if what == "c" {
                            return Some(FeedEvent::Comments { origin, tenant, node });
                        }
                        if what == "x" {
                            return Some(FeedEvent::Access { origin });
                        }
                        Some(FeedEvent::Update { origin, tenant, node, id: what.parse().ok()? })
                    })();
                    match parsed {
                        Some(e) => return Ok(e),
                        None => tracing::warn!(payload = n.payload(), "a document notice that does not parse"),
                    }
                }
            }
        }
    }
}

impl crate::Store {
    /// The feed of other nodes' document updates; `None` on SQLite (one node).
    pub async fn document_feed(&self) -> Result<Option<DocumentFeed>> {
        let Some(url) = &self.listen_url else { return Ok(None) };
        let mut listener = sqlx::postgres::PgListener::connect(url).await.map_err(StoreError::Database)?;
        listener.listen(CHANNEL).await.map_err(StoreError::Database)?;
        Ok(Some(DocumentFeed(listener)))
    }
}
