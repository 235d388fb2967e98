//! Tidy checks of tenant isolation, from the source alone (no database, no server): every table a
//! migration creates is declared in the registry of tenant tables
//! (`tavle-store/src/tenant_tables.rs`), and every store function whose SQL names a tenant table
//! also names its tenant column, unless it is one of the instance-level queries listed there.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tavle_store::tenant_tables::{instance_table, tenant_table, INSTANCE_QUERIES, INSTANCE_TABLES, TENANT_TABLES};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The words of `text`: runs of letters, digits and underscores.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect()
}

/// Tables a migration creates and does not drop again (a TEMP table lives only for the
/// migration's connection).
fn tables_created(sql: &str) -> BTreeSet<String> {
    let mut created = BTreeSet::new();
    let upper = sql.to_uppercase();
    let (w, u) = (words(sql), words(&upper));
    for i in 0..u.len().saturating_sub(2) {
        let name = |j: usize| {
            let j = if u.get(j) == Some(&"IF") { j + 3 } else { j }; // IF NOT EXISTS
            w.get(j).map(|s| s.to_lowercase())
        };
        if u[i] == "CREATE" && u[i + 1] == "TABLE" {
            created.extend(name(i + 2));
        } else if u[i] == "DROP" && u[i + 1] == "TABLE" {
            if let Some(n) = name(i + 2) {
                created.remove(&n);
            }
        }
    }
    created
}

#[test]
fn every_table_a_migration_creates_is_in_the_registry() {
    let mut sql_files = Vec::new();
    files(&workspace().join("crates/tavle-store/migrations"), "sql", &mut sql_files);
    assert!(sql_files.len() >= 36, "found only {} migrations", sql_files.len());
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for f in &sql_files {
        for table in tables_created(&std::fs::read_to_string(f).unwrap()) {
            if tenant_table(&table).is_none() && instance_table(&table).is_none() {
                problems.push(format!(
                    "{}: table {table} is not in tavle-store/src/tenant_tables.rs: declare it in TENANT_TABLES \
                     (with its references) or, if it belongs to no municipality, in INSTANCE_TABLES",
                    f.display()
                ));
            }
            seen.insert(table);
        }
    }
    // The registry does not rot either: each table it declares is made by a migration (except
    // the two the database engine and sqlx make themselves).
    for name in TENANT_TABLES.iter().map(|t| t.name).chain(INSTANCE_TABLES.iter().map(|t| t.name)) {
        if !seen.contains(name) && !["_sqlx_migrations", "sqlite_sequence"].contains(&name) {
            problems.push(format!("the registry declares {name}, which no migration creates"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A token of Rust source: what the check needs of it.
#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// How many characters before the `#`s or the quote a string literal starting here has, if one
/// does (`"` 0, `b"` 1, `r#"` 1, `br"` 2); `None` for anything else, such as an identifier.
fn string_prefix(c: &[char]) -> Option<usize> {
    let quote_after = |n: usize| {
        let rest = &c[n.min(c.len())..];
        let hashes = rest.iter().take_while(|x| **x == '#').count();
        rest.get(hashes) == Some(&'"')
    };
    match c {
        ['"', ..] => Some(0),
        ['b', '"', ..] => Some(1),
        ['r', '"' | '#', ..] if quote_after(1) => Some(1),
        ['b', 'r', '"' | '#', ..] if quote_after(2) => Some(2),
        _ => None,
    }
}

/// Splits Rust source into identifiers, string literals (their contents) and punctuation,
/// skipping comments, character literals and lifetimes.
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 1;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                i += 1;
            }
        } else if let Some(prefix) = string_prefix(&c[i..]) {
            // A string, byte string or raw string: `"`, `b"`, `r"`, `r#"`, `br#"`.
            let raw = c[i..i + prefix].contains(&'r');
            i += prefix;
            let mut hashes = 0;
            while c[i] == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1; // the opening quote
            let mut s = String::new();
            while i < c.len() {
                if !raw && c[i] == '\\' {
                    s.push(c[i]);
                    s.push(c[i + 1]);
                    i += 2;
                    continue;
                }
                if c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                s.push(c[i]);
                i += 1;
            }
            out.push(Tok::Str(s));
        } else if ch == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if c.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else {
            if !ch.is_whitespace() {
                out.push(Tok::Punct(ch));
            }
            i += 1;
        }
    }
    out
}

/// `const NAME: &str = "..."` of a file: SQL fragments that functions build queries from.
fn string_consts(toks: &[Tok], out: &mut BTreeMap<String, String>) {
    for (i, t) in toks.iter().enumerate() {
        if let (Tok::Ident(kw), Some(Tok::Ident(name)), Some(Tok::Punct(':'))) = (t, toks.get(i + 1), toks.get(i + 2)) {
            if kw == "const" || kw == "static" {
                let end = toks[i..].iter().position(|t| *t == Tok::Punct(';')).map_or(toks.len(), |p| i + p);
                let text: String = toks[i..end]
                    .iter()
                    .filter_map(|t| if let Tok::Str(s) = t { Some(s.as_str()) } else { None })
                    .collect();
                out.insert(name.clone(), text);
            }
        }
    }
}

/// Each function of a file with the SQL of its body: its string literals (with `{CONST}`
/// written out) and the string constants it names.
fn functions(toks: &[Tok], consts: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let (Tok::Ident(kw), Some(Tok::Ident(name))) = (t, toks.get(i + 1)) else { continue };
        if kw != "fn" {
            continue;
        }
        let Some(open) = toks[i..].iter().position(|t| matches!(t, Tok::Punct('{' | ';'))).map(|p| i + p) else {
            continue;
        };
        if toks[open] == Tok::Punct(';') {
            continue; // A declaration without a body.
        }
        let mut depth = 0;
        let mut sql = String::new();
        for t in &toks[open..] {
            match t {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth -= 1,
                Tok::Str(s) => {
                    let mut s = s.clone();
                    for (name, text) in consts {
                        s = s.replace(&format!("{{{name}}}"), text);
                    }
                    sql.push_str(&s);
                    sql.push('\n');
                }
                Tok::Ident(id) => {
                    if let Some(text) = consts.get(id) {
                        sql.push_str(text);
                        sql.push('\n');
                    }
                }
                Tok::Punct(_) => {}
            }
            if depth == 0 {
                break;
            }
        }
        out.push((name.clone(), sql));
    }
    out
}

