//! The user's models in a comparison: each version's model (identity, metrics, own importance),
//! whether the data or the model changed between versions, and the model's reliance on flagged
//! features followed as one quantity.
//!
//! Reliance is the share of the model's permutation importance on the features its version's
//! audit flags as leaks (a leak signature at `high` or above), the quantity the audit grades as
//! `model_relies_on_leak`. Across versions it gives at most one finding:
//! - both at or above `model_reliance_share`: `still_relies_on_leak`, or `reliance_rise` when it
//!   grew by [`RISE`] or more; severity that of the new version's `model_relies_on_leak` (`high`,
//!   `critical` when a feature it leans on is a critical leak);
//! - below the threshold before, at or above it now: `reliance_rise`, same severity;
//! - at or above before, below now: `resolved` (`low`);
//! - below in both but up by [`RISE`] to at least [`RISE_FLOOR`]: `reliance_rise` (`medium`).
//!
//! Feature names that both models use are not matched into `new_leak`/`resolved` pairs (the
//! feature a reliance finding names is only its largest part); a flagged feature that enters
//! the new model's top [`TOP`] features, and was not a flagged top feature of the old model, is
//! `new_leak`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{FeatureDelta, Side, SideInfo, JUMP_FACTOR, JUMP_FLOOR, METRIC_JUMP};
use crate::checks::Thresholds;
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::metrics::headline;
use crate::metric::Metric;
use crate::model::audit::LeakReliance;
use crate::model::ModelFormat;
use crate::report::Report;

/// A rise of reliance (absolute share of importance) that counts as rising. Not a setting:
/// permutation shares of one model move by a few points between seeds, so a smaller rise is
/// noise, and the threshold that matters (`model_reliance_share`) is one.
pub const RISE: f64 = 0.05;
/// Below the threshold, a rise is a review once reliance reaches this share: a rise to a few
/// percent is noise around zero. Not a setting for the same reason as [`RISE`].
pub const RISE_FLOOR: f64 = 0.10;
/// The model's top features: a flagged feature entering them is a new leak. Not a setting: the
/// number of features a reader scans first, as the timeline's picture follows per version.
pub const TOP: usize = 5;

/// The user's model of one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSide {
    /// The model file (or the model's class, for a model passed as an object).
    pub path: String,
    /// Its format.
    pub format: ModelFormat,
    /// Objective / producer and size.
    pub description: String,
    /// SHA-256 of the file (null for a model passed as an object).
    pub sha256: Option<String>,
    /// Where it was evaluated.
    pub evaluated_on: String,
    /// Evaluation rows.
    pub rows: usize,
    /// Headline metric (`roc_auc`, `macro_auc`, `r2`).
    pub metric: Metric,
    /// Headline value.
    pub score: f64,
    /// Every metric of the model.
    pub metrics: BTreeMap<String, f64>,
    /// Its reliance on the features its audit flags as leaks.
    pub leak_reliance: LeakReliance,
}

impl ModelSide {
    /// The model a report audited, if any.
    pub fn of(r: &Report) -> Option<ModelSide> {
        let u = r.user_model.as_ref()?;
        let (metric, score) = headline(&u.metrics);
        Some(ModelSide {
            path: u.path.clone(),
            format: u.format,
            description: u.description.clone(),
            sha256: u.sha256.clone(),
            evaluated_on: u.evaluated_on.clone(),
            rows: u.rows,
            metric,
            score,
            metrics: u.metrics.clone(),
            leak_reliance: u
                .leak_reliance
                .clone()
                .unwrap_or_else(|| LeakReliance::from_report(&r.findings, u)),
        })
    }

    /// Format, file name and the first 12 hex digits of the hash, for one line.
    pub fn label(&self) -> String {
        let file = std::path::Path::new(&self.path)
            .file_name()
            .map_or(self.path.clone(), |f| f.to_string_lossy().into_owned());
        match &self.sha256 {
            Some(h) => format!(
                "{} {file} (sha256 {})",
                self.format.as_str(),
                &h[..h.len().min(12)]
            ),
            None => format!("{} {file}", self.format.as_str()),
        }
    }
}

