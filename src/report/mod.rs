//! The `Report`: the one contract between the checks that compute and the renderers that
//! format. It is `Serialize + Deserialize` so `compare` can read reports back.
//!
//! # JSON format (`report.json`, `schema_version` 1)
//! - `schema_version`: integer, 1.
//! - `tool`: `{name, version}`.
//! - `dataset`: `{path, rows, rows_used, columns, target, task, classes, sampled}`.
//! - `settings`: the seed, surrogate, engine settings and every threshold used.
//! - `verdict`: `{text, likely_leaks}`, the one-line conclusion ("No leak suspected" or
//!   "N likely leaks: a, b").
//! - `model`: the surrogate's out-of-fold and holdout metrics and the sample sizes behind them.
//! - `features`: one object per feature: `name`, `type`, `missing_fraction`, `distinct`,
//!   `single_feature_power` `{power, metric, value}`, `permutation_importance` `{mean, std}`,
//!   `drop_column_importance`, `importance_share`, `ranks`, `severity` (worst finding or null).
//! - `clusters`: groups of correlated features and their joint importances.
//! - `findings`: `{feature, features, kind, severity, message, evidence}`, most severe first.
//! - `peeling`: the refits without flagged features (iterative peeling), in order.
//! - `honest_model` (when something is flagged and peeling ran): `{removed, metric, with_leaks,
//!   without_leaks, out_of_fold, leans_on, rows}`, the surrogate without the likely leaks.
//! - `engine`: `{name, exact, sampled}`: the engine that counted (`in-memory`, `datafusion`,
//!   `spark`), what it counted over every row and what on the seeded sample.
//! - `warnings`: non-fatal notes. `timings`: seconds per phase (the only non-deterministic part).

pub(crate) mod assemble;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod plot;
pub(crate) mod terminal;
mod write;

use std::path::{Path, PathBuf};

pub use plot::{Plot, PlotKind};
pub use write::{prepare_dir, write_atomic};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::checks::peel::{HonestModel, PeelStep};
use crate::data::{ColumnType, Task};
use crate::finding::{Finding, FindingKind, Severity};
pub use crate::importance::PermutationInfo;
pub use crate::model::audit::{UserFeatureImportance, UserModelInfo};

/// Current report schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// Tool identification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// "leakhound".
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// What was audited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Input path (or "demo").
    pub path: String,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows audited (after sampling and dropping rows without a target).
    pub rows_used: usize,
    /// Columns in the file.
    pub columns: usize,
    /// Target column.
    pub target: String,
    /// Task.
    pub task: Task,
    /// Class labels (classification only).
    pub classes: Vec<String>,
    /// Whether rows were sampled with `--max-rows`.
    pub sampled: bool,
}

/// Which engine computed the report's statistics, and which of them are exact over every row
/// and which come from the seeded sample of `dataset.rows_used` rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// `in-memory` (the rows loaded), `datafusion` or `spark` (queries over every row, the
    /// models on a sample).
    pub name: String,
    /// Statistics counted over every row.
    pub exact: Vec<String>,
    /// Statistics computed on the seeded sample (empty when every row was audited).
    pub sampled: Vec<String>,
}

impl Default for EngineInfo {
    fn default() -> Self {
        EngineInfo {
            name: "in-memory".into(),
            exact: vec!["every statistic".into()],
            sampled: Vec::new(),
        }
    }
}

/// What an engine over rows it did not load counts exactly: the split's needles.
const EXACT_SPLIT: &[&str] = &[
    "train_test_duplicates: exact, same-target and near repeats across the split, repeats within training",
    "group_overlap: shared groups and the test rows in them",
    "temporal_leak: test rows dated before the training end, shared timestamps",
];

/// What an engine counts exactly per feature when it counted the features' cells too.
const EXACT_FEATURES: &[&str] = &[
    "single-feature power: out of fold over every row (a numeric target's rank variant reads its ranks from the sample's quantiles)",
    "missingness_leak: the power of \"is missing\", the missing share per class, the target's means",
    "pure_segment of a class target: rows per bin and class (whether a bin is a sentinel or one value is read off the sample)",
    "target_proxy: rows per level and class, or the target's mean and spread per level",
    "target_encoding's in-sample identity: per level of a category (10,000 levels at most), each numeric feature's rows, target sums and range",
];

/// What every engine computes on the sample it models.
const ON_SAMPLE: &[&str] = &[
    "permutation and drop-column importance, and the per-feature checks not counted above (a numeric target's pure segments, leave-one-out encodings, identifiers, monotone and reconstruction tests)",
    "the surrogate's scores and the validation gaps (random, group and time-ordered K-fold)",
    "peeling, adversarial validation, oversampled_before_split and the user's model",
];

