#!/usr/bin/env python3
"""Generates a OneRoster 1.2 bulk CSV export of a made-up municipality for the benchmarks.

    gen_oneroster.py OUT_DIR PEOPLE [--changed] [--schools N] [--whole-school]

40 schools (or N) share PEOPLE people (92 % pupils, 8 % teachers); each school has 80 homeroom
classes (grades 0-9, letters A-H) and 20 teams, so 100,000 people give 4,000 classes. Every
person has a UNI-Login identity. Names are Danish, with æ, ø, å and double surnames.

With --whole-school, each school also has a team of all its pupils ("Projektuge – hele
skolen", taught by its first teacher): the zip benchmark's 1,000 hand-ins to one assignment.

With --changed, the same roster a month later: 1 % of pupils moved to another class of
their grade, 0.5 % left, 0.5 % new pupils, 0.2 % renamed. Output is deterministic.
"""

import csv
import os
import random
import sys

GIVEN = ["Søren", "Åse", "Ærling", "Mads", "Freja", "Ida", "Oscar", "Emma", "Noah", "Alma", "Magnus", "Sofie",
         "Victor", "Clara", "Frederik", "Agnes", "Bjørn", "Maja", "Jørgen", "Ellen", "Kåre", "Lærke", "Øyvind", "Asta"]
FAMILY = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
          "Jørgensen", "Østergaard", "Ærtebjerg", "Ågård", "Kjær", "Bøgh", "Dahl", "Holm-Ærtebjerg",
          "Æbelø-Ågård", "Møller", "Lund", "Skov-Sørensen", "Friis", "Bæk", "Thomsen"]
SUBJECTS = ["Musik", "Tysk", "Fransk", "Billedkunst", "Håndværk og design", "Madkundskab", "Idræt", "Engelsk"]


def option(name, default):
    """The value after `name` on the command line, or `default`."""
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def main():
    out, people = sys.argv[1], int(sys.argv[2])
    changed = "--changed" in sys.argv
    whole_school = "--whole-school" in sys.argv
    schools = option("--schools", 40)
    rnd = random.Random(2026)
    os.makedirs(out, exist_ok=True)
    per_school = people // schools
    teachers_per_school = per_school * 8 // 100
    pupils_per_school = per_school - teachers_per_school

    orgs = [("d1", "", "", "Bench Kommune", "district", "", "")]
    classes, users, roles, enrollments = [], [], [], []
    change_rnd = random.Random(11)
    new_rnd = random.Random(12)
    for s in range(schools):
        sid = f"s{s}"
        orgs.append((sid, "", "", f"Skole nr. {s} – Ålegården", "school", f"{280000 + s}", "d1"))
        homerooms = [(g, l) for g in range(10) for l in "ABCDEFGH"]
        for g, l in homerooms:
            classes.append((f"{sid}-{g}{l}", "", "", f"{g}.{l}", f"{g:02d}", "", "", "homeroom", "", sid, "t1",
                            "", "", ""))
        for t in range(20):
            subject = SUBJECTS[t % len(SUBJECTS)]
            classes.append((f"{sid}-team{t}", "", "", f"{subject} hold {t}", f"{t % 10:02d}", "", "", "scheduled", "",
                            sid, "t1", subject, "", ""))
        if whole_school:
            classes.append((f"{sid}-all", "", "", "Projektuge – hele skolen", "", "", "", "scheduled", "", sid, "t1",
                            "", "", ""))
            enrollments.append((f"e-{sid}-t0-all", "", "", f"{sid}-all", sid, f"{sid}-t0", "teacher", "", "", ""))
        for p in range(pupils_per_school):
            uid = f"{sid}-p{p}"
            given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
            g, l = homerooms[p % len(homerooms)]
            roll = change_rnd.random()
            if changed and roll < 0.005:
                continue  # left
            if changed and roll < 0.015:
                l = "ABCDEFGH"[("ABCDEFGH".index(l) + 1) % 8]  # moved within the grade
            if changed and 0.015 <= roll < 0.017:
                family = family + "-Ørum"  # renamed
            users.append((uid, "", "", "true", f"{sid}.p{p}", f"{{UNI-Login:u{s}x{p}}}", given, family, "", "", "", "",
                          "", "", f"{g:02d}", "", "", "", "", "", sid))
            roles.append((f"r-{uid}", "", "", uid, "primary", "student", "", "", sid, ""))
            enrollments.append((f"e-{uid}", "", "", f"{sid}-{g}{l}", sid, uid, "student", "", "", ""))
            if whole_school:
                enrollments.append((f"ea-{uid}", "", "", f"{sid}-all", sid, uid, "student", "", "", ""))
            if p % 2 == 0:
                enrollments.append((f"et-{uid}", "", "", f"{sid}-team{p % 20}", sid, uid, "student", "", "", ""))
        if changed:
            for p in range(pupils_per_school * 5 // 1000):
                uid = f"{sid}-new{p}"
                g, l = homerooms[p % len(homerooms)]
                users.append((uid, "", "", "true", f"{sid}.new{p}", "", new_rnd.choice(GIVEN), new_rnd.choice(FAMILY), "", "",
                              "", "", "", "", f"{g:02d}", "", "", "", "", "", sid))
                roles.append((f"r-{uid}", "", "", uid, "primary", "student", "", "", sid, ""))
                enrollments.append((f"e-{uid}", "", "", f"{sid}-{g}{l}", sid, uid, "student", "", "", ""))
        for t in range(teachers_per_school):
            uid = f"{sid}-t{t}"
            users.append((uid, "", "", "true", f"{sid}.t{t}", f"{{UNI-Login:l{s}x{t}}}", rnd.choice(GIVEN),
                          rnd.choice(FAMILY), "", "", "", "", "", "", "", "", "", "", "", "", sid))
            roles.append((f"r-{uid}", "", "", uid, "primary", "teacher", "", "", sid, ""))
            for k in range(3):
                group = (t * 3 + k) % (len(homerooms) + 20)
                cid = f"{sid}-{homerooms[group][0]}{homerooms[group][1]}" if group < len(homerooms) \
                    else f"{sid}-team{group - len(homerooms)}"
                enrollments.append((f"e-{uid}-{k}", "", "", cid, sid, uid, "teacher", "", "", ""))

    write(os.path.join(out, "manifest.csv"), ["propertyName", "value"],
          [("manifest.version", "1.0"), ("oneroster.version", "1.2"), ("file.orgs", "bulk"), ("file.users", "bulk")])
    write(os.path.join(out, "orgs.csv"),
          ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"], orgs)
    write(os.path.join(out, "academicSessions.csv"),
          ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId",
           "schoolYear"],
          [("y1", "", "", "2026/27", "schoolYear", "2026-08-10", "2027-06-25", "", "2027"),
           ("t1", "", "", "Efterår 2026", "term", "2026-08-10", "2026-12-20", "y1", "2027")])
    write(os.path.join(out, "classes.csv"),
          ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType",
           "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"], classes)
    write(os.path.join(out, "users.csv"),
          ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName", "familyName",
           "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
           "userMasterIdentifier", "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
           "primaryOrgSourcedId"], users)
    write(os.path.join(out, "roles.csv"),
          ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate", "endDate",
           "orgSourcedId", "userProfileSourcedId"], roles)
    write(os.path.join(out, "enrollments.csv"),
          ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role",
           "primary", "beginDate", "endDate"], enrollments)
    print(f"{out}: {len(users)} people, {len(classes)} classes, {len(enrollments)} enrollments")


if __name__ == "__main__":
    main()
