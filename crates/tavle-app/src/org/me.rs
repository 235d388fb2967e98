//! The logged-in person's own overview: who they are, their schools, groups and roles.

use std::collections::{BTreeMap, HashMap};

use tavle_core::policy::school_role;
use tavle_core::{GroupId, SchoolId};

use crate::cache::TenantOrg;
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

    /// The tenant, its schools, school years, groups and their teachers: cached per tenant
    /// while its organisation does not change (`cache::TenantOrg`).
    async fn tenant_org(&self, tenant: tavle_core::TenantId) -> AppResult<std::sync::Arc<TenantOrg>> {
        if let Some(org) = self.cache.tenant_org(tenant) {
            return Ok(org);
        }
        let _one_at_a_time = self.tenant_load.lock().await;
        if let Some(org) = self.cache.tenant_org(tenant) {
            return Ok(org);
        }
        // Read before anything it could cache, so a change committed meanwhile is not hidden.
        let generation = self.cache.generation();
        let mut conn = self.store.read().await?;
        let mut teachers: HashMap<GroupId, Vec<String>> = HashMap::new();
        for (g, name) in conn.teachers_of_tenant(tenant).await? {
            teachers.entry(g).or_default().push(name);
        }
        let org = std::sync::Arc::new(TenantOrg {
            tenant: conn.tenant(tenant).await?.ok_or(AppError::Unauthenticated)?,
            schools: conn.schools(tenant).await?,
            years: conn.school_years(tenant, None).await?,
            groups: conn.groups(tenant, None, None).await?.into_iter().map(|g| (g.id, g)).collect(),
            teachers,
        });
        drop(conn);
        self.cache.put_tenant_org(tenant, generation, org.clone());
        Ok(org)
    }

    /// The view from the tenant's shared part (cached) and the person's own, which is one
    /// query; their groups are the memberships their session already holds.
    async fn load_me(&self, s: &Session) -> AppResult<MeView> {
        let a = &s.actor;
        let org = self.tenant_org(a.tenant_id).await?;
        let mut conn = self.store.read().await?;
        let me = conn.person_overview(a.tenant_id, a.person_id).await?.ok_or(AppError::Unauthenticated)?;
        // A group newer than the cached part of the tenant (its epoch moves with it, so this
        // is only a race with a change being committed) is read on its own.
        let missing: Vec<GroupId> =
            a.memberships.iter().map(|m| m.group_id).filter(|g| !org.groups.contains_key(g)).collect();
        let extra = if missing.is_empty() { Vec::new() } else { conn.groups_by_id(a.tenant_id, &missing).await? };
        drop(conn);

        // Each school's role is the policy's to say (`policy::school_role`).
        let enrolled: BTreeMap<SchoolId, &str> = me.schools.iter().map(|ps| (ps.school_id, ps.role.as_str())).collect();
        let schools = org
            .schools
            .iter()
            .filter_map(|school| {
                let role = school_role(a, school.id, enrolled.get(&school.id).copied())?;
                Some(MySchool { school: school.clone(), role })
            })
            .collect();
        let mut groups: Vec<MyGroup> = a
            .memberships
            .iter()
            .filter_map(|m| {
                let group = org.groups.get(&m.group_id).or_else(|| extra.iter().find(|g| g.id == m.group_id))?;
                Some(MyGroup {
                    school_year: org.years.iter().find(|y| y.id == group.school_year_id).cloned(),
                    teachers: org.teachers.get(&group.id).cloned().unwrap_or_default(),
                    group: group.clone(),
                    role: m.role,
                })
            })
            .collect();
        groups.sort_by(|x, y| x.group.name.cmp(&y.group.name));
        let person = PersonDetail {
            id: a.person_id,
            display_name: me.display_name,
            username: me.username,
            status: me.status,
            roles: a.staff.clone(),
            identities: me.identities,
            schools: me.schools.into_iter().map(|p| (p.school_id, p.role)).collect(),
            groups: groups.iter().map(|g| (g.group.id, g.role)).collect(),
        };
        Ok(MeView {
            person,
            tenant: org.tenant.clone(),
            schools,
            groups,
            csrf_token: s.csrf_token.clone(),
            rendered: Default::default(),
        })
    }
}
