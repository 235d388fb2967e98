//! Schools and school years.

use crate::Conflict;
use serde_json::json;
use tavle_core::names;
use tavle_core::org::{School, SchoolYear};
use tavle_core::policy::{allows, Action};
use tavle_core::{InvalidInput, Reason, SchoolId, SchoolYearId};

use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::org::Organisation;

impl Organisation {
    /// The schools the person may see.
    pub async fn schools(&self, s: &Session) -> AppResult<Vec<School>> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let all = conn.schools(a.tenant_id).await?;
        Ok(all
            .into_iter()
            .filter(|sc| allows(a, &Action::ViewSchool { tenant_id: a.tenant_id, school_id: sc.id }))
            .collect())
    }

    /// One school, if the person may see it.
    pub async fn school(&self, s: &Session, school: SchoolId) -> AppResult<School> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let found = conn.school(a.tenant_id, school).await?.ok_or(AppError::NotFound("school"))?;
        if !allows(a, &Action::ViewSchool { tenant_id: a.tenant_id, school_id: school }) {
            return Err(AppError::NotFound("school"));
        }
        Ok(found)
    }

    /// A municipality admin creates a school.
    pub async fn create_school(
        &self,
        s: &Session,
        name: &str,
        institution_number: &str,
        meta: &RequestMeta,
    ) -> AppResult<School> {
        let a = &s.actor;
        if !allows(a, &Action::ManageTenant(a.tenant_id)) {
            return Err(AppError::Forbidden);
        }
        let school = School {
            id: SchoolId::new(),
            tenant_id: a.tenant_id,
            name: names::display_text("name", name, 200)?,
            institution_number: names::institution_number(institution_number)?,
        };
        let mut tx = self.store.write().await?;
        tx.insert_school(&school).await.map_err(|e| conflict(e, Conflict::SchoolExists))?;
        tx.append_audit(&event(a, self.clock.now(), "school.create", school.id, meta, json!({ "name": school.name })))
            .await?;
        self.commit(tx).await?;
        Ok(school)
    }

    /// The school years of a school, newest first.
    pub async fn school_years(&self, s: &Session, school: SchoolId) -> AppResult<Vec<SchoolYear>> {
        self.school(s, school).await?;
        let mut conn = self.store.read().await?;
        Ok(conn.school_years(s.actor.tenant_id, Some(school)).await?)
    }

    /// A school admin adds a school year.
    pub async fn create_school_year(
        &self,
        s: &Session,
        school: SchoolId,
        label: &str,
        starts_on: &str,
        ends_on: &str,
        meta: &RequestMeta,
    ) -> AppResult<SchoolYear> {
        let a = &s.actor;
        self.school(s, school).await?;
        if !allows(a, &Action::ManageSchool { tenant_id: a.tenant_id, school_id: school }) {
            return Err(AppError::Forbidden);
        }
        let year = SchoolYear {
            id: SchoolYearId::new(),
            tenant_id: a.tenant_id,
            school_id: school,
            label: names::school_year_label(label)?,
            starts_on: names::date("starts_on", starts_on)?,
            ends_on: names::date("ends_on", ends_on)?,
        };
        check_dates(&year)?;
        let mut tx = self.store.write().await?;
        tx.insert_school_year(&year, None).await.map_err(|e| conflict(e, Conflict::SchoolYearExists))?;
        tx.append_audit(&event(
            a,
            self.clock.now(),
            "school_year.create",
            year.id,
            meta,
            json!({ "label": year.label }),
        ))
        .await?;
        self.commit(tx).await?;
        Ok(year)
    }
}

pub(crate) fn check_dates(year: &SchoolYear) -> Result<(), InvalidInput> {
    if year.ends_on <= year.starts_on {
        return Err(InvalidInput::new("ends_on", Reason::OutOfRange, "The school year must end after it starts."));
    }
    Ok(())
}

/// Turns a uniqueness conflict into a sentence for people; other store errors pass through.
pub(crate) fn conflict(e: tavle_store::StoreError, kind: Conflict) -> AppError {
    match e {
        tavle_store::StoreError::Conflict(_) => AppError::Conflict(kind),
        other => AppError::Store(other),
    }
}
