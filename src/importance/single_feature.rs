//! Single-feature predictive power: each feature alone, as a smoothed lookup table over its
//! (coarsened) bins, scored out of fold against the naive baseline and normalised to [0, 1].
//! Unlike ppscore, missing values are kept as their own bin, so a field that is missing for one
//! class is visible, and categoricals and numerics are handled alike. A lookup table is the
//! deepest possible tree on one feature, fitted in O(rows).

use super::metrics::{macro_auc, r2, roc_auc};
use crate::surrogate::{Labels, Predictions};

/// Pseudo-count pulling sparse bins towards the prior.
const SMOOTHING: f64 = 1.0;
/// Most coarse bins for an ordered feature.
const MAX_COARSE: usize = 64;
/// Rows per coarse bin at least (so small data is not over-fitted by fine bins).
const MIN_ROWS_PER_BIN: usize = 25;
/// Rows on each side before a change of majority class may cut a coarse bin.
const MIN_SIDE: usize = 3;

/// Out-of-fold power of one feature.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Power {
    /// Normalised power: 0 = no better than the baseline, 1 = perfect.
    pub power: f64,
    /// The raw metric (`roc_auc`, `macro_auc`, `r2` or `rank_r2`).
    pub metric: crate::metric::Metric,
    /// The raw metric value.
    pub value: f64,
}

/// Map fine bins to coarse bins for one fold, from its training rows only (bin 0, missing,
/// stays alone). Consecutive bins of an ordered feature merge until they hold enough rows, but
/// never across a change of majority class: a sharp boundary must not be blurred into one bin.
fn coarse_map(
    bins: &[u8],
    n_bins: usize,
    ordered: bool,
    labels: &Labels,
    train: impl Iterator<Item = usize>,
) -> (Vec<u16>, usize) {
    if !ordered {
        return ((0..n_bins as u16).collect(), n_bins);
    }
    let k = match labels {
        Labels::Classes { k, .. } => *k,
        Labels::Values(_) => 0,
    };
    let mut counts = vec![0usize; n_bins];
    let mut class_counts = vec![0usize; n_bins * k];
    for r in train {
        let b = bins[r] as usize;
        counts[b] += 1;
        if let Labels::Classes { y, .. } = labels {
            class_counts[b * k + y[r] as usize] += 1;
        }
    }
    coarse_map_of(&counts, &class_counts, k)
}

/// [`coarse_map`] of an ordered feature from its training rows' counts per fine bin (and per
/// class, `k` of them; none for a numeric target).
fn coarse_map_of(counts: &[usize], class_counts: &[usize], k: usize) -> (Vec<u16>, usize) {
    let n_bins = counts.len();
    let majority = |cc: &[usize]| {
        (0..cc.len())
            .max_by_key(|&c| (cc[c], std::cmp::Reverse(c)))
            .unwrap_or(0)
    };
    let present: usize = counts[1..].iter().sum();
    let target = (present / MIN_ROWS_PER_BIN).clamp(2, MAX_COARSE);
    let per_bin = (present / target).max(1);
    let mut map = vec![0u16; n_bins];
    let mut cur = 1u16;
    let mut acc = 0;
    let mut acc_classes = vec![0usize; k];
    for b in 1..n_bins {
        if k > 0 && acc >= MIN_SIDE && counts[b] >= MIN_SIDE {
            let next = &class_counts[b * k..(b + 1) * k];
            if majority(next) != majority(&acc_classes) {
                cur += 1;
                acc = 0;
                acc_classes.iter_mut().for_each(|c| *c = 0);
            }
        }
        map[b] = cur;
        acc += counts[b];
        if k > 0 {
            acc_classes
                .iter_mut()
                .zip(&class_counts[b * k..(b + 1) * k])
                .for_each(|(a, c)| *a += c);
        }
        if acc >= per_bin {
            cur += 1;
            acc = 0;
            acc_classes.iter_mut().for_each(|c| *c = 0);
        }
    }
    (map, cur as usize + 1)
}

