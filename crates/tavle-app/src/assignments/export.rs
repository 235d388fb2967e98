//! All hand-ins of an assignment as one zip: for the teacher to mark offline, and for an
//! exam's external examiner (every hand-in with its signed receipt, the key to check them
//! with, and a manifest of who handed in what).
//!
//! The zip is written while it is sent (entries with data descriptors, stored uncompressed:
//! hand-ins are mostly compressed formats already), through a small pipe, so 1,000 hand-ins
//! start downloading at once, never sit in memory or on disk, and never wait for a timeout.
//! A blob that cannot be read ends the download with an error rather than a zip that looks
//! whole but is not.
//!
//! Layout: `manifest.csv` (one row per file, and one per pupil without a hand-in),
//! `LÆS MIG.txt` (how to check the receipts), `receipt-key.txt`, and a folder per pupil,
//! `<name> (<last 8 of their id>)/` (a team's: `Gruppe <n>/`), with their files and
//! `kvittering.json`.

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::json;
use tavle_blob::{BlobError, BlobKey, ByteStream};
use tavle_core::assignments::Mode;
use tavle_core::{AssignmentId, Timestamp};
use tokio::io::AsyncWriteExt;
use tokio_util::compat::FuturesAsyncWriteCompatExt;

use super::Assignments;
use super::PupilStatus;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// How many bytes of the zip may wait between the writer and the connection.
const PIPE: usize = 256 * 1024;

/// A download of all hand-ins.
pub struct HandInsZip {
    /// A file name for it (`afleveringer-<title>.zip`).
    pub name: String,
    pub body: ByteStream,
}

/// One file in the zip and where its bytes are.
struct Entry {
    path: String,
    blob: BlobKey,
}

impl Assignments {
    /// All current hand-ins of an assignment as one zip (its teachers). Audited as a read of
    /// every pupil's hand-in; for an exam it is the examiner's export.
    pub async fn hand_ins_zip(&self, s: &Session, id: AssignmentId, meta: &RequestMeta) -> AppResult<HandInsZip> {
        let a = &s.actor;
        let row = self.managed_assignment(a, id).await?;
        let pupils = self.pupil_statuses(a, &row).await?;
        let key = self.receipt_key().await?;
        let (manifest, entries, receipts) = layout(a.tenant_id, &pupils)?;
        let handed_in = pupils.iter().filter(|p| p.hand_in.is_some()).count();
        let action = if matches!(row.mode, Mode::Exam { .. }) { "exam.export" } else { "hand_in.export" };
        let mut tx = self.store.write().await?;
        let detail = json!({ "hand_ins": handed_in, "files": entries.len() });
        tx.append_audit(&event(a, self.clock.now(), action, id, meta, detail)).await?;
        tx.commit().await?;

        let readme = format!(
            "{title}\n\nAfleveringer: {handed_in} af {total} elever. Hver elevs mappe har filerne og \
             kvitteringen (kvittering.json).\nmanifest.csv viser hver fil med størrelse og SHA-256.\n\n\
             En kvittering kontrolleres uden net med:\n  tavle receipt verify \"<mappe>/kvittering.json\" \
             --public-key {public}\n\nHand-ins: {handed_in} of {total} pupils. Each pupil's folder holds \
             their files and receipt.\n",
            title = row.title,
            total = pupils.len(),
            public = key.public_hex(),
        );
        let fixed = vec![
            ("manifest.csv".to_string(), Bytes::from(manifest)),
            ("LÆS MIG.txt".to_string(), Bytes::from(readme)),
            ("receipt-key.txt".to_string(), Bytes::from(format!("Ed25519 {}\n", key.public_hex()))),
        ];
        let (writer, reader) = tokio::io::duplex(PIPE);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let blobs = self.blobs.clone();
        let when = zip_time(self.clock.now());
        tokio::spawn(async move {
            let r = write_zip(writer, fixed.into_iter().chain(receipts).collect(), entries, &blobs, when).await;
            if let Err(e) = &r {
                tracing::warn!(error = %e, "writing the hand-ins zip stopped");
            }
            let _ = done_tx.send(r);
        });
        // The pipe's end, then the writer's verdict: an error becomes an error of the stream.
        let tail = futures_util::stream::once(async move {
            match done_rx.await {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(Err(BlobError::Interrupted(e))),
                Err(_) => Some(Err(BlobError::Interrupted("the zip writer stopped".into()))),
            }
        })
        .filter_map(futures_util::future::ready);
        let body = tokio_util::io::ReaderStream::new(reader)
            .map(|r| r.map_err(|e| BlobError::Interrupted(e.to_string())))
            .chain(tail)
            .boxed();
        Ok(HandInsZip { name: format!("afleveringer-{}.zip", safe(&row.title)), body })
    }
}

/// The manifest, the files to copy, and the receipts, for the pupils' current hand-ins.
type Layout = (String, Vec<Entry>, Vec<(String, Bytes)>);

