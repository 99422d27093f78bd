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
    /// Trees a fit may grow over all its rounds. A round grows one tree per class, so with
    /// many classes a fit is cut to `max_total_trees / classes` rounds ([`GbmParams::schedule`]).
    pub max_total_trees: usize,
    /// The learning rate a fit cut short may be raised to.
    pub max_learning_rate: f64,
}

/// The audit's booster takes 50 rounds at a learning rate of 0.2 where scikit-learn's and
/// LightGBM's defaults take 100 at 0.1: the same total step in half the trees. A surrogate is
/// a probe of where the information lies, not a model to ship: the last points of accuracy
/// do not move what it leans on, and half the trees halve every fit and every permutation.
/// Early stopping waits 10 rounds without improvement, scikit-learn's `n_iter_no_change`.
impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            max_trees: 50,
            learning_rate: 0.2,
            max_depth: 6,
            min_leaf: 10,
            lambda: 1.0,
            early_stopping: 10,
            validation_fraction: 0.15,
            subsample_above: 30_000,
            max_total_trees: 200,
            max_learning_rate: 0.3,
        }
    }
}

impl GbmParams {
    /// Rounds a fit with `k_out` trees a round may grow: `max_trees`, or fewer when that many
    /// rounds would grow more than `max_total_trees` trees (a 32-class target would grow 3,200
    /// where a binary one grows 100; the histogram work is per tree, so it is the trees that
    /// cost).
    pub fn rounds(&self, k_out: usize) -> usize {
        (self.max_total_trees / k_out.max(1)).clamp(1, self.max_trees.max(1))
    }

    /// The parameters of a fit with `k_out` trees a round: its [`GbmParams::rounds`], and when
    /// they are cut, a learning rate raised in proportion (up to `max_learning_rate`), so that
    /// fewer rounds take about the same total step.
    pub fn schedule(&self, k_out: usize) -> GbmParams {
        let rounds = self.rounds(k_out);
        if rounds >= self.max_trees {
            return self.clone();
        }
        let raised = self.learning_rate * self.max_trees as f64 / rounds as f64;
        GbmParams {
            max_trees: rounds,
            learning_rate: raised.min(self.max_learning_rate.max(self.learning_rate)),
            ..self.clone()
        }
    }

