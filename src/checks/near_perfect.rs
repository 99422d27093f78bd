//! `near_perfect_predictor`: one feature alone predicts the target almost perfectly out of fold.
//! Also the "strong predictor, review" grade below it, which a legitimate feature may reach.

use crate::metric::Metric;
use serde::Serialize;

use super::{describe_power, About, Check, Context, Stage};
use crate::data::Values;
use crate::finding::{r4, Finding, FindingKind, Severity};
use crate::importance::{folds, metrics, single_feature};
use crate::seeds::EVIDENCE_TREE;
use crate::surrogate::{Labels, Smartcore, Surrogate};

/// Fewer rows than this cannot tell an exact relation from luck. A sample-size guard.
const EXACT_MIN_ROWS: usize = 20;

/// Training rows for the evidence tree, at most.
/// A work budget for large tables, not a threshold.
const TREE_ROWS: usize = 20_000;

/// Held-out score of a depth-2 decision tree (smartcore) on one feature: a rule a
/// reviewer can read, as evidence next to the lookup-table power.
fn shallow_tree(ctx: &Context, f: usize) -> Option<(Metric, f64)> {
    let (train, test) = folds::split(ctx.folds, 0);
    let train = folds::subsample(&train, &ctx.x.row_keys, TREE_ROWS, EVIDENCE_TREE);
    let model = Smartcore::Tree { max_depth: 2 }
        .fit(ctx.x, &ctx.labels, &train, &[f], EVIDENCE_TREE)
        .ok()?;
    let pred = model.predict(&ctx.x.view(), &test);
    match ctx.labels {
        Labels::Classes { y, k } => {
            let t: Vec<u32> = test.iter().map(|&r| y[r as usize]).collect();
            Some((
                Metric::Accuracy,
                metrics::accuracy_f1(&t, &metrics::argmax(&pred), k).0,
            ))
        }
        Labels::Values(y) => Some((
            Metric::R2,
            metrics::r2(
                test.iter().map(|&r| y[r as usize]),
                pred.values.iter().copied(),
            ),
        )),
    }
}

/// |gamma| at which a feature is an exact monotone function of a regression target: no pair of
/// rows in different bins is out of order, give or take one in two thousand.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
pub const EXACT_GAMMA: f64 = 0.999;

/// Rows the raw monotone test reads at most (a seeded sample beyond).
/// A work budget for large tables, not a threshold.
const EXACT_ROWS: usize = 50_000;

/// Kendall's tau-b of a numeric feature against the target on its raw values, when the feature
/// is an exact monotone function of it and has enough distinct values to be one.
fn raw_exact(ctx: &Context, f: usize, (rows, t): &(Vec<u32>, Vec<f64>)) -> Option<f64> {
    let Values::Numeric(v) = &ctx.ds.features[f].values else {
        return None;
    };
    let x: Vec<f64> = rows.iter().map(|&r| v.get(r as usize)).collect();
    if x.iter().filter(|v| !v.is_nan()).count() < EXACT_MIN_ROWS {
        return None;
    }
    single_feature::exact_monotone_tau(&x, t)
}

/// The rows [`raw_exact`] reads (a seeded sample of at most [`EXACT_ROWS`]) and the target on
/// them, drawn once for every feature.
fn exact_rows(ctx: &Context, y: &[f64]) -> (Vec<u32>, Vec<f64>) {
    let all: Vec<u32> = (0..ctx.rows() as u32).collect();
    let rows = folds::subsample(&all, &ctx.x.row_keys, EXACT_ROWS, EVIDENCE_TREE);
    let t = rows.iter().map(|&r| y[r as usize]).collect();
    (rows, t)
}

/// Kendall's tau-b, with no pair of rows out of order, at which a feature is an exact monotone
/// re-expression of a regression target on its raw values: a rounding to deciles stays above it,
/// a two-valued threshold of the target (a separate signal) below.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const EXACT_TAU: f64 = 0.9;

/// Single-feature power from which the raw monotone test is run.
/// It only spares the sort to columns with some signal (exactness needs no power bar): a work
/// budget, not a threshold.
const EXACT_MIN_POWER: f64 = 0.5;

/// The check.
pub struct NearPerfect;

