//! Renderers for a [`Comparison`] (terminal table, Markdown, HTML, and `comparison.png`: one
//! bar pair per feature, old vs new) and a [`Timeline`] (the same four; its PNG draws lines
//! over the versions).
//!
//! When both versions audited the user's model, the feature table leads with the models' own
//! importance (share and rank) and the picture draws it; the surrogate's columns follow.

use std::fmt::Write;

use base64::Engine;
#[cfg(feature = "plots")]
use plotters::prelude::*;

use super::{Comparison, FeatureDelta, Timeline};
use crate::error::Result;
use crate::finding::Finding;
#[cfg(feature = "plots")]
use crate::finding::FindingKind;
use crate::report::html::{esc, finding_rows, CSS, SORT_JS};
use crate::report::markdown::cell;
use crate::report::plot::ellipsize;
#[cfg(feature = "plots")]
use crate::report::plot::{bar_frame, e, left_label, render as render_png};

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| format!("{:.1}%", s * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.4}"))
}

fn rank_change(c: Option<i64>) -> String {
    match c {
        Some(0) => "=".into(),
        Some(c) if c > 0 => format!("+{c}"),
        Some(c) => c.to_string(),
        None => "-".into(),
    }
}

fn model_rank(f: &FeatureDelta) -> String {
    match (f.model_rank_old, f.model_rank_new) {
        (Some(a), Some(b)) => format!("{a}->{b}"),
        (None, Some(b)) => format!("->{b}"),
        (Some(a), None) => format!("{a}->"),
        (None, None) => "-".into(),
    }
}

fn status(f: &FeatureDelta) -> String {
    match &f.renamed_from {
        Some(r) => format!("renamed? ({r})"),
        None => f.status.clone(),
    }
}

/// The surrogate's columns of a feature's row, for the Markdown and HTML tables: shares old
/// and new, rank change, single-feature power old and new, severities old and new.
fn surrogate_cells(f: &FeatureDelta) -> [String; 7] {
    let p = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.3}"));
    [
        pct(f.share_old),
        pct(f.share_new),
        rank_change(f.rank_change),
        p(f.power_old),
        p(f.power_new),
        f.severity_old.map_or("", |s| s.as_str()).to_string(),
        f.severity_new.map_or("", |s| s.as_str()).to_string(),
    ]
}

fn severities(f: &FeatureDelta) -> String {
    format!(
        "{} -> {}",
        f.severity_old.map_or("-", |s| s.as_str()),
        f.severity_new.map_or("-", |s| s.as_str())
    )
}

/// The lines on top of every rendering: what changed, the models, the metrics, reliance.
fn summary_lines(c: &Comparison) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(ch) = &c.changed {
        let why = if ch.reasons.is_empty() {
            if ch.summary == "model" || ch.summary == "nothing" {
                " (the same data: the surrogate and the data checks agree)".to_string()
            } else {
                String::new()
            }
        } else {
            format!(" ({})", ch.reasons.join("; "))
        };
        lines.push(format!("what changed: {}{why}", ch.summary));
    }
    if c.old.model.is_some() || c.new.model.is_some() {
        let label = |m: &Option<super::ModelSide>| {
            m.as_ref()
                .map_or("(no model audited)".into(), |m| m.label())
        };
        lines.push(format!(
            "model: {} -> {}",
            label(&c.old.model),
            label(&c.new.model)
        ));
    }
    for source in ["model", "surrogate"] {
        let parts: Vec<String> = c
            .metrics
            .iter()
            .filter(|m| m.source == source)
            .map(|m| format!("{} {} -> {}", m.name, num(m.old), num(m.new)))
            .collect();
        if !parts.is_empty() {
            let what = if source == "model" {
                "model metrics"
            } else {
                "surrogate (data)"
            };
            lines.push(format!("{what}: {}", parts.join(", ")));
        }
    }
    if let Some(r) = &c.reliance {
        lines.push(format!(
            "reliance on flagged features: {} -> {} ({}; {} counts as relying)",
            pct(Some(r.old)),
            pct(Some(r.new)),
            r.status,
            pct(Some(r.threshold))
        ));
    }
    lines
}

