//! The terminal summary: findings with severity colours, then the feature table, most
//! suspicious first. Colours only on a TTY and never with `NO_COLOR`.

use std::fmt::Write;

use super::{Report, Severity};

/// Rows of the feature table shown before the rest is summarised.
const MAX_ROWS: usize = 25;

fn paint(s: &str, sev: Option<Severity>, color: bool) -> String {
    if !color {
        return s.to_string();
    }
    let code = match sev {
        Some(Severity::Critical) => "1;31",
        Some(Severity::High) => "31",
        Some(Severity::Medium) => "33",
        Some(Severity::Low) => "36",
        None => return s.to_string(),
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

/// Render the summary.
pub fn render(r: &Report, color: bool) -> String {
    let mut o = String::new();
    let d = &r.dataset;
    let _ = writeln!(
        o,
        "leakhound {} — {} ({} rows{}, {} columns), target '{}' ({:?})",
        r.tool.version,
        d.path,
        d.rows_used,
        if d.sampled {
            format!(" sampled from {}", d.rows)
        } else {
            String::new()
        },
        d.columns,
        d.target,
        d.task
    );
    let _ = writeln!(
        o,
        "surrogate {} out of fold: {}",
        r.model.surrogate,
        super::metric_list(&r.model.out_of_fold, 3)
    );
    if let Some(u) = &r.user_model {
        let _ = writeln!(o, "your model: {}", super::user_model_summary(u));
        let top: Vec<String> = u
            .importance
            .iter()
            .take(5)
            .map(|i| format!("{} {:.1}%", i.feature, i.importance_share * 100.0))
            .collect();
        let _ = writeln!(o, "  leans on: {}", top.join(", "));
        for d in &u.disagreements {
            let _ = writeln!(o, "  disagreement: {d}");
        }
    }
    for w in &r.warnings {
        let _ = writeln!(o, "warning: {w}");
    }
    let _ = writeln!(o);
    if r.findings.is_empty() {
        let _ = writeln!(o, "No findings.");
    } else {
        let _ = writeln!(o, "Findings ({}):", r.findings.len());
        for f in &r.findings {
            let tag = paint(
                &format!("{:<8}", f.severity.as_str().to_uppercase()),
                Some(f.severity),
                color,
            );
            let who = f.feature.clone().unwrap_or_else(|| "(dataset)".into());
            let _ = writeln!(
                o,
                "  {tag} {:<22} {:<24} {}",
                f.kind,
                truncate(&who, 24),
                f.message
            );
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<26} {:<11} {:>7} {:>7} {:>16} {:>9} {:>7}  severity",
        "feature", "type", "missing", "power", "permutation", "drop-col", "share"
    );
    for f in r.features.iter().take(MAX_ROWS) {
        let perm = f
            .permutation_importance
            .map_or("-".to_string(), |p| format!("{:.4}±{:.4}", p.mean, p.std));
        let drop = f
            .drop_column_importance
            .map_or("-".to_string(), |v| format!("{v:.4}"));
        let sev = f.severity.map_or("", |s| s.as_str());
        let line = format!(
            "{:<26} {:<11} {:>6.1}% {:>7.3} {:>16} {:>9} {:>6.1}%  {}",
            truncate(&f.name, 26),
            format!("{:?}", f.ty).to_lowercase(),
            f.missing_fraction * 100.0,
            f.single_feature_power.power,
            perm,
            drop,
            f.importance_share * 100.0,
            sev
        );
        let _ = writeln!(o, "{}", paint(&line, f.severity, color));
    }
    if r.features.len() > MAX_ROWS {
        let _ = writeln!(
            o,
            "... and {} more features (see report.json)",
            r.features.len() - MAX_ROWS
        );
    }
    o
}
