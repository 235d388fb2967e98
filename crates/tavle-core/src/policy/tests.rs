//! Table-driven tests of the policy: every actor against every action, as one snapshot.

use expect_test::expect;
use uuid::Uuid;

use super::*;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

struct World {
    a: TenantId,
    b: TenantId,
    s1: SchoolId,
    s2: SchoolId,
    s3: SchoolId,
    g1a: GroupId,
    g1b: GroupId,
    g3x: GroupId,
}

fn world() -> World {
    World {
        a: TenantId(id(1)),
        b: TenantId(id(2)),
        s1: SchoolId(id(11)),
        s2: SchoolId(id(12)),
        s3: SchoolId(id(13)),
        g1a: GroupId(id(21)),
        g1b: GroupId(id(22)),
        g3x: GroupId(id(23)),
    }
}

fn actor(
    n: u128,
    tenant: TenantId,
    status: PersonStatus,
    staff: Vec<StaffRole>,
    schools: Vec<SchoolId>,
    groups: Vec<(GroupId, SchoolId, MemberRole)>,
) -> Actor {
    let works = !staff.is_empty() || groups.iter().any(|g| g.2 == MemberRole::Teacher);
    Actor {
        person_id: PersonId(id(100 + n)),
        tenant_id: tenant,
        status,
        staff,
        works_at: if works { schools.clone() } else { vec![] },
        schools,
        memberships: groups
            .into_iter()
            .map(|(group_id, school_id, role)| ActorMembership { group_id, school_id, role })
            .collect(),
    }
}

fn facts(a: &Actor) -> PersonFacts {
    PersonFacts {
        tenant_id: a.tenant_id,
        person_id: a.person_id,
        schools: a.schools.clone(),
        groups: a.memberships.iter().map(|m| m.group_id).collect(),
        staff: a.staff.clone(),
    }
}

fn actors(w: &World) -> Vec<(&'static str, Actor)> {
    use MemberRole::*;
    use PersonStatus::*;
    vec![
        ("elev 1A", actor(1, w.a, Active, vec![], vec![w.s1], vec![(w.g1a, w.s1, Pupil)])),
        ("elev 1B", actor(2, w.a, Active, vec![], vec![w.s1], vec![(w.g1b, w.s1, Pupil)])),
        ("lærer 1A", actor(3, w.a, Active, vec![], vec![w.s1], vec![(w.g1a, w.s1, Teacher)])),
        ("leder S1", actor(4, w.a, Active, vec![StaffRole::SchoolAdmin(w.s1)], vec![w.s1], vec![])),
        ("leder S2", actor(5, w.a, Active, vec![StaffRole::SchoolAdmin(w.s2)], vec![w.s2], vec![])),
        ("kommune A", actor(6, w.a, Active, vec![StaffRole::MunicipalityAdmin], vec![], vec![])),
        ("kommune B", actor(7, w.b, Active, vec![StaffRole::MunicipalityAdmin], vec![], vec![])),
        ("elev B", actor(8, w.b, Active, vec![], vec![w.s3], vec![(w.g3x, w.s3, Pupil)])),
        ("spærret 1A", actor(9, w.a, Disabled, vec![], vec![w.s1], vec![(w.g1a, w.s1, Pupil)])),
        ("udmeldt kom.", actor(10, w.a, Left, vec![StaffRole::MunicipalityAdmin], vec![], vec![])),
    ]
}

