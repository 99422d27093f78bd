//! The conclusion over all signals on each feature, run after the checks and again after
//! peeling:
//! - **companions**: a feature that carries the same information as a flagged leak (same
//!   correlation cluster, a near-deterministic monotone transform of it, or the column the
//!   peeled model leans on once the leak is gone) and predicts the target almost perfectly
//!   alone is graded with the leak (`leak_companion`);
//! - **corroborated purity**: a pure segment of one ordinary category or value is raised to
//!   `high` only when another leak signal on the same feature agrees;
//! - **one voice**: a feature flagged `high` or above by a leak signature is never also called
//!   "likely legitimate" (its `strong_predictor` note is dropped);
//! - **explained scores**: `suspicious_performance` is `high` only when a feature it relies on
//!   is a flagged leak; a score alone is a review (`medium`).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{describe_power, Context};
use crate::finding::{r4, Finding, FindingKind, Severity};
use crate::importance::single_feature::gamma;
use crate::surrogate::binned::{BinKind, MISSING_BIN};

/// |gamma| between two features at which one is a near-deterministic transform of the other.
/// Not a setting: a companion also needs near-perfect power of its own (halfway from `strong_power`
/// to `near_perfect_power`), which the settings move; this only says what "a transform" is.
const TRANSFORM_GAMMA: f64 = 0.9;

/// Names of the features flagged `high` or above by a leak signature.
pub fn flagged(findings: &[Finding]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in findings {
        if f.severity >= Severity::High && f.kind.is_leak_signature() {
            out.extend(f.feature.iter().cloned());
            out.extend(f.features.iter().cloned());
        }
    }
    out
}

/// Gamma between feature `a` and feature `b`'s bins, on rows where both are present.
fn transform_gamma(ctx: &Context, a: usize, b: usize) -> Option<f64> {
    if ctx.x.kinds[a] != BinKind::Ordered || ctx.x.kinds[b] != BinKind::Ordered {
        return None;
    }
    let (ca, cb) = (&ctx.x.cols[a], &ctx.x.cols[b]);
    let masked: Vec<u8> = ca
        .iter()
        .zip(cb)
        .map(|(&x, &y)| if y == MISSING_BIN { MISSING_BIN } else { x })
        .collect();
    let values: Vec<f64> = cb.iter().map(|&v| f64::from(v)).collect();
    gamma(&masked, &values)
}

/// How feature `f` relates to the flagged leaks `leaks`, if it carries the same information as
/// one of them: the leak(s) it accompanies, the reason, and the evidence.
fn relation(
    ctx: &Context,
    findings: &[Finding],
    f: usize,
    leaks: &[usize],
) -> Option<(Vec<String>, String, Relation)> {
    for &l in leaks {
        let leak = ctx.name(l).to_string();
        if ctx
            .run
            .clusters
            .iter()
            .any(|(m, _)| m.contains(&f) && m.contains(&l))
        {
            return Some((
                vec![leak.clone()],
                format!("it is in one correlation cluster with '{leak}'"),
                Relation::Cluster,
            ));
        }
        if let Some(g) = transform_gamma(ctx, f, l).filter(|g| g.abs() >= TRANSFORM_GAMMA) {
            return Some((
                vec![leak.clone()],
                format!("it is a near-monotone transform of '{leak}' (gamma {g:.3})"),
                Relation::Transform { gamma: r4(g) },
            ));
        }
    }
    // The column the peeled model leans on once the leaks are gone.
    let name = ctx.name(f);
    let leak_names: Vec<&str> = leaks.iter().map(|&l| ctx.name(l)).collect();
    findings.iter().find_map(|fd| {
        if fd.kind != FindingKind::DominantFeature || fd.feature.as_deref() != Some(name) {
            return None;
        }
        let removed: Vec<String> = fd
            .after_peeling()
            .into_iter()
            .filter(|n| leak_names.contains(&n.as_str()))
            .collect();
        if removed.is_empty() {
            return None;
        }
        let share = fd.importance_share();
        Some((
            removed,
            format!(
                "once they are removed the model leans on it for {}",
                share.map_or_else(String::new, crate::finding::pct)
            ),
            Relation::PeeledModel {
                peeled_importance_share: share,
            },
        ))
    })
}