/// What changed between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    /// Whether the data (or the audit's settings) changed: the surrogate's scores and shares, the
    /// dataset's shape or the data findings differ.
    pub data: bool,
    /// Whether the model changed (its file's hash, or its path and format when no hash); null
    /// when a version audited no model.
    pub model: Option<bool>,
    /// `data`, `model`, `data and model`, `nothing`, or `the model was added` / `removed`.
    pub summary: String,
    /// What differs in the data, one line each (at most 5); the models are named beside.
    pub reasons: Vec<String>,
}

/// One metric old -> new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDelta {
    /// Metric name.
    pub name: String,
    /// `model` (the user's models) or `surrogate` (leakhound's, on the data).
    pub source: String,
    /// Before.
    pub old: Option<f64>,
    /// After.
    pub new: Option<f64>,
}

/// The models' reliance on flagged features, old -> new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelianceDelta {
    /// Share of the old model's importance on features its audit flags.
    pub old: f64,
    /// The new model's share.
    pub new: f64,
    /// `new - old`.
    pub change: f64,
    /// `model_relies_on_leak`'s threshold.
    pub threshold: f64,
    /// `still relies`, `rising`, `now relies`, `resolved`, `rising below the threshold` or
    /// `below the threshold`.
    pub status: String,
}

/// The user's model's importance share per input, from a side's report.
pub(super) fn shares(side: &Side) -> BTreeMap<String, f64> {
    side.report
        .as_ref()
        .and_then(|r| r.user_model.as_ref())
        .map(|u| {
            u.importance
                .iter()
                .map(|i| (i.feature.clone(), i.importance_share))
                .collect()
        })
        .unwrap_or_default()
}

/// Findings that describe the data, not the user's model: their kinds and features.
fn data_findings(r: &Report) -> Vec<(FindingKind, Option<String>)> {
    let mut v: Vec<(FindingKind, Option<String>)> = r
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::ModelReliesOnLeak && !f.from_user_model())
        .map(|f| (f.kind, f.feature.clone()))
        .collect();
    v.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()).then(a.1.cmp(&b.1)));
    v.dedup();
    v
}

/// Whether the data and the model changed between two reports.
pub(super) fn changed(old: &Side, new: &Side) -> Option<Changed> {
    let (a, b) = (old.report.as_ref()?, new.report.as_ref()?);
    let mut reasons = Vec::new();
    let (da, db) = (&a.dataset, &b.dataset);
    if da.target != db.target || da.task != db.task {
        reasons.push(format!(
            "target {} ({:?}) -> {} ({:?})",
            da.target, da.task, db.target, db.task
        ));
    }
    if da.rows != db.rows || da.rows_used != db.rows_used || da.columns != db.columns {
        reasons.push(format!(
            "{} rows x {} columns -> {} rows x {} columns",
            da.rows_used, da.columns, db.rows_used, db.columns
        ));
    }
    fn names(r: &Report) -> Vec<&str> {
        let mut v: Vec<&str> = r.features.iter().map(|f| f.name.as_str()).collect();
        v.sort_unstable();
        v
    }
    if names(a) != names(b) {
        reasons.push("the feature columns differ".into());
    }
    let (ma, va) = headline(&a.model.out_of_fold);
    let (mb, vb) = headline(&b.model.out_of_fold);
    let shares_differ = a.features.iter().any(|f| {
        b.features
            .iter()
            .find(|g| g.name == f.name)
            .is_some_and(|g| (g.importance_share - f.importance_share).abs() > 1e-6)
    });
    if ma != mb || (va - vb).abs() > 1e-9 || shares_differ {
        reasons.push(format!(
            "the surrogate scores differently ({ma} {va:.4} -> {mb} {vb:.4}{})",
            if shares_differ {
                ", with other importance shares"
            } else {
                ""
            }
        ));
    }
    if data_findings(a) != data_findings(b) {
        reasons.push("the data checks find different things".into());
    }
    let data = !reasons.is_empty();
    let model = match (ModelSide::of(a), ModelSide::of(b)) {
        (Some(x), Some(y)) => {
            let differs = match (&x.sha256, &y.sha256) {
                (Some(h), Some(k)) => h != k,
                _ => x.path != y.path || x.format != y.format || x.metrics != y.metrics,
            };
            Some(differs)
        }
        _ => None,
    };
    let summary = match (data, model) {
        (true, Some(true)) => "data and model",
        (true, _) => "data",
        (false, Some(true)) => "model",
        (false, Some(false)) => "nothing",
        (false, None) => match (a.user_model.is_some(), b.user_model.is_some()) {
            (false, true) => "the model was added",
            (true, false) => "the model was removed",
            _ => "nothing",
        },
    }
    .to_string();
    reasons.truncate(5);
    Some(Changed {
        data,
        model,
        summary,
        reasons,
    })
}

