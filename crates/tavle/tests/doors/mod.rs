//! The world of `isolation_doors.rs`: the victim elev1 with files, a lock, a chunked upload, a
//! tus upload and login flows in every door; laerer1's share links (a download link, a locked
//! one, a drop box); and the five callers, each with their own session, app password, drive,
//! file, chunked upload and (where they may) share links. Also what the victim's state looks
//! like from the inside, so the test can tell that nothing of it changed.
pub mod discover;

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{app_password, person_id, Api, TestServer};

/// The callers, in the order of every expectation: as in `isolation.rs`.
pub const CALLERS: [&str; 5] = ["anonymous", "other municipality", "other school", "other class", "disabled"];

/// The victim.
pub const VICTIM: &str = "elev1";

/// A PROPFIND body asking for what changes when anything of a file or folder changes.
pub const PROPFIND: &str = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:displayname/><d:getetag/><d:getcontentlength/><d:resourcetype/><d:lockdiscovery/><oc:fileid/><oc:size/><d:quota-used-bytes/></d:prop></d:propfind>"#;

/// A PROPPATCH body that sets a dead property.
pub const PROPPATCH: &str = r#"<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:x="https://example.org/x"><d:set><d:prop><x:stjaalet>ja</x:stjaalet></d:prop></d:set></d:propertyupdate>"#;

/// A LOCK body: an exclusive write lock owned by `owner`.
pub fn lock_body(owner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype><d:owner><d:href>{owner}</d:href></d:owner></d:lockinfo>"#
    )
}

/// Every method a client could send, for finding which ones a door answers.
pub const METHODS: &str =
    "OPTIONS GET HEAD POST PUT PATCH TRACE PROPFIND PROPPATCH MKCOL COPY MOVE LOCK UNLOCK REPORT SEARCH DELETE";

pub fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).unwrap()
}