/// A column of the terminal's feature table: header, width, cell.
type Column = (&'static str, usize, fn(&FeatureDelta) -> String);

/// The terminal's feature table: the models' shares and ranks first when both versions
/// audited one, then the surrogate's.
fn feature_columns(models: bool) -> Vec<Column> {
    fn p(v: Option<f64>) -> String {
        v.map_or("-".into(), |x| format!("{x:.3}"))
    }
    let mut v: Vec<Column> = vec![
        ("feature", if models { 26 } else { 28 }, |f| f.name.clone()),
        ("status", 8, status),
    ];
    if models {
        v.extend([
            (
                "model old",
                9,
                (|f| pct(f.model_share_old)) as fn(&FeatureDelta) -> String,
            ),
            ("model new", 9, |f| pct(f.model_share_new)),
            ("rank", 7, model_rank),
            ("surr. old", 9, |f| pct(f.share_old)),
            ("surr. new", 9, |f| pct(f.share_new)),
        ]);
    } else {
        v.extend([
            (
                "share old",
                9,
                (|f| pct(f.share_old)) as fn(&FeatureDelta) -> String,
            ),
            ("share new", 9, |f| pct(f.share_new)),
            ("rank", 6, |f| rank_change(f.rank_change)),
        ]);
    }
    v.extend([
        (
            "power old",
            8,
            (|f| p(f.power_old)) as fn(&FeatureDelta) -> String,
        ),
        ("power new", 8, |f| p(f.power_new)),
        ("severity", 0, severities),
    ]);
    v
}

/// Terminal summary.
pub fn terminal(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "leakhound compare: {} -> {}", c.old.source, c.new.source);
    if c.old.model.is_none() && c.new.model.is_none() {
        if let (Some(m), Some(a), Some(b)) = (&c.old.metric, c.old.score, c.new.score) {
            let _ = writeln!(o, "{m}: {a:.4} -> {b:.4}");
        }
    }
    for l in summary_lines(c) {
        let _ = writeln!(o, "{l}");
    }
    for w in &c.warnings {
        let _ = writeln!(o, "warning: {w}");
    }
    let _ = writeln!(o);
    findings_terminal(&mut o, &c.findings, "Findings");
    let columns = feature_columns(c.has_models());
    let line = |cells: Vec<String>| {
        let last = cells.len() - 1;
        let mut l = String::new();
        for (i, (cell, (_, width, _))) in cells.into_iter().zip(&columns).enumerate() {
            let _ = match i {
                0 => write!(l, "{:<width$}", ellipsize(&cell, *width)),
                1 => write!(l, " {cell:<width$}"),
                _ if i == last => write!(l, "  {cell}"),
                _ => write!(l, " {cell:>width$}"),
            };
        }
        l
    };
    let _ = writeln!(
        o,
        "\n{}",
        line(columns.iter().map(|c| c.0.to_string()).collect())
    );
    for f in c.features.iter().take(30) {
        let _ = writeln!(o, "{}", line(columns.iter().map(|c| (c.2)(f)).collect()));
    }
    o
}

fn findings_terminal(o: &mut String, findings: &[Finding], title: &str) {
    if findings.is_empty() {
        let _ = writeln!(o, "No findings.");
    } else {
        let _ = writeln!(o, "{title} ({}):", findings.len());
        for f in findings {
            let _ = writeln!(
                o,
                "  {:<8} {:<20} {}",
                f.severity.as_str().to_uppercase(),
                f.kind,
                f.message
            );
        }
    }
}

fn findings_markdown(o: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        let _ = writeln!(o, "No findings.\n");
        return;
    }
    let _ = writeln!(
        o,
        "| severity | kind | feature | message |\n|---|---|---|---|"
    );
    for f in findings {
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

/// `comparison.md`.
pub fn markdown(c: &Comparison, png: Option<&str>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Model comparison\n\n`{}` → `{}`\n",
        cell(&c.old.source),
        cell(&c.new.source)
    );
    if c.old.model.is_none() && c.new.model.is_none() {
        if let (Some(m), Some(a), Some(b)) = (&c.old.metric, c.old.score, c.new.score) {
            let _ = writeln!(o, "Out-of-fold {m}: {a:.4} → {b:.4}.\n");
        }
    }
    for l in summary_lines(c) {
        let _ = writeln!(o, "- {}", cell(&l));
    }
    let _ = writeln!(o);
    for w in &c.warnings {
        let _ = writeln!(o, "> warning: {}\n", cell(w));
    }
    let _ = writeln!(o, "## Findings\n");
    findings_markdown(&mut o, &c.findings);
    let p = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.3}"));
    if c.has_models() {
        let _ = writeln!(o, "## Features\n\nThe models' own permutation importance first, then the surrogate's (the same on the same data).\n\n| feature | status | model share old | model share new | model rank | surrogate share old | surrogate share new | power old | power new | severity old | severity new |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for f in &c.features {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&f.name),
                cell(&status(f)),
                pct(f.model_share_old),
                pct(f.model_share_new),
                model_rank(f),
                pct(f.share_old),
                pct(f.share_new),
                p(f.power_old),
                p(f.power_new),
                f.severity_old.map_or("", |s| s.as_str()),
                f.severity_new.map_or("", |s| s.as_str())
            );
        }
    } else {
        let _ = writeln!(o, "## Features\n\n| feature | status | share old | share new | rank change | power old | power new | severity old | severity new |\n|---|---|---:|---:|---:|---:|---:|---|---|");
        for f in &c.features {
            let status = match &f.renamed_from {
                Some(r) => format!("added (renamed from `{}`?)", cell(r)),
                None => f.status.clone(),
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                cell(&f.name),
                status,
                surrogate_cells(f).join(" | ")
            );
        }
    }
    if let Some(png) = png {
        let _ = writeln!(o, "\n![importance share, old vs new]({png})");
    }
    o
}

