//! People, their login names and passwords, external identities, schools and staff roles.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::org::{ExternalIdentity, PersonStatus, StaffRole};
use tavle_core::{PersonId, SchoolId, TenantId, Timestamp};

use crate::row::{id, opt_text, parse, text};
use crate::{Db, Result, StoreError};

/// A person as stored, with their login name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    pub id: PersonId,
    pub tenant_id: TenantId,
    pub display_name: String,
    pub status: PersonStatus,
    pub username: Option<String>,
    /// The person's key in the roster they were imported from.
    pub source_id: Option<String>,
}

/// A person in a school's people list.
#[derive(Clone, Debug)]
pub struct SchoolPerson {
    pub person: PersonRow,
    /// `pupil`, `teacher` or `staff`.
    pub role: String,
    /// Administers this school.
    pub admin: bool,
}

#[derive(Clone, Debug)]
pub struct NewPerson<'a> {
    pub id: PersonId,
    pub tenant_id: TenantId,
    pub display_name: &'a str,
    pub status: PersonStatus,
    pub source_id: Option<&'a str>,
}

/// What a password login needs to know, found by login name alone.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    pub username: String,
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    pub password_hash: Option<String>,
    pub status: PersonStatus,
}

/// A person's attachment to a school: "pupil", "teacher" or "staff".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSchool {
    pub school_id: SchoolId,
    pub role: String,
}

/// What a person's own overview needs of them, read in one query: their name, status and
/// login, their external identities and their schools with their role at each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonOverview {
    pub display_name: String,
    pub status: PersonStatus,
    pub username: Option<String>,
    /// By issuer, then subject.
    pub identities: Vec<ExternalIdentity>,
    pub schools: Vec<PersonSchool>,
}

/// The columns `person_row` reads, from `PERSON_FROM`.
const PERSON_COLUMNS: &str = "p.id, p.tenant_id, p.display_name, p.status, p.source_id, l.username";
const PERSON_FROM: &str = "person p LEFT JOIN login l ON l.person_id = p.id";

fn person_row(r: &sqlx::any::AnyRow) -> Result<PersonRow> {
    Ok(PersonRow {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        display_name: text(r, "display_name")?,
        status: parse("status", &text(r, "status")?, PersonStatus::parse)?,
        username: opt_text(r, "username")?,
        source_id: opt_text(r, "source_id")?,
    })
}

pub(crate) fn staff_from(role: &str, school: &str) -> Result<StaffRole> {
    match role {
        "municipality_admin" => Ok(StaffRole::MunicipalityAdmin),
        "school_admin" => school
            .parse()
            .map(StaffRole::SchoolAdmin)
            .map_err(|_| StoreError::Corrupt(format!("school admin role with school {school:?}"))),
        other => Err(StoreError::Corrupt(format!("unknown staff role {other:?}"))),
    }
}