/// Every metric old -> new: the models' (when either version audited one), then the
/// surrogate's.
pub(super) fn metric_deltas(
    old: &Side,
    new: &Side,
    oi: &SideInfo,
    ni: &SideInfo,
) -> Vec<MetricDelta> {
    let mut out = Vec::new();
    let mut add =
        |source: &str, a: Option<&BTreeMap<String, f64>>, b: Option<&BTreeMap<String, f64>>| {
            let mut names: Vec<&String> = a.iter().chain(b.iter()).flat_map(|m| m.keys()).collect();
            names.sort();
            names.dedup();
            for n in names {
                out.push(MetricDelta {
                    name: n.clone(),
                    source: source.into(),
                    old: a.and_then(|m| m.get(n)).copied(),
                    new: b.and_then(|m| m.get(n)).copied(),
                });
            }
        };
    if oi.model.is_some() || ni.model.is_some() {
        add(
            "model",
            oi.model.as_ref().map(|m| &m.metrics),
            ni.model.as_ref().map(|m| &m.metrics),
        );
    }
    add(
        "surrogate",
        old.report.as_ref().map(|r| &r.model.out_of_fold),
        new.report.as_ref().map(|r| &r.model.out_of_fold),
    );
    out
}

/// The reliance quantity old -> new, when both versions audited a model.
pub(super) fn reliance(oi: &SideInfo, ni: &SideInfo, t: &Thresholds) -> Option<RelianceDelta> {
    let (a, b) = (oi.model.as_ref()?, ni.model.as_ref()?);
    let (old, new) = (a.leak_reliance.share, b.leak_reliance.share);
    let thr = t.model_reliance_share;
    let change = new - old;
    let status = match (old >= thr, new >= thr) {
        (true, true) if change >= RISE => "rising",
        (true, true) => "still relies",
        (false, true) => "now relies",
        (true, false) => "resolved",
        (false, false) if change >= RISE && new >= RISE_FLOOR => "rising below the threshold",
        (false, false) => "below the threshold",
    };
    Some(RelianceDelta {
        old,
        new,
        change: r4(change),
        threshold: thr,
        status: status.into(),
    })
}

