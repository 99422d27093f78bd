//! `dominant_feature`: one feature (or one cluster of correlated features) carries most of the
//! model's importance, and the model collapses toward the baseline without it.
//!
//! Dominance alone is a review (`medium`): a single physical driver (carat for a diamond's
//! price) dominates a clean table in exactly this way. It becomes a leak signal when the feature
//! is near-perfect alone (then it corroborates `near_perfect_predictor` to `critical`), when it
//! carries the same information as another flagged leak (`leak_companion`), or when it
//! **determines** the target: the model needs nothing else (`determining_share` of the
//! importance) and the feature alone is a strong predictor. That is what a post-outcome field, a
//! severity code that spells the outcome or a one-class indicator does; a legitimate driver
//! leaves the other features part of the work (57-77% of the importance in real tables) and
//! predicts far less alone. Two forms, one per kind of target:
//! - a class: the model collapses without it (nothing else carries its information: unlike
//!   iris' petal length, whose twin petal width takes over);
//! - a value: it screens the other features off. They predict the target well without it
//!   (little collapse) yet add nothing to it, as for a noisy copy of the target; a physical
//!   driver with weak companions (carat alone) collapses the model instead and stays a review.

use super::{describe_power, About, Check, Context, Stage, Thresholds};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::Importance;
use crate::surrogate::Labels;
use serde::Serialize;

/// The check.
pub struct Dominance;

/// Models with less skill than this are too weak for dominance to mean anything.
/// Not a setting: below it there is no skill to share out; the dominance thresholds are settings.
const MIN_BASE_SKILL: f64 = 0.05;

impl Dominance {
    /// Share of the model's skill lost when the feature (cluster) is removed; `None` when the
    /// model is too weak for it to mean anything.
    fn collapse(ctx: &Context, imp: &Importance) -> Option<f64> {
        let base = ctx.run.drop_column_base;
        (base >= MIN_BASE_SKILL).then(|| (imp.drop_column / base).clamp(0.0, 1.0))
    }

    fn judge(&self, ctx: &Context, imp: &Importance) -> Option<(f64, f64)> {
        let collapse = Self::collapse(ctx, imp)?;
        (imp.share >= ctx.t.dominant_share && collapse >= ctx.t.dominant_collapse)
            .then_some((imp.share, collapse))
    }
}

/// Whether a feature with importance share `share`, collapse `collapse` and single-feature
/// power `power` determines the target (see the module docs): the model needs nothing else.
pub fn determines(t: &Thresholds, classes: bool, share: f64, collapse: f64, power: f64) -> bool {
    if share < t.determining_share {
        return false;
    }
    if classes {
        power >= t.strong_power && collapse >= t.dominant_collapse
    } else {
        // A value target allows strong legitimate drivers: halfway to near-perfect, and the
        // other features screened off although they predict it without this one.
        power >= (t.strong_power + t.near_perfect_power) / 2.0 && collapse < t.dominant_collapse
    }
}

impl Check for Dominance {
    fn about(&self) -> About {
        About {
            name: "dominant feature",
            stage: Stage::Data,
            kinds: &[FindingKind::DominantFeature],
            thresholds: &[
                "determining_share",
                "dominant_collapse",
                "dominant_share",
                "near_perfect_power",
                "strong_power",
            ],
            corroborates: &[FindingKind::DominantFeature],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let near_perfect = |f: usize| ctx.powers[f].power >= ctx.t.near_perfect_power;
        let classes = matches!(ctx.labels, Labels::Classes { .. });
        for (f, imp) in ctx.run.importance.iter().enumerate() {
            let Some(imp) = imp else { continue };
            let Some(collapse) = Self::collapse(ctx, imp) else {
                continue;
            };
            let determining = determines(ctx.t, classes, imp.share, collapse, ctx.powers[f].power);
            if self.judge(ctx, imp).is_some() || determining {
                let share = imp.share;
                let name = ctx.name(f);
                let reading = if !determining {
                    "the other features together explain little.".to_string()
                } else if classes {
                    format!(
                        "it is also a strong predictor alone ({}): the model needs nothing else, which is how a field recorded after the outcome or a code spelling it looks.",
                        describe_power(&ctx.powers[f])
                    )
                } else {
                    format!(
                        "it is also a strong predictor alone ({}) and the other features, which predict the target without it, add nothing once it is known: a copy of the target screens them off, a legitimate driver does not.",
                        describe_power(&ctx.powers[f])
                    )
                };
                out.push(Finding::new(
                    Some(name),
                    FindingKind::DominantFeature,
                    if near_perfect(f) || determining {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "The model leans on '{name}' for {} of its importance and loses {} of its skill without it; {reading}",
                        pct(share),
                        pct(collapse)
                    ),
                    Evidence {
                        determines_target: determining,
                        single_feature_power: r4(ctx.powers[f].power),
                        importance_share: r4(share),
                        skill_with: r4(ctx.run.drop_column_base),
                        skill_without: r4(ctx.run.drop_column_base - imp.drop_column),
                        collapse: r4(collapse),
                        permutation_importance: r4(imp.permutation_mean),
                    },
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
                        ClusterEvidence {
                            cluster: names.clone(),
                            importance_share: r4(share),
                            skill_with: r4(ctx.run.drop_column_base),
                            skill_without: r4(ctx.run.drop_column_base - imp.drop_column),
                            collapse: r4(collapse),
                        },
                    );
                    fd.features = names.clone();
                    out.push(fd);
                }
            }
        }
        out
    }
}

/// The evidence of `dominant_feature` on one feature.
#[derive(Serialize)]
struct Evidence {
    /// Dominant and a strong predictor alone: the model needs nothing else.
    determines_target: bool,
    single_feature_power: f64,
    /// Its share of the surrogate's permutation importance.
    importance_share: f64,
    /// The surrogate's skill with every feature, and without this one (drop-column).
    skill_with: f64,
    skill_without: f64,
    /// The share of the skill lost without it.
    collapse: f64,
    permutation_importance: f64,
}

/// The evidence of `dominant_feature` on a cluster of correlated features.
#[derive(Serialize)]
struct ClusterEvidence {
    cluster: Vec<String>,
    importance_share: f64,
    skill_with: f64,
    skill_without: f64,
    collapse: f64,
}
