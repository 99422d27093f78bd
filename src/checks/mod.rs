//! Leak checks: every signature the audit looks for, data, split and model checks alike, is a
//! [`Check`] in one [`registry`]. A check turns evidence the audit computed into findings and
//! never prints. Checks run in four [`Stage`]s, in registry order within a stage:
//! - [`Stage::Rows`], right after binning: the two sides of the split and where their rows came
//!   from ([`RowContext`]), nothing of the model;
//! - [`Stage::Data`], after the surrogate: the data, its binned features, single-feature powers
//!   and the surrogate's importances ([`Context`]); then independent signals on the same feature
//!   corroborate each other ([`conclude`]);
//! - [`Stage::Model`], when the user gave a model: its importances on the features the audit
//!   concluded are leaks ([`ModelContext`]);
//! - [`Stage::Split`], last: the validation schemes, the test side against the training side
//!   ([`SplitContext`]).
//!
//! A finding is `critical` from two independent signals, or from one exact proof (a monotone
//! re-expression of the target, an in-sample target encoding).
//!
//! # Adding a check
//! 1. One file under `src/checks/` (`src/checks/split/` for a split check): a unit struct that
//!    implements [`Check`]: [`Check::about`] declares its name, stage, the finding kinds it
//!    reports, the thresholds it compares against and which of its kinds corroborate a
//!    near-perfect predictor; the method of its stage ([`Check::data`], [`Check::rows`],
//!    [`Check::split`] or [`Check::model`]) returns its findings. Evidence is a struct of that
//!    file deriving `Serialize` (see `checks::censoring::Evidence`), given to `Finding::new`;
//!    every number it compares against is a threshold or a named constant saying why it is not
//!    one.
//! 2. One line in [`registry`].
//! 3. If it reports a new kind of finding: the variant in `finding.rs` (`kinds!`, and
//!    `is_leak_signature` if it names a leaking feature) and the row of the README's table of
//!    finding kinds (a test keeps both in step).
//! 4. A new threshold: one entry of `thresholds!` (`src/checks/thresholds.rs`); validation,
//!    `--threshold`, `leakhound.toml`, Python's `thresholds=` and the README's table follow
//!    from it or are checked against it.
//! 5. Its tests: unit tests in its file on a planted leak and on the clean table it must leave
//!    alone; a planted leak in `src/synth.rs` when the end-to-end recall test should cover it.
//!
//! ## Worked example
//!
//! `model_relies_on_leak` joined the registry this way. It touched `src/checks/reliance.rs` (new:
//! the context it reads, the check, its evidence), `src/checks/mod.rs` (`mod reliance;` and its
//! registry line) and `src/model/audit.rs` (which computes the model's importance and calls
//! [`run_model`]); its kind, README row and threshold already existed. A new data check looks
//! like this, in `src/checks/constant_copy.rs`:
//!
//! ```ignore
//! use serde::Serialize;
//!
//! use super::{About, Check, Context, Stage};
//! use crate::finding::{r4, Finding, FindingKind, Severity};
//!
//! /// A feature equal to the target on this share of rows is a copy of it. Not a setting: it
//! /// measures exactness, its slack is for a few corrected rows.
//! const COPY_SHARE: f64 = 0.99;
//!
//! /// `target_copy`: a feature that equals the target.
//! pub struct TargetCopy;
//!
//! /// The evidence of `target_copy`.
//! #[derive(Serialize)]
//! struct Evidence {
//!     copy_share: f64,
//! }
//!
//! impl Check for TargetCopy {
//!     fn about(&self) -> About {
//!         About {
//!             name: "target copy",
//!             stage: Stage::Data,
//!             kinds: &[FindingKind::TargetCopy],
//!             thresholds: &[],
//!             corroborates: &[FindingKind::TargetCopy],
//!         }
//!     }
//!
//!     fn data(&self, ctx: &Context) -> Vec<Finding> {
//!         (0..ctx.x.features())
//!             .filter_map(|f| {
//!                 let share = copy_share(ctx, f)?; // the share of rows where it equals the target
//!                 (share >= COPY_SHARE).then(|| {
//!                     Finding::new(
//!                         Some(ctx.name(f)),
//!                         FindingKind::TargetCopy,
//!                         Severity::High,
//!                         format!("'{}' equals the target on {:.1}% of rows.", ctx.name(f), share * 100.0),
//!                         Evidence { copy_share: r4(share) },
//!                     )
//!                 })
//!             })
//!             .collect()
//!     }
//! }
//! ```
//!
//! with `mod constant_copy;` and `&constant_copy::TargetCopy,` in [`registry`] (`src/checks/mod.rs`),
//! `TargetCopy => "target_copy",` in `kinds!` and in `is_leak_signature` (`src/finding.rs`), a
//! row `| `target_copy` | ... |` in the README's table of kinds, and its tests in its file: five
//! files, one of them new.
//!
//! The tests of this module hold the registry to this: names are unique, every threshold a check
//! declares exists and is read in its file, every threshold is declared by a check or read by
//! peeling, and every kind a finding can have is declared by a check (or comes from peeling,
//! the conclusion or `compare`).

