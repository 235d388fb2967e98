//! Roster import: the Tavle CSV/JSON format and OneRoster 1.2 CSV into the organisation.
//!
//! An import runs in four steps, each reported to a [`Progress`]: **reading** the files into
//! one normalised [`model::Roster`], **checking** it (every problem is collected with file
//! and line; one problem rejects the whole import), **comparing** it with the tenant inside
//! the write transaction, and **writing** the difference in that same transaction. A preview
//! stops after comparing. The CLI, the API and the web app use these step names and the
//! change kinds of [`ChangeKind`].

mod diff;
mod json;
mod model;
mod oneroster;
mod report;
mod tavle_csv;

use std::collections::HashSet;
use std::io::Read;

use serde_json::json;
use tavle_core::org::Tenant;
use tavle_core::policy::{allows, Action};
use tavle_core::{names, SchoolId, TenantId};
use tavle_store::AuditEvent;

pub use report::{Change, ChangeKind, ImportReport, MAX_LISTED_CHANGES};

use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use crate::org::Organisation;
use model::{At, Problems, Roster};

pub use crate::error::ImportProblem;

/// The steps of an import, as the progress reports name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Reading,
    Checking,
    Comparing,
    Writing,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Step::Reading => "reading",
            Step::Checking => "checking",
            Step::Comparing => "comparing",
            Step::Writing => "writing",
        }
    }

    /// What `done` and `total` count in this step.
    pub fn unit(self) -> &'static str {
        match self {
            Step::Reading => "bytes",
            Step::Checking => "items",
            Step::Comparing => "",
            Step::Writing => "rows",
        }
    }
}

/// Receives progress: the step, how much of it is done and of how much (when known).
pub trait Progress: Send + Sync {
    fn update(&self, step: Step, done: u64, total: Option<u64>);
}

/// Progress that goes nowhere.
#[derive(Debug)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: Step, _: u64, _: Option<u64>) {}
}

/// The files of a roster: one file (CSV, JSON or a zip), or the files of a directory.
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: Vec<(String, Vec<u8>)>,
}

/// A zip may expand to at most this much in all, so an upload cannot fill the memory.
const MAX_UNZIPPED: u64 = 1 << 30;
/// Each file in a zip may expand to at most this many times its packed size (CSV packs to a
/// fifth to a twentieth; a zip bomb to a thousandth), or to this floor for small files.
const MAX_RATIO: u64 = 50;
const RATIO_FLOOR: u64 = 1 << 20;

impl Files {
    pub fn new() -> Self {
        Files::default()
    }

    /// Adds a file under its name (only the last path component counts).
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        self.files.push((base.to_string(), bytes));
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, b)| b.as_slice())
    }

    /// Total size in bytes.
    pub fn size(&self) -> u64 {
        self.files.iter().map(|(_, b)| b.len() as u64).sum()
    }

    /// Replaces a single zip by its contents.
    fn unzip(&mut self, problems: &mut Problems) {
        let Some((name, bytes)) = self.files.first().filter(|(_, b)| self.files.len() == 1 && b.starts_with(b"PK"))
        else {
            return;
        };
        let at = At { file: name.as_str().into(), line: 0 };
        let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())) {
            Ok(a) => a,
            Err(e) => return problems.add(&at, "bad_zip", format!("the zip file cannot be read: {e}")),
        };
        let mut out = Files::new();
        let mut budget = MAX_UNZIPPED;
        for i in 0..archive.len() {
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => return problems.add(&at, "bad_zip", format!("the zip file cannot be read: {e}")),
            };
            if entry.is_dir() {
                continue;
            }
            let entry_name = entry.name().to_string();
            // The limit holds while reading, whatever the zip's headers claim: at most
            // `limit + 1` bytes are ever unpacked into memory.
            let by_ratio = entry.compressed_size().saturating_mul(MAX_RATIO).max(RATIO_FLOOR);
            let limit = budget.min(by_ratio);
            let too_large = |problems: &mut Problems| {
                let msg = if limit == budget {
                    format!("{entry_name} unpacks to more than the {} MiB a roster zip may hold", MAX_UNZIPPED >> 20)
                } else {
                    format!("{entry_name} unpacks to more than {MAX_RATIO} times its packed size; it is not a roster")
                };
                problems.add(&at, "too_large", msg);
            };
            if entry.size() > limit {
                return too_large(problems);
            }
            // What the header claims is only a hint: memory follows what is actually read.
            let hint = entry.size().min(16 << 20);
            let mut data = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
            match (&mut entry).take(limit + 1).read_to_end(&mut data) {
                Ok(n) if n as u64 > limit => return too_large(problems),
                Ok(n) => budget -= n as u64,
                Err(e) => return problems.add(&at, "bad_zip", format!("{entry_name} cannot be unpacked: {e}")),
            }
            out.add(&entry_name, data);
        }
        *self = out;
    }
}

