//! People: create, change, disable, and appoint administrators.

use crate::Conflict;
use serde_json::json;
use tavle_core::names;
use tavle_core::org::{PersonStatus, StaffRole};
use tavle_core::policy::{allows, person_visibility, Action, Visibility};
use tavle_core::{InvalidInput, PersonId, Reason, SchoolId};
use tavle_store::NewPerson;

use super::schools::conflict;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::org::Organisation;
use crate::views::PersonDetail;

/// A person to create at a school.
#[derive(Clone, Debug)]
pub struct NewPersonInput {
    pub display_name: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// "pupil", "teacher" or "staff".
    pub role: String,
}

/// Changes to a person; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PersonChange {
    pub display_name: Option<String>,
    pub status: Option<PersonStatus>,
    pub password: Option<String>,
}

pub(crate) fn school_role(role: &str) -> Result<String, InvalidInput> {
    match role {
        "pupil" | "teacher" | "staff" => Ok(role.to_string()),
        _ => Err(InvalidInput::new("role", Reason::BadFormat, "The role must be pupil, teacher or staff.")),
    }
}

pub(crate) fn check_password(password: &str) -> Result<(), InvalidInput> {
    if password.chars().count() < 4 {
        return Err(InvalidInput::new("password", Reason::TooShort, "The password must have at least 4 characters."));
    }
    if password.len() > 1024 {
        return Err(InvalidInput::new("password", Reason::TooLong, "The password is longer than 1024 bytes."));
    }
    Ok(())
}

