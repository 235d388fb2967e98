//! Which (door, method) pairs the server answers, found without the test's table: the
//! protocol addresses written in `tavle-http`'s source, the methods each answers for its owner
//! (WebDAV's `Allow` header, and every method not refused with 405 or 501), and the tus and
//! share-link paths of the OpenAPI document.

use std::collections::BTreeSet;
use std::path::Path;

use super::{World, METHODS, VICTIM};

/// The protocol addresses of the router: string literals of `tavle-http` in `.route(` calls
/// and in `ROOT`/`ROOTS` constants, outside `/api/` (which the OpenAPI document describes).
/// axum's router cannot list its routes, so they are read where they are written.
fn protocol_routes() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            for line in std::fs::read_to_string(&path).unwrap().lines().map(str::trim) {
                let routes = line.contains(".route(") || line.contains("const ROOT");
                if !routes || line.starts_with("//") {
                    continue;
                }
                for (i, lit) in line.split('"').enumerate() {
                    if i % 2 == 1 && lit.starts_with('/') && !lit.starts_with("/api/") {
                        out.insert(lit.to_string());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../tavle-http/src"), &mut out);
    assert!(out.len() > 10, "found only {out:?}");
    out
}

/// Which methods a protocol address answers for elev1: the `Allow` header of WebDAV's
/// OPTIONS on a folder, a file and a missing path, and every method not refused with 405 or
/// 501 at a harmless address (under a missing folder, or an upload that does not exist).
async fn answered(w: &World, route: &str) -> BTreeSet<String> {
    let v = &w.victim;
    let mut out = BTreeSet::new();
    let key = if route.contains("spaces") { w.var("vdrive") } else { VICTIM };
    let mut probes = vec![route.to_string()];
    if route.ends_with('/') {
        if route.contains("uploads") {
            probes = ["sonde", "sonde/1", "sonde/.file"].iter().map(|p| format!("{route}{key}/{p}")).collect();
        } else {
            probes = vec![format!("{route}{key}/Sonde/x")];
            for path in ["", "Dagbog.txt", "Sonde"] {
                let resp = v.req("OPTIONS", &format!("{route}{key}/{path}")).send().await.unwrap();
                let allow = resp.headers().get("allow").map(|a| a.to_str().unwrap().to_string()).unwrap_or_default();
                out.extend(allow.split(',').map(|m| m.trim().to_string()).filter(|m| !m.is_empty()));
            }
        }
    }
    for url in &probes {
        for m in METHODS.split(' ') {
            let mut req = v.req(m, url);
            if m == "MOVE" || m == "COPY" {
                req = req.header("destination", format!("{route}{key}/Sonde/y"));
            }
            let status = req.send().await.unwrap().status().as_u16();
            if status != 405 && status != 501 {
                out.insert(m.to_string());
            }
        }
    }
    if route.contains("uploads") {
        v.req("DELETE", &format!("{route}{VICTIM}/sonde")).send().await.unwrap();
    }
    out
}

/// Every (route, method) the server answers on the doors this test walks.
pub async fn doors_answered(w: &World) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for route in protocol_routes() {
        for m in answered(w, &route).await {
            out.insert((route.clone(), m));
        }
    }
    let (_, doc) = w.srv.anonymous().get("/api/v1/openapi.json").await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/api/v1/drive/uploads") || path.starts_with("/api/v1/links/") {
            for m in item.as_object().unwrap().keys() {
                out.insert((path.clone(), m.to_uppercase()));
            }
        }
    }
    out
}
