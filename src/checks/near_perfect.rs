//! `near_perfect_predictor`: one feature alone predicts the target almost perfectly out of fold.
//! Also the "strong predictor, review" grade below it, which a legitimate feature may reach.

use serde_json::json;

use super::{describe_power, finding, r4, Check, Context};
use crate::report::{Finding, Severity};

/// The check.
pub struct NearPerfect;

impl Check for NearPerfect {
    fn run(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        for (f, p) in ctx.powers.iter().enumerate() {
            let name = ctx.name(f);
            let evidence = json!({
                "single_feature_power": r4(p.power),
                "metric": p.metric,
                "metric_value": r4(p.value),
                "threshold": ctx.t.near_perfect_power,
                "folds": ctx.k,
            });
            if p.power >= ctx.t.near_perfect_power {
                out.push(finding(
                    Some(name),
                    "near_perfect_predictor",
                    Severity::High,
                    format!(
                        "'{name}' alone predicts '{}' almost perfectly out of fold ({}); a real-world input rarely does.",
                        ctx.ds.target_name,
                        describe_power(p)
                    ),
                    evidence,
                ));
            } else if p.power >= ctx.t.strong_power {
                // Halfway to near-perfect is worth a review; below that, a note.
                let midway = (ctx.t.strong_power + ctx.t.near_perfect_power) / 2.0;
                out.push(finding(
                    Some(name),
                    "strong_predictor",
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
