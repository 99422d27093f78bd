//! Iterative peeling: refit the surrogate without the features flagged as leaks and look at
//! what it leans on then. A model that still scores implausibly well is relying on a leak
//! spread over several columns (`multi_feature_leak`); a strong predictor it now leans on was
//! hidden behind the leaks (`dominant_feature`, medium). The last refit is the honest model:
//! the score a user can expect without the leaks.

use crate::metric::Metric;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{conclude, describe_power, dominance, suspicious, Context};
use crate::error::Result;
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::{self, folds, metrics::round6, EngineSettings, ModelRun};
use crate::seeds::Stream;
use crate::surrogate::{Labels, Surrogate};

/// Rows the peeling refits use, at most.
/// A work budget for large tables, not a threshold.
const PEEL_ROWS: usize = 20_000;

/// What peeling produced: its refits in order and the honest model.
pub(crate) struct Peeling {
    /// The refits.
    pub steps: Vec<PeelStep>,
    /// The surrogate without the likely leaks, when something was flagged.
    pub honest: Option<HonestModel>,
}

/// One refit of iterative peeling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeelStep {
    /// Features removed so far.
    pub removed: Vec<String>,
    /// Out-of-fold metrics of the refit.
    pub out_of_fold: BTreeMap<String, f64>,
    /// Features it leans on most (name, share).
    pub top_features: Vec<(String, f64)>,
    /// Rows the refit used (a seeded sample of at most 20,000; the light surrogate).
    #[serde(default)]
    pub rows: usize,
}

/// The surrogate refitted without every feature the report concludes is a leak: the score a
/// user can expect without them, and what the model then relies on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HonestModel {
    /// Features removed (every feature flagged `high` or above by a leak signature).
    pub removed: Vec<String>,
    /// Headline metric name (`roc_auc`, `macro_auc` or `r2`).
    pub metric: String,
    /// Out-of-fold headline score of the full surrogate, leaks included.
    pub with_leaks: f64,
    /// Out-of-fold headline score without them (the light surrogate on `rows` rows).
    pub without_leaks: f64,
    /// All out-of-fold metrics without them.
    pub out_of_fold: BTreeMap<String, f64>,
    /// Features the model leans on without them (name, importance share).
    pub leans_on: Vec<(String, f64)>,
    /// Rows of the refit.
    pub rows: usize,
}

impl HonestModel {
    /// The paragraph the Markdown and HTML reports show (unescaped).
    pub fn paragraph(&self) -> String {
        format!(
            "The surrogate refitted without the likely leaks (light configuration, {} rows): {}.",
            self.rows,
            self.sentence()
        )
    }

    /// "with the leaks: roc_auc 0.9997; without them (a, b): roc_auc 0.8100, led by
    /// credit_score (70%)".
    pub fn sentence(&self) -> String {
        let led = self
            .leans_on
            .iter()
            .take(3)
            .map(|(n, s)| format!("{n} ({:.0}%)", s * 100.0))
            .collect::<Vec<_>>();
        format!(
            "with the leaks: {m} {:.4}; without them ({}): {m} {:.4}{}",
            self.with_leaks,
            self.removed.join(", "),
            self.without_leaks,
            if led.is_empty() {
                String::new()
            } else {
                format!(", led by {}", led.join(", "))
            },
            m = self.metric
        )
    }
}