mod censoring;
mod chosen;
mod column_names;
pub mod conclude;
pub(crate) mod dominance;
mod encoding;
pub(crate) use encoding::encoding_plan;
mod identifier;
mod missingness;
mod near_perfect;
mod partial;
pub(crate) mod peel;
mod proxy;
mod reconstruction;
mod reliance;
mod rule;
mod segment;
mod shifted;
pub mod split;
pub mod suspicious;
mod text_key;
pub mod thresholds;

use std::collections::BTreeMap;

pub(crate) use crate::finding::sort;

use crate::data::Dataset;
use crate::error::Result;
use crate::finding::{Finding, FindingKind, Severity};
use crate::importance::counts::FeatureCounts;
use crate::importance::{ModelRun, Power};
use crate::split::SplitInfo;
use crate::surrogate::{BinnedMatrix, Labels};
pub use reliance::ModelContext;
pub use split::{RowContext, SplitContext};
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
    /// The features' cells over every row, when an engine counted a table it did not load
    /// (the data above is then its sample).
    pub counts: Option<&'a FeatureCounts>,
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

/// When a check runs, and so which context it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Right after binning: the split's two sides ([`RowContext`]).
    Rows,
    /// After the surrogate: the data and its importances ([`Context`]).
    Data,
    /// After the data checks, when the user gave a model ([`ModelContext`]).
    Model,
    /// Last: validation schemes and the test side ([`SplitContext`]).
    Split,
}

/// What a check declares about itself.
#[derive(Debug, Clone, Copy)]
pub struct About {
    /// Its name, for the docs and the tests.
    pub name: &'static str,
    /// When it runs.
    pub stage: Stage,
    /// The kinds of finding it reports.
    pub kinds: &'static [FindingKind],
    /// The thresholds it compares against (fields of [`Thresholds`]); read by the tests, which
    /// hold it to the check's source.
    #[cfg_attr(not(test), allow(dead_code))]
    pub thresholds: &'static [&'static str],
    /// Its kinds that count as an independent second signal for a near-perfect predictor on the
    /// same feature (see [`corroborate`]).
    pub corroborates: &'static [FindingKind],
}

/// One leak signature. A check implements the method of its [`About::stage`]; the others keep
/// their empty default and are never called.
pub trait Check: Sync {
    /// What it is, when it runs, what it reports and reads.
    fn about(&self) -> About;

    /// [`Stage::Rows`]: findings on the split's rows, filling in `info`.
    fn rows(&self, _ctx: &RowContext, _info: &mut SplitInfo) -> Vec<Finding> {
        Vec::new()
    }

    /// [`Stage::Data`]: findings on the data.
    fn data(&self, _ctx: &Context) -> Vec<Finding> {
        Vec::new()
    }

    /// [`Stage::Model`]: findings on the user's model.
    fn model(&self, _ctx: &ModelContext) -> Vec<Finding> {
        Vec::new()
    }

    /// [`Stage::Split`]: findings on the split, filling in `info`.
    fn split(&self, _ctx: &SplitContext, _info: &mut SplitInfo) -> Result<Vec<Finding>> {
        Ok(Vec::new())
    }
}

/// Every check, in report order within each stage.
pub fn registry() -> &'static [&'static dyn Check] {
    &[
        // Stage::Rows
        &split::duplicates::Duplicates,
        &split::oversampling::Oversampling,
        // Stage::Data
        &near_perfect::NearPerfect,
        &partial::PartialLeak,
        &censoring::Censoring,
        &encoding::TargetEncoding,
        &reconstruction::Reconstruction,
        &chosen::ChosenAlternative,
        &rule::DerivedRule,
        &dominance::Dominance,
        &segment::PureSegment,
        &missingness::Missingness,
        &proxy::TargetProxy,
        &text_key::TextKey,
        &identifier::Identifier,
        &shifted::ShiftedTarget,
        &suspicious::SuspiciousPerformance,
        // Stage::Model
        &reliance::ModelReliance,
        // Stage::Split
        &split::groups::GroupOverlap,
        &split::temporal::Temporal,
        &split::shift::IndexOverlap,
        &split::shift::Shift,
        &split::shift::Schema,
        &split::counts::EncodedWithTestRows,
    ]
}

/// The registered checks of one stage.
fn of_stage(stage: Stage) -> impl Iterator<Item = &'static dyn Check> {
    registry()
        .iter()
        .copied()
        .filter(move |c| c.about().stage == stage)
}

/// The importance-driven check alone, for re-running it on another model's importances (the
/// user's model): the other checks read single-feature power, which does not change.
pub fn dominance(ctx: &Context) -> Vec<Finding> {
    dominance::Dominance.data(ctx)
}

/// A check's findings, held (in debug builds) to the kinds it declares.
fn declared(check: &dyn Check, findings: Vec<Finding>) -> Vec<Finding> {
    let about = check.about();
    debug_assert!(
        findings.iter().all(|f| about.kinds.contains(&f.kind)),
        "the check '{}' reported a kind it does not declare",
        about.name
    );
    findings
}

