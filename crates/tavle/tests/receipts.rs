//! Hand-in receipts are checked offline: the instance publishes one public key (the same on
//! every node), and `tavle receipt verify` accepts a receipt it signed and refuses one that
//! was changed or signed by another key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestServer;
use reqwest::StatusCode;
use tavle_app::receipts::{Receipt, ReceiptFile, RECEIPT_VERSION};

fn receipt() -> Receipt {
    Receipt {
        version: RECEIPT_VERSION,
        key_id: String::new(),
        municipality: "Demo Kommune".into(),
        assignment_id: "0190a000-0000-7000-8000-000000000001".into(),
        assignment_title: "Stil om efteråret".into(),
        hand_in_id: "0190a000-0000-7000-8000-000000000002".into(),
        pupil_id: "0190a000-0000-7000-8000-000000000003".into(),
        pupil_name: "Åse Ørsted".into(),
        handed_in_at: "2026-11-23T09:59:58.120Z".into(),
        late_by_secs: 0,
        files: vec![ReceiptFile { name: "Stil.docx".into(), size: 4, sha256: "ab".repeat(32) }],
        team: vec![],
    }
}

/// Runs `tavle receipt verify`; returns whether it accepted the file, and what it printed.
fn verify(file: &std::path::Path, key: Option<&str>) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tavle"));
    cmd.args(["receipt", "verify"]).arg(file);
    if let Some(k) = key {
        cmd.args(["--public-key", k]);
    }
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn published_key(server: &TestServer) -> (String, String) {
    let (status, k) = server.anonymous().get("/api/v1/receipt-key").await;
    assert_eq!(status, StatusCode::OK, "{k}");
    assert_eq!(k["algorithm"], "Ed25519");
    (k["public_key"].as_str().unwrap().to_string(), k["key_id"].as_str().unwrap().to_string())
}

async fn check(postgres: bool) {
    let server = TestServer::start_with(|_| {}, postgres).await;
    let (public, key_id) = published_key(&server).await;
    assert_eq!(public.len(), 64);
    // Every node signs with the same key, and a restart keeps it.
    if postgres {
        let other = server.another_node().await;
        assert_eq!(published_key(&other).await.0, public, "the other node's key");
        other.stop().await;
    }

    let signed = server.app().assignments().receipt_key().await.unwrap().sign(receipt());
    assert_eq!(signed.receipt.key_id, key_id);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kvittering.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&signed).unwrap()).unwrap();

    let (ok, out) = verify(&file, Some(&public));
    assert!(ok, "{out}");
    assert!(
        out.contains("valid: Åse Ørsted handed in \"Stil om efteråret\"") && out.contains("the key you gave"),
        "{out}"
    );
    let (ok, out) = verify(&file, None);
    assert!(ok && out.contains("without --public-key"), "{out}");

    // A changed receipt, or one signed by another key, is refused with exit status 1.
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = dir.path().join("ændret.json");
    std::fs::write(&changed, text.replace("09:59:58", "09:58:58")).unwrap();
    let (ok, out) = verify(&changed, Some(&public));
    assert!(!ok && out.contains("invalid:") && out.contains("signature does not match"), "{out}");
    let forged = tavle_app::receipts::ReceiptKey::from_secret([3u8; 32]).sign(receipt());
    let forged_file = dir.path().join("falsk.json");
    std::fs::write(&forged_file, serde_json::to_vec(&forged).unwrap()).unwrap();
    let (ok, out) = verify(&forged_file, Some(&public));
    assert!(!ok && out.contains("not with the key you trust"), "{out}");
    let (ok, out) = verify(&dir.path().join("findes-ikke.json"), None);
    assert!(!ok, "{out}");
    server.stop().await;
}

#[tokio::test]
async fn receipts_verify_offline_on_sqlite() {
    check(false).await;
}

#[tokio::test]
async fn receipts_verify_offline_on_postgres() {
    if tavle_store::testing::postgres_url().is_some() {
        check(true).await;
    }
}
