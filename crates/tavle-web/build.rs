//! Builds the web app in `web/` with Vite (after `npm ci` from its lock file when the installed
//! packages are missing or stale) and writes a table of its files, each with a gzip copy and an
//! ETag, for `src/lib.rs` to embed. `TAVLE_WEB_DIST` points at an already built app instead, for
//! packagers that build the web app separately.
#![allow(clippy::unwrap_used, clippy::expect_used)] // A build script reports failure by panicking.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use sha2::{Digest, Sha256};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let web = manifest.join("../../web").canonicalize().expect("the web app's folder `web/` is missing");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=TAVLE_WEB_DIST");
    let dist = match env::var_os("TAVLE_WEB_DIST") {
        Some(d) => {
            println!("cargo:rerun-if-changed={}", PathBuf::from(&d).display());
            PathBuf::from(d)
        }
        None => {
            for f in
                ["src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"]
            {
                println!("cargo:rerun-if-changed={}", web.join(f).display());
            }
            build(&web, &out.join("dist"));
            out.join("dist")
        }
    };
    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let mut table = String::from("&[\n");
    for rel in &files {
        let path = dist.join(rel);
        let body = fs::read(&path).unwrap();
        let etag = format!("\"{}\"", hex(&Sha256::digest(&body)[..12]));
        let gz = if compressible(rel) && body.len() > 512 {
            let gz_path = out.join("gz").join(format!("{rel}.gz"));
            fs::create_dir_all(gz_path.parent().unwrap()).unwrap();
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(&body).unwrap();
            fs::write(&gz_path, enc.finish().unwrap()).unwrap();
            format!("Some(include_bytes!({:?}))", gz_path.display().to_string())
        } else {
            "None".to_string()
        };
        writeln!(
            table,
            "    Asset {{ path: {:?}, mime: {:?}, body: include_bytes!({:?}), gzip: {gz}, etag: {etag:?} }},",
            format!("/{rel}"),
            mime(rel),
            path.display().to_string(),
        )
        .unwrap();
    }
    table.push(']');
    fs::write(out.join("assets.rs"), table).unwrap();
}

/// `npm ci` when `node_modules` does not match the lock file, then `vite build` into `dist`.
fn build(web: &Path, dist: &Path) {
    let lock = web.join("package-lock.json");
    let installed = web.join("node_modules/.package-lock.json");
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&installed).is_none() || modified(&installed) < modified(&lock) {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(web), "npm ci");
    }
    run(
        Command::new("npm").args(["run", "build", "--", "--outDir"]).arg(dist).arg("--emptyOutDir").current_dir(web),
        "npm run build",
    );
}

fn run(cmd: &mut Command, what: &str) {
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("`{what}` in web/ failed ({s}); see its output above"),
        Err(e) => panic!(
            "`{what}` could not start ({e}): building Tavle needs Node.js 20.19 or newer and npm \
             (or TAVLE_WEB_DIST pointing at a built web app)"
        ),
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            files.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

fn mime(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(name: &str) -> bool {
    mime(name).starts_with("text/") || mime(name).starts_with("application/json") || name.ends_with(".svg")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
