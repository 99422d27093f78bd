//! Renderers for a [`Comparison`]: terminal table, Markdown, and `comparison.png` (paired bars
//! of the top features old vs new, features with a new leak highlighted).

use crate::finding::FindingKind;
use std::fmt::Write;

use plotters::prelude::*;

use super::Comparison;
use crate::error::Result;
use crate::report::markdown::cell;
use crate::report::plot::{bar_frame, e, ellipsize, left_label, render as render_png};

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| format!("{:.1}%", s * 100.0))
}

fn rank_change(c: Option<i64>) -> String {
    match c {
        Some(0) => "=".into(),
        Some(c) if c > 0 => format!("+{c}"),
        Some(c) => c.to_string(),
        None => "-".into(),
    }
}

/// Terminal summary.
pub fn terminal(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "leakhound compare: {} -> {}", c.old.source, c.new.source);
    if let (Some(m), Some(a), Some(b)) = (&c.old.metric, c.old.score, c.new.score) {
        let _ = writeln!(o, "{m}: {a:.4} -> {b:.4}");
    }
    for w in &c.warnings {
        let _ = writeln!(o, "warning: {w}");
    }
    let _ = writeln!(o);
    if c.findings.is_empty() {
        let _ = writeln!(o, "No findings.");
    } else {
        let _ = writeln!(o, "Findings ({}):", c.findings.len());
        for f in &c.findings {
            let _ = writeln!(
                o,
                "  {:<8} {:<16} {}",
                f.severity.as_str().to_uppercase(),
                f.kind,
                f.message
            );
        }
    }
    let _ = writeln!(
        o,
        "\n{:<28} {:<8} {:>9} {:>9} {:>6} {:>8} {:>8}  severity",
        "feature", "status", "share old", "share new", "rank", "power old", "power new"
    );
    for f in c.features.iter().take(30) {
        let status = match &f.renamed_from {
            Some(r) => format!("renamed? ({r})"),
            None => f.status.clone(),
        };
        let p = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.3}"));
        let sev = format!(
            "{} -> {}",
            f.severity_old.map_or("-", |s| s.as_str()),
            f.severity_new.map_or("-", |s| s.as_str())
        );
        let _ = writeln!(
            o,
            "{:<28} {:<8} {:>9} {:>9} {:>6} {:>8} {:>8}  {}",
            ellipsize(&f.name, 28),
            status,
            pct(f.share_old),
            pct(f.share_new),
            rank_change(f.rank_change),
            p(f.power_old),
            p(f.power_new),
            sev
        );
    }
    o
}

/// `comparison.md`.
pub fn markdown(c: &Comparison, png: Option<&str>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Model comparison\n\n`{}` → `{}`\n",
        cell(&c.old.source),
        cell(&c.new.source)
    );
    if let (Some(m), Some(a), Some(b)) = (&c.old.metric, c.old.score, c.new.score) {
        let _ = writeln!(o, "Out-of-fold {m}: {a:.4} → {b:.4}.\n");
    }
    for w in &c.warnings {
        let _ = writeln!(o, "> warning: {}\n", cell(w));
    }
    let _ = writeln!(o, "## Findings\n");
    if c.findings.is_empty() {
        let _ = writeln!(o, "No findings.\n");
    } else {
        let _ = writeln!(
            o,
            "| severity | kind | feature | message |\n|---|---|---|---|"
        );
        for f in &c.findings {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                f.severity.as_str(),
                f.kind,
                cell(f.feature.as_deref().unwrap_or("(dataset)")),
                cell(&f.message)
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Features\n\n| feature | status | share old | share new | rank change | power old | power new | severity old | severity new |\n|---|---|---:|---:|---:|---:|---:|---|---|");
    for f in &c.features {
        let p = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.3}"));
        let status = match &f.renamed_from {
            Some(r) => format!("added (renamed from `{}`?)", cell(r)),
            None => f.status.clone(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&f.name),
            status,
            pct(f.share_old),
            pct(f.share_new),
            rank_change(f.rank_change),
            p(f.power_old),
            p(f.power_new),
            f.severity_old.map_or("", |s| s.as_str()),
            f.severity_new.map_or("", |s| s.as_str())
        );
    }
    if let Some(png) = png {
        let _ = writeln!(o, "\n![importance share, old vs new]({png})");
    }
    o
}

/// `comparison.png`: paired horizontal bars (old grey, new blue; red for a new leak).
pub fn png(c: &Comparison) -> Result<Vec<u8>> {
    let mut feats: Vec<_> = c.features.iter().collect();
    feats.sort_by(|a, b| {
        let ka = a.share_new.unwrap_or(0.0).max(a.share_old.unwrap_or(0.0));
        let kb = b.share_new.unwrap_or(0.0).max(b.share_old.unwrap_or(0.0));
        kb.total_cmp(&ka).then(a.name.cmp(&b.name))
    });
    feats.truncate(20);
    let n = feats.len().max(1);
    let leaky: Vec<&str> = c
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::NewLeak || f.kind == FindingKind::ImportanceJump)
        .filter_map(|f| f.feature.as_deref())
        .collect();
    let x_max = feats
        .iter()
        .map(|f| f.share_new.unwrap_or(0.0).max(f.share_old.unwrap_or(0.0)))
        .fold(0.05f64, f64::max)
        * 1.1;
    render_png(1100, 150 + 40 * n as u32, |root| {
        let mut chart = bar_frame(
            root,
            "Importance share: old (grey) vs new (blue; red = new leak or jump)",
            22,
            0f64..x_max,
            n,
            "share of permutation importance",
        )?;
        for (i, f) in feats.iter().enumerate() {
            let top = n as f64 - i as f64;
            left_label(
                root,
                chart.backend_coord(&(0.0, top - 0.5)),
                &ellipsize(&f.name, 28),
            )?;
            let old = f.share_old.unwrap_or(0.0);
            let new = f.share_new.unwrap_or(0.0);
            let new_color = if leaky.contains(&f.name.as_str()) {
                RGBColor(225, 70, 60)
            } else {
                RGBColor(50, 110, 190)
            };
            chart
                .draw_series([
                    Rectangle::new(
                        [(0.0, top - 0.12), (old, top - 0.47)],
                        RGBColor(170, 175, 185).filled(),
                    ),
                    Rectangle::new([(0.0, top - 0.53), (new, top - 0.88)], new_color.filled()),
                ])
                .map_err(e)?;
        }
        Ok(())
    })
}
