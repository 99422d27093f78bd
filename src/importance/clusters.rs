//! Clusters of strongly correlated ordered features (|rank correlation| over bins above a
//! threshold, linked transitively). Correlated features share credit under permutation and
//! drop-column importance, so a leak copied into two columns would otherwise hide itself.

use crate::surrogate::binned::{BinKind, BinnedMatrix, MISSING_BIN};

/// Rows used to estimate correlations.
const MAX_ROWS: usize = 20_000;

/// Groups (size >= 2) of features whose pairwise |correlation| reaches `threshold`.
pub fn correlated_clusters(
    x: &BinnedMatrix,
    features: &[usize],
    threshold: f64,
) -> Vec<Vec<usize>> {
    let ordered: Vec<usize> = features
        .iter()
        .copied()
        .filter(|&f| x.kinds[f] == BinKind::Ordered && x.n_bins[f] > 2)
        .collect();
    let step = (x.rows / MAX_ROWS).max(1);
    let rows: Vec<usize> = (0..x.rows).step_by(step).collect();
    let mut parent: Vec<usize> = (0..ordered.len()).collect();
    fn find(p: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for a in 0..ordered.len() {
        for b in a + 1..ordered.len() {
            if corr(&x.cols[ordered[a]], &x.cols[ordered[b]], &rows).abs() >= threshold {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, &f) in ordered.iter().enumerate() {
        groups.entry(find(&mut parent, i)).or_default().push(f);
    }
    groups.into_values().filter(|g| g.len() >= 2).collect()
}

/// Pearson correlation of bin indices over rows where both are present.
fn corr(a: &[u8], b: &[u8], rows: &[usize]) -> f64 {
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for &r in rows {
        if a[r] == MISSING_BIN || b[r] == MISSING_BIN {
            continue;
        }
        let (x, y) = (f64::from(a[r]), f64::from(b[r]));
        n += 1.0;
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    if n < 10.0 {
        return 0.0;
    }
    let cov = sab / n - sa / n * sb / n;
    let va = saa / n - (sa / n).powi(2);
    let vb = sbb / n - (sb / n).powi(2);
    if va <= 0.0 || vb <= 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}