/// Apply the conclusion to `findings` (idempotent).
pub fn conclude(ctx: &Context, findings: &mut Vec<Finding>) {
    let t = ctx.t;
    let floor = (t.strong_power + t.near_perfect_power) / 2.0;
    // Companions, to a fixed point (a companion of a companion is one too), in feature order.
    loop {
        let leaks = flagged(findings);
        let index = |n: &str| ctx.ds.features.iter().position(|c| c.name == n);
        let leak_idx: Vec<usize> = leaks.iter().filter_map(|n| index(n)).collect();
        let mut added = false;
        for f in 0..ctx.x.features() {
            let name = ctx.name(f);
            if leaks.contains(name) || ctx.powers[f].power < floor {
                continue;
            }
            let Some((of, why, rel)) = relation(ctx, findings, f, &leak_idx) else {
                continue;
            };
            let severity = findings
                .iter()
                .filter(|fd| fd.kind.is_leak_signature() && of.iter().any(|n| fd.concerns(n)))
                .map(|fd| fd.severity)
                .max()
                .unwrap_or(Severity::High)
                .min(Severity::High);
            let quoted = of
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let evidence = CompanionEvidence {
                companion_of: of.clone(),
                single_feature_power: r4(ctx.powers[f].power),
                metric: ctx.powers[f].metric,
                metric_value: r4(ctx.powers[f].value),
                relation: rel,
            };
            findings.push(Finding::new(
                Some(name),
                FindingKind::LeakCompanion,
                severity,
                format!(
                    "'{name}' carries the same information as the flagged leak{} {quoted} ({why}) and predicts '{}' almost as well alone ({}): a transform or companion of it, to be removed with it.",
                    if of.len() > 1 { "s" } else { "" },
                    ctx.ds.target_name,
                    describe_power(&ctx.powers[f])
                ),
                evidence,
            ));
            added = true;
        }
        if !added {
            break;
        }
    }
    // Corroborated purity: one category pure for a class is a leak only with another signal.
    let flagged_by_other: BTreeSet<String> = findings
        .iter()
        .filter(|fd| {
            fd.severity >= Severity::High
                && matches!(
                    fd.kind,
                    FindingKind::NearPerfectPredictor
                        | FindingKind::TargetProxy
                        | FindingKind::PartialLeak
                )
        })
        .filter_map(|fd| fd.feature.clone())
        .collect();
    for fd in findings.iter_mut() {
        let ordinary_point = fd.point_defined() == Some(true) && fd.sentinel() == Some(false);
        if fd.kind == FindingKind::PureSegment
            && ordinary_point
            && fd.severity == Severity::Medium
            && fd
                .feature
                .as_ref()
                .is_some_and(|n| flagged_by_other.contains(n))
        {
            fd.severity = Severity::High;
            fd.mark_corroborated();
        }
    }
    // A near-perfect score is an alarm only when a flagged leak explains it: a genuinely
    // separable table scores as high, with nothing to point at.
    let leaks = flagged(findings);
    for fd in findings.iter_mut() {
        if fd.kind == FindingKind::SuspiciousPerformance && fd.concentrated() {
            let explained = fd.features.iter().any(|n| leaks.contains(n));
            fd.severity = if explained {
                Severity::High
            } else {
                Severity::Medium
            };
            fd.mark_explained(explained);
        }
    }
    // One voice.
    findings.retain(|fd| {
        !(fd.kind == FindingKind::StrongPredictor
            && fd.feature.as_ref().is_some_and(|n| leaks.contains(n)))
    });
    super::corroborate(findings);
    super::sort(findings);
}

/// The evidence of `leak_companion`.
#[derive(Serialize)]
struct CompanionEvidence {
    /// The flagged leaks it accompanies.
    companion_of: Vec<String>,
    single_feature_power: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
    /// How it relates to them.
    #[serde(flatten)]
    relation: Relation,
}

/// How a companion relates to the leak it accompanies (`relation` in the evidence).
#[derive(Serialize)]
#[serde(tag = "relation", rename_all = "snake_case")]
enum Relation {
    /// In one correlation cluster.
    Cluster,
    /// A near-monotone transform (|gamma| at least [`TRANSFORM_GAMMA`]).
    Transform { gamma: f64 },
    /// The column the peeled model leans on once the leak is gone.
    PeeledModel {
        peeled_importance_share: Option<f64>,
    },
}
