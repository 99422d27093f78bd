//! Single-feature predictive power: each feature alone, as a smoothed lookup table over its
//! (coarsened) bins, scored out of fold against the naive baseline and normalised to [0, 1].
//! Unlike ppscore, missing values are kept as their own bin, so a field that is missing for one
//! class is visible, and categoricals and numerics are handled alike. A lookup table is the
//! deepest possible tree on one feature, fitted in O(rows).

use super::metrics::{accuracy_f1, argmax, macro_auc, r2, roc_auc};
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
    /// Name of the raw metric (`roc_auc`, `macro_auc` or `r2`).
    pub metric: &'static str,
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

/// Power of a binned feature under the given folds.
pub fn power(
    bins: &[u8],
    n_bins: usize,
    ordered: bool,
    labels: &Labels,
    folds: &[u8],
    k_folds: usize,
) -> Power {
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
    score(
        labels,
        &Predictions {
            width,
            values: pred,
        },
    )
}

/// Normalised power of out-of-fold predictions covering every row.
pub fn score(labels: &Labels, pred: &Predictions) -> Power {
    match labels {
        Labels::Values(y) => {
            let v = r2(y.iter().copied(), pred.values.iter().copied());
            Power {
                power: v.max(0.0),
                metric: "r2",
                value: v,
            }
        }
        Labels::Classes { y, k: 2 } => {
            let s: Vec<f64> = (0..y.len()).map(|i| pred.values[i * 2 + 1]).collect();
            let pos: Vec<bool> = y.iter().map(|&c| c == 1).collect();
            let auc = roc_auc(&s, &pos);
            Power {
                power: (2.0 * auc - 1.0).max(0.0),
                metric: "roc_auc",
                value: auc,
            }
        }
        Labels::Classes { y, k } => {
            let auc = macro_auc(y, pred);
            let (acc, _) = accuracy_f1(y, &argmax(pred), *k);
            let mut counts = vec![0usize; *k];
            y.iter().for_each(|&c| counts[c as usize] += 1);
            let majority = *counts.iter().max().unwrap_or(&0) as f64 / y.len().max(1) as f64;
            let norm_acc = if majority < 1.0 {
                (acc - majority) / (1.0 - majority)
            } else {
                0.0
            };
            // Near-perfect must hold for both ranking and decisions.
            let p = (2.0 * auc - 1.0).min(norm_acc).max(0.0);
            Power {
                power: p,
                metric: "macro_auc",
                value: auc,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::importance::folds;

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
