//! `target_encoding`: a numeric feature that is a target encoding computed on the rows it
//! encodes, a leak made by the preparation pipeline rather than by a column's meaning.
//!
//! - **In-sample mean encoding**: each level of a category (the raw category column when it is
//!   present, else the feature's own values) carries the (smoothed) mean target of its rows,
//!   each row's own target included: per level `v = (S + m·p) / (n + m)` for one `m >= 0`, to
//!   rounding precision. No legitimate feature reproduces every level's mean exactly.
//! - **Leave-one-out encoding**: within a level the feature moves exactly linearly with the row's
//!   own target, with a negative slope, `v_i = (S - y_i + m·p) / (n - 1 + m)`. Without the
//!   category column, for a class target every exact value of the feature then holds one class
//!   only, over many values: the value is a lookup table of the label.
//!
//! Graded by measured inflation: the feature's power against the power of the same encoding
//! computed out of fold (K-fold, the fix). Any exact identity is `high`; an inflation of 0.1 or
//! more (leave-one-out: near-perfect in sample, modest out of fold) is `critical`.

use super::{About, Check, Context, Stage};
use crate::data::keys::KeyMap;
use crate::data::{ColumnType, Dataset, Values, MISSING_CODE};
use crate::finding::{r4, Finding, FindingKind, Picture, PointSeries, Severity};
use crate::importance::counts::{EncodingPlan, FeatureCounts};
use crate::importance::metrics;
use crate::surrogate::BinnedMatrix;
use crate::surrogate::Labels;
use serde::Serialize;

/// Rows a level needs for its mean to be an encoding's value (in-sample means): one row's mean
/// is its own target, trivially. Leave-one-out needs [`LOO_LEVEL_ROWS`]: with two rows each
/// row's value is the other's target. What the identity is tested on, not a tolerance.
const LEVEL_ROWS: f64 = 2.0;
const LOO_LEVEL_ROWS: f64 = 3.0;
/// A value lookup (leave-one-out over exact values) needs [`LOOKUP_MIN_LEVELS`] repeated values,
/// covering this share of the present rows, this share of them pure...
const LOOKUP_COVERAGE: f64 = 0.5;
const LOOKUP_PURE: f64 = 0.75;
const LOOKUP_MIN_LEVELS: usize = 10;
/// ... and this share of the pure values paired with a value 1 / (n - 1) above: the trace of
/// leaving the row out. The pairing is exact arithmetic; the slack is for levels the sample cut.
const LOOKUP_PAIRED: f64 = 0.8;

/// The check.
pub struct TargetEncoding;

/// Share of the (present) rows whose level must obey the identity.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const COVERAGE: f64 = 0.8;
/// Levels (with two rows or more) an identity needs before it means anything.
/// A sample-size guard, not a threshold.
const MIN_LEVELS: usize = 3;
/// Category columns tried as the levels of an encoding, at most (in column order): the search
/// is over numeric features times level columns.
/// A work budget for large tables, not a threshold.
const MAX_LEVEL_COLUMNS: usize = 100;
/// Levels an in-sample identity needs when the encoding was written rounded and is matched to
/// half its last digit.
/// A sample-size guard, not a threshold.
const ROUNDED_MIN_LEVELS: usize = 10;
/// Rows the identities are tested on at most (whole levels are sampled above it).
/// A work budget for large tables, not a threshold.
const MAX_ROWS: usize = 100_000;
/// Levels a level column may have in the sample for an engine to count its levels over every
/// row (its aggregates are one row per level and numeric feature). A work budget, not a
/// threshold: a column with more is judged on the sample.
const MAX_COUNTED_LEVELS: usize = 10_000;
/// Inflation of power (in sample minus out of fold) at which the finding is `critical`.
/// Not a setting: an in-sample encoding is proven by its identity (`high` already); this only
/// decides `critical` when the inflation it causes is material.
const CRITICAL_INFLATION: f64 = 0.1;

/// One target the encoding may be of: the regression target, or one class's indicator, with
/// what every feature's search reads of it (computed once, not per feature).
struct Target {
    y: Vec<f64>,
    /// The class (classification), for the message.
    class: Option<String>,
    /// Mean of `y`: the `p` of the identities.
    mean: f64,
    /// Agreement tolerance ([`tolerance`]).
    tol: f64,
    /// Least and greatest of `y`.
    range: (f64, f64),
    /// Whether `y` is 0/1.
    binary: bool,
}

impl Target {
    fn new(y: Vec<f64>, class: Option<String>) -> Self {
        let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
        let tol = tolerance(&y);
        let range = y
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
                (a.min(t), b.max(t))
            });
        let binary = y.iter().all(|&t| t == 0.0 || t == 1.0);
        Target {
            y,
            class,
            mean,
            tol,
            range,
            binary,
        }
    }
}

fn targets(ctx: &Context) -> Vec<Target> {
    match ctx.labels {
        Labels::Values(v) => vec![Target::new(v.to_vec(), None)],
        Labels::Classes { y, k } => {
            let classes = match &ctx.ds.target {
                crate::data::Target::Classes { classes, .. } => classes.clone(),
                crate::data::Target::Values(_) => Vec::new(),
            };
            // Binary: the encoding of one class is one minus the other's; test class 1 only.
            let which: Vec<u32> = if k == 2 {
                vec![1]
            } else {
                (0..k as u32).collect()
            };
            which
                .into_iter()
                .map(|c| {
                    Target::new(
                        y.iter().map(|&v| f64::from(u8::from(v == c))).collect(),
                        classes.get(c as usize).cloned(),
                    )
                })
                .collect()
        }
    }
}

