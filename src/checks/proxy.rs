//! `target_proxy`: a categorical or high-cardinality column whose categories map (almost)
//! one-to-one to target values out of fold: codes, encodings, label copies with a few flips.

use super::{describe_power, About, Check, Context, Stage};
use crate::data::ColumnType;
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::surrogate::Labels;
use serde::Serialize;

/// A categorical column is a code with this many bins at least (the missing bin included): three
/// levels, since two are a binary feature the other checks judge.
const MIN_BINS: usize = 4;

/// Rows a level needs to count: a level of one row is pure trivially.
const LEVEL_ROWS: f64 = 2.0;
/// Regression: a level is pure when its target's standard deviation is at most this share of
/// the target's overall. The regression counterpart of `proxy_level_purity`, which is one.
const PURE_SD: f64 = 0.05;
/// Levels a code needs: two levels are a binary feature, which the other checks judge.
const MIN_LEVELS: usize = 3;

/// The check.
pub struct TargetProxy;

impl Check for TargetProxy {
    fn about(&self) -> About {
        About {
            name: "target proxy",
            stage: Stage::Data,
            kinds: &[FindingKind::TargetProxy],
            thresholds: &["proxy_level_purity", "proxy_pure_share", "strong_power"],
            corroborates: &[FindingKind::TargetProxy],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let t = ctx.t;
        for (f, col) in ctx.ds.features.iter().enumerate() {
            if !matches!(col.ty, ColumnType::Categorical | ColumnType::Identifier)
                || ctx.x.n_bins[f] < MIN_BINS
            {
                continue;
            }
            let p = &ctx.powers[f];
            if p.power < t.strong_power {
                continue;
            }
            let nb = ctx.x.n_bins[f];
            // Share of rows in levels (with >= 2 rows) whose target is (almost) constant: over
            // every row when an engine counted them.
            let (pure_rows, levels, rows) = match ctx.labels {
                Labels::Classes { y, k } => {
                    let (counts, rows) = match ctx.counts {
                        Some(c) => (c.bin_class_counts(f, nb), c.rows as f64),
                        None => {
                            let mut counts = vec![0.0; nb * k];
                            for (r, &b) in ctx.x.cols[f].iter().enumerate() {
                                counts[b as usize * k + y[r] as usize] += 1.0;
                            }
                            (counts, ctx.rows() as f64)
                        }
                    };
                    let mut pure = 0.0;
                    let mut levels = 0;
                    for c in counts.chunks(k) {
                        let tot: f64 = c.iter().sum();
                        if tot >= LEVEL_ROWS {
                            levels += 1;
                            if c.iter().copied().fold(0.0, f64::max) / tot >= t.proxy_level_purity {
                                pure += tot;
                            }
                        }
                    }
                    (pure, levels, rows)
                }
                Labels::Values(y) => {
                    // Per level: rows, sum and sum of squares (of the target less a shift,
                    // which variances do not see).
                    let (s, n, sd) = match ctx.counts {
                        Some(c) => {
                            let s = c.bin_sums(f, nb);
                            let (n, s1, s2) = s
                                .iter()
                                .fold((0.0, 0.0, 0.0), |a, e| (a.0 + e.0, a.1 + e.1, a.2 + e.2));
                            (s, n, (s2 / n - (s1 / n).powi(2)).max(0.0).sqrt())
                        }
                        None => {
                            let n = y.len() as f64;
                            let mean = y.iter().sum::<f64>() / n;
                            let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
                            let mut s = vec![(0.0, 0.0, 0.0); nb];
                            for (r, &b) in ctx.x.cols[f].iter().enumerate() {
                                let e = &mut s[b as usize];
                                e.0 += 1.0;
                                e.1 += y[r];
                                e.2 += y[r] * y[r];
                            }
                            (s, n, sd)
                        }
                    };
                    let mut pure = 0.0;
                    let mut levels = 0;
                    for &(c, s1, s2) in &s {
                        if c >= LEVEL_ROWS {
                            levels += 1;
                            let var = (s2 / c - (s1 / c).powi(2)).max(0.0);
                            if var.sqrt() <= PURE_SD * sd {
                                pure += c;
                            }
                        }
                    }
                    (pure, levels, n)
                }
            };
            let share = pure_rows / rows;
            if share < t.proxy_pure_share || levels < MIN_LEVELS {
                continue;
            }
            let name = ctx.name(f);
            out.push(Finding::new(
                Some(name),
                FindingKind::TargetProxy,
                Severity::High,
                format!(
                    "The {levels} categories of '{name}' map almost one-to-one to '{}': {} of rows sit in categories where one target value makes up 90% or more, and it predicts the target out of fold ({}); an encoding or copy of the label looks like this.",
                    ctx.ds.target_name,
                    pct(share),
                    describe_power(p)
                ),
                Evidence {
                    levels,
                    rows_in_pure_levels: r4(share),
                    pure_level_rows: pure_rows as u64,
                    single_feature_power: r4(p.power),
                    metric: p.metric,
                    metric_value: r4(p.value),
                },
            ));
        }
        out
    }
}

/// The evidence of `target_proxy` (a code for the label).
#[derive(Serialize)]
struct Evidence {
    levels: usize,
    /// Share of rows in levels (almost) of one class.
    rows_in_pure_levels: f64,
    /// The rows in those levels (every row's, when an engine counted them).
    pure_level_rows: u64,
    single_feature_power: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
}
