//! `train_test_duplicates`: test rows that repeat a training row exactly (on all features, and
//! on features + target) or nearly (numbers equal after rounding to a fraction of the column's
//! standard deviation, categories equal); and duplicates within the training data, which
//! inflate cross-validation. Hash-based, linear time.

use serde::Serialize;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use crate::data::keys::KeyMap;
use crate::data::sample::splitmix64;

use super::RowContext;
use crate::checks::{About, Check, Stage};
use crate::data::{Dataset, Target, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::split::exact::{DuplicateCounts, ExactStatistics};
use crate::split::{SplitInfo, SplitMode};

/// Exact repeats across the split are `high` from this share of the test rows, `medium` from
/// [`MEDIUM_SHARE`] (or this share of near repeats). Not settings: a test set that repeats one
/// row in twenty of its rows is contaminated whatever the table; the counts are in the evidence.
const HIGH_SHARE: f64 = 0.05;
const MEDIUM_SHARE: f64 = 0.01;
/// Repeats within the training data are `medium` from this share.
const TRAIN_REPEAT_SHARE: f64 = 0.05;
/// Fewer distinct training rows than this share of the rows: the feature space is small and
/// repeats are expected (a table of a few categorical columns), so they are `low`.
const DISCRETE_SHARE: f64 = 0.5;
/// Random oversampling before the split: at least [`OVERSAMPLED_MIN_ROWS`] repeated test rows,
/// this share of them in one class...
const OVERSAMPLED_CLASS_SHARE: f64 = 0.9;
/// ... that is not a majority: balancing makes the minority up to half the rows, a class far
/// above that is the majority.
const OVERSAMPLED_MAX_CLASS_SHARE: f64 = 0.6;
/// Fewer repeats say nothing about where they concentrate.
const OVERSAMPLED_MIN_ROWS: usize = 10;

/// Rows shown in evidence, at most.
/// What the evidence shows, not a threshold.
const SAMPLE: usize = 10;

/// Row hash to the first row that has it. The keys are hashes already: the map mixes them
/// cheaply ([`KeyMap`]) instead of hashing them again with SipHash.
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

/// Mixes one value into a row hash: a bijection of `h ^ v`, so two rows that differ in a single
/// value never collide, and otherwise collide only by chance (one in 2^64).
pub(crate) fn mix(h: u64, v: u64) -> u64 {
    splitmix64(h ^ v)
}

/// A missing value: mixed in by another path than any value's bits, so it matches a value only by
/// chance (one in 2^64), not whenever a value's bits are all ones as when it was hashed as one.
pub(crate) fn mix_missing(h: u64) -> u64 {
    splitmix64(h.rotate_left(29) ^ 0x6D69_7373_696E_6700)
}

/// The hash of a text (a category level, a class), the same in both files whatever the codes.
pub(crate) fn text_hash(t: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// What a row hash reads from one column: its values, and a categorical column's level hashes
/// computed once (a row then costs a lookup, not a hash of its text).
enum Source<'a> {
    Numbers(&'a crate::data::Numbers, f64),
    Levels(&'a [u32], Vec<u64>),
}

impl Source<'_> {
    fn mix_into(&self, h: u64, r: usize) -> u64 {
        match self {
            Source::Numbers(v, step) => {
                let x = v.get(r);
                if x.is_nan() {
                    mix_missing(h)
                } else if *step > 0.0 {
                    mix(h, ((x / step).round() as i64) as u64)
                } else {
                    mix(h, (x + 0.0).to_bits())
                }
            }
            Source::Levels(codes, hashes) => match codes[r] {
                crate::data::MISSING_CODE => mix_missing(h),
                c => mix(h, hashes[c as usize]),
            },
        }
    }
}

/// Row hashes of every row over `cols` (numbers rounded to `steps`, 0 = exact), in parallel.
fn row_hashes(ds: &Dataset, cols: &[usize], steps: &[f64]) -> Vec<u64> {
    use rayon::prelude::*;
    let sources: Vec<Source> = cols
        .iter()
        .zip(steps)
        .map(|(&c, &step)| match &ds.features[c].values {
            Values::Numeric(v) => Source::Numbers(v, step),
            Values::Categorical { codes, levels } => {
                Source::Levels(codes, levels.iter().map(|l| text_hash(l)).collect())
            }
        })
        .collect();
    (0..ds.rows())
        .into_par_iter()
        .with_min_len(1024)
        .map(|r| sources.iter().fold(0, |h, s| s.mix_into(h, r)))
        .collect()
}

/// Row hashes extended by each row's target.
fn with_target(ds: &Dataset, hashes: &[u64]) -> Vec<u64> {
    match &ds.target {
        Target::Classes { y, classes } => {
            let class: Vec<u64> = classes.iter().map(|c| text_hash(c)).collect();
            hashes
                .iter()
                .zip(y)
                .map(|(&h, &c)| mix(h.rotate_left(7), class[c as usize]))
                .collect()
        }
        Target::Values(v) => hashes
            .iter()
            .zip(v)
            .map(|(&h, &t)| mix(h.rotate_left(7), t.to_bits()))
            .collect(),
    }
}

struct Matches {
    test_rows: usize,
    sample: Vec<(usize, usize)>,
    /// Matched test rows per class (classification).
    by_class: std::collections::BTreeMap<String, usize>,
}

/// The features both sides have (matched by name), as (train, test) column indices in training
/// order.
fn shared_columns(train: &Dataset, test: &Dataset) -> (Vec<usize>, Vec<usize>) {
    train
        .features
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let j = test.features.iter().position(|t| t.name == c.name)?;
            Some((i, j))
        })
        .unzip()
}

