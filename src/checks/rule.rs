//! `multi_feature_leak` (classes): an outcome defined by a rule over two columns. A match is won
//! when one team's score beats the other's (`win == (score_a > score_b)`), a flag is set when
//! either of two indicators is (`any == a | b`): each column alone predicts the outcome only
//! partly, the pair decides it on every row. Trees find such a pair only as a strong model, and
//! whichever derived column exists (the score difference) gets the blame alone. Two exact rules
//! are tried, each against the trivial rule it must beat (the best either column does alone):
//! - numeric pairs, binary target: a threshold on their difference or their sum separates the
//!   classes on 99.5% of the rows or more;
//! - low-cardinality pairs (12 values or fewer each), any class target: the cells of the pair's
//!   joint table are pure, holding 99.5% of the rows, where neither column's own values come
//!   close (90% at most).

use super::{About, Check, Context, Stage};
use crate::data::{Target, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::folds;
use crate::surrogate::binned::MISSING_BIN;
use serde::Serialize;

/// Rows per cell of a joint table at least, so that purity is not luck. A sample-size guard.
const ROWS_PER_CELL: usize = 10;
/// A joint table spells the target only when fewer than one row in this many misses either
/// column: the cells must cover the table. A coverage guard, not a detection threshold.
const MISSING_ONE_IN: usize = 10;

/// A column is a cell of a joint table with this many bins at least: missing and two values. The
/// shape of a column, not a detection threshold.
const TABLE_MIN_BINS: usize = 3;
/// A numeric column enters the rules' search above this many bins (missing and two values are a
/// flag, which the joint table covers).
const RULE_MIN_BINS: usize = 3;

/// A cell of a joint table is pure when its majority class holds this share of it: the same bar
/// as a rule's accuracy, [`EXACT`], rounded for small cells.
const PURE_CELL: f64 = 0.99;

/// The check.
pub struct DerivedRule;

/// Share of rows a rule must get right.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const EXACT: f64 = 0.995;
/// What each column alone may reach on the same scale for the pair to be the explanation.
/// Not a setting: it says when the pair, rather than one column, is the explanation; a column
/// stronger alone is the single-feature checks' business.
const ALONE: f64 = 0.9;
/// Numeric candidates (the strongest alone), and low-cardinality candidates.
/// A work budget for large tables, not a threshold.
const CANDIDATES: usize = 30;
/// Values a column may hold to be a cell of a joint table.
/// The shape of a column (a few values), not a threshold.
const MAX_LEVELS: usize = 12;
/// Rows a numeric pair is screened on first, and the accuracy it must reach there.
/// A work budget for large tables, not a threshold.
const SCREEN_ROWS: usize = 500;
/// A screening bar below [`EXACT`] (a work budget): the full rows decide.
const SCREEN_EXACT: f64 = 0.98;
/// Rows read at most (a seeded sample beyond).
/// A work budget for large tables, not a threshold.
const MAX_ROWS: usize = 20_000;

/// Accuracy of the best threshold on `score` for a 0/1 `y` (either direction).
fn threshold_accuracy(score: &[f64], y: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..score.len()).filter(|&i| !score[i].is_nan()).collect();
    if order.is_empty() {
        return 0.0;
    }
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let n = order.len();
    let pos = order.iter().filter(|&&i| y[i]).count();
    // Rows below the cut predicted negative: correct = negatives below + positives above.
    let (mut neg_below, mut pos_below) = (0usize, 0usize);
    let mut best = pos.max(n - pos);
    let mut i = 0;
    while i < n {
        let v = score[order[i]];
        while i < n && score[order[i]] == v {
            if y[order[i]] {
                pos_below += 1;
            } else {
                neg_below += 1;
            }
            i += 1;
        }
        let up = neg_below + (pos - pos_below);
        best = best.max(up).max(n - up);
    }
    best as f64 / n as f64
}

/// Share of rows in pure cells of the table over one or two binned columns (`nb` bins each,
/// missing a value of its own): cells of two rows or more whose majority class holds 99%.
fn pure_share(cols: &[(&[u8], usize)], y: &[u32], k: usize, rows: &[usize]) -> f64 {
    let width = cols.iter().map(|c| c.1).product::<usize>();
    let mut counts = vec![0usize; width * k];
    for &r in rows {
        let cell = cols
            .iter()
            .fold(0usize, |acc, &(c, nb)| acc * nb + c[r] as usize);
        counts[cell * k + y[r] as usize] += 1;
    }
    let pure: usize = counts
        .chunks(k)
        .filter_map(|c| {
            let tot: usize = c.iter().sum();
            let top = c.iter().copied().max().unwrap_or(0);
            (tot >= 2 && top as f64 >= PURE_CELL * tot as f64).then_some(tot)
        })
        .sum();
    pure as f64 / rows.len().max(1) as f64
}

