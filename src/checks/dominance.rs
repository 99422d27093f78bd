//! `dominant_feature`: one feature (or one cluster of correlated features) carries most of the
//! model's importance, and the model collapses toward the baseline without it.

use serde_json::json;

use super::{finding, pct, r4, Check, Context};
use crate::importance::Importance;
use crate::report::{Finding, Severity};

/// The check.
pub struct Dominance;

/// Models with less skill than this are too weak for dominance to mean anything.
const MIN_BASE_SKILL: f64 = 0.05;

impl Dominance {
    fn judge(&self, ctx: &Context, imp: &Importance) -> Option<(f64, f64)> {
        let base = ctx.run.drop_column_base;
        if base < MIN_BASE_SKILL {
            return None;
        }
        // Collapse: share of the model's skill lost when the feature (cluster) is removed.
        let collapse = (imp.drop_column / base).clamp(0.0, 1.0);
        (imp.share >= ctx.t.dominant_share && collapse >= ctx.t.dominant_collapse)
            .then_some((imp.share, collapse))
    }
}

impl Check for Dominance {
    fn run(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let strong = |f: usize| ctx.powers[f].power >= ctx.t.strong_power;
        // A main driver of a mediocre model is ordinary; one feature making a model excellent
        // on its own, with nothing else able to stand in, is not.
        let good_model = ctx.run.drop_column_base >= ctx.t.dominant_good_skill;
        // Alone, the feature already scores (almost) what the whole model scores.
        let model_power = super::suspicious::model_power(&ctx.labels, ctx.run);
        let is_the_model =
            |f: usize| ctx.powers[f].power >= ctx.t.dominant_alone_share * model_power;
        for (f, imp) in ctx.run.importance.iter().enumerate() {
            let Some(imp) = imp else { continue };
            if let Some((share, collapse)) = self.judge(ctx, imp) {
                let name = ctx.name(f);
                out.push(finding(
                    Some(name),
                    "dominant_feature",
                    if strong(f) || (collapse >= ctx.t.dominant_total_collapse && good_model && is_the_model(f)) { Severity::High } else { Severity::Medium },
                    format!(
                        "The model leans on '{name}' for {} of its importance and loses {} of its skill without it; the other features together explain little.",
                        pct(share),
                        pct(collapse)
                    ),
                    json!({
                        "importance_share": r4(share),
                        "skill_with": r4(ctx.run.drop_column_base),
                        "skill_without": r4(ctx.run.drop_column_base - imp.drop_column),
                        "collapse": r4(collapse),
                        "permutation_importance": r4(imp.permutation_mean),
                    }),
                ));
            }
        }
        for (members, imp) in &ctx.run.clusters {
            // Correlated features hide each other from single-feature drop-column; judge jointly.
            if members.iter().any(|&m| {
                ctx.run.importance[m]
                    .as_ref()
                    .is_some_and(|i| self.judge(ctx, i).is_some())
            }) {
                continue;
            }
            if let Some((share, collapse)) = self.judge(ctx, imp) {
                let names: Vec<String> = members.iter().map(|&m| ctx.name(m).to_string()).collect();
                let severity = if members.iter().any(|&m| strong(m) || is_the_model(m))
                    && (collapse >= ctx.t.dominant_total_collapse && good_model)
                {
                    Severity::High
                } else {
                    Severity::Medium
                };
                for &m in members {
                    let name = ctx.name(m);
                    let mut fd = finding(
                        Some(name),
                        "dominant_feature",
                        severity,
                        format!(
                            "'{name}' belongs to a cluster of correlated features ({}) that together carry {} of the importance; the model loses {} of its skill without them.",
                            names.join(", "),
                            pct(share),
                            pct(collapse)
                        ),
                        json!({
                            "cluster": names,
                            "importance_share": r4(share),
                            "skill_with": r4(ctx.run.drop_column_base),
                            "skill_without": r4(ctx.run.drop_column_base - imp.drop_column),
                            "collapse": r4(collapse),
                        }),
                    );
                    fd.features = names.clone();
                    out.push(fd);
                }
            }
        }
        out
    }
}
