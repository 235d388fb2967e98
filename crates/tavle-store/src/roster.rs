//! Bulk reads and writes for the roster import: the whole organisation of one tenant read in a
//! handful of queries, and a computed difference written with multi-row statements, so that a
//! roster of 100,000 people is compared and applied in seconds, not in 100,000 round trips.
//!
//! What changes is decided in `tavle-app`; this module only moves rows.

use std::ops::DerefMut;

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};
use tavle_core::org::{Group, MemberRole, PersonStatus, School, SchoolYear};
use tavle_core::{GroupId, PersonId, SchoolId, TenantId, Timestamp};

use crate::row::{id, opt_text, parse, text};
use crate::{tuples, Db, Result, ROWS_PER_STATEMENT};

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// A login as the import sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginRow {
    pub person_id: PersonId,
    pub username: String,
    pub password_hash: Option<String>,
}

/// One identity at an external provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRow {
    pub person_id: PersonId,
    pub issuer: String,
    pub subject: String,
}

/// A person's attachment to a school.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSchoolRow {
    pub person_id: PersonId,
    pub school_id: SchoolId,
    pub role: String,
}

/// A membership of a person in a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub group_id: GroupId,
    pub person_id: PersonId,
    pub role: MemberRole,
}

/// A person's own columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonCols {
    pub id: PersonId,
    pub display_name: String,
    pub status: PersonStatus,
    pub source_id: Option<String>,
}

/// The organisation of one tenant as stored.
#[derive(Clone, Debug, Default)]
pub struct TenantSnapshot {
    pub schools: Vec<School>,
    pub years: Vec<SchoolYear>,
    /// Groups with the roster key they were imported under, if any.
    pub groups: Vec<(Group, Option<String>)>,
    pub people: Vec<PersonCols>,
    pub logins: Vec<LoginRow>,
    pub identities: Vec<IdentityRow>,
    pub person_schools: Vec<PersonSchoolRow>,
    pub memberships: Vec<MemberRow>,
    /// People who hold a staff role (school or municipality admin): a roster never claims,
    /// renames, identifies or retires them.
    pub staff: Vec<PersonId>,
}

/// Everything a roster import writes, computed by the caller.
#[derive(Clone, Debug, Default)]
pub struct RosterWrite {
    pub new_schools: Vec<School>,
    pub changed_schools: Vec<School>,
    pub new_years: Vec<(SchoolYear, Option<String>)>,
    pub changed_years: Vec<SchoolYear>,
    pub new_groups: Vec<(Group, String)>,
    pub changed_groups: Vec<Group>,
    /// Groups made by hand that the roster now keeps, with their roster key.
    pub linked_groups: Vec<(GroupId, String)>,
    pub new_people: Vec<PersonCols>,
    /// Name, status or roster key changed.
    pub changed_people: Vec<PersonCols>,
    /// Logins removed before `new_logins` are inserted (a changed username is both).
    pub removed_logins: Vec<PersonId>,
    pub new_logins: Vec<LoginRow>,
    pub removed_identities: Vec<IdentityRow>,
    pub new_identities: Vec<IdentityRow>,
    pub removed_person_schools: Vec<(PersonId, SchoolId)>,
    /// Inserted, or their role updated.
    pub put_person_schools: Vec<PersonSchoolRow>,
    pub removed_memberships: Vec<(GroupId, PersonId)>,
    /// Inserted, or their role updated.
    pub put_memberships: Vec<MemberRow>,
    /// People whose sessions end (they left).
    pub end_sessions: Vec<PersonId>,
}

