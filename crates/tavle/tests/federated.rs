//! Federated login against a real OpenID Connect provider (`oidc-provider`, on loopback; see
//! `tests/common/oidc.rs`): a pupil logs in through "Unilogin" and out again; every way a login
//! can be wrong is refused with its reason and audited; forged tokens from a scripted provider
//! are refused and a rotated key is taken; a back-channel logout ends a session on another node;
//! and a municipality's login services stay its own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

#[macro_use]
mod common;

use common::oidc::{add_provider, browse_login, client_for, Provider, SECRET};
use common::{Api, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Tavle on the real time: the provider stamps its tokens with it.
async fn server(postgres: bool) -> TestServer {
    let srv = TestServer::start_with(|c| c.oidc_allow_loopback = true, postgres).await;
    // The provider runs on the machine's clock, so this Tavle does too.
    srv.clock.set(tavle_core::Clock::now(&tavle_core::SystemClock));
    srv
}

/// The demo municipality's "Unilogin" at the provider, with a few accounts of its own.
async fn with_unilogin(srv: &TestServer) -> (Provider, Api) {
    let provider = Provider::start(
        vec![client_for("unilogin", &srv.base, "demo", "unilogin", "tavle")],
        json!({ "unilogin": {
            "elev1": { "uniid": "elev1", "aktoer_gruppe": "Elev", "unilogin_loa": "EnFaktor", "loa": 2,
                       "institution_ids": ["999999"] },
            "laerer1": { "uniid": "laerer1", "aktoer_gruppe": "Medarbejder", "unilogin_loa": "ToFaktor" },
            "laerer2": { "uniid": "laerer2", "aktoer_gruppe": "Elev" },
            "elev3": { "uniid": "elev3", "aktoer_gruppe": "Elev", "institution_ids": ["123456"] },
            "elev4": { "uniid": "elev4", "aktoer_gruppe": "Kontaktperson" },
            "laerer3": { "uniid": "laerer3", "aktoer_gruppe": "Medarbejder", "unilogin_loa": "EnFaktor", "loa": 2 },
        }}),
    );
    let admin = srv.login("admin", "demo").await;
    add_provider(
        &admin,
        json!({ "slug": "unilogin", "display_name": "Unilogin", "preset": "unilogin", "issuer": provider.unilogin,
                "client_id": "tavle", "client_secret": SECRET }),
    )
    .await;
    (provider, admin)
}

async fn start_url(srv: &TestServer, slug: &str) -> String {
    let (status, o) = srv.anonymous().get("/api/v1/login/options?tenant=demo").await;
    assert_eq!(status, StatusCode::OK, "{o}");
    let b = o["providers"].as_array().unwrap().iter().find(|p| p["slug"] == slug).unwrap();
    b["start_url"].as_str().unwrap().to_string()
}

/// Logs `account` in; returns where Tavle sent the browser and its client.
async fn login(srv: &TestServer, slug: &str, account: &str) -> common::oidc::Landed {
    browse_login(&srv.base, &start_url(srv, slug).await, account, |u| u).await
}

async fn me(api: &Api) -> (StatusCode, Value) {
    api.get("/api/v1/me").await
}

/// The newest audit records of the demo municipality with this action.
async fn audited(srv: &TestServer, tenant: &str, action: &str) -> Vec<Value> {
    let mut conn = srv.app().store().read().await.unwrap();
    let events = conn.audit_events(tenant.parse().unwrap(), None, 200).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| {
            let mut d: Value = serde_json::from_str(&e.detail).unwrap();
            d["outcome"] = e.outcome.into();
            d
        })
        .collect()
}

async fn tenant_of(api: &Api) -> String {
    me(api).await.1["tenant"]["id"].as_str().unwrap().to_string()
}

