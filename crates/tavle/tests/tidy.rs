//! House rules checked on every test run (STYLE.md gives each its rationale): every Rust file
//! starts with a `//!` line saying what it is for, no file grows past 600 lines, the crates
//! depend one way and each only on what its layer may use, and no migration that has shipped
//! is edited.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target" || n == "node_modules") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

#[test]
fn every_module_says_what_it_is_for_and_stays_small() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut problems = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
        if !first.starts_with("//!") {
            problems.push(format!("{}: does not start with a //! line", f.display()));
        }
        let n = text.lines().count();
        if n > 600 {
            problems.push(format!("{}: {n} lines; split it by responsibility", f.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_backend_has_the_same_migrations() {
    let dir = workspace().join("crates/tavle-store/migrations");
    let names = |b: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(b))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

/// The `[dependencies]` of a crate's manifest, by name.
fn dependencies(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
        } else if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default().trim();
            out.push(name.to_string());
        }
    }
    out
}

#[test]
fn crates_depend_one_way_and_each_only_on_what_its_layer_may_use() {
    let manifest = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let members: Vec<String> = manifest
        .lines()
        .skip_while(|l| !l.starts_with("members"))
        .skip(1)
        .take_while(|l| !l.starts_with(']'))
        .map(|l| l.trim().trim_matches([',', '"']).trim_start_matches("crates/").to_string())
        .collect();
    assert!(members.len() >= 7, "the workspace members: {members:?}");
    let mut problems = Vec::new();
    for (i, krate) in members.iter().enumerate() {
        let deps = dependencies(krate);
        for d in deps.iter().filter(|d| d.starts_with("tavle")) {
            match members.iter().position(|m| m == d) {
                Some(j) if j < i => {}
                _ => problems.push(format!("{krate} depends on {d}, which is not below it in the workspace")),
            }
        }
        // What each layer never touches (ARCHITECTURE.md's code map).
        let banned: &[&str] = match krate.as_str() {
            "tavle-core" => &["serde", "serde_json", "tokio", "sqlx", "axum", "object_store"],
            "tavle-store" => &["axum", "object_store", "serde_json"],
            "tavle-blob" => &["sqlx", "axum"],
            "tavle-app" => &["sqlx", "axum", "object_store"],
            "tavle-http" => &["sqlx", "tavle-store", "tavle-blob", "object_store"],
            _ => &[],
        };
        for b in banned {
            if deps.iter().any(|d| d == b) {
                problems.push(format!("{krate} depends on {b}, which its layer never uses"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `crates/tavle-store/migrations/shipped.sha256` holds the SHA-256 of every migration, in
/// the format of `sha256sum`; a new migration adds its line. A shipped migration is never
/// edited: databases that ran it would disagree with the ones that run the new text (sqlx
/// refuses to start on a changed checksum), so a change is a new migration.
#[test]
fn no_migration_that_has_shipped_is_edited() {
    use sha2::{Digest, Sha256};
    let dir = workspace().join("crates/tavle-store/migrations");
    let listed = std::fs::read_to_string(dir.join("shipped.sha256")).unwrap();
    let mut recorded = std::collections::BTreeMap::new();
    for line in listed.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, path) = line.split_once("  ").expect("sha256sum format: HASH, two spaces, path");
        recorded.insert(path.to_string(), hash.to_string());
    }
    let mut problems = Vec::new();
    let mut found = 0;
    for backend in ["sqlite", "postgres"] {
        for entry in std::fs::read_dir(dir.join(backend)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{backend}/{}", path.file_name().unwrap().to_string_lossy());
            let hash = format!("{:x}", Sha256::digest(std::fs::read(&path).unwrap()));
            found += 1;
            match recorded.get(&name) {
                None => problems.push(format!("{name}: new; add `{hash}  {name}` to migrations/shipped.sha256")),
                Some(h) if *h != hash => {
                    problems.push(format!("{name}: edited after it shipped; write a new migration"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(found >= 34, "found {found} migrations");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
