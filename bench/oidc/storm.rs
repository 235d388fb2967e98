//! The 08:00 login storm client (issue 18, `bench/oidc/run`): thousands of pupils log in
//! through "Unilogin" at once.
//!
//!   oidc_storm prepare TAVLE TENANT SLUG UNIIDS OUT CONNS
//!       untimed: each pupil (one uniid per line of UNIIDS) starts a login at Tavle and logs in
//!       at the provider (by `login_hint`), stopping at the redirect back to Tavle: the callback
//!       address (with the code) and the attempt cookie go to OUT/prepared.jsonl.
//!   oidc_storm run TAVLE OUT CONNS
//!       timed: every prepared callback is delivered at CONNS connections, each followed by that
//!       pupil's GET /api/v1/me with the new session; prints the figures as JSON.
//!   oidc_storm peer ISSUER CLIENT_ID SECRET REDIRECT UNIIDS CONNS
//!       the provider's own token endpoint: codes are fetched for the pupils (untimed), then
//!       redeemed at CONNS connections (timed); prints the figures as JSON.
//!
//! The browser's requests are the ones a browser sends: the start link, the provider's
//! redirects with its cookies, and the callback with Tavle's attempt cookie.

use std::collections::BTreeMap;
use std::io::{BufRead, Write as _};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{stream, StreamExt};
use serde_json::{json, Value};