async fn a_pupil_logs_in_through_unilogin_and_out_again(postgres: bool) {
    let srv = server(postgres).await;
    let (provider, admin) = with_unilogin(&srv).await;
    let tenant = tenant_of(&admin).await;
    // The login page offers it, and the school search finds the school.
    let (_, o) = srv.anonymous().get("/api/v1/login/options?tenant=demo").await;
    assert_eq!(o["tenant_name"], "Demo Kommune");
    assert_eq!(o["providers"][0]["display_name"], "Unilogin");
    let (_, found) = srv.anonymous().get("/api/v1/login/schools?q=tavle").await;
    assert_eq!(found[0]["login_url"], "/k/demo", "{found}");

    let landed = login(&srv, "unilogin", "elev1").await;
    assert_eq!(landed.location, "/");
    let (status, who) = me(&landed.api).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(who["person"]["username"], "elev1");
    let logins = audited(&srv, &tenant, "session.login").await;
    assert_eq!(logins[0]["outcome"], "ok");
    assert_eq!(logins[0]["method"], "oidc");
    assert_eq!(logins[0]["matched"], "elev1");
    assert_eq!(logins[0]["assurance"]["unilogin_loa"], "EnFaktor");

    // Logging out ends Tavle's session and names the provider's logout, back to /k/demo.
    let mut api = landed.api;
    api.csrf = who["csrf_token"].as_str().unwrap().to_string();
    let (status, out) = api.call(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let end = out["end_session_url"].as_str().unwrap();
    assert!(end.starts_with(&format!("{}/session/end?", provider.unilogin)), "{end}");
    assert!(end.contains("id_token_hint=") && end.contains("client_id=tavle"), "{end}");
    assert!(end.contains(&format!("post_logout_redirect_uri={}", urlencode(&format!("{}/k/demo", srv.base)))), "{end}");
    assert_eq!(me(&api).await.0, StatusCode::UNAUTHORIZED);
    // A password session has no provider to log out of.
    let mut pw = srv.login("elev2", "demo").await;
    pw.csrf = me(&pw).await.1["csrf_token"].as_str().unwrap().to_string();
    let (_, out) = pw.call(Method::DELETE, "/api/v1/session", None).await;
    assert!(out.get("end_session_url").is_none(), "{out}");
    srv.stop().await;
}
on_both_backends!(a_pupil_logs_in_through_unilogin_and_out_again);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The login page's address for a refusal.
fn refused(reason: &str) -> String {
    format!("/k/demo?error=login_refused&reason={reason}")
}

#[tokio::test]
async fn who_may_not_log_in_is_refused_with_the_reason_and_audited() {
    let srv = server(false).await;
    let (_provider, admin) = with_unilogin(&srv).await;
    let tenant = tenant_of(&admin).await;
    let leder = srv.login("skoleleder", "demo").await;
    let (_, me_l) = me(&leder).await;
    let school = me_l["schools"][0]["id"].as_str().unwrap().to_string();
    let status_of = |user: &'static str, status: &'static str| {
        let (leder, school) = (&leder, &school);
        async move {
            let id = common::person_id(leder, school, user).await;
            let (s, b) =
                leder.call(Method::PATCH, &format!("/api/v1/people/{id}"), Some(json!({"status": status}))).await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        }
    };
    status_of("elev5", "left").await;
    status_of("elev6", "disabled").await;
    let cases = [
        ("nobody77", refused("unknown_person")),
        ("elev5", refused("left")),
        ("elev6", "/k/demo?error=account_disabled".to_string()),
        // Unilogin says pupil; Tavle knows a teacher.
        ("laerer2", refused("wrong_role")),
        // Unilogin names another school.
        ("elev3", refused("wrong_school")),
        // A parent: no accounts for parents yet.
        ("elev4", refused("not_for_this_group")),
    ];
    for (account, expected) in &cases {
        let landed = login(&srv, "unilogin", account).await;
        assert_eq!(&landed.location, expected, "{account}");
        assert_eq!(me(&landed.api).await.0, StatusCode::UNAUTHORIZED, "{account} has no session");
    }
    let refusals = audited(&srv, &tenant, "session.login").await;
    let reasons: Vec<&str> =
        refusals.iter().filter(|r| r["outcome"] == "refused").map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["not_for_this_group", "wrong_school", "wrong_role", "disabled", "left", "unknown_person"]);
    // A teacher with Medarbejder logs in.
    assert_eq!(me(&login(&srv, "unilogin", "laerer1").await.api).await.1["person"]["username"], "laerer1");

    // The flow itself: no state, another state, a replayed callback, another issuer's name.
    let start = start_url(&srv, "unilogin").await;
    let strip_state = |u: String| u.split('&').filter(|p| !p.starts_with("state=")).collect::<Vec<_>>().join("&");
    let l = browse_login(&srv.base, &start, "elev1", strip_state).await;
    assert_eq!(l.location, refused("state"));
    let other_state = |u: String| u.replace("state=", "state=X");
    assert_eq!(browse_login(&srv.base, &start, "elev1", other_state).await.location, refused("state"));
    let mut callback = String::new();
    let l = browse_login(&srv.base, &start, "elev1", |u| {
        callback = u.clone();
        u
    })
    .await;
    assert_eq!(l.location, "/");
    let again = l.api.http.get(&callback).send().await.unwrap();
    assert!(again.url().as_str().ends_with(&refused("state")), "a replayed callback: {}", again.url());
    let mixed = |u: String| u.replace("iss=", "iss=http%3A%2F%2Fevil.example%2F&x=");
    assert_eq!(browse_login(&srv.base, &start, "elev1", mixed).await.location, refused("token"));
    let no_iss = |u: String| u.split('&').filter(|p| !p.starts_with("iss=")).collect::<Vec<_>>().join("&");
    assert_eq!(browse_login(&srv.base, &start, "elev1", no_iss).await.location, refused("token"));
    let code_gone = |u: String| u.replace("code=", "code=x");
    assert_eq!(browse_login(&srv.base, &start, "elev1", code_gone).await.location, refused("provider_error"));
    srv.stop().await;
}

