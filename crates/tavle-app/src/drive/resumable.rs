//! Resumable uploads, for the web app (tus 1.0) and the sync clients (Nextcloud's chunked
//! uploads): a session collects parts, each stored as its own object as soon as it arrives,
//! so a broken connection loses at most the part in flight; when the last part is in, the
//! parts are streamed in order through the ordinary upload (hashing, deduplication, quota,
//! versions) and the session goes. Parts are not files: they count against the quota only
//! as a cap on what a session may hold, and `tavle check` removes the objects of sessions
//! that were never finished.

use crate::Conflict;
use bytes::Bytes;
use futures_util::StreamExt;
use tavle_blob::{BlobError, BlobKey, STAGING_GRACE_SECS};
use tavle_core::dav::{UploadPart, UploadSession};
use tavle_core::drive::{file_name, Access};
use tavle_core::{NodeId, TenantId};
use tavle_store::StoreError;

use super::upload::{Conditions, Upload};
use super::Drive;
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// A session ends an hour before `tavle check` may take its parts for debris.
pub const UPLOAD_SESSION_SECS: i64 = STAGING_GRACE_SECS - 3600;

/// Sessions a person may have open at once.
const MAX_OPEN_SESSIONS: i64 = 100;

/// Which protocol a session speaks; each has its own namespace of client keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Tus,
    Nextcloud,
}

impl Protocol {
    fn code(self) -> &'static str {
        match self {
            Protocol::Tus => "tus",
            Protocol::Nextcloud => "nextcloud",
        }
    }
}

/// Where a finished upload goes, and what it must satisfy.
#[derive(Clone, Copy, Debug)]
pub struct Finish<'a> {
    pub folder: NodeId,
    pub name: &'a str,
    pub cond: &'a Conditions,
    /// The file's modification time as the client knows it (milliseconds).
    pub mtime: Option<i64>,
    /// The length the client says it sent (Nextcloud's `OC-Total-Length`); must match.
    pub expected_total: Option<i64>,
}

/// The order parts are assembled in: by number when the names are numbers (Nextcloud's
/// chunks `1`, `2`, … `10`), else by name (tus parts are zero-padded offsets).
fn assembly_order(parts: &mut [UploadPart]) {
    parts.sort_by(|a, b| match (a.name.parse::<u64>(), b.name.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.name.cmp(&b.name),
    });
}

impl Drive {
    /// Starts a session. For tus, the folder and name are known now and checked at once, and
    /// so is the announced length against the free quota.
    pub async fn upload_session_start(
        &self,
        s: &Session,
        protocol: Protocol,
        client_key: Option<&str>,
        target: Option<(NodeId, &str)>,
        total_length: Option<i64>,
    ) -> AppResult<UploadSession> {
        let a = &s.actor;
        let now = self.clock.now();
        let mut folder_id = None;
        let mut name = None;
        let space = if let Some((folder, n)) = target {
            let mut conn = self.store.read().await?;
            let r = self.access.reach(&mut conn, a, folder, false).await?;
            r.require(Access::Edit)?;
            r.require_folder()?;
            folder_id = Some(folder);
            name = Some(file_name(n)?);
            r.space().clone()
        } else {
            self.personal_space(s).await?.space().clone()
        };
        if let Some(total) = total_length {
            if total < 0 {
                return Err(tavle_core::InvalidInput::new(
                    "length",
                    tavle_core::Reason::OutOfRange,
                    "The length is negative.",
                )
                .into());
            }
            // What the person's other unfinished uploads hold or announced takes room too, so
            // many announced uploads cannot together go past the quota. Sums saturate: an
            // announced length near 2^63 is simply too large.
            let personal = space.kind == tavle_core::drive::SpaceKind::Personal(a.person_id);
            let pending = self
                .store
                .read()
                .await?
                .pending_upload_bytes(a.tenant_id, a.person_id, space.id, personal, now.millis(), None)
                .await?;
            let quota = self.content.quota_of(&space);
            if space.used_bytes.saturating_add(pending).saturating_add(total) > quota {
                return Err(AppError::QuotaExceeded { quota, used: space.used_bytes.saturating_add(pending) });
            }
        }
        let id = uuid::Uuid::now_v7();
        let row = UploadSession {
            id,
            tenant_id: a.tenant_id,
            person_id: a.person_id,
            protocol: protocol.code().into(),
            client_key: client_key.map_or_else(|| id.to_string(), str::to_string),
            folder_id,
            name,
            total_length,
            received: 0,
            created_at: now.millis(),
            expires_at: now.plus_secs(UPLOAD_SESSION_SECS).millis(),
        };
        let mut tx = self.store.write().await?;
        if tx.upload_sessions_open(a.tenant_id, a.person_id, now.millis()).await? >= MAX_OPEN_SESSIONS {
            return Err(Conflict::TooManyUploads.into());
        }
        match tx.insert_upload_session(&row).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(Conflict::UploadExists.into()),
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(row)
    }