fn html_head(o: &mut String, title: &str, subtitle: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>leakhound: {}</title><style>{CSS}</style></head><body><header><h1>{}</h1><p>{}</p></header><main>",
        esc(title),
        esc(title),
        esc(subtitle)
    );
}

fn html_tail(o: &mut String) {
    let _ = writeln!(o, "</main><script>{SORT_JS}</script></body></html>");
}

fn html_findings(o: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        let _ = write!(o, "<p>No findings.</p>");
    } else {
        let refs: Vec<&Finding> = findings.iter().collect();
        finding_rows(o, &refs);
    }
}

fn html_png(o: &mut String, png: Option<&[u8]>, caption: &str) {
    if let Some(png) = png {
        let _ = write!(
            o,
            "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{1}\"><figcaption>{0}</figcaption></figure>",
            esc(caption),
            base64::engine::general_purpose::STANDARD.encode(png)
        );
    }
}

/// `comparison.html`.
pub fn html(c: &Comparison, png: Option<&[u8]>) -> String {
    let mut o = String::new();
    html_head(
        &mut o,
        "Model comparison",
        &format!("{} → {}", c.old.source, c.new.source),
    );
    let _ = write!(o, "<section><h2>Summary</h2><ul>");
    if c.old.model.is_none() && c.new.model.is_none() {
        if let (Some(m), Some(a), Some(b)) = (&c.old.metric, c.old.score, c.new.score) {
            let _ = write!(o, "<li>Out-of-fold {} {a:.4} → {b:.4}</li>", m);
        }
    }
    for l in summary_lines(c) {
        let _ = write!(o, "<li>{}</li>", esc(&l));
    }
    for w in &c.warnings {
        let _ = write!(o, "<li>warning: {}</li>", esc(w));
    }
    let _ = write!(o, "</ul></section><section><h2>Findings</h2>");
    html_findings(&mut o, &c.findings);
    let _ = write!(o, "</section><section><h2>Features</h2><table class=\"sortable\"><thead><tr><th>feature</th><th>status</th>");
    let models = c.has_models();
    if models {
        let _ = write!(o, "<th>model share old</th><th>model share new</th><th>model rank old</th><th>model rank new</th>");
    }
    let _ = write!(o, "<th>surrogate share old</th><th>surrogate share new</th><th>rank change</th><th>power old</th><th>power new</th><th>severity old</th><th>severity new</th></tr></thead><tbody>");
    let r = |v: Option<usize>| v.map_or("-".into(), |x| x.to_string());
    for f in &c.features {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td>",
            esc(&f.name),
            esc(&status(f))
        );
        if models {
            let _ = write!(
                o,
                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                pct(f.model_share_old),
                pct(f.model_share_new),
                r(f.model_rank_old),
                r(f.model_rank_new)
            );
        }
        let [so, sn, rank, po, pn, svo, svn] = surrogate_cells(f);
        let _ = write!(
            o,
            "<td class=\"num\">{so}</td><td class=\"num\">{sn}</td><td class=\"num\">{rank}</td><td class=\"num\">{po}</td><td class=\"num\">{pn}</td><td>{svo}</td><td>{svn}</td></tr>"
        );
    }
    let _ = write!(
        o,
        "</tbody></table></section><section><h2>Importance, old vs new</h2>"
    );
    html_png(&mut o, png, &picture_title(c));
    let _ = write!(o, "</section>");
    html_tail(&mut o);
    o
}