/// A provider that signs what the test asks: each forged ID token is refused, and a key the
/// provider rotated to is fetched and taken.
#[tokio::test]
async fn forged_id_tokens_are_refused_and_a_rotated_key_is_taken() {
    let srv = server(false).await;
    let provider = Provider::start(vec![client_for("hostile", &srv.base, "demo", "kl", "tavle")], json!({}));
    let admin = srv.login("admin", "demo").await;
    add_provider(
        &admin,
        json!({ "slug": "kl", "display_name": "Kommunens login", "preset": "keycloak", "issuer": provider.hostile,
                "client_id": "tavle", "client_secret": SECRET }),
    )
    .await;
    // laerer1 is known to this provider as "hostile-sub".
    let tenant = tenant_of(&admin).await;
    let leder = srv.login("skoleleder", "demo").await;
    let school = me(&leder).await.1["schools"][0]["id"].as_str().unwrap().to_string();
    let laerer1 = common::person_id(&leder, &school, "laerer1").await;
    let mut tx = srv.app().store().write().await.unwrap();
    let ident = tavle_core::org::ExternalIdentity { issuer: provider.hostile.clone(), subject: "hostile-sub".into() };
    tx.add_identity(tenant.parse().unwrap(), laerer1.parse().unwrap(), &ident).await.unwrap();
    tx.commit().await.unwrap();

    let try_with = |script: Value| {
        let (srv, provider) = (&srv, &provider);
        async move {
            provider.control("/hostile/next", script).await;
            login(srv, "kl", "x").await.location
        }
    };
    assert_eq!(try_with(json!({})).await, "/", "the unforged token logs laerer1 in");
    let now = tavle_core::Clock::now(&tavle_core::SystemClock).millis() / 1000;
    let forged = [
        ("alg none", json!({ "sign_with": "none" })),
        ("HS256 keyed with the client secret", json!({ "sign_with": "hs256", "secret": SECRET })),
        ("a foreign key under the known kid", json!({ "sign_with": "foreign" })),
        ("another issuer", json!({ "claims": { "iss": "http://evil.example" } })),
        ("another audience", json!({ "claims": { "aud": "someone-else" } })),
        ("a second audience", json!({ "claims": { "aud": ["tavle", "someone-else"] } })),
        ("issued to another party", json!({ "claims": { "azp": "someone-else" } })),
        ("expired", json!({ "claims": { "exp": now - 120, "iat": now - 400 } })),
        ("issued in the future", json!({ "claims": { "iat": now + 3600, "exp": now + 4000 } })),
        ("issued long ago", json!({ "claims": { "iat": now - 3600 } })),
        ("another nonce", json!({ "claims": { "nonce": "not-ours" } })),
        ("no nonce", json!({ "remove_claims": ["nonce"] })),
        ("a critical extension", json!({ "header": { "crit": ["exp"] } })),
        ("over 16 KiB", json!({ "claims": { "padding": "x".repeat(17_000) } })),
        ("not a JWT", json!({ "response": { "id_token": "not.a.jwt" } })),
    ];
    for (what, script) in forged {
        assert_eq!(try_with(script).await, refused("token"), "{what}");
    }
    // The provider answering the code with an error.
    let e = try_with(json!({ "status": 400, "response": { "error": "invalid_grant", "id_token": null } })).await;
    assert_eq!(e, refused("provider_error"));
    // Key rotation: the new kid is unknown, Tavle fetches the keys again and takes it.
    let fetches = provider.control_get("/hostile/state").await["jwks_fetches"].as_i64().unwrap();
    provider.control("/hostile/rotate", json!({})).await;
    assert_eq!(try_with(json!({})).await, "/", "the rotated key");
    let state = provider.control_get("/hostile/state").await;
    assert_eq!(state["jwks_fetches"].as_i64().unwrap(), fetches + 1);
    // A kid nobody published: fetched again at most once a minute, then refused.
    assert_eq!(try_with(json!({ "header": { "kid": "nope" } })).await, refused("token"));
    assert_eq!(provider.control_get("/hostile/state").await["jwks_fetches"], state["jwks_fetches"]);
    let reasons = audited(&srv, &tenant, "session.login").await;
    assert!(reasons.iter().filter(|r| r["outcome"] == "refused").count() >= 17);
    srv.stop().await;
}