fn client() -> Result<reqwest::Client> {
    tavle_blob::install_tls_provider();
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// Cookies a browser would keep, by name (one host: Tavle's and the provider's names differ).
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all("set-cookie") {
            let Ok(v) = v.to_str() else { continue };
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((k, val)) = pair.split_once('=') {
                let expired = v.to_ascii_lowercase().contains("max-age=0");
                if expired || val.is_empty() {
                    self.0.remove(k.trim());
                } else {
                    self.0.insert(k.trim().to_string(), val.to_string());
                }
            }
        }
    }

    fn header(&self, only: impl Fn(&str) -> bool) -> String {
        self.0.iter().filter(|(k, _)| only(k)).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

fn location(resp: &reqwest::Response, base: &str) -> Result<String> {
    let l = resp
        .headers()
        .get("location")
        .ok_or_else(|| anyhow!("{} answered {} without a redirect", resp.url(), resp.status()))?
        .to_str()?
        .to_string();
    Ok(if l.starts_with('/') { format!("{base}{l}") } else { l })
}

fn origin(url: &str) -> String {
    url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/")
}

/// Follows the provider's redirects with its cookies until the one back to `until`.
async fn through_provider(http: &reqwest::Client, mut url: String, jar: &mut Jar, until: &str) -> Result<String> {
    for _ in 0..8 {
        if url.starts_with(until) {
            return Ok(url);
        }
        let resp = http.get(&url).header("cookie", jar.header(|k| !k.starts_with("tavle"))).send().await?;
        jar.take(&resp);
        url = location(&resp, &origin(&url))?;
    }
    bail!("the provider did not send the browser back")
}

fn read_lines(path: &str) -> Result<Vec<String>> {
    let f = std::fs::File::open(path).with_context(|| path.to_string())?;
    Ok(std::io::BufReader::new(f).lines().map_while(Result::ok).filter(|l| !l.is_empty()).collect())
}

async fn prepare(tavle: &str, tenant: &str, slug: &str, uniids: &str, out: &str, conns: usize) -> Result<()> {
    let http = client()?;
    let ids = read_lines(uniids)?;
    let start = format!("{tavle}/api/v1/login/oidc/{tenant}/{slug}/start");
    let back = format!("{tavle}/api/v1/login/oidc/{tenant}/{slug}/callback");
    let t0 = Instant::now();
    let prepared: Vec<Result<Value>> = stream::iter(ids)
        .map(|uniid| {
            let (http, start, back) = (http.clone(), start.clone(), back.clone());
            async move {
                let mut jar = Jar::default();
                let resp = http.get(&start).send().await?;
                jar.take(&resp);
                let auth = format!("{}&login_hint={uniid}", location(&resp, tavle)?);
                let callback = through_provider(&http, auth, &mut jar, &back).await?;
                Ok(json!({ "callback": callback, "cookie": jar.header(|k| k.starts_with("tavle_oidc")) }))
            }
        })
        .buffer_unordered(conns)
        .collect()
        .await;
    let mut f = std::fs::File::create(format!("{out}/prepared.jsonl"))?;
    let mut failed = 0;
    for p in prepared {
        match p {
            Ok(v) => writeln!(f, "{v}")?,
            Err(e) => {
                failed += 1;
                if failed < 5 {
                    eprintln!("prepare: {e:#}");
                }
            }
        }
    }
    eprintln!("prepared in {:.1} s, {failed} failed", t0.elapsed().as_secs_f64());
    if failed > 0 {
        bail!("{failed} logins could not be prepared");
    }
    Ok(())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(tavle: &str, out: &str, conns: usize) -> Result<()> {
    let http = client()?;
    let lines = read_lines(&format!("{out}/prepared.jsonl"))?;
    let flows: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l)).collect::<Result<_, _>>()?;
    let t0 = Instant::now();
    let results: Vec<Result<(f64, f64)>> = stream::iter(flows)
        .map(|f| {
            let http = http.clone();
            async move {
                let s = Instant::now();
                let cb = f["callback"].as_str().unwrap_or_default();
                let resp = http.get(cb).header("cookie", f["cookie"].as_str().unwrap_or_default()).send().await?;
                let mut jar = Jar::default();
                jar.take(&resp);
                let to = location(&resp, tavle)?;
                if to != format!("{tavle}/") {
                    bail!("the callback sent the browser to {to}");
                }
                let callback_ms = s.elapsed().as_secs_f64() * 1000.0;
                let session = jar.header(|k| k.ends_with("tavle_session"));
                let me = http.get(format!("{tavle}/api/v1/me")).header("cookie", session).send().await?;
                if !me.status().is_success() {
                    bail!("/me answered {}", me.status());
                }
                me.bytes().await?;
                Ok((callback_ms, s.elapsed().as_secs_f64() * 1000.0))
            }
        })
        .buffer_unordered(conns)
        .collect()
        .await;
    let elapsed = t0.elapsed().as_secs_f64();
    let (mut cb, mut all, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for r in results {
        match r {
            Ok((c, a)) => {
                cb.push(c);
                all.push(a);
            }
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    cb.sort_by(f64::total_cmp);
    all.sort_by(f64::total_cmp);
    errors.truncate(5);
    let summary = json!({
        "logins": cb.len(), "failed": errors.len(), "seconds": elapsed,
        "logins_per_s": cb.len() as f64 / elapsed,
        "callback_p50_ms": pct(&cb, 0.50), "callback_p99_ms": pct(&cb, 0.99),
        "login_and_me_p99_ms": pct(&all, 0.99), "errors": errors,
    });
    println!("{summary}");
    Ok(())
}

/// The provider alone: its token endpoint redeeming codes issued for a client of its own.
async fn peer(issuer: &str, client_id: &str, secret: &str, redirect: &str, uniids: &str, conns: usize) -> Result<()> {
    use base64::Engine;
    use sha2::Digest;
    let http = client()?;
    let ids = read_lines(uniids)?;
    let codes: Vec<Result<(String, String)>> = stream::iter(ids.into_iter().enumerate())
        .map(|(i, uniid)| {
            let http = http.clone();
            async move {
                let verifier = format!("{:0>64}", format!("peer{i}verifier{uniid}"));
                let challenge =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
                let auth = format!(
                    "{issuer}/auth?client_id={client_id}&response_type=code&scope=openid&redirect_uri={}\
                     &code_challenge={challenge}&code_challenge_method=S256&state=s{i}&nonce=n{i}&login_hint={uniid}",
                    percent_encoding::utf8_percent_encode(redirect, percent_encoding::NON_ALPHANUMERIC)
                );
                let mut jar = Jar::default();
                let back = through_provider(&http, auth, &mut jar, redirect).await?;
                let code = back
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix("code="))
                    .ok_or_else(|| anyhow!("no code in {back}"))?
                    .to_string();
                Ok((code, verifier))
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let codes: Vec<(String, String)> = codes.into_iter().collect::<Result<_>>()?;
    let token_url = format!("{issuer}/token");
    let t0 = Instant::now();
    let done: Vec<Result<f64>> = stream::iter(codes)
        .map(|(code, verifier)| {
            let (http, token_url) = (http.clone(), token_url.clone());
            async move {
                let s = Instant::now();
                let form = format!(
                    "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={verifier}",
                    percent_encoding::utf8_percent_encode(redirect, percent_encoding::NON_ALPHANUMERIC)
                );
                let resp = http
                    .post(&token_url)
                    .basic_auth(client_id, Some(secret))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form)
                    .send()
                    .await?;
                if !resp.status().is_success() {
                    bail!("the token endpoint answered {}", resp.status());
                }
                resp.bytes().await?;
                Ok(s.elapsed().as_secs_f64() * 1000.0)
            }
        })
        .buffer_unordered(conns)
        .collect()
        .await;
    let elapsed = t0.elapsed().as_secs_f64();
    let mut ok: Vec<f64> = done.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    ok.sort_by(f64::total_cmp);
    let summary = json!({
        "redeemed": ok.len(), "failed": done.len() - ok.len(), "seconds": elapsed,
        "per_s": ok.len() as f64 / elapsed, "p99_ms": pct(&ok, 0.99),
    });
    println!("{summary}");
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let a = |i: usize| args.get(i).cloned().ok_or_else(|| anyhow!("missing argument {i}; see the file's header"));
    let n = |i: usize| -> Result<usize> { Ok(a(i)?.parse()?) };
    match a(1)?.as_str() {
        "prepare" => prepare(&a(2)?, &a(3)?, &a(4)?, &a(5)?, &a(6)?, n(7)?).await,
        "run" => run(&a(2)?, &a(3)?, n(4)?).await,
        "peer" => peer(&a(2)?, &a(3)?, &a(4)?, &a(5)?, &a(6)?, n(7)?).await,
        other => bail!("unknown command {other}"),
    }
}
