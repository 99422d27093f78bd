//! `leakhound demo`: a full audit of the built-in loan data with planted leaks.

use super::{deliver, init_threads, Outcome, Progress};
use crate::audit::{audit, AuditSettings, Source};
use crate::cli::DemoArgs;
use crate::data::{Dataset, Roles};
use crate::error::{Error, Result};
use crate::report::write::{prepare_dir, write_atomic};

/// Run the command.
pub fn run(args: DemoArgs) -> Result<Outcome> {
    init_threads(args.output.threads)?;
    prepare_dir(&args.output.out)?;
    let n = args.rows as usize;
    let seed = args.output.seed;
    if let Some(dir) = &args.write {
        prepare_dir(dir)?;
        let path = write_atomic(dir, "loans.csv", crate::demo::csv(n, seed).as_bytes())?;
        eprintln!(
            "demo data written to {} (rerun: leakhound audit {} --target default)",
            path.display(),
            path.display()
        );
    }
    let progress = Progress::new(args.output.quiet);
    progress.phase("generating demo data");
    let frame = crate::demo::frame(n, seed);
    let columns = frame.columns.len();
    let roles = Roles {
        target: "default".into(),
        ..Default::default()
    };
    let ds =
        Dataset::from_frame(frame, &roles).map_err(|e| Error::Data(format!("demo data: {e}")))?;
    let settings = AuditSettings {
        seed,
        ..Default::default()
    };
    let source = Source {
        path: "demo (built-in loan applications)".into(),
        columns,
    };
    let report = audit(&ds, &settings, &source, &|p| progress.phase(p))?;
    drop(progress);
    deliver(&report, &args.output)
}
