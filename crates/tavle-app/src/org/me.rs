//! The logged-in person's own overview: who they are, their schools, groups and roles.

use std::collections::BTreeMap;

use tavle_core::org::{MemberRole, StaffRole};
use tavle_core::SchoolId;

use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::views::{MeView, MyGroup, MySchool, PersonDetail};
use crate::App;

impl App {
    pub async fn me(&self, s: &Session) -> AppResult<MeView> {
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
        let school_ids: Vec<SchoolId> = if a.is_municipality_admin() {
            conn.schools(a.tenant_id).await?.into_iter().map(|s| s.id).collect()
        } else {
            roles.keys().copied().collect()
        };
        let mut schools = Vec::new();
        for id in school_ids {
            if let Some(school) = conn.school(a.tenant_id, id).await? {
                let role = roles.get(&id).cloned().unwrap_or_else(|| "admin".to_string());
                schools.push(MySchool { school, role });
            }
        }
        let mut groups = Vec::new();
        for m in &a.memberships {
            let Some(group) = conn.group(a.tenant_id, m.group_id).await? else { continue };
            let school_year = conn.school_year(a.tenant_id, group.school_year_id).await?;
            let teachers = conn
                .group_members(a.tenant_id, m.group_id)
                .await?
                .into_iter()
                .filter(|x| x.role == MemberRole::Teacher)
                .map(|x| x.display_name)
                .collect();
            groups.push(MyGroup { group, school_year, role: m.role, teachers });
        }
        groups.sort_by(|x, y| x.group.name.cmp(&y.group.name));
        let person = PersonDetail {
            id: row.id,
            display_name: row.display_name,
            username: row.username,
            status: row.status,
            roles: a.staff.clone(),
            identities: conn.identities_of(a.tenant_id, a.person_id).await?,
            schools: person_schools.into_iter().map(|p| (p.school_id, p.role)).collect(),
            groups: a.memberships.iter().map(|m| (m.group_id, m.role)).collect(),
        };
        Ok(MeView { person, tenant, schools, groups, csrf_token: s.csrf_token.clone() })
    }
}
