//! One shared, column-major `u8` matrix of binned features: every fit, refit and permutation
//! reads it, so no fit copies the data. Bin 0 always means "missing", so models handle missing
//! values natively and missingness itself is learnable.

use crate::data::sample::splitmix64;
use crate::data::{Column, Numbers, Values, MISSING_CODE};

/// Largest number of non-missing bins per feature.
pub const MAX_BINS: usize = 255;
/// The bin holding missing values.
pub const MISSING_BIN: u8 = 0;

/// How a feature's bins are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinKind {
    /// Bins are ordered intervals of a numeric value.
    Ordered,
    /// Bins are unordered categories.
    Categorical,
}

/// Binned features, one `Vec<u8>` per feature.
#[derive(Debug, Clone)]
pub struct BinnedMatrix {
    /// Rows.
    pub rows: usize,
    /// Bins per feature (column-major).
    pub cols: Vec<Vec<u8>>,
    /// Number of bins in use per feature, including the missing bin.
    pub n_bins: Vec<usize>,
    /// Ordering of each feature's bins.
    pub kinds: Vec<BinKind>,
    /// For ordered features, the upper edge of bin `b` is `edges[b - 1]`.
    pub edges: Vec<Vec<f64>>,
    /// For categorical features, the label of bin `b` is `labels[b - 1]`.
    pub labels: Vec<Vec<String>>,
    /// A hash of each row's bins. Every seeded choice of rows (folds, samples, validation
    /// slices, permutations) is keyed by it rather than by row number, so reordering the file
    /// does not change the audit.
    pub row_keys: Vec<u64>,
}

impl BinnedMatrix {
    /// Bin every column.
    pub fn from_columns(columns: &[Column]) -> Self {
        let rows = columns.first().map_or(0, Column::len);
        let mut m = BinnedMatrix {
            rows,
            cols: Vec::with_capacity(columns.len()),
            n_bins: Vec::new(),
            kinds: Vec::new(),
            edges: Vec::new(),
            labels: Vec::new(),
            row_keys: Vec::new(),
        };
        let binned: Vec<_> = {
            use rayon::prelude::*;
            columns.par_iter().map(bin_column).collect()
        };
        for (col, n, kind, edges, labels) in binned {
            m.cols.push(col);
            m.n_bins.push(n);
            m.kinds.push(kind);
            m.edges.push(edges);
            m.labels.push(labels);
        }
        // Row keys in parallel blocks of rows (each key depends on its row only).
        let cols = &m.cols;
        m.row_keys = {
            use rayon::prelude::*;
            let mut keys = vec![0u64; rows];
            keys.par_chunks_mut(4096)
                .enumerate()
                .for_each(|(chunk, out)| {
                    let start = chunk * 4096;
                    for (i, k) in out.iter_mut().enumerate() {
                        let r = start + i;
                        *k = cols.iter().enumerate().fold(0x5151_u64, |h, (f, c)| {
                            splitmix64(h ^ u64::from(c[r]) ^ ((f as u64) << 8))
                        });
                    }
                });
            keys
        };
        m
    }

    /// The same matrix restricted to `rows` (in that order).
    pub fn take_rows(&self, rows: &[usize]) -> BinnedMatrix {
        BinnedMatrix {
            rows: rows.len(),
            cols: self
                .cols
                .iter()
                .map(|c| rows.iter().map(|&r| c[r]).collect())
                .collect(),
            n_bins: self.n_bins.clone(),
            kinds: self.kinds.clone(),
            edges: self.edges.clone(),
            labels: self.labels.clone(),
            row_keys: rows.iter().map(|&r| self.row_keys[r]).collect(),
        }
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.cols.len()
    }

    /// A view of all columns as slices.
    pub fn view(&self) -> Vec<&[u8]> {
        self.cols.iter().map(Vec::as_slice).collect()
    }

    /// Human-readable description of bin `b` of feature `f` (for evidence).
    pub fn describe_bin(&self, f: usize, b: u8) -> String {
        if b == MISSING_BIN {
            return "missing".into();
        }
        let i = b as usize - 1;
        match self.kinds[f] {
            BinKind::Categorical => self.labels[f][i].clone(),
            BinKind::Ordered => {
                let hi = self.edges[f][i];
                if i == 0 {
                    format!("<= {}", fmt_num(hi))
                } else {
                    format!("({}, {}]", fmt_num(self.edges[f][i - 1]), fmt_num(hi))
                }
            }
        }
    }
}