/// Two nodes on one PostgreSQL: the provider's back-channel logout to one ends the session
/// on the other, once; a replayed or forged logout token is refused.
#[tokio::test]
async fn a_backchannel_logout_ends_the_session_on_every_node() {
    if tavle_store::testing::postgres_url().is_none() {
        return;
    }
    let one = server(true).await;
    let two = one.another_node().await;
    let (provider, _admin) = with_unilogin(&one).await;
    let landed = login(&one, "unilogin", "elev1").await;
    let on_two = Api { base: two.base.clone(), http: landed.api.http.clone(), csrf: String::new() };
    assert_eq!(me(&on_two).await.0, StatusCode::OK, "the session works on node two");
    let sent = provider
        .control("/backchannel-logout", json!({ "issuer": "unilogin", "client_id": "tavle", "account": "elev1" }))
        .await;
    let token = sent["sent"][0]["logout_token"].as_str().unwrap().to_string();
    let mut ended = false;
    for _ in 0..50 {
        if me(&on_two).await.0 == StatusCode::UNAUTHORIZED {
            ended = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ended, "node two ended the session within 5 s");
    // The same token again, at the other node: refused (its jti is spent).
    let url = format!("{}/api/v1/login/oidc/demo/unilogin/backchannel-logout", two.base);
    let post = |token: String| {
        let url = url.clone();
        async move {
            common::plain_client()
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("logout_token={}", urlencode(&token)))
                .send()
                .await
                .unwrap()
        }
    };
    let again = post(token.clone()).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["field"], "logout_token", "{body}");
    // A token the provider's key did not sign, and garbage.
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    parts[2] = parts[2].chars().rev().collect();
    for bad in [parts.join("."), "x.y.z".to_string(), String::new()] {
        let r = post(bad).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    two.stop().await;
    one.stop().await;
}

