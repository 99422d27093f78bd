//! Scoring functions. `skill` is the one score every importance is measured in: the Brier skill
//! score for classification (1 - Brier / Brier of the class frequencies) and R² for regression.
//! Both are 0 at the naive baseline and 1 when perfect, and both work for models that give only
//! hard labels.

use std::collections::BTreeMap;

use crate::metric::Metric;
use crate::surrogate::{Labels, Predictions};

/// The out-of-fold headline score and its name, for any task.
pub fn headline(oof: &BTreeMap<String, f64>) -> (Metric, f64) {
    Metric::headline(oof)
}

/// Skill of `pred` (rows in the same order as `rows`) against the labels.
pub fn skill(labels: &Labels, pred: &Predictions, rows: &[u32]) -> f64 {
    match labels {
        Labels::Values(y) => r2(
            rows.iter().map(|&r| y[r as usize]),
            pred.values.iter().copied(),
        ),
        Labels::Classes { y, k } => {
            let n = rows.len() as f64;
            let mut freq = vec![0.0; *k];
            rows.iter()
                .for_each(|&r| freq[y[r as usize] as usize] += 1.0 / n);
            let (mut brier, mut brier0) = (0.0, 0.0);
            for (i, &r) in rows.iter().enumerate() {
                let t = y[r as usize] as usize;
                let p = &pred.values[i * pred.width..(i + 1) * pred.width];
                for (c, f) in freq.iter().enumerate() {
                    let target = if c == t { 1.0 } else { 0.0 };
                    brier += (p.get(c).copied().unwrap_or(0.0) - target).powi(2);
                    brier0 += (f - target).powi(2);
                }
            }
            if brier0 <= 0.0 {
                0.0
            } else {
                1.0 - brier / brier0
            }
        }
    }
}

/// Coefficient of determination.
pub fn r2(y: impl Iterator<Item = f64> + Clone, p: impl Iterator<Item = f64>) -> f64 {
    let (n, sum): (f64, f64) = y.clone().fold((0.0, 0.0), |(n, s), v| (n + 1.0, s + v));
    let mean = sum / n.max(1.0);
    let ss_tot: f64 = y.clone().map(|v| (v - mean).powi(2)).sum();
    let ss_res: f64 = y.zip(p).map(|(v, q)| (v - q).powi(2)).sum();
    if ss_tot <= 0.0 {
        0.0
    } else {
        1.0 - ss_res / ss_tot
    }
}

/// Area under the ROC curve for scores against boolean positives (ties averaged).
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> f64 {
    let n_pos = positive.iter().filter(|&&p| p).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return 0.5;
    }
    // The counting path's table costs about as much as sorting a few thousand scores: it pays
    // on long inputs (single-feature power over every row), not on held-out samples.
    let rank_sum = (scores.len() >= COUNT_FROM)
        .then(|| few_values_rank_sum(scores, positive))
        .flatten()
        .unwrap_or_else(|| sorted_rank_sum(scores, positive));
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// The rank sum of the positives, ties sharing their average rank: by sorting the scores.
fn sorted_rank_sum(scores: &[f64], positive: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &t in &idx[i..=j] {
            if positive[t] {
                rank_sum += avg_rank;
            }
        }
        i = j + 1;
    }
    rank_sum
}

/// Distinct scores at most, for the counting path of [`roc_auc`].
const FEW_VALUES: usize = 4096;
/// Scores from which [`roc_auc`] tries the counting path.
const COUNT_FROM: usize = 1 << 16;

