//! `model_relies_on_leak`: the user's model puts much of its importance on features this audit
//! concludes are leaks. It reads the model's permutation importance (computed by
//! `model::audit`) on the features the data checks flagged `high` or above; `critical` when one
//! of them is a critical leak.

use serde::Serialize;

use super::{About, Check, Context, Stage};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};

/// What the model check reads: the data stage's context, its conclusions, and the user's model's
/// importance on the features they flag.
pub struct ModelContext<'a> {
    /// The data stage's context (surrogate importances, single-feature power, thresholds).
    pub data: &'a Context<'a>,
    /// The findings so far.
    pub findings: &'a [Finding],
    /// The flagged features the model uses: name, the model's share of importance on it, and
    /// its index among the audited features; largest share first.
    pub leaned: &'a [(String, f64, usize)],
    /// The model's share of importance on all of them together (rounded as the report shows
    /// it, so every output reads the same percentage).
    pub reliance: f64,
}

/// The user's model leans on flagged leaks.
pub struct ModelReliance;

/// The evidence of `model_relies_on_leak`.
#[derive(Serialize)]
struct Evidence {
    /// The model's share of importance on the flagged features together.
    user_model_importance_share: f64,
    /// Per flagged feature: (name, the model's share).
    per_feature: Vec<(String, f64)>,
    /// The surrogate's share on the one the model leans on most.
    surrogate_importance_share: Option<f64>,
    /// Its single-feature power.
    single_feature_power: f64,
    /// `model_reliance_share`.
    threshold: f64,
}

impl Check for ModelReliance {
    fn about(&self) -> About {
        About {
            name: "model relies on a leak",
            stage: Stage::Model,
            kinds: &[FindingKind::ModelReliesOnLeak],
            thresholds: &["model_reliance_share"],
            corroborates: &[],
        }
    }

    fn model(&self, ctx: &ModelContext) -> Vec<Finding> {
        let t = ctx.data.t;
        if ctx.reliance < t.model_reliance_share || ctx.leaned.is_empty() {
            return Vec::new();
        }
        let names: Vec<String> = ctx.leaned.iter().map(|l| l.0.clone()).collect();
        let critical = ctx.findings.iter().any(|fd| {
            fd.severity == Severity::Critical
                && fd.kind.is_leak_signature()
                && names.iter().any(|n| fd.concerns(n))
        });
        let parts: Vec<String> = ctx
            .leaned
            .iter()
            .map(|(n, s, _)| format!("'{n}' {}", pct(*s)))
            .collect();
        let (top, _, top_f) = &ctx.leaned[0];
        let mut fd = Finding::new(
            Some(top),
            FindingKind::ModelReliesOnLeak,
            if critical { Severity::Critical } else { Severity::High },
            format!(
                "Your model puts {} of its importance on features this audit flags as likely leaks ({}): it leans on information that will not exist at prediction time and will not score like this in production.",
                pct(ctx.reliance),
                parts.join(", ")
            ),
            Evidence {
                user_model_importance_share: r4(ctx.reliance),
                per_feature: ctx.leaned.iter().map(|(n, s, _)| (n.clone(), r4(*s))).collect(),
                surrogate_importance_share: ctx.data.run.importance[*top_f].map(|i| r4(i.share)),
                single_feature_power: r4(ctx.data.powers[*top_f].power),
                threshold: t.model_reliance_share,
            },
        );
        fd.features = names;
        vec![fd]
    }
}
