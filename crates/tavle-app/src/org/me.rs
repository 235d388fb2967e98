//! The logged-in person's own overview: who they are, their schools, groups and roles.

use std::collections::BTreeMap;

use tavle_core::policy::school_role;
use tavle_core::{GroupId, SchoolId};

use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::org::Organisation;
use crate::views::{MeView, MyGroup, MySchool, PersonDetail};

impl Organisation {
    /// The person's own view. Kept with their cached session until the organisation of their
    /// tenant changes, so a page load of a logged-in person need not read the database.
    /// Shared, not copied: the view is read on every page load, and the cached one is
    /// handed out as it is.
    pub async fn me(&self, s: &Session) -> AppResult<std::sync::Arc<MeView>> {
        let cached = self.cache.get(&s.token_hash);
        if let Some(view) = cached.as_ref().and_then(|e| e.me.get()) {
            return Ok(view.clone());
        }
        let view = std::sync::Arc::new(self.load_me(s).await?);
        if let Some(e) = cached {
            let _ = e.me.set(view.clone());
        }
        Ok(view)
    }

    async fn load_me(&self, s: &Session) -> AppResult<MeView> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let row = conn.person(a.tenant_id, a.person_id).await?.ok_or(AppError::Unauthenticated)?;
        let tenant = conn.tenant(a.tenant_id).await?.ok_or(AppError::Unauthenticated)?;
        let person_schools = conn.schools_of(a.tenant_id, a.person_id).await?;

        // Each school's role is the policy's to say (`policy::school_role`).
        let enrolled: BTreeMap<SchoolId, &str> =
            person_schools.iter().map(|ps| (ps.school_id, ps.role.as_str())).collect();
        let all_schools = conn.schools(a.tenant_id).await?;
        let schools = all_schools
            .into_iter()
            .filter_map(|school| {
                let role = school_role(a, school.id, enrolled.get(&school.id).copied())?;
                Some(MySchool { school, role })
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
        Ok(MeView { person, tenant, schools, groups, csrf_token: s.csrf_token.clone(), rendered: Default::default() })
    }
}
