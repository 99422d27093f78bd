//! Reproducible row sampling for `--max-rows`, done while streaming so a file far larger than
//! memory can be audited on a sample. Each row gets a key from a hash of (seed, row number);
//! the rows with the smallest keys are kept, per target value when the target looks
//! categorical (stratified), else overall (uniform).

use std::collections::{BinaryHeap, HashMap};

/// Strata beyond this count mean the target is not categorical: sample uniformly.
const MAX_STRATA: usize = 50;

/// SplitMix64: a fast, well-mixed hash for per-row keys.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The test `n % d == 0` for one divisor `d`, by a multiplication instead of a division: with
/// `d = o · 2^k` (`o` odd) and `o⁻¹` its inverse modulo 2^64, `d` divides `n` exactly when
/// `(n · o⁻¹) rotated right by k <= (2^64 - 1) / d` (Granlund and Montgomery; Lemire, Kaser
/// and Kurz, "Faster remainder by direct computation", 2019). For tests run on every row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Divides {
    inverse: u64,
    shift: u32,
    limit: u64,
}

impl Divides {
    /// The test for divisor `d` (at least 1).
    pub(crate) fn new(d: u64) -> Self {
        assert!(d > 0, "divisor 0");
        let shift = d.trailing_zeros();
        let odd = d >> shift;
        // Newton's iteration doubles the correct low bits: 3 (odd · odd ≡ 1 mod 8) → 96.
        let mut inverse = odd;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inverse)));
        }
        Divides {
            inverse,
            shift,
            limit: u64::MAX / d,
        }
    }

    /// Whether the divisor divides `n`.
    #[inline]
    pub(crate) fn divides(&self, n: u64) -> bool {
        n.wrapping_mul(self.inverse).rotate_right(self.shift) <= self.limit
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Kept<T> {
    key: u64,
    row: u64,
    fields: T,
}

/// Keeps the `max_rows` rows with the smallest keys, per stratum; `T` is what is kept of a row
/// (its fields while reading a file, nothing for a table in memory).
pub struct Sampler<T: Ord = Vec<String>> {
    max_rows: usize,
    seed: u64,
    strata: HashMap<String, (usize, BinaryHeap<Kept<T>>)>,
    uniform: bool,
    total: u64,
}

impl<T: Ord> Sampler<T> {
    /// A sampler keeping at most `max_rows` rows.
    pub fn new(max_rows: usize, seed: u64) -> Self {
        Sampler {
            max_rows,
            seed,
            strata: HashMap::new(),
            uniform: false,
            total: 0,
        }
    }

    /// Offer one row; `stratum` is the raw target value.
    pub fn offer(&mut self, stratum: &str, fields: T) {
        let row = self.total;
        self.total += 1;
        let key = splitmix64(self.seed ^ splitmix64(row));
        let stratum = if self.uniform { "" } else { stratum.trim() };
        if !self.uniform && !self.strata.contains_key(stratum) && self.strata.len() >= MAX_STRATA {
            self.merge_to_uniform();
            return self.push("", key, row, fields);
        }
        self.push(stratum, key, row, fields);
    }

    fn push(&mut self, stratum: &str, key: u64, row: u64, fields: T) {
        let max = self.max_rows;
        let (count, heap) = self.strata.entry(stratum.to_string()).or_default();
        *count += 1;
        if heap.len() < max {
            heap.push(Kept { key, row, fields });
        } else if heap.peek().is_some_and(|top| key < top.key) {
            heap.pop();
            heap.push(Kept { key, row, fields });
        }
    }

    fn merge_to_uniform(&mut self) {
        let mut count = 0;
        let mut all = BinaryHeap::new();
        for (_, (c, heap)) in self.strata.drain() {
            count += c;
            for k in heap {
                all.push(k);
                if all.len() > self.max_rows {
                    all.pop();
                }
            }
        }
        self.strata.insert(String::new(), (count, all));
        self.uniform = true;
    }

    /// The sample in file order, with stratum sizes proportional to their share of the file.
    pub fn finish(self) -> Vec<T> {
        self.finish_rows().into_iter().map(|(_, f)| f).collect()
    }

    /// The sample in file order with each row's number.
    pub fn finish_rows(self) -> Vec<(u64, T)> {
        let total = self.total as f64;
        let mut strata: Vec<(String, usize, BinaryHeap<Kept<T>>)> = self
            .strata
            .into_iter()
            .map(|(k, (c, h))| (k, c, h))
            .collect();
        strata.sort_by(|a, b| a.0.cmp(&b.0));
        // Largest-remainder apportionment of max_rows over strata.
        let target = (self.max_rows as f64).min(total);
        let exact: Vec<f64> = strata.iter().map(|s| target * s.1 as f64 / total).collect();
        let mut quota: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        let mut left = target as usize - quota.iter().sum::<usize>();
        let mut order: Vec<usize> = (0..strata.len()).collect();
        order.sort_by(|&a, &b| {
            let fa = exact[a] - exact[a].floor();
            let fb = exact[b] - exact[b].floor();
            fb.total_cmp(&fa).then(a.cmp(&b))
        });
        for &i in &order {
            if left == 0 {
                break;
            }
            if quota[i] < strata[i].2.len() {
                quota[i] += 1;
                left -= 1;
            }
        }
        let mut kept: Vec<Kept<T>> = Vec::with_capacity(self.max_rows);
        for ((_, _, heap), q) in strata.into_iter().zip(quota) {
            let mut v = heap.into_sorted_vec();
            v.truncate(q);
            kept.extend(v);
        }
        kept.sort_by_key(|k| k.row);
        kept.into_iter().map(|k| (k.row, k.fields)).collect()
    }
}

/// A reproducible sample of at most `max` rows of a table in memory, stratified by the raw
/// values of column `stratify_by` (when present) exactly as `--max-rows` samples a file.
pub(crate) fn frame(frame: super::Frame, stratify_by: &str, max: usize, seed: u64) -> super::Frame {
    if frame.rows <= max {
        return frame;
    }
    let col = frame.index_of(stratify_by).map(|i| &frame.columns[i]);
    let mut s: Sampler<()> = Sampler::new(max, seed);
    for r in 0..frame.rows {
        let stratum = col.and_then(|c| c.text(r)).unwrap_or_default();
        s.offer(&stratum, ());
    }
    let rows: Vec<usize> = s
        .finish_rows()
        .into_iter()
        .map(|(r, _)| r as usize)
        .collect();
    let total = frame.rows_total;
    let mut out = frame.take(&rows);
    out.rows_total = total;
    out.sampled = true;
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn divides_agrees_with_the_remainder() {
        let mut divisors: Vec<u64> = (1..=300).collect();
        divisors.extend([1 << 20, 3 << 40, 1 << 63, u64::MAX, u64::MAX - 1, 1_000_003]);
        let mut x = 1u64;
        for &d in &divisors {
            let t = super::Divides::new(d);
            for i in 0..2000u64 {
                x = super::splitmix64(x);
                // Random values, multiples of d and their neighbours.
                let m = d.wrapping_mul(x >> 40);
                for n in [x, i, m, m.wrapping_add(1), m.wrapping_sub(1), u64::MAX, 0] {
                    assert_eq!(t.divides(n), n.is_multiple_of(d), "{n} by {d}");
                }
            }
        }
    }

    use super::*;

    fn sample(n: usize, max: usize, seed: u64) -> Vec<Vec<String>> {
        let mut s = Sampler::new(max, seed);
        for i in 0..n {
            let class = if i % 10 == 0 { "rare" } else { "common" };
            s.offer(class, vec![i.to_string(), class.to_string()]);
        }
        s.finish()
    }

    #[test]
    fn stratified_and_reproducible() {
        let a = sample(10_000, 1_000, 7);
        assert_eq!(a.len(), 1_000);
        assert_eq!(a.iter().filter(|r| r[1] == "rare").count(), 100);
        assert_eq!(a, sample(10_000, 1_000, 7));
        assert_ne!(a, sample(10_000, 1_000, 8));
        let rows: Vec<usize> = a.iter().map(|r| r[0].parse().unwrap()).collect();
        assert!(rows.windows(2).all(|w| w[0] < w[1]), "file order kept");
    }

    #[test]
    fn many_strata_fall_back_to_uniform() {
        let mut s = Sampler::new(100, 1);
        for i in 0..5_000 {
            s.offer(&i.to_string(), vec![i.to_string()]);
        }
        assert_eq!(s.finish().len(), 100);
    }
}