impl Organisation {
    /// Everything about a person, for someone who may see all of it (the person themselves,
    /// their school's admins, their teachers). A read of someone else's data is audited.
    pub async fn person(&self, s: &Session, person: PersonId, meta: &RequestMeta) -> AppResult<PersonDetail> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let row = conn.person(a.tenant_id, person).await?.ok_or(AppError::NotFound("person"))?;
        let facts = conn.person_facts(a.tenant_id, person).await?;
        if person_visibility(a, &facts) != Visibility::Full {
            return Err(AppError::NotFound("person"));
        }
        let detail = PersonDetail {
            id: row.id,
            display_name: row.display_name,
            username: row.username,
            status: row.status,
            roles: facts.staff,
            identities: conn.identities_of(a.tenant_id, person).await?,
            schools: conn.schools_of(a.tenant_id, person).await?.into_iter().map(|p| (p.school_id, p.role)).collect(),
            groups: conn.memberships_of(a.tenant_id, person).await?.into_iter().map(|m| (m.group_id, m.role)).collect(),
        };
        drop(conn);
        if person != a.person_id {
            let mut tx = self.store.write().await?;
            tx.append_audit(&event(a, self.clock.now(), "person.read", person, meta, json!({}))).await?;
            tx.commit().await?;
        }
        Ok(detail)
    }

    /// The people of a school, for its administrators.
    pub async fn people(
        &self,
        s: &Session,
        school: SchoolId,
        meta: &RequestMeta,
    ) -> AppResult<Vec<crate::views::PersonSummary>> {
        let a = &s.actor;
        self.school(s, school).await?;
        if !allows(a, &Action::ManageSchool { tenant_id: a.tenant_id, school_id: school }) {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.store.read().await?;
        let people = conn.people_of_school(a.tenant_id, school).await?;
        drop(conn);
        let mut tx = self.store.write().await?;
        tx.append_audit(&event(a, self.clock.now(), "person.list", school, meta, json!({ "people": people.len() })))
            .await?;
        tx.commit().await?;
        Ok(people
            .into_iter()
            .map(|p| crate::views::PersonSummary {
                id: p.person.id,
                display_name: p.person.display_name,
                username: p.person.username,
                status: p.person.status,
                role: p.role,
                admin: p.admin,
            })
            .collect())
    }

    /// A school admin creates a person at their school.
    pub async fn create_person(
        &self,
        s: &Session,
        school: SchoolId,
        input: NewPersonInput,
        meta: &RequestMeta,
    ) -> AppResult<PersonId> {
        let a = &s.actor;
        self.school(s, school).await?;
        if !allows(a, &Action::ManageSchool { tenant_id: a.tenant_id, school_id: school }) {
            return Err(AppError::Forbidden);
        }
        let display_name = names::person_name(&input.display_name)?;
        let role = school_role(&input.role)?;
        let username = input.username.as_deref().map(names::username).transpose()?;
        let hash = match &input.password {
            Some(p) => {
                check_password(p)?;
                Some(self.passwords.hash(p.clone()).await?)
            }
            None => None,
        };
        let id = PersonId::new();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.insert_person(
            &NewPerson {
                id,
                tenant_id: a.tenant_id,
                display_name: &display_name,
                status: PersonStatus::Active,
                source_id: None,
            },
            now,
        )
        .await?;
        if let Some(u) = &username {
            tx.insert_login(a.tenant_id, id, u, hash.as_deref())
                .await
                .map_err(|e| conflict(e, Conflict::UsernameTaken))?;
        }
        tx.put_person_school(a.tenant_id, id, school, &role).await?;
        tx.append_audit(&event(
            a,
            now,
            "person.create",
            id,
            meta,
            json!({ "school": school.to_string(), "role": role }),
        ))
        .await?;
        self.commit(tx).await?;
        Ok(id)
    }

    /// Changes a person's name, status or password. Disabling ends their sessions at once.
    pub async fn update_person(
        &self,
        s: &Session,
        person: PersonId,
        change: PersonChange,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let a = &s.actor;
        let hash = match &change.password {
            Some(p) => {
                check_password(p)?;
                Some(self.passwords.hash(p.clone()).await?)
            }
            None => None,
        };
        let name = change.display_name.as_deref().map(names::person_name).transpose()?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let row = tx.person(a.tenant_id, person).await?.ok_or(AppError::NotFound("person"))?;
        let facts = tx.person_facts(a.tenant_id, person).await?;
        if person_visibility(a, &facts) == Visibility::None {
            return Err(AppError::NotFound("person"));
        }
        if !allows(a, &Action::ManagePerson(&facts)) {
            return Err(AppError::Forbidden);
        }
        if person == a.person_id && change.status.is_some_and(|st| st != PersonStatus::Active) {
            return Err(Conflict::OwnAccount.into());
        }
        let status = change.status.unwrap_or(row.status);
        let display_name = name.unwrap_or(row.display_name);
        tx.update_person(a.tenant_id, person, &display_name, status, now).await?;
        if let Some(h) = &hash {
            if !tx.set_password_hash(a.tenant_id, person, h).await? {
                return Err(InvalidInput::new(
                    "password",
                    Reason::BadFormat,
                    "This person has no username to log in with.",
                )
                .into());
            }
        }
        let mut ended = 0;
        if !status.can_log_in() || hash.is_some() {
            ended = tx.delete_sessions_of(a.tenant_id, person).await?;
        }
        let action = if status != row.status { "person.status" } else { "person.update" };
        tx.append_audit(&event(
            a,
            now,
            action,
            person,
            meta,
            json!({ "status": status.code(), "password_changed": hash.is_some(), "sessions_ended": ended }),
        ))
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// A municipality admin makes a person an administrator of a school, or takes it away.
    pub async fn set_school_admin(
        &self,
        s: &Session,
        school: SchoolId,
        person: PersonId,
        admin: bool,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let a = &s.actor;
        if !allows(a, &Action::ManageTenant(a.tenant_id)) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.write().await?;
        tx.school(a.tenant_id, school).await?.ok_or(AppError::NotFound("school"))?;
        tx.person(a.tenant_id, person).await?.ok_or(AppError::NotFound("person"))?;
        let role = StaffRole::SchoolAdmin(school);
        if admin {
            tx.grant_staff(a.tenant_id, person, role).await?;
            tx.put_person_school(a.tenant_id, person, school, "staff").await?;
        } else {
            tx.revoke_staff(a.tenant_id, person, role).await?;
        }
        let action = if admin { "staff.grant" } else { "staff.revoke" };
        tx.append_audit(&event(
            a,
            self.clock.now(),
            action,
            person,
            meta,
            json!({ "role": "school_admin", "school": school.to_string() }),
        ))
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}

impl Organisation {
    /// Operator use case (`tavle admin create`): makes sure a tenant exists and gives it a
    /// municipality admin with a password. Returns whether the tenant was new.
    pub async fn create_first_admin(
        &self,
        tenant_code: &str,
        tenant_name: Option<&str>,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> AppResult<bool> {
        let code = names::tenant_code(tenant_code)?;
        let username = names::username(username)?;
        let display_name = names::person_name(display_name)?;
        check_password(password)?;
        let hash = self.passwords.hash(password.to_string()).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let (tenant, created) = match tx.tenant_by_code(&code).await? {
            Some(t) => (t, false),
            None => {
                let name = tenant_name.ok_or_else(|| {
                    InvalidInput::new(
                        "tenant_name",
                        Reason::Empty,
                        "The tenant is new; give it a name with --tenant-name.",
                    )
                })?;
                let t = tavle_core::org::Tenant {
                    id: tavle_core::TenantId::new(),
                    code: code.clone(),
                    name: names::display_text("tenant_name", name, 200)?,
                };
                tx.insert_tenant(&t, now).await?;
                (t, true)
            }
        };
        let id = PersonId::new();
        tx.insert_person(
            &NewPerson {
                id,
                tenant_id: tenant.id,
                display_name: &display_name,
                status: PersonStatus::Active,
                source_id: None,
            },
            now,
        )
        .await?;
        tx.insert_login(tenant.id, id, &username, Some(&hash))
            .await
            .map_err(|e| conflict(e, Conflict::UsernameTaken))?;
        tx.grant_staff(tenant.id, id, StaffRole::MunicipalityAdmin).await?;
        tx.append_audit(&tavle_store::AuditEvent {
            tenant_id: Some(tenant.id),
            at: now,
            actor_id: None,
            action: "staff.grant",
            outcome: "ok",
            subject: Some(id.to_string()),
            source: Some("cli"),
            detail: json!({ "role": "municipality_admin", "by": "tavle admin create" }).to_string(),
        })
        .await?;
        self.commit(tx).await?;
        Ok(created)
    }
}
