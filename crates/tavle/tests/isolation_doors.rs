//! Tenant isolation through every door besides the JSON API: WebDAV (files and spaces, every
//! method), Nextcloud's chunked uploads, OCS and `status.php`, Login Flow v2, tus, WOPI and share
//! links, each walked by the five callers of `isolation.rs` against elev1's files, locks,
//! uploads and login flows and laerer1's share links. Each (door, method) has a row with the
//! expected status per caller; a method a door answers (by its `Allow` header, or by not
//! refusing it with 405 or 501) without a row fails, as does a protocol address of the router
//! without one. No caller may see what is sealed from them, and afterwards nothing of the
//! victim's has changed. The world and the discovery of what the server answers are in
//! `doors/`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;
mod doors;

use doors::{lock_body, method, victim_state, Caller, World, CALLERS, PROPFIND, PROPPATCH, VICTIM};

/// One request, sent by each caller in turn. `{name}`s are filled from the world and from
/// the caller (`{me}`, `{mydrive}`: the caller's own username and drive).
struct Row {
    /// The router's address the request goes to: a root (followed by a username or drive
    /// id), an exact address, an OpenAPI path, or "unrouted".
    route: &'static str,
    method: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Option<String>,
    /// The status per caller, in the order of `CALLERS`.
    expect: [u16; 5],
    /// Whether the caller logs in as elev1, with their own app password.
    as_victim: bool,
}

fn row(route: &'static str, m: &'static str, url: &str, expect: [u16; 5]) -> Row {
    Row { route, method: m, url: url.to_string(), headers: Vec::new(), body: None, expect, as_victim: false }
}

impl Row {
    fn h(mut self, name: &'static str, value: &str) -> Row {
        self.headers.push((name, value.to_string()));
        self
    }
    fn body(mut self, b: &str) -> Row {
        self.body = Some(b.to_string());
        self
    }
    fn victims_login(mut self) -> Row {
        self.as_victim = true;
        self
    }
}

/// Anonymous callers are asked to log in; a disabled person's app password is refused
/// (`account_disabled`); everyone else is told that these are not their files, whether the
/// files exist or not (`/files/<someone else>/`, `/uploads/<someone else>/`, a `Destination`
/// in another drive).
const NOT_YOURS: [u16; 5] = [401, 403, 403, 403, 403];
/// A drive or upload the caller cannot see does not exist for them.
const UNSEEN: [u16; 5] = [401, 404, 404, 404, 403];
/// The same in the JSON API, where a disabled person's session has ended.
const UNSEEN_API: [u16; 5] = [401, 404, 404, 404, 401];
/// Public, or a capability (a link's token) that works the same for anyone who has it.
fn all(status: u16) -> [u16; 5] {
    [status; 5]
}

/// The WebDAV doors to elev1's school's data: (root, what follows it, the lock held there,
/// expectation).
const DAV_DOORS: [(&str, &str, &str, [u16; 5]); 6] = [
    ("/remote.php/dav/files/", "{victim}", "{lock}", NOT_YOURS),
    ("/dav/files/", "{victim}", "{lock}", NOT_YOURS),
    ("/remote.php/dav/spaces/", "{vdrive}", "{lock}", UNSEEN),
    ("/dav/spaces/", "{vdrive}", "{lock}", UNSEEN),
    // elev1's class's drive; the disabled elev2 is in that class.
    ("/remote.php/dav/spaces/", "{class}", "{classlock}", UNSEEN),
    // The staff drive of elev1's school.
    ("/dav/spaces/", "{staff}", "{stafflock}", UNSEEN),
];

