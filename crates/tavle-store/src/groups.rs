//! Groups (classes, teams) and memberships of people in them.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::org::{Group, GroupKind, MemberRole, PersonStatus};
use tavle_core::{GroupId, PersonId, SchoolId, SchoolYearId, TenantId};

use crate::row::{id, opt_int, opt_text, parse, text};
use crate::{Db, Result, StoreError};

const GROUP_COLS: &str = "id, tenant_id, school_id, school_year_id, name, kind, grade, letter, subject";

fn group_row(r: &sqlx::any::AnyRow) -> Result<Group> {
    let kind = match text(r, "kind")?.as_str() {
        "class" => GroupKind::Class {
            grade: opt_int(r, "grade")?
                .and_then(|g| u8::try_from(g).ok())
                .ok_or_else(|| StoreError::Corrupt("class without a valid grade".into()))?,
            letter: opt_text(r, "letter")?.unwrap_or_default(),
        },
        "team" => GroupKind::Team { subject: opt_text(r, "subject")?.unwrap_or_default() },
        "other" => GroupKind::Other,
        other => return Err(StoreError::Corrupt(format!("unknown group kind {other:?}"))),
    };
    Ok(Group {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        school_id: id(r, "school_id")?,
        school_year_id: id(r, "school_year_id")?,
        name: text(r, "name")?,
        kind,
    })
}

pub(crate) fn kind_columns(kind: &GroupKind) -> (Option<i64>, Option<&str>, Option<&str>) {
    match kind {
        GroupKind::Class { grade, letter } => (Some(i64::from(*grade)), Some(letter.as_str()), None),
        GroupKind::Team { subject } => (None, None, Some(subject.as_str())),
        GroupKind::Other => (None, None, None),
    }
}

/// A member of a group, as shown in member lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    pub person_id: PersonId,
    pub display_name: String,
    pub status: PersonStatus,
    pub role: MemberRole,
}