/// Row hashes of both sides over their shared features, numbers rounded to `tolerance` times
/// the training column's standard deviation (0: exact).
fn side_hashes(train: &Dataset, test: &Dataset, tolerance: f64) -> (Vec<u64>, Vec<u64>) {
    let (tr_cols, te_cols) = shared_columns(train, test);
    let st = steps(train, tolerance);
    let tr_steps: Vec<f64> = tr_cols.iter().map(|&c| st[c]).collect();
    rayon::join(
        || row_hashes(train, &tr_cols, &tr_steps),
        || row_hashes(test, &te_cols, &tr_steps),
    )
}

/// Test rows that repeat a training row (exactly when `tolerance` is 0), in linear time.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn count_matches(train: &Dataset, test: &Dataset, tolerance: f64) -> usize {
    let (tr, te) = side_hashes(train, test, tolerance);
    matches_between(&tr, &te, test).test_rows
}

/// Test rows whose hash a training row has: how many, the first pairs (first training row of
/// the hash, test row), and per class.
fn matches_between(train: &[u64], test_hashes: &[u64], test: &Dataset) -> Matches {
    let mut seen: RowMap = RowMap::with_capacity_and_hasher(train.len(), Default::default());
    for (r, &h) in train.iter().enumerate() {
        seen.entry(h).or_insert(r);
    }
    let mut m = Matches {
        test_rows: 0,
        sample: Vec::new(),
        by_class: Default::default(),
    };
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

/// Rows that repeat an earlier row (by their hashes over every feature), distinct rows, and
/// the first pairs.
fn within(hashes: &[u64]) -> (usize, usize, Vec<(usize, usize)>) {
    let mut seen: RowMap = RowMap::with_capacity_and_hasher(hashes.len(), Default::default());
    let mut dup = 0;
    let mut sample = Vec::new();
    for (r, &h) in hashes.iter().enumerate() {
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

/// The class (not a clear majority) that holds 90% or more of the exactly repeated test rows
/// (at least 10 of them), and its share of them.
fn oversampling(sides: &ExactStatistics, classes: bool) -> Option<(String, f64)> {
    let d = &sides.duplicates;
    if !classes || d.exact_test_rows < OVERSAMPLED_MIN_ROWS {
        return None;
    }
    let (class, &count) = d.exact_test_rows_by_class.iter().max_by_key(|e| *e.1)?;
    let share = count as f64 / d.exact_test_rows as f64;
    let class_rows = sides.test_rows_by_class.get(class).copied().unwrap_or(0);
    let class_share = class_rows as f64 / sides.test_rows.max(1) as f64;
    // Balancing makes the minority up to half the rows; a class far above that is the majority.
    (share >= OVERSAMPLED_CLASS_SHARE && class_share <= OVERSAMPLED_MAX_CLASS_SHARE)
        .then(|| (class.clone(), share))
}

/// Test rows per class of a loaded side (empty for a regression).
pub(crate) fn rows_by_class(ds: &Dataset) -> BTreeMap<String, usize> {
    let Target::Classes { y, classes } = &ds.target else {
        return BTreeMap::new();
    };
    let mut counts = vec![0usize; classes.len()];
    for &c in y {
        counts[c as usize] += 1;
    }
    classes
        .iter()
        .cloned()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The check's statistics over the loaded sides: two hash passes (exact, and rounded to the
/// tolerance) serve four counts: the exact hashes extended by the target, and, when the
/// training rows were hashed over all their features (both sides share them all, as in an own
/// split), the repeats within the training data.
pub(crate) fn statistics(ctx: &RowContext) -> DuplicateCounts {
    let ((tr_exact, te_exact), (tr_near, te_near)) = rayon::join(
        || side_hashes(ctx.train, ctx.test, 0.0),
        || side_hashes(ctx.train, ctx.test, ctx.settings.dup_tolerance),
    );
    let exact = matches_between(&tr_exact, &te_exact, ctx.test);
    let exact_target = matches_between(
        &with_target(ctx.train, &tr_exact),
        &with_target(ctx.test, &te_exact),
        ctx.test,
    );
    let near = matches_between(&tr_near, &te_near, ctx.test);
    let every_feature = shared_columns(ctx.train, ctx.test).0.len() == ctx.train.features.len();
    let (dup_train, distinct_train, within_sample) = if every_feature {
        within(&tr_exact)
    } else {
        let all: Vec<usize> = (0..ctx.train.features.len()).collect();
        within(&row_hashes(ctx.train, &all, &vec![0.0; all.len()]))
    };
    // 1-based data row numbers in the file(s) the rows came from.
    let lines = |s: &[(usize, usize)], second: &[usize]| -> Vec<[usize; 2]> {
        s.iter()
            .map(|&(a, b)| [ctx.train_index[a] + 1, second[b] + 1])
            .collect()
    };
    DuplicateCounts {
        exact_test_rows: exact.test_rows,
        exact_with_target_rows: exact_target.test_rows,
        near_test_rows: near.test_rows,
        within_train_rows: dup_train,
        distinct_train_rows: distinct_train,
        sample_rows_train_test: lines(&exact.sample, ctx.test_index),
        sample_rows_within_train: lines(&within_sample, ctx.train_index),
        exact_test_rows_by_class: exact.by_class,
    }
}

/// The same or near-same rows on both sides of the split.
pub struct Duplicates;

impl Check for Duplicates {
    fn about(&self) -> About {
        About {
            name: "train/test duplicates",
            stage: Stage::Rows,
            kinds: &[FindingKind::TrainTestDuplicates],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn rows(&self, ctx: &RowContext, info: &mut SplitInfo) -> Vec<Finding> {
        check(ctx, info)
    }
}

/// Run the check: on the exact counts an engine brought over every row, else on the
/// statistics of the loaded sides.
fn check(ctx: &RowContext, info: &mut SplitInfo) -> Vec<Finding> {
    let counted;
    let stats = match ctx.exact {
        Some(e) => e,
        None => {
            counted = ExactStatistics {
                engine: "in-memory".into(),
                train_rows: ctx.train.rows(),
                test_rows: ctx.test.rows(),
                test_rows_by_class: rows_by_class(ctx.test),
                duplicates: statistics(ctx),
                ..Default::default()
            };
            &counted
        }
    };
    let classes = matches!(ctx.test.target, Target::Classes { .. });
    decide(stats, (ctx.mode, classes), ctx.settings.dup_tolerance, info)
}

/// The decision over the counts.
fn decide(
    stats: &ExactStatistics,
    (mode, classes): (SplitMode, bool),
    tolerance: f64,
    info: &mut SplitInfo,
) -> Vec<Finding> {
    let d = &stats.duplicates;
    let mut out = Vec::new();
    let n_test = stats.test_rows.max(1) as f64;
    info.duplicate_test_rows = d.exact_test_rows;
    info.duplicate_train_rows = d.within_train_rows;
    // When most rows repeat anyway, the feature space is small and duplicates are expected.
    let discrete = (d.distinct_train_rows as f64) < DISCRETE_SHARE * stats.train_rows as f64;
    let (what_train, what_test) = match mode {
        SplitMode::Own => ("rows", "rows of leakhound's own 20% holdout"),
        _ => ("training rows", "test rows"),
    };
    // Duplicates that concentrate in a minority class are the trace of random oversampling
    // (copying minority rows) before the split.
    let oversampled = oversampling(stats, classes);
    if d.near_test_rows > 0 {
        let frac = d.exact_test_rows as f64 / n_test;
        let near_frac = d.near_test_rows as f64 / n_test;
        let severity = if discrete {
            Severity::Low
        } else if frac >= HIGH_SHARE {
            Severity::High
        } else if frac >= MEDIUM_SHARE || near_frac >= HIGH_SHARE {
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
                d.exact_test_rows,
                d.exact_with_target_rows,
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
            Evidence {
                exact_test_rows: d.exact_test_rows,
                exact_fraction: r4(frac),
                exact_with_target_rows: d.exact_with_target_rows,
                near_test_rows: d.near_test_rows,
                near_fraction: r4(near_frac),
                tolerance_sd_fraction: tolerance,
                sample_rows_train_test: d.sample_rows_train_test.clone(),
                discrete_feature_space: discrete,
                duplicated_test_rows_by_class: oversampled
                    .as_ref()
                    .map(|_| d.exact_test_rows_by_class.clone()),
                oversampled_class: oversampled.as_ref().map(|(class, _)| class.clone()),
            },
        ));
    }
    let dup_train = d.within_train_rows;
    if dup_train > 0 && mode != SplitMode::Own {
        let frac = dup_train as f64 / stats.train_rows.max(1) as f64;
        out.push(Finding::new(
            None,
            FindingKind::TrainTestDuplicates,
            if frac >= TRAIN_REPEAT_SHARE && !discrete { Severity::Medium } else { Severity::Low },
            format!("{} of the training rows ({dup_train}) repeat another training row; duplicates inflate cross-validation scores.", pct(frac)),
            WithinTrainEvidence {
                within_train_rows: dup_train,
                fraction: r4(frac),
                sample_rows: d.sample_rows_within_train.clone(),
                discrete_feature_space: discrete,
            },
        ));
    }
    out
}

/// The evidence of `train_test_duplicates` across the split.
#[derive(Serialize)]
struct Evidence {
    exact_test_rows: usize,
    exact_fraction: f64,
    /// Exact repeats that carry the same target too.
    exact_with_target_rows: usize,
    near_test_rows: usize,
    near_fraction: f64,
    tolerance_sd_fraction: f64,
    /// (train row, test row) pairs, 1-based data rows.
    sample_rows_train_test: Vec<[usize; 2]>,
    /// Few distinct rows for the table's size: repeats are expected.
    discrete_feature_space: bool,
    /// When one class's rows were duplicated (oversampling by copying): repeats per class.
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicated_test_rows_by_class: Option<std::collections::BTreeMap<String, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oversampled_class: Option<String>,
}

/// The evidence of `train_test_duplicates` within the training data.
#[derive(Serialize)]
struct WithinTrainEvidence {
    within_train_rows: usize,
    fraction: f64,
    /// (row, the row it repeats), 1-based data rows.
    sample_rows: Vec<[usize; 2]>,
    discrete_feature_space: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{read_delimited_bytes, ReadOptions, Roles};

    /// A dataset of `csv`, padded with rows of its own (an audit needs ten rows).
    fn dataset(csv: &str, pad: &str) -> Dataset {
        let mut csv = csv.to_string();
        for i in 0..5 {
            csv.push_str(&pad.replace('#', &i.to_string()));
        }
        let frame = read_delimited_bytes(csv.as_bytes(), "t.csv", false, &ReadOptions::default())
            .expect("csv");
        let roles = Roles {
            target: "y".into(),
            ..Default::default()
        };
        Dataset::from_frame(frame, &roles).expect("dataset")
    }

    /// Rows match on their values whatever the files' codes and column order, a missing value
    /// matches only a missing value (not a number that rounds to -1 step), and the target
    /// extends the hash.
    #[test]
    fn row_hashes_match_values_not_codes() {
        let train = dataset(
            "a,c,y\n1.5,x,p\n-0.001,y,q\n,x,p\n2.5,z,q\n3.5,x,p\n4.5,y,p\n",
            "1#.25,w,p\n",
        );
        // The test file lists its levels in another order and its columns the other way round.
        let test = dataset(
            "c,a,y\nz,2.5,p\ny,,q\nx,1.5,p\nx,,p\ny,-0.001,q\n",
            "w,2#.75,q\n",
        );
        let (tr, te) = side_hashes(&train, &test, 0.0);
        let exact = matches_between(&tr, &te, &test);
        // 2.5/z (target differs), 1.5/x, missing/x, -0.001/y; not missing/y.
        assert_eq!(exact.test_rows, 4);
        assert_eq!(exact.sample, vec![(3, 0), (0, 2), (2, 3), (1, 4)]);
        let with = matches_between(&with_target(&train, &tr), &with_target(&test, &te), &test);
        assert_eq!(with.test_rows, 3);
        // Rounded to a step of 0.001, -0.001 is -1 step (whose bits, as a hashed i64, are
        // u64::MAX), and a missing value still does not match it.
        let tolerance = 0.001 / steps(&train, 1.0)[0];
        assert_eq!((-0.001 / steps(&train, tolerance)[0]).round(), -1.0);
        let (tr, te) = side_hashes(&train, &test, tolerance);
        let near = matches_between(&tr, &te, &test);
        assert_eq!(near.test_rows, 4);
        let (dup, distinct, _) = within(&row_hashes(&train, &[0, 1], &[0.0, 0.0]));
        assert_eq!((dup, distinct), (0, 11));
    }
}
