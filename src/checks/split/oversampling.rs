//! `oversampled_before_split`: test rows that lie exactly on the segment between two training
//! rows of their class, the rows SMOTE and its relatives synthesise (`a + λ·(b − a)` for a row
//! `a` and one of its same-class neighbours `b`). When oversampling runs before the split, the
//! synthetic test rows have their parents in the training data and the test score is inflated.
//! Real rows rarely fall on such a segment in two or more continuous columns: on a grid (prices,
//! counts) they sit at a simple fraction of it (1/2, 2/3), which does not count; where columns
//! are tied by an identity they do, but in every class alike, while oversampling fills some
//! classes only. The class most on segments must be far above the class least on them.
//! Count columns (every training value whole) are how real churn tables look, and oversamplers
//! that keep a column's integer type write the interpolated count back rounded: such a column
//! may lie within one unit of the segment, and the position on it is read from the continuous
//! columns alone.
//!
//! With leakhound's own split the rows all come from one file: interpolated rows there mean the
//! file was oversampled, which makes cross-validation inside it optimistic (at most `medium`).

use rayon::prelude::*;
use serde::Serialize;

use super::RowContext;
use crate::checks::{About, Check, Stage};
use crate::data::{Dataset, Target, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Picture, Severity};
use crate::seeds::Stream;
use crate::split::{SplitInfo, SplitMode};

/// At least this many test rows on segments, and [`MIN_SHARE`] of those examined: fewer is what
/// real data's geometry puts on a segment by chance. Not settings: a real oversampling puts a
/// large share there, and the counts are in the evidence.
const MIN_HITS: usize = 5;
const MIN_SHARE: f64 = 0.01;
/// The top class's rate on segments must be this many times the lowest other class's, plus
/// [`BASELINE_SLACK`]: oversampling synthesises some classes only, an identity between columns
/// puts every class on segments.
const RATE_RATIO: f64 = 5.0;
const BASELINE_SLACK: f64 = 0.01;
/// A class enters the baseline with this many rows examined, at least: fewer rows give no rate.
const MIN_CLASS_ROWS: usize = 20;
/// On a real split, `high` from this share of the test rows on segments (`medium` below).
const HIGH_SHARE: f64 = 0.02;

/// Test rows examined at most (a seeded sample above).
/// A work budget for large tables, not a threshold.
const MAX_TEST: usize = 1_000;
/// Training rows per class searched at most (a seeded sample above; parents outside the sample
/// are missed, so the count is a lower bound).
/// A work budget for large tables, not a threshold.
const MAX_TRAIN: usize = 20_000;
/// Nearest same-class training rows whose pairs are tried as parents.
/// A work budget for large tables, not a threshold.
const NEIGHBOURS: usize = 8;
/// Distance to the segment allowed, as a fraction of each column's standard deviation: tight,
/// because synthetic rows are exact to float precision (as written by pandas or numpy), while
/// dense real data in two columns comes within 1e-4 of a segment by chance.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const TOLERANCE: f64 = 1e-7;
/// Rows shown in evidence, at most.
/// What the evidence shows, not a threshold.
const SAMPLE: usize = 10;

/// Numeric columns present on both sides that vary, as (train, test) indices, their sd, and
/// whether every training value is whole (a count: oversamplers that keep the column's integer
/// type round or truncate the interpolated value, so it lies within one unit of the segment).
fn columns(train: &Dataset, test: &Dataset) -> Vec<(usize, usize, f64, bool)> {
    train
        .features
        .par_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let Values::Numeric(v) = &c.values else {
                return None;
            };
            let j = test.features.iter().position(|t| t.name == c.name)?;
            if !matches!(test.features[j].values, Values::Numeric(_)) {
                return None;
            }
            let present: Vec<f64> = v.iter().filter(|x| !x.is_nan()).collect();
            let n = present.len().max(1) as f64;
            let mean = present.iter().sum::<f64>() / n;
            let sd = (present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            // Few distinct values (codes, counts, booleans) lie on segments by chance.
            let whole = present.iter().all(|x| x.fract() == 0.0);
            (sd > 0.0 && at_least_distinct(&present, MIN_DISTINCT)).then_some((i, j, sd, whole))
        })
        .collect()
}

