//! `partial_leak`: a feature that predicts the target near-perfectly on the rows where it is
//! present, and is present on a substantial share of rows: a post-outcome field recorded for
//! some of the rows (an exact decile of the target filled in for a quarter of them). Over all
//! rows its power is diluted by the missing ones, so the whole-column checks miss it.

use super::{describe_power, About, Check, Context, Stage};
use crate::data::{ColumnType, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::single_feature;
use crate::surrogate::binned::{BinKind, MISSING_BIN};
use crate::surrogate::Labels;
use serde::Serialize;

/// A feature equals the target where present when this share of its present rows match: a copy
/// with a few corrections. Exactness of a copy, not a tolerance a user tunes.
const COPY_SHARE: f64 = 0.99;

/// The check.
pub struct PartialLeak;

/// Share of rows present at which a partial leak is `high` (below it, down to the segment
/// support, `medium`).
/// Not a setting: a severity step between the segment support (a setting) and all rows; a copy of
/// the target on a fifth of the rows is a leak for a fifth of the predictions.
const HIGH_COVERAGE: f64 = 0.2;

impl Check for PartialLeak {
    fn about(&self) -> About {
        About {
            name: "partial leak",
            stage: Stage::Data,
            kinds: &[FindingKind::PartialLeak],
            thresholds: &[
                "near_perfect_power",
                "segment_min_rows",
                "segment_min_support",
            ],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let t = ctx.t;
        let n = ctx.rows();
        let min_rows = (t.segment_min_rows as f64).max(t.segment_min_support * n as f64);
        let mut out = Vec::new();
        for f in 0..ctx.x.features() {
            let col = &ctx.x.cols[f];
            // Absent: missing, or exactly zero in a numeric column (a field left at 0 until it is
            // filled, as a per-year copy of the target is 0 in every other year).
            let values = match &ctx.ds.features[f].values {
                Values::Numeric(v) if ctx.ds.features[f].ty == ColumnType::Numeric => Some(v),
                _ => None,
            };
            let zeros = values.map_or(0, |v| v.iter().filter(|&x| x == 0.0).count());
            let zero_absent = zeros as f64 >= min_rows;
            let absent = |r: usize| {
                col[r] == MISSING_BIN || (zero_absent && values.is_some_and(|v| v.get(r) == 0.0))
            };
            let rows: Vec<usize> = (0..n).filter(|&r| !absent(r)).collect();
            let present = rows.len();
            // Fully present columns are judged by the whole-column checks; the missing rows must
            // be real (enough of them) for "where present" to differ from "everywhere".
            if present == n || ((n - present) as f64) < min_rows || (present as f64) < min_rows {
                continue;
            }
            if ctx.powers[f].power >= t.near_perfect_power {
                continue;
            }
            let bins: Vec<u8> = rows.iter().map(|&r| col[r]).collect();
            let folds: Vec<u8> = rows.iter().map(|&r| ctx.folds[r]).collect();
            let owned = ctx.labels.take(&rows);
            let labels = owned.labels();
            if let Labels::Classes { y, k } = labels {
                let mut seen = vec![false; k];
                y.iter().for_each(|&c| seen[c as usize] = true);
                if seen.iter().filter(|&&s| s).count() < 2 {
                    continue;
                }
            }
            let ranks = match labels {
                Labels::Values(v) => Some(single_feature::ranks(v)),
                Labels::Classes { .. } => None,
            };
            let p = single_feature::power_with_ranks(
                &bins,
                ctx.x.n_bins[f],
                ctx.x.kinds[f] == BinKind::Ordered,
                &labels,
                ranks.as_deref(),
                &folds,
                ctx.k,
            );
            // Where present, the value *is* the target (a per-year copy): decisive at any
            // coverage, whatever the bins left of its power.
            let copy = match (ctx.labels, values) {
                (Labels::Values(y), Some(v)) => {
                    let same = rows
                        .iter()
                        .filter(|&&r| (v.get(r) - y[r]).abs() <= 1e-9 * y[r].abs().max(1.0))
                        .count();
                    same as f64 >= COPY_SHARE * present as f64
                }
                _ => false,
            };
            if p.power < t.near_perfect_power && !copy {
                continue;
            }
            let coverage = present as f64 / n as f64;
            let severity = if coverage >= HIGH_COVERAGE || copy {
                Severity::High
            } else {
                Severity::Medium
            };
            let name = ctx.name(f);
            out.push(Finding::new(
                Some(name),
                FindingKind::PartialLeak,
                severity,
                format!(
                    "Where '{name}' is {} ({} of rows), it {} '{}' ({}); over all rows its power is diluted to {:.2}. A field recorded after the outcome for part of the rows looks like this.",
                    if zero_absent { "non-zero" } else { "present" },
                    pct(coverage),
                    if copy { "equals" } else { "predicts almost perfectly" },
                    ctx.ds.target_name,
                    describe_power(&p),
                    ctx.powers[f].power
                ),
                Evidence {
                    absent_when_zero: zero_absent,
                    equals_target_where_present: copy,
                    coverage: r4(coverage),
                    rows_present: present,
                    power_where_present: r4(p.power),
                    metric: p.metric,
                    metric_value: r4(p.value),
                    power_all_rows: r4(ctx.powers[f].power),
                    threshold: t.near_perfect_power,
                },
            ));
        }
        out
    }
}

/// The evidence of `partial_leak`.
#[derive(Serialize)]
struct Evidence {
    /// Missing exactly where a numeric target is zero.
    absent_when_zero: bool,
    /// Equal to the target wherever present.
    equals_target_where_present: bool,
    /// Share of rows where the feature is present.
    coverage: f64,
    rows_present: usize,
    power_where_present: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
    power_all_rows: f64,
    /// `near_perfect_power`.
    threshold: f64,
}
