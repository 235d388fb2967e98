//! Sharing a file or folder with a person, a class or team, or a whole school, as viewer or
//! editor. A share is one row whatever the size of the group; who may use it is decided when
//! they ask (`tavle_core::policy::shared_access`), so a pupil who joins the class sees what is
//! shared with it, and one who leaves does not. A share with a class ends when the class's
//! school year ends. Who may share: whoever may edit the node through its own drive (not
//! through another share). Every share and its removal is in the audit log.

use crate::Conflict;
use serde_json::json;
use tavle_core::drive::Share;
use tavle_core::drive::{Access, Grantee};
use tavle_core::policy::{allows, person_visibility, Action, GroupFacts, Visibility};
use tavle_core::NodeId;

use super::files::NodeView;
use super::Drive;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// Something shared with the caller: the share, and the node as they may see it.
#[derive(Clone, Debug)]
pub struct SharedItem {
    pub share: Share,
    pub node: NodeView,
    /// The display name of whoever shared it.
    pub shared_by: String,
}

/// Midnight (UTC) after `date`: when a share that lasts through that day ends.
pub(crate) fn end_of(date: time::Date) -> i64 {
    let next = date.next_day().unwrap_or(date);
    next.midnight().assume_utc().unix_timestamp() * 1000
}

impl Drive {
    /// Shares a node, or changes the access of an existing share with the same grantee.
    pub async fn share(
        &self,
        s: &Session,
        node: NodeId,
        grantee: Grantee,
        access: Access,
        meta: &RequestMeta,
    ) -> AppResult<Share> {
        let a = &s.actor;
        let now = self.clock.now();
        if access == Access::None {
            return Err(tavle_core::InvalidInput::new(
                "access",
                tavle_core::Reason::BadFormat,
                "The access must be view or edit.",
            )
            .into());
        }
        self.access.exams_allow_sharing(a).await?;
        let mut tx = self.store.write().await?;
        let r = self.access.reach(&mut tx, a, node, false).await?;
        if r.space_access() < Access::Edit {
            return Err(AppError::Forbidden);
        }
        // The grantee must be someone (or a group, a school) the caller may see.
        let expires_at = match grantee {
            Grantee::Person(p) => {
                if p == a.person_id {
                    return Err(Conflict::SharedWithSelf.into());
                }
                let facts = tx.person_facts(a.tenant_id, p).await?;
                if tx.person(a.tenant_id, p).await?.is_none() || person_visibility(a, &facts) == Visibility::None {
                    return Err(AppError::NotFound("person"));
                }
                None
            }
            Grantee::Group(g) => {
                let group = tx.group(a.tenant_id, g).await?.ok_or(AppError::NotFound("group"))?;
                let facts = GroupFacts { tenant_id: group.tenant_id, school_id: group.school_id, group_id: g };
                if !allows(a, &Action::ViewGroup(&facts)) {
                    return Err(AppError::NotFound("group"));
                }
                let year = tx.school_year(a.tenant_id, group.school_year_id).await?;
                year.map(|y| end_of(y.ends_on))
            }
            Grantee::School(school) => {
                // The policy's facts come from the store, scoped to the caller's municipality,
                // never from the request: a school id of another municipality is not found.
                let found = tx.school(a.tenant_id, school).await?;
                if found.is_none() || !allows(a, &Action::ViewSchool { tenant_id: a.tenant_id, school_id: school }) {
                    return Err(AppError::NotFound("school"));
                }
                None
            }
        };
        let row = tx
            .put_share(&Share {
                id: uuid::Uuid::now_v7(),
                tenant_id: a.tenant_id,
                node_id: node,
                grantee,
                access,
                created_by: a.person_id,
                created_at: now.millis(),
                expires_at,
            })
            .await?;
        let detail = json!({ "node": node.to_string(), "grantee": grantee.kind(), "grantee_id": grantee.id(),
            "access": access.code(), "name": r.node().name });
        tx.append_audit(&event(a, now, "share.create", row.id, meta, detail)).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The shares on a node, for those who may share it.
    pub async fn shares_of(&self, s: &Session, node: NodeId) -> AppResult<Vec<Share>> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, a, node, false).await?;
        if r.space_access() < Access::Edit {
            return Err(AppError::Forbidden);
        }
        Ok(conn.shares_on(a.tenant_id, &[node], self.clock.now().millis()).await?)
    }

    /// The names of the people, groups and schools that shares are with, in the same order
    /// (for the sharing dialog, which shows only shares the caller may see anyway).
    pub async fn grantee_names(&self, s: &Session, shares: &[Share]) -> AppResult<Vec<String>> {
        let tenant = s.actor.tenant_id;
        let mut conn = self.store.read().await?;
        let mut names = Vec::with_capacity(shares.len());
        for share in shares {
            let name = match share.grantee {
                Grantee::Person(p) => conn.person(tenant, p).await?.map(|p| p.display_name),
                Grantee::Group(g) => conn.group(tenant, g).await?.map(|g| g.name),
                Grantee::School(school) => conn.school(tenant, school).await?.map(|s| s.name),
            };
            names.push(name.unwrap_or_default());
        }
        Ok(names)
    }

    /// Ends a share.
    pub async fn unshare(&self, s: &Session, share: uuid::Uuid, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        let row = tx.share(a.tenant_id, share).await?.ok_or(AppError::NotFound("share"))?;
        let r = self.access.reach(&mut tx, a, row.node_id, false).await.map_err(|_| AppError::NotFound("share"))?;
        if r.space_access() < Access::Edit {
            return Err(AppError::NotFound("share"));
        }
        tx.delete_share(a.tenant_id, share).await?;
        let detail =
            json!({ "node": row.node_id.to_string(), "grantee": row.grantee.kind(), "grantee_id": row.grantee.id() });
        tx.append_audit(&event(a, self.clock.now(), "share.delete", share, meta, detail)).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(())
    }

    /// What is shared with the caller: with them, with their classes and teams, with their
    /// schools. Shares of what they have anyway (in their own drives) are left out.
    pub async fn shared_with_me(&self, s: &Session) -> AppResult<Vec<SharedItem>> {
        self.access.exam_lock(&mut self.store.read().await?, &s.actor).await?;
        let a = &s.actor;
        let mut grantees = vec![Grantee::Person(a.person_id)];
        grantees.extend(a.memberships.iter().map(|m| Grantee::Group(m.group_id)));
        let mut schools: Vec<_> = a.schools.iter().copied().chain(a.memberships.iter().map(|m| m.school_id)).collect();
        schools.sort();
        schools.dedup();
        grantees.extend(schools.into_iter().map(Grantee::School));
        let mut conn = self.store.read().await?;
        let shares = conn.shares_with(a.tenant_id, &grantees, self.clock.now().millis()).await?;
        let mut out: Vec<SharedItem> = Vec::with_capacity(shares.len());
        for share in shares {
            if out.iter().any(|i| i.node.node.id == share.node_id) {
                continue;
            }
            // In the trash, or no longer reachable: not shown.
            let Ok(r) = self.access.reach(&mut conn, a, share.node_id, false).await else { continue };
            if r.space_access() > Access::None {
                continue;
            }
            let shared_by =
                conn.person(a.tenant_id, share.created_by).await?.map(|p| p.display_name).unwrap_or_default();
            out.push(SharedItem { share, node: r.into(), shared_by });
        }
        Ok(out)
    }
}
