//! Histogram gradient boosting over the shared [`BinnedMatrix`]: binary (logistic), multiclass
//! (softmax, one tree per class per round) and regression (squared error).
//!
//! Why our own rather than a crate: every refit in an audit (per fold, per dropped feature, per
//! cluster) trains on a *subset of features and rows of one matrix*. Here that is a list of
//! feature indices and a list of row indices, with no copy and no per-fit setup. Splits are
//! stored as a 256-bit set of the bins that go left, so ordered features, categories (LightGBM-
//! style gradient-sorted partitions) and missing values (bin 0, sent to whichever side helps)
//! share one representation. Histograms are built per feature in parallel and each feature's
//! histogram is summed in row order, so results are identical for any thread count.

use rayon::prelude::*;

use super::binned::{BinKind, BinnedMatrix};
use super::{Fitted, Labels, Predictions, Surrogate, Variant};
use crate::data::sample::splitmix64;

/// Hyperparameters of the booster.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct GbmParams {
    /// Maximum boosting rounds.
    pub max_trees: usize,
    /// Shrinkage.
    pub learning_rate: f64,
    /// Maximum tree depth.
    pub max_depth: usize,
    /// Minimum rows in a leaf.
    pub min_leaf: usize,
    /// L2 regularisation on leaf values.
    pub lambda: f64,
    /// Stop after this many rounds without validation improvement.
    pub early_stopping: usize,
    /// Fraction of training rows held back for early stopping.
    pub validation_fraction: f64,
    /// Above this many fitting rows, each tree is grown on a seeded half of them (stochastic
    /// gradient boosting): half the histogram work, and no loss of accuracy at that size.
    pub subsample_above: usize,
}

impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            max_trees: 100,
            learning_rate: 0.1,
            max_depth: 6,
            min_leaf: 10,
            lambda: 1.0,
            early_stopping: 15,
            validation_fraction: 0.15,
            subsample_above: 30_000,
        }
    }
}

impl GbmParams {
    /// A cheaper configuration for the many refits of drop-column importance.
    pub fn light() -> Self {
        GbmParams {
            max_trees: 80,
            learning_rate: 0.2,
            max_depth: 4,
            ..Default::default()
        }
    }
}

/// The gradient-boosting surrogate.
#[derive(Debug, Clone, Default)]
pub struct Gbm {
    /// Hyperparameters.
    pub params: GbmParams,
}

#[derive(Debug, Clone)]
enum Node {
    Split {
        feature: u32,
        left_bins: [u64; 4],
        left: u32,
        right: u32,
    },
    Leaf(f64),
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn uses_any(&self, features: &[usize]) -> bool {
        self.nodes.iter().any(
            |n| matches!(n, Node::Split { feature, .. } if features.contains(&(*feature as usize))),
        )
    }

    #[inline]
    fn predict_row(&self, cols: &[&[u8]], r: usize) -> f64 {
        self.walk(cols, r, |_| {})
    }

    /// [`Tree::predict_row`], and the features the row's path reads as a mask ([`path_bit`]
    /// of each): a change to no feature in the mask leaves the output as it is.
    fn predict_row_path(&self, cols: &[&[u8]], r: usize) -> (f64, u64) {
        let mut path = 0u64;
        let v = self.walk(cols, r, |f| path |= path_bit(f));
        (v, path)
    }

    /// Row `r`'s leaf value, calling `visit` with the feature of each split on its path.
    #[inline]
    fn walk(&self, cols: &[&[u8]], r: usize, mut visit: impl FnMut(usize)) -> f64 {
        let mut i = 0usize;
        loop {
            match &self.nodes[i] {
                Node::Leaf(v) => return *v,
                Node::Split {
                    feature,
                    left_bins,
                    left,
                    right,
                } => {
                    visit(*feature as usize);
                    let b = cols[*feature as usize][r];
                    let goes_left = (left_bins[(b >> 6) as usize] >> (b & 63)) & 1 == 1;
                    i = if goes_left { *left } else { *right } as usize;
                }
            }
        }
    }
}

/// A feature's bit in a path mask. Features share bits modulo 64: a shared bit can only make a
/// path look affected when it is not, which costs a traversal, never a wrong output.
fn path_bit(feature: usize) -> u64 {
    1 << (feature % 64)
}

/// A fitted booster.
#[derive(Debug, Clone)]
pub struct GbmModel {
    /// Trees in round-major order: round r, class k is `trees[r * k_out + k]`.
    trees: Vec<Tree>,
    k_out: usize,
    base: Vec<f64>,
    classification: bool,
}