/// The text of a file, which must be UTF-8 (a leading byte-order mark is dropped).
pub(crate) fn text_of<'a>(bytes: &'a [u8], at: &At, problems: &mut Problems) -> Option<&'a str> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
            let at = At { file: at.file.clone(), line };
            problems.add(&at, "not_utf8", "the file is not UTF-8; save it as \"CSV UTF-8\" and try again");
            None
        }
    }
}

/// The fields of one CSV record, by column name.
pub(crate) struct Fields<'a> {
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl<'a> Fields<'a> {
    /// The field in column `name`, or "" when there is no such column.
    pub fn get(&self, name: &str) -> &'a str {
        self.headers.iter().position(|h| h == name).and_then(|i| self.record.get(i)).unwrap_or("")
    }
}

/// The field delimiter of a CSV file: `;` when the header has semicolons and no commas (as
/// Danish Excel writes), else `,`.
pub(crate) fn delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    if header.contains(&b';') && !header.contains(&b',') {
        b';'
    } else {
        b','
    }
}

/// Calls `row` for every record of a CSV file with a header, giving a getter by column name
/// ("" for an absent column). Missing `required` columns are one problem; when `known` is not
/// empty, a column outside it is one too.
pub(crate) fn csv_rows(
    file: &str,
    bytes: &[u8],
    (required, known): (&[&str], &[&str]),
    problems: &mut Problems,
    mut row: impl FnMut(&At, &Fields<'_>, &mut Problems),
) {
    let whole = At { file: file.into(), line: 0 };
    let Some(text) = text_of(bytes, &whole, problems) else { return };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text.as_bytes()))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return problems.add(&whole, "bad_csv", format!("the header cannot be read: {e}")),
    };
    for h in headers.iter().filter(|h| !known.is_empty() && !known.contains(&h.as_str())) {
        let at = At { file: whole.file.clone(), line: 1 };
        problems.add(&at, "unknown_column", format!("unknown column {h:?}; the columns are {}", known.join(", ")));
    }
    let missing: Vec<&str> = required.iter().copied().filter(|c| !headers.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        let at = At { file: whole.file.clone(), line: 1 };
        return problems.add(&at, "missing_column", format!("the header lacks the column(s) {}", missing.join(", ")));
    }
    let mut record = csv::StringRecord::new();
    // Lines are counted from the byte offset of each record: the csv crate's own line count
    // treats a CRLF line end differently from the rows before it.
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                let at = At { file: whole.file.clone(), line };
                row(&at, &Fields { headers: &headers, record: &record }, problems);
            }
            Err(e) => {
                let at = At { file: whole.file.clone(), line: e.position().map_or(0, |p| lines.line_at(p.byte())) };
                problems.add(&at, "bad_csv", format!("the row cannot be read: {e}"));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
}

/// Reads and checks roster files as an import would, without a database: for the fuzz targets
/// in `fuzz/` (`docs/fuzzing.md`). The number of people read, or of problems found.
#[doc(hidden)]
pub fn read_for_fuzzing(files: Files) -> Result<usize, usize> {
    match read_roster(files, &NoProgress) {
        Ok(roster) => Ok(roster.people.len()),
        Err(AppError::ImportRejected(problems)) => Err(problems.len()),
        Err(_) => Err(0),
    }
}

/// Turns byte offsets into 1-based line numbers, counting only `\n` (so `\r\n` is one line
/// end), for offsets that only grow, in one pass over the text.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter { text, offset: 0, line: 1 }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let mut to = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        // After a CRLF the csv crate places a record at the LF that ends the line before it.
        while to < self.text.len() && matches!(self.text[to], b'\r' | b'\n') {
            to += 1;
        }
        if to >= self.offset {
            self.line += self.text[self.offset..to].iter().filter(|b| **b == b'\n').count() as u64;
            self.offset = to;
        } else {
            // Never expected; count again from the start rather than answer wrongly.
            *self = LineCounter::new(self.text);
            return self.line_at(byte);
        }
        self.line
    }
}

