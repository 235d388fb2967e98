//! Classes, teams and their members.

use crate::Conflict;
use serde_json::json;
use tavle_core::names;
use tavle_core::org::{Group, GroupKind, MemberRole};
use tavle_core::policy::{
    allows, person_visibility, sees_group_members_fully, sees_others_fully, Action, GroupFacts, Visibility,
};
use tavle_core::{GroupId, InvalidInput, PersonId, Reason, SchoolId, SchoolYearId};

use super::schools::conflict;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::org::Organisation;
use crate::views::{GroupView, MemberView};

fn facts(g: &Group) -> GroupFacts {
    GroupFacts { tenant_id: g.tenant_id, school_id: g.school_id, group_id: g.id }
}

/// Validates the kind-specific fields of a group.
pub fn group_kind(kind: &str, grade: Option<i64>, letter: Option<&str>, subject: Option<&str>) -> AppResult<GroupKind> {
    Ok(match kind {
        "class" => {
            let grade = grade
                .and_then(|g| u8::try_from(g).ok())
                .filter(|g| *g <= 10)
                .ok_or_else(|| InvalidInput::new("grade", Reason::OutOfRange, "A class needs a grade from 0 to 10."))?;
            let letter = names::display_text("letter", letter.unwrap_or(""), 8)?;
            GroupKind::Class { grade, letter }
        }
        "team" => GroupKind::Team { subject: names::display_text("subject", subject.unwrap_or(""), 100)? },
        "other" => GroupKind::Other,
        _ => {
            return Err(InvalidInput::new("kind", Reason::BadFormat, "The kind must be class, team or other.").into());
        }
    })
}

impl Organisation {
    /// The groups of a school (optionally of one school year) that the person may see.
    pub async fn groups(&self, s: &Session, school: SchoolId, year: Option<SchoolYearId>) -> AppResult<Vec<Group>> {
        self.school(s, school).await?;
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let groups = conn.groups(a.tenant_id, Some(school), year).await?;
        Ok(groups.into_iter().filter(|g| allows(a, &Action::ViewGroup(&facts(g)))).collect())
    }

    /// A group with its members, cut to what the person may see of each.
    pub async fn group(&self, s: &Session, group: GroupId, meta: &RequestMeta) -> AppResult<GroupView> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let g = conn.group(a.tenant_id, group).await?.ok_or(AppError::NotFound("group"))?;
        if !allows(a, &Action::ViewGroup(&facts(&g))) {
            return Err(AppError::NotFound("group"));
        }
        let school_year = conn.school_year(a.tenant_id, g.school_year_id).await?;
        let members = conn.group_members(a.tenant_id, group).await?;
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            // Seeing the group means seeing every member's name; the status only to those who
            // see the member fully. School admins and teachers of the group see everyone fully.
            let full = sees_group_members_fully(a, &facts(&g))
                || m.person_id == a.person_id
                || (sees_others_fully(a)
                    && person_visibility(a, &conn.person_facts(a.tenant_id, m.person_id).await?) == Visibility::Full);
            out.push(MemberView {
                person_id: m.person_id,
                display_name: m.display_name,
                role: m.role,
                status: full.then_some(m.status),
            });
        }
        drop(conn);
        let mut tx = self.store.write().await?;
        tx.append_audit(&event(a, self.clock.now(), "group.read", group, meta, json!({ "members": out.len() })))
            .await?;
        tx.commit().await?;
        Ok(GroupView { group: g, school_year, members: out })
    }

    /// A school admin creates a class or team.
    pub async fn create_group(
        &self,
        s: &Session,
        school: SchoolId,
        year: SchoolYearId,
        name: &str,
        kind: GroupKind,
        meta: &RequestMeta,
    ) -> AppResult<Group> {
        let a = &s.actor;
        self.school(s, school).await?;
        if !allows(a, &Action::ManageSchool { tenant_id: a.tenant_id, school_id: school }) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.write().await?;
        let y = tx.school_year(a.tenant_id, year).await?.filter(|y| y.school_id == school);
        if y.is_none() {
            return Err(InvalidInput::new(
                "school_year_id",
                Reason::BadFormat,
                "That school year is not one of this school's.",
            )
            .into());
        }
        let g = Group {
            id: GroupId::new(),
            tenant_id: a.tenant_id,
            school_id: school,
            school_year_id: year,
            name: names::display_text("name", name, 100)?,
            kind,
        };
        tx.insert_group(&g, None).await.map_err(|e| conflict(e, Conflict::GroupExists))?;
        tx.append_audit(&event(a, self.clock.now(), "group.create", g.id, meta, json!({ "name": g.name }))).await?;
        self.commit(tx).await?;
        Ok(g)
    }

    /// Adds a person to a group (or changes their role in it).
    pub async fn put_member(
        &self,
        s: &Session,
        group: GroupId,
        person: PersonId,
        role: MemberRole,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.change_membership(s, group, person, Some(role), meta).await
    }

    /// Removes a person from a group.
    pub async fn remove_member(
        &self,
        s: &Session,
        group: GroupId,
        person: PersonId,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.change_membership(s, group, person, None, meta).await
    }

    async fn change_membership(
        &self,
        s: &Session,
        group: GroupId,
        person: PersonId,
        role: Option<MemberRole>,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        let g = tx.group(a.tenant_id, group).await?.ok_or(AppError::NotFound("group"))?;
        if !allows(a, &Action::ViewGroup(&facts(&g))) {
            return Err(AppError::NotFound("group"));
        }
        if !allows(a, &Action::ManageSchool { tenant_id: a.tenant_id, school_id: g.school_id }) {
            return Err(AppError::Forbidden);
        }
        tx.person(a.tenant_id, person).await?.ok_or(AppError::NotFound("person"))?;
        let now = self.clock.now();
        match role {
            Some(role) => {
                tx.put_membership(a.tenant_id, group, person, role).await?;
                tx.put_person_school(a.tenant_id, person, g.school_id, role.code()).await?;
                tx.append_audit(&event(
                    a,
                    now,
                    "membership.put",
                    person,
                    meta,
                    json!({ "group": group.to_string(), "role": role.code() }),
                ))
                .await?;
            }
            None => {
                if !tx.remove_membership(a.tenant_id, group, person).await? {
                    return Err(AppError::NotFound("membership"));
                }
                tx.append_audit(&event(
                    a,
                    now,
                    "membership.remove",
                    person,
                    meta,
                    json!({ "group": group.to_string() }),
                ))
                .await?;
            }
        }
        self.commit(tx).await?;
        Ok(())
    }
}