impl GbmModel {
    fn margins(&self, cols: &[&[u8]], rows: &[u32]) -> Vec<f64> {
        let all: Vec<usize> = (0..self.trees.len()).collect();
        let mut out = self.tree_sum(cols, rows, &all);
        for o in out.chunks_mut(self.k_out) {
            o.iter_mut().zip(&self.base).for_each(|(v, b)| *v += b);
        }
        out
    }

    /// Sum of the given trees' outputs per row and class (no base score).
    fn tree_sum(&self, cols: &[&[u8]], rows: &[u32], trees: &[usize]) -> Vec<f64> {
        self.tree_sum_with(trees, rows.len(), |t, i| {
            self.trees[t].predict_row(cols, rows[i] as usize)
        })
    }

    /// Sum over `trees` of `output(tree, row position)` per row and class, trees in order.
    fn tree_sum_with(
        &self,
        trees: &[usize],
        n: usize,
        output: impl Fn(usize, usize) -> f64 + Sync,
    ) -> Vec<f64> {
        let k = self.k_out;
        let mut out = vec![0.0; n * k];
        out.par_chunks_mut(k * 256)
            .enumerate()
            .for_each(|(chunk, buf)| {
                let start = chunk * 256;
                for (j, o) in buf.chunks_mut(k).enumerate() {
                    for &t in trees {
                        o[t % k] += output(t, start + j);
                    }
                }
            });
        out
    }

    fn to_predictions(&self, m: Vec<f64>) -> Predictions {
        if !self.classification {
            return Predictions {
                width: 1,
                values: m,
            };
        }
        if self.k_out == 1 {
            let values = m.iter().flat_map(|&z| {
                let p = sigmoid(z);
                [1.0 - p, p]
            });
            return Predictions {
                width: 2,
                values: values.collect(),
            };
        }
        let mut values = m;
        values.chunks_mut(self.k_out).for_each(softmax_in_place);
        Predictions {
            width: self.k_out,
            values,
        }
    }
}

impl Fitted for GbmModel {
    fn predict(&self, cols: &[&[u8]], rows: &[u32]) -> Predictions {
        self.to_predictions(self.margins(cols, rows))
    }