/// Reads and checks a roster from its files, whatever the format.
fn read_roster(mut files: Files, progress: &dyn Progress) -> AppResult<Roster> {
    let mut problems = Problems::default();
    progress.update(Step::Reading, 0, Some(files.size()));
    files.unzip(&mut problems);
    let mut roster = Roster::default();
    if problems.is_empty() {
        if files.get("users.csv").is_some() || files.get("orgs.csv").is_some() {
            oneroster::read(&files, &mut roster, &mut problems);
        } else if let [(name, bytes)] = files.files.as_slice() {
            if name.to_ascii_lowercase().ends_with(".json") || bytes.trim_ascii_start().starts_with(b"{") {
                json::read(name, bytes, &mut roster, &mut problems);
            } else {
                tavle_csv::read(name, bytes, &mut roster, &mut problems);
            }
        } else {
            let names: Vec<&str> = files.files.iter().map(|(n, _)| n.as_str()).collect();
            let at = At { file: "".into(), line: 0 };
            problems.add(
                &at,
                "unknown_format",
                format!(
                    "the files ({}) are neither one Tavle roster CSV or JSON file nor a OneRoster export",
                    names.join(", ")
                ),
            );
        }
    }
    progress.update(Step::Reading, files.size(), Some(files.size()));
    let items = (roster.people.len() + roster.members.len()) as u64;
    progress.update(Step::Checking, 0, Some(items));
    roster.check(&mut problems);
    progress.update(Step::Checking, items, Some(items));
    if !problems.is_empty() {
        return Err(AppError::ImportRejected(problems.into_list()));
    }
    Ok(roster)
}

/// How an import is run.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Only compare: report what would change and change nothing.
    pub dry_run: bool,
    /// Apply even though many of a school's people would leave (see [`MANY_LEAVING`]).
    pub confirm_leaving: bool,
}

/// A roster that would make more than this share (in percent) of a school's people (of those
/// that rosters keep) leave, and
/// more than [`MANY_LEAVING_MIN`] of them, is applied only when confirmed: a roster export cut
/// short — a OneRoster zip with users, roles and enrollments as headers only — looks exactly
/// like a school whose pupils all left.
pub const MANY_LEAVING: usize = 20;
pub const MANY_LEAVING_MIN: usize = 10;

/// The sentence that asks for confirmation, if the plan makes many of a school's people leave.
fn many_leaving(leaving: &[(String, usize, usize)]) -> Option<String> {
    let (school, going, of) =
        leaving.iter().find(|(_, going, of)| *going > MANY_LEAVING_MIN && going * 100 > of * MANY_LEAVING)?;
    Some(format!(
        "{going} of the {of} people of {school} would leave; a roster export that is cut short does this. \
         If it is right, apply it with confirm_leaving."
    ))
}

/// Who runs an import.
enum Importer<'a> {
    /// An operator on the command line, possibly creating the municipality.
    Operator { new_tenant: Option<Tenant> },
    /// A person through the API; the policy decides what they may import.
    Person(&'a Session, &'a RequestMeta),
}

impl Organisation {
    /// An operator imports a roster into the tenant with `tenant_code`, creating the tenant
    /// (named `tenant_name`) if it does not exist yet.
    pub async fn import_roster_as_operator(
        &self,
        tenant_code: &str,
        tenant_name: Option<&str>,
        files: Files,
        opts: ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        let code = names::tenant_code(tenant_code)?;
        let roster = read_roster(files, progress)?;
        let mut conn = self.store.read().await?;
        let existing = conn.tenant_by_code(&code).await?;
        drop(conn);
        let (tenant, new_tenant) = match existing {
            Some(t) => (t.id, None),
            None => {
                let Some(name) = tenant_name else {
                    return Err(AppError::NotFound("municipality (give its name to create it)"));
                };
                let t =
                    Tenant { id: TenantId::new(), code: code.clone(), name: names::display_text("name", name, 200)? };
                (t.id, Some(t))
            }
        };
        // A new municipality is created in the import's own transaction: a rejected roster
        // leaves nothing behind, not even an empty municipality.
        self.run_import(tenant, roster, opts, Importer::Operator { new_tenant }, progress).await
    }

    /// An administrator imports a roster into their own municipality through the API. A
    /// school admin may import rosters of their own schools; creating schools takes a
    /// municipality admin.
    pub async fn import_roster(
        &self,
        s: &Session,
        files: Files,
        opts: ImportOptions,
        meta: &RequestMeta,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        let a = &s.actor;
        if !allows(a, &Action::ImportRoster(a.tenant_id)) {
            return Err(AppError::Forbidden);
        }
        let roster = read_roster(files, progress)?;
        self.run_import(a.tenant_id, roster, opts, Importer::Person(s, meta), progress).await
    }