fn layout(tenant: tavle_core::TenantId, pupils: &[PupilStatus]) -> AppResult<Layout> {
    let mut csv = crate::csv_out::SpreadsheetCsv::new();
    let csv_err = |e: csv::Error| AppError::Internal(format!("manifest: {e}"));
    csv.write_record([
        "pupil",
        "pupil_id",
        "status",
        "handed_in_at",
        "late_by_secs",
        "grade",
        "file",
        "size",
        "sha256",
        "path",
        "team",
    ])
    .map_err(csv_err)?;
    let (mut entries, mut receipts) = (Vec::new(), Vec::new());
    // A team's hand-in is written once, in the team's folder; each of them has manifest rows.
    let mut teams_written = std::collections::HashSet::new();
    for p in pupils {
        let pid = p.pupil_id.to_string();
        let team = if p.team > 0 { p.team.to_string() } else { String::new() };
        let Some(h) = &p.hand_in else {
            csv.write_record([p.name.as_str(), &pid, "missing", "", "", "", "", "", "", "", &team]).map_err(csv_err)?;
            continue;
        };
        let folder = match p.team {
            0 => format!("{} ({})", safe(&p.name), &pid[pid.len().saturating_sub(8)..]),
            t => format!("Gruppe {t}"),
        };
        let first = p.team == 0 || teams_written.insert(p.team);
        let status = if h.late_by_secs > 0 { "late" } else { "handed_in" };
        let at = Timestamp(h.handed_in_at).to_rfc3339();
        let grade = h.feedback.grade.map(|g| g.code()).unwrap_or("");
        let mut taken = std::collections::HashSet::new();
        for f in &h.files {
            let mut name = safe(&f.name);
            let mut n = 2;
            while !taken.insert(name.to_lowercase()) || name.eq_ignore_ascii_case("kvittering.json") {
                name = format!("{n} {}", safe(&f.name));
                n += 1;
            }
            let path = format!("{folder}/{name}");
            csv.write_record([
                p.name.as_str(),
                &pid,
                status,
                &at,
                &h.late_by_secs.to_string(),
                grade,
                &f.name,
                &f.size.to_string(),
                &f.sha256,
                &path,
                &team,
            ])
            .map_err(csv_err)?;
            if first {
                entries.push(Entry { path, blob: BlobKey { tenant, blob: f.blob_id } });
            }
        }
        if first {
            receipts.push((format!("{folder}/kvittering.json"), Bytes::copy_from_slice(h.receipt.as_str().as_bytes())));
        }
    }
    let manifest = csv.into_string().map_err(|e| AppError::Internal(format!("manifest: {e}")))?;
    Ok((manifest, entries, receipts))
}

async fn write_zip(
    pipe: tokio::io::DuplexStream,
    small: Vec<(String, Bytes)>,
    files: Vec<Entry>,
    blobs: &tavle_blob::BlobStore,
    when: async_zip::ZipDateTime,
) -> Result<(), String> {
    let mut zip = ZipFileWriter::with_tokio(pipe);
    let entry = |path: String| ZipEntryBuilder::new(path.into(), Compression::Stored).last_modification_date(when);
    for (path, bytes) in small {
        zip.write_entry_whole(entry(path), &bytes).await.map_err(|e| e.to_string())?;
    }
    for f in files {
        let mut stream = blobs.read(f.blob, None).await.map_err(|e| format!("{}: {e}", f.path))?;
        let w = zip.write_entry_stream(entry(f.path.clone())).await.map_err(|e| e.to_string())?;
        let mut w = w.compat_write();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| format!("{}: {e}", f.path))?;
            w.write_all(&chunk).await.map_err(|e| e.to_string())?;
        }
        w.into_inner().close().await.map_err(|e| e.to_string())?;
    }
    let mut pipe = zip.close().await.map_err(|e| e.to_string())?.into_inner();
    pipe.shutdown().await.map_err(|e| e.to_string())
}

/// A name safe as a path part in a zip on every system: no separators or control characters.
fn safe(name: &str) -> String {
    let s: String =
        name.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
    let s = s.trim().trim_matches('.').to_string();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

fn zip_time(t: Timestamp) -> async_zip::ZipDateTime {
    let d = time::OffsetDateTime::from_unix_timestamp(t.millis() / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    async_zip::ZipDateTimeBuilder::new()
        .year(d.year())
        .month(u32::from(u8::from(d.month())))
        .day(u32::from(d.day()))
        .hour(u32::from(d.hour()))
        .minute(u32::from(d.minute()))
        .second(u32::from(d.second()))
        .build()
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn safe_names() {
        assert_eq!(safe("Åse Holm-Ærtebjerg"), "Åse Holm-Ærtebjerg");
        assert_eq!(safe("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe("a\u{0}b:c"), "a_b_c");
        assert_eq!(safe(" .. "), "_");
    }
}