fn parts(r: &LeakReliance) -> String {
    if r.features.is_empty() {
        return "none".into();
    }
    r.features
        .iter()
        .map(|f| format!("'{}' {}", f.feature, pct(f.share)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The severity the new report gives its own `model_relies_on_leak` (high when it has none).
fn reliance_severity(b: &Report) -> Severity {
    b.findings
        .iter()
        .filter(|f| f.kind == FindingKind::ModelReliesOnLeak)
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::High)
}

/// The findings about the user's models: reliance, flagged features entering the model's top
/// features, and jumps of the models' importance and score.
pub(super) fn findings(
    a: &Report,
    b: &Report,
    oi: &SideInfo,
    ni: &SideInfo,
    reliance: Option<&RelianceDelta>,
    features: &[FeatureDelta],
    t: &Thresholds,
) -> Vec<Finding> {
    let (Some(mo), Some(mn), Some(rel)) = (&oi.model, &ni.model, reliance) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (ro, rn) = (&mo.leak_reliance, &mn.leak_reliance);
    let names: Vec<String> = rn
        .features
        .iter()
        .chain(&ro.features)
        .map(|f| f.feature.clone())
        .fold(Vec::new(), |mut v, n| {
            if !v.contains(&n) {
                v.push(n);
            }
            v
        });
    let evidence = RelianceEvidence {
        reliance_old: rel.old,
        reliance_new: rel.new,
        change: rel.change,
        threshold: rel.threshold,
        per_feature_old: ro
            .features
            .iter()
            .map(|f| (f.feature.clone(), f.share))
            .collect(),
        per_feature_new: rn
            .features
            .iter()
            .map(|f| (f.feature.clone(), f.share))
            .collect(),
    };
    let movement = format!(
        "{} -> {} of its importance ({} -> {})",
        pct(rel.old),
        pct(rel.new),
        parts(ro),
        parts(rn)
    );
    let finding = match rel.status.as_str() {
        "still relies" => Some((
            FindingKind::StillReliesOnLeak,
            reliance_severity(b),
            format!("The new model still relies on features flagged as leaks: {movement}. It will not score like this in production."),
        )),
        "rising" => Some((
            FindingKind::RelianceRise,
            reliance_severity(b),
            format!("The new model still relies on features flagged as leaks, and more: {movement}."),
        )),
        "now relies" => Some((
            FindingKind::RelianceRise,
            reliance_severity(b),
            format!("The new model now relies on features flagged as leaks: {movement}."),
        )),
        "rising below the threshold" => Some((
            FindingKind::RelianceRise,
            Severity::Medium,
            format!(
                "The new model leans more on features flagged as leaks, still below the {} that counts as relying: {movement}.",
                pct(rel.threshold)
            ),
        )),
        "resolved" => Some((
            FindingKind::Resolved,
            Severity::Low,
            format!("The new model no longer relies on features flagged as leaks: {movement}."),
        )),
        _ => None,
    };
    if let Some((kind, severity, message)) = finding {
        let mut f = Finding::new(
            names.first().map(String::as_str),
            kind,
            severity,
            message,
            evidence,
        );
        f.features = names;
        out.push(f);
    }
    // Flagged features entering the new model's top features.
    let flagged_new = crate::checks::conclude::flagged(&b.findings);
    let flagged_old = crate::checks::conclude::flagged(&a.findings);
    let top = |rank: Option<usize>, share: Option<f64>| {
        rank.is_some_and(|r| r <= TOP) && share.is_some_and(|s| s > 0.0)
    };
    for f in features {
        let now = flagged_new.contains(&f.name) && top(f.model_rank_new, f.model_share_new);
        let before = flagged_old.contains(&f.name) && top(f.model_rank_old, f.model_share_old);
        if now && !before {
            let severity = b
                .findings
                .iter()
                .filter(|x| x.kind.is_leak_signature() && x.concerns(&f.name))
                .map(|x| x.severity)
                .max()
                .unwrap_or(Severity::High);
            out.push(Finding::new(
                Some(&f.name),
                FindingKind::NewLeak,
                severity,
                format!(
                    "'{}', flagged as a leak, entered the new model's top {TOP} features: rank {} with {} of its importance (before: {}).",
                    f.name,
                    f.model_rank_new.unwrap_or(0),
                    pct(f.model_share_new.unwrap_or(0.0)),
                    match (f.model_rank_old, f.model_share_old) {
                        (Some(r), Some(s)) => format!("rank {r}, {}{}", pct(s), if flagged_old.contains(&f.name) { "" } else { ", not flagged" }),
                        _ => "not an input of the old model".into(),
                    }
                ),
                EnteredEvidence {
                    importance_source: USER_MODEL,
                    model_share_old: f.model_share_old,
                    model_share_new: f.model_share_new,
                    model_rank_old: f.model_rank_old,
                    model_rank_new: f.model_rank_new,
                },
            ));
        }
    }
    // A feature the new model suddenly leans on (flagged ones are counted in the reliance).
    for f in features {
        let (Some(sn), so) = (f.model_share_new, f.model_share_old.unwrap_or(0.0)) else {
            continue;
        };
        if flagged_new.contains(&f.name) {
            continue;
        }
        if sn >= t.dominant_share && sn >= JUMP_FACTOR * so.max(JUMP_FLOOR) {
            out.push(Finding::new(
                Some(&f.name),
                FindingKind::ImportanceJump,
                Severity::High,
                format!(
                    "The new model puts {} of its importance on '{}', up from {}; a feature that suddenly dominates is the first place to look for a leak.",
                    pct(sn),
                    f.name,
                    pct(so)
                ),
                JumpEvidence {
                    importance_source: USER_MODEL,
                    share_old: so,
                    share_new: sn,
                    status: f.status.clone(),
                },
            ));
        }
    }
    // The model's score jumping while its importance concentrates.
    let top_share = |new: bool| {
        features
            .iter()
            .filter_map(|f| {
                if new {
                    f.model_share_new
                } else {
                    f.model_share_old
                }
            })
            .fold(0.0, f64::max)
    };
    let (top_old, top_new) = (top_share(false), top_share(true));
    if mo.metric == mn.metric
        && mn.score - mo.score >= METRIC_JUMP
        && top_new >= t.dominant_share
        && top_new > top_old
    {
        out.push(Finding::new(
            None,
            FindingKind::MetricJump,
            Severity::High,
            format!(
                "The model's {} rose from {:.3} to {:.3} while its importance concentrated (top feature {} -> {}); a leak typically does both.",
                mn.metric,
                mo.score,
                mn.score,
                pct(top_old),
                pct(top_new)
            ),
            MetricJumpEvidence {
                importance_source: USER_MODEL,
                metric: mn.metric,
                old: mo.score,
                new: mn.score,
                top_share_old: r4(top_old),
                top_share_new: r4(top_new),
            },
        ));
    }
    out
}

/// What the evidence of a comparison finding about the models says they read.
const USER_MODEL: &str = "user_model";

/// The evidence of `still_relies_on_leak`, `reliance_rise` and a model's `resolved`.
#[derive(Serialize)]
struct RelianceEvidence {
    reliance_old: f64,
    reliance_new: f64,
    change: f64,
    /// `model_reliance_share`.
    threshold: f64,
    per_feature_old: Vec<(String, f64)>,
    per_feature_new: Vec<(String, f64)>,
}

/// The evidence of a `new_leak`: a flagged feature entering the new model's top features.
#[derive(Serialize)]
struct EnteredEvidence {
    importance_source: &'static str,
    model_share_old: Option<f64>,
    model_share_new: Option<f64>,
    model_rank_old: Option<usize>,
    model_rank_new: Option<usize>,
}

/// The evidence of an `importance_jump` in the models' importances.
#[derive(Serialize)]
struct JumpEvidence {
    importance_source: &'static str,
    share_old: f64,
    share_new: f64,
    /// The feature's status between the versions ("kept", "added", ...).
    status: String,
}

/// The evidence of a `metric_jump` of the models' scores.
#[derive(Serialize)]
struct MetricJumpEvidence {
    importance_source: &'static str,
    metric: crate::metric::Metric,
    old: f64,
    new: f64,
    top_share_old: f64,
    top_share_new: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(reliance: Option<f64>) -> SideInfo {
        SideInfo {
            source: "r.json".into(),
            kind: "report".into(),
            target: Some("y".into()),
            task: None,
            metric: None,
            score: None,
            model: reliance.map(|share| ModelSide {
                path: "m.onnx".into(),
                format: ModelFormat::Onnx,
                description: String::new(),
                sha256: None,
                evaluated_on: String::new(),
                rows: 10,
                metric: Metric::RocAuc,
                score: 0.9,
                metrics: BTreeMap::new(),
                leak_reliance: LeakReliance::of([("leak", share)]),
            }),
        }
    }

    fn status(old: f64, new: f64) -> String {
        reliance(&side(Some(old)), &side(Some(new)), &Thresholds::default())
            .unwrap()
            .status
    }

    #[test]
    fn reliance_status_follows_the_threshold_and_the_rise() {
        let thr = Thresholds::default().model_reliance_share;
        assert_eq!(status(0.8, 0.82), "still relies");
        assert_eq!(status(0.8, 0.7), "still relies");
        assert_eq!(status(0.75, 0.9), "rising");
        assert_eq!(status(thr / 2.0, thr + 0.01), "now relies");
        assert_eq!(status(0.9, thr - 0.01), "resolved");
        assert_eq!(status(0.0, 0.12), "rising below the threshold");
        assert_eq!(status(0.0, 0.04), "below the threshold");
        assert_eq!(status(0.1, 0.12), "below the threshold");
    }

    #[test]
    fn no_reliance_without_a_model_on_both_sides() {
        let t = Thresholds::default();
        assert!(reliance(&side(None), &side(Some(0.9)), &t).is_none());
        assert!(reliance(&side(Some(0.9)), &side(None), &t).is_none());
    }
}