/// The tenant tables a function's SQL reads or writes (named after an upper-case FROM, JOIN,
/// INTO or UPDATE, as Tavle writes SQL; English text in messages is not taken for SQL).
fn tenant_tables_in(sql: &str) -> BTreeSet<&'static str> {
    let w = words(sql);
    w.windows(2)
        .filter(|p| ["FROM", "JOIN", "INTO", "UPDATE"].contains(&p[0]))
        .filter_map(|p| tenant_table(p[1]).map(|t| t.name))
        .collect()
}

/// Whether the SQL filters on (or inserts) the tenant column `col`: `col` directly before or
/// after a comparison (`tenant_id = $1`, `tenant_id IN (…)`, `p.tenant_id = s.tenant_id`) that
/// is not an assignment of an UPDATE, or in the column list of an INSERT.
fn names_tenant(sql: &str, col: &str) -> bool {
    let w: Vec<&str> = sql.split_whitespace().collect();
    let is_col = |s: &str| s.trim_matches(|c: char| "(),".contains(c)).rsplit('.').next() == Some(col);
    let cmp = |s: Option<&&str>| {
        s.is_some_and(|s| {
            ["=", "<>", "!=", "IN", "IS"]
                .iter()
                .any(|op| s.strip_prefix(op).is_some_and(|rest| !rest.starts_with(char::is_alphabetic)))
        })
    };
    // `SET a = $1, tenant_id = $2` assigns the tenant, which is no filter.
    let assigns = |i: usize| i > 0 && (w[i - 1] == "SET" || w[i - 1].ends_with(','));
    let filters =
        (0..w.len()).any(|i| is_col(w[i]) && ((cmp(w.get(i + 1)) && !assigns(i)) || (i > 0 && cmp(w.get(i - 1)))));
    let inserts = sql.split("INSERT INTO").skip(1).any(|stmt| {
        let cols = stmt.split(')').next().unwrap_or_default();
        cols.split(['(', ',']).any(|c| c.trim() == col)
    });
    filters || inserts
}

