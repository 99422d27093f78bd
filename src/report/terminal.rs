//! The terminal summary: the verdict, findings with severity colours (`low` notes collapsed into
//! one line per kind), the model without the likely leaks, then the feature table, most
//! suspicious first. Colours only on a TTY and never with `NO_COLOR`.
//!
//! Every string that comes from the data (paths, column names, category values inside
//! messages) passes through [`inert`], so an escape sequence in a column name cannot recolour
//! the terminal, set its title or write the clipboard.

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

/// Make control characters visible (`\x1b` for ESC, `\u{9b}` for CSI...): text from a file the
/// user did not write must not drive the terminal.
pub fn inert(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            if (c as u32) < 0x100 {
                o.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                o.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            o.push(c);
        }
    }
    o
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
    let verdict_sev = r.max_severity().filter(|&s| s >= Severity::High);
    let _ = writeln!(
        o,
        "{}",
        paint(
            &format!("Verdict: {}", inert(&r.verdict.text)),
            verdict_sev,
            color
        )
    );
    let _ = writeln!(
        o,
        "leakhound {} — {} ({} rows{}, {} columns), target '{}' ({:?})",
        r.tool.version,
        inert(&d.path),
        d.rows_used,
        if d.sampled {
            format!(" sampled from {}", d.rows)
        } else {
            String::new()
        },
        d.columns,
        inert(&d.target),
        d.task
    );
    let _ = writeln!(
        o,
        "surrogate {} out of fold: {}",
        r.model.surrogate,
        super::metric_list(&r.model.out_of_fold, 3)
    );
    if let Some(u) = &r.user_model {
        let _ = writeln!(o, "your model: {}", inert(&super::user_model_summary(u)));
        let top: Vec<String> = u
            .importance
            .iter()
            .take(5)
            .map(|i| format!("{} {:.1}%", inert(&i.feature), i.importance_share * 100.0))
            .collect();
        let _ = writeln!(o, "  leans on: {}", top.join(", "));
        for d in &u.disagreements {
            let _ = writeln!(o, "  disagreement: {}", inert(d));
        }
    }
    for w in &r.warnings {
        let _ = writeln!(o, "warning: {}", inert(w));
    }
    let _ = writeln!(o);
    if r.findings.is_empty() {
        let _ = writeln!(o, "No findings.");
    } else {
        let _ = writeln!(o, "Findings ({}):", r.findings.len());
        for f in r.findings.iter().filter(|f| f.severity > Severity::Low) {
            let tag = paint(
                &format!("{:<8}", f.severity.as_str().to_uppercase()),
                Some(f.severity),
                color,
            );
            let who = if f.features.len() > 1 && f.feature.is_none() {
                f.features.join(", ")
            } else {
                f.feature.clone().unwrap_or_else(|| "(dataset)".into())
            };
            let _ = writeln!(
                o,
                "  {tag} {:<22} {:<24} {}",
                f.kind,
                truncate(&inert(&who), 24),
                inert(&f.message)
            );
        }
        for (kind, names) in super::low_notes(&r.findings) {
            let tag = paint(&format!("{:<8}", "LOW"), Some(Severity::Low), color);
            let _ = writeln!(
                o,
                "  {tag} {:<22} {} note{} on {}",
                kind,
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                inert(&super::name_list(&names, 6))
            );
        }
    }
    if let Some(h) = &r.honest_model {
        let _ = writeln!(o);
        let _ = writeln!(o, "Honest model: {}", inert(&h.sentence()));
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
            truncate(&inert(&f.name), 26),
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

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(inert("a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(inert("t\u{9b}2J\u{7}"), "t\\x9b2J\\x07");
        assert_eq!(inert("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(inert("plain, ünïcode"), "plain, ünïcode");
    }
}