    /// Only trees that split on a changed feature can change their output: re-predict those,
    /// against each tree's cached output on the original rows.
    fn predict_variants(
        &self,
        cols: &[&[u8]],
        variants: &[Variant],
        rows: &[u32],
    ) -> Vec<Predictions> {
        let k = self.k_out;
        // Each tree's output on each original row, and the features its path there reads.
        let (per_tree, paths): (Vec<Vec<f64>>, Vec<Vec<u64>>) = self
            .trees
            .par_iter()
            .map(|t| {
                rows.iter()
                    .map(|&r| t.predict_row_path(cols, r as usize))
                    .unzip()
            })
            .unzip();
        let mut base = vec![0.0; rows.len() * k];
        for (i, o) in base.chunks_mut(k).enumerate() {
            o.copy_from_slice(&self.base);
            for (t, out) in per_tree.iter().enumerate() {
                o[t % k] += out[i];
            }
        }
        variants
            .par_iter()
            .map(|v| {
                let affected: Vec<usize> = (0..self.trees.len())
                    .filter(|&t| self.trees[t].uses_any(v.changed))
                    .collect();
                let changed = v.changed.iter().fold(0u64, |m, &f| m | path_bit(f));
                // A row whose path in a tree reads no changed feature keeps that tree's output:
                // the cached value stands in for the traversal (the same value, added in the
                // same order).
                let mut m = self.tree_sum_with(&affected, rows.len(), |t, i| {
                    if paths[t][i] & changed == 0 {
                        per_tree[t][i]
                    } else {
                        self.trees[t].predict_row(&v.cols, rows[i] as usize)
                    }
                });
                for (i, o) in m.chunks_mut(k).enumerate() {
                    for c in 0..k {
                        o[c] += base[i * k + c];
                    }
                    for &t in &affected {
                        o[t % k] -= per_tree[t][i];
                    }
                }
                self.to_predictions(m)
            })
            .collect()
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn softmax_in_place(z: &mut [f64]) {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    z.iter_mut().for_each(|v| {
        *v = (*v - max).exp();
        sum += *v;
    });
    z.iter_mut().for_each(|v| *v /= sum);
}

#[derive(Clone, Copy, Default)]
struct Cell {
    g: f64,
    h: f64,
    n: u32,
}

/// A best split candidate for one node.
struct Candidate {
    gain: f64,
    feature: usize,
    left_bins: [u64; 4],
}

struct Grower<'a> {
    cols: Vec<&'a [u8]>,
    features: &'a [usize],
    n_bins: &'a [usize],
    kinds: &'a [BinKind],
    params: &'a GbmParams,
    grad: &'a [f64],
    hess: &'a [f64],
    /// Where each feature's bins start in a histogram, from [`layout`].
    offsets: &'a [usize],
}

/// Where each feature's bins start in a histogram (each takes its own bin count, so wide tables
/// of few distinct values do not pay for 256 cells a feature), and the total length.
fn layout(features: &[usize], n_bins: &[usize]) -> (Vec<usize>, usize) {
    let mut offsets = Vec::with_capacity(features.len());
    let mut len = 0;
    for &f in features {
        offsets.push(len);
        len += n_bins[f].max(1);
    }
    (offsets, len)
}

impl Grower<'_> {
    fn histogram(&self, rows: &[u32]) -> Vec<Cell> {
        let offsets = self.offsets;
        let len = offsets
            .last()
            .zip(self.features.last())
            .map_or(0, |(o, &f)| o + self.n_bins[f].max(1));
        let mut hist = vec![Cell::default(); len];
        let work = rows.len() * self.features.len();
        // Gradients gathered once in node order, so each feature's pass reads them sequentially.
        let gh: Vec<(f64, f64)> = rows
            .iter()
            .map(|&r| (self.grad[r as usize], self.hess[r as usize]))
            .collect();
        // Four features per pass over the rows: each row's gradients and index are read once
        // for all four. Every cell still adds its rows in node order, so the sums are the
        // same bits as one feature at a time.
        let fill = |group: &mut [(usize, &mut [Cell])]| {
            if let [(a, ha), (b, hb), (c, hc), (d, hd)] = group {
                let (ca, cb, cc, cd) = (
                    self.cols[self.features[*a]],
                    self.cols[self.features[*b]],
                    self.cols[self.features[*c]],
                    self.cols[self.features[*d]],
                );
                for (&r, &(g, hs)) in rows.iter().zip(&gh) {
                    let r = r as usize;
                    for (h, col) in [
                        (&mut **ha, ca),
                        (&mut **hb, cb),
                        (&mut **hc, cc),
                        (&mut **hd, cd),
                    ] {
                        let cell = &mut h[col[r] as usize];
                        cell.g += g;
                        cell.h += hs;
                        cell.n += 1;
                    }
                }
                return;
            }
            for (fi, h) in group.iter_mut() {
                let col = self.cols[self.features[*fi]];
                for (&r, &(g, hs)) in rows.iter().zip(&gh) {
                    let c = &mut h[col[r as usize] as usize];
                    c.g += g;
                    c.h += hs;
                    c.n += 1;
                }
            }
        };
        // One mutable slice per feature.
        let mut parts: Vec<(usize, &mut [Cell])> = Vec::with_capacity(offsets.len());
        let mut rest: &mut [Cell] = &mut hist;
        for fi in 0..offsets.len() {
            let end = offsets.get(fi + 1).copied().unwrap_or(len) - offsets[fi];
            let (head, tail) = rest.split_at_mut(end);
            parts.push((fi, head));
            rest = tail;
        }
        if work > 50_000 {
            parts.par_chunks_mut(4).for_each(fill);
        } else {
            parts.chunks_mut(4).for_each(fill);
        }
        hist
    }