/// The feature's values (NaN missing), for numeric features.
fn numbers<'a>(ctx: &Context<'a>, f: usize) -> Option<std::borrow::Cow<'a, [f64]>> {
    let c = &ctx.ds.features[f];
    match (&c.values, c.ty) {
        (Values::Numeric(v), ColumnType::Numeric) => Some(v.as_f64()),
        _ => None,
    }
}

/// Agreement tolerance: encodings are written with float precision; a few ulps of the
/// target's scale, plus what a CSV round trip keeps (about 15 significant digits).
fn tolerance(y: &[f64]) -> f64 {
    let scale = y.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
    1e-9 * scale
}

/// The smoothing `m >= 0` under which the levels obey `v = (S + m p) / (n + m)`, if one does:
/// levels holding 80% of the rows must (levels of equal value merge when the feature's own values
/// are the levels; to float precision a legitimate feature matches no level at all). `levels`: (n, S, v) per level.
fn mean_identity(levels: &[(f64, f64, f64)], p: f64, tol: f64) -> Option<f64> {
    let total: f64 = levels.iter().map(|l| l.0).sum();
    let fits = |m: f64| {
        let fitting: f64 = levels
            .iter()
            .filter(|&&(n, s, v)| (v - (s + m * p) / (n + m)).abs() <= tol * (1.0 + v.abs()))
            .map(|l| l.0)
            .sum();
        fitting >= COVERAGE * total
    };
    if fits(0.0) {
        return Some(0.0);
    }
    let estimates = levels
        .iter()
        .filter(|&&(_, _, v)| (v - p).abs() > 1e-6)
        .map(|&(n, s, v)| (s - v * n) / (v - p));
    smoothing(estimates, &fits)
}

/// The median of per-level (or per-row) estimates of the smoothing `m`, if it is a plausible
/// smoothing (0 to a million) under which `fits` holds.
fn smoothing(estimates: impl Iterator<Item = f64>, fits: &dyn Fn(f64) -> bool) -> Option<f64> {
    let mut ms: Vec<f64> = estimates.filter(|m| m.is_finite()).collect();
    if ms.is_empty() {
        return None;
    }
    ms.sort_by(f64::total_cmp);
    let m = ms[ms.len() / 2];
    ((0.0..1e6).contains(&m) && fits(m)).then_some(m)
}

