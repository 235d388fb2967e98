//! The trash and older versions: list, restore, delete for good, and expiry after the
//! configured number of days.

use crate::Conflict;
use tavle_blob::BlobKey;
use tavle_core::drive::{name_key, Access, NodeKind};
use tavle_core::drive::{Node, Version};
use tavle_core::{NodeId, SpaceId, TenantId, VersionId};

use super::files::file_bytes;
use super::Drive;
use crate::audit::RequestMeta;
use crate::caller::Session;
use crate::content::new_etag;
use crate::error::{AppError, AppResult};

const DAY_SECS: i64 = 24 * 3600;

/// "Rapport.docx" → "Rapport (2).docx": a free name for a restored file whose old name is
/// taken again.
pub(crate) fn numbered(name: &str, n: u32) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
        _ => format!("{name} ({n})"),
    }
}

impl Drive {
    /// What is in a space's trash.
    pub async fn trash(&self, s: &Session, space: SpaceId) -> AppResult<Vec<Node>> {
        self.access.exam_lock(&mut self.store.read().await?, &s.actor).await?;
        let view = self.space(s, space).await?;
        let mut conn = self.store.read().await?;
        let mut nodes = conn.trash(s.actor.tenant_id, space).await?;
        if view.access() < Access::Edit {
            // Those who cannot restore see only what they deleted themselves (nothing, today).
            nodes.retain(|n| n.trashed_by == Some(s.actor.person_id));
        }
        Ok(nodes)
    }

    /// Puts a trashed file or folder back where it was; when that folder is gone too, at the
    /// top of the drive; when its name is taken, under a numbered name.
    pub async fn restore(&self, s: &Session, node: NodeId) -> AppResult<Node> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        let r = self.access.reach(&mut tx, a, node, true).await?;
        r.require(Access::Edit)?;
        let mut n = r.node().clone();
        let above = &r.path()[..r.path().len() - 1];
        let parent = match n.parent_id {
            Some(p) if above.iter().all(|f| f.trashed_at.is_none()) => p,
            // The folder it was in is in the trash too (or gone): restore at the top.
            _ => r.space().root_id,
        };
        let mut name = n.name.clone();
        let mut i = 2;
        while tx.child(a.tenant_id, parent, &name_key(&name)).await?.is_some() {
            name = numbered(&n.name, i);
            i += 1;
        }
        n.parent_id = Some(parent);
        n.name = name;
        n.trashed_at = None;
        n.trashed_by = None;
        n.etag = new_etag();
        tx.update_node(&n).await?;
        tx.touch_folders(a.tenant_id, parent, &new_etag()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Deletes a trashed file or folder for good.
    pub async fn purge(&self, s: &Session, node: NodeId) -> AppResult<()> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        let r = self.access.reach(&mut tx, a, node, true).await?;
        r.require(Access::Edit)?;
        let bytes = file_bytes(&tx.subtree(a.tenant_id, node).await?);
        tx.delete_subtree(a.tenant_id, node).await?;
        tx.add_used(a.tenant_id, r.space().id, -bytes).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A file's older versions, newest first.
    pub async fn versions(&self, s: &Session, node: NodeId) -> AppResult<Vec<Version>> {
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, &s.actor, node, false).await?;
        // A Tavle document's versions are listed here too (documents/versions.rs keeps them).
        if r.node().kind == NodeKind::Folder {
            return Err(Conflict::NotAFile.into());
        }
        Ok(conn.versions(s.actor.tenant_id, node).await?)
    }

    /// Opens an older version for reading its contents.
    pub async fn version_download(
        &self,
        s: &Session,
        node: NodeId,
        version: VersionId,
        meta: &RequestMeta,
    ) -> AppResult<crate::content::Download> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, a, node, false).await?;
        let v = conn.version(a.tenant_id, version).await?.filter(|v| v.node_id == node);
        let v = v.ok_or(AppError::NotFound("version"))?;
        drop(conn);
        self.access.audit_read(a, &r, "file.version_download", meta).await?;
        Ok(self.content.download_blob(
            r.node().name.clone(),
            v.size,
            // A version never changes: its id is a strong validator.
            v.id.to_string(),
            v.modified_at,
            Some(v.sha256),
            BlobKey { tenant: a.tenant_id, blob: v.blob_id },
        ))
    }

    /// Makes an older version the file's contents again; the current contents become a
    /// version, so nothing is lost.
    pub async fn restore_version(&self, s: &Session, node: NodeId, version: VersionId) -> AppResult<Node> {
        let a = &s.actor;
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let r = self.access.reach(&mut tx, a, node, false).await?;
        r.require(Access::Edit)?;
        // A document's versions are its states, restored by documents (`restore_version`
        // there), never as the file form's contents.
        if r.node().kind != NodeKind::File {
            return Err(Conflict::NotAFile.into());
        }
        let v = tx.version(a.tenant_id, version).await?.filter(|v| v.node_id == node);
        let v = v.ok_or(AppError::NotFound("version"))?;
        let mut file = r.node().clone();
        self.content.charge(&mut tx, r.space(), v.size - file.size).await?;
        self.keep_version(&mut tx, &file, now).await?;
        tx.delete_version(a.tenant_id, v.id).await?;
        file.blob_id = Some(v.blob_id);
        file.size = v.size;
        file.sha256 = Some(v.sha256);
        file.etag = new_etag();
        file.modified_at = now;
        file.modified_by = Some(a.person_id);
        tx.update_node(&file).await?;
        if let Some(parent) = file.parent_id {
            tx.touch_folders(a.tenant_id, parent, &new_etag()).await?;
        }
        tx.commit().await?;
        Ok(file)
    }

    /// Empties the trash of what was deleted more than `trash_days` ago, drops versions older
    /// than `version_days` and forgets expired upload sessions, for one tenant. Returns (nodes
    /// purged, versions dropped).
    pub async fn expire_drive(&self, tenant: TenantId) -> AppResult<(u64, u64)> {
        let now = self.clock.now();
        let d = &self.cfg.drive;
        let mut tx = self.store.write().await?;
        let old = tx.trashed_before(tenant, now.minus_secs(d.trash_days * DAY_SECS).millis()).await?;
        for n in &old {
            let bytes = file_bytes(&tx.subtree(tenant, n.id).await?);
            tx.delete_subtree(tenant, n.id).await?;
            tx.add_used(tenant, n.space_id, -bytes).await?;
        }
        let versions = tx.expire_versions(tenant, now.minus_secs(d.version_days * DAY_SECS).millis()).await?;
        tx.commit().await?;
        self.expire_upload_sessions(tenant).await?;
        Ok((old.len() as u64, versions))
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn numbered_names_keep_the_extension() {
        assert_eq!(numbered("Rapport.docx", 2), "Rapport (2).docx");
        assert_eq!(numbered("Noter", 3), "Noter (3)");
        assert_eq!(numbered(".bashrc", 2), ".bashrc (2)");
    }
}
