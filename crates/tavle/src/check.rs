//! `tavle check`: progress on stderr (the step and the municipality, as the report names
//! them), the findings on stdout.

use tavle_app::App;

/// Runs the check; returns whether the metadata and the blob store agree.
pub async fn run(app: &App) -> anyhow::Result<bool> {
    let report = app
        .drive()
        .check_storage(|step, tenant| eprintln!("check: {} {tenant}", step.code()))
        .await
        .map_err(|e| anyhow::anyhow!("the check failed: {e}"))?;
    println!("blobs checked: {}", report.blobs);
    for key in &report.missing {
        println!("missing: blob {} of tenant {} (restore it from a backup)", key.blob, key.tenant);
    }
    for key in &report.wrong_size {
        println!("wrong size: blob {} of tenant {}", key.blob, key.tenant);
    }
    println!("removed unrecorded blobs: {}", report.orphans_removed);
    println!("removed unused blobs: {}", report.unused_removed);
    println!("removed unfinished uploads: {}", report.staging_removed);
    println!("expired from the trash and versions: {}", report.expired);
    println!("{}", if report.is_clean() { "clean" } else { "NOT CLEAN" });
    Ok(report.is_clean())
}