/// Power of a score for the target `y` on the rows `rows`: |2·AUC − 1| for a 0/1 target, the
/// R² of the best line otherwise.
fn power(score: &[f64], y: &[f64], rows: &[usize]) -> f64 {
    let binary = rows.iter().all(|&r| y[r] == 0.0 || y[r] == 1.0);
    if binary {
        let s: Vec<f64> = rows.iter().map(|&r| score[r]).collect();
        let pos: Vec<bool> = rows.iter().map(|&r| y[r] == 1.0).collect();
        (2.0 * metrics::roc_auc(&s, &pos) - 1.0).abs()
    } else {
        let n = rows.len() as f64;
        let (mx, my) = rows
            .iter()
            .fold((0.0, 0.0), |(a, b), &r| (a + score[r] / n, b + y[r] / n));
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for &r in rows {
            let (dx, dy) = (score[r] - mx, y[r] - my);
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if sxx <= 0.0 || syy <= 0.0 {
            0.0
        } else {
            sxy * sxy / (sxx * syy)
        }
    }
}

/// The same encoding computed out of fold: each row gets the smoothed mean target of its level
/// over the other folds (the overall mean when the level has no rows there).
fn out_of_fold(ctx: &Context, level: &[u32], rows: &[usize], y: &[f64], m: f64) -> Vec<f64> {
    let k = ctx.k;
    let mut sum: KeyMap<(u32, u8), (f64, f64)> = KeyMap::default();
    let mut total: Vec<(f64, f64)> = vec![(0.0, 0.0); k];
    for &r in rows {
        let e = sum.entry((level[r], ctx.folds[r])).or_default();
        e.0 += 1.0;
        e.1 += y[r];
        total[ctx.folds[r] as usize].0 += 1.0;
        total[ctx.folds[r] as usize].1 += y[r];
    }
    let (all_n, all_s) = total.iter().fold((0.0, 0.0), |a, t| (a.0 + t.0, a.1 + t.1));
    let mut per_level: KeyMap<u32, (f64, f64)> = KeyMap::default();
    for (&(l, _), &(n, s)) in &sum {
        let e = per_level.entry(l).or_default();
        e.0 += n;
        e.1 += s;
    }
    let mut out = vec![f64::NAN; y.len()];
    for &r in rows {
        let fold = ctx.folds[r];
        let (ln, ls) = per_level[&level[r]];
        let (fn_, fs) = sum[&(level[r], fold)];
        let (n, s) = (ln - fn_, ls - fs);
        let ft = total[fold as usize];
        let p = (all_s - ft.1) / (all_n - ft.0).max(1.0);
        out[r] = if n + m > 0.0 {
            (s + m * p) / (n + m)
        } else {
            p
        };
    }
    out
}

/// What a model seeing the level and the feature gets: each row scored by the mean target, over
/// the other folds, of the rows sharing its level and its exact value (the out-of-fold encoding
/// where no such row exists). For a leave-one-out encoding this lookup is near-perfect.
fn lookup_out_of_fold(
    ctx: &Context,
    level: &[u32],
    v: &[f64],
    rows: &[usize],
    y: &[f64],
    fallback: &[f64],
) -> Vec<f64> {
    let mut acc: KeyMap<(u32, u64, u8), (f64, f64)> = KeyMap::default();
    let mut all: KeyMap<(u32, u64), (f64, f64)> = KeyMap::default();
    for &r in rows {
        let key = (level[r], v[r].to_bits());
        let e = acc.entry((key.0, key.1, ctx.folds[r])).or_default();
        e.0 += 1.0;
        e.1 += y[r];
        let a = all.entry(key).or_default();
        a.0 += 1.0;
        a.1 += y[r];
    }
    let mut out = fallback.to_vec();
    for &r in rows {
        let key = (level[r], v[r].to_bits());
        let (an, as_) = all[&key];
        let (fn_, fs) = acc[&(key.0, key.1, ctx.folds[r])];
        if an - fn_ > 0.0 {
            out[r] = (as_ - fs) / (an - fn_);
        }
    }
    out
}

/// Levels of a grouping column as codes, with `MISSING_CODE` for missing.
fn category_codes(ds: &Dataset, c: usize) -> Option<&[u32]> {
    let col = &ds.features[c];
    match (&col.values, col.ty) {
        (Values::Categorical { codes, .. }, ColumnType::Categorical | ColumnType::Identifier) => {
            Some(codes)
        }
        _ => None,
    }
}

/// Levels of an integer-coded category (a numeric column of whole numbers with few distinct
/// values, each in a bin of its own): its bins. `None` for other columns.
fn integer_levels(ds: &Dataset, x: &BinnedMatrix, c: usize) -> Option<Vec<u32>> {
    let col = &ds.features[c];
    let Values::Numeric(v) = &col.values else {
        return None;
    };
    let edges = &x.edges[c];
    let bins = &x.cols[c];
    // A category repeats: two rows a level on average at least.
    if col.ty != ColumnType::Numeric || edges.len() < MIN_LEVELS || 2 * edges.len() > v.len() {
        return None;
    }
    let mut levels = Vec::with_capacity(v.len());
    for (r, x) in v.iter().enumerate() {
        if x.is_nan() {
            levels.push(MISSING_CODE);
            continue;
        }
        let b = bins[r] as usize;
        // Exact bins only (one value each), and whole numbers: codes, not measurements.
        if x.fract() != 0.0 || b == 0 || edges.get(b - 1) != Some(&x) {
            return None;
        }
        levels.push(b as u32);
    }
    Some(levels)
}

/// The columns an encoding may be of, with their levels' codes: categories, and integer codes
/// of categories (at most [`MAX_LEVEL_COLUMNS`], in column order).
fn level_columns<'a>(
    ds: &'a Dataset,
    x: &BinnedMatrix,
) -> Vec<(usize, std::borrow::Cow<'a, [u32]>)> {
    (0..ds.features.len())
        .filter_map(|c| match category_codes(ds, c) {
            Some(codes) => Some((c, std::borrow::Cow::Borrowed(codes))),
            None => integer_levels(ds, x, c).map(|l| (c, std::borrow::Cow::Owned(l))),
        })
        .take(MAX_LEVEL_COLUMNS)
        .collect()
}

/// What an engine counts over every row for the in-sample identity ([`EncodingPlan`]): the
/// level columns of the sample with at most [`MAX_COUNTED_LEVELS`] levels, and its numeric
/// features.
pub(crate) fn encoding_plan(ds: &Dataset, x: &BinnedMatrix) -> EncodingPlan {
    let level_columns = level_columns(ds, x)
        .into_iter()
        .filter(|(_, codes)| {
            let mut distinct: Vec<u32> = codes
                .iter()
                .copied()
                .filter(|&c| c != MISSING_CODE)
                .collect();
            distinct.sort_unstable();
            distinct.dedup();
            distinct.len() <= MAX_COUNTED_LEVELS
        })
        .map(|(c, _)| ds.features[c].name.clone())
        .collect();
    let numeric = (0..ds.features.len())
        .filter(|&f| {
            let c = &ds.features[f];
            matches!((&c.values, c.ty), (Values::Numeric(_), ColumnType::Numeric))
        })
        .map(|f| ds.features[f].name.clone())
        .collect();
    EncodingPlan {
        level_columns,
        numeric,
    }
}

/// Levels of the feature's own exact values.
/// A hash of each value serves as its level: no table to build on a million rows, and the
/// level sampling (`keep`) sees whole values. Two values sharing a hash merge (rarely), which
/// at worst hides a level.
fn value_codes(v: &[f64]) -> Vec<u32> {
    v.iter()
        .map(|x| {
            if x.is_nan() {
                MISSING_CODE
            } else {
                let h = (crate::data::sample::splitmix64((x + 0.0).to_bits()) >> 32) as u32;
                h.min(MISSING_CODE - 1)
            }
        })
        .collect()
}

