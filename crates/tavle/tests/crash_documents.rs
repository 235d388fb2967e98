//! The documents' crash test: the real `tavle` binary, several people typing into a few
//! documents over the document socket, killed with SIGKILL at a random moment, round after
//! round. After every restart each word whose change was acknowledged (`saved n`) is in its
//! document, every word there is whole (one change, all or nothing), and every document loads.
//!
//! The test command runs 10 rounds (`TAVLE_CRASH_ROUNDS` sets it, as for the drive's crash
//! test). With `TAVLE_TEST_POSTGRES_URL` it runs on PostgreSQL too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash_harness;
mod doc_client;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crash_harness::{login, start, wait_ready, Rng};
use doc_client::{cookie, Editor};
use reqwest::{Client, StatusCode};
use serde_json::Value;

/// Documents typed into, and people typing into each at once.
const DOCUMENTS: usize = 3;
const WRITERS_PER_DOCUMENT: usize = 3;

/// A document's stored text, as a set of the words in it.
async fn stored_words(http: &Client, base: &str, doc: &str) -> BTreeSet<String> {
    let resp = http.get(format!("{base}/api/v1/documents/{doc}/text")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "document {doc} loads");
    let text = resp.json::<Value>().await.unwrap()["text"].as_str().unwrap().to_string();
    text.split_whitespace().map(str::to_string).collect()
}

/// One writer: types words into one document, each as one change, and waits for each to be
/// acknowledged before typing the next (as a person does, at a server's pace). Returns the
/// words acknowledged; the one in flight when the node died is not among them.
async fn write(base: String, cookie: String, doc: String, tag: String) -> Vec<String> {
    let mut acked = Vec::new();
    let Ok(mut ed) = Editor::try_open(&base, &cookie, &doc).await else { return acked };
    for i in 0.. {
        // Danish letters in every word: a change split inside one would show.
        let word = format!("{tag}ø{i}æ");
        ed.append(&format!(" {word}"));
        if ed.try_flush().await.is_err() || ed.try_saved_all().await.is_err() {
            return acked;
        }
        acked.push(word);
    }
    acked
}

async fn crash_rounds(database: Option<&str>) {
    let rounds = std::env::var("TAVLE_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10u64);
    let data = tempfile::tempdir().unwrap();
    tavle_blob::install_tls_provider();
    let probe = Client::new();
    let mut docs: Vec<String> = Vec::new();
    // Per document: every word ever acknowledged, and every word ever typed.
    let mut acknowledged: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut typed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for round in 0..rounds {
        let mut rng = Rng(0xd0c5_0000 + round);
        let mut node = start(data.path(), database);
        wait_ready(&probe, &mut node).await;
        let (http, csrf, root) = login(&node.base).await;
        if docs.is_empty() {
            for d in 0..DOCUMENTS {
                let resp = http
                    .post(format!("{}/api/v1/drive/nodes/{root}/documents", node.base))
                    .header("x-csrf-token", &csrf)
                    .json(&serde_json::json!({"name": format!("Stil {d}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
                docs.push(resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
            }
        }

        // Everything acknowledged before any crash so far is there, and nothing half.
        for doc in &docs {
            let words = stored_words(&http, &node.base, doc).await;
            let want = acknowledged.entry(doc.clone()).or_default();
            let missing: Vec<&String> = want.difference(&words).collect();
            assert!(missing.is_empty(), "round {round}: acknowledged words lost in {doc}: {missing:?}");
            let known = typed.entry(doc.clone()).or_default();
            let strange: Vec<&String> = words.difference(known).collect();
            assert!(strange.is_empty(), "round {round}: words nobody typed whole in {doc}: {strange:?}");
        }

        // Writers into every document at once, and a SIGKILL while they type.
        let cookie = cookie(&node.base, "elev1").await;
        let mut tasks = tokio::task::JoinSet::new();
        for (d, doc) in docs.iter().enumerate() {
            for w in 0..WRITERS_PER_DOCUMENT {
                let tag = format!("r{round}d{d}w{w}n");
                let (base, cookie, doc) = (node.base.clone(), cookie.clone(), doc.clone());
                tasks.spawn(async move { (doc.clone(), tag.clone(), write(base, cookie, doc, tag).await) });
            }
        }
        let delay = 50 + rng.below(if round % 2 == 0 { 300 } else { 1500 });
        tokio::time::sleep(Duration::from_millis(delay)).await;
        node.child.kill().unwrap();
        node.child.wait().unwrap();
        let mut acked_now = 0;
        while let Some(r) = tasks.join_next().await {
            let (doc, tag, words) = r.unwrap();
            acked_now += words.len();
            // The word after the last acknowledged one may have been typed and stored, or not.
            let next = format!("{tag}ø{}æ", words.len());
            typed.entry(doc.clone()).or_default().extend(words.iter().cloned().chain([next]));
            acknowledged.entry(doc).or_default().extend(words);
        }
        eprintln!("round {round}: killed after {delay} ms; {acked_now} words acknowledged");
    }
    // A last start: the last round's words are checked too.
    let mut node = start(data.path(), database);
    wait_ready(&probe, &mut node).await;
    let (http, _, _) = login(&node.base).await;
    let mut total = 0;
    for doc in &docs {
        let words = stored_words(&http, &node.base, doc).await;
        let want = &acknowledged[doc];
        assert!(want.is_subset(&words), "acknowledged words lost in {doc}: {:?}", want.difference(&words));
        assert!(words.is_subset(&typed[doc]), "words nobody typed whole in {doc}");
        total += want.len();
    }
    assert!(total > 0, "no word was ever acknowledged: the test proved nothing");
    node.child.kill().unwrap();
    node.child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_survive_sigkill_on_sqlite() {
    crash_rounds(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_survive_sigkill_on_postgres() {
    let Some(admin) = tavle_store::testing::postgres_url() else { return };
    let url = tavle_store::testing::create_postgres_database(&admin).await.unwrap();
    crash_rounds(Some(&url)).await;
    tavle_store::testing::drop_postgres_database(&admin, &url).await.unwrap();
}