fn picture_title(c: &Comparison) -> String {
    if c.has_models() {
        "The models' own importance share: old (grey) vs new (blue; red = flagged or jumped)".into()
    } else {
        "Importance share: old (grey) vs new (blue; red = new leak or jump)".into()
    }
}

#[cfg(feature = "plots")]
/// `comparison.png`: paired horizontal bars (old grey, new blue; red for a feature flagged in
/// the new version or behind a new leak or a jump). The models' own importance when both
/// versions audited one, else the surrogate's.
pub fn png(c: &Comparison) -> Result<Vec<u8>> {
    let models = c.has_models();
    let shares = |f: &FeatureDelta| {
        if models {
            (
                f.model_share_old.unwrap_or(0.0),
                f.model_share_new.unwrap_or(0.0),
            )
        } else {
            (f.share_old.unwrap_or(0.0), f.share_new.unwrap_or(0.0))
        }
    };
    let mut feats: Vec<_> = c
        .features
        .iter()
        .filter(|f| !models || f.model_share_old.is_some() || f.model_share_new.is_some())
        .collect();
    feats.sort_by(|a, b| {
        let (ao, an) = shares(a);
        let (bo, bn) = shares(b);
        bn.max(bo).total_cmp(&an.max(ao)).then(a.name.cmp(&b.name))
    });
    feats.truncate(20);
    let n = feats.len().max(1);
    let leaky: Vec<&str> = c
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FindingKind::NewLeak
                    | FindingKind::ImportanceJump
                    | FindingKind::StillReliesOnLeak
                    | FindingKind::RelianceRise
            )
        })
        .flat_map(|f| f.feature.iter().chain(f.features.iter()))
        .map(String::as_str)
        .collect();
    let x_max = feats
        .iter()
        .map(|f| {
            let (a, b) = shares(f);
            a.max(b)
        })
        .fold(0.05f64, f64::max)
        * 1.1;
    let title = picture_title(c);
    render_png(1100, 150 + 40 * n as u32, |root| {
        let mut chart = bar_frame(
            root,
            &title,
            20,
            0f64..x_max,
            n,
            if models {
                "share of the model's permutation importance"
            } else {
                "share of permutation importance"
            },
        )?;
        for (i, f) in feats.iter().enumerate() {
            let top = n as f64 - i as f64;
            left_label(
                root,
                chart.backend_coord(&(0.0, top - 0.5)),
                &ellipsize(&f.name, 28),
            )?;
            let (old, new) = shares(f);
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

// ---- timeline ----

fn score_title(t: &Timeline) -> String {
    let metric = t
        .versions
        .iter()
        .find_map(|v| v.metric)
        .map_or("score", |m| m.as_str());
    if t.importance_source == "model" {
        format!("model {metric}")
    } else {
        format!("surrogate {metric}")
    }
}

fn step_name(t: &Timeline) -> String {
    let n = t.versions.len();
    format!("v{} -> v{}", n - 1, n)
}

/// A version's row: label, model, score, reliance, what changed, worst finding.
fn version_cells(v: &super::VersionPoint) -> [String; 6] {
    [
        v.label.clone(),
        v.side.model.as_ref().map_or("-".into(), |m| m.label()),
        num(v.score),
        pct(v.leak_reliance),
        v.changed.as_ref().map_or("-".into(), |c| c.summary.clone()),
        v.max_severity.map_or("-", |s| s.as_str()).to_string(),
    ]
}

/// Timeline terminal summary.
pub fn timeline_terminal(t: &Timeline) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "leakhound compare: {} versions (scores and shares: {})",
        t.versions.len(),
        if t.importance_source == "model" {
            "the models' own"
        } else {
            "the surrogate's"
        }
    );
    for w in &t.warnings {
        let _ = writeln!(o, "warning: {w}");
    }
    let _ = writeln!(
        o,
        "\n{:<34} {:>12} {:>9} {:<16} {:<8}",
        "version",
        score_title(t),
        "reliance",
        "changed",
        "worst"
    );
    for v in &t.versions {
        let [label, _, score, reliance, changed, worst] = version_cells(v);
        let _ = writeln!(
            o,
            "{:<34} {:>12} {:>9} {:<16} {:<8}",
            ellipsize(&label, 34),
            score,
            reliance,
            changed,
            worst
        );
    }
    let _ = write!(o, "\n{:<26}", "feature share");
    for i in 0..t.versions.len() {
        let _ = write!(o, " {:>8}", format!("v{}", i + 1));
    }
    let _ = writeln!(o);
    for f in &t.features {
        let _ = write!(o, "{:<26}", ellipsize(&f.name, 26));
        for s in &f.shares {
            let _ = write!(o, " {:>8}", pct(*s));
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o);
    findings_terminal(
        &mut o,
        &t.findings,
        &format!("Findings of the newest step, {}", step_name(t)),
    );
    for (i, s) in t.steps.iter().enumerate().take(t.steps.len() - 1) {
        let _ = writeln!(
            o,
            "  (v{} -> v{}: {} findings, worst {})",
            i + 1,
            i + 2,
            s.findings.len(),
            s.max_severity().map_or("-", |x| x.as_str())
        );
    }
    o
}

/// `timeline.md`.
pub fn timeline_markdown(t: &Timeline, png: Option<&str>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Model versions\n");
    for w in &t.warnings {
        let _ = writeln!(o, "> warning: {}\n", cell(w));
    }
    let _ = writeln!(
        o,
        "| version | source | model | {} | reliance on flagged features | what changed | worst finding |\n|---|---|---|---:|---:|---|---|",
        score_title(t)
    );
    for v in &t.versions {
        let cells = version_cells(v).map(|c| cell(&c));
        let _ = writeln!(
            o,
            "| {} | `{}` | {} |",
            cells[0],
            cell(&v.side.source),
            cells[1..].join(" | ")
        );
    }
    let _ = write!(o, "\n## Top features' share of importance\n\n| feature |");
    for i in 0..t.versions.len() {
        let _ = write!(o, " v{} |", i + 1);
    }
    let _ = write!(o, "\n|---|");
    for _ in &t.versions {
        let _ = write!(o, "---:|");
    }
    let _ = writeln!(o);
    for f in &t.features {
        let _ = write!(o, "| {} |", cell(&f.name));
        for s in &f.shares {
            let _ = write!(o, " {} |", pct(*s));
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "\n## Findings of the newest step ({})\n", step_name(t));
    findings_markdown(&mut o, &t.findings);
    for (i, s) in t.steps.iter().enumerate().take(t.steps.len() - 1) {
        let _ = writeln!(o, "## v{} -> v{}\n", i + 1, i + 2);
        findings_markdown(&mut o, &s.findings);
    }
    if let Some(png) = png {
        let _ = writeln!(
            o,
            "![score, reliance and top features over the versions]({png})"
        );
    }
    o
}

/// `timeline.html`.
pub fn timeline_html(t: &Timeline, png: Option<&[u8]>) -> String {
    let mut o = String::new();
    html_head(
        &mut o,
        "Model versions",
        &format!(
            "{} versions · scores and shares: {}",
            t.versions.len(),
            if t.importance_source == "model" {
                "the models' own"
            } else {
                "the surrogate's"
            }
        ),
    );
    let _ = write!(o, "<section><h2>Versions</h2>");
    for w in &t.warnings {
        let _ = write!(o, "<p>warning: {}</p>", esc(w));
    }
    let _ = write!(
        o,
        "<table class=\"sortable\"><thead><tr><th>version</th><th>model</th><th>{}</th><th>reliance on flagged features</th><th>what changed</th><th>worst finding</th></tr></thead><tbody>",
        esc(&score_title(t))
    );
    for v in &t.versions {
        let cells = version_cells(v).map(|c| esc(&c));
        let why = v
            .changed
            .as_ref()
            .map_or(String::new(), |c| c.reasons.join("; "));
        let _ = write!(
            o,
            "<tr><td title=\"{}\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td title=\"{}\">{}</td><td>{}</td></tr>",
            esc(&v.side.source),
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            esc(&why),
            cells[4],
            cells[5]
        );
    }
    let _ = write!(
        o,
        "</tbody></table></section><section><h2>Over the versions</h2>"
    );
    html_png(
        &mut o,
        png,
        "Score and reliance on flagged features (left), the top features' share of importance (right)",
    );
    let _ = write!(o, "<table class=\"sortable\"><thead><tr><th>feature</th>");
    for i in 0..t.versions.len() {
        let _ = write!(o, "<th>v{}</th>", i + 1);
    }
    let _ = write!(o, "</tr></thead><tbody>");
    for f in &t.features {
        let _ = write!(o, "<tr><td>{}</td>", esc(&f.name));
        for s in &f.shares {
            let _ = write!(o, "<td class=\"num\">{}</td>", pct(*s));
        }
        let _ = write!(o, "</tr>");
    }
    let _ = write!(
        o,
        "</tbody></table></section><section><h2>Findings of the newest step ({})</h2>",
        esc(&step_name(t))
    );
    html_findings(&mut o, &t.findings);
    let _ = write!(o, "</section>");
    for (i, s) in t.steps.iter().enumerate().take(t.steps.len() - 1) {
        let _ = write!(o, "<section><h2>v{} → v{}</h2>", i + 1, i + 2);
        html_findings(&mut o, &s.findings);
        let _ = write!(o, "</section>");
    }
    html_tail(&mut o);
    o
}

#[cfg(feature = "plots")]
const PALETTE: [RGBColor; 8] = [
    RGBColor(50, 110, 190),
    RGBColor(225, 70, 60),
    RGBColor(60, 155, 95),
    RGBColor(240, 160, 40),
    RGBColor(130, 80, 180),
    RGBColor(40, 170, 190),
    RGBColor(190, 90, 140),
    RGBColor(120, 120, 120),
];

#[cfg(feature = "plots")]
/// One panel of lines over the versions, values in `y`.
fn lines_panel(
    area: &crate::report::plot::Area,
    title: &str,
    labels: &[String],
    y: std::ops::Range<f64>,
    series: &[(String, Vec<Option<f64>>, RGBColor)],
    legend: SeriesLabelPosition,
) -> std::result::Result<(), String> {
    let n = labels.len();
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.3f64..(n as f64 - 0.7), y)
        .map_err(e)?;
    let labels = labels.to_vec();
    chart
        .configure_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        })
        .disable_x_mesh()
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    for (name, values, color) in series {
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        let color = *color;
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
            .map_err(e)?
            .label(ellipsize(name, 32))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
            });
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 5, color.filled())),
            )
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 14))
        .position(legend)
        .draw()
        .map_err(e)?;
    Ok(())
}