/// [`power`] for a class target from counts: one pass counts rows per fold, fine bin and class,
/// each fold's table comes from the counts of the other folds ([`class_tables`]), and one pass
/// predicts. The tables hold sums of whole numbers, exact in any order, so the predictions are
/// the row-by-row computation's, bit for bit (tested).
fn class_predictions(
    fine: &[f64],
    bins: &[u8],
    n_bins: usize,
    k: usize,
    folds: &[u8],
) -> Predictions {
    let cells = n_bins * k;
    let mut pred = vec![0.0; bins.len() * k];
    for (r, p) in pred.chunks_mut(k).enumerate() {
        let at = folds[r] as usize * cells + bins[r] as usize * k;
        p.copy_from_slice(&fine[at..at + k]);
    }
    Predictions {
        width: k,
        values: pred,
    }
}

/// Each fold's prediction table for a class target: the class probabilities of every fine
/// bin (`fold * n_bins * k + bin * k + class`), from the counts of the other folds.
fn class_tables(
    bins: &[u8],
    n_bins: usize,
    ordered: bool,
    y: &[u32],
    k: usize,
    folds: &[u8],
    k_folds: usize,
) -> Vec<f64> {
    let n = bins.len();
    let cells = n_bins * k;
    let mut by_fold = vec![0usize; k_folds * cells];
    for r in 0..n {
        by_fold[folds[r] as usize * cells + bins[r] as usize * k + y[r] as usize] += 1;
    }
    class_tables_of(&by_fold, n_bins, ordered, k, k_folds)
}

/// [`class_tables`] from the rows counted per fold, fine bin and class
/// (`fold * n_bins * k + bin * k + class`).
fn class_tables_of(
    by_fold: &[usize],
    n_bins: usize,
    ordered: bool,
    k: usize,
    k_folds: usize,
) -> Vec<f64> {
    let cells = n_bins * k;
    let mut all = vec![0usize; cells];
    for f in 0..k_folds {
        all.iter_mut()
            .zip(&by_fold[f * cells..(f + 1) * cells])
            .for_each(|(a, c)| *a += c);
    }
    // Per fold, the prediction of each fine bin.
    let mut fine = vec![0.0; k_folds * cells];
    for f in 0..k_folds {
        let class_counts: Vec<usize> = all
            .iter()
            .zip(&by_fold[f * cells..(f + 1) * cells])
            .map(|(a, c)| a - c)
            .collect();
        let counts: Vec<usize> = class_counts.chunks(k).map(|c| c.iter().sum()).collect();
        let (map, nc) = if ordered {
            coarse_map_of(&counts, &class_counts, k)
        } else {
            ((0..n_bins as u16).collect(), n_bins)
        };
        let mut stats = vec![0.0; nc * k];
        let mut count = vec![0.0; nc];
        let mut prior = vec![0.0; k];
        let mut n_train: f64 = 0.0;
        for b in 0..n_bins {
            let c = map[b] as usize;
            count[c] += counts[b] as f64;
            n_train += counts[b] as f64;
            for j in 0..k {
                stats[c * k + j] += class_counts[b * k + j] as f64;
                prior[j] += class_counts[b * k + j] as f64;
            }
        }
        prior.iter_mut().for_each(|p| *p /= n_train.max(1.0));
        for b in 0..n_bins {
            let c = map[b] as usize;
            for j in 0..k {
                fine[f * cells + b * k + j] =
                    (stats[c * k + j] + SMOOTHING * prior[j]) / (count[c] + SMOOTHING);
            }
        }
    }
    fine
}

/// Power of a binned feature under the given folds.
pub fn power(
    bins: &[u8],
    n_bins: usize,
    ordered: bool,
    labels: &Labels,
    folds: &[u8],
    k_folds: usize,
) -> Power {
    let counted = folds.iter().all(|&f| (f as usize) < k_folds)
        && bins.iter().all(|&b| (b as usize) < n_bins);
    let pred = match labels {
        // A binary score reads the positive class's probability only: looked up straight from
        // the tables, without the two-column predictions (16 bytes a row per feature in flight).
        Labels::Classes { y, k: 2 } if counted => {
            let fine = class_tables(bins, n_bins, ordered, y, 2, folds, k_folds);
            let cells = n_bins * 2;
            let positive: Vec<f64> = (0..bins.len())
                .map(|r| fine[folds[r] as usize * cells + bins[r] as usize * 2 + 1])
                .collect();
            return binary_score(y, &positive);
        }
        Labels::Classes { y, k } if counted => {
            let fine = class_tables(bins, n_bins, ordered, y, *k, folds, k_folds);
            class_predictions(&fine, bins, n_bins, *k, folds)
        }
        _ => row_predictions(bins, n_bins, ordered, labels, folds, k_folds),
    };
    score(labels, &pred)
}

