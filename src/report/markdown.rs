//! `report.md`: the verdict, findings table (`low` notes collapsed to one line per kind), the
//! model without the likely leaks, feature table and links to the PNGs, ready to paste into a
//! pull request or a model card.
//!
//! Text from the data goes through [`cell`]: HTML in a category value or column name is shown,
//! never rendered by a Markdown viewer, and control characters are made visible.

use std::fmt::Write;

use super::plot::Plot;
use super::{Report, Severity};

/// Escape text from the data for Markdown: HTML tags and entities, table pipes, link brackets
/// and backticks, and control characters (made visible). Newlines were never in a cell.
pub fn cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in super::terminal::inert(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '|' => o.push_str("\\|"),
            '[' | ']' | '`' => {
                o.push('\\');
                o.push(c);
            }
            _ => o.push(c),
        }
    }
    o
}

/// Render the Markdown report.
pub fn render(r: &Report, plots: &[Plot]) -> String {
    let mut o = String::new();
    let d = &r.dataset;
    let _ = writeln!(o, "# Leakage audit: {}\n", cell(&d.path));
    let _ = writeln!(o, "**Verdict: {}.**\n", cell(&r.verdict.text));
    let _ = writeln!(
        o,
        "Target {} ({:?}), {} rows{} x {} columns; surrogate `{}`, seed {}.\n",
        cell(&d.target),
        d.task,
        d.rows_used,
        if d.sampled {
            format!(" (sampled from {})", d.rows)
        } else {
            String::new()
        },
        d.columns,
        r.model.surrogate,
        r.settings.seed
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
        for f in r.findings.iter().filter(|f| f.severity > Severity::Low) {
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
        for (kind, names) in super::low_notes(&r.findings) {
            let _ = writeln!(
                o,
                "| low | {kind} | {} | {} note{} (see report.json) |",
                cell(&super::name_list(&names, 8)),
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(o);
    }
    if let Some(h) = &r.honest_model {
        let _ = writeln!(o, "## Without the likely leaks\n");
        let _ = writeln!(o, "{}\n", cell(&h.paragraph()));
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
            let _ = writeln!(o, "- {}", cell(w));
        }
    }
    o
}
