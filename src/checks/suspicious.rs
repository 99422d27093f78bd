//! `suspicious_performance`: the full surrogate scores far above what real data usually allows.

use super::{About, Check, Context, Stage};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::metrics::headline;
use serde::Serialize;

/// The features a near-perfect score rests on: the largest shares of importance until they add
/// up to this, at most [`MAX_RESPONSIBLE`]. What the message names, not a detection threshold.
const RESPONSIBLE_SHARE: f64 = 0.9;
const MAX_RESPONSIBLE: usize = 5;

/// The check.
pub struct SuspiciousPerformance;

/// The full model's out-of-fold power on the same normalised scale as single-feature power.
pub fn model_power(labels: &crate::surrogate::Labels, run: &crate::importance::ModelRun) -> f64 {
    crate::importance::single_feature::score(labels, &run.oof_predictions).power
}

/// Features that together carry 90% of the importance (at most five), with their shares.
pub fn responsible(
    ctx: &Context,
    importance: &[Option<crate::importance::Importance>],
) -> Vec<(String, f64)> {
    let mut by_share: Vec<(usize, f64)> = importance
        .iter()
        .enumerate()
        .filter_map(|(f, i)| i.map(|i| (f, i.share)))
        .collect();
    by_share.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut acc = 0.0;
    let mut out = Vec::new();
    for (f, s) in by_share {
        if acc >= RESPONSIBLE_SHARE || out.len() >= MAX_RESPONSIBLE || s <= 0.0 {
            break;
        }
        acc += s;
        out.push((ctx.name(f).to_string(), r4(s)));
    }
    out
}

impl Check for SuspiciousPerformance {
    fn about(&self) -> About {
        About {
            name: "suspicious performance",
            stage: Stage::Data,
            kinds: &[FindingKind::SuspiciousPerformance],
            thresholds: &["dominant_share", "near_perfect_power", "suspicious_score"],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let (metric, score) = headline(&ctx.run.oof);
        if score < ctx.t.suspicious_score {
            return Vec::new();
        }
        let resp = responsible(ctx, &ctx.run.importance);
        let names: Vec<String> = resp
            .iter()
            .map(|(n, s)| format!("'{n}' ({})", pct(*s)))
            .collect();
        // A near-perfect score carried by one feature (or with a near-perfect feature in the data)
        // is a leak's shape; the same score spread over many features is an easy problem.
        let top_share = resp.first().map_or(0.0, |r| r.1);
        let near_perfect_feature = ctx
            .powers
            .iter()
            .any(|p| p.power >= ctx.t.near_perfect_power);
        let concentrated = top_share >= ctx.t.dominant_share || near_perfect_feature;
        let (severity, reading) = if concentrated {
            (Severity::High, "more than real data usually allows")
        } else {
            (Severity::Low, "spread over several features, which fits a genuinely easy problem; check how the data was split")
        };
        let mut fd = Finding::new(
            None,
            FindingKind::SuspiciousPerformance,
            severity,
            format!(
                "The surrogate scores {metric} {score:.4} out of fold, {reading}; it relies on {}.",
                names.join(", ")
            ),
            Evidence {
                metric,
                value: score,
                threshold: ctx.t.suspicious_score,
                responsible: resp.clone(),
                top_share,
                concentrated,
            },
        );
        fd.features = resp.into_iter().map(|(n, _)| n).collect();
        vec![fd]
    }
}

/// The evidence of `suspicious_performance`.
#[derive(Serialize)]
struct Evidence {
    /// The headline metric and the surrogate's out-of-fold score in it.
    metric: crate::metric::Metric,
    value: f64,
    /// `suspicious_score`.
    threshold: f64,
    /// The features the score rests on: (name, share of importance).
    responsible: Vec<(String, f64)>,
    top_share: f64,
    /// Carried by one feature, or with a near-perfect feature in the data.
    concentrated: bool,
}