    fn best_split(&self, hist: &[Cell], total: Cell) -> Option<Candidate> {
        let lambda = self.params.lambda;
        let min_leaf = self.params.min_leaf as u32;
        let parent = total.g * total.g / (total.h + lambda);
        let score = |l: Cell| {
            let rg = total.g - l.g;
            let rh = total.h - l.h;
            l.g * l.g / (l.h + lambda) + rg * rg / (rh + lambda) - parent
        };
        let ok = |l: Cell| {
            l.n >= min_leaf && total.n - l.n >= min_leaf && l.h > 1e-6 && total.h - l.h > 1e-6
        };
        let mut best: Option<Candidate> = None;
        let offsets = self.offsets;
        for (fi, &f) in self.features.iter().enumerate() {
            let h = &hist[offsets[fi]..offsets[fi] + self.n_bins[f]];
            // The left bins are only gathered for a split that beats the best so far.
            let mut consider = |gain: f64, bins: &mut dyn Iterator<Item = usize>| {
                if gain > 1e-9 && best.as_ref().is_none_or(|b| gain > b.gain) {
                    let mut set = [0u64; 4];
                    bins.for_each(|b| set[b >> 6] |= 1 << (b & 63));
                    best = Some(Candidate {
                        gain,
                        feature: f,
                        left_bins: set,
                    });
                }
            };
            match self.kinds[f] {
                BinKind::Ordered => {
                    // Missing (bin 0) goes right first, then left; thresholds scan bins in order.
                    // Sending missing rows left only differs when the node has some.
                    let directions: &[bool] = if h[0].n > 0 { &[false, true] } else { &[false] };
                    for &missing_left in directions {
                        let mut l = if missing_left { h[0] } else { Cell::default() };
                        let mut best_t = None;
                        let mut best_gain = 0.0;
                        // Missing left with no present bin is the "missing vs present" split.
                        if missing_left && ok(l) {
                            best_gain = score(l);
                            best_t = Some(0);
                        }
                        for (b, c) in h.iter().enumerate().skip(1).take(h.len().saturating_sub(2)) {
                            if c.n == 0 {
                                continue;
                            }
                            l.g += c.g;
                            l.h += c.h;
                            l.n += c.n;
                            if ok(l) {
                                let gain = score(l);
                                if gain > best_gain {
                                    best_gain = gain;
                                    best_t = Some(b);
                                }
                            }
                        }
                        if let Some(t) = best_t {
                            let missing = missing_left.then_some(0);
                            consider(best_gain, &mut (1..=t).chain(missing));
                        }
                    }
                }
                BinKind::Categorical => {
                    // Sort present categories by gradient ratio; the best split is a prefix.
                    let mut order: Vec<usize> = (0..h.len()).filter(|&b| h[b].n > 0).collect();
                    if order.len() < 2 {
                        continue;
                    }
                    order.sort_by(|&a, &b| {
                        let ra = h[a].g / (h[a].h + lambda);
                        let rb = h[b].g / (h[b].h + lambda);
                        ra.total_cmp(&rb).then(a.cmp(&b))
                    });
                    let mut l = Cell::default();
                    let mut best_k = None;
                    let mut best_gain = 0.0;
                    for (k, &b) in order.iter().enumerate().take(order.len() - 1) {
                        l.g += h[b].g;
                        l.h += h[b].h;
                        l.n += h[b].n;
                        if ok(l) {
                            let gain = score(l);
                            if gain > best_gain {
                                best_gain = gain;
                                best_k = Some(k);
                            }
                        }
                    }
                    if let Some(k) = best_k {
                        consider(best_gain, &mut order[..=k].iter().copied());
                    }
                }
            }
        }
        best
    }

    /// Gradient sums over rows.
    fn totals(&self, rows: &[u32]) -> Cell {
        rows.iter().fold(Cell::default(), |a, &r| Cell {
            g: a.g + self.grad[r as usize],
            h: a.h + self.hess[r as usize],
            n: a.n + 1,
        })
    }

    fn can_split(&self, rows: usize, depth: usize) -> bool {
        depth < self.params.max_depth && rows >= 2 * self.params.min_leaf
    }

