//! House rules about modules inside the crates (STYLE.md gives each its rationale): the
//! services of `tavle-app` depend on each other one way, as ARCHITECTURE.md draws them, and
//! no two files of a crate refer to each other, directly or round a longer circle.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Every `.rs` file under `dir`, by its path relative to `dir`.
fn sources(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The code of a file without comments and string contents, and without its `#[cfg(test)]`
/// module (tests may reach anywhere).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The module path of a file (`drive/upload.rs` → `["drive", "upload"]`; `lib.rs` → `[]`).
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.trim_end_matches(".rs").split('/').map(String::from).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The file that holds the module `path`, or the nearest module above it that has one.
fn file_of(files: &BTreeMap<String, String>, path: &[String]) -> Option<String> {
    for n in (0..=path.len()).rev() {
        let p = path[..n].join("/");
        let candidates = if n == 0 {
            vec!["lib.rs".to_string(), "main.rs".to_string()]
        } else {
            vec![format!("{p}.rs"), format!("{p}/mod.rs")]
        };
        if let Some(c) = candidates.into_iter().find(|c| files.contains_key(c)) {
            return Some(c);
        }
    }
    None
}

/// Every path a file names with `crate::` or `super::`, made absolute, each as far as an
/// identifier goes (`use super::{a, b::C}` gives `super::a` and `super::b::C`).
fn named_paths(file: &str, code: &str) -> Vec<Vec<String>> {
    let here = module_of(file);
    // A `mod.rs` or `lib.rs` is its module; a plain file is a module inside its directory's.
    let parent: Vec<String> = if file.ends_with("mod.rs") || file == "lib.rs" || file == "main.rs" {
        here.iter().take(here.len().saturating_sub(1)).cloned().collect()
    } else {
        here[..here.len() - 1].to_vec()
    };
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b':') {
                continue;
            }
            let base = if start == "crate::" { Vec::new() } else { parent.clone() };
            let mut rest = &code[from..];
            let mut prefix = base.clone();
            // Further `super::`s climb.
            while let Some(r) = rest.strip_prefix("super::") {
                prefix.pop();
                rest = r;
            }
            let tail: String =
                rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '{').collect();
            if let Some(brace) = tail.find('{') {
                let head: Vec<String> = tail[..brace].split("::").filter(|s| !s.is_empty()).map(String::from).collect();
                let close = rest.find('}').unwrap_or(rest.len());
                for item in rest[brace + 1..close].split(',') {
                    let mut p = prefix.clone();
                    p.extend(head.iter().cloned());
                    p.extend(
                        item.trim()
                            .split("::")
                            .map(|s| s.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_')))
                            .filter(|s| !s.is_empty() && *s != "self")
                            .map(String::from),
                    );
                    out.push(p);
                }
            } else {
                let mut p = prefix.clone();
                p.extend(tail.split("::").filter(|s| !s.is_empty()).map(String::from));
                out.push(p);
            }
        }
    }
    out
}

/// Which files each file of a crate refers to. A module's own file naming its children (to
/// declare or re-export them) is how Rust builds a module, not a dependency, and is left out.
fn file_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(src);
    let mut graph = BTreeMap::new();
    for (file, text) in &files {
        let here = module_of(file);
        let is_parent = file.ends_with("mod.rs") || file == "lib.rs" || file == "main.rs";
        let mut deps = BTreeSet::new();
        for path in named_paths(file, &code(text)) {
            let Some(target) = file_of(&files, &path) else { continue };
            if &target == file {
                continue;
            }
            let target_mod = module_of(&target);
            if is_parent && target_mod.len() > here.len() && target_mod[..here.len()] == here[..] {
                continue;
            }
            deps.insert(target);
        }
        graph.insert(file.clone(), deps);
    }
    graph
}