/// How the rows of a feature's own values (levels not sampled count as missing) fall into
/// repeated values: what the coverage tests of [`in_sample`] and [`value_lookup`] read, counted
/// without gathering rows.
struct OwnLevels {
    /// Kept rows with a value.
    present: usize,
    /// Values held by two rows or more.
    repeated: usize,
    /// Rows holding such a value.
    covered: usize,
}

impl OwnLevels {
    fn count(level: &[u32]) -> OwnLevels {
        let mut counts: KeyMap<u32, usize> = KeyMap::default();
        let mut present = 0;
        for &l in level {
            if l != MISSING_CODE {
                present += 1;
                *counts.entry(l).or_default() += 1;
            }
        }
        let repeated = counts.values().filter(|&&c| c >= 2).count();
        let covered = counts.values().filter(|&&c| c >= 2).sum();
        OwnLevels {
            present,
            repeated,
            covered,
        }
    }

    /// Whether at least `levels` repeated values covering `coverage` of the rows exist: both
    /// tests fail without them.
    fn may_match(&self, levels: usize, coverage: f64) -> bool {
        self.repeated >= levels && self.covered as f64 >= coverage * self.present as f64
    }

    /// Whether `in_range` rows (from [`in_range`]) can hold the levels obeying the mean identity
    /// in [`in_sample`], which must cover `coverage` of the rows of repeated values: no other row
    /// can obey it.
    fn may_be_means(&self, in_range: usize, coverage: f64) -> bool {
        in_range as f64 >= coverage * self.covered as f64
    }
}

/// Kept rows whose value could be a (smoothed) mean of the target: `(S + m p) / (n + m)` with
/// `m >= 0` lies between the level's mean and the overall mean `p`, so within the target's range.
/// The slack covers the identity's tolerance and the rounding of the sums (far below it). On a
/// class indicator a feature outside [0, 1] (a measurement) fails here without a table of levels.
fn in_range(v: &[f64], level: &[u32], t: &Target) -> usize {
    let ((lo, hi), tol) = (t.range, t.tol);
    v.iter()
        .zip(level)
        .filter(|&(&x, &l)| {
            let slack = 2.0 * tol * (1.0 + x.abs()) + tol;
            l != MISSING_CODE && x >= lo - slack && x <= hi + slack
        })
        .count()
}

/// What a match found.
struct Match {
    mechanism: &'static str,
    m: f64,
    levels: usize,
    rows: Vec<usize>,
}

/// In-sample mean encoding of `level` (the feature constant on each level).
fn in_sample(
    v: &[f64],
    level: &[u32],
    y: &[f64],
    p: f64,
    tol: f64,
    keep: &dyn Fn(u32) -> bool,
    min_levels: usize,
) -> Option<Match> {
    let tested = |r: usize| level[r] != MISSING_CODE && !v[r].is_nan() && keep(level[r]);
    // Per level: rows, target sum, least and greatest value.
    let mut acc: KeyMap<u32, (f64, f64, f64, f64)> = KeyMap::default();
    for r in (0..v.len()).filter(|&r| tested(r)) {
        let e = acc.entry(level[r]).or_insert((0.0, 0.0, v[r], v[r]));
        e.0 += 1.0;
        e.1 += y[r];
        e.2 = e.2.min(v[r]);
        e.3 = e.3.max(v[r]);
        // The feature must be a function of the level: most features fail at once.
        if e.3 - e.2 > tol * (1.0 + e.2.abs()) {
            return None;
        }
    }
    let binary = y.iter().all(|&t| t == 0.0 || t == 1.0);
    let (m, levels) = in_sample_identity(acc.values().copied(), binary, p, tol, min_levels)?;
    // The rows of the repeated levels, in row order, gathered only for a match.
    let rows = (0..v.len())
        .filter(|&r| tested(r) && acc[&level[r]].0 >= LEVEL_ROWS)
        .collect();
    Some(Match {
        mechanism: "in_sample_mean",
        m,
        levels,
        rows,
    })
}

/// The in-sample identity's decision over its statistics, per level `(rows, target sum, least
/// value, greatest value)` of the rows where level and feature are present (a `binary` target
/// is 0/1): the smoothing and the levels it holds on, if the feature is a function of the level
/// and levels with enough rows obey `v = (S + m p) / (n + m)`.
fn in_sample_identity(
    acc: impl Iterator<Item = (f64, f64, f64, f64)>,
    binary: bool,
    p: f64,
    tol: f64,
    min_levels: usize,
) -> Option<(f64, usize)> {
    let acc: Vec<(f64, f64, f64, f64)> = acc.collect();
    // The feature must be a function of the level.
    if acc.iter().any(|e| e.3 - e.2 > tol * (1.0 + e.2.abs())) {
        return None;
    }
    let present: f64 = acc.iter().map(|e| e.0).sum();
    let groups: Vec<&(f64, f64, f64, f64)> = acc.iter().filter(|e| e.0 >= LEVEL_ROWS).collect();
    let covered: f64 = groups.iter().map(|e| e.0).sum();
    if groups.len() < MIN_LEVELS || covered < COVERAGE * present {
        return None;
    }
    // Pure levels of a 0/1 target make "mean = value" trivial (the feature copies the label):
    // that is a near-perfect predictor's business, not an encoding's.
    let informative = groups
        .iter()
        .filter(|e| !binary || (e.1 > 0.0 && e.1 < e.0))
        .count();
    if informative < min_levels {
        return None;
    }
    let levels: Vec<(f64, f64, f64)> = groups.iter().map(|e| (e.0, e.1, e.2)).collect();
    Some((mean_identity(&levels, p, tol)?, groups.len()))
}

