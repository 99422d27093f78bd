//! Seeded K-fold assignment: stratified by class for classification, by sorted target blocks
//! for regression, so every fold sees the whole target range.

use crate::data::sample::splitmix64;
use crate::surrogate::Labels;

/// Fold index (0..k) for every row.
pub fn assign(labels: &Labels, n: usize, k: usize, seed: u64) -> Vec<u8> {
    let key = |r: usize| splitmix64(seed.wrapping_mul(0x9E37_79B9) ^ splitmix64(r as u64));
    let mut order: Vec<usize> = (0..n).collect();
    match labels {
        Labels::Classes { y, .. } => order.sort_by_key(|&r| (y[r], key(r))),
        Labels::Values(y) => {
            order.sort_by(|&a, &b| y[a].total_cmp(&y[b]).then(key(a).cmp(&key(b))))
        }
    }
    let mut folds = vec![0u8; n];
    // Walk the sorted order in blocks of k, assigning folds in a seeded rotation within each block.
    for (block, chunk) in order.chunks(k).enumerate() {
        let offset = (key(block + n) % k as u64) as usize;
        for (j, &r) in chunk.iter().enumerate() {
            folds[r] = ((j + offset) % k) as u8;
        }
    }
    folds
}

/// Rows in fold `f` (held out) and the rest (train).
pub fn split(folds: &[u8], f: u8) -> (Vec<u32>, Vec<u32>) {
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (r, &g) in folds.iter().enumerate() {
        if g == f {
            test.push(r as u32);
        } else {
            train.push(r as u32);
        }
    }
    (train, test)
}

/// A seeded subsample of at most `max` rows, keeping the given order.
pub fn subsample(rows: &[u32], max: usize, seed: u64) -> Vec<u32> {
    if rows.len() <= max {
        return rows.to_vec();
    }
    let mut keyed: Vec<(u64, u32)> = rows
        .iter()
        .map(|&r| (splitmix64(seed ^ splitmix64(u64::from(r))), r))
        .collect();
    keyed.select_nth_unstable(max - 1);
    let mut out: Vec<u32> = keyed[..max].iter().map(|&(_, r)| r).collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_balanced_and_seeded() {
        let y: Vec<u32> = (0..1000).map(|i| u32::from(i % 10 == 0)).collect();
        let f = assign(&Labels::Classes { y: &y, k: 2 }, 1000, 5, 1);
        for fold in 0..5u8 {
            let (_, test) = split(&f, fold);
            assert_eq!(test.len(), 200);
            assert_eq!(test.iter().filter(|&&r| y[r as usize] == 1).count(), 20);
        }
        assert_eq!(f, assign(&Labels::Classes { y: &y, k: 2 }, 1000, 5, 1));
        assert_ne!(f, assign(&Labels::Classes { y: &y, k: 2 }, 1000, 5, 2));
    }

    #[test]
    fn subsample_is_sorted_and_bounded() {
        let rows: Vec<u32> = (0..100).collect();
        let s = subsample(&rows, 10, 3);
        assert_eq!(s.len(), 10);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
    }
}