/// Distinct values a column needs to be compared.
/// A sample-size guard, not a threshold.
const MIN_DISTINCT: usize = 20;

/// Whether `values` hold at least `k` distinct values (bit patterns), stopping at the `k`-th: a
/// continuous column shows them in its first rows.
fn at_least_distinct(values: &[f64], k: usize) -> bool {
    let mut seen: Vec<u64> = Vec::with_capacity(k);
    for x in values {
        let bits = x.to_bits();
        if !seen.contains(&bits) {
            seen.push(bits);
            if seen.len() >= k {
                return true;
            }
        }
    }
    false
}

/// Row `r` of `ds` over `cols`, scaled by the sd; None when a value is missing.
fn point(ds: &Dataset, cols: &[usize], sd: &[f64], r: usize) -> Option<Vec<f64>> {
    cols.iter()
        .zip(sd)
        .map(|(&c, &s)| match &ds.features[c].values {
            Values::Numeric(v) if !v.is_nan(r) => Some(v.get(r) / s),
            _ => None,
        })
        .collect()
}

/// Whether `t` lies strictly between `a` and `b` (within the tolerance in every column), with
/// `a` and `b` apart in every continuous column (two at least); the position λ when it does.
/// `slack[c]` is how far column `c` may lie off the segment: [`TOLERANCE`] for a continuous
/// column, one unit (in sd units) for a count, which is left out of finding λ.
fn on_segment(t: &[f64], a: &[f64], b: &[f64], slack: &[f64]) -> Option<f64> {
    let (mut num, mut den, mut moving, mut continuous) = (0.0, 0.0, 0, 0);
    for (((&ti, &ai), &bi), &sl) in t.iter().zip(a).zip(b).zip(slack) {
        if sl > TOLERANCE {
            continue;
        }
        continuous += 1;
        let d = bi - ai;
        if d.abs() > TOLERANCE {
            moving += 1;
        }
        num += (ti - ai) * d;
        den += d * d;
    }
    // Synthetic rows move in every continuous column; rows that agree exactly in one (a
    // tenure of 1) lie on a line through an identity between the others, by the data's own
    // geometry.
    if moving < 2 || moving < continuous || den <= 0.0 {
        return None;
    }
    let lambda = num / den;
    // SMOTE draws λ uniformly; a simple fraction (1/2, 2/3, ...) is what values on a grid
    // (prices in cents, counts) give by chance.
    let simple = (1..=20u32).any(|q| {
        let x = lambda * f64::from(q);
        (x - x.round()).abs() <= 1e-6 * f64::from(q)
    });
    if !(0.001..=0.999).contains(&lambda) || simple {
        return None;
    }
    t.iter()
        .zip(a)
        .zip(b)
        .zip(slack)
        .all(|(((&ti, &ai), &bi), &sl)| (ti - (ai + lambda * (bi - ai))).abs() <= sl)
        .then_some(lambda)
}

/// Test rows whose distances are computed together (see [`nearest`]).
/// A unit of work, not a threshold.
const BLOCK: usize = 16;

/// The training points of one class: their rows, and their coordinates one point after another.
struct Points {
    rows: Vec<usize>,
    coords: Vec<f64>,
    dims: usize,
}

impl Points {
    fn get(&self, i: usize) -> &[f64] {
        &self.coords[i * self.dims..(i + 1) * self.dims]
    }

    fn len(&self) -> usize {
        self.rows.len()
    }
}