    /// A cheaper configuration for the many refits of drop-column importance and peeling:
    /// shallower trees. (A higher learning rate for fewer rounds was tried: on a few hundred
    /// rows it overfits, and the drop-column baseline loses half its skill.)
    pub fn light() -> Self {
        GbmParams {
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

/// A tree as prediction reads it, flattened from its grown [`Node`]s: a split is a 20-byte step,
/// an ordered split a threshold (the bins up to it go left, and the missing bin 0 when the split
/// sends it left), a categorical split an index into the tree's bin sets. A leaf is a step whose
/// children are itself, so a walk of `depth` steps ends on the row's leaf whatever its path's
/// length, and rows can be walked side by side without a branch on where each one is.
#[derive(Debug, Clone)]
struct Tree {
    /// The root first.
    steps: Vec<Step>,
    /// Bins going left, of the splits that are not a threshold.
    sets: Vec<[u64; 4]>,
    /// Each step's value (a leaf's output; zero for a split).
    values: Vec<f64>,
    /// Splits on the longest path.
    depth: usize,
}

#[derive(Debug, Clone, Copy)]
struct Step {
    feature: u32,
    /// The highest bin that goes left (threshold rule), or an index into `sets` (set rule).
    rule: u32,
    kind: Rule,
    /// Children (indices into `steps`); a leaf's are its own.
    left: u32,
    right: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    /// Bins 1..=rule go left, and bin 0 (missing) too when `true`.
    Threshold(bool),
    /// The bins of `sets[rule]` go left.
    Set,
}

/// Rows walked side by side through one tree (see [`Tree::predict_rows`]).
const LANES: usize = 8;

impl Tree {
    /// Flatten grown nodes (the root first).
    fn from_nodes(nodes: &[Node]) -> Tree {
        let mut tree = Tree {
            steps: Vec::new(),
            sets: Vec::new(),
            values: Vec::new(),
            depth: 0,
        };
        tree.add(nodes, 0, 0);
        tree
    }

    fn add(&mut self, nodes: &[Node], i: usize, depth: usize) -> u32 {
        let at = self.steps.len();
        let here = at as u32;
        match &nodes[i] {
            Node::Leaf(v) => {
                // Threshold 0 with missing right sends every bin right: to itself.
                self.steps.push(Step {
                    feature: 0,
                    rule: 0,
                    kind: Rule::Threshold(false),
                    left: here,
                    right: here,
                });
                self.values.push(*v);
                self.depth = self.depth.max(depth);
            }
            Node::Split {
                feature,
                left_bins,
                left,
                right,
            } => {
                let (rule, kind) = match threshold(left_bins) {
                    Some((t, missing_left)) => (u32::from(t), Rule::Threshold(missing_left)),
                    None => {
                        self.sets.push(*left_bins);
                        ((self.sets.len() - 1) as u32, Rule::Set)
                    }
                };
                self.steps.push(Step {
                    feature: *feature,
                    rule,
                    kind,
                    left: 0,
                    right: 0,
                });
                self.values.push(0.0);
                let l = self.add(nodes, *left as usize, depth + 1);
                let r = self.add(nodes, *right as usize, depth + 1);
                self.steps[at].left = l;
                self.steps[at].right = r;
            }
        }
        here
    }

    fn is_leaf(&self, i: usize) -> bool {
        self.steps[i].left as usize == i
    }

    fn uses_any(&self, features: &[usize]) -> bool {
        (0..self.steps.len())
            .any(|i| !self.is_leaf(i) && features.contains(&(self.steps[i].feature as usize)))
    }

    /// The child of step `s` that a row with bin `b` goes to.
    #[inline]
    fn next(&self, s: &Step, b: u8) -> u32 {
        let goes_left = match s.kind {
            Rule::Threshold(missing_left) => {
                (u32::from(b.wrapping_sub(1)) < s.rule) | (b == 0 && missing_left)
            }
            Rule::Set => contains(&self.sets[s.rule as usize], b),
        };
        if goes_left {
            s.left
        } else {
            s.right
        }
    }

    #[cfg(test)]
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
        let mut i = 0;
        while !self.is_leaf(i) {
            let s = &self.steps[i];
            visit(s.feature as usize);
            i = self.next(s, cols[s.feature as usize][r]) as usize;
        }
        self.values[i]
    }

    /// The outputs of `rows` into `out`: [`LANES`] rows at a time, each walked `depth` steps
    /// in turn, so the walks overlap instead of each waiting on its own branches.
    fn predict_rows(&self, cols: &[&[u8]], rows: &[u32], out: &mut [f64]) {
        if self.depth == 0 {
            out.fill(self.values[0]);
            return;
        }
        for (rs, os) in rows.chunks(LANES).zip(out.chunks_mut(LANES)) {
            let mut at = [0u32; LANES];
            for _ in 0..self.depth {
                for (a, &r) in at.iter_mut().zip(rs) {
                    let s = &self.steps[*a as usize];
                    *a = self.next(s, cols[s.feature as usize][r as usize]);
                }
            }
            for (o, &a) in os.iter_mut().zip(&at) {
                *o = self.values[a as usize];
            }
        }
    }
}

/// A set of left bins as a threshold rule: bins 1..=t and maybe the missing bin 0, `(t, bin 0
/// included)`; `None` for any other set.
fn threshold(set: &[u64; 4]) -> Option<(u8, bool)> {
    let missing_left = set[0] & 1 == 1;
    let mut present = *set;
    present[0] &= !1;
    let count: u32 = present.iter().map(|w| w.count_ones()).sum();
    // Bins 1..=count exactly.
    let t = count as usize;
    let mut want = [0u64; 4];
    (1..=t).for_each(|b| want[b >> 6] |= 1 << (b & 63));
    (present == want && t <= usize::from(u8::MAX)).then_some((t as u8, missing_left))
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
    /// Each row's margins: its trees' outputs added in order, then the base score.
    fn margins(&self, cols: &[&[u8]], rows: &[u32]) -> Vec<f64> {
        let k = self.k_out;
        let mut out = vec![0.0; rows.len() * k];
        // Tree by tree over a block of rows: a tree's nodes are read for the whole block at
        // once. Each row still adds its trees in order, so its sums are the same bits as row by
        // row.
        out.par_chunks_mut(k * 256)
            .enumerate()
            .for_each(|(chunk, buf)| {
                let block = &rows[chunk * 256..chunk * 256 + buf.len() / k];
                let mut tree_out = vec![0.0; block.len()];
                for (t, tree) in self.trees.iter().enumerate() {
                    tree.predict_rows(cols, block, &mut tree_out);
                    for (o, v) in buf.chunks_mut(k).zip(&tree_out) {
                        o[t % k] += v;
                    }
                }
                for o in buf.chunks_mut(k) {
                    o.iter_mut().zip(&self.base).for_each(|(v, b)| *v += b);
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

    /// Only trees that split on a changed feature can change their output, and only on rows
    /// whose changed features moved and whose path reads one: re-predict those, and add what
    /// changed to the original rows' margins. A row nothing changed keeps the original
    /// prediction as it is (no link function applied again).
    fn predict_variants(
        &self,
        cols: &[&[u8]],
        variants: &[Variant],
        rows: &[u32],
    ) -> Vec<Predictions> {
        let k = self.k_out;
        let n = rows.len();
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
        // The original margins as `margins` adds them (each row its trees in order, then the
        // base score), and their predictions: `predict`'s, bit for bit.
        let mut base = vec![0.0; n * k];
        for (t, out) in per_tree.iter().enumerate() {
            for (o, v) in base.chunks_mut(k).zip(out) {
                o[t % k] += v;
            }
        }
        for o in base.chunks_mut(k) {
            o.iter_mut().zip(&self.base).for_each(|(v, b)| *v += b);
        }
        let original = self.to_predictions(base.clone());
        let width = original.width;
        variants
            .par_iter()
            .map(|v| {
                // A row whose changed features kept their bins (a permutation leaves many rows
                // of a low-cardinality feature as they were) reads as the original row.
                let moved: Vec<bool> = rows
                    .iter()
                    .map(|&r| {
                        let r = r as usize;
                        v.changed.iter().any(|&f| v.cols[f][r] != cols[f][r])
                    })
                    .collect();
                let changed = v.changed.iter().fold(0u64, |m, &f| m | path_bit(f));
                // Per row, its margins with each affected tree's change (new output less the
                // original) added in tree order.
                let mut margins = base.clone();
                let mut touched = vec![false; n];
                let (mut walk, mut ids, mut walked) = (Vec::new(), Vec::new(), Vec::new());
                for (t, tree) in self.trees.iter().enumerate() {
                    if !tree.uses_any(v.changed) {
                        continue;
                    }
                    walk.clear();
                    walk.extend((0..n).filter(|&i| moved[i] && paths[t][i] & changed != 0));
                    ids.clear();
                    ids.extend(walk.iter().map(|&i| rows[i]));
                    walked.clear();
                    walked.resize(ids.len(), 0.0);
                    tree.predict_rows(&v.cols, &ids, &mut walked);
                    for (&i, &w) in walk.iter().zip(&walked) {
                        let d = w - per_tree[t][i];
                        if d != 0.0 {
                            margins[i * k + t % k] += d;
                            touched[i] = true;
                        }
                    }
                }
                let changed_rows: Vec<usize> = (0..n).filter(|&i| touched[i]).collect();
                let mut m = Vec::with_capacity(changed_rows.len() * k);
                for &i in &changed_rows {
                    m.extend_from_slice(&margins[i * k..(i + 1) * k]);
                }
                let new = self.to_predictions(m);
                let mut values = original.values.clone();
                for (j, &i) in changed_rows.iter().enumerate() {
                    values[i * width..(i + 1) * width]
                        .copy_from_slice(&new.values[j * width..(j + 1) * width]);
                }
                Predictions { width, values }
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
    /// Total cells of a histogram.
    len: usize,
    /// Every hessian is one (squared error): histograms count rows and take the counts as
    /// hessian sums.
    unit_hessian: bool,
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

/// A set of bins (a bin is a `u8`): one bit each.
type BinSet = [u64; 4];

fn insert(set: &mut BinSet, b: usize) {
    set[b >> 6] |= 1 << (b & 63);
}

fn remove(set: &mut BinSet, b: usize) {
    set[b >> 6] &= !(1 << (b & 63));
}

#[inline]
fn contains(set: &BinSet, b: u8) -> bool {
    (set[usize::from(b >> 6)] >> (b & 63)) & 1 == 1
}

/// The bins of `set` in increasing order.
fn members(set: &BinSet) -> impl Iterator<Item = usize> + '_ {
    set.iter().enumerate().flat_map(|(w, &word)| {
        let mut m = word;
        std::iter::from_fn(move || {
            (m != 0).then(|| {
                let b = m.trailing_zeros() as usize;
                m &= m - 1;
                w * 64 + b
            })
        })
    })
}

/// A node's gradient histogram: one cell per (feature, bin), and per feature the set of bins
/// that hold rows of the node. Every cell outside its feature's set is zero, so a split search
/// visits the occupied bins only (a node deep in a tree holds a few rows over 255 bins), and a
/// histogram is cleared by zeroing those cells alone.
struct Hist {
    cells: Vec<Cell>,
    occupied: Vec<BinSet>,
}

/// Each leaf's range of rows (in the grown order) and its value.
type Leaves = Vec<(usize, usize, f64)>;

/// Histograms no longer in use, all zero, for the next node to fill.
#[derive(Default)]
struct Pool(Vec<Hist>);

impl Pool {
    fn take(&mut self, len: usize, features: usize) -> Hist {
        self.0.pop().unwrap_or_else(|| Hist {
            cells: vec![Cell::default(); len],
            occupied: vec![[0; 4]; features],
        })
    }

    /// Zero the occupied cells and keep the histogram for another node.
    fn give(&mut self, mut hist: Hist, offsets: &[usize]) {
        for (fi, set) in hist.occupied.iter_mut().enumerate() {
            for b in members(set) {
                hist.cells[offsets[fi] + b] = Cell::default();
            }
            *set = [0; 4];
        }
        self.0.push(hist);
    }
}

/// Add `rows` (with their gradients `gh`, in that order) to the histograms of a group of
/// features, four per pass over the rows when the group has four: each row's gradients and index
/// are read once for all four. Every cell still adds its rows in row order, so the sums are the
/// same bits as one feature at a time. With `UNIT` every hessian is one and cells count rows
/// only (the caller sets their hessian sums to the counts).
fn accumulate<const UNIT: bool>(
    cols: &[&[u8]],
    features: &[usize],
    rows: &[u32],
    gh: &[(f64, f64)],
    group: &mut [(usize, &mut [Cell], &mut BinSet)],
) {
    let add = |cell: &mut Cell, g: f64, hs: f64| {
        cell.g += g;
        if !UNIT {
            cell.h += hs;
        }
        cell.n += 1;
    };
    if let [(a, ha, _), (b, hb, _), (c, hc, _), (d, hd, _)] = group {
        let (ca, cb, cc, cd) = (
            cols[features[*a]],
            cols[features[*b]],
            cols[features[*c]],
            cols[features[*d]],
        );
        for (&r, &(g, hs)) in rows.iter().zip(gh) {
            let r = r as usize;
            add(&mut ha[ca[r] as usize], g, hs);
            add(&mut hb[cb[r] as usize], g, hs);
            add(&mut hc[cc[r] as usize], g, hs);
            add(&mut hd[cd[r] as usize], g, hs);
        }
    } else {
        for (fi, h, _) in group.iter_mut() {
            let col = cols[features[*fi]];
            for (&r, &(g, hs)) in rows.iter().zip(gh) {
                add(&mut h[col[r as usize] as usize], g, hs);
            }
        }
    }
}

impl Grower<'_> {
    fn histogram(&self, rows: &[u32], pool: &mut Pool) -> Hist {
        let offsets = self.offsets;
        let len = self.len;
        let mut hist = pool.take(len, offsets.len());
        let work = rows.len() * self.features.len();
        // Gradients gathered once in node order, so each feature's pass reads them sequentially.
        let gh: Vec<(f64, f64)> = rows
            .iter()
            .map(|&r| (self.grad[r as usize], self.hess[r as usize]))
            .collect();
        // Which bins a feature's rows fall in: from the rows when they are fewer than the bins,
        // else from the cells.
        let occupancy = |fi: usize, h: &[Cell], set: &mut BinSet| {
            if rows.len() < h.len() {
                let col = self.cols[self.features[fi]];
                rows.iter()
                    .for_each(|&r| insert(set, col[r as usize] as usize));
            } else {
                (0..h.len())
                    .filter(|&b| h[b].n > 0)
                    .for_each(|b| insert(set, b));
            }
        };
        let fill = |group: &mut [(usize, &mut [Cell], &mut BinSet)]| {
            if self.unit_hessian {
                accumulate::<true>(&self.cols, self.features, rows, &gh, group);
            } else {
                accumulate::<false>(&self.cols, self.features, rows, &gh, group);
            }
            for (fi, h, set) in group.iter_mut() {
                occupancy(*fi, h, set);
                if self.unit_hessian {
                    // A sum of ones is its count, exactly.
                    members(set).for_each(|b| h[b].h = f64::from(h[b].n));
                }
            }
        };
        // One mutable slice per feature.
        let mut parts: Vec<(usize, &mut [Cell], &mut BinSet)> = Vec::with_capacity(offsets.len());
        let mut rest: &mut [Cell] = &mut hist.cells;
        for (fi, set) in hist.occupied.iter_mut().enumerate() {
            let end = offsets.get(fi + 1).copied().unwrap_or(len) - offsets[fi];
            let (head, tail) = rest.split_at_mut(end);
            parts.push((fi, head, set));
            rest = tail;
        }
        if work > 50_000 {
            parts.par_chunks_mut(4).for_each(fill);
        } else {
            parts.chunks_mut(4).for_each(fill);
        }
        hist
    }

    /// `parent` minus `small` (a child's histogram), in place: the other child's histogram.
    /// Only the small child's occupied cells change; a cell left with no rows is zeroed and
    /// leaves its set (a cell with no rows is never read, whatever its sums).
    fn subtract(&self, parent: &mut Hist, small: &Hist) {
        for (fi, set) in small.occupied.iter().enumerate() {
            let base = self.offsets[fi];
            let large_set = &mut parent.occupied[fi];
            for b in members(set) {
                let (p, s) = (&mut parent.cells[base + b], &small.cells[base + b]);
                p.g -= s.g;
                p.h -= s.h;
                p.n -= s.n;
                if p.n == 0 {
                    *p = Cell::default();
                    remove(large_set, b);
                }
            }
        }
    }

    fn best_split(&self, hist: &Hist, total: Cell) -> Option<Candidate> {
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
            let h = &hist.cells[offsets[fi]..offsets[fi] + self.n_bins[f]];
            let occupied = &hist.occupied[fi];
            // The left bins are only gathered for a split that beats the best so far.
            let mut consider = |gain: f64, bins: &mut dyn Iterator<Item = usize>| {
                if gain > 1e-9 && best.as_ref().is_none_or(|b| gain > b.gain) {
                    let mut set = [0u64; 4];
                    bins.for_each(|b| insert(&mut set, b));
                    best = Some(Candidate {
                        gain,
                        feature: f,
                        left_bins: set,
                    });
                }
            };
            match self.kinds[f] {
                BinKind::Ordered => {
                    // Missing (bin 0) goes right first, then left; thresholds scan bins in order
                    // (every bin but the missing one and the last, where nothing would be left
                    // on the right). Sending missing rows left only differs when the node has
                    // some.
                    let directions: &[bool] = if h[0].n > 0 { &[false, true] } else { &[false] };
                    let last = h.len().saturating_sub(1);
                    for &missing_left in directions {
                        let mut l = if missing_left { h[0] } else { Cell::default() };
                        let mut best_t = None;
                        let mut best_gain = 0.0;
                        // Missing left with no present bin is the "missing vs present" split.
                        if missing_left && ok(l) {
                            best_gain = score(l);
                            best_t = Some(0);
                        }
                        for b in members(occupied).skip_while(|&b| b == 0) {
                            if b >= last {
                                break;
                            }
                            let c = h[b];
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
                    let mut order: Vec<usize> = members(occupied).collect();
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
    /// gradient sum of `rows` in their order; `hist` is present exactly when the node may split,
    /// and goes back to `pool` once its children have theirs.
    fn grow(
        &self,
        (nodes, leaves, pool): (&mut Vec<Node>, &mut Leaves, &mut Pool),
        (rows, start): (&mut [u32], usize),
        total: Cell,
        hist: Option<Hist>,
        depth: usize,
    ) -> u32 {
        let idx = nodes.len() as u32;
        let leaf = -total.g / (total.h + self.params.lambda) * self.params.learning_rate;
        let split = hist
            .as_ref()
            .filter(|_| self.can_split(rows.len(), depth))
            .and_then(|hist| self.best_split(hist, total));
        let (mut hist, split) = match (hist, split) {
            (Some(hist), Some(split)) => (hist, split),
            (hist, _) => {
                if let Some(hist) = hist {
                    pool.give(hist, self.offsets);
                }
                nodes.push(Node::Leaf(leaf));
                leaves.push((start, start + rows.len(), leaf));
                return idx;
            }
        };
        let col = self.cols[split.feature];
        let in_left = |r: u32| contains(&split.left_bins, col[r as usize]);
        let n_left = partition(rows, in_left);
        let (lrows, rrows) = rows.split_at_mut(n_left);
        let (left_total, right_total) = (self.totals(lrows), self.totals(rrows));
        let (lh, rh) =
            if self.can_split(lrows.len(), depth + 1) || self.can_split(rrows.len(), depth + 1) {
                // Build the smaller child's histogram and derive the larger by subtraction.
                let small_is_left = lrows.len() <= rrows.len();
                let small_hist = self.histogram(if small_is_left { lrows } else { rrows }, pool);
                self.subtract(&mut hist, &small_hist);
                if small_is_left {
                    (Some(small_hist), Some(hist))
                } else {
                    (Some(hist), Some(small_hist))
                }
            } else {
                pool.give(hist, self.offsets);
                (None, None)
            };
        nodes.push(Node::Leaf(0.0));
        let left = self.grow(
            (nodes, leaves, pool),
            (lrows, start),
            left_total,
            lh,
            depth + 1,
        );
        let right = self.grow(
            (nodes, leaves, pool),
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

/// Stable in-place partition: how many rows satisfy `pred`, now at the front, each side in its
/// old order. Every row is written to both sides' next slot and only one cursor moves, so the
/// loop has no branch on the (unpredictable) side.
fn partition(rows: &mut [u32], pred: impl Fn(u32) -> bool) -> usize {
    let mut right = vec![0u32; rows.len()];
    let (mut w, mut k) = (0, 0);
    for i in 0..rows.len() {
        let r = rows[i];
        let left = pred(r);
        rows[w] = r;
        right[k] = r;
        w += usize::from(left);
        k += usize::from(!left);
    }
    rows[w..].copy_from_slice(&right[..k]);
    w
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
    // One row's class probabilities, reused row after row.
    let mut p = vec![0.0; k_out];
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
                p.copy_from_slice(&margins[r * k_out..(r + 1) * k_out]);
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
    let mut p = vec![0.0; k_out];
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
                p.copy_from_slice(&margins[r * k_out..(r + 1) * k_out]);
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
        let (k_out, classification) = match labels {
            Labels::Classes { k, .. } => (if *k == 2 { 1 } else { *k }, true),
            Labels::Values(_) => (1, false),
        };
        let p = &self.params.schedule(k_out);
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
        let mut leaves: Leaves = Vec::new();
        // The rows a tree was not grown on, and its outputs there.
        let (mut others, mut outputs): (Vec<u32>, Vec<f64>) = (Vec::new(), Vec::new());
        let subsample = fit_rows.len() > p.subsample_above;
        let (offsets, len) = layout(&features, &x.n_bins);
        let mut pool = Pool::default();
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
                    len,
                    unit_hessian: !classification,
                };
                leaves.clear();
                let tree = if features.is_empty() {
                    let g: f64 = fit_rows.iter().map(|&r| grad[k][r as usize]).sum();
                    let h: f64 = fit_rows.iter().map(|&r| hess[k][r as usize]).sum();
                    let leaf = -g / (h + p.lambda) * p.learning_rate;
                    leaves.push((0, work.len(), leaf));
                    Tree::from_nodes(&[Node::Leaf(leaf)])
                } else {
                    let hist = grower.histogram(&work, &mut pool);
                    let total = grower.totals(&work);
                    let mut nodes = Vec::new();
                    grower.grow(
                        (&mut nodes, &mut leaves, &mut pool),
                        (&mut work, 0),
                        total,
                        Some(hist),
                        0,
                    );
                    Tree::from_nodes(&nodes)
                };
                // The rows the tree was grown on know their leaf (one addition a row, as
                // predicting gives); the others are predicted.
                for &(from, to, value) in &leaves {
                    for &r in &work[from..to] {
                        margins[r as usize * k_out + k] += value;
                    }
                }
                others.clear();
                others.extend(rest.iter().chain(valid));
                outputs.resize(others.len(), 0.0);
                tree.predict_rows(&view, &others, &mut outputs);
                for (&r, v) in others.iter().zip(&outputs) {
                    margins[r as usize * k_out + k] += v;
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

    fn trees_per_fit(&self, classes: usize) -> usize {
        let k_out = if classes > 2 { classes } else { 1 };
        self.params.rounds(k_out) * k_out
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
    /// A fit grows at most `max_total_trees` trees: up to four classes nothing changes, beyond
    /// that the rounds fall and the learning rate rises in proportion, up to its cap.
    #[test]
    fn many_classes_cut_the_rounds_not_the_binary_fit() {
        let p = GbmParams::default();
        for k_out in [1, 3, 4] {
            assert_eq!(p.schedule(k_out), p, "{k_out} outputs");
        }
        let five = p.schedule(5);
        assert_eq!((five.max_trees, five.learning_rate), (40, 0.25));
        let many = p.schedule(32);
        assert_eq!((many.max_trees, many.learning_rate), (6, 0.3));
        assert_eq!(Gbm::default().trees_per_fit(32), 6 * 32);
        assert_eq!(Gbm::default().trees_per_fit(2), 50);
        assert_eq!(Gbm::default().trees_per_fit(0), 50);
        // The light configuration is cut the same way, from its own rounds.
        let light = GbmParams::light().schedule(32);
        assert_eq!((light.max_trees, light.learning_rate), (6, 0.3));
    }

    /// A left-bin set reads as a threshold exactly when it is bins 1..=t, with or without the
    /// missing bin.
    #[test]
    fn threshold_rules_are_exactly_the_prefix_sets() {
        let set = |bins: &[usize]| {
            let mut s = [0u64; 4];
            bins.iter().for_each(|&b| insert(&mut s, b));
            s
        };
        assert_eq!(threshold(&set(&[1, 2, 3])), Some((3, false)));
        assert_eq!(threshold(&set(&[0, 1, 2])), Some((2, true)));
        assert_eq!(threshold(&set(&[0])), Some((0, true)));
        let all: Vec<usize> = (1..=200).collect();
        assert_eq!(threshold(&set(&all)), Some((200, false)));
        assert_eq!(threshold(&set(&[2, 3])), None);
        assert_eq!(threshold(&set(&[1, 3])), None);
        assert_eq!(threshold(&set(&[0, 70])), None);
    }

    /// A histogram derived by subtraction holds the same rows per bin as one built from the
    /// rows, its occupied sets are exactly the bins with rows, and a histogram given back to
    /// the pool comes out all zero.
    #[test]
    fn subtracted_histograms_match_built_ones() {
        let n = 900;
        let cols: Vec<Vec<f64>> = (0..5)
            .map(|j| {
                (0..n)
                    .map(|i| {
                        if (i * 7 + j) % 41 == 0 {
                            f64::NAN
                        } else {
                            ((i * (j + 2) * 13) % (40 + 50 * j)) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let m = matrix(&cols);
        let features: Vec<usize> = (0..5).collect();
        let grad: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
        let hess = vec![1.0; n];
        let (offsets, len) = layout(&features, &m.n_bins);
        let params = GbmParams::default();
        // With the hessians all one, counting rows must give what adding them does.
        let mut sums = Vec::new();
        for unit_hessian in [false, true] {
            let grower = Grower {
                cols: m.view(),
                features: &features,
                n_bins: &m.n_bins,
                kinds: &m.kinds,
                params: &params,
                grad: &grad,
                hess: &hess,
                offsets: &offsets,
                len,
                unit_hessian,
            };
            let mut pool = Pool::default();
            let all: Vec<u32> = (0..n as u32).collect();
            let (left, right): (Vec<u32>, Vec<u32>) = all.iter().partition(|&&r| r % 3 == 0);
            let mut parent = grower.histogram(&all, &mut pool);
            let small = grower.histogram(&left, &mut pool);
            grower.subtract(&mut parent, &small);
            let built = grower.histogram(&right, &mut pool);
            assert_eq!(parent.occupied, built.occupied);
            for (fi, &offset) in offsets.iter().enumerate() {
                let nonempty: Vec<usize> = (0..m.n_bins[fi])
                    .filter(|&b| built.cells[offset + b].n > 0)
                    .collect();
                assert_eq!(members(&built.occupied[fi]).collect::<Vec<_>>(), nonempty);
            }
            for (a, b) in parent.cells.iter().zip(&built.cells) {
                assert_eq!(a.n, b.n);
                assert!((a.g - b.g).abs() < 1e-9 && (a.h - b.h).abs() < 1e-9);
            }
            let bits = |h: &Hist| -> Vec<(u64, u64, u32)> {
                h.cells
                    .iter()
                    .map(|c| (c.g.to_bits(), c.h.to_bits(), c.n))
                    .collect()
            };
            sums.push(bits(&built));
            pool.give(parent, &offsets);
            let reused = pool.take(len, features.len());
            assert!(reused
                .cells
                .iter()
                .all(|c| c.n == 0 && c.g == 0.0 && c.h == 0.0));
            assert!(reused.occupied.iter().all(|s| *s == [0; 4]));
        }
        assert_eq!(sums[0], sums[1]);
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
        // The arithmetic of predict_variants with every affected tree traversed on every row:
        // the original margins plus each affected tree's change, in tree order; a row nothing
        // changed keeps the original prediction.
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
        let original = model.predict(&view, &rows);
        let width = original.width;
        for (v, got) in variants.iter().zip(&got) {
            let mut want = original.values.clone();
            for i in 0..n {
                let mut margin = vec![0.0; k];
                for (t, out) in per_tree.iter().enumerate() {
                    margin[t % k] += out[i];
                }
                (0..k).for_each(|c| margin[c] += model.base[c]);
                let mut touched = false;
                for (t, tree) in model.trees.iter().enumerate() {
                    if tree.uses_any(v.changed) {
                        let d = tree.predict_row(&v.cols, i) - per_tree[t][i];
                        if d != 0.0 {
                            margin[t % k] += d;
                            touched = true;
                        }
                    }
                }
                if touched {
                    let p = model.to_predictions(margin);
                    want[i * width..(i + 1) * width].copy_from_slice(&p.values);
                }
            }
            let bits = |p: &[f64]| p.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got.values), bits(&want), "{:?}", v.changed);
            // And the predictions of the permuted columns themselves, up to rounding.
            let direct = model.predict(&v.cols, &rows);
            assert!(got
                .values
                .iter()
                .zip(&direct.values)
                .all(|(a, b)| (a - b).abs() <= 1e-12));
        }
    }
}