/// One caller: a session in a cookie (for `/api`), and the login and app password they give
/// to WebDAV and the sync clients' endpoints. `vars` fills `{me}` and `{mydrive}`.
pub struct Caller {
    pub api: Api,
    pub user: String,
    pub secret: Option<String>,
    pub vars: Vec<(&'static str, String)>,
}

impl Caller {
    /// A request with everything this caller has: session cookie, CSRF token, Basic login.
    pub fn req(&self, m: &str, path: &str) -> reqwest::RequestBuilder {
        let req = self.api.req(method(m), path);
        match &self.secret {
            Some(s) => req.basic_auth(&self.user, Some(s)),
            None => req,
        }
    }
}

/// The victim's world and the callers.
pub struct World {
    pub srv: TestServer,
    /// The victim, with an app password.
    pub victim: Caller,
    /// laerer1: a teacher of elev1's class, owner of the share links and of the files in the
    /// staff drive.
    pub laerer: Caller,
    pub callers: Vec<Caller>,
    /// What `{name}` in a request template stands for.
    pub vars: Vec<(&'static str, String)>,
    /// What no foreign caller may see in any answer (unless they sent it themselves).
    pub sealed: Vec<String>,
}

impl World {
    /// Fills a request template for a caller.
    pub fn fill(&self, template: &str, c: &Caller) -> String {
        let mut out = template.to_string();
        for (k, v) in c.vars.iter().chain(&self.vars) {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    pub fn var(&self, name: &str) -> &str {
        self.vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).unwrap()
    }
}

/// Sends a request with Basic credentials; returns the status, headers and body.
async fn basic(
    srv: &TestServer,
    user: &str,
    secret: &str,
    m: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut req =
        crate::common::plain_client().request(method(m), format!("{}{path}", srv.base)).basic_auth(user, Some(secret));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let resp = req.send().await.unwrap();
    let (status, h) = (resp.status(), resp.headers().clone());
    (status, h, resp.text().await.unwrap())
}

/// Locks `path` over WebDAV and returns the lock token.
async fn lock(srv: &TestServer, user: &str, secret: &str, path: &str, owner: &str) -> String {
    let (status, h, body) =
        basic(srv, user, secret, "LOCK", path, &[("timeout", "Second-3600")], Some(lock_body(owner))).await;
    assert_eq!(status, StatusCode::OK, "LOCK {path}: {body}");
    h["lock-token"].to_str().unwrap().trim_matches(['<', '>']).to_string()
}

/// Starts a Nextcloud chunked upload with one chunk.
async fn chunked_upload(srv: &TestServer, user: &str, secret: &str, transfer: &str) {
    let at = format!("/remote.php/dav/uploads/{user}/{transfer}");
    let (status, _, body) = basic(srv, user, secret, "MKCOL", &at, &[], None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, body) = basic(srv, user, secret, "PUT", &format!("{at}/1"), &[], Some("0123456789".into())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The person's drives: (drive id, root folder id) of the personal one, a group's, or
/// (`"staff"`) their school's staff drive.
async fn drives(api: &Api, group: Option<&str>) -> (String, String) {
    let (status, spaces) = api.get("/api/v1/drive/spaces").await;
    assert_eq!(status, StatusCode::OK, "{spaces}");
    let found = spaces.as_array().unwrap().iter().find(|s| match group {
        None => s["kind"] == "personal",
        Some("staff") => s["kind"] == "staff",
        Some(g) => s["kind"] == "group" && s["name"] == g,
    });
    let s = found.unwrap_or_else(|| panic!("no drive {group:?} in {spaces}"));
    (s["id"].as_str().unwrap().to_string(), s["root_id"].as_str().unwrap().to_string())
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_string()
}

async fn file(api: &Api, folder: &str, name: &str, bytes: &str) -> String {
    let (status, f) = api.put_file(folder, name, bytes.as_bytes().to_vec()).await;
    assert!(status.is_success(), "{name}: {f}");
    id(&f)
}

async fn link(api: &Api, node: &str, body: Value) -> String {
    let (status, l) = api.call(Method::POST, &format!("/api/v1/drive/nodes/{node}/links"), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    l["token"].as_str().unwrap().to_string()
}

/// Makes a foreign caller: app password, own file and own chunked upload.
async fn caller(srv: &TestServer, user: &str) -> Caller {
    let (api, secret, _) = app_password(srv, user).await;
    let (drive, root) = drives(&api, None).await;
    file(&api, &root, "Mine.txt", "mit eget").await;
    chunked_upload(srv, user, &secret, "egen-overfoersel").await;
    Caller { api, user: user.into(), secret: Some(secret), vars: vec![("me", user.into()), ("mydrive", drive)] }
}

/// Starts a Login Flow v2; returns (login token, poll token).
async fn login_flow(srv: &TestServer) -> (String, String) {
    let (status, flow) = srv.anonymous().call(Method::POST, "/index.php/login/v2", None).await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    let login = flow["login"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    (login, flow["poll"]["token"].as_str().unwrap().to_string())
}

pub async fn world(postgres: bool) -> World {
    let srv = TestServer::start_with(|_| {}, postgres).await;
    let mut vars: Vec<(&'static str, String)> = vec![("base", srv.base.clone()), ("victim", VICTIM.into())];

    // elev1: a diary with two versions, a secret file never named in any request, a folder,
    // a locked file, in their own drive; their class's drive with laerer1's files.
    let (elev1, secret, _) = app_password(&srv, VICTIM).await;
    let (vdrive, vroot) = drives(&elev1, None).await;
    let (class, class_root) = drives(&elev1, Some("1.A")).await;
    file(&elev1, &vroot, "Dagbog.txt", "Kære dagbog, 1").await;
    let vfile = file(&elev1, &vroot, "Dagbog.txt", "Kære dagbog, 2").await;
    let secret_file = file(&elev1, &vroot, "Hemmeligt.txt", "Min hemmelighed").await;
    let noter = elev1.new_folder(&vroot, "Noter").await;
    let note = file(&elev1, &noter, "Huskeliste.txt", "Købe gave").await;
    file(&elev1, &vroot, "Låst.txt", "Låst af elev1").await;
    let vlock = lock(&srv, VICTIM, &secret, "/remote.php/dav/files/elev1/L%C3%A5st.txt", "elev1s-baerbare").await;
    let (laerer, laerer_secret, _) = app_password(&srv, "laerer1").await;
    let class_file = file(&laerer, &class_root, "Dagbog.txt", "Klassens dagbog").await;
    file(&laerer, &class_root, "Låst.txt", "Låst af laerer1").await;
    let class_lock =
        lock(&srv, "laerer1", &laerer_secret, &format!("/remote.php/dav/spaces/{class}/L%C3%A5st.txt"), "laerer1s-pc")
            .await;
    // The staff drive of elev1's school, with laerer1's files.
    let (staff, staff_root) = drives(&laerer, Some("staff")).await;
    let staff_file = file(&laerer, &staff_root, "Dagbog.txt", "Lærerværelsets dagbog").await;
    file(&laerer, &staff_root, "Låst.txt", "Låst af laerer1").await;
    let staff_lock =
        lock(&srv, "laerer1", &laerer_secret, &format!("/remote.php/dav/spaces/{staff}/L%C3%A5st.txt"), "laerer1s-pc")
            .await;
    // An unfinished chunked upload and an unfinished tus upload.
    chunked_upload(&srv, VICTIM, &secret, "offer-overfoersel").await;
    let tus = elev1.start_tus(&vroot, "Stor.bin", 100).await;
    assert_eq!(tus.status(), StatusCode::CREATED);
    let tus = tus.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_string();
    // Login flows: one waiting for approval, one approved and collected by elev1's device.
    let (login_pending, poll_pending) = login_flow(&srv).await;
    let (login_used, poll_used) = login_flow(&srv).await;
    let granted = elev1.call(Method::POST, &format!("/api/v1/login-flows/{login_used}/grant"), None).await;
    assert_eq!(granted.0, StatusCode::NO_CONTENT, "{}", granted.1);
    let polled = srv
        .anonymous()
        .http
        .post(format!("{}/index.php/login/v2/poll", srv.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={poll_used}"))
        .send()
        .await
        .unwrap();
    assert_eq!(polled.status(), StatusCode::OK);

    // laerer1's share links: a download link to a folder (with a file beside it that it does
    // not open), the same folder behind a password, and a drop box with a pupil's file in it.
    let lroot = laerer.home().await;
    let lfolder = laerer.new_folder(&lroot, "Til hjemmet").await;
    let lfile = file(&laerer, &lfolder, "Ugeplan.txt", "Mandag: dansk").await;
    let beside = file(&laerer, &lroot, "Karakterer.txt", "Fortroligt").await;
    let dropbox = laerer.new_folder(&lroot, "Afleveringer").await;
    let dropped = file(&laerer, &dropbox, "Elevs aflevering.txt", "Min opgave").await;
    let link_token = link(&laerer, &lfolder, json!({"kind": "download"})).await;
    let locked = link(&laerer, &lfolder, json!({"kind": "download", "password": "Sommerferie2027"})).await;
    let drop = link(&laerer, &dropbox, json!({"kind": "upload"})).await;

    // Another municipality, with a link (and a locked one it has the key of) of its own.
    srv.app().org().create_first_admin("0751", Some("Anden Kommune"), "kommune2", "Admin Anden", "demo").await.unwrap();
    let kommune2 = caller(&srv, "kommune2").await;
    let ude = kommune2.api.new_folder(&kommune2.api.home().await, "Ude").await;
    let b_file = file(&kommune2.api, &ude, "Ude.txt", "Anden kommunes fil").await;
    let link_b = link(&kommune2.api, &ude, json!({"kind": "download"})).await;
    let locked_b = link(&kommune2.api, &ude, json!({"kind": "download", "password": "Vinterferie2027"})).await;
    let (status, key) = kommune2
        .api
        .call(Method::POST, &format!("/api/v1/links/{locked_b}/unlock"), Some(json!({"password": "Vinterferie2027"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let key_b = key["key"].as_str().unwrap().to_string();

    // Another school of the same municipality, with its own admin and a link of theirs.
    let kommune = srv.login("admin", "demo").await;
    let (s, other) = kommune
        .call(Method::POST, "/api/v1/schools", Some(json!({"name": "Østskolen", "institution_number": "999998"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let other_school = id(&other);
    let (s, created) = kommune
        .call(
            Method::POST,
            &format!("/api/v1/schools/{other_school}/people"),
            Some(json!({"display_name": "Leder Øst", "username": "leder2", "password": "demo", "role": "staff"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let admin = format!("/api/v1/schools/{other_school}/admins/{}", id(&created));
    assert_eq!(kommune.call(Method::PUT, &admin, None).await.0, StatusCode::NO_CONTENT);
    let leder2 = caller(&srv, "leder2").await;
    let oest = leder2.api.new_folder(&leder2.api.home().await, "Øst").await;
    let link_s = link(&leder2.api, &oest, json!({"kind": "download"})).await;

    // A pupil of another class, and elev1's classmate elev2, disabled while logged in.
    let elev41 = caller(&srv, "elev41").await;
    let elev2 = caller(&srv, "elev2").await;
    let leder = srv.login("skoleleder", "demo").await;
    let (_, me) = leder.get("/api/v1/me").await;
    let school = me["schools"][0]["id"].as_str().unwrap().to_string();
    let elev2_id = person_id(&leder, &school, "elev2").await;
    let disable = Some(json!({"status": "disabled"}));
    let (status, body) = leder.call(Method::PATCH, &format!("/api/v1/people/{elev2_id}"), disable).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let elev1_id = person_id(&leder, &school, VICTIM).await;
    let (_, elev1_me) = elev1.get("/api/v1/me").await;

    let anonymous = Caller {
        api: srv.anonymous(),
        user: "gaest".into(),
        secret: None,
        vars: vec![("me", "gaest".into()), ("mydrive", "0190f0f0-0000-7000-8000-000000000000".into())],
    };
    let simple = |uuid: &str| uuid.replace('-', "");
    let mut sealed = vec![
        elev1_id.clone(),
        elev1_me["person"]["display_name"].as_str().unwrap().to_string(),
        vdrive.clone(),
        vroot.clone(),
        simple(&vroot),
        vfile.clone(),
        simple(&vfile),
        secret_file.clone(),
        simple(&secret_file),
        "Hemmeligt.txt".into(),
        "Min hemmelighed".into(),
        "Kære dagbog".into(),
        note.clone(),
        "Huskeliste".into(),
        "elev1s-baerbare".into(),
        vlock.clone(),
        class.clone(),
        class_file.clone(),
        simple(&class_file),
        "Klassens dagbog".into(),
        class_lock.clone(),
        staff.clone(),
        staff_file.clone(),
        "Lærerværelsets dagbog".into(),
        staff_lock.clone(),
        tus.clone(),
        "offer-overfoersel".into(),
        beside.clone(),
        "Karakterer.txt".into(),
        "Fortroligt".into(),
        dropped.clone(),
        "Elevs aflevering".into(),
        // A numbered name for a file dropped under a name that is taken would tell the
        // dropper that the drop box holds a file of that name.
        "Elevs aflevering (".into(),
        "Min opgave".into(),
    ];
    // The ETags and WebDAV file ids of everything in elev1's drive and class drive.
    let listings = [
        (VICTIM, &secret, format!("/remote.php/dav/files/{VICTIM}/")),
        (VICTIM, &secret, format!("/remote.php/dav/spaces/{class}/")),
        ("laerer1", &laerer_secret, format!("/remote.php/dav/spaces/{staff}/")),
    ];
    for (user, secret, path) in listings {
        let propfind = Some(PROPFIND.into());
        let (status, _, xml) = basic(&srv, user, secret, "PROPFIND", &path, &[("depth", "1")], propfind).await;
        assert_eq!(status, StatusCode::MULTI_STATUS, "{xml}");
        for tag in ["D:getetag", "oc:fileid"] {
            let open = format!("<{tag}>");
            let values = xml.split(&open).skip(1).filter_map(|v| v.split('<').next());
            sealed.extend(values.map(|v| v.trim_matches('"').to_string()));
        }
    }
    vars.extend([
        ("vroot_b64", crate::common::b64(&vroot)),
        ("class_root_b64", crate::common::b64(&class_root)),
        ("vdrive", vdrive),
        ("vroot", vroot),
        ("vfile", vfile),
        ("class", class),
        ("lock", vlock),
        ("classlock", class_lock),
        ("staff", staff),
        ("stafflock", staff_lock),
        ("transfer", "offer-overfoersel".into()),
        ("tus", tus),
        ("class_root", class_root),
        ("poll_pending", poll_pending),
        ("poll_used", poll_used),
        ("login_pending", login_pending),
        ("link", link_token),
        ("locked", locked),
        ("drop", drop),
        ("dropbox", dropbox),
        ("lfolder", lfolder),
        ("lroot", lroot),
        ("lfile", lfile),
        ("beside", beside),
        ("dropped", dropped),
        ("link_b", link_b),
        ("key_b", key_b),
        ("b_file", b_file),
        ("link_s", link_s),
    ]);
    let victim = Caller {
        api: elev1,
        user: VICTIM.into(),
        secret: Some(secret),
        vars: vec![("me", VICTIM.into()), ("mydrive", String::new())],
    };
    let laerer = Caller {
        api: laerer,
        user: "laerer1".into(),
        secret: Some(laerer_secret),
        vars: vec![("me", "laerer1".into()), ("mydrive", String::new())],
    };
    World { srv, victim, laerer, callers: vec![anonymous, kommune2, leder2, elev41, elev2], vars, sealed }
}

/// Everything of the victim's that a foreign caller could change, as the victim sees it: the
/// listings (with ETags, sizes, ids and locks) of their drive, a folder in it, their class's
/// drive and their school's staff drive (as laerer1 sees it); their trash and the diary's versions; their unfinished uploads; their
/// waiting login flow and app passwords; and laerer1's linked folder and the file beside it.
pub async fn victim_state(w: &World) -> Vec<String> {
    let v = &w.victim;
    let mut out = Vec::new();
    let listings = [
        format!("/remote.php/dav/files/{VICTIM}/"),
        format!("/remote.php/dav/files/{VICTIM}/Noter/"),
        format!("/remote.php/dav/spaces/{}/", w.var("class")),
        format!("/remote.php/dav/uploads/{VICTIM}/{}", w.var("transfer")),
    ];
    let staff = format!("/remote.php/dav/spaces/{}/", w.var("staff"));
    for (who, path) in listings.into_iter().map(|l| (v, l)).chain([(&w.laerer, staff)]) {
        let resp = who.req("PROPFIND", &path).header("depth", "1").body(PROPFIND).send().await.unwrap();
        out.push(format!("PROPFIND {path}: {} {}", resp.status(), resp.text().await.unwrap()));
    }
    for path in [
        format!("/api/v1/drive/spaces/{}/trash", w.var("vdrive")),
        format!("/api/v1/drive/nodes/{}/versions", w.var("vfile")),
        format!("/api/v1/login-flows/{}", w.var("login_pending")),
        "/api/v1/me/app-passwords".to_string(),
    ] {
        let (status, body) = v.api.get(&path).await;
        out.push(format!("GET {path}: {status} {body}"));
    }
    let tus = v.req("HEAD", &format!("/api/v1/drive/uploads/{}", w.var("tus"))).send().await.unwrap();
    out.push(format!("tus: {} offset {:?}", tus.status(), tus.headers().get("upload-offset")));
    for path in [
        format!("/api/v1/drive/nodes/{}/children", w.var("lfolder")),
        format!("/api/v1/drive/nodes/{}", w.var("beside")),
    ] {
        let (status, body) = w.laerer.api.get(&path).await;
        out.push(format!("laerer1 GET {path}: {status} {body}"));
    }
    out
}

/// The files in the drop box: their names, and the ETag of each.
pub async fn drop_box(w: &World) -> BTreeSet<(String, String)> {
    let (status, body) = w.laerer.api.get(&format!("/api/v1/drive/nodes/{}/children", w.var("dropbox"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["etag"].to_string()))
        .collect()
}