/// For each test point (at most [`BLOCK`]), its `NEIGHBOURS` nearest points (squared distance,
/// index), an exact copy (distance 0) excluded, chosen among all of them in index order: the
/// same choice as a search one test point at a time. The points are read once for the whole
/// block, and the block's distances to a point are summed side by side (one lane per test
/// point, each summing its columns in order from zero: the same bits as `Iterator::sum` of the
/// squares, which are never -0).
fn nearest(tests: &[&[f64]], points: &Points) -> Vec<Vec<(f64, usize)>> {
    debug_assert!(tests.len() <= BLOCK);
    // The block by column: lane j of column c is test j's coordinate (unused lanes repeat
    // test 0 and are ignored).
    let by_column: Vec<[f64; BLOCK]> = (0..points.dims)
        .map(|c| std::array::from_fn(|j| tests.get(j).unwrap_or(&tests[0])[c]))
        .collect();
    let mut near: Vec<Vec<(f64, usize)>> = tests
        .iter()
        .map(|_| Vec::with_capacity(points.len()))
        .collect();
    for i in 0..points.len() {
        let mut d = [0.0f64; BLOCK];
        for (lanes, &qc) in by_column.iter().zip(points.get(i)) {
            for (dj, &tj) in d.iter_mut().zip(lanes) {
                *dj += (tj - qc) * (tj - qc);
            }
        }
        for (n, &dist) in near.iter_mut().zip(&d) {
            // An exact copy is the duplicate check's business.
            if dist > 0.0 {
                n.push((dist, i));
            }
        }
    }
    for n in &mut near {
        let k = NEIGHBOURS.min(n.len());
        if k < 2 {
            n.clear();
            continue;
        }
        n.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        n.truncate(k);
    }
    near
}

/// A seeded sample of at most `max` of `rows`.
fn sample(rows: Vec<usize>, max: usize, seed: u64) -> Vec<usize> {
    if rows.len() <= max {
        return rows;
    }
    let mut keyed: Vec<(u64, usize)> = rows
        .into_iter()
        .map(|r| (crate::data::sample::splitmix64(seed ^ r as u64), r))
        .collect();
    keyed.sort_unstable();
    let mut out: Vec<usize> = keyed[..max].iter().map(|k| k.1).collect();
    out.sort_unstable();
    out
}

/// Test rows interpolated between training rows.
pub struct Oversampling;

