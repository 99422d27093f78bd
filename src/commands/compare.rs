//! `leakhound compare OLD NEW` and `leakhound inspect IMPORTANCES.csv`.

use leakhound::compare;
use leakhound::{Error, Result, Thresholds};

use super::{outcome, print_stdout, threshold_flags, Outcome};
use crate::cli::{CompareArgs, InspectArgs};
use crate::commands::audit::load_config;

/// The thresholds of `leakhound.toml` (or `--config`), then `--threshold KEY=VALUE` flags.
fn thresholds(config: Option<&std::path::Path>, flags: &[String]) -> Result<Thresholds> {
    let (cfg, _) = load_config(config)?;
    let t = threshold_flags(cfg.thresholds, flags)?;
    t.validate()
        .map_err(|(name, problem)| Error::Setting { name, problem })?;
    Ok(t)
}

/// Run `compare`.
pub fn run(args: CompareArgs) -> Result<Outcome> {
    let t = thresholds(args.config.as_deref(), &args.threshold)?;
    leakhound::report::prepare_dir(&args.out)?;
    let old = compare::load(&args.old)?;
    let new = compare::load(&args.new)?;
    let c = compare::compare(&old, &new, &t);
    for w in &c.warnings {
        eprintln!("leakhound: warning: {w}");
    }
    c.save(&args.out, !args.no_plots)?;
    if args.json {
        print_stdout(&c.to_json())?;
    } else {
        print_stdout(&format!(
            "{}\ncomparison written to {}\n",
            c.to_terminal(),
            args.out.join("comparison.json").display()
        ))?;
    }
    Ok(outcome(args.fail_on, c.max_severity()))
}

/// Run `inspect`.
pub fn inspect(args: InspectArgs) -> Result<Outcome> {
    let t = thresholds(args.config.as_deref(), &args.threshold)?;
    let side = compare::load(&args.importances)?;
    let findings = compare::inspect(&side, &t);
    if args.json {
        let mut s = serde_json::to_string_pretty(&serde_json::json!({ "source": side.source, "shares": side.shares, "findings": findings }))
            .unwrap_or_default();
        s.push('\n');
        print_stdout(&s)?;
    } else {
        let mut s = format!(
            "leakhound inspect: {} ({} features)\n",
            side.source,
            side.shares.len()
        );
        if findings.is_empty() {
            s.push_str("No findings.\n");
        }
        for f in &findings {
            s.push_str(&format!(
                "  {:<8} {:<16} {}\n",
                f.severity.as_str().to_uppercase(),
                f.kind,
                f.message
            ));
        }
        print_stdout(&s)?;
    }
    Ok(outcome(
        args.fail_on,
        findings.iter().map(|f| f.severity).max(),
    ))
}