/// [`in_sample`] decided on every row's level aggregates, counted by an engine, for target
/// `t` (its index among the encoded targets) of the feature `f` (of values `v` in the sample)
/// by the levels of column `c` (codes `level` in the sample); `None` when the engine did not
/// count that pair. The match's rows are the sample's, for the inflation measured on them.
#[allow(clippy::too_many_arguments)]
fn in_sample_counted(
    counts: &FeatureCounts,
    (feature, column): (&str, &str),
    (t, p, binary): (usize, f64, bool),
    v: &[f64],
    level: &[u32],
    tol: f64,
    min_levels: usize,
) -> Option<Option<Match>> {
    let stats = counts.level_stats(column, feature)?;
    let acc = stats.iter().map(|l| (l.n as f64, l.sums[t], l.min, l.max));
    let Some((m, levels)) = in_sample_identity(acc, binary, p, tol, min_levels) else {
        return Some(None);
    };
    let rows = (0..v.len())
        .filter(|&r| level[r] != MISSING_CODE && !v[r].is_nan())
        .collect();
    Some(Some(Match {
        mechanism: "in_sample_mean",
        m,
        levels,
        rows,
    }))
}

/// Leave-one-out encoding of `level`: within each level `v_i (n - 1 + m) = S - y_i + m p`.
fn leave_one_out(
    v: &[f64],
    level: &[u32],
    y: &[f64],
    p: f64,
    tol: f64,
    keep: &dyn Fn(u32) -> bool,
) -> Option<Match> {
    let mut acc: KeyMap<u32, (f64, f64, Vec<usize>)> = KeyMap::default();
    let mut present = 0usize;
    for r in 0..v.len() {
        if level[r] == MISSING_CODE || v[r].is_nan() || !keep(level[r]) {
            continue;
        }
        present += 1;
        let e = acc.entry(level[r]).or_default();
        // Within a level the value falls as the row's target rises, and equal targets share a
        // value: most features fail at their level's second row.
        if let Some(&first) = e.2.first() {
            let (dy, dv) = (y[r] - y[first], v[r] - v[first]);
            let same = dv.abs() <= tol * (1.0 + v[r].abs());
            if (dy == 0.0 && !same) || (dy != 0.0 && (same || dy * dv > 0.0)) {
                return None;
            }
        }
        e.0 += 1.0;
        e.1 += y[r];
        e.2.push(r);
    }
    let groups: Vec<&(f64, f64, Vec<usize>)> =
        acc.values().filter(|e| e.0 >= LOO_LEVEL_ROWS).collect();
    let covered: usize = groups.iter().map(|e| e.2.len()).sum();
    // The target must vary inside levels, or there is nothing to leave out.
    let varying = groups
        .iter()
        .filter(|e| e.2.iter().any(|&r| y[r] != y[e.2[0]]))
        .count();
    if varying < MIN_LEVELS || (covered as f64) < COVERAGE * present as f64 {
        return None;
    }
    let fits = |m: f64| {
        groups.iter().all(|&&(gn, s, ref rows)| {
            rows.iter().all(|&r| {
                (v[r] - (s - y[r] + m * p) / (gn - 1.0 + m)).abs() <= tol * (1.0 + v[r].abs())
            })
        })
    };
    let m = if fits(0.0) {
        0.0
    } else {
        let estimates = groups.iter().flat_map(|&&(gn, s, ref rows)| {
            rows.iter()
                .filter(|&&r| (v[r] - p).abs() > 1e-6)
                .map(move |&r| (s - y[r] - v[r] * (gn - 1.0)) / (v[r] - p))
        });
        smoothing(estimates, &fits)?
    };
    Some(Match {
        mechanism: "leave_one_out",
        m,
        levels: groups.len(),
        rows: groups.iter().flat_map(|e| e.2.iter().copied()).collect(),
    })
}