/// The rank sum of the positives when the scores take few distinct values (a lookup table's
/// predictions): counted per value instead of sorted, O(n). The same groups in the same order
/// and the same additions as the sorting path, so the same bits. `None` with many values or a
/// NaN.
fn few_values_rank_sum(scores: &[f64], positive: &[bool]) -> Option<f64> {
    // An open-addressing table of (score bits, rows, positives): a few nanoseconds a row.
    const SLOTS: usize = FEW_VALUES * 2;
    const EMPTY: u64 = u64::MAX; // a NaN pattern, never a key (NaN returns early)
    let mut keys = vec![EMPTY; SLOTS];
    let mut counts = vec![(0usize, 0usize); SLOTS];
    let mut distinct = 0;
    for (&s, &p) in scores.iter().zip(positive) {
        if s.is_nan() {
            return None;
        }
        // -0.0 and 0.0 compare equal, so they share a group, as in the sorting path.
        let key = if s == 0.0 { 0 } else { s.to_bits() };
        let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 51) as usize % SLOTS;
        while keys[slot] != key && keys[slot] != EMPTY {
            slot = (slot + 1) % SLOTS;
        }
        if keys[slot] == EMPTY {
            distinct += 1;
            if distinct > FEW_VALUES {
                return None;
            }
            keys[slot] = key;
        }
        counts[slot].0 += 1;
        counts[slot].1 += usize::from(p);
    }
    let mut values: Vec<(f64, usize, usize)> = keys
        .iter()
        .zip(&counts)
        .filter(|(&k, _)| k != EMPTY)
        .map(|(&k, &(n, p))| (f64::from_bits(k), n, p))
        .collect();
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    for (_, n, p) in values {
        let j = i + n - 1;
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for _ in 0..p {
            rank_sum += avg_rank;
        }
        i = j + 1;
    }
    Some(rank_sum)
}

/// Mean one-vs-rest AUC over classes present in `y`.
pub fn macro_auc(y: &[u32], pred: &Predictions) -> f64 {
    let k = pred.width;
    let mut aucs = Vec::new();
    for c in 0..k {
        let pos: Vec<bool> = y.iter().map(|&t| t as usize == c).collect();
        if pos.iter().any(|&p| p) && pos.iter().any(|&p| !p) {
            let s: Vec<f64> = (0..y.len()).map(|i| pred.values[i * k + c]).collect();
            aucs.push(roc_auc(&s, &pos));
        }
    }
    if aucs.is_empty() {
        0.5
    } else {
        aucs.iter().sum::<f64>() / aucs.len() as f64
    }
}

/// Index of the largest probability per row.
pub fn argmax(pred: &Predictions) -> Vec<u32> {
    pred.values
        .chunks(pred.width)
        .map(|p| (0..p.len()).fold(0, |best, c| if p[c] > p[best] { c } else { best }) as u32)
        .collect()
}

/// Accuracy and macro-F1 of hard labels.
pub fn accuracy_f1(y: &[u32], hard: &[u32], k: usize) -> (f64, f64) {
    let acc = y.iter().zip(hard).filter(|(a, b)| a == b).count() as f64 / y.len().max(1) as f64;
    let mut f1s = Vec::new();
    for c in 0..k as u32 {
        let tp = y
            .iter()
            .zip(hard)
            .filter(|(a, b)| **a == c && **b == c)
            .count() as f64;
        let fp = y
            .iter()
            .zip(hard)
            .filter(|(a, b)| **a != c && **b == c)
            .count() as f64;
        let fnn = y
            .iter()
            .zip(hard)
            .filter(|(a, b)| **a == c && **b != c)
            .count() as f64;
        if tp + fnn > 0.0 {
            f1s.push(if tp == 0.0 {
                0.0
            } else {
                2.0 * tp / (2.0 * tp + fp + fnn)
            });
        }
    }
    (acc, f1s.iter().sum::<f64>() / f1s.len().max(1) as f64)
}

/// Mean log-loss of probabilities.
pub fn log_loss(y: &[u32], pred: &Predictions) -> f64 {
    let k = pred.width;
    y.iter()
        .enumerate()
        .map(|(i, &t)| -pred.values[i * k + t as usize].clamp(1e-15, 1.0).ln())
        .sum::<f64>()
        / y.len().max(1) as f64
}

