//! The deadline storm client (issue 5, `bench/assignments/run`): thousands of pupils hand in
//! a 1 MB file each within the last minute before a deadline, every request with an
//! idempotency key and retried (with the same key) until it is acknowledged.
//!
//!   storm run URL TOKENS OUT PUPILS WINDOW_SECS   set up the assignments, then hand in
//!   storm verify URL OUT                          check every receipt and hand-in afterwards
//!   storm peer URL OUT PUPILS WINDOW_SECS         the same arrivals as plain PUTs (the peer)
//!   storm fill URL TOKENS OUT PUPILS              one assignment for the biggest group, and
//!                                                 PUPILS hand-ins to it (for the zip bench)
//!
//! `run` reads session tokens (one per line; `bench/seed_sessions.py` makes them), finds the
//! pupils' classes and a teacher of each through `GET /api/v1/me`, has the teachers hand out
//! one assignment per class (late hand-ins not allowed), and writes `OUT/storm-start` (epoch ms) just before the first
//! hand-in, so a script can kill the server in the middle. Every pupil starts at a random
//! moment in the window (the same moments in every run); the latency of a hand-in is from that
//! moment to its acknowledgement, retries included. Each file's bytes come from the pupil's
//! number, so `verify` can compare without keeping them.
//!
//! `verify` checks each acknowledged hand-in: its receipt verifies against the instance key,
//! names the file's SHA-256, and is the pupil's current hand-in; the file reads back byte for
//! byte; and one more retry with the same key gets the same hand-in (exactly once).
//!
//! `fill` hands out one assignment (deadline in an hour) to the group with the most pupils,
//! has PUPILS of them hand in their file as fast as 16 connections go, and writes
//! `OUT/zip.json`: the zip's address and a session of the group's teacher.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tavle_core::Clock;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{stream, StreamExt};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const FILE_BYTES: usize = 1 << 20;

/// A pupil taking part: their session and their class's assignment.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Pupil {
    token: String,
    csrf: String,
    person_id: String,
    assignment_id: String,
}

/// What happened to one pupil's hand-in.
#[derive(serde::Serialize, serde::Deserialize)]
struct Outcome {
    pupil: usize,
    ok: bool,
    attempts: u32,
    latency_ms: f64,
    /// The last failure seen (retried, or final).
    error: Option<String>,
    hand_in_id: Option<String>,
    receipt: Option<String>,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The file pupil `i` hands in.
fn file_of(i: usize) -> Vec<u8> {
    let mut s = 0x7A11E ^ ((i as u64) << 20);
    let mut out = Vec::with_capacity(FILE_BYTES);
    while out.len() < FILE_BYTES {
        out.extend_from_slice(&splitmix(&mut s).to_le_bytes());
    }
    out
}

/// When pupil `i` starts, in seconds after the window opens (fixed for every run).
fn schedule(n: usize, window: f64) -> Vec<f64> {
    let mut s = 2026u64;
    (0..n).map(|_| (splitmix(&mut s) >> 11) as f64 / (1u64 << 53) as f64 * window).collect()
}

fn epoch_ms() -> i64 {
    tavle_core::SystemClock.now().millis()
}

fn rfc3339(ms: i64) -> Result<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)?;
    Ok(t.format(&time::format_description::well_known::Rfc3339)?)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

fn client() -> Result<reqwest::Client> {
    tavle_blob::install_tls_provider();
    Ok(reqwest::Client::builder().timeout(Duration::from_secs(120)).pool_max_idle_per_host(256).build()?)
}

/// A GET as `token`, tried again when the connection fails (a kept-alive connection that the
/// server closed just as it was reused).
async fn get_bytes(c: &reqwest::Client, url: &str, token: &str) -> Result<bytes::Bytes> {
    let mut tries = 0;
    loop {
        let sent = c.get(url).header("cookie", format!("tavle_session={token}")).send().await;
        let r = match sent {
            Err(e) if tries < 3 => {
                tries += 1;
                eprintln!("GET {url}: {e}; trying again");
                continue;
            }
            r => r?,
        };
        let status = r.status();
        let body = r.bytes().await?;
        if !status.is_success() {
            bail!("GET {url}: {status} {}", String::from_utf8_lossy(&body));
        }
        return Ok(body);
    }
}