/// Run the data checks, then let independent signals corroborate each other.
pub fn run_all(ctx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = of_stage(Stage::Data)
        .flat_map(|c| declared(c, c.data(ctx)))
        .collect();
    conclude::conclude(ctx, &mut findings);
    findings
}

/// Run the row-level split checks (duplicates, oversampling), starting the split's report
/// section; [`run_split`] completes it.
pub fn run_rows(ctx: &RowContext) -> (Vec<Finding>, SplitInfo) {
    let mut info = match ctx.exact {
        Some(e) => SplitInfo::new(ctx.mode, e.train_rows, e.test_rows),
        None => SplitInfo::new(ctx.mode, ctx.train.rows(), ctx.test.rows()),
    };
    let findings = of_stage(Stage::Rows)
        .flat_map(|c| declared(c, c.rows(ctx, &mut info)))
        .collect();
    (findings, info)
}

/// Run the model checks.
pub fn run_model(ctx: &ModelContext) -> Vec<Finding> {
    of_stage(Stage::Model)
        .flat_map(|c| declared(c, c.model(ctx)))
        .collect()
}

/// Run the rest of the split checks, completing `info` (from [`run_rows`]).
pub fn run_split(ctx: &SplitContext, info: &mut SplitInfo) -> Result<Vec<Finding>> {
    info.random_kfold = Some((ctx.random_headline.0.to_string(), ctx.random_headline.1));
    let mut findings = Vec::new();
    for c in of_stage(Stage::Split) {
        findings.extend(declared(c, c.split(ctx, info)?));
    }
    Ok(findings)
}

/// Whether a kind counts as an independent second signal for a near-perfect predictor.
fn corroborating(kind: FindingKind) -> bool {
    registry()
        .iter()
        .any(|c| c.about().corroborates.contains(&kind))
}

/// Near-perfect power plus an independent signal (dominance, a point-defined pure segment, a
/// missingness, identifier or proxy pattern) is what a legitimate feature does not produce:
/// only that combination is `critical`.
pub fn corroborate(findings: &mut [Finding]) {
    let mut support: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in findings.iter() {
        let strong = f.severity >= Severity::Medium
            && corroborating(f.kind)
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
            f.corroborated_by(kinds);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Thresholds read by peeling, which is a stage of the audit rather than a check.
    const PEELING: &[&str] = &[
        "max_peel_rounds",
        "synergy_share",
        "synergy_max_power",
        "determining_share",
        "dominant_share",
        "strong_power",
        "suspicious_score",
    ];

    /// Kinds made outside the registry: peeling's refits, the conclusion over all signals, and
    /// `compare`.
    const ELSEWHERE: &[FindingKind] = &[
        FindingKind::LeakCompanion,
        FindingKind::NewLeak,
        FindingKind::ImportanceJump,
        FindingKind::MetricJump,
        FindingKind::Resolved,
        FindingKind::StillReliesOnLeak,
        FindingKind::RelianceRise,
    ];

    #[test]
    fn names_are_unique_and_stages_in_order() {
        let abouts: Vec<About> = registry().iter().map(|c| c.about()).collect();
        let mut names: Vec<&str> = abouts.iter().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), abouts.len(), "two checks share a name");
        let rank = |s: Stage| {
            [Stage::Rows, Stage::Data, Stage::Model, Stage::Split]
                .iter()
                .position(|&x| x == s)
        };
        assert!(
            abouts
                .windows(2)
                .all(|w| rank(w[0].stage) <= rank(w[1].stage)),
            "the registry lists the checks stage by stage, in the order the audit runs them"
        );
    }

    #[test]
    fn declared_thresholds_exist_and_every_threshold_is_read() {
        let known: Vec<&str> = Thresholds::SPECS.iter().map(|s| s.name).collect();
        let mut read: Vec<&str> = PEELING.to_vec();
        for c in registry() {
            let a = c.about();
            for t in a.thresholds {
                assert!(
                    known.contains(t),
                    "'{}' declares an unknown threshold '{t}'",
                    a.name
                );
            }
            read.extend(a.thresholds);
        }
        for t in known {
            assert!(read.contains(&t), "no check declares the threshold '{t}'");
        }
    }

    #[test]
    fn every_kind_has_a_maker_and_corroboration_is_declared_by_its_maker() {
        for &k in FindingKind::ALL {
            let makers = registry()
                .iter()
                .filter(|c| c.about().kinds.contains(&k))
                .count();
            assert!(
                makers > 0 || ELSEWHERE.contains(&k),
                "no check reports '{k}'"
            );
        }
        for c in registry() {
            let a = c.about();
            for k in a.corroborates {
                assert!(
                    a.kinds.contains(k),
                    "'{}' corroborates with '{k}', which it does not report",
                    a.name
                );
            }
        }
        assert!(corroborating(FindingKind::DominantFeature));
        assert!(!corroborating(FindingKind::NearPerfectPredictor));
    }
}