/// The task's headline metrics, named as in `report.json`.
pub fn summary(labels: &Labels, pred: &Predictions, rows: &[u32]) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    m.insert(Metric::Skill.to_string(), skill(labels, pred, rows));
    match labels {
        Labels::Values(y) => {
            let t: Vec<f64> = rows.iter().map(|&r| y[r as usize]).collect();
            m.insert(
                Metric::R2.to_string(),
                r2(t.iter().copied(), pred.values.iter().copied()),
            );
            let mae = t
                .iter()
                .zip(&pred.values)
                .map(|(a, b)| (a - b).abs())
                .sum::<f64>()
                / t.len().max(1) as f64;
            m.insert(Metric::Mae.to_string(), mae);
        }
        Labels::Classes { y, k } => {
            let t: Vec<u32> = rows.iter().map(|&r| y[r as usize]).collect();
            let (acc, f1) = accuracy_f1(&t, &argmax(pred), *k);
            m.insert(Metric::Accuracy.to_string(), acc);
            m.insert(Metric::LogLoss.to_string(), log_loss(&t, pred));
            if *k == 2 {
                let s: Vec<f64> = (0..t.len()).map(|i| pred.values[i * 2 + 1]).collect();
                let pos: Vec<bool> = t.iter().map(|&c| c == 1).collect();
                m.insert(Metric::RocAuc.to_string(), roc_auc(&s, &pos));
            } else {
                m.insert(Metric::MacroF1.to_string(), f1);
                m.insert(Metric::MacroAuc.to_string(), macro_auc(&t, pred));
            }
        }
    }
    m.values_mut().for_each(|v| *v = round6(*v));
    m
}

/// Round to 6 decimals so reports are stable and readable.
pub fn round6(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counting path gives the sorting path's AUC bit for bit, ties and signed zeros
    /// included; many distinct values take the sorting path.
    #[test]
    fn auc_by_counting_equals_auc_by_sorting() {
        let mut state = 7u64;
        let mut next = || {
            state = crate::data::sample::splitmix64(state);
            state
        };
        for distinct in [1u64, 2, 3, 17, 300, 5000] {
            let scores: Vec<f64> = (0..20_000)
                .map(|_| {
                    let v = (next() % distinct) as f64 / 7.0 - 1.0;
                    if v == 0.0 && next() % 2 == 0 {
                        -0.0
                    } else {
                        v
                    }
                })
                .collect();
            let positive: Vec<bool> = scores
                .iter()
                .map(|&s| (next() % 100) as f64 / 100.0 < s + 0.5)
                .collect();
            let counted = few_values_rank_sum(&scores, &positive);
            assert_eq!(
                counted.is_some(),
                distinct <= FEW_VALUES as u64,
                "{distinct}"
            );
            let rank_sum = sorted_rank_sum(&scores, &positive);
            if let Some(c) = counted {
                assert_eq!(c.to_bits(), rank_sum.to_bits(), "{distinct}");
            }
        }
    }

    #[test]
    fn auc_basics() {
        assert_eq!(
            roc_auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            1.0
        );
        assert_eq!(
            roc_auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]),
            0.0
        );
        assert_eq!(
            roc_auc(&[0.5, 0.5, 0.5, 0.5], &[false, true, false, true]),
            0.5
        );
    }

    #[test]
    fn skill_is_zero_at_baseline_and_one_when_perfect() {
        let y = [0u32, 1, 1, 0];
        let rows = [0u32, 1, 2, 3];
        let labels = Labels::Classes { y: &y, k: 2 };
        let perfect = Predictions::one_hot(y.iter().map(|&c| c as usize), 2);
        assert!((skill(&labels, &perfect, &rows) - 1.0).abs() < 1e-12);
        let base = Predictions {
            width: 2,
            values: vec![0.5; 8],
        };
        assert!(skill(&labels, &base, &rows).abs() < 1e-12);
        let v = [1.0, 2.0, 3.0];
        assert!((r2(v.iter().copied(), v.iter().copied()) - 1.0).abs() < 1e-12);
    }
}
