//! The web app in a real browser: the Playwright (playwright-core) suite in `web/e2e/` drives
//! Debian's Chromium against a Tavle started here on an ephemeral port with the demo
//! municipality, running axe-core on every page and keeping screenshots in `web/test-results/`
//! (or `TAVLE_TEST_ARTIFACTS`). The translation check in `web/tests/` runs here too, so the
//! one test command covers the web app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::TestServer;

/// One browser suite at a time: two Chromiums on two cores would slow each other into timeouts.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web").canonicalize().unwrap()
}

async fn node(args: &[&str], env: &[(&str, String)]) -> Output {
    let web = web_dir();
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "web/node_modules is missing: the tavle-web build runs `npm ci` in web/; run it by hand if the \
         web app was built elsewhere (TAVLE_WEB_DIST)"
    );
    let mut cmd = std::process::Command::new("node");
    cmd.args(args).current_dir(&web);
    for (k, v) in env {
        cmd.env(k, v);
    }
    // The server answers on the runtime's workers while this waits.
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("node (Node.js 20.19 or newer) must be installed");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_works_in_chromium_and_passes_axe() {
    let _one = ONE_BROWSER.lock().await;
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium package (apt-get install chromium), as .ci/run does"
    );
    // The scenarios grade 1.A's and 2.A's work, which the folkeskole does not (grades from
    // 8th grade, `grades_from_grade`): this school gives grades from 1st grade.
    let server = TestServer::start_with(|c| c.grades_from_grade = 1, false).await;
    let artifacts =
        std::env::var("TAVLE_TEST_ARTIFACTS").map(PathBuf::from).unwrap_or_else(|_| web_dir().join("test-results"));
    let out = node(
        &["--test", "--test-reporter=spec", "--test-concurrency=1", "e2e/"],
        &[
            ("TAVLE_URL", server.base.clone()),
            ("TAVLE_ARTIFACTS", artifacts.display().to_string()),
            ("CHROMIUM", chromium),
        ],
    )
    .await;
    assert!(out.status.success(), "the browser suite failed (screenshots in {})", artifacts.display());
}

/// Logging in through a login service in the browser (`web/e2e-federated/`): a pupil finds
/// their school, logs in at the real provider's page and lands at home; a back-channel logout
/// ends the session; logging out passes through the provider; a refusal is shown in Danish and
/// English. Its own Tavle runs on the real clock, as the provider does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pupil_logs_in_through_unilogin_in_chromium() {
    use common::oidc::{add_provider, client_for, Provider, SECRET};
    let _one = ONE_BROWSER.lock().await;
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let server = TestServer::start_with(|c| c.oidc_allow_loopback = true, false).await;
    server.clock.set(tavle_core::Clock::now(&tavle_core::SystemClock));
    let provider = Provider::start(
        vec![client_for("unilogin", &server.base, "demo", "unilogin", "tavle")],
        serde_json::json!({ "unilogin": {} }),
    );
    let admin = server.login("admin", "demo").await;
    add_provider(
        &admin,
        serde_json::json!({ "slug": "unilogin", "display_name": "Unilogin", "preset": "unilogin",
                            "issuer": provider.unilogin, "client_id": "tavle", "client_secret": SECRET }),
    )
    .await;
    let artifacts =
        std::env::var("TAVLE_TEST_ARTIFACTS").map(PathBuf::from).unwrap_or_else(|_| web_dir().join("test-results"));
    let out = node(
        &["--test", "--test-reporter=spec", "--test-concurrency=1", "e2e-federated/"],
        &[
            ("TAVLE_URL", server.base.clone()),
            ("OIDC_CONTROL", provider.control.clone()),
            ("OIDC_ISSUER", provider.unilogin.clone()),
            ("TAVLE_ARTIFACTS", artifacts.display().to_string()),
            ("CHROMIUM", chromium),
        ],
    )
    .await;
    assert!(out.status.success(), "the federated browser suite failed (screenshots in {})", artifacts.display());
}

/// A second factor in the browser (`web/e2e-second-factor/`): a teacher adds a passkey with
/// Chromium's virtual authenticator (DevTools' `WebAuthn` domain) and logs in with it alone and
/// as a second step; another sets up an authenticator app and logs in with a computed code and
/// a recovery code; the municipality requires a second factor of staff and a teacher without
/// one sets it up while logging in. Passkeys need a name: the suite visits `localhost`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teachers_log_in_with_a_passkey_and_an_authenticator_app_in_chromium() {
    let _one = ONE_BROWSER.lock().await;
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let server = TestServer::start_with(|_| {}, false).await;
    let artifacts =
        std::env::var("TAVLE_TEST_ARTIFACTS").map(PathBuf::from).unwrap_or_else(|_| web_dir().join("test-results"));
    let out = node(
        &["--test", "--test-reporter=spec", "--test-concurrency=1", "e2e-second-factor/"],
        &[
            ("TAVLE_URL", server.base.clone()),
            ("TAVLE_ARTIFACTS", artifacts.display().to_string()),
            ("CHROMIUM", chromium),
        ],
    )
    .await;
    assert!(out.status.success(), "the second-factor browser suite failed (screenshots in {})", artifacts.display());
}

#[tokio::test]
async fn every_string_of_the_web_app_is_translated() {
    let out = node(&["--test", "--test-reporter=spec", "tests/"], &[]).await;
    assert!(out.status.success(), "the web app's translation check failed");
}
