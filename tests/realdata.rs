//! The real-data corpus (tests/data/real, made by its make_corpus.py; sources and licences in
//! manifest.tsv): 38 clean public tables (binary, multiclass, regression; categoricals, missing
//! values, 32 to 10,000 rows) must get no `critical` finding and no feature-level `high`; 11
//! tables with documented or definitional leaks must get each leak at `high` or above, with the
//! right kind, ranked above every column the audit does not flag.

use std::path::Path;

use leakhound::Report;
use leakhound::Settings;
use leakhound::Severity;
use leakhound::{ReadOptions, Task};

use crate::common::{audit_table_task, fixture};

struct Table {
    file: String,
    target: String,
    task: Task,
    leaks: Vec<String>,
    kinds: Vec<String>,
}

fn manifest() -> Vec<Table> {
    let text = std::fs::read_to_string(fixture("real/manifest.tsv")).expect("manifest");
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let list = |s: &str, sep: char| -> Vec<String> {
                s.split(sep)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            Table {
                file: c[0].to_string(),
                target: c[1].to_string(),
                task: match c[2] {
                    "binary" => Task::Binary,
                    "multiclass" => Task::Multiclass,
                    _ => Task::Regression,
                },
                leaks: list(c[3], ','),
                kinds: list(c[4], '|'),
            }
        })
        .collect()
}

fn audit(t: &Table) -> Report {
    let path = fixture(&format!("real/{}", t.file));
    let frame =
        leakhound::Table::read(Path::new(&path), &ReadOptions::default()).expect("readable");
    let mut s = Settings::default();
    s.engine.repeats = 3;
    audit_table_task(frame, &t.target, t.task, &s)
}

fn on(f: &leakhound::Finding, name: &str) -> bool {
    f.feature.as_deref() == Some(name) || f.features.iter().any(|n| n == name)
}

#[test]
fn clean_real_tables_raise_no_false_alarm() {
    let tables: Vec<Table> = manifest()
        .into_iter()
        .filter(|t| t.leaks.is_empty())
        .collect();
    assert!(tables.len() >= 30, "{} clean tables", tables.len());
    for task in [Task::Binary, Task::Multiclass, Task::Regression] {
        assert!(
            tables.iter().filter(|t| t.task == task).count() >= 8,
            "{task:?}"
        );
    }
    let mut bad = Vec::new();
    for t in &tables {
        let r = audit(t);
        assert_eq!(r.dataset.task, t.task, "{}", t.file);
        for f in &r.findings {
            let feature_level = f.feature.is_some() || !f.features.is_empty();
            if f.severity == Severity::Critical
                || (f.severity == Severity::High
                    && feature_level
                    && f.kind != leakhound::FindingKind::SuspiciousPerformance)
            {
                bad.push(format!(
                    "{}: {} {} {:?}",
                    t.file,
                    f.severity.as_str(),
                    f.kind,
                    f.feature
                ));
            }
        }
        assert!(
            r.verdict.text.starts_with("No leak suspected"),
            "{}: {}",
            t.file,
            r.verdict.text
        );
    }
    assert!(bad.is_empty(), "false alarms on clean tables: {bad:#?}");
}

#[test]
fn documented_leaks_are_high_with_the_right_kind_and_ranked_first() {
    let tables: Vec<Table> = manifest()
        .into_iter()
        .filter(|t| !t.leaks.is_empty())
        .collect();
    assert!(tables.len() >= 10);
    let mut misses = Vec::new();
    for t in &tables {
        let r = audit(t);
        let flagged = r
            .features
            .iter()
            .take_while(|f| f.severity >= Some(Severity::High))
            .count();
        for leak in &t.leaks {
            let right = r.findings.iter().any(|f| {
                f.severity >= Severity::High
                    && on(f, leak)
                    && t.kinds.iter().any(|k| k == f.kind.as_str())
            });
            let rank = r.features.iter().position(|f| &f.name == leak);
            if !right || rank.is_none_or(|p| p >= flagged) {
                let got: Vec<String> = r
                    .findings
                    .iter()
                    .filter(|f| on(f, leak))
                    .map(|f| format!("{}:{}", f.kind, f.severity.as_str()))
                    .collect();
                misses.push(format!(
                    "{} {leak}: rank {rank:?} of {flagged} flagged, {got:?}",
                    t.file
                ));
            }
        }
        assert!(!r.verdict.likely_leaks.is_empty(), "{}", t.file);
    }
    assert!(misses.is_empty(), "{misses:#?}");
}

/// The honest model drops exactly the likely leaks, never a feature the user allows; and it
/// scores below the full surrogate when the leak was carrying the score.
#[test]
fn honest_model_removes_the_leaks_but_not_allowed_features() {
    let path = fixture("real/creditcard.csv");
    let frame =
        || leakhound::Table::read(Path::new(&path), &ReadOptions::default()).expect("readable");
    let mut s = Settings::default();
    s.engine.repeats = 3;
    let r = audit_table_task(frame(), "card", Task::Binary, &s);
    let h = r.honest_model.expect("honest model");
    let mut removed = h.removed.clone();
    removed.sort();
    assert_eq!(removed, ["expenditure", "share"]);
    assert!(h.without_leaks < h.with_leaks - 0.1, "{h:?}");
    assert_eq!(r.verdict.likely_leaks, ["expenditure", "share"]);
    s.allow = vec!["share".into()];
    let r = audit_table_task(frame(), "card", Task::Binary, &s);
    assert_eq!(
        r.honest_model.expect("honest model").removed,
        ["expenditure"]
    );
}