impl RosterWrite {
    /// How many rows the write touches, for progress reports.
    pub fn rows(&self) -> usize {
        self.new_schools.len()
            + self.changed_schools.len()
            + self.new_years.len()
            + self.changed_years.len()
            + self.new_groups.len()
            + self.changed_groups.len()
            + self.linked_groups.len()
            + self.new_people.len()
            + self.changed_people.len()
            + self.removed_logins.len()
            + self.new_logins.len()
            + self.removed_identities.len()
            + self.new_identities.len()
            + self.removed_person_schools.len()
            + self.put_person_schools.len()
            + self.removed_memberships.len()
            + self.put_memberships.len()
            + self.end_sessions.len()
    }
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Runs `{head} {tuples} {tail}` over `items` in chunks, with the tenant bound as `$1`.
    #[allow(clippy::too_many_arguments)]
    async fn bulk<T>(
        &mut self,
        tenant: TenantId,
        head: &str,
        cols: usize,
        with_tenant: bool,
        tail: &str,
        items: &[T],
        bind: impl for<'q> Fn(AnyQuery<'q>, &T) -> AnyQuery<'q>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<()> {
        for chunk in items.chunks(ROWS_PER_STATEMENT) {
            let sql = format!("{head} {} {tail}", tuples(chunk.len(), cols, with_tenant));
            let mut q = sqlx::query(&sql).bind(tenant.to_string());
            for item in chunk {
                q = bind(q, item);
            }
            q.execute(self.c()).await?;
            progress(chunk.len());
        }
        Ok(())
    }

    /// Every row of `sql` (which takes the tenant as `$1`), read with `row`.
    async fn all_of<T>(&mut self, sql: &str, tenant: TenantId, row: fn(&AnyRow) -> Result<T>) -> Result<Vec<T>> {
        let rows = sqlx::query(sql).bind(tenant.to_string()).fetch_all(self.c()).await?;
        rows.iter().map(row).collect()
    }

    /// Reads the organisation of one tenant for comparison with a roster.
    pub async fn tenant_snapshot(&mut self, tenant: TenantId) -> Result<TenantSnapshot> {
        let people = self
            .all_of("SELECT id, display_name, status, source_id FROM person WHERE tenant_id = $1", tenant, |r| {
                Ok(PersonCols {
                    id: id(r, "id")?,
                    display_name: text(r, "display_name")?,
                    status: parse("status", &text(r, "status")?, PersonStatus::parse)?,
                    source_id: opt_text(r, "source_id")?,
                })
            })
            .await?;
        let logins = self
            .all_of("SELECT person_id, username, password_hash FROM login WHERE tenant_id = $1", tenant, |r| {
                Ok(LoginRow {
                    person_id: id(r, "person_id")?,
                    username: text(r, "username")?,
                    password_hash: opt_text(r, "password_hash")?,
                })
            })
            .await?;
        let identities = self
            .all_of("SELECT person_id, issuer, subject FROM external_identity WHERE tenant_id = $1", tenant, |r| {
                Ok(IdentityRow {
                    person_id: id(r, "person_id")?,
                    issuer: text(r, "issuer")?,
                    subject: text(r, "subject")?,
                })
            })
            .await?;
        let person_schools = self
            .all_of("SELECT person_id, school_id, role FROM person_school WHERE tenant_id = $1", tenant, |r| {
                Ok(PersonSchoolRow {
                    person_id: id(r, "person_id")?,
                    school_id: id(r, "school_id")?,
                    role: text(r, "role")?,
                })
            })
            .await?;
        let memberships = self
            .all_of("SELECT group_id, person_id, role FROM membership WHERE tenant_id = $1", tenant, |r| {
                Ok(MemberRow {
                    group_id: id(r, "group_id")?,
                    person_id: id(r, "person_id")?,
                    role: parse("role", &text(r, "role")?, MemberRole::parse)?,
                })
            })
            .await?;
        let staff = self
            .all_of("SELECT DISTINCT person_id FROM staff_role WHERE tenant_id = $1", tenant, |r| id(r, "person_id"))
            .await?;
        Ok(TenantSnapshot {
            schools: self.schools(tenant).await?,
            years: self.school_years(tenant, None).await?,
            groups: self.groups_with_source(tenant).await?,
            people,
            logins,
            identities,
            person_schools,
            memberships,
            staff,
        })
    }

    /// Which of `usernames` are taken by a login of another tenant.
    pub async fn usernames_taken_elsewhere(&mut self, tenant: TenantId, usernames: &[&str]) -> Result<Vec<String>> {
        let mut taken = Vec::new();
        for chunk in usernames.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT username FROM login WHERE tenant_id <> $1 AND username IN ({})",
                tuples(chunk.len(), 1, false)
            );
            let mut q = sqlx::query(&sql).bind(tenant.to_string());
            for u in chunk {
                q = q.bind(u.to_string());
            }
            for r in q.fetch_all(self.c()).await? {
                taken.push(text(&r, "username")?);
            }
        }
        Ok(taken)
    }

    /// Writes a computed roster difference. Runs inside the caller's transaction; `progress`
    /// is told how many rows each step wrote.
    pub async fn apply_roster(
        &mut self,
        tenant: TenantId,
        w: &RosterWrite,
        now: Timestamp,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<()> {
        for s in &w.new_schools {
            self.insert_school(s).await?;
        }
        for s in &w.changed_schools {
            self.update_school(s).await?;
        }
        for (y, source) in &w.new_years {
            self.insert_school_year(y, source.as_deref()).await?;
        }
        for y in &w.changed_years {
            self.update_school_year(y).await?;
        }
        progress(w.new_schools.len() + w.changed_schools.len() + w.new_years.len() + w.changed_years.len());
        self.bulk(
            tenant,
            "INSERT INTO grp (tenant_id, id, school_id, school_year_id, name, kind, grade, letter, subject, source_id) \
             VALUES",
            9,
            true,
            "",
            &w.new_groups,
            |q, (g, source)| {
                let (grade, letter, subject) = crate::groups::kind_columns(&g.kind);
                q.bind(g.id.to_string())
                    .bind(g.school_id.to_string())
                    .bind(g.school_year_id.to_string())
                    .bind(g.name.clone())
                    .bind(g.kind.code())
                    .bind(grade)
                    .bind(letter.map(str::to_string))
                    .bind(subject.map(str::to_string))
                    .bind(source.clone())
            },
            progress,
        )
        .await?;
        for g in &w.changed_groups {
            self.update_group(g).await?;
        }
        progress(w.changed_groups.len());
        for (g, source) in &w.linked_groups {
            sqlx::query("UPDATE grp SET source_id = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.to_string())
                .bind(g.to_string())
                .bind(source)
                .execute(self.c())
                .await?;
        }
        progress(w.linked_groups.len());
        let at = now.millis();
        self.bulk(
            tenant,
            "INSERT INTO person (tenant_id, id, display_name, status, source_id, created_at, updated_at) VALUES",
            6,
            true,
            "",
            &w.new_people,
            |q, p| {
                q.bind(p.id.to_string())
                    .bind(p.display_name.clone())
                    .bind(p.status.code())
                    .bind(p.source_id.clone())
                    .bind(at)
                    .bind(at)
            },
            progress,
        )
        .await?;
        for p in &w.changed_people {
            sqlx::query(
                "UPDATE person SET display_name = $3, status = $4, source_id = $5, updated_at = $6 \
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant.to_string())
            .bind(p.id.to_string())
            .bind(&p.display_name)
            .bind(p.status.code())
            .bind(p.source_id.as_deref())
            .bind(at)
            .execute(self.c())
            .await?;
        }
        progress(w.changed_people.len());
        self.bulk(
            tenant,
            "DELETE FROM login WHERE tenant_id = $1 AND person_id IN (",
            1,
            false,
            ")",
            &w.removed_logins,
            |q, p| q.bind(p.to_string()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "INSERT INTO login (tenant_id, person_id, username, password_hash) VALUES",
            3,
            true,
            "",
            &w.new_logins,
            |q, l| q.bind(l.person_id.to_string()).bind(l.username.clone()).bind(l.password_hash.clone()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "DELETE FROM external_identity WHERE tenant_id = $1 AND (issuer, subject) IN (",
            2,
            false,
            ")",
            &w.removed_identities,
            |q, i| q.bind(i.issuer.clone()).bind(i.subject.clone()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "INSERT INTO external_identity (tenant_id, person_id, issuer, subject) VALUES",
            3,
            true,
            "",
            &w.new_identities,
            |q, i| q.bind(i.person_id.to_string()).bind(i.issuer.clone()).bind(i.subject.clone()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "DELETE FROM person_school WHERE tenant_id = $1 AND (person_id, school_id) IN (",
            2,
            false,
            ")",
            &w.removed_person_schools,
            |q, (p, s)| q.bind(p.to_string()).bind(s.to_string()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "INSERT INTO person_school (tenant_id, person_id, school_id, role) VALUES",
            3,
            true,
            "ON CONFLICT (person_id, school_id) DO UPDATE SET role = excluded.role \
             WHERE person_school.tenant_id = excluded.tenant_id",
            &w.put_person_schools,
            |q, r| q.bind(r.person_id.to_string()).bind(r.school_id.to_string()).bind(r.role.clone()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "DELETE FROM membership WHERE tenant_id = $1 AND (group_id, person_id) IN (",
            2,
            false,
            ")",
            &w.removed_memberships,
            |q, (g, p)| q.bind(g.to_string()).bind(p.to_string()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "INSERT INTO membership (tenant_id, group_id, person_id, role) VALUES",
            3,
            true,
            "ON CONFLICT (group_id, person_id) DO UPDATE SET role = excluded.role \
             WHERE membership.tenant_id = excluded.tenant_id",
            &w.put_memberships,
            |q, m| q.bind(m.group_id.to_string()).bind(m.person_id.to_string()).bind(m.role.code()),
            progress,
        )
        .await?;
        self.bulk(
            tenant,
            "DELETE FROM session WHERE tenant_id = $1 AND person_id IN (",
            1,
            false,
            ")",
            &w.end_sessions,
            |q, p| q.bind(p.to_string()),
            progress,
        )
        .await?;
        Ok(())
    }
}