    /// Grow a subtree over `rows` (reordered in place: each leaf's rows end up together, and
    /// `leaves` gets its row range and value), appending nodes; returns its index. `total` is the
    /// gradient sum of `rows` in their order; `hist` is present exactly when the node may split.
    fn grow(
        &self,
        nodes: &mut Vec<Node>,
        leaves: &mut Vec<(usize, usize, f64)>,
        (rows, start): (&mut [u32], usize),
        total: Cell,
        hist: Option<Vec<Cell>>,
        depth: usize,
    ) -> u32 {
        let idx = nodes.len() as u32;
        let leaf = -total.g / (total.h + self.params.lambda) * self.params.learning_rate;
        let split = hist
            .as_ref()
            .filter(|_| self.can_split(rows.len(), depth))
            .and_then(|hist| self.best_split(hist, total));
        let (Some(hist), Some(split)) = (hist, split) else {
            nodes.push(Node::Leaf(leaf));
            leaves.push((start, start + rows.len(), leaf));
            return idx;
        };
        let col = self.cols[split.feature];
        let in_left = |r: u32| {
            let b = col[r as usize];
            (split.left_bins[(b >> 6) as usize] >> (b & 63)) & 1 == 1
        };
        let (n_left, left_total, right_total) = self.partition(rows, in_left);
        let (lrows, rrows) = rows.split_at_mut(n_left);
        let (lh, rh) =
            if self.can_split(lrows.len(), depth + 1) || self.can_split(rrows.len(), depth + 1) {
                // Build the smaller child's histogram and derive the larger by subtraction.
                let small_is_left = lrows.len() <= rrows.len();
                let small_hist = self.histogram(if small_is_left { lrows } else { rrows });
                let mut large_hist = hist;
                large_hist.iter_mut().zip(&small_hist).for_each(|(p, s)| {
                    p.g -= s.g;
                    p.h -= s.h;
                    p.n -= s.n;
                });
                if small_is_left {
                    (Some(small_hist), Some(large_hist))
                } else {
                    (Some(large_hist), Some(small_hist))
                }
            } else {
                (None, None)
            };
        nodes.push(Node::Leaf(0.0));
        let left = self.grow(nodes, leaves, (lrows, start), left_total, lh, depth + 1);
        let right = self.grow(
            nodes,
            leaves,
            (rrows, start + n_left),
            right_total,
            rh,
            depth + 1,
        );
        nodes[idx as usize] = Node::Split {
            feature: split.feature as u32,
            left_bins: split.left_bins,
            left,
            right,
        };
        idx
    }
}

impl Grower<'_> {
    /// Stable in-place partition: how many rows satisfy `pred` (now at the front), and the
    /// gradient sums of both sides. Each side's sum adds its rows in their (kept) order, so it
    /// is the same bits as [`Grower::totals`] of that side.
    fn partition(&self, rows: &mut [u32], pred: impl Fn(u32) -> bool) -> (usize, Cell, Cell) {
        let mut right = Vec::with_capacity(rows.len() / 2);
        let (mut lt, mut rt) = (Cell::default(), Cell::default());
        let mut w = 0;
        for i in 0..rows.len() {
            let r = rows[i];
            let side = if pred(r) {
                rows[w] = r;
                w += 1;
                &mut lt
            } else {
                right.push(r);
                &mut rt
            };
            side.g += self.grad[r as usize];
            side.h += self.hess[r as usize];
            side.n += 1;
        }
        rows[w..].copy_from_slice(&right);
        (w, lt, rt)
    }
}

/// Loss gradients for the current margins.
fn gradients(
    labels: &Labels,
    margins: &[f64],
    k_out: usize,
    rows: &[u32],
    grad: &mut [Vec<f64>],
    hess: &mut [Vec<f64>],
) {
    for &r in rows {
        let r = r as usize;
        match labels {
            Labels::Values(y) => {
                grad[0][r] = margins[r] - y[r];
                hess[0][r] = 1.0;
            }
            Labels::Classes { y, .. } if k_out == 1 => {
                let p = sigmoid(margins[r]);
                grad[0][r] = p - f64::from(y[r]);
                hess[0][r] = (p * (1.0 - p)).max(1e-6);
            }
            Labels::Classes { y, .. } => {
                let mut p = margins[r * k_out..(r + 1) * k_out].to_vec();
                softmax_in_place(&mut p);
                for k in 0..k_out {
                    let t = if y[r] as usize == k { 1.0 } else { 0.0 };
                    grad[k][r] = p[k] - t;
                    hess[k][r] = (p[k] * (1.0 - p[k])).max(1e-6);
                }
            }
        }
    }
}

fn loss(labels: &Labels, margins: &[f64], k_out: usize, rows: &[u32]) -> f64 {
    let mut s = 0.0;
    for &r in rows {
        let r = r as usize;
        s += match labels {
            Labels::Values(y) => (margins[r] - y[r]).powi(2),
            Labels::Classes { y, .. } if k_out == 1 => {
                let p = sigmoid(margins[r]).clamp(1e-15, 1.0 - 1e-15);
                if y[r] == 1 {
                    -p.ln()
                } else {
                    -(1.0 - p).ln()
                }
            }
            Labels::Classes { y, .. } => {
                let mut p = margins[r * k_out..(r + 1) * k_out].to_vec();
                softmax_in_place(&mut p);
                -p[y[r] as usize].max(1e-15).ln()
            }
        };
    }
    s / rows.len().max(1) as f64
}

