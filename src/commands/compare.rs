//! `leakhound compare OLD NEW` and `leakhound inspect IMPORTANCES.csv`.

use super::{outcome, print_stdout, Outcome};
use crate::cli::{CompareArgs, InspectArgs};
use crate::compare::{self, render};
use crate::error::Result;
use crate::report::write::{prepare_dir, write_atomic};

/// Run `compare`.
pub fn run(args: CompareArgs) -> Result<Outcome> {
    prepare_dir(&args.out)?;
    let old = compare::load(&args.old)?;
    let new = compare::load(&args.new)?;
    let c = compare::compare(&old, &new);
    for w in &c.warnings {
        eprintln!("leakhound: warning: {w}");
    }
    let mut json = serde_json::to_string_pretty(&c).unwrap_or_default();
    json.push('\n');
    let png = if args.no_plots {
        None
    } else {
        Some(render::png(&c)?)
    };
    if let Some(png) = &png {
        write_atomic(&args.out, "comparison.png", png)?;
    }
    write_atomic(
        &args.out,
        "comparison.md",
        render::markdown(&c, png.as_ref().map(|_| "comparison.png")).as_bytes(),
    )?;
    write_atomic(&args.out, "comparison.json", json.as_bytes())?;
    if args.json {
        print_stdout(&json)?;
    } else {
        print_stdout(&format!(
            "{}\ncomparison written to {}\n",
            render::terminal(&c),
            args.out.join("comparison.json").display()
        ))?;
    }
    Ok(outcome(args.fail_on, c.max_severity()))
}

/// Run `inspect`.
pub fn inspect(args: InspectArgs) -> Result<Outcome> {
    let side = compare::load(&args.importances)?;
    let findings = compare::inspect(&side);
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