/// Without the category, for a class target: many exact values, most held by rows of one class
/// only (levels whose values coincide mix), in the pairs leave-one-out leaves: the rows of a level with the class hold
/// `(S - 1) / (n - 1)`, the others `S / (n - 1)`, just above it, and `n` is the two values'
/// row count together. Each value is then a lookup of the label, which binning hides. `level`:
/// the feature's own values as levels ([`value_codes`]), the levels not sampled missing.
fn value_lookup(ctx: &Context, v: &[f64], level: &[u32], y: &[f64]) -> Option<Match> {
    // The mean of a 0/1 indicator over other rows lies in [0, 1].
    if !matches!(ctx.labels, Labels::Classes { .. })
        || v.iter().any(|x| !x.is_nan() && !(0.0..=1.0).contains(x))
    {
        return None;
    }
    let mut acc: KeyMap<u32, (usize, usize, Vec<usize>)> = KeyMap::default();
    for (r, &l) in level.iter().enumerate() {
        if l == MISSING_CODE {
            continue;
        }
        let e = acc.entry(l).or_default();
        e.0 += 1;
        e.1 += usize::from(y[r] == 1.0);
        e.2.push(r);
    }
    let present: usize = acc.values().map(|e| e.0).sum();
    let groups: Vec<&(usize, usize, Vec<usize>)> = acc.values().filter(|e| e.0 >= 2).collect();
    let covered: usize = groups.iter().map(|e| e.0).sum();
    let pure: usize = groups
        .iter()
        .filter(|e| e.1 == 0 || e.1 == e.0)
        .map(|e| e.0)
        .sum();
    if groups.len() < LOOKUP_MIN_LEVELS
        || (covered as f64) < LOOKUP_COVERAGE * present as f64
        || (pure as f64) < LOOKUP_PURE * covered as f64
    {
        return None;
    }
    // The pairs: a value held only by the class, and one held by the others exactly 1 / (n - 1)
    // above it.
    let mut others: Vec<(f64, usize)> = groups
        .iter()
        .filter(|e| e.1 < e.0)
        .map(|e| (v[e.2[0]], e.0))
        .collect();
    others.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tol = 1e-9;
    let (mut with_class, mut paired) = (0usize, 0usize);
    for e in groups.iter().filter(|e| e.1 == e.0) {
        with_class += e.0;
        let a = v[e.2[0]];
        let from = others.partition_point(|o| o.0 <= a);
        let found = others[from..]
            .iter()
            .take_while(|o| o.0 - a <= 1.0 / e.0 as f64 + tol)
            .any(|o| {
                // 1 / (n - 1) with n the level's rows: at least this value's rows (the other
                // value may hold rows of another level too).
                let k = 1.0 / (o.0 - a);
                let whole = |x: f64| (x - x.round()).abs() <= 1e-6;
                // Both values are counts over n - 1 = k rows: S - 1 and S.
                whole(k)
                    && k.round() >= e.0 as f64
                    && whole(a * k.round())
                    && whole(o.0 * k.round())
            });
        if found {
            paired += e.0;
        }
    }
    if with_class == 0 || (paired as f64) < LOOKUP_PAIRED * with_class as f64 {
        return None;
    }
    Some(Match {
        mechanism: "leave_one_out",
        m: f64::NAN,
        levels: groups.len(),
        rows: groups.iter().flat_map(|e| e.2.iter().copied()).collect(),
    })
}

