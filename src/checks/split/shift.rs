//! `train_test_shift` (adversarial validation): a surrogate trained to tell train rows from test
//! rows, its AUC and the columns that separate the sets; `index_overlap` (`--id-col`): the same
//! ids on both sides; and schema mismatches between the files, as warnings-grade findings.

use crate::seeds::Stream;
use serde::Serialize;
use std::collections::HashSet;

use super::SplitContext;
use crate::checks::{About, Check, Stage};
use crate::data::{Column, ColumnType};
use crate::error::Result;
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::{self, folds, EngineSettings, Problem};
use crate::split::{concat, SplitInfo, SplitMode};
use crate::surrogate::{BinnedMatrix, Gbm, Labels};

/// Adversarial validation: train and test differ from this AUC (`medium`), clearly from
/// [`HIGH_AUC`]. Not settings: a shift is a warning about the test set, not a leak, and the AUC
/// is in the evidence.
const SHIFT_AUC: f64 = 0.8;
const HIGH_AUC: f64 = 0.95;
/// Columns named as separating the sides carry at least this share of the adversarial model's
/// importance: what the message lists, not a detection threshold.
const SEPARATING_SHARE: f64 = 0.05;
/// A column that alone separates the sides with this power is its own finding.
const SEPARATING_POWER: f64 = 0.9;
/// Test ids also in training: `high` from this share of test rows (`medium` below). A repeated
/// id is the same record; the count is in the evidence.
const HIGH_ID_SHARE: f64 = 0.01;

/// Rows per side used for adversarial validation, at most.
/// A work budget for large tables, not a threshold.
const MAX_ROWS: usize = 50_000;

/// Train and test that a model tells apart (adversarial validation), on a real split.
pub struct Shift;