impl Gbm {
    /// Fit a booster on `train` rows using only `features`.
    pub fn fit_model(
        &self,
        x: &BinnedMatrix,
        labels: &Labels,
        train: &[u32],
        features: &[usize],
        seed: u64,
    ) -> GbmModel {
        // A subset of the matrix: gather it into compact columns first, so that
        // building histograms reads memory in order instead of missing the cache on every row.
        // Row keys travel with the rows, so the fit is the same either way.
        if train.len() * 10 < x.rows * 9 {
            let rows: Vec<usize> = train.iter().map(|&r| r as usize).collect();
            let sub = x.take_rows(&rows);
            let sub_labels = labels.take(&rows);
            let local: Vec<u32> = (0..rows.len() as u32).collect();
            return self.fit_model(&sub, &sub_labels.labels(), &local, features, seed);
        }
        let p = &self.params;
        let (k_out, classification) = match labels {
            Labels::Classes { k, .. } => (if *k == 2 { 1 } else { *k }, true),
            Labels::Values(_) => (1, false),
        };
        // Hold back a seeded slice of the training rows for early stopping.
        let mut shuffled: Vec<u32> = train.to_vec();
        shuffled.sort_by_key(|&r| (splitmix64(seed ^ x.row_keys[r as usize]), r));
        let n_valid = if train.len() >= 100 {
            (train.len() as f64 * p.validation_fraction) as usize
        } else {
            0
        };
        let (valid, fit_rows) = shuffled.split_at(n_valid);
        let mut fit_rows = fit_rows.to_vec();
        fit_rows.sort_unstable();
        let base = base_score(labels, &fit_rows, k_out);
        let n = x.rows;
        let mut margins = vec![0.0; n * k_out];
        for r in fit_rows.iter().chain(valid) {
            let r = *r as usize;
            margins[r * k_out..(r + 1) * k_out].copy_from_slice(&base);
        }
        let mut grad = vec![vec![0.0; n]; k_out];
        let mut hess = vec![vec![0.0; n]; k_out];
        let mut trees: Vec<Tree> = Vec::new();
        let mut best = (f64::INFINITY, 0usize);
        let view = x.view();
        let features: Vec<usize> = features
            .iter()
            .copied()
            .filter(|&f| x.n_bins[f] >= 2)
            .collect();
        let mut work = fit_rows.clone();
        let mut rest: Vec<u32> = Vec::new();
        let mut leaves: Vec<(usize, usize, f64)> = Vec::new();
        let subsample = fit_rows.len() > p.subsample_above;
        let (offsets, _) = layout(&features, &x.n_bins);
        // With one output, a subsample and features to split on, a tree reads the gradients of
        // the rows it is grown on only: the others are not computed (the same values where read).
        let only_work = k_out == 1 && subsample && !features.is_empty();
        for round in 0..p.max_trees {
            if !only_work {
                gradients(labels, &margins, k_out, &fit_rows, &mut grad, &mut hess);
            }
            for k in 0..k_out {
                work.clear();
                rest.clear();
                if subsample {
                    // Keyed by row content, so the choice does not depend on row order.
                    let salt = splitmix64(seed ^ (round as u64 * k_out as u64 + k as u64 + 1));
                    for &r in &fit_rows {
                        if splitmix64(salt ^ x.row_keys[r as usize]) & 1 == 0 {
                            work.push(r);
                        } else {
                            rest.push(r);
                        }
                    }
                } else {
                    work.extend_from_slice(&fit_rows);
                }
                if only_work {
                    gradients(labels, &margins, 1, &work, &mut grad, &mut hess);
                }
                let grower = Grower {
                    cols: view.clone(),
                    features: &features,
                    n_bins: &x.n_bins,
                    kinds: &x.kinds,
                    params: p,
                    grad: &grad[k],
                    hess: &hess[k],
                    offsets: &offsets,
                };
                leaves.clear();
                let tree = if features.is_empty() {
                    let g: f64 = fit_rows.iter().map(|&r| grad[k][r as usize]).sum();
                    let h: f64 = fit_rows.iter().map(|&r| hess[k][r as usize]).sum();
                    let leaf = -g / (h + p.lambda) * p.learning_rate;
                    leaves.push((0, work.len(), leaf));
                    Tree {
                        nodes: vec![Node::Leaf(leaf)],
                    }
                } else {
                    let hist = grower.histogram(&work);
                    let total = grower.totals(&work);
                    let mut nodes = Vec::new();
                    grower.grow(
                        &mut nodes,
                        &mut leaves,
                        (&mut work, 0),
                        total,
                        Some(hist),
                        0,
                    );
                    Tree { nodes }
                };
                // The rows the tree was grown on know their leaf (one addition a row, as
                // predicting gives); the others are predicted.
                for &(from, to, value) in &leaves {
                    for &r in &work[from..to] {
                        margins[r as usize * k_out + k] += value;
                    }
                }
                for &r in rest.iter().chain(valid) {
                    let r = r as usize;
                    margins[r * k_out + k] += tree.predict_row(&view, r);
                }
                trees.push(tree);
            }
            if !valid.is_empty() {
                let l = loss(labels, &margins, k_out, valid);
                if l < best.0 - 1e-12 {
                    best = (l, round + 1);
                } else if round + 1 - best.1 >= p.early_stopping {
                    break;
                }
            } else {
                best.1 = round + 1;
            }
        }
        trees.truncate(best.1.max(1) * k_out);
        GbmModel {
            trees,
            k_out,
            base,
            classification,
        }
    }
}