/// [`power`] of a class target from its rows counted per fold, fine bin and class
/// (`(fold * n_bins + bin) * k + class`), as an engine counts every row of a table it does not
/// load: the same out-of-fold tables, and the AUC of their predictions counted per cell (every
/// row of a cell gets the same prediction), ties averaged.
pub fn power_of_counts(
    counts: &[u64],
    n_bins: usize,
    ordered: bool,
    k: usize,
    k_folds: usize,
) -> Power {
    let by_fold: Vec<usize> = counts.iter().map(|&c| c as usize).collect();
    let fine = class_tables_of(&by_fold, n_bins, ordered, k, k_folds);
    let cells = k_folds * n_bins;
    // One class against the rest: (score, positives, negatives) per cell.
    let auc_of = |class: usize| -> Option<f64> {
        let groups: Vec<(f64, u64, u64)> = (0..cells)
            .map(|i| {
                let row = &counts[i * k..(i + 1) * k];
                let pos = row[class];
                (fine[i * k + class], pos, row.iter().sum::<u64>() - pos)
            })
            .filter(|g| g.1 + g.2 > 0)
            .collect();
        grouped_auc(groups)
    };
    if k == 2 {
        let auc = auc_of(1).unwrap_or(0.5);
        return Power {
            power: (2.0 * auc - 1.0).max(0.0),
            metric: crate::metric::Metric::RocAuc,
            value: auc,
        };
    }
    let aucs: Vec<f64> = (0..k).filter_map(auc_of).collect();
    let auc = if aucs.is_empty() {
        0.5
    } else {
        aucs.iter().sum::<f64>() / aucs.len() as f64
    };
    Power {
        power: (2.0 * auc - 1.0).max(0.0),
        metric: crate::metric::Metric::MacroAuc,
        value: auc,
    }
}

/// The AUC of scores given as (score, positives, negatives) groups, ties averaged; `None`
/// without both positives and negatives. Whole numbers to the last division.
fn grouped_auc(mut groups: Vec<(f64, u64, u64)>) -> Option<f64> {
    groups.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (p, n): (u64, u64) = groups.iter().fold((0, 0), |(p, n), g| (p + g.1, n + g.2));
    if p == 0 || n == 0 {
        return None;
    }
    // Twice the Mann-Whitney U: 2 * pos * (negatives below) + pos * (negatives tied).
    let (mut twice_u, mut below) = (0u128, 0u128);
    let mut i = 0;
    while i < groups.len() {
        let j = i + groups[i..]
            .iter()
            .take_while(|g| g.0 == groups[i].0)
            .count();
        let (pos, neg) = groups[i..j].iter().fold((0u128, 0u128), |(a, b), g| {
            (a + u128::from(g.1), b + u128::from(g.2))
        });
        twice_u += 2 * pos * below + pos * neg;
        below += neg;
        i = j;
    }
    Some(twice_u as f64 / (2.0 * p as f64 * n as f64))
}

/// [`power`] of a numeric target from its rows' count, sum and sum of squares per fold and fine
/// bin (`fold * n_bins + bin`): the same out-of-fold tables, and R² from the sums (every row of
/// a cell gets the same prediction).
pub fn power_of_sums(
    n: &[u64],
    sum: &[f64],
    sum_sq: &[f64],
    n_bins: usize,
    ordered: bool,
    k_folds: usize,
) -> Power {
    let total_n: f64 = n.iter().map(|&c| c as f64).sum();
    let total: f64 = sum.iter().sum();
    let ss_tot = sum_sq.iter().sum::<f64>() - total * total / total_n.max(1.0);
    let mut ss_res = 0.0;
    for f in 0..k_folds {
        let train = |b: usize| -> (usize, f64) {
            (0..k_folds)
                .filter(|&g| g != f)
                .fold((0, 0.0), |(c, s), g| {
                    (c + n[g * n_bins + b] as usize, s + sum[g * n_bins + b])
                })
        };
        let per_bin: Vec<(usize, f64)> = (0..n_bins).map(train).collect();
        let counts: Vec<usize> = per_bin.iter().map(|p| p.0).collect();
        let (map, nc) = if ordered {
            coarse_map_of(&counts, &[], 0)
        } else {
            ((0..n_bins as u16).collect(), n_bins)
        };
        let (mut stats, mut count) = (vec![0.0; nc], vec![0.0; nc]);
        let (mut prior, mut n_train) = (0.0, 0.0);
        for (b, &(c, s)) in per_bin.iter().enumerate() {
            stats[map[b] as usize] += s;
            count[map[b] as usize] += c as f64;
            prior += s;
            n_train += c as f64;
        }
        prior /= f64::max(n_train, 1.0);
        for (b, &c) in map.iter().enumerate().take(n_bins) {
            let (i, c) = (f * n_bins + b, c as usize);
            let p = (stats[c] + SMOOTHING * prior) / (count[c] + SMOOTHING);
            ss_res += sum_sq[i] - 2.0 * p * sum[i] + n[i] as f64 * p * p;
        }
    }
    let v = if ss_tot <= 0.0 {
        0.0
    } else {
        1.0 - ss_res / ss_tot
    };
    Power {
        power: v.max(0.0),
        metric: crate::metric::Metric::R2,
        value: v,
    }
}

