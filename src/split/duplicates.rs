//! `train_test_duplicates`: test rows that repeat a training row exactly (on all features, and
//! on features + target) or nearly (numbers equal after rounding to a fraction of the column's
//! standard deviation, categories equal); and duplicates within the training data, which
//! inflate cross-validation. Hash-based, linear time.

use std::hash::{Hash, Hasher};

use crate::data::keys::KeyMap;

use serde_json::json;

use super::{RowContext, SplitInfo, SplitMode};
use crate::data::{Dataset, Target, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};

/// Rows shown in evidence, at most.
const SAMPLE: usize = 10;

/// Row hash to the first row that has it. The keys are hashes already: the map mixes them with
/// one multiplication instead of hashing them again (the same map, faster).
type RowMap = KeyMap<u64, usize>;

/// Per-column rounding steps (0 = exact).
fn steps(ds: &Dataset, tolerance: f64) -> Vec<f64> {
    ds.features
        .iter()
        .map(|c| match &c.values {
            Values::Numeric(v) if tolerance > 0.0 => {
                let present: Vec<f64> = v.iter().filter(|x| !x.is_nan()).collect();
                let n = present.len().max(1) as f64;
                let mean = present.iter().sum::<f64>() / n;
                let sd = (present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
                tolerance * sd
            }
            _ => 0.0,
        })
        .collect()
}

/// Row hashes of every row, computed in parallel (each depends on its row only).
fn row_hashes(ds: &Dataset, cols: &[usize], steps: &[f64], with_target: bool) -> Vec<u64> {
    use rayon::prelude::*;
    (0..ds.rows())
        .into_par_iter()
        .map(|r| row_hash(ds, cols, steps, r, with_target))
        .collect()
}

/// Hash of row `r` over the features named in `names` (matched by name), optionally with the target.
fn row_hash(ds: &Dataset, cols: &[usize], steps: &[f64], r: usize, with_target: bool) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (&c, &step) in cols.iter().zip(steps) {
        let col = &ds.features[c];
        match &col.values {
            Values::Numeric(v) => {
                let x = v.get(r);
                if x.is_nan() {
                    u64::MAX.hash(&mut h);
                } else if step > 0.0 {
                    ((x / step).round() as i64).hash(&mut h);
                } else {
                    (x + 0.0).to_bits().hash(&mut h);
                }
            }
            // The level's text (as `Column::text` gives it), hashed without a copy.
            Values::Categorical { codes, levels } => levels
                .get(codes[r] as usize)
                .filter(|_| codes[r] != crate::data::MISSING_CODE)
                .map(String::as_str)
                .hash(&mut h),
        }
    }
    if with_target {
        match &ds.target {
            Target::Classes { y, classes } => classes[y[r] as usize].hash(&mut h),
            Target::Values(v) => v[r].to_bits().hash(&mut h),
        }
    }
    h.finish()
}

struct Matches {
    test_rows: usize,
    sample: Vec<(usize, usize)>,
    /// Matched test rows per class (classification).
    by_class: std::collections::BTreeMap<String, usize>,
}

fn matches(ctx: &RowContext, tolerance: f64, with_target: bool) -> Matches {
    matches_between(ctx.train, ctx.test, tolerance, with_target)
}

/// Test rows that repeat a training row (exactly when `tolerance` is 0), in linear time.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn count_matches(train: &Dataset, test: &Dataset, tolerance: f64) -> usize {
    matches_between(train, test, tolerance, false).test_rows
}

fn matches_between(train: &Dataset, test: &Dataset, tolerance: f64, with_target: bool) -> Matches {
    let names: Vec<&str> = train
        .features
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| test.features.iter().any(|t| t.name == *n))
        .collect();
    let tr_cols: Vec<usize> = names
        .iter()
        .filter_map(|n| train.features.iter().position(|c| c.name == *n))
        .collect();
    let te_cols: Vec<usize> = names
        .iter()
        .filter_map(|n| test.features.iter().position(|c| c.name == *n))
        .collect();
    let st = steps(train, tolerance);
    let tr_steps: Vec<f64> = tr_cols.iter().map(|&c| st[c]).collect();
    let mut seen: RowMap = RowMap::with_capacity_and_hasher(train.rows(), Default::default());
    for (r, h) in row_hashes(train, &tr_cols, &tr_steps, with_target)
        .into_iter()
        .enumerate()
    {
        seen.entry(h).or_insert(r);
    }
    let mut m = Matches {
        test_rows: 0,
        sample: Vec::new(),
        by_class: Default::default(),
    };
    let test_hashes = row_hashes(test, &te_cols, &tr_steps, with_target);
    for (r, h) in test_hashes.iter().enumerate() {
        if let Some(&t) = seen.get(h) {
            m.test_rows += 1;
            if let Target::Classes { y, classes } = &test.target {
                *m.by_class
                    .entry(classes[y[r] as usize].clone())
                    .or_default() += 1;
            }
            if m.sample.len() < SAMPLE {
                m.sample.push((t, r));
            }
        }
    }
    m
}

