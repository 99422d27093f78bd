//! One file per subcommand: arguments -> validated settings -> library -> outcome.

pub mod audit;
pub mod compare;
pub mod demo;

use std::io::IsTerminal;

use leakhound::{Report, Result, Severity, Thresholds};

use crate::cli::{FailOn, OutputArgs};

/// Parse `args` (the program name first), run the command, and return the exit code: 0 clean,
/// 1 a finding at or above `--fail-on`, 2 an error (printed as one line on stderr). The binary
/// and the Python package's `leakhound` command both run this.
pub fn main<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::Parser;

    use crate::cli::{Cli, Command};

    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Audit(args) => audit::run(*args),
        Command::Demo(args) => demo::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Inspect(args) => compare::inspect(args),
    };
    match result {
        Ok(Outcome::Clean) => 0,
        Ok(Outcome::Failed) => 1,
        Err(e) => {
            let message =
                leakhound::settings::error_in_words_of(leakhound::settings::Front::CommandLine, &e);
            eprintln!("leakhound: error: {message}");
            2
        }
    }
}

/// What a command ended with, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No finding at or above `--fail-on`.
    Clean,
    /// A finding at or above `--fail-on`.
    Failed,
}

/// Phase messages on stderr (a spinner on a TTY; nothing with `--quiet` or when piped).
#[derive(Clone)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A progress reporter honouring `--quiet` and non-TTY stderr.
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress { bar }
    }

    /// Show the current phase.
    pub fn phase(&self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_string());
        }
    }

    /// A reading-progress callback for [`leakhound::ReadOptions`]: bytes (of the file's size
    /// when known) and rows so far, with their rates. `None` when nothing is shown.
    pub fn reader(&self, what: &str) -> Option<std::sync::Arc<leakhound::ReadProgress>> {
        let bar = self.bar.clone()?;
        let what = what.to_string();
        let start = std::time::Instant::now();
        Some(std::sync::Arc::new(
            move |bytes: u64, size: u64, rows: u64| {
                let secs = start.elapsed().as_secs_f64().max(1e-3);
                let mb = bytes as f64 / 1e6;
                let of = if size > 0 {
                    format!(" of {:.0} MB", size as f64 / 1e6)
                } else {
                    String::new()
                };
                bar.set_message(format!(
                    "{what}: {mb:.0} MB{of}, {rows} rows ({:.0} MB/s, {:.0}k rows/s)",
                    mb / secs,
                    rows as f64 / secs / 1e3
                ));
            },
        ))
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Configure the global thread pool from `--threads`.
pub fn init_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        if n == 0 {
            return Err(leakhound::Error::Usage(
                "--threads must be at least 1".into(),
            ));
        }
        // Ignore "already initialised" (tests call commands several times in one process).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    Ok(())
}

/// Write the report folder and print the summary (or JSON); decide the outcome.
pub fn deliver(report: &Report, out: &OutputArgs) -> Result<Outcome> {
    let kinds = if out.no_plots {
        Vec::new()
    } else {
        out.png.clone()
    };
    report.save(&out.out, &kinds)?;
    let text = if out.json {
        report.to_json()
    } else {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        format!(
            "{}\nreport written to {}\n",
            report.to_terminal(color),
            out.out.join("report.json").display()
        )
    };
    let text = if out.timings && !out.json {
        format!("{text}{}", timings_table(&report.timings))
    } else {
        text
    };
    print_stdout(&text)?;
    Ok(outcome(out.fail_on, report.max_severity()))
}

/// The `--timings` breakdown: each stage in the order it runs, its seconds and share.
fn timings_table(timings: &std::collections::BTreeMap<String, f64>) -> String {
    const ORDER: &[&str] = &[
        "reading",
        "reading_test",
        "preparing",
        "binning",
        "single_feature_power",
        "importance",
        "checks",
        "peeling",
        "user_model",
        "split",
    ];
    let total: f64 = timings.values().sum();
    let mut stages: Vec<(&str, f64)> = ORDER
        .iter()
        .filter_map(|k| timings.get(*k).map(|v| (*k, *v)))
        .collect();
    stages.extend(
        timings
            .iter()
            .filter(|(k, _)| !ORDER.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), *v)),
    );
    let mut out = String::from("\ntimings (seconds)\n");
    for (name, secs) in stages {
        let share = if total > 0.0 {
            secs / total * 100.0
        } else {
            0.0
        };
        out.push_str(&format!("  {name:<22}{secs:>9.2}  {share:>5.1}%\n"));
    }
    out.push_str(&format!("  {:<22}{total:>9.2}\n", "total"));
    out
}

/// `thresholds` with each `--threshold KEY=VALUE` flag applied in turn (range checks are the
/// caller's: `Audit::check` or `Thresholds::validate`).
pub fn threshold_flags(mut thresholds: Thresholds, flags: &[String]) -> Result<Thresholds> {
    for flag in flags {
        let (k, v) = flag.split_once('=').ok_or_else(|| {
            leakhound::Error::Usage(format!("--threshold expects KEY=VALUE, got '{flag}'"))
        })?;
        thresholds.set(k.trim(), v.trim())?;
    }
    Ok(thresholds)
}

/// Exit outcome for the worst severity found under `--fail-on`.
pub fn outcome(fail_on: FailOn, worst: Option<Severity>) -> Outcome {
    match fail_on {
        FailOn::At(s) if worst.is_some_and(|m| m >= s) => Outcome::Failed,
        _ => Outcome::Clean,
    }
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut lock = std::io::stdout().lock();
    match lock.write_all(text.as_bytes()).and_then(|_| lock.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(leakhound::Error::Output {
            path: "stdout".into(),
            message: e.to_string(),
        }),
        _ => Ok(()),
    }
}
