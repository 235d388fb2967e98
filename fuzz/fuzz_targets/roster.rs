//! Roster files: a Tavle CSV or JSON file, a OneRoster zip, or a OneRoster directory's files,
//! read and checked as an import would. Never a panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tavle_app::import::Files;

fuzz_target!(|input: (u8, &[u8])| {
    let (kind, data) = input;
    let mut files = Files::new();
    match kind % 4 {
        0 => files.add("roster.csv", data.to_vec()),
        1 => files.add("roster.json", data.to_vec()),
        2 => files.add("oneroster.zip", data.to_vec()),
        _ => {
            // A OneRoster directory: the input split into its files at NUL bytes.
            let names = ["orgs.csv", "academicSessions.csv", "classes.csv", "users.csv", "enrollments.csv", "roles.csv"];
            for (name, part) in names.iter().zip(data.split(|b| *b == 0)) {
                files.add(name, part.to_vec());
            }
        }
    }
    let _ = tavle_app::import::read_for_fuzzing(files);
});