impl Check for Oversampling {
    fn about(&self) -> About {
        About {
            name: "oversampling before the split",
            stage: Stage::Rows,
            kinds: &[FindingKind::OversampledBeforeSplit],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn rows(&self, ctx: &RowContext, _info: &mut SplitInfo) -> Vec<Finding> {
        check(ctx)
    }
}

/// Run the check.
fn check(ctx: &RowContext) -> Vec<Finding> {
    let (
        Target::Classes { y: ytr, classes },
        Target::Classes {
            y: yte,
            classes: cte,
        },
    ) = (&ctx.train.target, &ctx.test.target)
    else {
        return Vec::new();
    };
    let cols = columns(ctx.train, ctx.test);
    if cols.len() < 2 {
        return Vec::new();
    }
    let tr_cols: Vec<usize> = cols.iter().map(|c| c.0).collect();
    let te_cols: Vec<usize> = cols.iter().map(|c| c.1).collect();
    let sd: Vec<f64> = cols.iter().map(|c| c.2).collect();
    let slack: Vec<f64> = cols
        .iter()
        .map(|c| if c.3 { (1.0 + 1e-9) / c.2 } else { TOLERANCE })
        .collect();
    let seed = Stream::Oversampling.seed(ctx.seed);
    let test_rows = sample((0..ctx.test.rows()).collect(), MAX_TEST, seed);
    let mut sampled_note = test_rows.len() < ctx.test.rows();
    // Training points per class (by label, so test classes map even when the files differ).
    let mut by_class: Vec<Points> = Vec::new();
    for c in 0..classes.len() as u32 {
        let rows: Vec<usize> = (0..ctx.train.rows()).filter(|&r| ytr[r] == c).collect();
        sampled_note |= rows.len() > MAX_TRAIN;
        let mut points = Points {
            rows: Vec::new(),
            coords: Vec::new(),
            dims: tr_cols.len(),
        };
        for r in sample(rows, MAX_TRAIN, seed ^ u64::from(c)) {
            if let Some(p) = point(ctx.train, &tr_cols, &sd, r) {
                points.rows.push(r);
                points.coords.extend(p);
            }
        }
        by_class.push(points);
    }
    // The test rows searched: (position among the sampled rows, row, class, point).
    let queries: Vec<(usize, usize, u32, Vec<f64>)> = test_rows
        .iter()
        .enumerate()
        .filter_map(|(i, &t)| {
            let class = classes.iter().position(|c| *c == cte[yte[t] as usize])? as u32;
            Some((i, t, class, point(ctx.test, &te_cols, &sd, t)?))
        })
        .collect();
    // Blocks of same-class test rows read their class's points once per block, not once per
    // row, and sum the block's distances to each point side by side.
    let mut by_query_class: Vec<&(usize, usize, u32, Vec<f64>)> = queries.iter().collect();
    by_query_class.sort_by_key(|q| (q.2, q.0));
    let mut hits: Vec<(usize, (usize, usize, usize, u32))> = by_query_class
        .chunk_by(|a, b| a.2 == b.2)
        .flat_map(|same| same.chunks(BLOCK))
        .collect::<Vec<_>>()
        .par_iter()
        .flat_map_iter(|block| {
            let points = &by_class[block[0].2 as usize];
            let tests: Vec<&[f64]> = block.iter().map(|q| q.3.as_slice()).collect();
            nearest(&tests, points)
                .into_iter()
                .zip(block.iter())
                .filter_map(|(near, &&(i, t, class, ref p))| {
                    let k = near.len();
                    for x in 0..k {
                        for z in x + 1..k {
                            let (a, b) = (near[x].1, near[z].1);
                            if on_segment(p, points.get(a), points.get(b), &slack).is_some() {
                                return Some((i, (t, points.rows[a], points.rows[b], class)));
                            }
                        }
                    }
                    None
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // In the order of the sampled test rows.
    hits.sort_unstable_by_key(|h| h.0);
    let hits: Vec<(usize, usize, usize, u32)> = hits.into_iter().map(|h| h.1).collect();
    let examined = test_rows.len().max(1);
    let share = hits.len() as f64 / examined as f64;
    if hits.len() < MIN_HITS || share < MIN_SHARE {
        return Vec::new();
    }
    let mut per_class = vec![0usize; classes.len()];
    hits.iter().for_each(|h| per_class[h.3 as usize] += 1);
    let top = (0..classes.len())
        .max_by_key(|&c| per_class[c])
        .unwrap_or(0);
    // What the data's own geometry explains: columns tied by an identity (a total that equals a
    // monthly charge for one-month customers) put real rows of every class on segments.
    // Oversampling synthesises some classes only, so the class least on segments is the
    // baseline: the top class must be far above it.
    let mut examined_by_class = vec![0usize; classes.len()];
    for &t in &test_rows {
        if let Some(c) = classes.iter().position(|c| *c == cte[yte[t] as usize]) {
            examined_by_class[c] += 1;
        }
    }
    let rate = |c: usize| per_class[c] as f64 / examined_by_class[c].max(1) as f64;
    let baseline = (0..classes.len())
        .filter(|&c| examined_by_class[c] >= MIN_CLASS_ROWS)
        .map(rate)
        .fold(f64::INFINITY, f64::min);
    let baseline = if baseline.is_finite() { baseline } else { 0.0 };
    if rate(top) < RATE_RATIO * baseline + BASELINE_SLACK {
        return Vec::new();
    }
    let sample_rows: Vec<[usize; 3]> = hits
        .iter()
        .take(SAMPLE)
        .map(|&(t, a, b, _)| {
            [
                ctx.test_index[t] + 1,
                ctx.train_index[a] + 1,
                ctx.train_index[b] + 1,
            ]
        })
        .collect();
    // The picture: the first few synthetic test rows and their parents in the two columns
    // compared first, in the data's units.
    let coord = |ds: &Dataset, col: usize, r: usize| match &ds.features[col].values {
        Values::Numeric(v) => v.get(r),
        Values::Categorical { .. } => f64::NAN,
    };
    let segments: Vec<[[f64; 2]; 3]> = hits
        .iter()
        .take(SAMPLE)
        .map(|&(t, a, b, _)| {
            let p = |ds: &Dataset, cols: &[usize], r: usize| {
                [coord(ds, cols[0], r), coord(ds, cols[1], r)]
            };
            [
                p(ctx.train, &tr_cols, a),
                p(ctx.train, &tr_cols, b),
                p(ctx.test, &te_cols, t),
            ]
        })
        .collect();
    let picture = Picture::Segments {
        x_label: ctx.train.features[tr_cols[0]].name.clone(),
        y_label: ctx.train.features[tr_cols[1]].name.clone(),
        segments,
    };
    let own = ctx.mode == SplitMode::Own;
    let severity = if own {
        Severity::Medium
    } else if share >= HIGH_SHARE {
        Severity::High
    } else {
        Severity::Medium
    };
    let message = if own {
        format!(
            "{} of the rows checked ({} of {examined}, mostly class '{}') lie exactly on the segment between two other rows of their class: the data was oversampled with interpolated rows (SMOTE or a relative), so cross-validation on it scores synthetic rows next to their parents and is optimistic. Oversample inside each training fold only.",
            pct(share),
            hits.len(),
            classes[top]
        )
    } else {
        format!(
            "{} of the test rows checked ({} of {examined}, mostly class '{}') lie exactly on the segment between two training rows of their class: they were synthesised by oversampling (SMOTE or a relative) before the split, so their parents are in the training data and the test score is inflated. Split first, then oversample the training rows only.",
            pct(share),
            hits.len(),
            classes[top]
        )
    };
    vec![Finding::new(
        None,
        FindingKind::OversampledBeforeSplit,
        severity,
        message,
        Evidence {
            test_rows_on_segments: hits.len(),
            test_rows_examined: examined,
            fraction: r4(share),
            estimated_test_rows: (share * ctx.test.rows() as f64).round(),
            by_class: classes
                .iter()
                .zip(&per_class)
                .filter(|(_, &n)| n > 0)
                .map(|(c, &n)| (c.clone(), n))
                .collect(),
            sample_rows_test_parent_a_parent_b: sample_rows,
            columns_compared: cols.len(),
            rate_in_class: r4(rate(top)),
            baseline_rate_other_classes: r4(baseline),
            tolerance_sd_fraction: TOLERANCE,
            sampled: sampled_note,
        },
    )
    .with_picture(picture)]
}

/// The evidence of `oversampled_before_split` (with its picture as `plot`).
#[derive(Serialize)]
struct Evidence {
    test_rows_on_segments: usize,
    test_rows_examined: usize,
    fraction: f64,
    estimated_test_rows: f64,
    /// Rows on segments per class.
    by_class: std::collections::BTreeMap<String, usize>,
    /// (test row, parent a, parent b), 1-based data rows.
    sample_rows_test_parent_a_parent_b: Vec<[usize; 3]>,
    columns_compared: usize,
    /// The top class's rate of rows on segments, and the lowest other class's.
    rate_in_class: f64,
    baseline_rate_other_classes: f64,
    tolerance_sd_fraction: f64,
    /// Whether the check ran on a sample of the rows.
    sampled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_values_are_counted_up_to_the_need() {
        let codes: Vec<f64> = (0..1000).map(|i| f64::from(i % 19)).collect();
        assert!(!at_least_distinct(&codes, MIN_DISTINCT));
        let mut more = codes.clone();
        more.push(0.5);
        assert!(at_least_distinct(&more, MIN_DISTINCT));
        // -0 and 0 are two bit patterns, as before.
        assert!(at_least_distinct(&[0.0, -0.0], 2));
    }

    /// The block search chooses the neighbours a search one test point at a time chooses, ties
    /// and exact copies included, for blocks of every size up to BLOCK.
    #[test]
    fn block_search_equals_one_at_a_time() {
        let dims = 5;
        let mut state = 7u64;
        let mut next = || {
            state = crate::data::sample::splitmix64(state);
            // Coarse values: many equal distances.
            f64::from((state % 7) as u32) * 0.25
        };
        let mut points = Points {
            rows: (0..300).collect(),
            coords: Vec::new(),
            dims,
        };
        for _ in 0..300 * dims {
            points.coords.push(next());
        }
        let tests: Vec<Vec<f64>> = (0..BLOCK)
            .map(|t| {
                if t % 5 == 0 {
                    points.get(t * 3).to_vec() // an exact copy of a point
                } else {
                    (0..dims).map(|_| next()).collect()
                }
            })
            .collect();
        let one_at_a_time = |p: &[f64]| {
            let mut near: Vec<(f64, usize)> = (0..points.len())
                .map(|i| {
                    let q = points.get(i);
                    (
                        p.iter().zip(q).map(|(a, b)| (a - b).powi(2)).sum::<f64>(),
                        i,
                    )
                })
                .filter(|&(d, _)| d > 0.0)
                .collect();
            let k = NEIGHBOURS.min(near.len());
            near.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
            near.truncate(k);
            near
        };
        for size in 1..=BLOCK {
            let block: Vec<&[f64]> = tests[..size].iter().map(Vec::as_slice).collect();
            let found = nearest(&block, &points);
            for (p, near) in block.iter().zip(&found) {
                let expected = one_at_a_time(p);
                assert_eq!(near.len(), expected.len());
                for (a, b) in near.iter().zip(&expected) {
                    assert_eq!(
                        (a.0.to_bits(), a.1),
                        (b.0.to_bits(), b.1),
                        "block of {size}"
                    );
                }
            }
        }
    }

    #[test]
    fn points_between_parents_are_on_the_segment() {
        let exact = [TOLERANCE; 3];
        let on = |t: &[f64], a: &[f64], b: &[f64]| on_segment(t, a, b, &exact);
        let a = [0.0, 1.0, 2.0];
        let b = [1.0, 3.0, 3.0];
        let t = [0.2718, 1.5436, 2.2718];
        assert!((on(&t, &a, &b).unwrap() - 0.2718).abs() < 1e-12);
        assert_eq!(on(&[0.2718, 1.6, 2.2718], &a, &b), None);
        assert_eq!(on(&a, &a, &b), None, "a parent is not synthetic");
        assert_eq!(on(&[1.5, 4.0, 3.5], &a, &b), None, "beyond the segment");
        assert_eq!(
            on(&[0.5, 2.0, 2.5], &a, &b),
            None,
            "half way: a grid's chance"
        );
        let flat = [1.0, 3.0, 2.0];
        let on_flat = [0.2718, 1.5436, 2.0];
        assert_eq!(on(&on_flat, &a, &flat), None, "parents equal in a column");
        // A count column (sd 4: one unit is 0.25 in sd units) written back as a whole number:
        // within one unit of the segment it still counts; two units off it does not.
        let count = [TOLERANCE, TOLERANCE, 0.25 + 1e-9];
        let (pa, pb) = ([0.0, 1.0, 2.0], [1.0, 3.0, 4.0]);
        let rounded = [0.2718, 1.5436, 2.5];
        assert!(on_segment(&rounded, &pa, &pb, &count).is_some());
        assert_eq!(on_segment(&rounded, &pa, &pb, &exact), None);
        assert_eq!(on_segment(&[0.2718, 1.5436, 3.1], &pa, &pb, &count), None);
    }
}