/// The circles of a graph: its strongly connected components of more than one file.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iteratively small enough to write plainly for a few hundred files.
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_two_files_of_a_crate_refer_to_each_other() {
    let mut problems = Vec::new();
    for krate in ["tavle-core", "tavle-store", "tavle-blob", "tavle-app", "tavle-http", "tavle"] {
        let graph = file_graph(&workspace().join("crates").join(krate).join("src"));
        assert!(!graph.is_empty(), "{krate} has no sources");
        for circle in circles(&graph) {
            problems.push(format!("{krate}: {}", circle.join(" ↔ ")));
        }
    }
    assert!(
        problems.is_empty(),
        "files that refer to each other (move what both need below them):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_graph_sees_a_circle_when_there_is_one() {
    // The check above must be able to fail: two sibling files naming each other.
    let dir = std::env::temp_dir().join(format!("tavle-tidy-modules-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("lib.rs"), "//! x\nmod a;\n").unwrap();
    std::fs::write(dir.join("a/mod.rs"), "//! x\nmod b;\nmod c;\npub use b::B;\n").unwrap();
    std::fs::write(dir.join("a/b.rs"), "//! x\nuse super::c::C;\npub struct B;\n").unwrap();
    std::fs::write(dir.join("a/c.rs"), "//! x\nuse crate::a::{b::B, self};\npub struct C;\n").unwrap();
    let found = circles(&file_graph(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found, vec![vec!["a/b.rs".to_string(), "a/c.rs".to_string()]]);
}

/// The services of `tavle-app` and the modules of each: what the rule below speaks of.
const SERVICES: &[(&str, &[&str])] = &[
    ("content", &["content"]),
    ("access", &["access"]),
    ("organisation", &["org", "import"]),
    ("sessions", &["auth", "app_passwords", "login_flow", "second_factor"]),
    ("drive", &["drive"]),
    ("assignments", &["assignments"]),
    ("documents", &["documents"]),
    ("office", &["office"]),
    ("federation", &["federation"]),
];

/// What each service may use of the others (ARCHITECTURE.md draws the same).
const MAY_USE: &[(&str, &[&str])] = &[
    ("content", &[]),
    ("access", &["content"]),
    ("organisation", &[]),
    ("sessions", &["organisation"]),
    ("drive", &["access", "content"]),
    ("assignments", &["access", "content", "documents"]),
    ("documents", &["access", "content"]),
    ("office", &["drive", "access", "content"]),
    ("federation", &["sessions", "organisation"]),
];

#[test]
fn the_services_of_the_app_depend_one_way() {
    let files = sources(&workspace().join("crates/tavle-app/src"));
    let service_of = |module: &str| SERVICES.iter().find(|(_, mods)| mods.contains(&module)).map(|(s, _)| *s);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (file, text) in &files {
        let here = module_of(file);
        let Some(mine) = here.first().and_then(|m| service_of(m)) else { continue };
        seen.insert(mine);
        let allowed = MAY_USE.iter().find(|(s, _)| *s == mine).map(|(_, a)| *a).unwrap();
        for path in named_paths(file, &code(text)) {
            let Some(theirs) = path.first().and_then(|m| service_of(m)) else { continue };
            if theirs != mine && !allowed.contains(&theirs) {
                problems.push(format!("{file} ({mine}) uses {} ({theirs})", path.join("::")));
            }
        }
    }
    assert_eq!(seen.len(), SERVICES.len(), "a service has no files: {seen:?}");
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "a service uses one it may not (see ARCHITECTURE.md):\n{}", problems.join("\n"));
}

/// What of the store the app's public API may name: the handles the binary composes the app
/// from, and the store's error inside `AppError`. Rows and connections are not among them.
const STORE_NAMES_IN_THE_API: &[&str] = &["Store", "StoreError", "StoreOptions", "Tx"];

/// The modules `lib.rs` keeps to the crate (`mod x;`, not `pub mod x;`).
const PRIVATE_MODULES: &[&str] = &["batch", "cache", "csv_out", "secrets"];

/// The name of the type an `impl` line is for (`impl<T> Trait for X<T> {` gives `X`).
fn impl_target(line: &str) -> String {
    let t = line.split(" for ").last().unwrap_or(line);
    let t = t.trim_start_matches("impl").trim_start();
    let t = if t.starts_with('<') { t.split_once('>').map_or(t, |(_, r)| r).trim_start() } else { t };
    let name = t.split(['<', ' ', '{']).next().unwrap_or("");
    name.rsplit("::").next().unwrap_or("").to_string()
}

/// The head of each public item of `code` (a function's signature up to its body, a field's
/// line), leaving out what its enclosing struct or `impl` keeps to the crate.
fn public_heads(code: &str, public_types: &BTreeSet<String>) -> Vec<String> {
    let mut heads = Vec::new();
    let mut enclosing_public = true;
    let mut at = 0;
    for line in code.split_inclusive('\n') {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if indent == 0 && (t.starts_with("impl") || t.contains("struct ") || t.contains("enum ")) {
            enclosing_public = if t.starts_with("impl") {
                public_types.contains(&impl_target(t))
            } else {
                t.starts_with("pub struct") || t.starts_with("pub enum")
            };
        }
        let item = t.starts_with("pub ") && !t.starts_with("pub use") && !t.starts_with("pub mod");
        if enclosing_public && item {
            if t.starts_with("pub fn") || t.starts_with("pub async fn") {
                let rest = &code[at + indent..];
                let end = rest.find(['{', ';']).unwrap_or(rest.len());
                heads.push(rest[..end].split(" where").next().unwrap_or("").to_string());
            } else {
                heads.push(t.trim_end().to_string());
            }
        }
        at += line.len();
    }
    heads
}

#[test]
fn the_apps_public_api_names_no_row_or_connection_type() {
    let files = sources(&workspace().join("crates/tavle-app/src"));
    let mut public_types = BTreeSet::new();
    for text in files.values() {
        for line in code(text).lines() {
            for kw in ["pub struct ", "pub enum "] {
                if let Some(rest) = line.strip_prefix(kw) {
                    public_types.insert(rest.split(['<', ' ', '{', '(', ';']).next().unwrap_or("").to_string());
                }
            }
        }
    }
    let mut problems = Vec::new();
    for (file, text) in &files {
        let top = file.split(['/', '.']).next().unwrap_or("");
        if PRIVATE_MODULES.contains(&top) {
            continue;
        }
        let code = code(text);
        // The names this file takes from the store.
        let mut from_store: Vec<String> = Vec::new();
        for line in code.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("use tavle_store::") {
                let names = rest.trim_end_matches(';');
                let names = names.rsplit_once('{').map_or(names, |(_, n)| n).trim_end_matches('}');
                for n in names.split(',').map(|n| n.rsplit("::").next().unwrap_or(n).trim()) {
                    if n.chars().next().is_some_and(char::is_uppercase) {
                        from_store.push(n.to_string());
                    }
                }
            }
            if line.starts_with("pub use tavle_store") {
                problems.push(format!("{file}: re-exports the store: {line}"));
            }
        }
        for head in public_heads(&code, &public_types) {
            let first = head.lines().next().unwrap_or(&head).to_string();
            for bad in ["AnyConnection", "sqlx", "tavle_store::"] {
                if head.contains(bad) {
                    problems.push(format!("{file}: `{first}` names {bad}"));
                }
            }
            for n in from_store.iter().filter(|n| !STORE_NAMES_IN_THE_API.contains(&n.as_str())) {
                let named = head.match_indices(n.as_str()).any(|(at, _)| {
                    let before = head[..at].chars().next_back();
                    let after = head[at + n.len()..].chars().next();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if named {
                    problems.push(format!("{file}: `{first}` names the store's {n}"));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "the app's public API names a store row or connection (use tavle-core's domain types):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_public_api_check_sees_a_row_in_a_signature() {
    let types: BTreeSet<String> = ["Drive".to_string()].into();
    let code =
        "impl Drive {\n    pub async fn node(&self, id: NodeId) -> AppResult<NodeRow> {\n        todo\n    }\n}\n";
    let heads = public_heads(code, &types);
    assert_eq!(heads.len(), 1);
    assert!(heads[0].contains("NodeRow"));
    let private = "impl Cache {\n    pub fn get(&self) -> NodeRow {\n    }\n}\n";
    assert!(public_heads(private, &types).is_empty());
}