    /// The caller's live session with this key.
    pub async fn upload_session(&self, s: &Session, protocol: Protocol, client_key: &str) -> AppResult<UploadSession> {
        let a = &s.actor;
        let now = self.clock.now().millis();
        let found =
            self.store.read().await?.upload_session(a.tenant_id, a.person_id, protocol.code(), client_key).await?;
        found.filter(|u| u.expires_at > now).ok_or(AppError::NotFound("upload"))
    }

    /// The parts of a session, in the order they will be assembled.
    pub async fn upload_parts(&self, s: &Session, session: &UploadSession) -> AppResult<Vec<UploadPart>> {
        let mut parts = self.store.read().await?.upload_parts(s.actor.tenant_id, session.id).await?;
        assembly_order(&mut parts);
        Ok(parts)
    }

    /// Stores a part. For tus, `offset` must be where the upload stands (a part that arrived
    /// twice, or out of order, is refused); a Nextcloud chunk sent again replaces the old one.
    pub async fn upload_part<S, E>(
        &self,
        s: &Session,
        session: &UploadSession,
        part_name: &str,
        offset: Option<i64>,
        body: S,
    ) -> AppResult<UploadSession>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let a = &s.actor;
        if offset.is_some_and(|o| o != session.received) {
            return Err(Conflict::UploadOffset(session.received).into());
        }
        let space = self.session_space(s, session).await?;
        let quota = self.content.quota_of(&space);
        // Parts waiting in the person's other sessions into this drive count against the room,
        // as files do.
        let now = self.clock.now().millis();
        let personal = space.kind == tavle_core::drive::SpaceKind::Personal(a.person_id);
        let pending = self
            .store
            .read()
            .await?
            .pending_upload_bytes(a.tenant_id, a.person_id, space.id, personal, now, Some(session.id))
            .await?;
        let free = quota.saturating_sub(space.used_bytes).saturating_sub(pending).saturating_sub(session.received);
        let room = match session.total_length {
            Some(total) => (total - session.received).min(free.max(0)),
            None => free,
        };
        let Some(written) = self.content.intake(a.tenant_id, body, u64::try_from(room).unwrap_or(0)).await? else {
            return Err(if session.total_length.is_some_and(|t| t - session.received <= free) {
                Conflict::PastAnnouncedLength.into()
            } else {
                AppError::QuotaExceeded { quota, used: space.used_bytes }
            });
        };
        let part = UploadPart {
            upload_id: session.id,
            name: part_name.to_string(),
            blob_id: written.key.blob,
            size: i64::try_from(written.size).unwrap_or(i64::MAX),
            created_at: self.clock.now().millis(),
        };
        let recorded = async {
            let mut tx = self.store.write().await?;
            // The session may have ended (or, for tus, moved on) meanwhile.
            let now = self.clock.now().millis();
            let current = tx.upload_session(a.tenant_id, a.person_id, &session.protocol, &session.client_key).await?;
            let current =
                current.filter(|u| u.id == session.id && u.expires_at > now).ok_or(AppError::NotFound("upload"))?;
            if offset.is_some_and(|o| o != current.received) {
                return Err(Conflict::UploadOffset(current.received).into());
            }
            let replaced = tx.put_upload_part(a.tenant_id, &part).await?;
            tx.commit().await?;
            Ok::<_, AppError>(replaced)
        };
        match recorded.await {
            Ok(replaced) => {
                if let Some(old) = replaced {
                    self.content.delete_blob_quietly(BlobKey { tenant: a.tenant_id, blob: old.blob_id }).await;
                }
            }
            Err(e) => {
                self.content.delete_blob_quietly(written.key).await;
                return Err(e);
            }
        }
        self.upload_session(
            s,
            if session.protocol == "tus" { Protocol::Tus } else { Protocol::Nextcloud },
            &session.client_key,
        )
        .await
    }

    /// Assembles a finished session into its file and ends the session.
    pub async fn upload_finish(&self, s: &Session, session: &UploadSession, f: &Finish<'_>) -> AppResult<Upload> {
        let Finish { folder, name, cond, mtime, expected_total } = *f;
        let a = &s.actor;
        let parts = self.upload_parts(s, session).await?;
        let received: i64 = parts.iter().map(|p| p.size).sum();
        if let Some(t) = expected_total.or(session.total_length) {
            if t != received {
                return Err(Conflict::UploadIncomplete { received, announced: t }.into());
            }
        }
        let tenant = a.tenant_id;
        // The parts one after the other, each opened when the one before has been read.
        let state = (parts.clone().into_iter(), None::<tavle_blob::ByteStream>, self.blobs.clone());
        let body: futures_util::stream::BoxStream<'static, Result<Bytes, BlobError>> =
            futures_util::stream::unfold(state, move |(mut rest, mut current, blobs)| async move {
                loop {
                    if let Some(s) = current.as_mut() {
                        if let Some(item) = s.next().await {
                            return Some((item, (rest, current, blobs)));
                        }
                    }
                    let part = rest.next()?;
                    match blobs.read(BlobKey { tenant, blob: part.blob_id }, None).await {
                        Ok(s) => current = Some(s),
                        Err(e) => return Some((Err(e), (rest, None, blobs))),
                    }
                }
            })
            .boxed();
        let up = self.upload(s, folder, name, body, cond, mtime).await?;
        self.end_upload_session(tenant, session.id, &parts).await?;
        Ok(up)
    }

    /// Cancels a session and removes its parts.
    pub async fn upload_abort(&self, s: &Session, session: &UploadSession) -> AppResult<()> {
        let parts = self.upload_parts(s, session).await?;
        self.end_upload_session(s.actor.tenant_id, session.id, &parts).await
    }

    async fn end_upload_session(&self, tenant: TenantId, id: uuid::Uuid, parts: &[UploadPart]) -> AppResult<()> {
        let mut tx = self.store.write().await?;
        tx.delete_upload_session(tenant, id).await?;
        tx.commit().await?;
        for p in parts {
            self.content.delete_blob_quietly(BlobKey { tenant, blob: p.blob_id }).await;
        }
        Ok(())
    }

    /// Forgets the tenant's expired sessions; their parts' objects are then debris that
    /// `tavle check` removes. Returns how many.
    pub(crate) async fn expire_upload_sessions(&self, tenant: TenantId) -> AppResult<u64> {
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let expired = tx.expired_upload_sessions(tenant, now).await?;
        for u in &expired {
            tx.delete_upload_session(tenant, u.id).await?;
        }
        tx.commit().await?;
        Ok(expired.len() as u64)
    }

    /// The space a session's bytes will land in: the tus target's, or the caller's own (a
    /// Nextcloud client names its target only at the end, and it is in the caller's drive).
    async fn session_space(&self, s: &Session, session: &UploadSession) -> AppResult<tavle_core::drive::Space> {
        match session.folder_id {
            Some(folder) => {
                let mut conn = self.store.read().await?;
                Ok(self.access.reach(&mut conn, &s.actor, folder, false).await?.space().clone())
            }
            None => Ok(self.personal_space(s).await?.space().clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_assemble_by_number() {
        let part = |name: &str| UploadPart {
            upload_id: uuid::Uuid::nil(),
            name: name.into(),
            blob_id: tavle_core::BlobId::new(),
            size: 1,
            created_at: 0,
        };
        let mut parts = vec![part("10"), part("2"), part("1")];
        assembly_order(&mut parts);
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["1", "2", "10"]);
    }
}