fn staff_school(role: StaffRole) -> String {
    match role {
        StaffRole::SchoolAdmin(s) => s.to_string(),
        StaffRole::MunicipalityAdmin => String::new(),
    }
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn insert_person(&mut self, p: &NewPerson<'_>, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO person (id, tenant_id, display_name, status, source_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(p.id.to_string())
        .bind(p.tenant_id.to_string())
        .bind(p.display_name)
        .bind(p.status.code())
        .bind(p.source_id)
        .bind(now.millis())
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn update_person(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        display_name: &str,
        status: PersonStatus,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE person SET display_name = $3, status = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(display_name)
        .bind(status.code())
        .bind(now.millis())
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn person(&mut self, tenant: TenantId, person: PersonId) -> Result<Option<PersonRow>> {
        let row =
            sqlx::query(&format!("SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.tenant_id = $1 AND p.id = $2"))
                .bind(tenant.to_string())
                .bind(person.to_string())
                .fetch_optional(self.c())
                .await?;
        row.as_ref().map(person_row).transpose()
    }

    /// A person's own overview ([`PersonOverview`]) in one round trip: the first request of
    /// each session of the morning reads it, so three queries become one.
    pub async fn person_overview(&mut self, tenant: TenantId, person: PersonId) -> Result<Option<PersonOverview>> {
        let rows = sqlx::query(
            "SELECT 'person' AS k, p.display_name AS a, p.status AS b, COALESCE(l.username, '') AS c \
             FROM person p LEFT JOIN login l ON l.person_id = p.id WHERE p.tenant_id = $1 AND p.id = $2 \
             UNION ALL SELECT 'identity', issuer, subject, '' FROM external_identity \
             WHERE tenant_id = $1 AND person_id = $2 \
             UNION ALL SELECT 'school', school_id, role, '' FROM person_school WHERE tenant_id = $1 AND person_id = $2",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        let mut found = None;
        let (mut identities, mut schools) = (Vec::new(), Vec::new());
        for r in &rows {
            match text(r, "k")?.as_str() {
                "person" => {
                    let username = text(r, "c")?;
                    found = Some((
                        text(r, "a")?,
                        parse("status", &text(r, "b")?, PersonStatus::parse)?,
                        (!username.is_empty()).then_some(username),
                    ));
                }
                "identity" => identities.push(ExternalIdentity { issuer: text(r, "a")?, subject: text(r, "b")? }),
                _ => schools.push(PersonSchool { school_id: id(r, "a")?, role: text(r, "b")? }),
            }
        }
        identities.sort();
        Ok(found.map(|(display_name, status, username)| PersonOverview {
            display_name,
            status,
            username,
            identities,
            schools,
        }))
    }

    /// Every person of a tenant; used by the roster import to compute its difference.
    pub async fn people(&mut self, tenant: TenantId) -> Result<Vec<PersonRow>> {
        let rows = sqlx::query(&format!("SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.tenant_id = $1"))
            .bind(tenant.to_string())
            .fetch_all(self.c())
            .await?;
        rows.iter().map(person_row).collect()
    }

    /// The people attached to one school, by name, with their role there and whether they
    /// administer it.
    pub async fn people_of_school(&mut self, tenant: TenantId, school: SchoolId) -> Result<Vec<SchoolPerson>> {
        let rows = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS}, ps.role AS school_role, sr.role AS admin_role FROM {PERSON_FROM} \
             JOIN person_school ps ON ps.person_id = p.id \
             LEFT JOIN staff_role sr ON sr.person_id = p.id AND sr.role = 'school_admin' AND sr.school_id = ps.school_id \
             WHERE p.tenant_id = $1 AND ps.tenant_id = $1 AND ps.school_id = $2 ORDER BY p.display_name"
        ))
        .bind(tenant.to_string())
        .bind(school.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SchoolPerson {
                    person: person_row(r)?,
                    role: text(r, "school_role")?,
                    admin: opt_text(r, "admin_role")?.is_some(),
                })
            })
            .collect()
    }

    /// Gives a person a login name (and optionally a password hash).
    pub async fn insert_login(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        username: &str,
        password_hash: Option<&str>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO login (username, tenant_id, person_id, password_hash) VALUES ($1, $2, $3, $4)")
            .bind(username)
            .bind(tenant.to_string())
            .bind(person.to_string())
            .bind(password_hash)
            .execute(self.c())
            .await?;
        Ok(())
    }

    pub async fn set_password_hash(&mut self, tenant: TenantId, person: PersonId, hash: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE login SET password_hash = $3 WHERE tenant_id = $1 AND person_id = $2")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .bind(hash)
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The login of a person, if they have one.
    pub async fn login_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Option<LoginRecord>> {
        let row = sqlx::query(
            "SELECT l.username, l.tenant_id, l.person_id, l.password_hash, p.status FROM login l \
             JOIN person p ON p.id = l.person_id AND p.tenant_id = l.tenant_id \
             WHERE l.tenant_id = $1 AND l.person_id = $2",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_optional(self.c())
        .await?;
        row.as_ref().map(login_record).transpose()
    }

    /// Instance-level: the login with this name, in whatever tenant it is.
    pub async fn login_by_username(&mut self, username: &str) -> Result<Option<LoginRecord>> {
        let row = sqlx::query(
            "SELECT l.username, l.tenant_id, l.person_id, l.password_hash, p.status FROM login l \
             JOIN person p ON p.id = l.person_id WHERE l.username = $1",
        )
        .bind(username)
        .fetch_optional(self.c())
        .await?;
        row.as_ref().map(login_record).transpose()
    }

    pub async fn add_identity(&mut self, tenant: TenantId, person: PersonId, ident: &ExternalIdentity) -> Result<()> {
        sqlx::query(
            "INSERT INTO external_identity (tenant_id, issuer, subject, person_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, issuer, subject) DO UPDATE SET person_id = excluded.person_id",
        )
        .bind(tenant.to_string())
        .bind(&ident.issuer)
        .bind(&ident.subject)
        .bind(person.to_string())
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn identities_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Vec<ExternalIdentity>> {
        let rows = sqlx::query(
            "SELECT issuer, subject FROM external_identity WHERE tenant_id = $1 AND person_id = $2 \
             ORDER BY issuer, subject",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(|r| Ok(ExternalIdentity { issuer: text(r, "issuer")?, subject: text(r, "subject")? })).collect()
    }

    pub async fn put_person_school(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        school: SchoolId,
        role: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO person_school (tenant_id, person_id, school_id, role) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id, school_id) DO UPDATE SET role = excluded.role \
             WHERE person_school.tenant_id = excluded.tenant_id",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(school.to_string())
        .bind(role)
        .execute(self.c())
        .await?;
        crate::other_tenant(done.rows_affected(), "person_school")
    }

    pub async fn remove_person_school(&mut self, tenant: TenantId, person: PersonId, school: SchoolId) -> Result<()> {
        sqlx::query("DELETE FROM person_school WHERE tenant_id = $1 AND person_id = $2 AND school_id = $3")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .bind(school.to_string())
            .execute(self.c())
            .await?;
        Ok(())
    }

    pub async fn schools_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Vec<PersonSchool>> {
        let rows = sqlx::query("SELECT school_id, role FROM person_school WHERE tenant_id = $1 AND person_id = $2")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .fetch_all(self.c())
            .await?;
        rows.iter().map(|r| Ok(PersonSchool { school_id: id(r, "school_id")?, role: text(r, "role")? })).collect()
    }

    pub async fn grant_staff(&mut self, tenant: TenantId, person: PersonId, role: StaffRole) -> Result<()> {
        sqlx::query(
            "INSERT INTO staff_role (tenant_id, person_id, role, school_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id, role, school_id) DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(role.code())
        .bind(staff_school(role))
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn revoke_staff(&mut self, tenant: TenantId, person: PersonId, role: StaffRole) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM staff_role WHERE tenant_id = $1 AND person_id = $2 AND role = $3 AND school_id = $4",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(role.code())
        .bind(staff_school(role))
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn staff_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Vec<StaffRole>> {
        let rows = sqlx::query("SELECT role, school_id FROM staff_role WHERE tenant_id = $1 AND person_id = $2")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .fetch_all(self.c())
            .await?;
        rows.iter().map(|r| staff_from(&text(r, "role")?, &text(r, "school_id")?)).collect()
    }
}

fn login_record(r: &sqlx::any::AnyRow) -> Result<LoginRecord> {
    Ok(LoginRecord {
        username: text(r, "username")?,
        tenant_id: id(r, "tenant_id")?,
        person_id: id(r, "person_id")?,
        password_hash: opt_text(r, "password_hash")?,
        status: parse("status", &text(r, "status")?, PersonStatus::parse)?,
    })
}
