//! `leakhound demo`: a full audit of the built-in loan data with planted leaks.

use leakhound::report::{prepare_dir, write_atomic};
use leakhound::{Audit, Result};

use super::{deliver, init_threads, Outcome, Progress};
use crate::cli::DemoArgs;

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
    let table = crate::demo::table(n, seed)?;
    let bar = progress.clone();
    let report = Audit::new("default")
        .seed(seed)
        .on_progress(move |p| bar.phase(p))
        .run(table)?;
    drop(progress);
    deliver(&report, &args.output)
}