fn base_score(labels: &Labels, rows: &[u32], k_out: usize) -> Vec<f64> {
    let n = rows.len().max(1) as f64;
    match labels {
        Labels::Values(y) => vec![rows.iter().map(|&r| y[r as usize]).sum::<f64>() / n],
        Labels::Classes { y, k } => {
            let mut counts = vec![0.0; *k];
            rows.iter()
                .for_each(|&r| counts[y[r as usize] as usize] += 1.0);
            let prior: Vec<f64> = counts
                .iter()
                .map(|c| ((c + 0.5) / (n + 0.5 * *k as f64)).clamp(1e-6, 1.0 - 1e-6))
                .collect();
            if k_out == 1 {
                vec![(prior[1] / prior[0]).ln()]
            } else {
                prior.iter().map(|p| p.ln()).collect()
            }
        }
    }
}

impl Surrogate for Gbm {
    fn name(&self) -> &'static str {
        "gbm"
    }

    fn fit(
        &self,
        x: &BinnedMatrix,
        labels: &Labels,
        train: &[u32],
        features: &[usize],
        seed: u64,
    ) -> crate::Result<Box<dyn Fitted>> {
        Ok(Box::new(self.fit_model(x, labels, train, features, seed)))
    }

    fn light(&self) -> Box<dyn Surrogate> {
        Box::new(Gbm {
            params: GbmParams::light(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ColumnBuilder;

    fn matrix(cols: &[Vec<f64>]) -> BinnedMatrix {
        let columns: Vec<_> = cols
            .iter()
            .map(|v| {
                let mut b = ColumnBuilder::new();
                v.iter().for_each(|x| {
                    b.push(&if x.is_nan() {
                        String::new()
                    } else {
                        x.to_string()
                    })
                });
                b.finish("x".into())
            })
            .collect();
        BinnedMatrix::from_columns(&columns)
    }

    #[test]
    fn learns_a_threshold_and_missingness() {
        let n = 2000;
        let x0: Vec<f64> = (0..n).map(|i| (i % 100) as f64).collect();
        let x1: Vec<f64> = (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    f64::NAN
                } else {
                    1.0 + (i % 7) as f64
                }
            })
            .collect();
        let y: Vec<u32> = (0..n)
            .map(|i| u32::from(x0[i] > 50.0 || x1[i].is_nan()))
            .collect();
        let m = matrix(&[x0, x1]);
        let rows: Vec<u32> = (0..n as u32).collect();
        let labels = Labels::Classes { y: &y, k: 2 };
        let model = Gbm::default().fit_model(&m, &labels, &rows, &[0, 1], 1);
        let pred = model.predict(&m.view(), &rows);
        let errors = (0..n)
            .filter(|&i| (pred.values[i * 2 + 1] > 0.5) != (y[i] == 1))
            .count();
        assert!(errors < n / 100, "{errors} errors");
    }

    #[test]
    fn regression_and_multiclass_fit() {
        let n = 1500;
        let x0: Vec<f64> = (0..n).map(|i| (i % 50) as f64).collect();
        let yr: Vec<f64> = x0.iter().map(|x| 3.0 * x).collect();
        let m = matrix(std::slice::from_ref(&x0));
        let rows: Vec<u32> = (0..n as u32).collect();
        let model = Gbm::default().fit_model(&m, &Labels::Values(&yr), &rows, &[0], 2);
        let p = model.predict(&m.view(), &rows);
        let mse: f64 = p
            .values
            .iter()
            .zip(&yr)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / n as f64;
        assert!(mse < 10.0, "mse {mse}");
        let yc: Vec<u32> = x0.iter().map(|&x| (x as u32) / 17).collect();
        let model = Gbm::default().fit_model(&m, &Labels::Classes { y: &yc, k: 3 }, &rows, &[0], 3);
        let p = model.predict(&m.view(), &rows);
        assert_eq!(p.width, 3);
        let acc = (0..n)
            .filter(|&i| {
                let row = &p.values[i * 3..i * 3 + 3];
                let arg = (0..3).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
                arg as u32 == yc[i]
            })
            .count();
        assert!(acc > n * 97 / 100);
    }

    #[test]
    fn categorical_partition_split() {
        // Category codes scattered so that no ordered threshold separates the classes.
        let n = 1200;
        let cats = ["d", "a", "e", "b", "f", "c"];
        let mut b = ColumnBuilder::new();
        let mut y = Vec::new();
        for i in 0..n {
            let c = cats[i % 6];
            b.push(c);
            y.push(u32::from(matches!(c, "a" | "b" | "c")));
        }
        let m = BinnedMatrix::from_columns(&[b.finish("c".into())]);
        let rows: Vec<u32> = (0..n as u32).collect();
        let params = GbmParams {
            max_depth: 1,
            max_trees: 30,
            ..Default::default()
        };
        let model = Gbm { params }.fit_model(&m, &Labels::Classes { y: &y, k: 2 }, &rows, &[0], 4);
        let p = model.predict(&m.view(), &rows);
        assert!((0..n).all(|i| (p.values[i * 2 + 1] > 0.5) == (y[i] == 1)));
    }
    /// Outputs taken from the path cache are the bits a traversal of every affected tree
    /// gives: 70 features (so features 64 and up share path bits with 0 and up), 3 classes.
    #[test]
    fn variants_from_cached_paths_equal_full_traversal() {
        use crate::surrogate::{Fitted, Variant};
        let n = 600;
        let cols: Vec<Vec<f64>> = (0..70)
            .map(|j| {
                (0..n)
                    .map(|i| {
                        if (i + j) % 29 == 0 {
                            f64::NAN
                        } else {
                            ((i * (j + 3)) % 17) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let y: Vec<u32> = (0..n)
            .map(|i| ((cols[0][i] + cols[65][i] + cols[6][i]) as u32) % 3)
            .collect();
        let m = matrix(&cols);
        let rows: Vec<u32> = (0..n as u32).collect();
        let features: Vec<usize> = (0..70).collect();
        let params = GbmParams {
            max_depth: 4,
            max_trees: 20,
            ..Default::default()
        };
        let model =
            Gbm { params }.fit_model(&m, &Labels::Classes { y: &y, k: 3 }, &rows, &features, 7);
        let view = m.view();
        let reversed: Vec<Vec<u8>> = m
            .cols
            .iter()
            .map(|c| c.iter().rev().copied().collect())
            .collect();
        let groups: Vec<Vec<usize>> = vec![vec![0], vec![64], vec![65], vec![6, 69], vec![33]];
        let variants: Vec<Variant> = groups
            .iter()
            .map(|g| {
                let mut cols = view.clone();
                g.iter().for_each(|&f| cols[f] = &reversed[f]);
                Variant { changed: g, cols }
            })
            .collect();
        let got = model.predict_variants(&view, &variants, &rows);
        // The arithmetic of predict_variants with every affected tree traversed.
        let k = model.k_out;
        let per_tree: Vec<Vec<f64>> = model
            .trees
            .iter()
            .map(|t| {
                rows.iter()
                    .map(|&r| t.predict_row(&view, r as usize))
                    .collect()
            })
            .collect();
        for (v, got) in variants.iter().zip(&got) {
            let affected: Vec<usize> = (0..model.trees.len())
                .filter(|&t| model.trees[t].uses_any(v.changed))
                .collect();
            let mut want = model.tree_sum(&v.cols, &rows, &affected);
            for (i, o) in want.chunks_mut(k).enumerate() {
                let mut base = model.base.clone();
                for (t, out) in per_tree.iter().enumerate() {
                    base[t % k] += out[i];
                }
                (0..k).for_each(|c| o[c] += base[c]);
                affected.iter().for_each(|&t| o[t % k] -= per_tree[t][i]);
            }
            let want = model.to_predictions(want);
            let bits = |p: &[f64]| p.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got.values), bits(&want.values), "{:?}", v.changed);
        }
    }
}
