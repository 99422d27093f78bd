//! Seeded K-fold assignment: stratified by class for classification, by sorted target blocks
//! for regression, so every fold sees the whole target range.

use crate::data::sample::splitmix64;
use crate::surrogate::Labels;

/// Fold index (0..k) for every row.
/// `row_keys` identify rows by content (see `BinnedMatrix::row_keys`); ties fall back to position.
pub fn assign(labels: &Labels, row_keys: &[u64], k: usize, seed: u64) -> Vec<u8> {
    let n = row_keys.len();
    let key = |r: usize| (splitmix64(seed.wrapping_mul(0x9E37_79B9) ^ row_keys[r]), r);
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
        let offset = (splitmix64(seed ^ block as u64) % k as u64) as usize;
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
pub fn subsample(rows: &[u32], row_keys: &[u64], max: usize, seed: u64) -> Vec<u32> {
    if rows.len() <= max {
        return rows.to_vec();
    }
    let mut keyed: Vec<(u64, u32)> = rows
        .iter()
        .map(|&r| (splitmix64(seed ^ row_keys[r as usize]), r))
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
        let keys: Vec<u64> = (0..1000).map(splitmix64).collect();
        let f = assign(&Labels::Classes { y: &y, k: 2 }, &keys, 5, 1);
        for fold in 0..5u8 {
            let (_, test) = split(&f, fold);
            assert_eq!(test.len(), 200);
            assert_eq!(test.iter().filter(|&&r| y[r as usize] == 1).count(), 20);
        }
        assert_eq!(f, assign(&Labels::Classes { y: &y, k: 2 }, &keys, 5, 1));
        assert_ne!(f, assign(&Labels::Classes { y: &y, k: 2 }, &keys, 5, 2));
    }

    #[test]
    fn subsample_is_sorted_and_bounded() {
        let rows: Vec<u32> = (0..100).collect();
        let keys: Vec<u64> = (0..100).map(splitmix64).collect();
        let s = subsample(&rows, &keys, 10, 3);
        assert_eq!(s.len(), 10);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
    }
}