impl EngineInfo {
    /// The engine `name` of an audit of `sampled` rows, with its counts of a split over every
    /// row or not (`exact_split`), and of the features' cells or not (`exact_features`).
    pub(crate) fn of(name: &str, sampled: bool, exact_split: bool, exact_features: bool) -> Self {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let every = || vec!["every statistic".to_string()];
        let mut exact = Vec::new();
        if exact_split {
            exact.extend(own(EXACT_SPLIT));
        }
        if exact_features {
            exact.extend(own(EXACT_FEATURES));
        }
        let (exact, sampled) = match (sampled, exact.is_empty()) {
            (false, _) => (every(), Vec::new()),
            (true, true) => (Vec::new(), every()),
            (true, false) => (exact, own(ON_SAMPLE)),
        };
        EngineInfo {
            name: name.into(),
            exact,
            sampled,
        }
    }
}

/// Surrogate scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Surrogate family.
    pub surrogate: String,
    /// Features the surrogate used.
    pub features_used: usize,
    /// Out-of-fold metrics over all rows.
    pub out_of_fold: BTreeMap<String, f64>,
    /// Metrics on the first fold held out.
    pub holdout: BTreeMap<String, f64>,
    /// Held-out rows behind permutation importance.
    pub permutation_rows: usize,
    /// Training rows per drop-column refit (a stratified sample when smaller than the data).
    pub drop_column_rows: usize,
    /// Skill of the drop-column baseline refit.
    pub drop_column_base_skill: f64,
    /// Features and clusters refitted for drop-column importance: all of them when the work
    /// (training rows x trees x features x refits) is at most 2.5e7; above that the 5 most
    /// important features, then, most important first while the work stays within 2.5e7, other
    /// features and clusters with at least 0.5% of the permutation importance, and any feature
    /// or cluster holding enough of it to be judged dominant (the rest have a null drop-column
    /// importance).
    #[serde(default)]
    pub drop_column_refits: usize,
    /// Trees a fold's fit could grow: for the booster 50 rounds of one tree (one per class
    /// with more than two classes), cut to 200 trees in all with more than four classes
    /// (fewer rounds, a learning rate raised in proportion up to 0.3).
    #[serde(default)]
    pub trees_per_fit: usize,
}

/// Single-feature power as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerInfo {
    /// Normalised to [0, 1].
    pub power: f64,
    /// Raw metric name.
    pub metric: String,
    /// Raw metric value.
    pub value: f64,
}

/// Ranks (1 = most important) under each method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Ranks {
    /// By permutation importance.
    pub permutation: Option<usize>,
    /// By drop-column importance.
    pub drop_column: Option<usize>,
    /// By single-feature power.
    pub single_feature_power: usize,
}

/// The numeric cells of a feature-table row, formatted alike for Markdown and HTML: type,
/// missing, power, permutation (mean `pm` std), drop-column, share. Renderers escape and wrap.
pub(crate) fn feature_cells(f: &FeatureInfo, pm: &str) -> [String; 6] {
    [
        format!("{:?}", f.ty),
        format!("{:.1}%", f.missing_fraction * 100.0),
        format!("{:.3}", f.single_feature_power.power),
        f.permutation_importance.map_or("-".to_string(), |p| {
            format!("{:.4} {pm} {:.4}", p.mean, p.std)
        }),
        f.drop_column_importance
            .map_or("-".to_string(), |v| format!("{v:.4}")),
        format!("{:.1}%", f.importance_share * 100.0),
    ]
}

/// Cells of one user-model input for the Markdown and HTML tables: permutation (± `pm`), share
/// in the user's model, share in the surrogate, single-feature power.
pub(crate) fn user_model_cells(u: &UserFeatureImportance, pm: &str) -> [String; 4] {
    [
        format!(
            "{:.4} {pm} {:.4}",
            u.permutation_importance.mean, u.permutation_importance.std
        ),
        format!("{:.1}%", u.importance_share * 100.0),
        u.surrogate_share
            .map_or("-".to_string(), |s| format!("{:.1}%", s * 100.0)),
        format!("{:.3}", u.single_feature_power),
    ]
}