impl Check for TargetEncoding {
    fn about(&self) -> About {
        About {
            name: "target encoding on its own rows",
            stage: Stage::Data,
            kinds: &[FindingKind::TargetEncoding],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let n = ctx.rows();
        let targets = targets(ctx);
        // Each target's mean over every row, when an engine counted them.
        let counted_means = ctx.counts.map(FeatureCounts::encoded_means);
        // Level columns: categories, and integer codes of categories.
        let categories = level_columns(ctx.ds, ctx.x);
        // On large tables a seeded share of the levels (with all their rows) is tested: the
        // identities hold level by level, so a sample of levels is as telling as all of them.
        let stride = n.div_ceil(MAX_ROWS).max(1) as u64;
        let divides = crate::data::sample::Divides::new(stride);
        let keep = move |level: u32| {
            stride == 1 || divides.divides(crate::data::sample::splitmix64(u64::from(level)))
        };
        // Both identities need MIN_LEVELS tested levels: a level column with fewer kept levels
        // cannot match, and is not scanned (on a large table a column of a few levels often
        // keeps none).
        let categories: Vec<_> = categories
            .into_iter()
            .filter(|(_, codes)| {
                // Level codes are dense (category codes, bins): a flag per code.
                let mut seen = vec![
                    false;
                    codes
                        .iter()
                        .filter(|&&l| l != MISSING_CODE)
                        .max()
                        .map_or(0, |&m| m as usize + 1)
                ];
                let mut distinct = 0;
                codes.iter().filter(|&&l| l != MISSING_CODE).any(|&l| {
                    if !seen[l as usize] {
                        seen[l as usize] = true;
                        distinct += usize::from(keep(l));
                    }
                    distinct >= MIN_LEVELS
                })
            })
            .collect();
        // The search, feature by feature in parallel; the findings in feature order.
        let search = |f: usize| {
            let v = numbers(ctx, f)?;
            let v = v.as_ref();
            let mut found = None;
            // Levels not sampled count as missing: each row's level is sampled once, here.
            let own: Vec<u32> = value_codes(v)
                .into_iter()
                .map(|l| if keep(l) { l } else { MISSING_CODE })
                .collect();
            let repeats = OwnLevels::count(&own);
            // An encoding written rounded (to 3 decimals or more) obeys the identity to half its
            // last digit; so loose a tolerance asks for many levels before it means anything.
            let rounding = match &ctx.ds.features[f].values {
                Values::Numeric(v) => v
                    .decimal_scale()
                    .filter(|s| (3..=9).contains(s))
                    .map_or(0.0, |s| 0.5 * 10f64.powi(-i32::from(s))),
                Values::Categorical { .. } => 0.0,
            };
            let min_levels = if rounding > 0.0 {
                ROUNDED_MIN_LEVELS
            } else {
                MIN_LEVELS
            };
            'search: for (ti, t) in targets.iter().enumerate() {
                let (tol, p) = (t.tol, t.mean);
                let rounded = tol + rounding;
                for (c, codes) in categories.iter().filter(|(c, _)| *c != f) {
                    let (c, codes) = (*c, codes.as_ref());
                    // The in-sample identity over every row when an engine counted the levels
                    // (a sample of rows moves every level's mean), else over the rows here.
                    let counted =
                        ctx.counts
                            .zip(counted_means.as_ref())
                            .and_then(|(counts, means)| {
                                let p = means[ti];
                                let pair = (ctx.name(f), ctx.name(c));
                                in_sample_counted(
                                    counts,
                                    pair,
                                    (ti, p, t.binary),
                                    v,
                                    codes,
                                    rounded,
                                    min_levels,
                                )
                            });
                    let in_sample = counted.unwrap_or_else(|| {
                        in_sample(v, codes, &t.y, p, rounded, &keep, min_levels)
                    });
                    if let Some(m) =
                        in_sample.or_else(|| leave_one_out(v, codes, &t.y, p, tol, &keep))
                    {
                        found = Some((m, Some(c), t, codes.to_vec()));
                        break 'search;
                    }
                }
                // The feature's own values as levels: skipped when too few values repeat for
                // either identity (a continuous measurement), which a count tells without
                // gathering rows.
                let m = if repeats.may_match(MIN_LEVELS, COVERAGE)
                    && repeats.may_be_means(in_range(v, &own, t), COVERAGE)
                {
                    in_sample(v, &own, &t.y, p, rounded, &|_| true, min_levels)
                } else {
                    None
                };
                let m = m.or_else(|| {
                    repeats
                        .may_match(10, 0.5)
                        .then(|| value_lookup(ctx, v, &own, &t.y))
                        .flatten()
                });
                if let Some(m) = m {
                    found = Some((m, None, t, own.clone()));
                    break 'search;
                }
            }
            found.map(|found| (f, found))
        };
        let searched: Vec<_> = {
            use rayon::prelude::*;
            (0..ctx.ds.features.len())
                .into_par_iter()
                .filter_map(search)
                .collect()
        };
        let mut out = Vec::new();
        for (f, found) in searched {
            // Decoded again: the search held one feature's values at a time.
            let Some(v) = numbers(ctx, f) else {
                continue;
            };
            let v = v.as_ref();
            let (m, category, t, level) = found;
            let rows = &m.rows;
            let smoothing = if m.m.is_finite() { m.m } else { 0.0 };
            let oof = out_of_fold(ctx, &level, rows, &t.y, smoothing);
            let oof_power = power(&oof, &t.y, rows);
            // In sample: the encoding itself, or what it gives a model that also knows the
            // level (leave-one-out values single out the row's own target).
            let lookup = lookup_out_of_fold(ctx, &level, v, rows, &t.y, &oof);
            let in_power = power(v, &t.y, rows).max(power(&lookup, &t.y, rows));
            // Leave-one-out without its category: the levels are unknown, so is the proper
            // encoding's power; the values single out the row's own target by construction.
            let blind = m.mechanism == "leave_one_out" && category.is_none();
            let oof_power = if blind { f64::NAN } else { oof_power };
            let inflation = if blind {
                in_power
            } else {
                (in_power - oof_power).max(0.0)
            };
            let severity = if inflation >= CRITICAL_INFLATION {
                Severity::Critical
            } else {
                Severity::High
            };
            let name = ctx.name(f).to_string();
            let of = match category {
                Some(c) => format!("of '{}'", ctx.name(c)),
                None => "of a category that is not in the table".to_string(),
            };
            let how = match m.mechanism {
                "in_sample_mean" if smoothing > 0.0 => format!(
                    "every level carries the smoothed mean target of its own rows (smoothing {:.3}), each row's target included",
                    smoothing
                ),
                "in_sample_mean" => {
                    "every level carries the mean target of its own rows, each row's target included".to_string()
                }
                _ if category.is_some() => {
                    "within each level it moves exactly with the row's own target (leave-one-out: the mean of the other rows)".to_string()
                }
                _ => "each of its exact values is held by one class only: the row's own target shifts its value (leave-one-out)".to_string(),
            };
            let target = match &t.class {
                Some(c) => format!("'{}' = '{c}'", ctx.ds.target_name),
                None => format!("'{}'", ctx.ds.target_name),
            };
            // The picture: the feature against each row's own target in the largest levels (flat
            // for an in-sample mean, a falling line for leave-one-out).
            let mut by_level: KeyMap<u32, Vec<usize>> = KeyMap::default();
            for &r in rows {
                by_level.entry(level[r]).or_default().push(r);
            }
            let mut largest: Vec<(u32, Vec<usize>)> = by_level.into_iter().collect();
            largest.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
            let series: Vec<PointSeries> = largest
                .iter()
                .take(3)
                .map(|(l, rs)| {
                    let label = match category {
                        Some(c) => ctx.ds.features[c].text(rs[0]).unwrap_or_default(),
                        None => format!("level {}", l % 1000),
                    };
                    let points: Vec<[f64; 2]> =
                        rs.iter().take(150).map(|&r| [t.y[r], v[r]]).collect();
                    PointSeries {
                        name: label,
                        points,
                    }
                })
                .collect();
            let picture = Picture::Levels {
                x_label: format!(
                    "the row's own {}",
                    match &t.class {
                        Some(c) => format!("'{}' = '{c}' (0/1)", ctx.ds.target_name),
                        None => format!("'{}'", ctx.ds.target_name),
                    }
                ),
                y_label: name.clone(),
                series,
            };
            let fd = Finding::new(
                Some(&name),
                FindingKind::TargetEncoding,
                severity,
                format!(
                    "'{name}' is a target encoding {of} computed on the rows it encodes: {how}. Its power for {target} is {:.3} here and {:.3} when the same encoding is computed out of fold, so validation scores are inflated. Fix the pipeline: fit the encoder inside each cross-validation fold (or on training rows only) and re-run.",
                    in_power, oof_power
                ),
                Evidence {
                    mechanism: m.mechanism,
                    category: category.map(|c| ctx.name(c).to_string()),
                    target_class: t.class.clone(),
                    smoothing: m.m.is_finite().then(|| r4(m.m)),
                    levels: m.levels,
                    rows_matching_fraction: r4(rows.len() as f64 / n.max(1) as f64),
                    power_in_sample: r4(in_power),
                    power_out_of_fold: oof_power.is_finite().then(|| r4(oof_power)),
                    inflation: r4(inflation),
                },
            )
            .with_picture(picture);
            out.push(fd);
        }
        out
    }
}

