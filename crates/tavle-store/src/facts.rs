//! Loading the facts that the policy in `tavle_core::policy` decides on.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::org::{MemberRole, PersonStatus};
use tavle_core::policy::{Actor, ActorMembership, PersonFacts};
use tavle_core::{PersonId, TenantId};

use crate::people::staff_from;
use crate::row::{id, parse, text};
use crate::{Db, Result};

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Who a person is to the policy when they act.
    /// Loaded in one query, since every authenticated request needs it.
    pub async fn actor(&mut self, tenant: TenantId, person: PersonId, status: PersonStatus) -> Result<Actor> {
        let rows = sqlx::query(
            "SELECT 'staff' AS k, role AS a, school_id AS b, '' AS c FROM staff_role \
             WHERE tenant_id = $1 AND person_id = $2 \
             UNION ALL SELECT 'school', school_id, role, '' FROM person_school WHERE tenant_id = $1 AND person_id = $2 \
             UNION ALL SELECT 'member', m.group_id, g.school_id, m.role FROM membership m \
             JOIN grp g ON g.id = m.group_id AND g.tenant_id = m.tenant_id WHERE m.tenant_id = $1 AND m.person_id = $2",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        let mut actor = Actor {
            person_id: person,
            tenant_id: tenant,
            status,
            staff: vec![],
            schools: vec![],
            works_at: vec![],
            memberships: vec![],
        };
        for r in &rows {
            match text(r, "k")?.as_str() {
                "staff" => actor.staff.push(staff_from(&text(r, "a")?, &text(r, "b")?)?),
                "school" => {
                    actor.schools.push(id(r, "a")?);
                    if text(r, "b")? != "pupil" {
                        actor.works_at.push(id(r, "a")?);
                    }
                }
                _ => actor.memberships.push(ActorMembership {
                    group_id: id(r, "a")?,
                    school_id: id(r, "b")?,
                    role: parse("role", &text(r, "c")?, MemberRole::parse)?,
                }),
            }
        }
        Ok(actor)
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
