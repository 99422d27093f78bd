//! `leakhound compare OLD NEW` and `leakhound inspect IMPORTANCES.csv`.

use leakhound::compare;
use leakhound::{Result, Thresholds};

use super::{outcome, print_stdout, threshold_flags, Outcome};
use crate::cli::{CompareArgs, CompareFailOn, InspectArgs};
use crate::commands::audit::load_config;

/// The thresholds of `leakhound.toml` (or `--config`), then `--threshold KEY=VALUE` flags.
fn thresholds(config: Option<&std::path::Path>, flags: &[String]) -> Result<Thresholds> {
    let (cfg, _) = load_config(config)?;
    let t = threshold_flags(cfg.thresholds, flags)?;
    t.validate()?;
    Ok(t)
}

/// Run `compare`: two versions make a comparison, more a timeline.
pub fn run(args: CompareArgs) -> Result<Outcome> {
    let t = thresholds(args.config.as_deref(), &args.threshold)?;
    leakhound::report::prepare_dir(&args.out)?;
    let sides = args
        .versions
        .iter()
        .map(|p| compare::load(p))
        .collect::<Result<Vec<_>>>()?;
    let (findings, warnings, json, text, written) = if let [old, new] = sides.as_slice() {
        let c = compare::compare(old, new, &t);
        c.save(&args.out, !args.no_plots)?;
        (
            c.findings.clone(),
            c.warnings.clone(),
            c.to_json(),
            c.to_terminal(),
            "comparison.json",
        )
    } else {
        let tl = compare::Timeline::new(&sides, &t)?;
        tl.save(&args.out, !args.no_plots)?;
        (
            tl.findings.clone(),
            tl.warnings.clone(),
            tl.to_json(),
            tl.to_terminal(),
            "timeline.json",
        )
    };
    for w in &warnings {
        eprintln!("leakhound: warning: {w}");
    }
    if args.json {
        print_stdout(&json)?;
    } else {
        print_stdout(&format!(
            "{text}\ncomparison written to {}\n",
            args.out.join(written).display()
        ))?;
    }
    Ok(match &args.fail_on {
        CompareFailOn::Severity(f) => outcome(*f, findings.iter().map(|f| f.severity).max()),
        CompareFailOn::Kinds(kinds) if findings.iter().any(|f| kinds.contains(&f.kind)) => {
            Outcome::Failed
        }
        CompareFailOn::Kinds(_) => Outcome::Clean,
    })
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
