//! `tavle import roster`: reading the files from disk, showing progress on stderr and the
//! report on stdout, in the same words the API and the web app use.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use tavle_app::import::{Files, ImportOptions, ImportReport, Progress, Step};
use tavle_app::{App, AppError};

/// Reads a roster file, or every file of a directory (a unpacked OneRoster export).
pub fn read_files(path: &Path) -> anyhow::Result<Files> {
    let mut files = Files::new();
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("reading the directory {}", path.display()))?
            .collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries.into_iter().filter(|e| e.path().is_file()) {
            let bytes = std::fs::read(e.path()).with_context(|| format!("reading {}", e.path().display()))?;
            files.add(&e.file_name().to_string_lossy(), bytes);
        }
    } else {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        files.add(&path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), bytes);
    }
    Ok(files)
}

/// Prints progress to stderr at most once a second per step.
#[derive(Debug)]
pub struct StderrProgress {
    start: Instant,
    last: Mutex<Option<(Step, Instant)>>,
}

impl StderrProgress {
    pub fn new() -> Self {
        StderrProgress { start: Instant::now(), last: Mutex::new(None) }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for StderrProgress {
    fn update(&self, step: Step, done: u64, total: Option<u64>) {
        let Ok(mut last) = self.last.lock() else { return };
        let now = Instant::now();
        let finished = total == Some(done);
        let due = match *last {
            Some((s, at)) => s != step || finished || now.duration_since(at) >= Duration::from_secs(1),
            None => true,
        };
        if !due {
            return;
        }
        *last = Some((step, now));
        let secs = now.duration_since(self.start).as_secs_f64();
        let line = match total {
            Some(t) if t > 0 && !step.unit().is_empty() => {
                format!("{}: {done}/{t} {} ({}%) [{secs:.1} s]", step.code(), step.unit(), done * 100 / t)
            }
            Some(t) if done >= t => format!("{}: done [{secs:.1} s]", step.code()),
            _ => format!("{}… [{secs:.1} s]", step.code()),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// Prints a report: one line per kind of change, then the listed changes.
pub fn print_report(report: &ImportReport, verbose: bool) {
    println!(
        "roster: {} schools, {} groups, {} people",
        report.schools_in_roster, report.groups_in_roster, report.people_in_roster
    );
    for line in report.summary_lines() {
        println!("{line}");
    }
    if verbose {
        for c in &report.changes {
            let from = c.from.as_deref().map(|f| format!(" from {f}")).unwrap_or_default();
            let to = c.to.as_deref().map(|t| format!(" to {t}")).unwrap_or_default();
            println!("  {} {}{from}{to}", c.kind.code(), c.name);
        }
        if report.truncated {
            println!("  … (the list is cut; the counts above are complete)");
        }
    }
    if let Some(why) = &report.confirm_leaving {
        println!("Needs confirmation: {why} (--confirm-leaving)");
    }
    println!(
        "{}",
        match (report.applied, report.unchanged()) {
            (_, true) => "Nothing to do: Tavle already matches the roster.",
            (true, false) => "The changes have been applied.",
            (false, false) => "Preview only: nothing was changed (run without --dry-run to apply).",
        }
    );
}

/// Runs an import as the operator and prints the outcome. A rejected roster lists its
/// problems on stderr and exits with status 2.
pub async fn run(
    app: &App,
    path: &Path,
    tenant: &str,
    tenant_name: Option<&str>,
    opts: ImportOptions,
    verbose: bool,
) -> anyhow::Result<()> {
    let files = read_files(path)?;
    let progress = StderrProgress::new();
    match app.org().import_roster_as_operator(tenant, tenant_name, files, opts, &progress).await {
        Ok(report) => {
            print_report(&report, verbose);
            Ok(())
        }
        Err(AppError::ImportRejected(problems)) => {
            for p in &problems {
                let place = if p.line > 0 { format!("{}:{}", p.file, p.line) } else { p.file.clone() };
                eprintln!("{place}: {}: {}", p.code, p.message);
            }
            eprintln!("The roster has {} problem(s), listed above; nothing was imported.", problems.len());
            // Nothing was written, so there is nothing to close cleanly; 2 tells scripts why.
            std::process::exit(2)
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}