pub use crate::data::fmt_num;

type Binned = (Vec<u8>, usize, BinKind, Vec<f64>, Vec<String>);

fn bin_column(c: &Column) -> Binned {
    match &c.values {
        Values::Numeric(v) => bin_numeric(v),
        Values::Categorical { codes, levels } => bin_categorical(codes, levels),
    }
}

fn bin_numeric(v: &Numbers) -> Binned {
    let sorted = v.sorted_present();
    let few = {
        let mut distinct = 0usize;
        let mut prev: Option<f64> = None;
        for &x in &sorted {
            if prev != Some(x) {
                distinct += 1;
                if distinct > MAX_BINS {
                    break;
                }
            }
            prev = Some(x);
        }
        distinct <= MAX_BINS
    };
    let edges: Vec<f64> = if few {
        let mut uniq = sorted.clone();
        uniq.dedup();
        uniq
    } else {
        // Quantile edges over the sorted values; duplicates collapse so heavy values keep one bin.
        let mut e: Vec<f64> = (1..MAX_BINS)
            .map(|q| sorted[(q * sorted.len() / MAX_BINS).min(sorted.len() - 1)])
            .collect();
        e.push(*sorted.last().unwrap_or(&0.0));
        e.dedup();
        e
    };
    let col = v.bins(&edges, MISSING_BIN);
    let n = edges.len() + 1;
    (col, n, BinKind::Ordered, edges, Vec::new())
}

fn bin_categorical(codes: &[u32], levels: &[String]) -> Binned {
    let mut counts = vec![0usize; levels.len()];
    codes
        .iter()
        .filter(|&&c| c != MISSING_CODE)
        .for_each(|&c| counts[c as usize] += 1);
    // Most frequent levels get their own bin (ties by label for determinism); the rest share one.
    let mut order: Vec<usize> = (0..levels.len()).filter(|&i| counts[i] > 0).collect();
    order.sort_by(|&a, &b| {
        counts[b]
            .cmp(&counts[a])
            .then_with(|| levels[a].cmp(&levels[b]))
    });
    let own = if order.len() > MAX_BINS {
        MAX_BINS - 1
    } else {
        order.len()
    };
    let mut map = vec![0u8; levels.len()];
    let mut labels = Vec::with_capacity(own + 1);
    for (k, &lvl) in order.iter().enumerate() {
        if k < own {
            map[lvl] = (k + 1) as u8;
            labels.push(levels[lvl].clone());
        } else {
            map[lvl] = (own + 1) as u8;
        }
    }
    if order.len() > own {
        labels.push(format!("(other: {} rare levels)", order.len() - own));
    }
    let col = crate::data::by_code(codes, &map, MISSING_BIN);
    let n = labels.len() + 1;
    (col, n, BinKind::Categorical, Vec::new(), labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ColumnBuilder;

    fn col(vals: &[&str]) -> Column {
        let mut b = ColumnBuilder::new();
        vals.iter().for_each(|v| b.push(v));
        b.finish("c".into())
    }

    #[test]
    fn numeric_bins_keep_order_and_missing() {
        let m = BinnedMatrix::from_columns(&[col(&["3", "1", "", "2", "3"])]);
        assert_eq!(m.cols[0], vec![3, 1, 0, 2, 3]);
        assert_eq!(m.n_bins[0], 4);
        assert_eq!(m.describe_bin(0, 2), "(1, 2]");
        assert_eq!(m.describe_bin(0, 0), "missing");
    }

    #[test]
    fn many_values_fit_in_255_bins() {
        let vals: Vec<String> = (0..10_000).map(|i| (i as f64 * 0.37).to_string()).collect();
        let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
        let m = BinnedMatrix::from_columns(&[col(&refs)]);
        assert!(m.n_bins[0] <= 256);
        assert!(
            m.cols[0].windows(2).all(|w| w[0] <= w[1]),
            "monotone binning"
        );
        assert_eq!(*m.cols[0].last().unwrap() as usize, m.n_bins[0] - 1);
    }

    #[test]
    fn categories_by_frequency() {
        let m = BinnedMatrix::from_columns(&[col(&["b", "a", "b", "", "c", "b", "a"])]);
        assert_eq!(m.cols[0], vec![1, 2, 1, 0, 3, 1, 2]);
        assert_eq!(m.describe_bin(0, 1), "b");
    }
}