/// Metrics as "name value, name value" with `decimals` places, for every renderer.
pub(crate) fn metric_list(metrics: &BTreeMap<String, f64>, decimals: usize) -> String {
    metrics
        .iter()
        .map(|(k, v)| format!("{k} {v:.decimals$}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `low` findings grouped by kind (in first-seen order), with the features each concerns: the
/// terminal and Markdown show them as one line per kind.
pub(crate) fn low_notes(findings: &[Finding]) -> Vec<(FindingKind, Vec<String>)> {
    let mut out: Vec<(FindingKind, Vec<String>)> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Low) {
        let who = f.feature.clone().unwrap_or_else(|| {
            if f.features.is_empty() {
                "(dataset)".into()
            } else {
                f.features.join("+")
            }
        });
        match out.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, names)) => names.push(who),
            None => out.push((f.kind, vec![who])),
        }
    }
    out
}

/// "a, b, c and 4 more".
pub(crate) fn name_list(names: &[String], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..max].join(", "), names.len() - max)
    }
}

/// One line saying what was audited and how it scored, and how much of its importance sits
/// on flagged features.
pub(crate) fn user_model_summary(u: &UserModelInfo) -> String {
    let hash = u.sha256.as_ref().map_or(String::new(), |h| {
        format!(", sha256 {}", &h[..h.len().min(12)])
    });
    let reliance = u.leak_reliance.as_ref().map_or(String::new(), |r| {
        format!(
            "; {} of its importance on features flagged as leaks",
            crate::finding::pct(r.share)
        )
    });
    format!(
        "{} ({}{hash}) on {}, {} rows: {}{reliance}",
        u.path,
        u.description,
        u.evaluated_on,
        u.rows,
        metric_list(&u.metrics, 3)
    )
}

/// What comes from where, said once in every format.
pub(crate) const USER_MODEL_SOURCES: &str = "Score and permutation importance: your model. Single-feature power, drop-column importance and surrogate share: leakhound's surrogates.";

/// One feature's row in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureInfo {
    /// Column name.
    pub name: String,
    /// Inferred type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Fraction missing.
    pub missing_fraction: f64,
    /// Distinct non-missing values.
    pub distinct: usize,
    /// Whether the surrogate used it (identifiers are audited but not modelled).
    pub modelled: bool,
    /// Power alone.
    pub single_feature_power: PowerInfo,
    /// Permutation importance (null when not modelled).
    pub permutation_importance: Option<PermutationInfo>,
    /// Drop-column importance (null when not modelled, or not refitted: see
    /// `model.drop_column_refits`).
    pub drop_column_importance: Option<f64>,
    /// Share of total permutation importance.
    pub importance_share: f64,
    /// Ranks.
    pub ranks: Ranks,
    /// Worst finding severity on this feature.
    pub severity: Option<Severity>,
}

/// A cluster of correlated features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// Member feature names.
    pub features: Vec<String>,
    /// Joint permutation importance.
    pub permutation_importance: PermutationInfo,
    /// Joint drop-column importance (null when the work budget left the cluster out; see
    /// `model.drop_column_refits`).
    pub drop_column_importance: Option<f64>,
    /// Joint share.
    pub importance_share: f64,
}

/// The one-line conclusion every human format opens with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Verdict {
    /// "No leak suspected" or "N likely leaks: a, b".
    pub text: String,
    /// Features flagged `high` or above by a leak signature, most severe first, then the kinds
    /// of dataset-level findings at `high` or above (e.g. `train_test_duplicates`).
    pub likely_leaks: Vec<String>,
}

impl Verdict {
    /// The verdict over findings sorted most severe first.
    pub fn of(findings: &[Finding]) -> Verdict {
        let mut leaks: Vec<String> = Vec::new();
        // Leaks first, then their companions (named after what they accompany).
        let high: Vec<&Finding> =
            findings
                .iter()
                .filter(|f| f.severity >= Severity::High && f.kind != FindingKind::LeakCompanion)
                .chain(findings.iter().filter(|f| {
                    f.severity >= Severity::High && f.kind == FindingKind::LeakCompanion
                }))
                .collect();
        for f in high {
            let names: Vec<String> = if !f.features.is_empty()
                && f.kind != FindingKind::SuspiciousPerformance
                && f.kind != FindingKind::ModelReliesOnLeak
            {
                f.features.clone()
            } else if f.feature.is_none() && f.kind != FindingKind::SuspiciousPerformance {
                vec![f.kind.as_str().to_string()]
            } else {
                Vec::new()
            };
            for n in names {
                if !leaks.contains(&n) {
                    leaks.push(n);
                }
            }
        }
        let text = match leaks.len() {
            0 => {
                let review = findings
                    .iter()
                    .filter(|f| f.severity == Severity::Medium)
                    .count();
                if review > 0 {
                    format!("No leak suspected ({review} findings to review)")
                } else {
                    "No leak suspected".to_string()
                }
            }
            1 => format!("1 likely leak: {}", leaks[0]),
            n => format!("{n} likely leaks: {}", leaks.join(", ")),
        };
        Verdict {
            text,
            likely_leaks: leaks,
        }
    }
}