/// Iterative peeling: refit without every feature flagged `high` or above, and look at what the
/// model leans on then. A model that still scores implausibly well is relying on a leak spread
/// over several columns; name that set and peel again.
pub(crate) fn peel(
    ctx: &Context,
    surrogate: &dyn Surrogate,
    engine: &EngineSettings,
    seed: u64,
    allow: &[String],
    model_features: &[usize],
    findings: &mut Vec<Finding>,
) -> Result<Peeling> {
    let mut steps = Vec::new();
    let t = ctx.t;
    let name_of = |f: usize| ctx.ds.features[f].name.clone();
    // Only what a leak signature flags `high` or above is removed: a strong legitimate feature
    // with a note stays, so the peeled model is the honest one.
    // Features the user allows are legitimate by their word: never peeled. In model order.
    let peelable = |findings: &[Finding]| -> Vec<usize> {
        let suspects = conclude::flagged(findings);
        model_features
            .iter()
            .copied()
            .filter(|&f| {
                let name = &ctx.ds.features[f].name;
                suspects.contains(name) && !allow.contains(name)
            })
            .collect()
    };
    let mut removed = peelable(findings);
    let peel_surrogate = surrogate.light();
    // Refits run on a seeded sample of at most PEEL_ROWS rows (stratified through the folds).
    let all: Vec<u32> = (0..ctx.x.rows as u32).collect();
    let rows: Vec<usize> = folds::subsample(
        &all,
        &ctx.x.row_keys,
        PEEL_ROWS,
        Stream::PeelRows.seed(seed),
    )
    .into_iter()
    .map(|r| r as usize)
    .collect();
    let x = ctx.x.take_rows(&rows);
    let fold_of: Vec<u8> = rows.iter().map(|&r| ctx.folds[r]).collect();
    let owned = ctx.labels.take(&rows);
    let labels = owned.labels();
    // Only the importance shares matter here: fewer repeats, no drop-column refits.
    let light = EngineSettings {
        repeats: engine.repeats.min(2),
        ..engine.clone()
    };
    let problem = importance::Problem {
        x: &x,
        labels: &labels,
        folds: &fold_of,
    };
    // The lighter configuration of the surrogate: peeling needs shares and a score, and
    // peeled data rarely lets the booster stop early.
    let refit = |removed: &[usize]| -> Result<Option<ModelRun>> {
        let remaining: Vec<usize> = model_features
            .iter()
            .copied()
            .filter(|f| !removed.contains(f))
            .collect();
        if remaining.is_empty() {
            return Ok(None);
        }
        importance::run_model(
            peel_surrogate.as_ref(),
            &problem,
            &remaining,
            &light,
            Stream::PeelModel.seed(seed),
            false,
        )
        .map(Some)
    };
    let classes = matches!(ctx.labels, Labels::Classes { .. });
    // A feature found hidden behind the leaks, awaiting the refit without it: (its finding's
    // index, the feature, its share, the skill of the model that leaned on it).
    let mut pending: Option<(usize, usize, f64, f64)> = None;
    // One more round than the limit may run, to confirm the last hidden feature.
    for round in 0..=t.max_peel_rounds {
        if round == t.max_peel_rounds && pending.is_none() {
            break;
        }
        if removed.is_empty() {
            break;
        }
        let Some(run) = refit(&removed)? else {
            break;
        };
        let top = suspicious::responsible(ctx, &run.importance);
        steps.push(PeelStep {
            removed: removed.iter().map(|&f| name_of(f)).collect(),
            out_of_fold: run.oof.clone(),
            top_features: top.clone(),
            rows: rows.len(),
        });
        // The feature a previous round found hidden behind the leaks is confirmed or not by this
        // round, refitted without it: a class target whose model collapses without it was
        // determined by it (see `dominance::determines`); otherwise it stays a review.
        if let Some((at, f, share, skill_with)) = pending.take() {
            let skill_without = Metric::Skill.of(&run.oof).unwrap_or(0.0);
            let collapse = if skill_with > 0.0 {
                ((skill_with - skill_without) / skill_with).clamp(0.0, 1.0)
            } else {
                0.0
            };
            if dominance::determines(t, classes, share, collapse, ctx.powers[f].power) {
                let fd: &mut Finding = &mut findings[at];
                fd.severity = Severity::High;
                fd.mark_determines_target(r4(collapse));
                fd.message = format!(
                    "Once {} are removed, the model leans on '{}' for {} of its importance and loses {} of its skill without it, and it is a strong predictor alone ({}): it was hidden behind them and determines the target as they do.",
                    fd.after_peeling().join(", "),
                    name_of(f),
                    pct(share),
                    pct(collapse),
                    describe_power(&ctx.powers[f])
                );
            }
        }
        if round == t.max_peel_rounds {
            break;
        }
        // A strong predictor the peeled model now leans on for most of its importance was hidden
        // behind the leaks just removed. A legitimate strong feature looks the same, so this is a
        // review (medium) unless the next round shows the model needs nothing else.
        let mut dominant = Vec::new();
        for (f, imp) in run.importance.iter().enumerate() {
            let Some(imp) = imp else { continue };
            let name = name_of(f);
            let already = conclude::flagged(findings).contains(&name);
            if imp.share >= t.dominant_share && ctx.powers[f].power >= t.strong_power && !already {
                if imp.share >= t.determining_share && dominant.is_empty() {
                    let skill = Metric::Skill.of(&run.oof).unwrap_or(0.0);
                    pending = Some((findings.len(), f, imp.share, skill));
                }
                findings.push(Finding::new(
                    Some(&name),
                    FindingKind::DominantFeature,
                    Severity::Medium,
                    format!(
                        "Once {} are removed, the model leans on '{name}' for {} of its importance, and it is a strong predictor alone ({}); it was hidden behind them: confirm it is known at prediction time.",
                        steps.last().map(|s| s.removed.join(", ")).unwrap_or_default(),
                        pct(imp.share),
                        describe_power(&ctx.powers[f])
                    ),
                    DominantEvidence {
                        after_peeling: steps.last().map(|s| s.removed.clone()),
                        importance_share: r4(imp.share),
                        single_feature_power: r4(ctx.powers[f].power),
                        round: steps.len(),
                    },
                ));
                dominant.push(f);
            }
        }
        let (metric, score) = crate::importance::metrics::headline(&run.oof);
        if !dominant.is_empty() {
            removed.extend(dominant);
            continue;
        }
        if score < t.suspicious_score || top.is_empty() {
            break;
        }
        // The reconstruct-the-target signature: in a near-perfect model, columns carrying a large
        // share of the importance while predicting little alone (they only work together).
        let synergy: Vec<(String, f64, f64)> = run
            .importance
            .iter()
            .enumerate()
            .filter_map(|(f, imp)| imp.map(|i| (f, i.share)))
            .filter(|&(f, share)| {
                share >= t.synergy_share && ctx.powers[f].power < t.synergy_max_power
            })
            .map(|(f, share)| (name_of(f), r4(share), r4(ctx.powers[f].power)))
            .collect();
        if synergy.len() < 2 {
            break;
        }
        let names: Vec<String> = synergy.iter().map(|s| s.0.clone()).collect();
        let set_power = suspicious::model_power(&labels, &run);
        let members_best = synergy.iter().map(|s| s.2).fold(0.0, f64::max);
        let mut fd = Finding::new(
            None,
            FindingKind::MultiFeatureLeak,
            Severity::High,
            format!(
                "Even without {}, the surrogate scores {metric} {score:.4} out of fold by combining {}: together these columns reconstruct the target.",
                steps.last().map(|s| s.removed.join(", ")).unwrap_or_default(),
                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
            ),
            SynergyEvidence {
                metric,
                value: score,
                removed_before: steps.last().map(|s| s.removed.clone()),
                best_single_member_power: r4(members_best),
                set_power: r4(set_power),
                features: synergy,
                top_features: top,
                round: steps.len(),
            },
        );
        fd.features = names.clone();
        findings.push(fd);
        for n in names {
            if let Some(f) = ctx.ds.features.iter().position(|c| c.name == n) {
                if !removed.contains(&f) {
                    removed.push(f);
                }
            }
        }
    }
    // What the peeled model leans on is evidence for companions; then the honest model is the
    // surrogate without exactly the features the report concludes are leaks.
    conclude::conclude(ctx, findings);
    let final_removed = peelable(findings);
    if final_removed.is_empty() {
        return Ok(Peeling {
            steps,
            honest: None,
        });
    }
    let names: Vec<String> = final_removed.iter().map(|&f| name_of(f)).collect();
    let same = |s: &PeelStep| {
        let mut r = s.removed.clone();
        r.sort();
        let mut n = names.clone();
        n.sort();
        r == n
    };
    let (out_of_fold, leans_on) = match steps.iter().find(|s| same(s)) {
        Some(s) => (s.out_of_fold.clone(), s.top_features.clone()),
        None => match refit(&final_removed)? {
            Some(run) => (
                run.oof.clone(),
                suspicious::responsible(ctx, &run.importance),
            ),
            None => {
                return Ok(Peeling {
                    steps,
                    honest: None,
                })
            }
        },
    };
    let (metric, with) = crate::importance::metrics::headline(&ctx.run.oof);
    let without = crate::importance::metrics::headline(&out_of_fold).1;
    let honest = Some(HonestModel {
        removed: names,
        metric: metric.to_string(),
        with_leaks: round6(with),
        without_leaks: round6(without),
        out_of_fold,
        leans_on,
        rows: rows.len(),
    });
    Ok(Peeling { steps, honest })
}

/// The evidence of a `dominant_feature` that appears once the flagged leaks are peeled off.
#[derive(Serialize)]
struct DominantEvidence {
    /// The features removed before this refit.
    after_peeling: Option<Vec<String>>,
    importance_share: f64,
    single_feature_power: f64,
    /// The peeling round (1-based).
    round: usize,
}

/// The evidence of a `multi_feature_leak` that peeling finds: a near-perfect score the flagged
/// leaks do not explain, carried by features weak alone.
#[derive(Serialize)]
struct SynergyEvidence {
    metric: crate::metric::Metric,
    value: f64,
    removed_before: Option<Vec<String>>,
    best_single_member_power: f64,
    /// The power of the members together.
    set_power: f64,
    /// The members: (name, share of importance, single-feature power).
    features: Vec<(String, f64, f64)>,
    /// The features the score rests on: (name, share of importance).
    top_features: Vec<(String, f64)>,
    round: usize,
}