/// Out-of-fold lookup-table predictions, row by row: each fold's table from the other folds'
/// rows (the path of a numeric target, whose sums depend on their order).
fn row_predictions(
    bins: &[u8],
    n_bins: usize,
    ordered: bool,
    labels: &Labels,
    folds: &[u8],
    k_folds: usize,
) -> Predictions {
    let n = bins.len();
    let width = match labels {
        Labels::Classes { k, .. } => *k,
        Labels::Values(_) => 1,
    };
    let mut pred = vec![0.0; n * width];
    for f in 0..k_folds as u8 {
        let (map, nc) = coarse_map(
            bins,
            n_bins,
            ordered,
            labels,
            (0..n).filter(|&r| folds[r] != f),
        );
        // Per coarse bin: class counts (or sum) and row count, from the training folds.
        let mut stats = vec![0.0; nc * width];
        let mut count = vec![0.0; nc];
        let mut prior = vec![0.0; width];
        let mut n_train: f64 = 0.0;
        for r in 0..n {
            if folds[r] == f {
                continue;
            }
            let c = map[bins[r] as usize] as usize;
            count[c] += 1.0;
            n_train += 1.0;
            match labels {
                Labels::Classes { y, .. } => {
                    stats[c * width + y[r] as usize] += 1.0;
                    prior[y[r] as usize] += 1.0;
                }
                Labels::Values(y) => {
                    stats[c] += y[r];
                    prior[0] += y[r];
                }
            }
        }
        prior.iter_mut().for_each(|p| *p /= n_train.max(1.0));
        for r in 0..n {
            if folds[r] != f {
                continue;
            }
            let c = map[bins[r] as usize] as usize;
            for j in 0..width {
                pred[r * width + j] =
                    (stats[c * width + j] + SMOOTHING * prior[j]) / (count[c] + SMOOTHING);
            }
        }
    }
    Predictions {
        width,
        values: pred,
    }
}

/// Power of a feature for any task; for regression, the better of the power against the target
/// and against `ranks` (its [`ranks`], scaled to [0, 1]), reported as `rank_r2` when the ranks
/// win.
pub fn power_with_ranks(
    bins: &[u8],
    n_bins: usize,
    ordered: bool,
    labels: &Labels,
    ranks: Option<&[f64]>,
    folds: &[u8],
    k_folds: usize,
) -> Power {
    let raw = power(bins, n_bins, ordered, labels, folds, k_folds);
    let Some(ranks) = ranks else {
        return raw;
    };
    let on_ranks = power(
        bins,
        n_bins,
        ordered,
        &Labels::Values(ranks),
        folds,
        k_folds,
    );
    better_of(raw, on_ranks)
}

/// The better of a numeric target's power on its values and on its ranks, the latter reported
/// as `rank_r2`.
pub fn better_of(raw: Power, on_ranks: Power) -> Power {
    if on_ranks.power > raw.power {
        Power {
            metric: crate::metric::Metric::RankR2,
            ..on_ranks
        }
    } else {
        raw
    }
}