/// One membership of a person, with the group's school and year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipRow {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_year_id: SchoolYearId,
    pub role: MemberRole,
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn insert_group(&mut self, g: &Group, source_id: Option<&str>) -> Result<()> {
        let (grade, letter, subject) = kind_columns(&g.kind);
        sqlx::query(
            "INSERT INTO grp (id, tenant_id, school_id, school_year_id, name, kind, grade, letter, subject, source_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(g.id.to_string())
        .bind(g.tenant_id.to_string())
        .bind(g.school_id.to_string())
        .bind(g.school_year_id.to_string())
        .bind(&g.name)
        .bind(g.kind.code())
        .bind(grade)
        .bind(letter)
        .bind(subject)
        .bind(source_id)
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn update_group(&mut self, g: &Group) -> Result<()> {
        let (grade, letter, subject) = kind_columns(&g.kind);
        sqlx::query(
            "UPDATE grp SET school_year_id = $3, name = $4, kind = $5, grade = $6, letter = $7, subject = $8 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(g.tenant_id.to_string())
        .bind(g.id.to_string())
        .bind(g.school_year_id.to_string())
        .bind(&g.name)
        .bind(g.kind.code())
        .bind(grade)
        .bind(letter)
        .bind(subject)
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn group(&mut self, tenant: TenantId, group: GroupId) -> Result<Option<Group>> {
        let row = sqlx::query(&format!("SELECT {GROUP_COLS} FROM grp WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(group.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(group_row).transpose()
    }

    /// Groups of a tenant, optionally narrowed to one school and one school year.
    pub async fn groups(
        &mut self,
        tenant: TenantId,
        school: Option<SchoolId>,
        year: Option<SchoolYearId>,
    ) -> Result<Vec<Group>> {
        let rows = sqlx::query(&format!(
            "SELECT {GROUP_COLS} FROM grp WHERE tenant_id = $1 AND ($2 = '' OR school_id = $2) \
             AND ($3 = '' OR school_year_id = $3) ORDER BY kind, grade, letter, name"
        ))
        .bind(tenant.to_string())
        .bind(school.map(|s| s.to_string()).unwrap_or_default())
        .bind(year.map(|s| s.to_string()).unwrap_or_default())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(group_row).collect()
    }

    /// Every group of a tenant with the roster key it was imported under, if any.
    pub async fn groups_with_source(&mut self, tenant: TenantId) -> Result<Vec<(Group, Option<String>)>> {
        let rows = sqlx::query(&format!("SELECT {GROUP_COLS}, source_id FROM grp WHERE tenant_id = $1"))
            .bind(tenant.to_string())
            .fetch_all(self.c())
            .await?;
        rows.iter().map(|r| Ok((group_row(r)?, opt_text(r, "source_id")?))).collect()
    }

    /// Groups by their identifiers, all of one tenant.
    pub async fn groups_by_id(&mut self, tenant: TenantId, ids: &[GroupId]) -> Result<Vec<Group>> {
        let mut out = Vec::with_capacity(ids.len());
        for g in ids {
            if let Some(group) = self.group(tenant, *g).await? {
                out.push(group);
            }
        }
        Ok(out)
    }

    /// Adds a person to a group or changes their role in it.
    pub async fn put_membership(
        &mut self,
        tenant: TenantId,
        group: GroupId,
        person: PersonId,
        role: MemberRole,
    ) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO membership (tenant_id, group_id, person_id, role) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (group_id, person_id) DO UPDATE SET role = excluded.role \
             WHERE membership.tenant_id = excluded.tenant_id",
        )
        .bind(tenant.to_string())
        .bind(group.to_string())
        .bind(person.to_string())
        .bind(role.code())
        .execute(self.c())
        .await?;
        crate::other_tenant(done.rows_affected(), "membership")
    }

    /// Removes a person from a group; returns whether they were in it.
    pub async fn remove_membership(&mut self, tenant: TenantId, group: GroupId, person: PersonId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM membership WHERE tenant_id = $1 AND group_id = $2 AND person_id = $3")
            .bind(tenant.to_string())
            .bind(group.to_string())
            .bind(person.to_string())
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The members of a group: teachers first, then by name.
    pub async fn group_members(&mut self, tenant: TenantId, group: GroupId) -> Result<Vec<GroupMember>> {
        let rows = sqlx::query(
            "SELECT p.id, p.display_name, p.status, m.role FROM membership m \
             JOIN person p ON p.id = m.person_id AND p.tenant_id = m.tenant_id \
             WHERE m.tenant_id = $1 AND m.group_id = $2 ORDER BY m.role DESC, p.display_name",
        )
        .bind(tenant.to_string())
        .bind(group.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GroupMember {
                    person_id: id(r, "id")?,
                    display_name: text(r, "display_name")?,
                    status: parse("status", &text(r, "status")?, PersonStatus::parse)?,
                    role: parse("role", &text(r, "role")?, MemberRole::parse)?,
                })
            })
            .collect()
    }

    /// The teachers of every group of a tenant, as (group, teacher's name), by name.
    pub async fn teachers_of_tenant(&mut self, tenant: TenantId) -> Result<Vec<(GroupId, String)>> {
        let rows = sqlx::query(
            "SELECT m.group_id, p.display_name FROM membership m \
             JOIN person p ON p.id = m.person_id AND p.tenant_id = m.tenant_id \
             WHERE m.tenant_id = $1 AND m.role = 'teacher' ORDER BY p.display_name",
        )
        .bind(tenant.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(|r| Ok((id(r, "group_id")?, text(r, "display_name")?))).collect()
    }

    /// Every group membership of a person.
    pub async fn memberships_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Vec<MembershipRow>> {
        let rows = sqlx::query(
            "SELECT m.group_id, g.school_id, g.school_year_id, m.role FROM membership m \
             JOIN grp g ON g.id = m.group_id AND g.tenant_id = m.tenant_id \
             WHERE m.tenant_id = $1 AND m.person_id = $2",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MembershipRow {
                    group_id: id(r, "group_id")?,
                    school_id: id(r, "school_id")?,
                    school_year_id: id(r, "school_year_id")?,
                    role: parse("role", &text(r, "role")?, MemberRole::parse)?,
                })
            })
            .collect()
    }
}