/// How a flagged feature is distributed over the target, for its diagnostic plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Feature name.
    pub feature: String,
    /// Display bins ("missing" first when present), at most ~20.
    pub bins: Vec<String>,
    /// Series names: class labels, or `["mean target"]` for regression.
    pub series: Vec<String>,
    /// Per series, the value per bin: the share of that class's rows in the bin
    /// (classification), or the mean target in the bin (regression).
    pub values: Vec<Vec<f64>>,
    /// Rows per bin.
    pub rows: Vec<u64>,
    /// Bins to highlight: a pure segment or the missing bin behind a finding.
    pub marked: Vec<usize>,
    /// The kinds of finding on this feature.
    pub kinds: Vec<FindingKind>,
}

impl Distribution {
    /// The kinds of finding on the feature, in words ("near perfect predictor, pure segment").
    pub fn kinds_text(&self) -> String {
        let names: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        names.join(", ").replace('_', " ")
    }
}

/// The full audit report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Schema version.
    pub schema_version: u32,
    /// Tool.
    pub tool: Tool,
    /// Dataset.
    pub dataset: DatasetInfo,
    /// Settings and thresholds as used.
    pub settings: crate::settings::Settings,
    /// The one-line conclusion.
    #[serde(default)]
    pub verdict: Verdict,
    /// Surrogate scores.
    pub model: ModelInfo,
    /// Features, most suspicious first.
    pub features: Vec<FeatureInfo>,
    /// Correlated clusters.
    pub clusters: Vec<ClusterInfo>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Iterative peeling chain.
    pub peeling: Vec<PeelStep>,
    /// The surrogate without the likely leaks (when peeling ran and something was flagged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honest_model: Option<HonestModel>,
    /// The split-aware audit: how train/test were obtained and the validation-scheme scores.
    #[serde(default)]
    pub split: Option<crate::split::SplitInfo>,
    /// Which engine counted and what is exact over every row.
    #[serde(default)]
    pub engine: EngineInfo,
    /// Distributions of features flagged `high` or above, for plots.
    #[serde(default)]
    pub distributions: Vec<Distribution>,
    /// The user's own model (`--model-file`), when one was audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_model: Option<UserModelInfo>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Seconds per phase.
    pub timings: BTreeMap<String, f64>,
}

impl Report {
    /// Worst severity among findings (`None` when there is none).
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// `report.json`: pretty-printed, with a trailing newline.
    pub fn to_json(&self) -> String {
        json::render(self)
    }

    /// The terminal summary (ANSI colours when `color`).
    pub fn to_terminal(&self, color: bool) -> String {
        terminal::render(self, color)
    }

    /// `report.md`, referring to the PNG files of `plots` (see [`Report::plots`]).
    pub fn to_markdown(&self, plots: &[Plot]) -> String {
        markdown::render(self, plots)
    }

    /// `report.html`: one self-contained file with `plots` embedded.
    pub fn to_html(&self, plots: &[Plot]) -> String {
        html::render(self, plots)
    }

    /// Draw the PNG plots of `kinds` that apply to this report.
    pub fn plots(&self, kinds: &[PlotKind]) -> crate::Result<Vec<Plot>> {
        plot::render_all(self, kinds)
    }

    /// Write the report folder: the PNG plots of `kinds`, `report.md`, `report.html` and
    /// `report.json` (last, so its presence means the folder is complete). Each file is written
    /// to a temporary name and renamed; the directory is created if missing. Returns the paths
    /// written.
    pub fn save(&self, dir: &Path, kinds: &[PlotKind]) -> crate::Result<Vec<PathBuf>> {
        prepare_dir(dir)?;
        let plots = self.plots(kinds)?;
        let mut written = Vec::new();
        for p in &plots {
            written.push(write_atomic(dir, &p.name, &p.png)?);
        }
        written.push(write_atomic(
            dir,
            "report.md",
            self.to_markdown(&plots).as_bytes(),
        )?);
        written.push(write_atomic(
            dir,
            "report.html",
            self.to_html(&plots).as_bytes(),
        )?);
        written.push(write_atomic(dir, "report.json", self.to_json().as_bytes())?);
        Ok(written)
    }
}