/// Every WebDAV method on each door: (method, path below the drive, headers, body, an
/// expectation that holds on every door instead of the door's own). `{door}` is the door's
/// root with its key.
type DavMethod = (&'static str, &'static str, &'static [(&'static str, &'static str)], Body, Option<[u16; 5]>);

#[derive(Clone, Copy)]
enum Body {
    None,
    Propfind,
    Proppatch,
    Lock,
    Bytes,
}

const DAV_METHODS: &[DavMethod] = &[
    ("OPTIONS", "/", &[], Body::None, None),
    ("OPTIONS", "/Dagbog.txt", &[], Body::None, None),
    ("PROPFIND", "", &[("depth", "0")], Body::Propfind, None),
    ("PROPFIND", "/Dagbog.txt", &[("depth", "0")], Body::Propfind, None),
    ("PROPFIND", "/", &[("depth", "1")], Body::Propfind, None),
    // Without a Depth, answered as Depth 1.
    ("PROPFIND", "/", &[], Body::Propfind, None),
    // Refused for everyone who is logged in, before the address is looked at.
    ("PROPFIND", "/", &[("depth", "infinity")], Body::Propfind, Some(NOT_YOURS)),
    ("PROPPATCH", "/Dagbog.txt", &[], Body::Proppatch, None),
    ("GET", "/Dagbog.txt", &[], Body::None, None),
    ("GET", "/", &[], Body::None, None),
    ("HEAD", "/Dagbog.txt", &[], Body::None, None),
    ("PUT", "/Dagbog.txt", &[], Body::Bytes, None),
    ("PUT", "/Ny.txt", &[], Body::Bytes, None),
    (
        "PATCH",
        "/Dagbog.txt",
        &[("content-type", "application/x-sabredav-partialupdate"), ("x-update-range", "append")],
        Body::Bytes,
        None,
    ),
    ("MKCOL", "/Ny%20mappe", &[], Body::None, None),
    ("COPY", "/Dagbog.txt", &[("destination", "{base}{door}/Kopi.txt")], Body::None, None),
    ("COPY", "/Noter", &[("destination", "{base}{door}/Kopi"), ("depth", "infinity")], Body::None, None),
    ("MOVE", "/Dagbog.txt", &[("destination", "{base}{door}/Flyttet.txt")], Body::None, None),
    ("MOVE", "/Noter", &[("destination", "{door}/Flyttet")], Body::None, None),
    ("LOCK", "/Dagbog.txt", &[("timeout", "Second-600")], Body::Lock, None),
    ("LOCK", "/L%C3%A5st.txt", &[("if", "(<{doorlock}>)"), ("timeout", "Second-600")], Body::None, None),
    ("UNLOCK", "/L%C3%A5st.txt", &[("lock-token", "<{doorlock}>")], Body::None, None),
    ("DELETE", "/L%C3%A5st.txt", &[("if", "(<{doorlock}>)")], Body::None, None),
    ("DELETE", "/Noter", &[], Body::None, None),
    // Methods no door answers (the owner gets 405 or 501).
    ("POST", "/Dagbog.txt", &[], Body::Bytes, None),
    ("TRACE", "/Dagbog.txt", &[], Body::None, None),
    ("REPORT", "/", &[], Body::Propfind, None),
    ("SEARCH", "/", &[], Body::Propfind, None),
];

/// The table: every request, with the expected status for each caller.
fn table() -> Vec<Row> {
    let mut t = Vec::new();
    for (root, key, lock, door_expect) in DAV_DOORS {
        let door = format!("{root}{key}");
        for (m, path, headers, body, expect) in DAV_METHODS {
            let mut r = row(root, m, &format!("{door}{path}"), expect.unwrap_or(door_expect));
            for (k, v) in headers.iter() {
                r = r.h(k, &v.replace("{door}", &door).replace("{doorlock}", lock));
            }
            r.body = match body {
                Body::None => None,
                Body::Propfind => Some(PROPFIND.into()),
                Body::Proppatch => Some(PROPPATCH.into()),
                Body::Lock => Some(lock_body("stjaalet-laas")),
                Body::Bytes => Some("stjålet".into()),
            };
            t.push(r);
        }
    }
    let files = "/remote.php/dav/files/";
    let spaces = "/remote.php/dav/spaces/";
    let mine = "/remote.php/dav/files/{me}/Mine.txt";
    let my_space = "/remote.php/dav/spaces/{mydrive}/Mine.txt";
    t.extend([
        // From the caller's own drive into elev1's, by each root; and from elev1's to theirs.
        row(files, "COPY", mine, NOT_YOURS).h("destination", "{base}/remote.php/dav/files/{victim}/Stjaalet.txt"),
        row(files, "MOVE", mine, NOT_YOURS).h("destination", "{base}/remote.php/dav/files/{victim}/Stjaalet.txt"),
        row(files, "COPY", mine, NOT_YOURS).h("destination", "/dav/files/{victim}/Stjaalet.txt"),
        row(files, "COPY", mine, NOT_YOURS).h("destination", "{base}/remote.php/dav/spaces/{vdrive}/Stjaalet.txt"),
        row(files, "MOVE", mine, NOT_YOURS).h("destination", "{base}/remote.php/dav/spaces/{class}/Stjaalet.txt"),
        row(spaces, "COPY", my_space, NOT_YOURS).h("destination", "{base}/remote.php/dav/spaces/{vdrive}/Stjaalet.txt"),
        row(spaces, "MOVE", my_space, NOT_YOURS).h("destination", "{base}/remote.php/dav/spaces/{class}/Stjaalet.txt"),
        row(spaces, "COPY", my_space, NOT_YOURS).h("destination", "{base}/remote.php/dav/files/{victim}/Stjaalet.txt"),
        row(files, "COPY", "/remote.php/dav/files/{victim}/Dagbog.txt", NOT_YOURS)
            .h("destination", "{base}/remote.php/dav/files/{me}/Dagbog.txt"),
        row(files, "MOVE", "/remote.php/dav/files/{victim}/Dagbog.txt", NOT_YOURS)
            .h("destination", "{base}/remote.php/dav/files/{me}/Dagbog.txt"),
        row(spaces, "COPY", "/remote.php/dav/spaces/{vdrive}/Dagbog.txt", NOT_YOURS)
            .h("destination", "{base}/remote.php/dav/spaces/{mydrive}/Dagbog.txt"),
        row(spaces, "MOVE", "/remote.php/dav/spaces/{class}/Dagbog.txt", NOT_YOURS)
            .h("destination", "{base}/remote.php/dav/files/{me}/Dagbog.txt"),
        // elev1's paths and lock tokens at the caller's own address: the same answer as a
        // path or token that does not exist, so nothing is revealed and nothing is unlocked.
        row(files, "PROPFIND", "/remote.php/dav/files/{me}/Dagbog.txt", UNSEEN).h("depth", "0").body(PROPFIND),
        row(files, "GET", "/remote.php/dav/files/{me}/Noter/Huskeliste.txt", UNSEEN),
        row(files, "UNLOCK", mine, [401, 409, 409, 409, 403]).h("lock-token", "<{lock}>"),
        row(files, "UNLOCK", mine, [401, 409, 409, 409, 403]).h("lock-token", "<opaquelocktoken:findes-ikke>"),
        row(files, "LOCK", mine, [401, 412, 412, 412, 403]).h("if", "(<{lock}>)"),
        row(files, "LOCK", mine, [401, 412, 412, 412, 403]).h("if", "(<opaquelocktoken:findes-ikke>)"),
        // dav_server ignores an If naming a resource outside the request's drive: the
        // caller's own file is written, whether elev1's token is right or made up.
        row(files, "PUT", mine, [401, 204, 204, 204, 403])
            .h("if", "</remote.php/dav/files/{victim}/L%C3%A5st.txt> (<{lock}>)")
            .body("x"),
        row(files, "PUT", mine, [401, 204, 204, 204, 403])
            .h("if", "</remote.php/dav/files/{victim}/L%C3%A5st.txt> (<opaquelocktoken:findes-ikke>)")
            .body("x"),
        // Paths that could step out of a drive are refused before anything is looked up.
        row(files, "COPY", mine, [401, 400, 400, 400, 403])
            .h("destination", "{base}/remote.php/dav/files/{me}/../../spaces/{vdrive}/Stjaalet.txt"),
        row(files, "MOVE", mine, [401, 400, 400, 400, 403])
            .h("destination", "/remote.php/dav/files/{me}/..%2F..%2Fspaces%2F{vdrive}%2FStjaalet.txt"),
        row(files, "GET", "/remote.php/dav/files/{me}/..%2F..%2Fspaces%2F{vdrive}%2FDagbog.txt", all(400)),
        row(files, "GET", "/remote.php/dav/files/{me}%2F..%2F{victim}/Dagbog.txt", all(400)),
        // Someone who does not exist, and a drive that exists elsewhere, look the same as
        // elev1 and elev1's drive.
        row(files, "PROPFIND", "/remote.php/dav/files/findes-ikke/", NOT_YOURS).h("depth", "1").body(PROPFIND),
        row(spaces, "PROPFIND", "/remote.php/dav/spaces/0190f0f0-0000-7000-8000-000000000001/", UNSEEN)
            .h("depth", "1")
            .body(PROPFIND),
        row(spaces, "PROPFIND", "/remote.php/dav/spaces/ikke-et-id/", UNSEEN).h("depth", "1").body(PROPFIND),
        // Another's app password with elev1's login gets nobody in. (Each of these counts as a
        // failed login of elev1's: with the OCS row below, 8 of the 10 allowed per 15 minutes.)
        row(files, "PROPFIND", "/remote.php/dav/files/{victim}/", all(401)).h("depth", "1").victims_login(),
    ]);
    let uploads = "/remote.php/dav/uploads/";
    let theirs = "/remote.php/dav/uploads/{victim}/{transfer}";
    let own = "/remote.php/dav/uploads/{me}/egen-overfoersel/.file";
    t.extend([
        // elev1's chunked upload at elev1's address.
        row(uploads, "MKCOL", theirs, NOT_YOURS),
        row(uploads, "PROPFIND", "/remote.php/dav/uploads/findes-ikke/{transfer}", NOT_YOURS).h("depth", "1"),
        row(uploads, "PROPFIND", theirs, NOT_YOURS).h("depth", "1"),
        row(uploads, "PUT", &format!("{theirs}/2"), NOT_YOURS).body("stjålet"),
        row(uploads, "MOVE", &format!("{theirs}/.file"), NOT_YOURS)
            .h("destination", "{base}/remote.php/dav/files/{victim}/Stor.bin"),
        row(uploads, "MOVE", &format!("{theirs}/.file"), NOT_YOURS)
            .h("destination", "{base}/remote.php/dav/files/{me}/Stor.bin"),
        row(uploads, "GET", &format!("{theirs}/1"), NOT_YOURS),
        row(uploads, "DELETE", theirs, NOT_YOURS),
        // elev1's upload names (chunked and tus) at the caller's own address.
        row(uploads, "PROPFIND", "/remote.php/dav/uploads/{me}/{transfer}", UNSEEN).h("depth", "1"),
        row(uploads, "PROPFIND", "/remote.php/dav/uploads/{me}/{tus}", UNSEEN).h("depth", "1"),
        row(uploads, "PUT", "/remote.php/dav/uploads/{me}/{transfer}/2", UNSEEN).body("stjålet"),
        row(uploads, "MOVE", "/remote.php/dav/uploads/{me}/{transfer}/.file", UNSEEN)
            .h("destination", "{base}/remote.php/dav/files/{me}/Stor.bin"),
        row(uploads, "DELETE", "/remote.php/dav/uploads/{me}/{transfer}", UNSEEN),
        // The caller's own upload, assembled into elev1's files or drives.
        row(uploads, "MOVE", own, NOT_YOURS).h("destination", "{base}/remote.php/dav/files/{victim}/Stjaalet.bin"),
        row(uploads, "MOVE", own, NOT_YOURS).h("destination", "{base}/remote.php/dav/spaces/{vdrive}/Stjaalet.bin"),
        row(uploads, "MOVE", own, NOT_YOURS).h("destination", "/remote.php/dav/spaces/{class}/Stjaalet.bin"),
    ]);
    // tus: elev1's upload, and elev1's folders as a new upload's target.
    let tus = "/api/v1/drive/uploads/{upload_id}";
    t.extend([
        row("/api/v1/drive/uploads", "OPTIONS", "/api/v1/drive/uploads", all(204)),
        row("/api/v1/drive/uploads", "POST", "/api/v1/drive/uploads", UNSEEN_API)
            .h("upload-length", "10")
            .h("upload-metadata", "folder {vroot_b64},filename eC5iaW4="),
        row("/api/v1/drive/uploads", "POST", "/api/v1/drive/uploads", UNSEEN_API)
            .h("upload-length", "10")
            .h("upload-metadata", "folder {class_root_b64},filename eC5iaW4="),
        row(tus, "HEAD", "/api/v1/drive/uploads/{tus}", UNSEEN_API).h("tus-resumable", "1.0.0"),
        row(tus, "PATCH", "/api/v1/drive/uploads/{tus}", UNSEEN_API)
            .h("content-type", "application/offset+octet-stream")
            .h("upload-offset", "0")
            .body("stjålet"),
        row(tus, "DELETE", "/api/v1/drive/uploads/{tus}", UNSEEN_API),
        row(tus, "HEAD", "/api/v1/drive/uploads/{transfer}", UNSEEN_API),
    ]);
    // Share links. A token is a capability: whoever holds it, logged in anywhere or not, gets
    // what an anonymous holder gets, and nothing outside what it opens.
    let open = "/api/v1/links/{token}";
    let children = "/api/v1/links/{token}/children";
    let content = "/api/v1/links/{token}/content";
    let unlock = "/api/v1/links/{token}/unlock";
    let put = "/api/v1/links/{token}/files/{name}";
    t.extend([
        row(open, "GET", "/api/v1/links/{link}", all(200)),
        row(children, "GET", "/api/v1/links/{link}/children", all(200)),
        row(content, "GET", "/api/v1/links/{link}/content?node={lfile}", all(200)),
        row(content, "GET", "/api/v1/links/{link}/content", all(409)),
        row(unlock, "POST", "/api/v1/links/{link}/unlock", all(409))
            .h("content-type", "application/json")
            .body(r#"{"password": "gæt"}"#),
        row(put, "PUT", "/api/v1/links/{link}/files/x.txt", all(403)).body("x"),
        // Nothing beside or above the linked folder, in elev1's drive, or in the other
        // municipality.
        row(children, "GET", "/api/v1/links/{link}/children?folder={lroot}", all(404)),
        row(children, "GET", "/api/v1/links/{link}/children?folder={vroot}", all(404)),
        row(content, "GET", "/api/v1/links/{link}/content?node={beside}", all(404)),
        row(content, "GET", "/api/v1/links/{link}/content?node={vfile}", all(404)),
        row(content, "GET", "/api/v1/links/{link}/content?node={b_file}", all(404)),
        row(content, "GET", "/api/v1/links/{link}/content?node={dropped}", all(404)),
        // The other municipality's and the other school's tokens with laerer1's and elev1's ids.
        row(children, "GET", "/api/v1/links/{link_b}/children?folder={lfolder}", all(404)),
        row(content, "GET", "/api/v1/links/{link_b}/content?node={lfile}", all(404)),
        row(content, "GET", "/api/v1/links/{link_b}/content?node={vfile}", all(404)),
        row(children, "GET", "/api/v1/links/{link_s}/children?folder={lfolder}", all(404)),
        row(content, "GET", "/api/v1/links/{link_s}/content?node={vfile}", all(404)),
        // A locked link stays locked, also with the key of another (unlocked) link.
        row(open, "GET", "/api/v1/links/{locked}", all(200)),
        row(children, "GET", "/api/v1/links/{locked}/children", all(401)),
        row(children, "GET", "/api/v1/links/{locked}/children", all(401)).h("x-tavle-link-key", "{key_b}"),
        row(content, "GET", "/api/v1/links/{locked}/content?node={lfile}", all(401)).h("x-tavle-link-key", "{key_b}"),
        row(unlock, "POST", "/api/v1/links/{locked}/unlock", all(401))
            .h("content-type", "application/json")
            .body(r#"{"password": "gæt"}"#),
        // The drop box takes files from anyone with its token and shows none.
        row(open, "GET", "/api/v1/links/{drop}", all(200)),
        row(children, "GET", "/api/v1/links/{drop}/children", all(404)),
        row(content, "GET", "/api/v1/links/{drop}/content?node={dropped}", all(404)),
        row(put, "PUT", "/api/v1/links/{drop}/files/Fra%20{me}.txt", all(201)).body("Til laereren"),
        // A name that is taken gets a number; nothing there is replaced.
        row(put, "PUT", "/api/v1/links/{drop}/files/Elevs%20aflevering.txt", all(201)).body("Erstattet"),
        row(put, "PUT", "/api/v1/links/{drop}/files/..%2FKarakterer.txt", all(400)).body("Erstattet"),
    ]);
    // What the sync clients ask first: public, or about the caller alone.
    for (route, m, expect) in [
        ("/status.php", "GET", all(200)),
        ("/status.php", "HEAD", all(200)),
        ("/ocs/v1.php/cloud/capabilities", "GET", all(200)),
        ("/ocs/v1.php/cloud/capabilities", "HEAD", all(200)),
        ("/ocs/v2.php/cloud/capabilities", "GET", all(200)),
        ("/ocs/v2.php/cloud/capabilities", "HEAD", all(200)),
        ("/ocs/v1.php/cloud/user", "GET", [401, 200, 200, 200, 403]),
        ("/ocs/v1.php/cloud/user", "HEAD", [401, 200, 200, 200, 403]),
        ("/ocs/v2.php/cloud/user", "GET", [401, 200, 200, 200, 403]),
        ("/ocs/v2.php/cloud/user", "HEAD", [401, 200, 200, 200, 403]),
        // Anyone may start a login flow: it is the caller's own, and empty until approved.
        ("/index.php/login/v2", "POST", all(200)),
        ("/login/v2", "POST", all(200)),
        ("/healthz", "GET", all(200)),
        ("/healthz", "HEAD", all(200)),
        ("/readyz", "GET", all(200)),
        ("/readyz", "HEAD", all(200)),
        ("/metrics", "GET", all(200)),
        ("/metrics", "HEAD", all(200)),
    ] {
        t.push(row(route, m, route, expect));
    }
    let form = "application/x-www-form-urlencoded";
    t.extend([
        // elev1's login with another's app password gets nobody in.
        row("/ocs/v2.php/cloud/user", "GET", "/ocs/v2.php/cloud/user", all(401)).victims_login(),
        // Polling with elev1's waiting flow, elev1's collected flow, or elev1's login token
        // (the browser's half): nothing.
        row("/index.php/login/v2/poll", "POST", "/index.php/login/v2/poll", all(404))
            .h("content-type", form)
            .body("token={poll_pending}"),
        row("/index.php/login/v2/poll", "POST", "/index.php/login/v2/poll", all(404))
            .h("content-type", form)
            .body("token={poll_used}"),
        row("/login/v2/poll", "POST", "/login/v2/poll", all(404)).h("content-type", form).body("token={login_pending}"),
        // Nextcloud addresses Tavle does not have: "not found" (405 to methods other than GET
        // and HEAD), never the web app's page or a 5xx.
        row("unrouted", "PROPFIND", "/remote.php/webdav/Dagbog.txt", all(405)),
        row("unrouted", "GET", "/remote.php/webdav/Dagbog.txt", all(404)),
        row("unrouted", "GET", "/remote.php/dav/files/", all(404)),
        row("unrouted", "PROPFIND", "/remote.php/dav/uploads/{victim}/", all(405)).h("depth", "1"),
        row("unrouted", "GET", "/remote.php/dav/uploads/{victim}/{transfer}/1/2", all(404)),
        row("unrouted", "GET", "/remote.php/dav/trashbin/{victim}/trash", all(404)),
        row("unrouted", "GET", "/remote.php/dav/versions/{victim}/versions", all(404)),
        row("unrouted", "GET", "/ocs/v2.php/cloud/users/{victim}", all(404)),
        row("unrouted", "GET", "/ocs/v2.php/apps/files_sharing/api/v1/shares", all(404)),
        row("unrouted", "GET", "/public.php/webdav/", all(404)),
    ]);
    // WOPI: only an access token Tavle gave for that very file opens it; no caller has one,
    // and a made-up one is no better. (Tokens for another file, forged, and stale proofs are
    // tried in wopi.rs.)
    for (route, m, url) in [
        ("/wopi/files/{file_id}", "GET", "/wopi/files/{vfile}"),
        ("/wopi/files/{file_id}", "HEAD", "/wopi/files/{vfile}"),
        ("/wopi/files/{file_id}", "POST", "/wopi/files/{vfile}?access_token=gaet.et"),
        ("/wopi/files/{file_id}/contents", "GET", "/wopi/files/{vfile}/contents?access_token="),
        ("/wopi/files/{file_id}/contents", "HEAD", "/wopi/files/{vfile}/contents"),
        ("/wopi/files/{file_id}/contents", "POST", "/wopi/files/{vfile}/contents"),
    ] {
        t.push(row(route, m, url, all(401)).h("x-wopi-override", "LOCK").h("x-wopi-lock", "stjaalet"));
    }
    // The page that opens a file in the office server: a logged-in person's own files only.
    t.push(row("/office/{file_id}", "GET", "/office/{vfile}", UNSEEN_API));
    t.push(row("/office/{file_id}", "HEAD", "/office/{vfile}", UNSEEN_API));
    for asset in ["/office-assets/open.js", "/office-assets/open.css"] {
        t.push(row(asset, "GET", asset, all(200)));
        t.push(row(asset, "HEAD", asset, all(200)));
    }
    // SCIM: only a municipality's bearer token opens it; a session, an app password or a
    // made-up token gets 401 before the address is looked at, by every method. (A token of
    // another municipality on this one's people is tried in scim.rs.)
    for (route, url) in [
        ("/scim/v2/ServiceProviderConfig", "/scim/v2/ServiceProviderConfig"),
        ("/scim/v2/ResourceTypes", "/scim/v2/ResourceTypes"),
        ("/scim/v2/ResourceTypes/{id}", "/scim/v2/ResourceTypes/User"),
        ("/scim/v2/Schemas", "/scim/v2/Schemas"),
        ("/scim/v2/Schemas/{id}", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
        ("/scim/v2/Users", "/scim/v2/Users"),
        ("/scim/v2/Users/{*rest}", "/scim/v2/Users/{victim}"),
        ("/scim/v2/Groups", "/scim/v2/Groups"),
        ("/scim/v2/Groups/{*rest}", "/scim/v2/Groups/{class}"),
        ("/scim/v2", "/scim/v2"),
        ("/scim/v2/{*rest}", "/scim/v2/Me"),
    ] {
        for m in doors::METHODS.split(' ') {
            t.push(row(route, m, url, all(401)).h("authorization", "Bearer gaet-et-token"));
        }
    }
    t
}

/// The doors lead somewhere: through each, elev1 (laerer1 in the staff drive) sees the diary
/// and the lock that the rows name, and elev1's unfinished uploads are there.
async fn control(w: &World) {
    let v = &w.victim;
    for (root, key, lock, _) in DAV_DOORS {
        let owner = if key == "{staff}" { &w.laerer } else { v };
        let url = w.fill(&format!("{root}{key}/"), v);
        let resp = owner.req("PROPFIND", &url).header("depth", "1").body(PROPFIND).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 207, "{url}");
        let text = resp.text().await.unwrap();
        assert!(text.contains("Dagbog.txt") && text.contains(&w.fill(lock, v)), "{url}: {text}");
    }
    let url = w.fill("/remote.php/dav/uploads/{victim}/{transfer}", v);
    assert_eq!(v.req("PROPFIND", &url).header("depth", "1").send().await.unwrap().status().as_u16(), 207);
    let url = w.fill("/api/v1/drive/uploads/{tus}", v);
    assert_eq!(v.req("HEAD", &url).send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn every_door_is_sealed_on_sqlite() {
    every_door_is_sealed(false).await;
}

/// The same on PostgreSQL, when the suite is given one (CI always is).
#[tokio::test]
async fn every_door_is_sealed_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        every_door_is_sealed(true).await;
    }
}

/// What one caller sent and got for one row.
struct Answer {
    status: u16,
    /// The response's headers and body: `oc-fileid`, `lock-token` and `location` count as
    /// much as the body.
    text: String,
    body: String,
    /// Everything the caller sent (URL, headers, body), percent-decoded.
    sent: String,
}

async fn send(w: &World, r: &Row, c: &Caller) -> Answer {
    let url = w.fill(&r.url, c);
    let mut sent = url.clone();
    let mut req = match (r.as_victim, &c.secret) {
        (true, Some(secret)) => c.api.req(method(r.method), &url).basic_auth(VICTIM, Some(secret)),
        _ => c.req(r.method, &url),
    };
    for (k, v) in &r.headers {
        let v = w.fill(v, c);
        sent.push_str(&v);
        req = req.header(*k, v);
    }
    if let Some(b) = &r.body {
        let b = w.fill(b, c);
        sent.push_str(&b);
        req = req.body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers: String = resp.headers().iter().map(|(k, v)| format!("{k}: {}\n", v.to_str().unwrap_or(""))).collect();
    let body = resp.text().await.unwrap_or_default();
    let sent = percent_encoding::percent_decode_str(&sent).decode_utf8_lossy().into_owned();
    Answer { status, text: format!("{headers}{body}"), body, sent }
}

async fn every_door_is_sealed(postgres: bool) {
    let started = std::time::Instant::now();
    let w = doors::world(postgres).await;
    let table = table();
    let mut failures = Vec::new();

    // Every (door, method) the server answers has a row; every row's door is still there.
    let answered = doors::discover::doors_answered(&w).await;
    for (route, m) in &answered {
        if !table.iter().any(|r| r.route == route && r.method == m) {
            failures.push(format!("{m} {route}: answered, but no stated expectation; add a row to this test"));
        }
    }
    for r in &table {
        if r.route != "unrouted" && !answered.iter().any(|(route, _)| route == r.route) {
            failures.push(format!("{} {}: a row for an address the router no longer has", r.method, r.route));
        }
    }

    control(&w).await;
    let before = victim_state(&w).await;
    let drop_before = doors::drop_box(&w).await;
    let mut dropped = 0;
    for r in &table {
        let label = format!("{} {}", r.method, r.url);
        let label = r.headers.iter().fold(label, |l, (k, v)| format!("{l} [{k}: {v}]"));
        for (i, c) in w.callers.iter().enumerate() {
            let a = send(&w, r, c).await;
            let who = CALLERS[i];
            if a.status != r.expect[i] {
                let short: String = a.body.chars().take(300).collect();
                failures.push(format!("{label} as {who}: expected {}, got {}: {short}", r.expect[i], a.status));
            }
            if a.status >= 500 {
                failures.push(format!("{label} as {who}: a server error ({})", a.status));
            }
            if r.url.contains("{drop}/files/") && a.status == 201 {
                dropped += 1;
            }
            for s in w.sealed.iter().filter(|s| a.text.contains(s.as_str()) && !a.sent.contains(s.as_str())) {
                let at = a.text.find(s.as_str()).unwrap_or(0);
                let from = a.text[..at].char_indices().rev().nth(39).map_or(0, |(i, _)| i);
                let around: String = a.text[from..].chars().take(120).collect();
                failures.push(format!("{label} as {who}: the answer reveals {s}: …{around}…"));
            }
        }
    }

    // Nothing of elev1's changed, and the drop box holds what it held and the dropped files.
    let after = victim_state(&w).await;
    for (b, a) in before.iter().zip(&after).filter(|(b, a)| b != a) {
        failures.push(format!("the victim's state changed:\nbefore: {b}\nafter:  {a}"));
    }
    let drop_after = doors::drop_box(&w).await;
    if !drop_before.is_subset(&drop_after) || drop_after.len() != drop_before.len() + dropped {
        failures.push(format!("the drop box changed: {drop_before:?} became {drop_after:?}"));
    }
    let (status, me) = w.victim.api.get("/api/v1/me").await;
    if status != reqwest::StatusCode::OK {
        failures.push(format!("elev1 can no longer use Tavle: {status} {me}"));
    }
    eprintln!(
        "{} rows, {} requests, {} (route, method) pairs answered, {:?} in all",
        table.len(),
        table.len() * CALLERS.len(),
        answered.len(),
        started.elapsed()
    );
    w.srv.stop().await;
    assert!(failures.is_empty(), "{} isolation failures:\n{}", failures.len(), failures.join("\n"));
}