/// Ranks of `y` scaled to [0, 1] (ties share their average rank).
pub fn ranks(y: &[f64]) -> Vec<f64> {
    let n = y.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| y[a].total_cmp(&y[b]));
    let mut out = vec![0.0; n];
    let scale = (n.max(2) - 1) as f64;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && y[idx[j + 1]] == y[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 / scale;
        for &r in &idx[i..=j] {
            out[r] = avg;
        }
        i = j + 1;
    }
    out
}

/// Goodman and Kruskal's gamma between a binned feature (missing rows left out) and the
/// target: (concordant − discordant) / (concordant + discordant) over the pairs tied in
/// neither. ±1 exactly when the feature is a monotone function of the target at the resolution
/// of its bins (a log, a unit change, a rounding, deciles); a measured input with noise stays
/// well inside. O(n log n) with a Fenwick tree over the target's ranks.
pub fn gamma(bins: &[u8], y: &[f64]) -> Option<f64> {
    gamma_inner(bins, y)
}

/// Kendall's tau-b between `x` and `y` on the rows where both are present, when no pair of rows
/// is out of order (a monotone function, non-decreasing or non-increasing, with ties allowed);
/// `None` when some pair is, or fewer than 3 rows remain. Exact on the raw values, so it decides
/// "is `x` a re-expression of `y`" at any table size, with no binning: a log copy of the target
/// on 200 rows is exact where its binned power is only strong. O(n log n).
pub fn exact_monotone_tau(x: &[f64], y: &[f64]) -> Option<f64> {
    monotone_tau(x, y, 0.0)
}

/// [`exact_monotone_tau`] allowing a share `slack` of the rows to sit below the group before
/// theirs: what the rounding of written values does to an exact formula (an instalment rounded
/// to the cent reorders two loans whose rates differ in the fourth decimal).
pub fn monotone_tau(x: &[f64], y: &[f64], slack: f64) -> Option<f64> {
    let mut pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(&a, &b)| (a, b))
        .collect();
    let n = pairs.len();
    if n < 3 {
        return None;
    }
    // Ties in x, in y and in both, in pairs.
    let ties = |v: &mut Vec<f64>| -> f64 {
        v.sort_by(f64::total_cmp);
        let (mut t, mut i) = (0.0, 0);
        while i < v.len() {
            let j = v[i..].iter().take_while(|&&u| u == v[i]).count();
            t += (j * (j - 1) / 2) as f64;
            i += j;
        }
        t
    };
    let n1 = ties(&mut pairs.iter().map(|p| p.0).collect());
    let n2 = ties(&mut pairs.iter().map(|p| p.1).collect());
    let n0 = (n * (n - 1) / 2) as f64;
    let mut tau = None;
    for direction in [1.0, -1.0] {
        pairs.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then((direction * a.1).total_cmp(&(direction * b.1)))
        });
        // Monotone in this direction: every x-group starts at or above the previous group's top.
        let allowed = (slack * n as f64).ceil() as usize;
        let mut out_of_order = 0usize;
        let mut prev_top = f64::NEG_INFINITY;
        let mut i = 0;
        while i < n && out_of_order <= allowed {
            let j = i + pairs[i..].iter().take_while(|p| p.0 == pairs[i].0).count();
            out_of_order += pairs[i..j]
                .iter()
                .take_while(|p| direction * p.1 < prev_top)
                .count();
            prev_top = prev_top.max(direction * pairs[j - 1].1);
            i = j;
        }
        if out_of_order > allowed {
            continue;
        }
        let mut both = 0.0;
        let mut i = 0;
        while i < n {
            let j = pairs[i..].iter().take_while(|p| *p == &pairs[i]).count();
            both += (j * (j - 1) / 2) as f64;
            i += j;
        }
        let concordant = n0 - n1 - n2 + both;
        let denom = ((n0 - n1) * (n0 - n2)).sqrt();
        if denom > 0.0 {
            tau = Some(direction * concordant / denom);
            break;
        }
    }
    tau
}

