//! The logged-in person's own overview: who they are, their schools, groups and roles.

use std::collections::BTreeMap;

use tavle_core::org::StaffRole;
use tavle_core::{GroupId, SchoolId};

use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::views::{MeView, MyGroup, MySchool, PersonDetail};
use crate::App;

impl App {
    /// The person's own view. Kept with their cached session until the organisation of their
    /// tenant changes, so a page load of a logged-in person need not read the database.
    pub async fn me(&self, s: &Session) -> AppResult<MeView> {
        let cached = self.cache.get(&s.token_hash);
        if let Some(view) = cached.as_ref().and_then(|e| e.me.get()) {
            return Ok(view.as_ref().clone());
        }
        let view = self.load_me(s).await?;
        if let Some(e) = cached {
            let _ = e.me.set(std::sync::Arc::new(view.clone()));
        }
        Ok(view)
    }

    async fn load_me(&self, s: &Session) -> AppResult<MeView> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let row = conn.person(a.tenant_id, a.person_id).await?.ok_or(AppError::Unauthenticated)?;
        let tenant = conn.tenant(a.tenant_id).await?.ok_or(AppError::Unauthenticated)?;
        let person_schools = conn.schools_of(a.tenant_id, a.person_id).await?;

        // Roles per school: admin beats staff beats teacher beats pupil.
        let mut roles: BTreeMap<SchoolId, String> = BTreeMap::new();
        for ps in &person_schools {
            roles.insert(ps.school_id, ps.role.clone());
        }
        for m in &a.memberships {
            roles.entry(m.school_id).or_insert_with(|| m.role.code().to_string());
        }
        for r in &a.staff {
            if let StaffRole::SchoolAdmin(sc) = r {
                roles.insert(*sc, "admin".to_string());
            }
        }
        let all_schools = conn.schools(a.tenant_id).await?;
        let schools = all_schools
            .into_iter()
            .filter(|s| a.is_municipality_admin() || roles.contains_key(&s.id))
            .map(|school| {
                let role = roles.get(&school.id).cloned().unwrap_or_else(|| "admin".to_string());
                MySchool { school, role }
            })
            .collect();
        // Three queries for all groups, whatever their number: groups, their years, teachers.
        let years = conn.school_years_of(a.tenant_id, a.person_id).await?;
        let mut teachers: BTreeMap<GroupId, Vec<String>> = BTreeMap::new();
        for (g, name) in conn.teachers_of_groups_of(a.tenant_id, a.person_id).await? {
            teachers.entry(g).or_default().push(name);
        }
        let mut groups: Vec<MyGroup> = conn
            .groups_of(a.tenant_id, a.person_id)
            .await?
            .into_iter()
            .map(|(group, role)| MyGroup {
                school_year: years.iter().find(|y| y.id == group.school_year_id).cloned(),
                teachers: teachers.remove(&group.id).unwrap_or_default(),
                group,
                role,
            })
            .collect();
        groups.sort_by(|x, y| x.group.name.cmp(&y.group.name));
        let person = PersonDetail {
            id: row.id,
            display_name: row.display_name,
            username: row.username,
            status: row.status,
            roles: a.staff.clone(),
            identities: conn.identities_of(a.tenant_id, a.person_id).await?,
            schools: person_schools.into_iter().map(|p| (p.school_id, p.role)).collect(),
            groups: groups.iter().map(|g| (g.group.id, g.role)).collect(),
        };
        Ok(MeView { person, tenant, schools, groups, csrf_token: s.csrf_token.clone() })
    }
}
