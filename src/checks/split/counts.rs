//! `encoded_with_test_rows`: a count or frequency encoding of a category whose values are the
//! category's counts over the training and test rows together, not over the training rows
//! alone: the encoder saw the test data. A mild leak (the test rows' statistics inform the
//! features the model trains on): `medium`, with the evidence. Standardisation fitted on all
//! rows is not worth a finding and is not looked for.

use serde::Serialize;
use std::collections::HashMap;

use super::SplitContext;
use crate::checks::{About, Check, Stage};
use crate::data::{ColumnType, Dataset, Values, MISSING_CODE};
use crate::error::Result;
use crate::finding::{r4, Finding, FindingKind, Severity};
use crate::split::{SplitInfo, SplitMode};

/// Every level but a rounding few (this share) matches the counts over train and test together.
/// An encoder's arithmetic is exact: the slack is for rounding, not a detection tolerance.
const MATCHING_LEVELS: f64 = 0.95;

/// Levels an encoding needs before a match means anything.
/// A sample-size guard, not a threshold.
const MIN_LEVELS: usize = 3;

/// Count of each level's text over a dataset's categorical column `name`.
fn counts(ds: &Dataset, name: &str) -> Option<HashMap<String, f64>> {
    let c = ds.features.iter().find(|c| c.name == name)?;
    let Values::Categorical { codes, levels } = &c.values else {
        return None;
    };
    let mut out: HashMap<String, f64> = HashMap::new();
    for &code in codes.iter().filter(|&&c| c != MISSING_CODE) {
        *out.entry(levels[code as usize].clone()).or_default() += 1.0;
    }
    Some(out)
}

/// The value of numeric feature `f` on each level of categorical `c` in `ds`, if `f` is a
/// function of `c` there.
fn per_level(ds: &Dataset, f: usize, c: usize) -> Option<HashMap<String, f64>> {
    let (Values::Numeric(v), Values::Categorical { codes, levels }) =
        (&ds.features[f].values, &ds.features[c].values)
    else {
        return None;
    };
    let mut out: HashMap<String, f64> = HashMap::new();
    for (r, &code) in codes.iter().enumerate() {
        if code == MISSING_CODE || v.is_nan(r) {
            continue;
        }
        let level = &levels[code as usize];
        match out.get(level) {
            Some(&x) if x != v.get(r) => return None,
            Some(_) => {}
            None => {
                out.insert(level.clone(), v.get(r));
            }
        }
    }
    Some(out)
}

/// A count or frequency encoding computed over the training and test rows together.
pub struct EncodedWithTestRows;

impl Check for EncodedWithTestRows {
    fn about(&self) -> About {
        About {
            name: "encoded with the test rows",
            stage: Stage::Split,
            kinds: &[FindingKind::EncodedWithTestRows],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn split(&self, ctx: &SplitContext, _info: &mut SplitInfo) -> Result<Vec<Finding>> {
        Ok(check(ctx))
    }
}

/// Run the check (two files only: the encoder's rows are the files' rows).
fn check(ctx: &SplitContext) -> Vec<Finding> {
    if ctx.mode != SplitMode::Files {
        return Vec::new();
    }
    let (train, test) = (ctx.train, ctx.test);
    let (n_train, n_all) = (train.rows() as f64, (train.rows() + test.rows()) as f64);
    let mut out = Vec::new();
    for (c, col) in train.features.iter().enumerate() {
        if col.ty != ColumnType::Categorical {
            continue;
        }
        let (Some(tr), Some(te)) = (counts(train, &col.name), counts(test, &col.name)) else {
            continue;
        };
        for (f, feat) in train.features.iter().enumerate() {
            if feat.ty != ColumnType::Numeric {
                continue;
            }
            let Some(value) = per_level(train, f, c) else {
                continue;
            };
            if value.len() < MIN_LEVELS {
                continue;
            }
            let both =
                |l: &str| tr.get(l).copied().unwrap_or(0.0) + te.get(l).copied().unwrap_or(0.0);
            let matches = |expected: &dyn Fn(&str) -> f64| {
                value
                    .iter()
                    .filter(|(l, &v)| (v - expected(l)).abs() <= 1e-9 * (1.0 + v.abs()))
                    .count()
            };
            let alone = |l: &str| tr.get(l).copied().unwrap_or(0.0);
            let levels = value.len();
            let kinds: [(&str, usize, usize); 2] = [
                ("count", matches(&both), matches(&alone)),
                (
                    "frequency",
                    matches(&|l: &str| both(l) / n_all),
                    matches(&|l: &str| alone(l) / n_train),
                ),
            ];
            for (kind, with_test, train_only) in kinds {
                // Every level (but a rounding few) matches the counts with the test rows, and
                // the training-only counts would not.
                if (with_test as f64) >= MATCHING_LEVELS * levels as f64
                    && train_only < with_test / 2
                {
                    let name = &feat.name;
                    out.push(Finding::new(
                        Some(name),
                        FindingKind::EncodedWithTestRows,
                        Severity::Medium,
                        format!(
                            "'{name}' is a {kind} encoding of '{}' computed over the training and test rows together ({with_test} of {levels} levels match those counts, {train_only} the training rows' alone): the encoder saw the test data. Fit it on the training rows only.",
                            col.name
                        ),
                        Evidence {
                            encoding: kind.to_string(),
                            category: col.name.clone(),
                            levels,
                            levels_matching_train_and_test: with_test,
                            levels_matching_train_only: train_only,
                            share_matching: r4(with_test as f64 / levels as f64),
                        },
                    ));
                    break;
                }
            }
        }
    }
    out
}

/// The evidence of `encoded_with_test_rows`.
#[derive(Serialize)]
struct Evidence {
    /// "count" or "frequency".
    encoding: String,
    /// The categorical column encoded.
    category: String,
    levels: usize,
    /// Levels whose value matches the counts over train and test together.
    levels_matching_train_and_test: usize,
    /// Levels whose value matches the training rows' counts.
    levels_matching_train_only: usize,
    share_matching: f64,
}