impl Check for DerivedRule {
    fn about(&self) -> About {
        About {
            name: "derived rule",
            stage: Stage::Data,
            kinds: &[FindingKind::MultiFeatureLeak],
            thresholds: &["near_perfect_power", "segment_min_rows"],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let Target::Classes { y, classes } = &ctx.ds.target else {
            return Vec::new();
        };
        let k = classes.len();
        let all: Vec<u32> = (0..ctx.rows() as u32).collect();
        let rows: Vec<usize> = folds::subsample(&all, &ctx.x.row_keys, MAX_ROWS, 0x2E1E)
            .into_iter()
            .map(|r| r as usize)
            .collect();
        let min_rows = ctx.t.segment_min_rows;
        let mut counts = vec![0usize; k];
        rows.iter().for_each(|&r| counts[y[r] as usize] += 1);
        if counts.iter().filter(|&&c| c >= min_rows).count() < 2 {
            return Vec::new();
        }
        // Candidates, the strongest alone first; columns already near-perfect alone are the
        // single-feature checks' business.
        let mut by_power: Vec<usize> = (0..ctx.ds.features.len())
            .filter(|&f| ctx.powers[f].power < ctx.t.near_perfect_power)
            .collect();
        by_power.sort_by(|&a, &b| {
            ctx.powers[b]
                .power
                .total_cmp(&ctx.powers[a].power)
                .then(a.cmp(&b))
        });
        let mut out = Vec::new();
        if let Some(f) = self.numeric_pair(ctx, y, &rows, &by_power) {
            out.push(f);
        }
        if let Some(f) = self.table_pair(ctx, y, k, &rows, &by_power) {
            out.push(f);
        }
        out
    }
}

impl DerivedRule {
    /// Binary target: a threshold on the difference or the sum of two numeric columns.
    fn numeric_pair(
        &self,
        ctx: &Context,
        y: &[u32],
        rows: &[usize],
        by_power: &[usize],
    ) -> Option<Finding> {
        if y.iter().any(|&c| c > 1) {
            return None;
        }
        let numeric: Vec<(usize, Vec<f64>)> = by_power
            .iter()
            .filter_map(|&f| match &ctx.ds.features[f].values {
                Values::Numeric(v) if ctx.x.n_bins[f] > RULE_MIN_BINS => {
                    Some((f, rows.iter().map(|&r| v.get(r)).collect()))
                }
                _ => None,
            })
            .take(CANDIDATES)
            .collect();
        let yb: Vec<bool> = rows.iter().map(|&r| y[r] == 1).collect();
        // What each column does alone, computed for the pairs that pass the screen only.
        let alone: Vec<std::cell::OnceCell<f64>> =
            numeric.iter().map(|_| Default::default()).collect();
        let alone_of = |i: usize| *alone[i].get_or_init(|| threshold_accuracy(&numeric[i].1, &yb));
        let trivial = {
            let pos = yb.iter().filter(|&&b| b).count();
            pos.max(yb.len() - pos) as f64 / yb.len() as f64
        };
        for (i, (a, va)) in numeric.iter().enumerate() {
            for (j, (b, vb)) in numeric.iter().enumerate().skip(i + 1) {
                for (form, sign) in [("difference", -1.0), ("sum", 1.0)] {
                    // Screened on every so many rows first: a rule that decides every row
                    // decides those (a few errors aside), most pairs fail there.
                    let stride = (yb.len() / SCREEN_ROWS).max(1);
                    let screen: Vec<f64> = va
                        .iter()
                        .zip(vb)
                        .step_by(stride)
                        .map(|(x, z)| x + sign * z)
                        .collect();
                    let screen_y: Vec<bool> = yb.iter().step_by(stride).copied().collect();
                    if threshold_accuracy(&screen, &screen_y) < SCREEN_EXACT {
                        continue;
                    }
                    // Each alone must leave most of the trivial rule's errors: the pair
                    // explains.
                    let best_alone = alone_of(i).max(alone_of(j));
                    if (best_alone - trivial) / (1.0 - trivial) > ALONE {
                        continue;
                    }
                    let s: Vec<f64> = va.iter().zip(vb).map(|(x, z)| x + sign * z).collect();
                    let acc = threshold_accuracy(&s, &yb);
                    if acc >= EXACT {
                        let (na, nb) = (ctx.name(*a), ctx.name(*b));
                        let mut fd = Finding::new(
                            None,
                            FindingKind::MultiFeatureLeak,
                            Severity::High,
                            format!(
                                "A threshold on the {form} of '{na}' and '{nb}' decides '{}' on {} of rows, where either alone gets {} right: the outcome is defined by the pair (a match won by the higher score), so both exist only once it is decided.",
                                ctx.ds.target_name,
                                pct(acc),
                                pct(best_alone)
                            ),
                            RuleEvidence {
                                rule: form.to_string(),
                                features: [na.to_string(), nb.to_string()],
                                accuracy: r4(acc),
                                best_single_accuracy: r4(best_alone),
                                trivial_accuracy: r4(trivial),
                                rows: rows.len(),
                            },
                        );
                        fd.features = vec![na.to_string(), nb.to_string()];
                        return Some(fd);
                    }
                }
            }
        }
        None
    }

