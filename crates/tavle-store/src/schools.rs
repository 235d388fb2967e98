//! Schools and school years.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::names::format_date;
use tavle_core::org::{School, SchoolYear};
use tavle_core::{SchoolId, SchoolYearId, TenantId};

use crate::row::{date, id, text};
use crate::{Db, Result};

fn school_row(r: &sqlx::any::AnyRow) -> Result<School> {
    Ok(School {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        name: text(r, "name")?,
        institution_number: text(r, "institution_number")?,
    })
}

fn year_row(r: &sqlx::any::AnyRow) -> Result<SchoolYear> {
    Ok(SchoolYear {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        school_id: id(r, "school_id")?,
        label: text(r, "label")?,
        starts_on: date(r, "starts_on")?,
        ends_on: date(r, "ends_on")?,
    })
}

const SCHOOL_COLS: &str = "id, tenant_id, name, institution_number";
const YEAR_COLS: &str = "id, tenant_id, school_id, label, starts_on, ends_on";

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn insert_school(&mut self, s: &School) -> Result<()> {
        sqlx::query("INSERT INTO school (id, tenant_id, name, institution_number) VALUES ($1, $2, $3, $4)")
            .bind(s.id.to_string())
            .bind(s.tenant_id.to_string())
            .bind(&s.name)
            .bind(&s.institution_number)
            .execute(self.c())
            .await?;
        Ok(())
    }

    pub async fn update_school(&mut self, s: &School) -> Result<()> {
        sqlx::query("UPDATE school SET name = $3, institution_number = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(s.tenant_id.to_string())
            .bind(s.id.to_string())
            .bind(&s.name)
            .bind(&s.institution_number)
            .execute(self.c())
            .await?;
        Ok(())
    }

    pub async fn school(&mut self, tenant: TenantId, school: SchoolId) -> Result<Option<School>> {
        let row = sqlx::query(&format!("SELECT {SCHOOL_COLS} FROM school WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(school.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(school_row).transpose()
    }

    pub async fn schools(&mut self, tenant: TenantId) -> Result<Vec<School>> {
        let rows = sqlx::query(&format!("SELECT {SCHOOL_COLS} FROM school WHERE tenant_id = $1 ORDER BY name"))
            .bind(tenant.to_string())
            .fetch_all(self.c())
            .await?;
        rows.iter().map(school_row).collect()
    }

    pub async fn insert_school_year(&mut self, y: &SchoolYear, source_id: Option<&str>) -> Result<()> {
        sqlx::query(
            "INSERT INTO school_year (id, tenant_id, school_id, label, starts_on, ends_on, source_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(y.id.to_string())
        .bind(y.tenant_id.to_string())
        .bind(y.school_id.to_string())
        .bind(&y.label)
        .bind(format_date(y.starts_on))
        .bind(format_date(y.ends_on))
        .bind(source_id)
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn update_school_year(&mut self, y: &SchoolYear) -> Result<()> {
        sqlx::query("UPDATE school_year SET label = $3, starts_on = $4, ends_on = $5 WHERE tenant_id = $1 AND id = $2")
            .bind(y.tenant_id.to_string())
            .bind(y.id.to_string())
            .bind(&y.label)
            .bind(format_date(y.starts_on))
            .bind(format_date(y.ends_on))
            .execute(self.c())
            .await?;
        Ok(())
    }

    pub async fn school_year(&mut self, tenant: TenantId, year: SchoolYearId) -> Result<Option<SchoolYear>> {
        let row = sqlx::query(&format!("SELECT {YEAR_COLS} FROM school_year WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(year.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(year_row).transpose()
    }

    /// All school years of the tenant (optionally of one school), newest first.
    pub async fn school_years(&mut self, tenant: TenantId, school: Option<SchoolId>) -> Result<Vec<SchoolYear>> {
        let rows = sqlx::query(&format!(
            "SELECT {YEAR_COLS} FROM school_year WHERE tenant_id = $1 AND ($2 = '' OR school_id = $2) \
             ORDER BY starts_on DESC, label"
        ))
        .bind(tenant.to_string())
        .bind(school.map(|s| s.to_string()).unwrap_or_default())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(year_row).collect()
    }
}