/// The evidence of `target_encoding` (with its picture as `plot`).
#[derive(Serialize)]
struct Evidence {
    /// "in_sample_mean" or "leave_one_out".
    mechanism: &'static str,
    /// The categorical column encoded, when the table has it.
    category: Option<String>,
    /// The class encoded (classification).
    target_class: Option<String>,
    /// The smoothing `m` of `(S + m p) / (n + m)`, when one fits.
    smoothing: Option<f64>,
    levels: usize,
    rows_matching_fraction: f64,
    /// The encoding's power as it is, and computed out of fold.
    power_in_sample: f64,
    power_out_of_fold: Option<f64>,
    inflation: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothed_means_are_recognised_and_others_are_not() {
        let p = 0.4;
        let levels: Vec<(f64, f64, f64)> = [(10.0, 3.0), (20.0, 12.0), (5.0, 1.0), (8.0, 5.0)]
            .iter()
            .map(|&(n, s)| (n, s, (s + 2.5 * p) / (n + 2.5)))
            .collect();
        let m = mean_identity(&levels, p, 1e-9).expect("identity");
        assert!((m - 2.5).abs() < 1e-6);
        let raw: Vec<(f64, f64, f64)> = levels.iter().map(|&(n, s, _)| (n, s, s / n)).collect();
        assert_eq!(mean_identity(&raw, p, 1e-9), Some(0.0));
        // A level holding more than a fifth of the rows off the identity: no identity.
        let mut off = raw.clone();
        off[1].2 += 0.01;
        assert_eq!(mean_identity(&off, p, 1e-9), None);
    }

    /// The range screen before the own-value identity never turns away an encoding: every row of
    /// an in-sample mean encoding (smoothed or not, with levels at the target's extremes, whose
    /// float sums can land a hair outside its range) passes it, and the identity still holds.
    /// A measurement outside a class indicator's [0, 1] fails it.
    #[test]
    fn the_range_screen_keeps_every_encoding() {
        let keep = |_: u32| true;
        // Twelve levels; a regression target in [0.1, 0.7] whose first two levels hold six rows
        // at its minimum and its maximum: summed in order, six 0.1s divided by six fall below
        // 0.1, and six 0.7s above 0.7.
        let mut level_of = Vec::new();
        let mut y = Vec::new();
        for l in 0..12u32 {
            let rows = if l < 2 { 6 } else { l + 3 };
            for i in 0..rows {
                level_of.push(l);
                y.push(match l {
                    0 => 0.1,
                    1 => 0.7,
                    _ => 0.1 + f64::from((l * 7 + i * 3) % 50) * 0.012,
                });
            }
        }
        let target = Target::new(y.clone(), None);
        let (tol, p) = (target.tol, target.mean);
        for m in [0.0, 2.5] {
            let mut sums = [(0.0f64, 0.0f64); 12];
            for (&l, &t) in level_of.iter().zip(&y) {
                sums[l as usize].0 += 1.0;
                sums[l as usize].1 += t;
            }
            let v: Vec<f64> = level_of
                .iter()
                .map(|&l| {
                    let (n, s) = sums[l as usize];
                    (s + m * p) / (n + m)
                })
                .collect();
            let own = value_codes(&v);
            let repeats = OwnLevels::count(&own);
            assert_eq!(in_range(&v, &own, &target), v.len(), "m = {m}");
            assert!(repeats.may_be_means(v.len(), COVERAGE));
            assert!(
                in_sample(&v, &own, &y, p, tol, &keep, MIN_LEVELS).is_some(),
                "m = {m}"
            );
        }
        // A measurement (four decimals of a spread around zero) against a 0/1 target: most of
        // it lies outside [0, 1], so the identity is not searched.
        let v: Vec<f64> = (0..2000)
            .map(|i| f64::from((i * 37) % 400) / 100.0 - 2.0)
            .collect();
        let y01: Vec<f64> = (0..2000).map(|i| f64::from(i % 3 == 0)).collect();
        let own = value_codes(&v);
        let repeats = OwnLevels::count(&own);
        assert!(repeats.may_match(MIN_LEVELS, COVERAGE));
        let inside = in_range(&v, &own, &Target::new(y01, None));
        assert_eq!(inside, 505);
        assert!(!repeats.may_be_means(inside, COVERAGE));
    }
}