impl Check for NearPerfect {
    fn about(&self) -> About {
        About {
            name: "near-perfect predictor",
            stage: Stage::Data,
            kinds: &[
                FindingKind::NearPerfectPredictor,
                FindingKind::StrongPredictor,
            ],
            thresholds: &["near_perfect_power", "strong_power"],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut exact_sample = None;
        for (f, p) in ctx.powers.iter().enumerate() {
            let name = ctx.name(f);
            let mut evidence = Evidence {
                single_feature_power: r4(p.power),
                metric: p.metric,
                metric_value: r4(p.value),
                threshold: ctx.t.near_perfect_power,
                folds: ctx.k,
                gamma: None,
                kendall_tau_b: None,
                depth2_tree: None,
            };
            // Regression: an exact monotone relation (a log, a unit change, deciles of the
            // target) is the second, independent signal: a measured input is never exact. It is
            // decided on the raw values for any strong predictor, since on a small table the
            // binned power of an exact copy may stay below near-perfect; and at the resolution
            // of the bins for a near-perfect one (deciles).
            let (mut gamma, mut tau) = (None, None);
            if let Labels::Values(y) = ctx.labels {
                // Exactness needs no power bar; the bar only spares the sort to columns with
                // some signal (an exact copy on 88 rows may bin to a power far below strong).
                if p.power >= EXACT_MIN_POWER {
                    let sample = exact_sample.get_or_insert_with(|| exact_rows(ctx, y));
                    tau = raw_exact(ctx, f, sample).filter(|t| t.abs() >= EXACT_TAU);
                    gamma = tau.map(f64::signum);
                }
                if gamma.is_none()
                    && p.power >= ctx.t.near_perfect_power
                    && ctx.x.kinds[f] == crate::surrogate::binned::BinKind::Ordered
                {
                    gamma = single_feature::gamma(&ctx.x.cols[f], y);
                }
            }
            let exact = gamma.is_some_and(|g| g.abs() >= EXACT_GAMMA);
            if p.power >= ctx.t.near_perfect_power || exact {
                evidence.gamma = gamma.map(r4);
                evidence.kendall_tau_b = tau.map(r4);
                let tree = shallow_tree(ctx, f);
                let tree_text = match &tree {
                    Some((metric, v)) => {
                        evidence.depth2_tree = Some(TreeScore {
                            metric: *metric,
                            value: r4(*v),
                        });
                        format!("; a depth-2 decision tree on it alone reaches {metric} {v:.3}")
                    }
                    None => String::new(),
                };
                let message = if exact {
                    format!(
                        "'{name}' alone predicts '{}' almost perfectly out of fold ({}{tree_text}) and is an exact monotone function of it (Goodman-Kruskal gamma {:.4}): a re-expression of the target (a log, a unit change, a rounding), not an input.",
                        ctx.ds.target_name,
                        describe_power(p),
                        gamma.map_or(1.0, r4)
                    )
                } else {
                    format!(
                        "'{name}' alone predicts '{}' almost perfectly out of fold ({}{tree_text}); a real-world input rarely does.",
                        ctx.ds.target_name,
                        describe_power(p)
                    )
                };
                out.push(Finding::new(
                    Some(name),
                    FindingKind::NearPerfectPredictor,
                    if exact {
                        Severity::Critical
                    } else {
                        Severity::High
                    },
                    message,
                    evidence,
                ));
            } else if p.power >= ctx.t.strong_power {
                // Halfway to near-perfect is worth a review; below that, a note.
                let midway = (ctx.t.strong_power + ctx.t.near_perfect_power) / 2.0;
                out.push(Finding::new(
                    Some(name),
                    FindingKind::StrongPredictor,
                    if p.power >= midway { Severity::Medium } else { Severity::Low },
                    format!(
                        "'{name}' alone is a strong predictor ({}); likely legitimate, but confirm it is known at prediction time.",
                        describe_power(p)
                    ),
                    evidence,
                ));
            }
        }
        out
    }
}

/// The evidence of `near_perfect_predictor` and `strong_predictor`.
#[derive(Serialize)]
struct Evidence {
    single_feature_power: f64,
    metric: Metric,
    metric_value: f64,
    /// `near_perfect_power`.
    threshold: f64,
    folds: usize,
    /// Regression: Goodman-Kruskal gamma between the feature and the target, when exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    gamma: Option<f64>,
    /// Kendall's tau-b on the raw values, when exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    kendall_tau_b: Option<f64>,
    /// What a depth-2 decision tree on the feature alone scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    depth2_tree: Option<TreeScore>,
}

/// A score in a metric.
#[derive(Serialize)]
struct TreeScore {
    metric: Metric,
    value: f64,
}