async fn get_json(c: &reqwest::Client, url: &str, token: &str) -> Result<Value> {
    Ok(serde_json::from_slice(&get_bytes(c, url, token).await?)?)
}

/// Which groups get an assignment.
#[derive(Clone, Copy, PartialEq)]
enum Groups {
    /// Every class of the pupils taking part.
    Classes,
    /// Only the group (of any kind) with the most pupils.
    Biggest,
}

/// The pupils taking part, the deadline, and each assignment with its teacher's session.
type SetUp = (Vec<Pupil>, i64, Vec<(String, String)>);

/// Finds pupils and a teacher for each of their groups, and hands out one assignment per
/// group with a deadline that leaves room for the rest of the set-up and then `window_ms`.
async fn set_up(
    c: &reqwest::Client,
    url: &str,
    tokens: &[String],
    wanted: usize,
    window_ms: i64,
    which: Groups,
) -> Result<SetUp> {
    let mes: Vec<(String, Result<Value>)> = stream::iter(tokens.iter().cloned())
        .map(|t| async move {
            let me = get_json(c, &format!("{url}/api/v1/me"), &t).await;
            (t, me)
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut teacher_of = std::collections::HashMap::new();
    let mut pupils = Vec::new();
    for (token, me) in mes {
        let me = me?;
        let csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
        let person = me["person"]["id"].as_str().unwrap_or_default().to_string();
        for g in me["groups"].as_array().into_iter().flatten() {
            let gid = g["id"].as_str().unwrap_or_default().to_string();
            match (g["role"].as_str(), g["kind"].as_str()) {
                (Some("teacher"), _) => {
                    teacher_of.entry(gid).or_insert((token.clone(), csrf.clone()));
                }
                (Some("pupil"), kind) if kind == Some("class") || which == Groups::Biggest => {
                    pupils.push((token.clone(), csrf.clone(), person.clone(), gid))
                }
                _ => {}
            }
        }
    }
    pupils.retain(|p| teacher_of.contains_key(&p.3));
    if which == Groups::Biggest {
        let mut size = std::collections::HashMap::<&str, usize>::new();
        for p in &pupils {
            *size.entry(p.3.as_str()).or_default() += 1;
        }
        let biggest = size.into_iter().max_by_key(|(g, n)| (*n, *g)).map(|(g, _)| g.to_string()).unwrap_or_default();
        pupils.retain(|p| p.3 == biggest);
    }
    pupils.sort_by(|a, b| a.2.cmp(&b.2));
    pupils.truncate(wanted);
    if pupils.len() < wanted {
        bail!("only {} pupils have a class with a teacher; {wanted} wanted", pupils.len());
    }
    let groups: std::collections::BTreeSet<String> = pupils.iter().map(|p| p.3.clone()).collect();
    let deadline_ms = epoch_ms() + 15_000 + window_ms;
    let opens = rfc3339(epoch_ms() - 1000)?;
    let deadline = rfc3339(deadline_ms)?;
    let made: Vec<Result<(String, String)>> = stream::iter(groups)
        .map(|gid| {
            let (token, csrf) = teacher_of[&gid].clone();
            let body = json!({ "group_id": gid, "title": "Stormen", "instructions": "Aflever inden fristen.",
                "opens_at": opens, "deadline": deadline });
            async move {
                let r = c
                    .post(format!("{url}/api/v1/assignments"))
                    .header("cookie", format!("tavle_session={token}"))
                    .header("x-csrf-token", csrf)
                    .json(&body)
                    .send()
                    .await?;
                let status = r.status();
                let v: Value = r.json().await?;
                if status.as_u16() != 201 {
                    bail!("creating an assignment: {status} {v}");
                }
                Ok((gid, v["id"].as_str().unwrap_or_default().to_string()))
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let assignment: std::collections::HashMap<String, String> = made.into_iter().collect::<Result<_>>()?;
    let teachers = assignment.iter().map(|(gid, id)| (id.clone(), teacher_of[gid].0.clone())).collect();
    let pupils = pupils
        .into_iter()
        .map(|(token, csrf, person_id, gid)| Pupil { token, csrf, person_id, assignment_id: assignment[&gid].clone() })
        .collect();
    Ok((pupils, deadline_ms, teachers))
}

/// One pupil's hand-in, retried with the same key until it is acknowledged (or refused).
async fn hand_in(
    c: &reqwest::Client,
    url: &str,
    i: usize,
    p: &Pupil,
    body: Vec<u8>,
) -> (bool, u32, Option<String>, Option<Value>) {
    let mut error = None;
    for attempt in 1..=40u32 {
        let sent = c
            .put(format!("{url}/api/v1/assignments/{}/hand-in/storm-{i}.bin", p.assignment_id))
            .header("cookie", format!("tavle_session={}", p.token))
            .header("x-csrf-token", &p.csrf)
            .header("idempotency-key", format!("storm-{i}"))
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                Ok(v) => return (true, attempt, error, Some(v)),
                Err(e) => error = Some(format!("reading the answer: {e}")),
            },
            Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => {
                error = Some(format!("{} {}", r.status(), r.text().await.unwrap_or_default()));
            }
            Ok(r) => {
                let status = r.status();
                return (false, attempt, Some(format!("{status} {}", r.text().await.unwrap_or_default())), None);
            }
            Err(e) => error = Some(format!("{e}")),
        }
        tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt.min(8)))).await;
    }
    (false, 40, error, None)
}