fn gamma_inner(bins: &[u8], y: &[f64]) -> Option<f64> {
    let mut rows: Vec<usize> = (0..bins.len()).filter(|&r| bins[r] != 0).collect();
    if rows.len() < 3 {
        return None;
    }
    // Dense ranks of y among the present rows.
    let mut ys: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
    ys.sort_by(f64::total_cmp);
    ys.dedup();
    let rank = |v: f64| ys.partition_point(|&u| u < v);
    rows.sort_by_key(|&r| bins[r]);
    let m = ys.len();
    let mut tree = vec![0u64; m + 1];
    let add = |tree: &mut Vec<u64>, i: usize| {
        let mut i = i + 1;
        while i <= m {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    };
    let below = |tree: &Vec<u64>, i: usize| -> u64 {
        // Count of inserted ranks < i.
        let mut i = i;
        let mut s = 0;
        while i > 0 {
            s += tree[i];
            i -= i & i.wrapping_neg();
        }
        s
    };
    let (mut conc, mut disc) = (0u64, 0u64);
    let mut inserted = 0u64;
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j < rows.len() && bins[rows[j]] == bins[rows[i]] {
            j += 1;
        }
        for &r in &rows[i..j] {
            let q = rank(y[r]);
            let lower = below(&tree, q);
            let not_higher = below(&tree, q + 1);
            conc += lower;
            disc += inserted - not_higher;
        }
        for &r in &rows[i..j] {
            add(&mut tree, rank(y[r]));
        }
        inserted += (j - i) as u64;
        i = j;
    }
    let total = conc + disc;
    (total > 0).then(|| (conc as f64 - disc as f64) / total as f64)
}

/// Power of a binary target's out-of-fold probabilities of the positive class, one per row.
fn binary_score(y: &[u32], positive: &[f64]) -> Power {
    let pos: Vec<bool> = y.iter().map(|&c| c == 1).collect();
    let auc = roc_auc(positive, &pos);
    Power {
        power: (2.0 * auc - 1.0).max(0.0),
        metric: crate::metric::Metric::RocAuc,
        value: auc,
    }
}