    async fn run_import(
        &self,
        tenant: TenantId,
        roster: Roster,
        opts: ImportOptions,
        who: Importer<'_>,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        // Compare and write in one transaction, so nothing changes in between.
        progress.update(Step::Comparing, 0, None);
        let mut tx = self.store.write().await?;
        let snap = tx.tenant_snapshot(tenant).await?;
        let known: HashSet<&str> = snap.logins.iter().map(|l| l.username.as_str()).collect();
        let unknown: Vec<&str> =
            roster.people.iter().filter_map(|p| p.username.as_deref()).filter(|u| !known.contains(u)).collect();
        let taken: HashSet<String> = tx.usernames_taken_elsewhere(tenant, &unknown).await?.into_iter().collect();
        // Whose people the uploader may claim: an operator's and a municipality admin's
        // rosters anyone's, a school admin's only those of the schools they administer.
        let claim_scope: Option<HashSet<SchoolId>> = match &who {
            Importer::Person(s, _) if !allows(&s.actor, &Action::ManageTenant(tenant)) => Some(
                snap.schools
                    .iter()
                    .filter(|sc| allows(&s.actor, &Action::ManageSchool { tenant_id: tenant, school_id: sc.id }))
                    .map(|sc| sc.id)
                    .collect(),
            ),
            _ => None,
        };
        let mut problems = Problems::default();
        let mut plan = diff::diff(tenant, &roster, &snap, &taken, claim_scope.as_ref(), &mut problems);
        if !problems.is_empty() {
            return Err(AppError::ImportRejected(problems.into_list()));
        }
        if let Importer::Person(s, _) = &who {
            let a = &s.actor;
            let all_schools = plan
                .schools
                .iter()
                .all(|school| allows(a, &Action::ManageSchool { tenant_id: tenant, school_id: *school }));
            if !all_schools || (plan.creates_schools && !allows(a, &Action::ManageTenant(tenant))) {
                return Err(AppError::Forbidden);
            }
        }
        plan.report.people_in_roster = roster.people.len() as u64;
        plan.report.groups_in_roster = roster.groups.len() as u64;
        plan.report.schools_in_roster = roster.schools.len() as u64;
        progress.update(Step::Comparing, 1, Some(1));
        plan.report.confirm_leaving = many_leaving(&plan.leaving).filter(|_| !opts.confirm_leaving);
        if opts.dry_run || plan.report.unchanged() {
            return Ok(plan.report);
        }
        if let Some(why) = plan.report.confirm_leaving.take() {
            let problem = ImportProblem { file: String::new(), line: 0, code: "many_leaving", message: why };
            return Err(AppError::ImportRejected(vec![problem]));
        }
        for (index, password) in std::mem::take(&mut plan.passwords) {
            let passwords = self.passwords.clone();
            let hash = tokio::task::spawn_blocking(move || passwords.hash_blocking(&password))
                .await
                .map_err(|e| AppError::Internal(format!("password worker: {e}")))??;
            if let Some(login) = plan.write.new_logins.get_mut(index) {
                login.password_hash = Some(hash);
            }
        }
        let total = plan.write.rows() as u64;
        let mut done = 0u64;
        let now = self.clock.now();
        if let Importer::Operator { new_tenant: Some(t) } = &who {
            tx.insert_tenant(t, now).await?;
        }
        tx.apply_roster(tenant, &plan.write, now, &mut |n| {
            done += n as u64;
            progress.update(Step::Writing, done, Some(total));
        })
        .await?;
        let counts: serde_json::Map<String, serde_json::Value> =
            plan.report.counts.iter().map(|(k, n)| (k.code().to_string(), json!(n))).collect();
        let detail = json!({ "counts": counts, "people_in_roster": plan.report.people_in_roster });
        let audit = match &who {
            Importer::Person(s, meta) => event(&s.actor, now, "roster.import", tenant, meta, detail),
            Importer::Operator { .. } => AuditEvent {
                tenant_id: Some(tenant),
                at: now,
                actor_id: None,
                action: "roster.import",
                outcome: "ok",
                subject: Some(tenant.to_string()),
                source: Some("cli"),
                detail: detail.to_string(),
            },
        };
        tx.append_audit(&audit).await?;
        self.commit(tx).await?;
        plan.report.applied = true;
        self.store.optimize().await?;
        Ok(plan.report)
    }
}