#[test]
fn decision_table() {
    let w = world();
    let actors = actors(&w);
    let g1a = GroupFacts { tenant_id: w.a, school_id: w.s1, group_id: w.g1a };
    let g1b = GroupFacts { tenant_id: w.a, school_id: w.s1, group_id: w.g1b };
    let g3x = GroupFacts { tenant_id: w.b, school_id: w.s3, group_id: w.g3x };
    let elev1a = facts(&actors[0].1);
    let elev1b = facts(&actors[1].1);
    let kommune_a = facts(&actors[5].1);
    let elev_b = facts(&actors[7].1);
    let classmate = PersonFacts {
        tenant_id: w.a,
        person_id: PersonId(id(200)),
        schools: vec![w.s1],
        groups: vec![w.g1a],
        staff: vec![],
    };
    let actions: Vec<(&str, Action<'_>)> = vec![
        ("viewT", Action::ViewTenant(w.a)),
        ("mngT", Action::ManageTenant(w.a)),
        ("viewS1", Action::ViewSchool { tenant_id: w.a, school_id: w.s1 }),
        ("mngS1", Action::ManageSchool { tenant_id: w.a, school_id: w.s1 }),
        ("mngS2", Action::ManageSchool { tenant_id: w.a, school_id: w.s2 }),
        ("import", Action::ImportRoster(w.a)),
        ("view1A", Action::ViewGroup(&g1a)),
        ("view1B", Action::ViewGroup(&g1b)),
        ("view3X", Action::ViewGroup(&g3x)),
        ("mngElev", Action::ManagePerson(&elev1a)),
        ("mngKomA", Action::ManagePerson(&kommune_a)),
        ("mngElevB", Action::ManagePerson(&elev_b)),
    ];
    let people = [("mate1A", &classmate), ("elev1A", &elev1a), ("elev1B", &elev1b), ("elevB", &elev_b)];

    let mut out = String::new();
    out.push_str(&format!("{:<13}", ""));
    for (name, _) in &actions {
        out.push_str(&format!("{name:<9}"));
    }
    for (name, _) in &people {
        out.push_str(&format!("{name:<7}"));
    }
    out.push('\n');
    for (who, a) in &actors {
        out.push_str(&format!("{who:<13}"));
        for (_, act) in &actions {
            out.push_str(&format!("{:<9}", if allows(a, act) { "yes" } else { "-" }));
        }
        for (_, p) in &people {
            // The shortcut callers take must agree with the full decision.
            if !sees_others_fully(a) && p.person_id != a.person_id {
                assert_ne!(person_visibility(a, p), Visibility::Full, "{who}");
            }
            let v = match person_visibility(a, p) {
                Visibility::None => "-",
                Visibility::Name => "name",
                Visibility::Full => "full",
            };
            out.push_str(&format!("{v:<7}"));
        }
        out.push('\n');
    }
    expect![[r#"
                     viewT    mngT     viewS1   mngS1    mngS2    import   view1A   view1B   view3X   mngElev  mngKomA  mngElevB mate1A elev1A elev1B elevB  
        elev 1A      yes      -        yes      -        -        -        yes      -        -        -        -        -        name   full   -      -      
        elev 1B      yes      -        yes      -        -        -        -        yes      -        -        -        -        -      -      full   -      
        lærer 1A     yes      -        yes      -        -        -        yes      -        -        -        -        -        full   full   -      -      
        leder S1     yes      -        yes      yes      -        yes      yes      yes      -        yes      -        -        full   full   full   -      
        leder S2     yes      -        -        -        yes      yes      -        -        -        -        -        -        -      -      -      -      
        kommune A    yes      yes      yes      yes      yes      yes      yes      yes      -        yes      yes      -        full   full   full   -      
        kommune B    -        -        -        -        -        -        -        -        yes      -        -        yes      -      -      -      full   
        elev B       -        -        -        -        -        -        -        -        yes      -        -        -        -      -      -      full   
        spærret 1A   -        -        -        -        -        -        -        -        -        -        -        -        -      -      -      -      
        udmeldt kom. -        -        -        -        -        -        -        -        -        -        -        -        -      -      -      -      
    "#]]
    .assert_eq(&out);
}

#[test]
fn drive_access_table() {
    use crate::drive::{SpaceFacts, SpaceKind};
    use crate::ids::SpaceId;
    let w = world();
    let actors = actors(&w);
    let space = |tenant_id, kind| SpaceFacts { tenant_id, space_id: SpaceId(id(300)), kind };
    let spaces = [
        ("own", None),
        ("elev1A", Some(space(w.a, SpaceKind::Personal(actors[0].1.person_id)))),
        ("1A", Some(space(w.a, SpaceKind::Group { group: w.g1a, school: w.s1 }))),
        ("1B", Some(space(w.a, SpaceKind::Group { group: w.g1b, school: w.s1 }))),
        ("staffS1", Some(space(w.a, SpaceKind::Staff(w.s1)))),
        ("staffS2", Some(space(w.a, SpaceKind::Staff(w.s2)))),
        ("3X", Some(space(w.b, SpaceKind::Group { group: w.g3x, school: w.s3 }))),
    ];
    let mut out = format!("{:<13}", "");
    for (name, _) in &spaces {
        out.push_str(&format!("{name:<8}"));
    }
    out.push('\n');
    for (who, a) in &actors {
        out.push_str(&format!("{who:<13}"));
        for (_, s) in &spaces {
            let s = s.unwrap_or_else(|| space(a.tenant_id, SpaceKind::Personal(a.person_id)));
            out.push_str(&format!("{:<8}", space_access(a, &s).code()));
        }
        out.push('\n');
    }
    expect![[r#"
                     own     elev1A  1A      1B      staffS1 staffS2 3X      
        elev 1A      edit    edit    view    none    none    none    none    
        elev 1B      edit    none    none    view    none    none    none    
        lærer 1A     edit    none    edit    none    edit    none    none    
        leder S1     edit    none    edit    edit    edit    none    none    
        leder S2     edit    none    none    none    none    edit    none    
        kommune A    edit    none    edit    edit    edit    edit    none    
        kommune B    edit    none    none    none    none    none    edit    
        elev B       edit    none    none    none    none    none    view    
        spærret 1A   none    none    none    none    none    none    none    
        udmeldt kom. none    none    none    none    none    none    none    
    "#]]
    .assert_eq(&out);
}

#[test]
fn shares_reach_the_person_the_group_and_the_school_only() {
    use crate::drive::{Access, Grantee, ShareGrant};
    let w = world();
    let actors = actors(&w);
    let grant = |tenant_id, grantee, access| ShareGrant { tenant_id, grantee, access };
    let cases = [
        ("to elev 1A", vec![grant(w.a, Grantee::Person(actors[0].1.person_id), Access::Edit)]),
        ("to 1A", vec![grant(w.a, Grantee::Group(w.g1a), Access::View)]),
        ("to S1", vec![grant(w.a, Grantee::School(w.s1), Access::View)]),
        (
            "1A edit+S1",
            vec![grant(w.a, Grantee::Group(w.g1a), Access::Edit), grant(w.a, Grantee::School(w.s1), Access::View)],
        ),
        ("to 3X", vec![grant(w.b, Grantee::Group(w.g3x), Access::View)]),
    ];
    let mut out = format!("{:<13}", "");
    for (name, _) in &cases {
        out.push_str(&format!("{name:<12}"));
    }
    out.push('\n');
    for (who, a) in actors.iter().take(9) {
        out.push_str(&format!("{who:<13}"));
        for (_, grants) in &cases {
            out.push_str(&format!("{:<12}", shared_access(a, grants).code()));
        }
        out.push('\n');
    }
    expect![[r#"
                     to elev 1A  to 1A       to S1       1A edit+S1  to 3X       
        elev 1A      edit        view        view        edit        none        
        elev 1B      none        none        view        view        none        
        lærer 1A     none        view        view        edit        none        
        leder S1     none        none        view        view        none        
        leder S2     none        none        none        none        none        
        kommune A    none        none        none        none        none        
        kommune B    none        none        none        none        none        
        elev B       none        none        none        none        view        
        spærret 1A   none        none        none        none        none        
    "#]]
    .assert_eq(&out);
}

#[test]
fn only_teachers_and_staff_make_share_links() {
    let w = world();
    let out: String = actors(&w)
        .iter()
        .map(|(who, a)| format!("{who:<13}{}\n", if may_make_links(a) { "yes" } else { "no" }))
        .collect();
    expect![[r#"
        elev 1A      no
        elev 1B      no
        lærer 1A     yes
        leder S1     yes
        leder S2     yes
        kommune A    yes
        kommune B    yes
        elev B       no
        spærret 1A   no
        udmeldt kom. no
    "#]]
    .assert_eq(&out);
}

#[test]
fn only_a_municipalitys_active_admins_manage_its_login_services() {
    let w = world();
    // The service reads providers of the admin's own municipality only; the policy says who.
    let out: String = actors(&w)
        .iter()
        .map(|(who, a)| format!("{who:<13}{}\n", if may_manage_login(a) { "yes" } else { "no" }))
        .collect();
    expect![[r#"
        elev 1A      no
        elev 1B      no
        lærer 1A     no
        leder S1     no
        leder S2     no
        kommune A    yes
        kommune B    yes
        elev B       no
        spærret 1A   no
        udmeldt kom. no
    "#]]
    .assert_eq(&out);
}

#[test]
fn staff_and_teachers_may_set_up_a_second_factor_and_pupils_never() {
    let w = world();
    let out: String = actors(&w)
        .iter()
        .map(|(who, a)| format!("{who:<13}{}\n", if may_use_second_factor(a) { "yes" } else { "no" }))
        .collect();
    expect![[r#"
        elev 1A      no
        elev 1B      no
        lærer 1A     yes
        leder S1     yes
        leder S2     yes
        kommune A    yes
        kommune B    yes
        elev B       no
        spærret 1A   no
        udmeldt kom. no
    "#]]
    .assert_eq(&out);
}

#[test]
fn school_admins_set_the_quotas_of_their_school_and_municipality_admins_all() {
    use crate::drive::{SpaceFacts, SpaceKind};
    use crate::ids::SpaceId;
    let w = world();
    let actors = actors(&w);
    let space = |tenant_id, kind| SpaceFacts { tenant_id, space_id: SpaceId(id(301)), kind };
    let elev1a = &actors[0].1;
    let spaces = [
        ("elev1A", space(w.a, SpaceKind::Personal(elev1a.person_id)), Some(facts(elev1a))),
        ("1A", space(w.a, SpaceKind::Group { group: w.g1a, school: w.s1 }), None),
        ("staffS2", space(w.a, SpaceKind::Staff(w.s2)), None),
        ("3X", space(w.b, SpaceKind::Group { group: w.g3x, school: w.s3 }), None),
    ];
    let mut out = format!("{:<13}", "");
    for (name, _, _) in &spaces {
        out.push_str(&format!("{name:<8}"));
    }
    out.push('\n');
    for (who, a) in &actors {
        out.push_str(&format!("{who:<13}"));
        for (_, s, owner) in &spaces {
            out.push_str(&format!("{:<8}", if may_set_quota(a, s, owner.as_ref()) { "yes" } else { "no" }));
        }
        out.push('\n');
    }
    expect![[r#"
                     elev1A  1A      staffS2 3X      
        elev 1A      no      no      no      no      
        elev 1B      no      no      no      no      
        lærer 1A     no      no      no      no      
        leder S1     yes     yes     no      no      
        leder S2     no      no      yes     no      
        kommune A    yes     yes     yes     no      
        kommune B    no      no      no      yes     
        elev B       no      no      no      no      
        spærret 1A   no      no      no      no      
        udmeldt kom. no      no      no      no      
    "#]]
    .assert_eq(&out);
}

#[test]
fn teachers_manage_assignments_and_pupils_hand_in_once_published() {
    let w = world();
    let g1a = GroupFacts { tenant_id: w.a, school_id: w.s1, group_id: w.g1a };
    let draft = AssignmentFacts { group: g1a, published: false, pupils: None };
    let published = AssignmentFacts { group: g1a, published: true, pupils: None };
    let out: String = actors(&w)
        .iter()
        .map(|(who, a)| {
            let yn = |b: bool| if b { "yes" } else { "no" };
            format!(
                "{who:<13}manage {:<4}hand in draft {:<4}published {}\n",
                yn(may_manage_assignments(a, &g1a)),
                yn(hands_in(a, &draft)),
                yn(hands_in(a, &published))
            )
        })
        .collect();
    expect![[r#"
        elev 1A      manage no  hand in draft no  published yes
        elev 1B      manage no  hand in draft no  published no
        lærer 1A     manage yes hand in draft no  published no
        leder S1     manage yes hand in draft no  published no
        leder S2     manage no  hand in draft no  published no
        kommune A    manage yes hand in draft no  published no
        kommune B    manage no  hand in draft no  published no
        elev B       manage no  hand in draft no  published no
        spærret 1A   manage no  hand in draft no  published no
        udmeldt kom. manage no  hand in draft no  published no
    "#]]
    .assert_eq(&out);
}

#[test]
fn an_assignment_for_some_pupils_is_theirs_alone() {
    let w = world();
    let g1a = GroupFacts { tenant_id: w.a, school_id: w.s1, group_id: w.g1a };
    let all = actors(&w);
    let (_, elev) = all.iter().find(|(who, _)| *who == "elev 1A").expect("a pupil of 1A");
    let (_, teacher) = all.iter().find(|(who, _)| *who == "lærer 1A").expect("a teacher of 1A");
    let other = [crate::PersonId::new()];
    let mine = [elev.person_id];
    let for_other = AssignmentFacts { group: g1a, published: true, pupils: Some(&other) };
    let for_me = AssignmentFacts { group: g1a, published: true, pupils: Some(&mine) };
    assert!(!hands_in(elev, &for_other));
    assert!(hands_in(elev, &for_me));
    // Listing a teacher does not make them a pupil.
    let for_teacher = [teacher.person_id];
    assert!(!hands_in(teacher, &AssignmentFacts { group: g1a, published: true, pupils: Some(&for_teacher) }));
}

#[test]
fn every_listed_drive_is_one_the_actor_may_enter() {
    use crate::drive::SpaceFacts;
    use crate::ids::SpaceId;
    let w = world();
    for (who, a) in actors(&w) {
        for kind in listed_drives(&a) {
            let facts = SpaceFacts { tenant_id: a.tenant_id, space_id: SpaceId(id(300)), kind };
            if a.status.can_log_in() {
                assert!(space_access(&a, &facts) >= Access::View, "{who}: {kind:?} is listed but closed");
            }
        }
    }
    // A teacher lists their class's drive and their school's staff drive; a pupil neither staff drive.
    let teacher = &actors(&w)[2].1;
    assert!(listed_drives(teacher).contains(&SpaceKind::Staff(w.s1)));
    assert!(!listed_drives(&actors(&w)[0].1).iter().any(|k| matches!(k, SpaceKind::Staff(_))));
}

#[test]
fn group_members_roles_and_locks_table() {
    let w = world();
    let actors = actors(&w);
    let g1a = GroupFacts { tenant_id: w.a, school_id: w.s1, group_id: w.g1a };
    let holder = actors[2].1.person_id; // lærer 1A took the lock
    let mut out =
        String::from("              members1A roleS1  roleS2  | lock as: reader     editor (take refresh release)\n");
    for (who, a) in &actors {
        let enrolled = a.schools.contains(&w.s1).then_some(if a.works_at.is_empty() { "pupil" } else { "teacher" });
        let role = |s, e: Option<&str>| school_role(a, s, e).unwrap_or_else(|| "-".into());
        let lock = |access| {
            [LockUse::Take, LockUse::Refresh, LockUse::Release]
                .map(|u| if may_use_lock(a, access, u, Some(holder)) { "y" } else { "-" })
                .join("")
        };
        out.push_str(&format!(
            "{who:<13} {:<9} {:<7} {:<7} |          {:<10} {}\n",
            if sees_group_members_fully(a, &g1a) { "full" } else { "-" },
            role(w.s1, enrolled),
            role(w.s2, None),
            lock(Access::View),
            lock(Access::Edit),
        ));
    }
    expect![[r#"
                      members1A roleS1  roleS2  | lock as: reader     editor (take refresh release)
        elev 1A       -         pupil   -       |          ---        y-y
        elev 1B       -         pupil   -       |          ---        y-y
        lærer 1A      full      teacher -       |          ---        yyy
        leder S1      full      admin   -       |          ---        y-y
        leder S2      -         -       admin   |          ---        y-y
        kommune A     full      admin   admin   |          ---        y-y
        kommune B     -         admin   admin   |          ---        y-y
        elev B        -         -       -       |          ---        y-y
        spærret 1A    -         pupil   -       |          ---        ---
        udmeldt kom.  -         admin   admin   |          ---        ---
    "#]]
    .assert_eq(&out);
}

#[test]
fn exams_lock_a_pupil_in_as_the_table_says() {
    let (e1, e2, other) = (AssignmentId(id(501)), AssignmentId(id(502)), AssignmentId(id(503)));
    let open = RunningExam { assignment: e1, closed: false };
    let closed = RunningExam { assignment: e2, closed: true };
    let cases: [(&str, Vec<RunningExam>); 4] =
        [("none", vec![]), ("open", vec![open]), ("closed", vec![closed]), ("both", vec![open, closed])];
    let asks = [
        ("drive", DuringExams::Drive { in_exam_work: false }),
        ("work", DuringExams::Drive { in_exam_work: true }),
        ("exam1", DuringExams::Assignment(e1)),
        ("exam2", DuringExams::Assignment(e2)),
        ("other", DuringExams::Assignment(other)),
        ("share", DuringExams::Share),
    ];
    let mut out = format!("{:<8}", "");
    for (name, _) in &asks {
        out.push_str(&format!("{name:<7}"));
    }
    out.push('\n');
    for (name, running) in &cases {
        out.push_str(&format!("{name:<8}"));
        for (_, ask) in &asks {
            out.push_str(&format!("{:<7}", if exams_allow(running, *ask) { "yes" } else { "-" }));
        }
        out.push('\n');
    }
    expect![[r#"
                drive  work   exam1  exam2  other  share  
        none    yes    yes    yes    yes    yes    yes    
        open    yes    yes    yes    yes    yes    -      
        closed  -      yes    -      yes    -      -      
        both    -      yes    yes    yes    -      -      
    "#]]
    .assert_eq(&out);
}

#[test]
fn comments_on_a_hand_in_are_feedback() {
    use super::{hand_in_comments, HandInComments};
    assert_eq!(hand_in_comments(true, false), HandInComments::Full);
    assert_eq!(hand_in_comments(true, true), HandInComments::Full);
    assert_eq!(hand_in_comments(false, true), HandInComments::Reply);
    assert_eq!(hand_in_comments(false, false), HandInComments::Hidden);
}

#[test]
fn a_working_copy_is_read_only_once_the_assignment_closes_unless_asked_again() {
    use super::working_copy_writable;
    use crate::assignments::Phase;
    for phase in [Phase::Draft, Phase::NotYetOpen, Phase::Open, Phase::Late] {
        assert!(working_copy_writable(phase, false), "{phase:?}");
    }
    assert!(!working_copy_writable(Phase::Closed, false));
    assert!(working_copy_writable(Phase::Closed, true), "a new hand-in asked for");
}
