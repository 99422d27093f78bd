//! `dominant_feature`: one feature (or one cluster of correlated features) carries most of the
//! model's importance, and the model collapses toward the baseline without it.
//!
//! Dominance alone is a review (`medium`): a single physical driver (carat for a diamond's
//! price) dominates a clean table in exactly this way. It becomes a leak signal when the feature
//! is near-perfect alone (then it corroborates `near_perfect_predictor` to `critical`), or when
//! it carries the same information as another flagged leak (`leak_companion`).

use serde_json::json;

use super::{Check, Context};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::Importance;

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
        let near_perfect = |f: usize| ctx.powers[f].power >= ctx.t.near_perfect_power;
        for (f, imp) in ctx.run.importance.iter().enumerate() {
            let Some(imp) = imp else { continue };
            if let Some((share, collapse)) = self.judge(ctx, imp) {
                let name = ctx.name(f);
                out.push(Finding::new(
                    Some(name),
                    FindingKind::DominantFeature,
                    if near_perfect(f) { Severity::High } else { Severity::Medium },
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
                let severity = if members.iter().any(|&m| near_perfect(m)) {
                    Severity::High
                } else {
                    Severity::Medium
                };
                for &m in members {
                    let name = ctx.name(m);
                    let mut fd = Finding::new(
                        Some(name),
                        FindingKind::DominantFeature,
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
