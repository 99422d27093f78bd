//! Leak checks. Each [`Check`] turns the computed evidence into findings and never prints;
//! [`run_all`] runs the registry and then lets independent signals on the same feature
//! corroborate each other. A finding is `critical` from two such signals, or from one exact
//! proof (a monotone re-expression of the target, an in-sample target encoding).

mod censoring;
mod chosen;
mod column_names;
pub mod conclude;
pub(crate) mod dominance;
mod encoding;
mod identifier;
mod missingness;
mod near_perfect;
mod partial;
pub(crate) mod peel;
mod proxy;
mod reconstruction;
mod rule;
mod segment;
mod shifted;
pub mod suspicious;
mod text_key;
pub mod thresholds;

use std::collections::BTreeMap;

use serde_json::json;

pub(crate) use crate::finding::sort;

use crate::data::Dataset;
use crate::finding::{Finding, FindingKind, Severity};
use crate::importance::{ModelRun, Power};
use crate::surrogate::{BinnedMatrix, Labels};
pub use thresholds::{noise_floor, Thresholds};

/// Everything a check may look at.
pub struct Context<'a> {
    /// The dataset.
    pub ds: &'a Dataset,
    /// Binned features (same order as `ds.features`).
    pub x: &'a BinnedMatrix,
    /// Labels.
    pub labels: Labels<'a>,
    /// Fold per row.
    pub folds: &'a [u8],
    /// Number of folds.
    pub k: usize,
    /// Single-feature power per feature.
    pub powers: &'a [Power],
    /// The full surrogate run.
    pub run: &'a ModelRun,
    /// Thresholds.
    pub t: &'a Thresholds,
}

impl Context<'_> {
    /// Feature name.
    pub fn name(&self, f: usize) -> &str {
        &self.ds.features[f].name
    }

    /// Rows audited.
    pub fn rows(&self) -> usize {
        self.x.rows
    }
}

/// One leak signature.
pub trait Check: Sync {
    /// Findings for this dataset.
    fn run(&self, ctx: &Context) -> Vec<Finding>;
}

/// All checks, in report order.
pub fn registry() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(near_perfect::NearPerfect),
        Box::new(partial::PartialLeak),
        Box::new(censoring::Censoring),
        Box::new(encoding::TargetEncoding),
        Box::new(reconstruction::Reconstruction),
        Box::new(chosen::ChosenAlternative),
        Box::new(rule::DerivedRule),
        Box::new(dominance::Dominance),
        Box::new(segment::PureSegment),
        Box::new(missingness::Missingness),
        Box::new(proxy::TargetProxy),
        Box::new(text_key::TextKey),
        Box::new(identifier::Identifier),
        Box::new(shifted::ShiftedTarget),
        Box::new(suspicious::SuspiciousPerformance),
    ]
}

/// The importance-driven check alone, for re-running it on another model's importances (the
/// user's model): the other checks read single-feature power, which does not change.
pub fn dominance(ctx: &Context) -> Vec<Finding> {
    dominance::Dominance.run(ctx)
}

/// Kinds that count as an independent second signal for a near-perfect predictor.
const CORROBORATING: &[FindingKind] = &[
    FindingKind::DominantFeature,
    FindingKind::PureSegment,
    FindingKind::MissingnessLeak,
    FindingKind::IdentifierLeak,
    FindingKind::TargetProxy,
];

/// Run every check, then upgrade near-perfect predictors that another signal corroborates.
pub fn run_all(ctx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = registry().iter().flat_map(|c| c.run(ctx)).collect();
    conclude::conclude(ctx, &mut findings);
    findings
}

/// Near-perfect power plus an independent signal (dominance, a point-defined pure segment, a
/// missingness, identifier or proxy pattern) is what a legitimate feature does not produce:
/// only that combination is `critical`.
pub fn corroborate(findings: &mut [Finding]) {
    let mut support: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in findings.iter() {
        let strong = f.severity >= Severity::Medium
            && CORROBORATING.contains(&f.kind)
            && !(f.kind == FindingKind::PureSegment && f.sentinel() != Some(true));
        if let (true, Some(name)) = (strong, &f.feature) {
            support
                .entry(name.clone())
                .or_default()
                .push(f.kind.as_str().to_string());
        }
    }
    for f in findings.iter_mut() {
        if f.kind != FindingKind::NearPerfectPredictor || f.corroborated() {
            continue;
        }
        if let Some(kinds) = f.feature.as_ref().and_then(|n| support.get(n)) {
            f.severity = Severity::Critical;
            f.evidence.insert("corroborated_by".into(), json!(kinds));
            f.message.push_str(&format!(
                " Corroborated by: {}.",
                kinds.join(", ").replace('_', " ")
            ));
        }
    }
}

/// Human-readable description of a power value in the task's metric.
pub fn describe_power(p: &Power) -> String {
    match p.metric {
        crate::metric::Metric::RankR2 => format!("R² {:.3} on the target's ranks", p.value),
        m => format!("{} {:.3}", m.words(), p.value),
    }
}