    /// Any class target: the joint table of two low-cardinality columns is pure.
    fn table_pair(
        &self,
        ctx: &Context,
        y: &[u32],
        k: usize,
        rows: &[usize],
        by_power: &[usize],
    ) -> Option<Finding> {
        let small: Vec<usize> = by_power
            .iter()
            .copied()
            .filter(|&f| {
                let nb = ctx.x.n_bins[f];
                // Present values as bins, each its own value (a category, or a number of few).
                nb >= TABLE_MIN_BINS
                    && nb - 1 <= MAX_LEVELS
                    && ctx.ds.features[f].distinct() <= MAX_LEVELS
            })
            .take(CANDIDATES)
            .collect();
        let alone: Vec<f64> = small
            .iter()
            .map(|&f| pure_share(&[(&ctx.x.cols[f], ctx.x.n_bins[f])], y, k, rows))
            .collect();
        for (i, &a) in small.iter().enumerate() {
            for (j, &b) in small.iter().enumerate().skip(i + 1) {
                if alone[i].max(alone[j]) > ALONE {
                    continue;
                }
                let cells = (ctx.x.n_bins[a] - 1) * (ctx.x.n_bins[b] - 1);
                if rows.len() < ROWS_PER_CELL * cells {
                    continue;
                }
                let share = pure_share(
                    &[
                        (&ctx.x.cols[a], ctx.x.n_bins[a]),
                        (&ctx.x.cols[b], ctx.x.n_bins[b]),
                    ],
                    y,
                    k,
                    rows,
                );
                let missing = rows
                    .iter()
                    .filter(|&&r| {
                        ctx.x.cols[a][r] == MISSING_BIN || ctx.x.cols[b][r] == MISSING_BIN
                    })
                    .count();
                if share >= EXACT && missing * MISSING_ONE_IN < rows.len() {
                    let (na, nb) = (ctx.name(a), ctx.name(b));
                    let mut fd = Finding::new(
                        None,
                        FindingKind::MultiFeatureLeak,
                        Severity::High,
                        format!(
                            "Together '{na}' and '{nb}' decide '{}': {} of rows sit in combinations of their values that hold one class only, where either alone leaves at most {} so: the outcome is a rule over the pair (an 'any of' flag, one indicator per class).",
                            ctx.ds.target_name,
                            pct(share),
                            pct(alone[i].max(alone[j]))
                        ),
                        TableEvidence {
                            rule: "joint_table",
                            features: [na.to_string(), nb.to_string()],
                            rows_in_pure_cells: r4(share),
                            best_single_rows_in_pure_cells: r4(alone[i].max(alone[j])),
                            rows: rows.len(),
                        },
                    );
                    fd.features = vec![na.to_string(), nb.to_string()];
                    return Some(fd);
                }
            }
        }
        None
    }
}

/// The evidence of a `multi_feature_leak` that a rule over two features spells.
#[derive(Serialize)]
struct RuleEvidence {
    /// The rule's form ("a > b", ...).
    rule: String,
    features: [String; 2],
    accuracy: f64,
    best_single_accuracy: f64,
    /// The majority class's accuracy.
    trivial_accuracy: f64,
    rows: usize,
}

/// The evidence of a `multi_feature_leak` that two features' joint table spells.
#[derive(Serialize)]
struct TableEvidence {
    rule: &'static str,
    features: [String; 2],
    /// Share of rows in cells (almost) of one class.
    rows_in_pure_cells: f64,
    best_single_rows_in_pure_cells: f64,
    rows: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_accuracy_finds_the_best_cut_either_way() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let up = [false, false, false, true, true, true];
        assert_eq!(threshold_accuracy(&s, &up), 1.0);
        let down: Vec<bool> = up.iter().map(|b| !b).collect();
        assert_eq!(threshold_accuracy(&s, &down), 1.0);
        let mixed = [false, true, false, true, false, true];
        assert!(threshold_accuracy(&s, &mixed) < 0.9);
        // Ties stay together: a cut cannot split equal scores.
        let tied = [1.0, 1.0, 2.0, 2.0];
        assert_eq!(threshold_accuracy(&tied, &[false, true, false, true]), 0.5);
    }
}