#[cfg(feature = "plots")]
/// `timeline.png`: two panels over the versions: the score and the reliance on flagged
/// features (left), the top features' share of importance (right).
pub fn timeline_png(t: &Timeline) -> Result<Vec<u8>> {
    let labels: Vec<String> = (1..=t.versions.len()).map(|i| format!("v{i}")).collect();
    let score: Vec<Option<f64>> = t.versions.iter().map(|v| v.score).collect();
    let reliance: Vec<Option<f64>> = t.versions.iter().map(|v| v.leak_reliance).collect();
    let low = score
        .iter()
        .flatten()
        .fold(0.0f64, |a, &b| a.min(b))
        .max(-1.0);
    let mut left = vec![(score_title(t), score, PALETTE[0])];
    if reliance.iter().any(Option::is_some) {
        left.push(("reliance on flagged features".into(), reliance, PALETTE[1]));
    }
    let right: Vec<(String, Vec<Option<f64>>, RGBColor)> = t
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.clone(), f.shares.clone(), PALETTE[i % PALETTE.len()]))
        .collect();
    let top = t
        .features
        .iter()
        .flat_map(|f| f.shares.iter().flatten())
        .fold(0.1f64, |a, &b| a.max(b));
    let width = 640 + 120 * t.versions.len() as u32;
    render_png(width.min(2400), 520, |root| {
        let (l, r) = root.split_horizontally(width.min(2400) / 2);
        lines_panel(
            &l,
            "Score and reliance on flagged features",
            &labels,
            low..1.05,
            &left,
            SeriesLabelPosition::LowerLeft,
        )?;
        lines_panel(
            &r,
            if t.importance_source == "model" {
                "Top features: share of the model's importance"
            } else {
                "Top features: share of the surrogate's importance"
            },
            &labels,
            0.0..(top * 1.15).min(1.05),
            &right,
            SeriesLabelPosition::UpperLeft,
        )?;
        Ok(())
    })
}

/// Without the `plots` feature there is no picture.
#[cfg(not(feature = "plots"))]
pub fn png(_c: &Comparison) -> Result<Vec<u8>> {
    Err(no_plots())
}

/// Without the `plots` feature there is no picture.
#[cfg(not(feature = "plots"))]
pub fn timeline_png(_t: &Timeline) -> Result<Vec<u8>> {
    Err(no_plots())
}

#[cfg(not(feature = "plots"))]
fn no_plots() -> crate::error::Error {
    crate::error::Error::Output {
        path: "plot".into(),
        message: "this build of leakhound has no plots (the `plots` feature)".into(),
    }
}