/// A municipality's login services are its own: another municipality's admin can neither see
/// nor change them, and a login started at one municipality's address cannot use another's.
#[tokio::test]
async fn login_services_are_sealed_per_municipality() {
    let srv = server(false).await;
    let (provider, admin) = with_unilogin(&srv).await;
    let (_, list) = admin.get("/api/v1/login-providers").await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list[0]["client_secret_set"], true);
    assert!(!list.to_string().contains(SECRET), "the secret is never shown");
    assert!(list[0]["redirect_uri"].as_str().unwrap().ends_with("/api/v1/login/oidc/demo/unilogin/callback"));
    assert_eq!(list[0]["check"]["pkce_s256"], true);
    assert_eq!(list[0]["check"]["iss_parameter"], true);
    assert_eq!(list[0]["check"]["backchannel_logout"], true);
    srv.app().org().create_first_admin("0751", Some("Anden Kommune"), "kommune2", "Admin Anden", "demo").await.unwrap();
    let other = srv.login("kommune2", "demo").await;
    for (m, path) in [
        (Method::GET, format!("/api/v1/login-providers/{id}")),
        (Method::PATCH, format!("/api/v1/login-providers/{id}")),
        (Method::DELETE, format!("/api/v1/login-providers/{id}")),
        (Method::POST, format!("/api/v1/login-providers/{id}/check")),
    ] {
        let (status, _) = other.call(m.clone(), &path, Some(json!({"enabled": false}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{m} {path}");
    }
    assert_eq!(other.get("/api/v1/login-providers").await.1, json!([]));
    // The other municipality names the same provider under the same short name; logging in
    // at its address finds nobody of the demo municipality.
    add_provider(
        &other,
        json!({ "slug": "unilogin", "display_name": "Unilogin", "preset": "unilogin", "issuer": provider.unilogin,
                "client_id": "tavle-0751", "client_secret": SECRET }),
    )
    .await;
    provider.control("/clients", client_for("unilogin", &srv.base, "0751", "unilogin", "tavle-0751")).await;
    let l = browse_login(&srv.base, "/api/v1/login/oidc/0751/unilogin/start", "elev1", |u| u).await;
    assert_eq!(l.location, "/k/0751?error=login_refused&reason=unknown_person");
    // A login started for one municipality cannot finish at the other's callback.
    let start = start_url(&srv, "unilogin").await;
    let cross = |u: String| u.replace("/oidc/demo/", "/oidc/0751/");
    let l = browse_login(&srv.base, &start, "elev1", cross).await;
    assert_eq!(l.location, "/k/0751?error=login_refused&reason=state");
    // Unknown municipality or service: not found.
    for path in ["/api/v1/login/oidc/9999/unilogin/start", "/api/v1/login/oidc/demo/nope/start"] {
        assert_eq!(srv.anonymous().get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(srv.anonymous().get("/api/v1/login/options?tenant=9999").await.0, StatusCode::NOT_FOUND);
    // Removing the service ends the sessions it made.
    let landed = login(&srv, "unilogin", "elev1").await;
    assert_eq!(me(&landed.api).await.0, StatusCode::OK);
    assert_eq!(
        admin.call(Method::DELETE, &format!("/api/v1/login-providers/{id}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(me(&landed.api).await.0, StatusCode::UNAUTHORIZED);
    srv.stop().await;
}

/// Where the municipality requires a second factor of staff, Unilogin's two-factor login
/// counts; a one-factor login waits at `/login?step=second-factor` until the teacher sets one
/// up in Tavle, and the session records both.
#[tokio::test]
async fn a_rule_for_staff_takes_the_providers_second_factor_or_asks_for_one() {
    let srv = server(false).await;
    let (_provider, admin) = with_unilogin(&srv).await;
    let admin = Api { csrf: me(&admin).await.1["csrf_token"].as_str().unwrap().to_string(), ..admin };
    let (status, _) = admin.call(Method::PUT, "/api/v1/second-factor-rule", Some(json!({"roles": ["staff"]}))).await;
    assert_eq!(status, StatusCode::OK);
    let tenant = tenant_of(&admin).await;

    let two = login(&srv, "unilogin", "laerer1").await;
    assert_eq!(two.location, "/");
    assert_eq!(me(&two.api).await.0, StatusCode::OK);
    let pupil = login(&srv, "unilogin", "elev1").await;
    assert_eq!(pupil.location, "/", "pupils are never asked");

    let one = login(&srv, "unilogin", "laerer3").await;
    assert_eq!(one.location, "/login?step=second-factor");
    assert_eq!(me(&one.api).await.0, StatusCode::UNAUTHORIZED);
    let (status, step) = one.api.get("/api/v1/session/second-factor").await;
    assert_eq!((status, step), (StatusCode::OK, json!({"methods": [], "must_enrol": true})));
    let (_, e) = one.api.call(Method::POST, "/api/v1/session/second-factor/totp", None).await;
    let secret = e["secret"].as_str().unwrap().to_string();
    let unix = tavle_core::Clock::now(srv.clock.as_ref()).millis() / 1000;
    let code = common::totp_code(&secret, unix);
    let (status, body) =
        one.api.call(Method::PUT, "/api/v1/session/second-factor/totp", Some(json!({ "code": code }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(me(&one.api).await.1["person"]["username"], "laerer3");
    let logins = audited(&srv, &tenant, "session.login").await;
    let done = logins.iter().find(|d| d["outcome"] == "ok" && d["second_factor"] == "totp").expect("audited");
    assert_eq!(done["method"], "oidc", "{done}");
    // Logging out still passes through the provider: the federated session is whole.
    let (status, out) = Api { csrf: me(&one.api).await.1["csrf_token"].as_str().unwrap().to_string(), ..one.api }
        .call(Method::DELETE, "/api/v1/session", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(out["end_session_url"].as_str().is_some_and(|u| u.contains("id_token_hint=")), "{out}");
    srv.stop().await;
}