async fn storm(
    url: &str,
    out: &str,
    pupils: Arc<Vec<Pupil>>,
    start: Instant,
    window: f64,
    peer: bool,
) -> Result<Vec<Outcome>> {
    let c = client()?;
    let at = schedule(pupils.len(), window);
    let mut tasks = Vec::with_capacity(pupils.len());
    for (i, offset) in at.into_iter().enumerate() {
        let (c, url, pupils) = (c.clone(), url.to_string(), pupils.clone());
        tasks.push(tokio::spawn(async move {
            let due = start + Duration::from_secs_f64(offset);
            tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
            let body = file_of(i);
            let (ok, attempts, error, answer) = if peer {
                let r = c.put(format!("{url}/dav/{i}.bin")).body(body).send().await;
                match r {
                    Ok(r) if r.status().is_success() => (true, 1, None, None),
                    Ok(r) => (false, 1, Some(r.status().to_string()), None),
                    Err(e) => (false, 1, Some(e.to_string()), None),
                }
            } else {
                hand_in(&c, &url, i, &pupils[i], body).await
            };
            let latency_ms = due.elapsed().as_secs_f64() * 1000.0;
            let hand_in_id = answer.as_ref().and_then(|v| v["id"].as_str().map(str::to_string));
            let receipt = answer.as_ref().map(|v| v["receipt"].to_string());
            Outcome { pupil: i, ok, attempts, latency_ms, error, hand_in_id, receipt }
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for t in tasks {
        outcomes.push(t.await?);
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{out}/outcomes.jsonl"))?);
    for o in &outcomes {
        writeln!(f, "{}", serde_json::to_string(o)?)?;
    }
    Ok(outcomes)
}

fn summary(outcomes: &[Outcome], seconds: f64) -> Value {
    let mut lat: Vec<f64> = outcomes.iter().filter(|o| o.ok).map(|o| o.latency_ms).collect();
    lat.sort_by(f64::total_cmp);
    let errors = outcomes.iter().filter(|o| !o.ok).count();
    let retried = outcomes.iter().filter(|o| o.attempts > 1).count();
    let mut first_errors = String::new();
    for o in outcomes.iter().filter(|o| !o.ok).take(3) {
        let _ = write!(first_errors, "{}: {}; ", o.pupil, o.error.as_deref().unwrap_or(""));
    }
    json!({ "hand_ins": outcomes.len(), "acknowledged": lat.len(), "errors": errors, "retried": retried,
        "p50_ms": percentile(&lat, 50.0).round(), "p95_ms": percentile(&lat, 95.0).round(),
        "p99_ms": percentile(&lat, 99.0).round(), "max_ms": percentile(&lat, 100.0).round(),
        "seconds": (seconds * 10.0).round() / 10.0, "first_errors": first_errors })
}

async fn run(args: &[String]) -> Result<()> {
    let [url, tokens, out, n, window] = args else { bail!("storm run URL TOKENS OUT PUPILS WINDOW_SECS") };
    let (n, window): (usize, f64) = (n.parse()?, window.parse()?);
    let tokens: Vec<String> = std::fs::read_to_string(tokens)?.lines().map(str::to_string).collect();
    let c = client()?;
    let t0 = Instant::now();
    let (pupils, deadline_ms, _) = set_up(&c, url, &tokens, n, (window * 1000.0) as i64, Groups::Classes).await?;
    std::fs::write(format!("{out}/pupils.json"), serde_json::to_string(&pupils)?)?;
    // The window ends a second before the deadline: every hand-in begins before it.
    let wait_ms = deadline_ms - 1000 - (window * 1000.0) as i64 - epoch_ms();
    if wait_ms < 0 {
        bail!("setting up took {:.1} s, past the storm's start", t0.elapsed().as_secs_f64());
    }
    eprintln!(
        "set up {} pupils in {:.1} s; the storm starts in {:.1} s",
        pupils.len(),
        t0.elapsed().as_secs_f64(),
        wait_ms as f64 / 1000.0
    );
    tokio::time::sleep(Duration::from_millis(wait_ms as u64)).await;
    let start = Instant::now();
    std::fs::write(format!("{out}/storm-start"), epoch_ms().to_string())?;
    let outcomes = storm(url, out, Arc::new(pupils), start, window, false).await?;
    let s = summary(&outcomes, start.elapsed().as_secs_f64());
    println!("{s}");
    std::fs::write(format!("{out}/summary.json"), s.to_string())?;
    Ok(())
}

async fn fill(args: &[String]) -> Result<()> {
    let [url, tokens, out, n] = args else { bail!("storm fill URL TOKENS OUT PUPILS") };
    let n: usize = n.parse()?;
    let tokens: Vec<String> = std::fs::read_to_string(tokens)?.lines().map(str::to_string).collect();
    let c = client()?;
    let (pupils, _, teachers) = set_up(&c, url, &tokens, n, 3_600_000, Groups::Biggest).await?;
    let [(assignment, teacher)] = teachers.as_slice() else { bail!("{} assignments made, one wanted", teachers.len()) };
    std::fs::write(format!("{out}/pupils.json"), serde_json::to_string(&pupils)?)?;
    let start = Instant::now();
    let (c, url) = (&c, url.as_str());
    let outcomes: Vec<Outcome> = stream::iter(pupils.iter().enumerate())
        .map(|(i, p)| async move {
            let begun = Instant::now();
            let (ok, attempts, error, answer) = hand_in(c, url, i, p, file_of(i)).await;
            let latency_ms = begun.elapsed().as_secs_f64() * 1000.0;
            let hand_in_id = answer.as_ref().and_then(|v| v["id"].as_str().map(str::to_string));
            let receipt = answer.as_ref().map(|v| v["receipt"].to_string());
            Outcome { pupil: i, ok, attempts, latency_ms, error, hand_in_id, receipt }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{out}/outcomes.jsonl"))?);
    for o in &outcomes {
        writeln!(f, "{}", serde_json::to_string(o)?)?;
    }
    let s = summary(&outcomes, start.elapsed().as_secs_f64());
    let zip = json!({ "url": format!("{url}/api/v1/assignments/{assignment}/hand-ins.zip"), "teacher": teacher,
        "hand_ins": s["acknowledged"] });
    std::fs::write(format!("{out}/zip.json"), zip.to_string())?;
    println!("{s}");
    if s["errors"] != 0 {
        bail!("{} hand-ins failed: {}", s["errors"], s["first_errors"]);
    }
    Ok(())
}

async fn peer(args: &[String]) -> Result<()> {
    let [url, out, n, window] = args else { bail!("storm peer URL OUT PUPILS WINDOW_SECS") };
    let (n, window): (usize, f64) = (n.parse()?, window.parse()?);
    let nobody =
        Pupil { token: String::new(), csrf: String::new(), person_id: String::new(), assignment_id: String::new() };
    let start = Instant::now() + Duration::from_secs(1);
    let outcomes = storm(url, out, Arc::new(vec![nobody; n]), start, window, true).await?;
    let s = summary(&outcomes, start.elapsed().as_secs_f64());
    println!("{s}");
    Ok(())
}

async fn verify(args: &[String]) -> Result<()> {
    let [url, out] = args else { bail!("storm verify URL OUT") };
    let c = client()?;
    let key: Value = c.get(format!("{url}/api/v1/receipt-key")).send().await?.json().await?;
    let key = key["public_key"].as_str().context("no public key")?.to_string();
    let pupils: Vec<Pupil> = serde_json::from_str(&std::fs::read_to_string(format!("{out}/pupils.json"))?)?;
    let outcomes: Vec<Outcome> = std::fs::read_to_string(format!("{out}/outcomes.jsonl"))?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let pupils = &pupils;
    let (c, key, url) = (&c, &key, url.as_str());
    let checked: Vec<Result<()>> = stream::iter(outcomes.iter().filter(|o| o.ok))
        .map(|o| async move {
            let p = &pupils[o.pupil];
            let hid = o.hand_in_id.clone().context("no hand-in id")?;
            let receipt = o.receipt.clone().context("no receipt")?;
            let signed = tavle_app::receipts::verify(receipt.as_bytes(), Some(key)).map_err(|e| anyhow!("{e}"))?;
            let bytes = file_of(o.pupil);
            let sha = hex(&Sha256::digest(&bytes));
            if signed.receipt.hand_in_id != hid || signed.receipt.files.first().map(|f| f.sha256.as_str()) != Some(&sha)
            {
                bail!("pupil {}: the receipt names another hand-in or file", o.pupil);
            }
            let view = get_json(c, &format!("{url}/api/v1/assignments/{}", p.assignment_id), &p.token).await?;
            if view["my_hand_in"]["id"].as_str() != Some(hid.as_str()) {
                bail!("pupil {}: the current hand-in is {} rather than {hid}", o.pupil, view["my_hand_in"]["id"]);
            }
            let file = format!("{url}/api/v1/assignments/{}/hand-ins/{hid}/files/0", p.assignment_id);
            let got = get_bytes(c, &file, &p.token).await?;
            if got.as_ref() != bytes.as_slice() {
                bail!("pupil {}: the handed-in file differs ({} bytes read back)", o.pupil, got.len());
            }
            let (ok, _, error, again) = hand_in(c, url, o.pupil, p, bytes).await;
            let again_id = again.as_ref().and_then(|v| v["id"].as_str().map(str::to_string));
            if !ok || again_id.as_deref() != Some(hid.as_str()) {
                bail!("pupil {}: a retry with the same key got {again_id:?} ({error:?})", o.pupil);
            }
            Ok(())
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let failed: Vec<String> = checked.iter().filter_map(|r| r.as_ref().err().map(|e| e.to_string())).collect();
    let s = json!({ "verified": checked.len() - failed.len(), "failed": failed.len(),
        "not_acknowledged": outcomes.iter().filter(|o| !o.ok).count(), "first_failures": failed.iter().take(3).collect::<Vec<_>>() });
    println!("{s}");
    if !failed.is_empty() {
        bail!("{} hand-ins failed verification", failed.len());
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::with_capacity(b.len() * 2), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]).await,
        Some("verify") => verify(&args[1..]).await,
        Some("peer") => peer(&args[1..]).await,
        Some("fill") => fill(&args[1..]).await,
        _ => bail!("storm run|verify|peer|fill …"),
    }
}