impl Check for Shift {
    fn about(&self) -> About {
        About {
            name: "train/test shift",
            stage: Stage::Split,
            kinds: &[FindingKind::TrainTestShift],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn split(&self, ctx: &SplitContext, info: &mut SplitInfo) -> Result<Vec<Finding>> {
        if ctx.mode == SplitMode::Own {
            return Ok(Vec::new());
        }
        check(ctx, info)
    }
}

/// Test rows whose id also names a training row, on a real split.
pub struct IndexOverlap;

impl Check for IndexOverlap {
    fn about(&self) -> About {
        About {
            name: "index overlap",
            stage: Stage::Split,
            kinds: &[FindingKind::IndexOverlap],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn split(&self, ctx: &SplitContext, _info: &mut SplitInfo) -> Result<Vec<Finding>> {
        if ctx.mode == SplitMode::Own {
            return Ok(Vec::new());
        }
        Ok(index_overlap(ctx))
    }
}

/// Train and test with different columns, types or categories, on a real split.
pub struct Schema;

impl Check for Schema {
    fn about(&self) -> About {
        About {
            name: "schema mismatch",
            stage: Stage::Split,
            kinds: &[FindingKind::SchemaMismatch],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn split(&self, ctx: &SplitContext, _info: &mut SplitInfo) -> Result<Vec<Finding>> {
        if ctx.mode == SplitMode::Own {
            return Ok(Vec::new());
        }
        Ok(schema(ctx))
    }
}

/// Run adversarial validation.
fn check(ctx: &SplitContext, info: &mut SplitInfo) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let (train, test) = (ctx.train, ctx.test);
    // Columns present on both sides: features, plus the time and id columns (roles), which are
    // exactly the ones that separate a proper time or id-range split.
    let mut pairs: Vec<(&Column, &Column, &'static str)> = Vec::new();
    for c in &train.features {
        if let Some(t) = test.features.iter().find(|t| t.name == c.name) {
            pairs.push((c, t, "feature"));
        }
    }
    if let (Some(a), Some(b)) = (&train.time, &test.time) {
        pairs.push((a, b, "time"));
    }
    for a in &train.ids {
        if let Some(b) = test.ids.iter().find(|b| b.name == a.name) {
            pairs.push((a, b, "id"));
        }
    }
    if pairs.is_empty() {
        return Ok(out);
    }
    let tr_rows: Vec<usize> = folds::subsample(
        &(0..train.rows() as u32).collect::<Vec<_>>(),
        &row_ids(train.rows()),
        MAX_ROWS,
        ctx.seed,
    )
    .into_iter()
    .map(|r| r as usize)
    .collect();
    let te_rows: Vec<usize> = folds::subsample(
        &(0..test.rows() as u32).collect::<Vec<_>>(),
        &row_ids(test.rows()),
        MAX_ROWS,
        Stream::TestSample.seed(ctx.seed),
    )
    .into_iter()
    .map(|r| r as usize)
    .collect();
    let columns: Vec<Column> = pairs
        .iter()
        .map(|(a, b, _)| concat(&a.take(&tr_rows), &b.take(&te_rows)))
        .collect();
    let x = BinnedMatrix::from_columns(&columns);
    let y: Vec<u32> = std::iter::repeat_n(0, tr_rows.len())
        .chain(std::iter::repeat_n(1, te_rows.len()))
        .collect();
    let labels = Labels::Classes { y: &y, k: 2 };
    let fold_of = folds::assign(&labels, &x.row_keys, 3, Stream::Adversarial.seed(ctx.seed));
    // The model sees features only: a time or id column separates a proper time or id split by
    // design, which is reported per column below, not as a shift of the data.
    let features: Vec<usize> = (0..x.features())
        .filter(|&f| pairs[f].2 == "feature" && columns[f].ty != ColumnType::Identifier)
        .collect();
    if features.is_empty() {
        return Ok(out);
    }
    let settings = EngineSettings {
        folds: 3,
        repeats: 2,
        ..Default::default()
    };
    let problem = Problem {
        x: &x,
        labels: &labels,
        folds: &fold_of,
    };
    let run = importance::run_model(
        &Gbm::default(),
        &problem,
        &features,
        &settings,
        Stream::Adversarial.seed(ctx.seed),
        false,
    )?;
    let auc = crate::metric::Metric::RocAuc.of(&run.oof).unwrap_or(0.5);
    info.adversarial_auc = Some(r4(auc));
    let powers = importance::single_feature_powers(&x, &labels, &fold_of, 3);
    let mut top: Vec<(String, f64)> = run
        .importance
        .iter()
        .enumerate()
        .filter_map(|(f, i)| i.map(|i| (columns[f].name.clone(), r4(i.share))))
        .filter(|(_, s)| *s > SEPARATING_SHARE)
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(5);
    if auc >= SHIFT_AUC {
        let names: Vec<String> = top
            .iter()
            .map(|(n, s)| format!("'{n}' ({})", pct(*s)))
            .collect();
        out.push(Finding::new(
            None,
            FindingKind::TrainTestShift,
            if auc >= HIGH_AUC { Severity::High } else { Severity::Medium },
            format!(
                "A model tells train rows from test rows with AUC {auc:.3}: the two sets differ, mostly in {}; a score on this test set says little about the other.",
                names.join(", ")
            ),
            ShiftEvidence {
                adversarial_auc: r4(auc),
                separating_columns: top,
            },
        ));
    }
    // A column that alone separates the sets almost perfectly is its own finding.
    for (f, (a, _, role)) in pairs.iter().enumerate() {
        let p = powers[f].power;
        if p < SEPARATING_POWER {
            continue;
        }
        let (severity, why) = match *role {
            "time" => (Severity::Low, "expected for a split by time"),
            "id" => (
                Severity::Medium,
                "ids were assigned in split order, so any id-derived feature encodes the split",
            ),
            _ if a.ty == ColumnType::Datetime => (
                Severity::Low,
                "a date column: expected for a split by time, but it must not be a model input",
            ),
            _ => (
                Severity::High,
                "the model will be scored on values it never saw in training",
            ),
        };
        let mut fd = Finding::new(
            Some(&a.name),
            FindingKind::TrainTestShift,
            severity,
            format!(
                "'{}' alone separates train from test (power {p:.2}): {why}.",
                a.name
            ),
            SeparatingEvidence {
                power: r4(p),
                metric: powers[f].metric,
                metric_value: r4(powers[f].value),
                role,
            },
        );
        fd.features = vec![a.name.clone()];
        out.push(fd);
    }
    Ok(out)
}

fn row_ids(n: usize) -> Vec<u64> {
    (0..n as u64).map(crate::data::sample::splitmix64).collect()
}

fn index_overlap(ctx: &SplitContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in &ctx.train.ids {
        let Some(b) = ctx.test.ids.iter().find(|b| b.name == a.name) else {
            continue;
        };
        let train_ids: HashSet<String> = (0..a.len()).filter_map(|r| a.text(r)).collect();
        let rows = (0..b.len())
            .filter(|&r| b.text(r).is_some_and(|v| train_ids.contains(&v)))
            .count();
        if rows == 0 {
            continue;
        }
        let frac = rows as f64 / b.len().max(1) as f64;
        let mut fd = Finding::new(
            Some(&a.name),
            FindingKind::IndexOverlap,
            if frac >= HIGH_ID_SHARE { Severity::High } else { Severity::Medium },
            format!("{rows} test rows ({}) carry an '{}' that also appears in training: the same records or entities are on both sides.", pct(frac), a.name),
            OverlapEvidence {
                test_rows: rows,
                fraction: r4(frac),
            },
        );
        fd.features = vec![a.name.clone()];
        out.push(fd);
    }
    out
}

/// Schema differences between train and test: missing columns, type changes, unseen categories.
fn schema(ctx: &SplitContext) -> Vec<Finding> {
    let (train, test) = (ctx.train, ctx.test);
    let mut notes: Vec<String> = Vec::new();
    let missing: Vec<&str> = train
        .features
        .iter()
        .filter(|c| !test.features.iter().any(|t| t.name == c.name))
        .map(|c| c.name.as_str())
        .collect();
    let extra: Vec<&str> = test
        .features
        .iter()
        .filter(|c| !train.features.iter().any(|t| t.name == c.name))
        .map(|c| c.name.as_str())
        .collect();
    if !missing.is_empty() {
        notes.push(format!("missing from test: {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        notes.push(format!("only in test: {}", extra.join(", ")));
    }
    let mut unseen: Vec<(String, f64)> = Vec::new();
    for c in &train.features {
        let Some(t) = test.features.iter().find(|t| t.name == c.name) else {
            continue;
        };
        if c.ty != t.ty {
            notes.push(format!(
                "'{}' is {:?} in train but {:?} in test",
                c.name, c.ty, t.ty
            ));
        }
        if matches!(c.ty, ColumnType::Categorical) {
            let levels: HashSet<String> = (0..c.len()).filter_map(|r| c.text(r)).collect();
            let rows = (0..t.len())
                .filter(|&r| t.text(r).is_some_and(|v| !levels.contains(&v)))
                .count();
            if rows > 0 {
                unseen.push((c.name.clone(), r4(rows as f64 / t.len().max(1) as f64)));
                notes.push(format!(
                    "'{}' has unseen categories in {} of test rows",
                    c.name,
                    pct(rows as f64 / t.len().max(1) as f64)
                ));
            }
        }
    }
    if notes.is_empty() {
        return Vec::new();
    }
    vec![Finding::new(
        None,
        FindingKind::SchemaMismatch,
        Severity::Low,
        format!("Train and test differ in schema: {}.", notes.join("; ")),
        SchemaEvidence {
            missing_from_test: missing,
            only_in_test: extra,
            unseen_category_fraction: unseen,
        },
    )]
}

/// The evidence of `train_test_shift` from adversarial validation.
#[derive(Serialize)]
struct ShiftEvidence {
    adversarial_auc: f64,
    /// The columns that tell the sides apart: (name, share of importance), at most five.
    separating_columns: Vec<(String, f64)>,
}

/// The evidence of `train_test_shift` for a column that alone separates the sides.
#[derive(Serialize)]
struct SeparatingEvidence {
    power: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
    /// "feature", "time" or "id".
    role: &'static str,
}

/// The evidence of `index_overlap`.
#[derive(Serialize)]
struct OverlapEvidence {
    test_rows: usize,
    fraction: f64,
}

/// The evidence of `schema_mismatch`.
#[derive(Serialize)]
struct SchemaEvidence<'a> {
    missing_from_test: Vec<&'a str>,
    only_in_test: Vec<&'a str>,
    /// Per categorical column with unseen test categories, the share of test rows holding one
    /// (an object, in the train columns' order).
    #[serde(serialize_with = "crate::finding::as_object")]
    unseen_category_fraction: Vec<(String, f64)>,
}