/// Normalised power of out-of-fold predictions covering every row.
pub fn score(labels: &Labels, pred: &Predictions) -> Power {
    match labels {
        Labels::Values(y) => {
            let v = r2(y.iter().copied(), pred.values.iter().copied());
            Power {
                power: v.max(0.0),
                metric: crate::metric::Metric::R2,
                value: v,
            }
        }
        Labels::Classes { y, k: 2 } => {
            let s: Vec<f64> = (0..y.len()).map(|i| pred.values[i * 2 + 1]).collect();
            binary_score(y, &s)
        }
        Labels::Classes { y, .. } => {
            // Graded like binary: one-vs-rest ranking, averaged over classes. (Requiring the
            // argmax decisions to be near-perfect too under-graded multiclass leaks whose
            // smoothed lookup hedges between neighbouring classes.)
            let auc = macro_auc(y, pred);
            Power {
                power: (2.0 * auc - 1.0).max(0.0),
                metric: crate::metric::Metric::MacroAuc,
                value: auc,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_monotone_is_decided_on_raw_values() {
        let y: Vec<f64> = (0..200)
            .map(|i| 50.0 + ((i * 37) % 200) as f64 * 1.37)
            .collect();
        // A log copy rounded to six decimals, a negated copy, and a rounding to deciles.
        let log: Vec<f64> = y.iter().map(|v| (v.ln() * 1e6).round() / 1e6).collect();
        assert!(exact_monotone_tau(&log, &y).unwrap() > 0.999);
        let neg: Vec<f64> = y.iter().map(|v| -v).collect();
        assert!(exact_monotone_tau(&neg, &y).unwrap() < -0.999);
        let decile: Vec<f64> = y.iter().map(|v| (v / 30.0).floor()).collect();
        assert!(exact_monotone_tau(&decile, &y).unwrap() > 0.9);
        // One pair out of order is not monotone; missing values are left out.
        let mut noisy = log.clone();
        noisy.swap(3, 4);
        assert!(exact_monotone_tau(&noisy, &y).is_none());
        let mut gaps = log.clone();
        gaps[7] = f64::NAN;
        assert!(exact_monotone_tau(&gaps, &y).is_some());
    }
    use crate::importance::folds;

    /// Counting per fold gives the row-by-row predictions bit for bit, for ordered and
    /// categorical features, two and four classes, missing bins and empty bins.
    #[test]
    fn class_predictions_by_counting_equal_row_by_row() {
        let mut state = 11u64;
        let mut next = || {
            state = crate::data::sample::splitmix64(state);
            state
        };
        for (k, n_bins, ordered) in [(2usize, 40usize, true), (4, 255, true), (3, 12, false)] {
            let n = 5_000;
            let bins: Vec<u8> = (0..n).map(|_| (next() % n_bins as u64) as u8).collect();
            let y: Vec<u32> = bins
                .iter()
                .map(|&b| ((u64::from(b) * 7 + next() % 5) % k as u64) as u32)
                .collect();
            let labels = Labels::Classes { y: &y, k };
            let folds: Vec<u8> = (0..n).map(|_| (next() % 5) as u8).collect();
            let fine = class_tables(&bins, n_bins, ordered, &y, k, &folds, 5);
            let counted = class_predictions(&fine, &bins, n_bins, k, &folds);
            let by_row = row_predictions(&bins, n_bins, ordered, &labels, &folds, 5);
            assert_eq!(counted.width, by_row.width);
            assert_eq!(counted.values.len(), by_row.values.len());
            for (a, b) in counted.values.iter().zip(&by_row.values) {
                assert_eq!(a.to_bits(), b.to_bits(), "k {k} bins {n_bins}");
            }
        }
    }

    #[test]
    fn gamma_is_one_for_monotone_and_low_for_noise() {
        let y: Vec<f64> = (0..500).map(|i| ((i * 7919) % 500) as f64).collect();
        // Deciles of the target: exact at the resolution of the bins.
        let deciles: Vec<u8> = y.iter().map(|v| 1 + (v / 50.0) as u8).collect();
        assert_eq!(gamma(&deciles, &y), Some(1.0));
        let reversed: Vec<u8> = deciles.iter().map(|b| 11 - b).collect();
        assert_eq!(gamma(&reversed, &y), Some(-1.0));
        let noise: Vec<u8> = (0..500)
            .map(|i| (crate::data::sample::splitmix64(i) % 20) as u8 + 1)
            .collect();
        assert!(gamma(&noise, &y).unwrap().abs() < 0.15);
        // One swapped pair breaks exactness.
        let mut swapped = deciles.clone();
        let lo = y.iter().position(|&v| v == 0.0).unwrap();
        let hi = y.iter().position(|&v| v == 499.0).unwrap();
        swapped.swap(lo, hi);
        assert!(gamma(&swapped, &y).unwrap() < 1.0);
    }

    #[test]
    fn rank_power_sees_a_heavy_tailed_reexpression() {
        let n = 2000;
        let y: Vec<f64> = (0..n)
            .map(|i| (6.0 * (crate::data::sample::splitmix64(i) % 10_000) as f64 / 1e4).exp())
            .collect();
        let labels = Labels::Values(&y);
        let keys: Vec<u64> = (0..n).map(crate::data::sample::splitmix64).collect();
        let f = folds::assign(&labels, &keys, 5, 1);
        // log(y) binned by quantiles: 200 bins.
        let r = ranks(&y);
        let bins: Vec<u8> = r.iter().map(|v| 1 + (v * 199.0) as u8).collect();
        let raw = power(&bins, 201, true, &labels, &f, 5).power;
        let both = power_with_ranks(&bins, 201, true, &labels, Some(&r), &f, 5);
        assert!(both.power > 0.99 && both.power > raw, "{raw} {both:?}");
        assert_eq!(both.metric, crate::metric::Metric::RankR2);
    }

    #[test]
    fn perfect_noise_and_missingness() {
        let n = 2000;
        let y: Vec<u32> = (0..n).map(|i| u32::from(i % 2 == 0)).collect();
        let labels = Labels::Classes { y: &y, k: 2 };
        let keys: Vec<u64> = (0..n as u64).map(crate::data::sample::splitmix64).collect();
        let f = folds::assign(&labels, &keys, 5, 1);
        let perfect: Vec<u8> = y.iter().map(|&c| 1 + c as u8 * 100).collect();
        assert!(power(&perfect, 102, true, &labels, &f, 5).power > 0.99);
        let noise: Vec<u8> = (0..n)
            .map(|i| (crate::data::sample::splitmix64(i as u64) % 200) as u8 + 1)
            .collect();
        assert!(power(&noise, 201, true, &labels, &f, 5).power < 0.1);
        // Missing (bin 0) for one class only, random otherwise.
        let miss: Vec<u8> = (0..n)
            .map(|i| if y[i] == 1 && i % 4 == 0 { 0 } else { noise[i] })
            .collect();
        assert!(power(&miss, 201, true, &labels, &f, 5).power > 0.4);
    }
}