/// Rows of the training data that repeat an earlier training row, and distinct rows.
fn within(ds: &Dataset) -> (usize, usize, Vec<(usize, usize)>) {
    let cols: Vec<usize> = (0..ds.features.len()).collect();
    let steps = vec![0.0; cols.len()];
    let mut seen: RowMap = RowMap::with_capacity_and_hasher(ds.rows(), Default::default());
    let mut dup = 0;
    let mut sample = Vec::new();
    for (r, h) in row_hashes(ds, &cols, &steps, false).into_iter().enumerate() {
        match seen.get(&h) {
            Some(&first) => {
                dup += 1;
                if sample.len() < SAMPLE {
                    sample.push((first, r));
                }
            }
            None => {
                seen.insert(h, r);
            }
        }
    }
    (dup, seen.len(), sample)
}

/// The class (not a clear majority) that holds 90% or more of the exactly repeated test rows (at least 10 of
/// them), and its share of them.
fn oversampling(ctx: &RowContext, exact: &Matches) -> Option<(String, f64)> {
    let Target::Classes { y, classes } = &ctx.test.target else {
        return None;
    };
    if exact.test_rows < 10 {
        return None;
    }
    let (class, &count) = exact.by_class.iter().max_by_key(|e| *e.1)?;
    let share = count as f64 / exact.test_rows as f64;
    let index = classes.iter().position(|c| c == class)? as u32;
    let class_share = y.iter().filter(|&&v| v == index).count() as f64 / y.len().max(1) as f64;
    // Balancing makes the minority up to half the rows; a class far above that is the majority.
    (share >= 0.9 && class_share <= 0.6).then(|| (class.clone(), share))
}

/// Run the check.
pub fn check(ctx: &RowContext, info: &mut SplitInfo) -> Vec<Finding> {
    let mut out = Vec::new();
    let n_test = ctx.test.rows().max(1) as f64;
    // Four independent passes, side by side.
    let ((exact, exact_target), (near, (dup_train, distinct_train, within_sample))) = rayon::join(
        || rayon::join(|| matches(ctx, 0.0, false), || matches(ctx, 0.0, true)),
        || {
            rayon::join(
                || matches(ctx, ctx.settings.dup_tolerance, false),
                || within(ctx.train),
            )
        },
    );
    info.duplicate_test_rows = exact.test_rows;
    info.duplicate_train_rows = dup_train;
    // When most rows repeat anyway, the feature space is small and duplicates are expected.
    let discrete = (distinct_train as f64) < 0.5 * ctx.train.rows() as f64;
    // 1-based data row numbers in the file(s) the rows came from.
    let lines = |s: &[(usize, usize)], second_is_test: bool| -> Vec<[usize; 2]> {
        let second = if second_is_test {
            ctx.test_index
        } else {
            ctx.train_index
        };
        s.iter()
            .map(|&(a, b)| [ctx.train_index[a] + 1, second[b] + 1])
            .collect()
    };
    let (what_train, what_test) = match ctx.mode {
        SplitMode::Own => ("rows", "rows of leakhound's own 20% holdout"),
        _ => ("training rows", "test rows"),
    };
    // Duplicates that concentrate in a minority class are the trace of random oversampling
    // (copying minority rows) before the split.
    let oversampled = oversampling(ctx, &exact);
    if near.test_rows > 0 {
        let frac = exact.test_rows as f64 / n_test;
        let near_frac = near.test_rows as f64 / n_test;
        let severity = if discrete {
            Severity::Low
        } else if frac >= 0.05 {
            Severity::High
        } else if frac >= 0.01 || near_frac >= 0.05 {
            Severity::Medium
        } else {
            Severity::Low
        };
        out.push(Finding::new(
            None,
            FindingKind::TrainTestDuplicates,
            severity,
            format!(
                "{} of {what_test} ({} rows) exactly repeat one of the {what_train} ({} also with the same target), and {} nearly do; a model scored on them is scored on what it memorised{}{}.",
                pct(frac),
                exact.test_rows,
                exact_target.test_rows,
                pct(near_frac),
                if discrete { " (the feature space is small, so some repeats are expected)" } else { "" },
                match &oversampled {
                    Some((class, share)) => format!(
                        ". {} of the repeated rows are of the minority class '{class}': the trace of oversampling (copying minority rows) before the split; oversample inside each training fold instead",
                        pct(*share)
                    ),
                    None => String::new(),
                }
            ),
            json!({
                "exact_test_rows": exact.test_rows,
                "exact_fraction": r4(frac),
                "exact_with_target_rows": exact_target.test_rows,
                "near_test_rows": near.test_rows,
                "near_fraction": r4(near_frac),
                "tolerance_sd_fraction": ctx.settings.dup_tolerance,
                "sample_rows_train_test": lines(&exact.sample, true),
                "discrete_feature_space": discrete,
            }),
        ));
        if let (Some((class, _)), Some(f)) = (&oversampled, out.last_mut()) {
            f.evidence.insert(
                "duplicated_test_rows_by_class".into(),
                json!(exact.by_class),
            );
            f.evidence.insert("oversampled_class".into(), json!(class));
        }
    }
    if dup_train > 0 && ctx.mode != SplitMode::Own {
        let frac = dup_train as f64 / ctx.train.rows() as f64;
        out.push(Finding::new(
            None,
            FindingKind::TrainTestDuplicates,
            if frac >= 0.05 && !discrete { Severity::Medium } else { Severity::Low },
            format!("{} of the training rows ({dup_train}) repeat another training row; duplicates inflate cross-validation scores.", pct(frac)),
            json!({ "within_train_rows": dup_train, "fraction": r4(frac), "sample_rows": lines(&within_sample, false), "discrete_feature_space": discrete }),
        ));
    }
    out
}
