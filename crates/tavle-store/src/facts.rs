//! Loading the facts that the policy in `tavle_core::policy` decides on.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::org::PersonStatus;
use tavle_core::policy::{Actor, ActorMembership, PersonFacts};
use tavle_core::{PersonId, TenantId};

use crate::{Db, Result};

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Who a person is to the policy when they act.
    pub async fn actor(&mut self, tenant: TenantId, person: PersonId, status: PersonStatus) -> Result<Actor> {
        let staff = self.staff_of(tenant, person).await?;
        let schools = self.schools_of(tenant, person).await?.into_iter().map(|s| s.school_id).collect();
        let memberships = self
            .memberships_of(tenant, person)
            .await?
            .into_iter()
            .map(|m| ActorMembership { group_id: m.group_id, school_id: m.school_id, role: m.role })
            .collect();
        Ok(Actor { person_id: person, tenant_id: tenant, status, staff, schools, memberships })
    }

    /// What the policy needs to know about a person who is the target of an action.
    pub async fn person_facts(&mut self, tenant: TenantId, person: PersonId) -> Result<PersonFacts> {
        let memberships = self.memberships_of(tenant, person).await?;
        let mut schools: Vec<_> = self.schools_of(tenant, person).await?.into_iter().map(|s| s.school_id).collect();
        schools.extend(memberships.iter().map(|m| m.school_id));
        schools.sort();
        schools.dedup();
        Ok(PersonFacts {
            tenant_id: tenant,
            person_id: person,
            schools,
            groups: memberships.iter().map(|m| m.group_id).collect(),
            staff: self.staff_of(tenant, person).await?,
        })
    }
}
