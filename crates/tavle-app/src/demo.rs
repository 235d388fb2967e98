//! The demo municipality that `tavle demo` starts with: one school, a school year, three
//! classes and two teams, an administrator of each kind, three teachers and sixty pupils, all
//! with the password `demo`. Seeding twice changes nothing.

use tavle_core::org::{
    ExternalIdentity, Group, GroupKind, MemberRole, PersonStatus, School, SchoolYear, StaffRole, Tenant,
};
use tavle_core::{GroupId, PersonId, SchoolId, SchoolYearId, TenantId};
use tavle_store::NewPerson;

use crate::error::AppResult;
use crate::App;

pub const DEMO_TENANT_CODE: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo";

const GIVEN: &[&str] = &[
    "Emma", "Noah", "Ida", "Oscar", "Freja", "William", "Alma", "Carl", "Ella", "Alfred", "Sofie", "Valdemar", "Clara",
    "Aksel", "Agnes", "Malthe", "Karla", "Søren", "Åse", "Bjørn",
];
const FAMILY: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Møller",
    "Kjær-Østergaard",
    "Ærø",
    "Dahl Madsen",
    "Kristiansen",
    "Thomsen",
    "Poulsen",
];

/// What `tavle demo` prints after seeding.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    pub created: bool,
    pub logins: Vec<(String, String)>,
}

impl App {
    /// Creates the demo municipality unless it exists.
    pub async fn seed_demo(&self) -> AppResult<DemoSummary> {
        let logins = vec![
            ("admin".to_string(), "municipality admin".to_string()),
            ("skoleleder".to_string(), "school admin".to_string()),
            ("laerer1 – laerer3".to_string(), "teachers".to_string()),
            ("elev1 – elev60".to_string(), "pupils".to_string()),
        ];
        let now = self.clock.now();
        {
            let mut conn = self.store.read().await?;
            if conn.tenant_by_code(DEMO_TENANT_CODE).await?.is_some() {
                return Ok(DemoSummary { created: false, logins });
            }
        }
        let hash = self.passwords.hash(DEMO_PASSWORD.to_string()).await?;
        let tenant = Tenant { id: TenantId::new(), code: DEMO_TENANT_CODE.into(), name: "Demo Kommune".into() };
        let t = tenant.id;
        let school = School {
            id: SchoolId::new(),
            tenant_id: t,
            name: "Tavleskolen".into(),
            institution_number: "999999".into(),
        };
        let year = SchoolYear {
            id: SchoolYearId::new(),
            tenant_id: t,
            school_id: school.id,
            label: "2026/27".into(),
            starts_on: time::macros::date!(2026 - 08 - 10),
            ends_on: time::macros::date!(2027 - 06 - 25),
        };
        let group = |name: &str, kind: GroupKind| Group {
            id: GroupId::new(),
            tenant_id: t,
            school_id: school.id,
            school_year_id: year.id,
            name: name.into(),
            kind,
        };
        let classes = [
            group("1.A", GroupKind::Class { grade: 1, letter: "A".into() }),
            group("1.B", GroupKind::Class { grade: 1, letter: "B".into() }),
            group("2.A", GroupKind::Class { grade: 2, letter: "A".into() }),
        ];
        let teams = [
            group("Musik 1. årgang", GroupKind::Team { subject: "Musik".into() }),
            group("Dansk læsehold", GroupKind::Team { subject: "Dansk".into() }),
        ];

        let mut tx = self.store.write().await?;
        tx.insert_tenant(&tenant, now).await?;
        tx.insert_school(&school).await?;
        tx.insert_school_year(&year, None).await?;
        for g in classes.iter().chain(teams.iter()) {
            tx.insert_group(g, None).await?;
        }
        let add = |name: String, username: String, role: &'static str| {
            let id = PersonId::new();
            (id, name, username, role)
        };
        let mut people = vec![
            add("Anne Kommunal".into(), "admin".into(), "staff"),
            add("Søren Skoleleder".into(), "skoleleder".into(), "staff"),
        ];
        for i in 1..=3 {
            people.push(add(
                format!("Lærer {} {}", GIVEN[(i * 7) % GIVEN.len()], FAMILY[i % FAMILY.len()]),
                format!("laerer{i}"),
                "teacher",
            ));
        }
        for i in 1..=60usize {
            let name = format!("{} {}", GIVEN[(i - 1) % GIVEN.len()], FAMILY[(i * 3) % FAMILY.len()]);
            people.push(add(name, format!("elev{i}"), "pupil"));
        }
        for (id, name, username, role) in &people {
            let p =
                NewPerson { id: *id, tenant_id: t, display_name: name, status: PersonStatus::Active, source_id: None };
            tx.insert_person(&p, now).await?;
            tx.insert_login(t, *id, username, Some(&hash)).await?;
            tx.put_person_school(t, *id, school.id, role).await?;
            // A Unilogin identity as rosters give it (the uniid is the username here), so a
            // login service named "Unilogin" can log the demo's people in.
            let uni = ExternalIdentity { issuer: "UNI-Login".into(), subject: username.clone() };
            tx.add_identity(t, *id, &uni).await?;
        }
        tx.grant_staff(t, people[0].0, StaffRole::MunicipalityAdmin).await?;
        tx.grant_staff(t, people[1].0, StaffRole::SchoolAdmin(school.id)).await?;
        let teacher = |i: usize| people[1 + i].0;
        let pupil = |i: usize| people[4 + i].0;
        for (c, class) in classes.iter().enumerate() {
            tx.put_membership(t, class.id, teacher(c + 1), MemberRole::Teacher).await?;
            for i in (c * 20 + 1)..=(c * 20 + 20) {
                tx.put_membership(t, class.id, pupil(i), MemberRole::Pupil).await?;
            }
        }
        // Music for all of grade 1 with laerer2; a reading team across classes with laerer3.
        tx.put_membership(t, teams[0].id, teacher(2), MemberRole::Teacher).await?;
        for i in 1..=40 {
            tx.put_membership(t, teams[0].id, pupil(i), MemberRole::Pupil).await?;
        }
        tx.put_membership(t, teams[1].id, teacher(3), MemberRole::Teacher).await?;
        for i in [3, 7, 22, 25, 44, 51] {
            tx.put_membership(t, teams[1].id, pupil(i), MemberRole::Pupil).await?;
        }
        self.commit(tx).await?;
        Ok(DemoSummary { created: true, logins })
    }
}
