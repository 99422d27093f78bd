//! `partial_leak`: a feature that predicts the target near-perfectly on the rows where it is
//! present, and is present on a substantial share of rows: a post-outcome field recorded for
//! some of the rows (an exact decile of the target filled in for a quarter of them). Over all
//! rows its power is diluted by the missing ones, so the whole-column checks miss it.

use serde_json::json;

use super::{describe_power, Check, Context};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::single_feature;
use crate::surrogate::binned::{BinKind, MISSING_BIN};
use crate::surrogate::Labels;

/// The check.
pub struct PartialLeak;

/// Share of rows present at which a partial leak is `high` (below it, down to the segment
/// support, `medium`).
const HIGH_COVERAGE: f64 = 0.2;

impl Check for PartialLeak {
    fn run(&self, ctx: &Context) -> Vec<Finding> {
        let t = ctx.t;
        let n = ctx.rows();
        let min_rows = (t.segment_min_rows as f64).max(t.segment_min_support * n as f64);
        let mut out = Vec::new();
        for f in 0..ctx.x.features() {
            let col = &ctx.x.cols[f];
            let rows: Vec<usize> = (0..n).filter(|&r| col[r] != MISSING_BIN).collect();
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
            let (y_cls, y_val, ranks);
            let labels = match ctx.labels {
                Labels::Classes { y, k } => {
                    y_cls = rows.iter().map(|&r| y[r]).collect::<Vec<u32>>();
                    let mut seen = vec![false; k];
                    y_cls.iter().for_each(|&c| seen[c as usize] = true);
                    if seen.iter().filter(|&&s| s).count() < 2 {
                        continue;
                    }
                    Labels::Classes { y: &y_cls, k }
                }
                Labels::Values(y) => {
                    y_val = rows.iter().map(|&r| y[r]).collect::<Vec<f64>>();
                    Labels::Values(&y_val)
                }
            };
            ranks = match labels {
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
            if p.power < t.near_perfect_power {
                continue;
            }
            let coverage = present as f64 / n as f64;
            let severity = if coverage >= HIGH_COVERAGE {
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
                    "Where '{name}' is present ({} of rows), it predicts '{}' almost perfectly ({}); over all rows its power is diluted to {:.2}. A field recorded after the outcome for part of the rows looks like this.",
                    pct(coverage),
                    ctx.ds.target_name,
                    describe_power(&p),
                    ctx.powers[f].power
                ),
                json!({
                    "coverage": r4(coverage),
                    "rows_present": present,
                    "power_where_present": r4(p.power),
                    "metric": p.metric,
                    "metric_value": r4(p.value),
                    "power_all_rows": r4(ctx.powers[f].power),
                    "threshold": t.near_perfect_power,
                }),
            ));
        }
        out
    }
}