/// Store functions whose SQL touches a tenant table without naming its tenant column.
fn unscoped(sources: &[(String, String)]) -> BTreeMap<String, (String, BTreeSet<&'static str>)> {
    let mut consts = BTreeMap::new();
    let parsed: Vec<(&String, Vec<Tok>)> = sources.iter().map(|(f, src)| (f, tokens(src))).collect();
    for (_, toks) in &parsed {
        string_consts(toks, &mut consts);
    }
    let mut out = BTreeMap::new();
    for (file, toks) in &parsed {
        for (name, sql) in functions(toks, &consts) {
            let open: BTreeSet<&str> = tenant_tables_in(&sql)
                .into_iter()
                .filter(|t| !names_tenant(&sql, tenant_table(t).unwrap().tenant_column))
                .collect();
            if !open.is_empty() {
                out.insert(name, ((*file).clone(), open));
            }
        }
    }
    out
}

fn store_sources() -> Vec<(String, String)> {
    let root = workspace().join("crates/tavle-store/src");
    let mut paths = Vec::new();
    files(&root, "rs", &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| (p.strip_prefix(&root).unwrap().display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

#[test]
fn every_store_query_on_a_tenant_table_names_the_tenant_or_is_listed_as_instance_level() {
    let sources = store_sources();
    assert!(sources.len() > 20, "found only {} store files", sources.len());
    let found = unscoped(&sources);
    let listed: BTreeSet<&str> = INSTANCE_QUERIES.iter().map(|(f, _)| *f).collect();
    let mut problems = Vec::new();
    for (name, (file, tables)) in &found {
        if !listed.contains(name.as_str()) {
            problems.push(format!(
                "{file}: fn {name} touches {tables:?} without filtering on the tenant: take a TenantId and filter \
                 on tenant_id, or (if it truly must see every tenant) list it with its reason in INSTANCE_QUERIES \
                 (tavle-store/src/tenant_tables.rs) and in ARCHITECTURE.md"
            ));
        }
    }
    for name in listed {
        if !found.contains_key(name) {
            problems.push(format!("INSTANCE_QUERIES lists {name}, which is gone or now filters on the tenant"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_queries_it_must_refuse_and_passes_those_it_must_pass() {
    let src = r#"//! A store file.
        const COLS: &str = "n.id, n.tenant_id, n.name";
        const FROM_NODE: &str = "FROM node n";
        impl Db {
            pub async fn bad(&mut self, id: &str) -> Result<()> {
                sqlx::query("SELECT id FROM node WHERE id = $1").bind(id); // tenant_id in a comment
                let _c = '{'; let _l: &'static str = "}";
                Ok(())
            }
            async fn bad_by_const(&mut self) { sqlx::query(&format!("SELECT {COLS} {FROM_NODE} WHERE n.id = $1")); }
            fn bad_update(&mut self) { sqlx::query("UPDATE space SET used_bytes = 0 WHERE id = $1"); }
            fn good(&mut self) { sqlx::query("SELECT id FROM node WHERE tenant_id = $1 AND id = $2"); }
            fn good_insert(&mut self) { sqlx::query("INSERT INTO blob (id, tenant_id, sha256) VALUES ($1, $2, $3)"); }
            fn good_join(&mut self) {
                sqlx::query("SELECT 1 FROM login l JOIN person p ON p.id = l.person_id AND p.tenant_id = l.tenant_id");
            }
            fn not_sql(&mut self) { Err(format!("could not read from node {}", 1)) }
            fn sets_tenant(&mut self) { sqlx::query("UPDATE login_flow SET person_id = $3, tenant_id = $2 WHERE login_token_hash = $1"); }
            fn instance(&mut self) { sqlx::query("SELECT secret FROM instance_key WHERE name = $1"); }
            fn tenant_by_id(&mut self) { sqlx::query("SELECT code FROM tenant WHERE id = $1"); }
            fn all_tenants(&mut self) { sqlx::query("SELECT code FROM tenant ORDER BY code"); }
        }
    "#;
    let found = unscoped(&[("probe.rs".into(), src.into())]);
    let names: Vec<&str> = found.keys().map(String::as_str).collect();
    assert_eq!(names, ["all_tenants", "bad", "bad_by_const", "bad_update", "sets_tenant"]);
}
