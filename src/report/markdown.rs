//! `report.md`: summary, findings table, feature table and links to the PNGs, ready to paste
//! into a pull request or a model card.

use std::fmt::Write;

use super::plot::Plot;
use super::Report;

/// Escape a table cell.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Render the Markdown report.
pub fn render(r: &Report, plots: &[Plot]) -> String {
    let mut o = String::new();
    let d = &r.dataset;
    let _ = writeln!(o, "# Leakage audit: {}\n", cell(&d.path));
    let _ = writeln!(
        o,
        "Target `{}` ({:?}), {} rows{} x {} columns; surrogate `{}`, seed {}.\n",
        d.target,
        d.task,
        d.rows_used,
        if d.sampled {
            format!(" (sampled from {})", d.rows)
        } else {
            String::new()
        },
        d.columns,
        r.model.surrogate,
        r.settings["seed"]
    );
    let _ = writeln!(
        o,
        "Out-of-fold: {}.\n",
        super::metric_list(&r.model.out_of_fold, 4)
    );
    let worst = r.max_severity().map_or("none", |s| s.as_str());
    let _ = writeln!(
        o,
        "**{} findings; worst severity: {worst}.**\n",
        r.findings.len()
    );
    let _ = writeln!(o, "## Findings\n");
    if r.findings.is_empty() {
        let _ = writeln!(o, "No findings.\n");
    } else {
        let _ = writeln!(
            o,
            "| severity | kind | feature | message |\n|---|---|---|---|"
        );
        for f in &r.findings {
            let who = if f.features.len() > 1 {
                f.features.join(", ")
            } else {
                f.feature.clone().unwrap_or_else(|| "(dataset)".into())
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                f.severity.as_str(),
                f.kind,
                cell(&who),
                cell(&f.message)
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Features\n");
    let _ = writeln!(o, "| feature | type | missing | power | permutation | drop-column | share | severity |\n|---|---|---:|---:|---:|---:|---:|---|");
    for f in &r.features {
        let cells = super::feature_cells(f, "±");
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            cell(&f.name),
            cells.join(" | "),
            f.severity.map_or("", |s| s.as_str())
        );
    }
    if let Some(u) = &r.user_model {
        let _ = writeln!(o, "\n## Your model\n");
        let _ = writeln!(o, "{}\n", cell(&super::user_model_summary(u)));
        let _ = writeln!(
            o,
            "Inputs matched by {}. {}\n",
            u.features_matched_by,
            super::USER_MODEL_SOURCES
        );
        let _ = writeln!(o, "| feature | permutation (your model) | share (your model) | share (surrogate) | power alone |\n|---|---:|---:|---:|---:|");
        for i in &u.importance {
            let c = super::user_model_cells(i, "±");
            let _ = writeln!(o, "| {} | {} |", cell(&i.feature), c.join(" | "));
        }
        if !u.disagreements.is_empty() {
            let _ = writeln!(o, "\nDisagreements:\n");
            for d in &u.disagreements {
                let _ = writeln!(o, "- {}", cell(d));
            }
        }
    }
    if !plots.is_empty() {
        let _ = writeln!(o, "\n## Plots\n");
        for p in plots {
            let _ = writeln!(o, "![{}]({})\n", cell(&p.caption), p.name);
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "## Warnings\n");
        for w in &r.warnings {
            let _ = writeln!(o, "- {w}");
        }
    }
    o
}
