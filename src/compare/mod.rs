//! `compare`: importance reports of model versions side by side, with findings for what
//! changed; and `inspect`: the dominance checks on a plain importance table.
//!
//! Two reports make a [`Comparison`]. When both audited the user's own model (`--model-file`),
//! the models are compared as users ship them: their identity (file, format, SHA-256), every
//! metric, each feature's share of the model's own permutation importance, and the model's
//! reliance on features the audits flag as leaks, followed as one quantity
//! ([`models`]). The surrogate's columns stay beside them: they tell a change of data apart from
//! a change of model ([`Changed`]). Three or more reports make a [`Timeline`].
//!
//! # JSON format (`comparison.json`, `schema_version` 1)
//! `{schema_version, tool, old, new, changed, metrics, reliance, features, findings, warnings}`;
//! `old`/`new` describe each side (`source`, `kind` = `report` or `importances`, `target`,
//! `task`, `metric`, `score`: the surrogate's headline, and `model`: the user's model when the
//! report audited one: `path`, `format`, `description`, `sha256`, `evaluated_on`, `rows`,
//! `metric`, `score`, `metrics`, `leak_reliance`); `changed` says whether the data and the model
//! changed and why; `metrics` lists every metric old -> new with its `source` (`model` or
//! `surrogate`); `reliance` is the models' share of importance on flagged features old -> new
//! with its `status`; `features` has one row per feature name: `status` (`both`, `added`,
//! `removed`), `renamed_from`, the surrogate's `share_old`, `share_new`, `rank_old`,
//! `rank_new`, `rank_change`, the models' `model_share_old`, `model_share_new`,
//! `model_rank_old`, `model_rank_new`, and `power_old`, `power_new`, `severity_old`,
//! `severity_new`; `findings` as in `report.json`. `changed`, `metrics`, `reliance`, `model` and
//! the `model_*` columns were added in 0.3 without a version change (files before have none).

pub mod models;
mod render;
mod timeline;

pub use models::{Changed, MetricDelta, ModelSide, RelianceDelta};
pub use timeline::{Timeline, VersionPoint};

use std::path::PathBuf;

use crate::checks::Thresholds;

use crate::finding::{r4, Finding, FindingKind, Severity};
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::Task;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::report::{Report, Tool, SCHEMA_VERSION};

/// `inspect` calls a pair dominant only in a table of more than this many features: with three
/// or fewer, two features carrying most of the importance is the expected shape.
const PAIR_MIN_FEATURES: usize = 3;

/// An added feature is a renamed removed one when their shares agree within this much plus
/// [`RENAME_RELATIVE`] of the larger: a match between two reports' rows, not a detection
/// threshold.
const RENAME_ABSOLUTE: f64 = 0.02;
const RENAME_RELATIVE: f64 = 0.1;
/// A share below this counts as this for a jump (a feature from nothing to dominant is a jump
/// by any factor).
const JUMP_FLOOR: f64 = 0.01;

/// Comparison schema version.
pub const COMPARISON_SCHEMA_VERSION: u32 = 1;
/// Growth factor of a feature's share that counts as a jump. Not a setting: it only ever
/// raises a finding together with `dominant_share` (which is one), and a smaller factor would
/// call ordinary retraining noise a jump.
const JUMP_FACTOR: f64 = 3.0;
/// Rise of the headline score (AUC, macro-AUC, R²) that is suspicious with concentrated
/// importance. Not a setting: it is read only beside `dominant_share`, and 0.05 of AUC is well
/// above what a retrain on the same data moves.
const METRIC_JUMP: f64 = 0.05;

/// One side of a comparison: a full report or a plain importance table.
#[derive(Debug, Clone)]
pub struct Side {
    /// Where it came from.
    pub source: String,
    /// The report, when the side is a report.
    pub report: Option<Report>,
    /// Importance share per feature (sums to 1 over positive importances).
    pub shares: BTreeMap<String, f64>,
}

/// What each side was, in `comparison.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideInfo {
    /// Path.
    pub source: String,
    /// `report` or `importances`.
    pub kind: String,
    /// Target (reports only).
    pub target: Option<String>,
    /// Task (reports only).
    pub task: Option<Task>,
    /// The surrogate's headline metric (reports only).
    pub metric: Option<Metric>,
    /// Headline value.
    pub score: Option<f64>,
    /// The user's model the report audited, if any.
    #[serde(default)]
    pub model: Option<ModelSide>,
}

/// One feature across the two sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDelta {
    /// Name.
    pub name: String,
    /// `both`, `added` or `removed`.
    pub status: String,
    /// For an added feature that looks like a removed one renamed.
    pub renamed_from: Option<String>,
    /// Share of importance before.
    pub share_old: Option<f64>,
    /// Share after.
    pub share_new: Option<f64>,
    /// Rank before (1 = most important).
    pub rank_old: Option<usize>,
    /// Rank after.
    pub rank_new: Option<usize>,
    /// Positive when the feature moved up.
    pub rank_change: Option<i64>,
    /// Share of the user's model's own permutation importance before (null when that
    /// version audited no model or its model does not take the feature).
    #[serde(default)]
    pub model_share_old: Option<f64>,
    /// The model's share after.
    #[serde(default)]
    pub model_share_new: Option<f64>,
    /// Rank among the old model's inputs (1 = most important).
    #[serde(default)]
    pub model_rank_old: Option<usize>,
    /// Rank among the new model's inputs.
    #[serde(default)]
    pub model_rank_new: Option<usize>,
    /// Single-feature power before (reports only).
    pub power_old: Option<f64>,
    /// Power after.
    pub power_new: Option<f64>,
    /// Worst severity before.
    pub severity_old: Option<Severity>,
    /// Worst severity after.
    pub severity_new: Option<Severity>,
}

/// The comparison contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Schema version.
    pub schema_version: u32,
    /// Tool.
    pub tool: Tool,
    /// Old side.
    pub old: SideInfo,
    /// New side.
    pub new: SideInfo,
    /// Whether the data and the model changed (reports only).
    #[serde(default)]
    pub changed: Option<Changed>,
    /// Every metric old -> new: the models' first, then the surrogate's.
    #[serde(default)]
    pub metrics: Vec<MetricDelta>,
    /// The models' reliance on flagged features, when both versions audited a model.
    #[serde(default)]
    pub reliance: Option<RelianceDelta>,
    /// Features, most important in NEW first (by the model's importance when both versions
    /// audited one), then removed ones.
    pub features: Vec<FeatureDelta>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Warnings (different targets or tasks).
    pub warnings: Vec<String>,
}

impl Comparison {
    /// Worst severity among findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// `comparison.json`: pretty-printed, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }

    /// The terminal table.
    pub fn to_terminal(&self) -> String {
        render::terminal(self)
    }

    /// `comparison.md`, referring to `png` when a plot was written.
    pub fn to_markdown(&self, png: Option<&str>) -> String {
        render::markdown(self, png)
    }

    /// `comparison.html`: one self-contained page, with `png` (the picture of
    /// [`Comparison::png`]) embedded when given.
    pub fn to_html(&self, png: Option<&[u8]>) -> String {
        render::html(self, png)
    }

    /// `comparison.png`: importance shares before and after, one bar pair per feature (the
    /// models' own importance when both versions audited a model, else the surrogate's).
    pub fn png(&self) -> Result<Vec<u8>> {
        render::png(self)
    }

    /// Whether both versions audited the user's model.
    pub fn has_models(&self) -> bool {
        self.old.model.is_some() && self.new.model.is_some()
    }

    /// Write `comparison.png` (when `plot`), `comparison.md`, `comparison.html` and
    /// `comparison.json` (last) into `dir`, created if missing; each file via a temporary name.
    /// Returns the paths written.
    pub fn save(&self, dir: &Path, plot: bool) -> Result<Vec<PathBuf>> {
        save_files(
            dir,
            "comparison",
            plot.then(|| self.png()),
            |png| self.to_markdown(png),
            |png| self.to_html(png),
            &self.to_json(),
        )
    }
}

/// Write `<stem>.png` (when a picture is asked for and this build draws), `<stem>.md`,
/// `<stem>.html` and `<stem>.json` (last, so its presence means the folder is complete) into
/// `dir`, created if missing; each file via a temporary name. Returns the paths written.
fn save_files(
    dir: &Path,
    stem: &str,
    png: Option<Result<Vec<u8>>>,
    markdown: impl FnOnce(Option<&str>) -> String,
    html: impl FnOnce(Option<&[u8]>) -> String,
    json: &str,
) -> Result<Vec<PathBuf>> {
    use crate::report::{prepare_dir, write_atomic};
    prepare_dir(dir)?;
    let mut written = Vec::new();
    let png = match png {
        Some(p) if cfg!(feature = "plots") => Some(p?),
        _ => None,
    };
    let png_name = format!("{stem}.png");
    if let Some(png) = &png {
        written.push(write_atomic(dir, &png_name, png)?);
    }
    let md = markdown(png.as_ref().map(|_| png_name.as_str()));
    written.push(write_atomic(dir, &format!("{stem}.md"), md.as_bytes())?);
    let page = html(png.as_deref());
    written.push(write_atomic(dir, &format!("{stem}.html"), page.as_bytes())?);
    written.push(write_atomic(dir, &format!("{stem}.json"), json.as_bytes())?);
    Ok(written)
}

impl Side {
    /// A side from a report in memory, named `source` in the comparison.
    pub fn from_report(report: Report, source: impl Into<String>) -> Side {
        let shares = report
            .features
            .iter()
            .map(|f| (f.name.clone(), f.importance_share))
            .collect();
        Side {
            source: source.into(),
            report: Some(report),
            shares,
        }
    }

    /// A side from importances per feature (gain, mean |SHAP|, ...), named `source`; they are
    /// normalised to shares of the positive total.
    pub fn from_importances(
        importances: impl IntoIterator<Item = (String, f64)>,
        source: impl Into<String>,
    ) -> Side {
        let raw: BTreeMap<String, f64> = importances
            .into_iter()
            .map(|(k, v)| (k, if v.is_nan() { 0.0 } else { v.max(0.0) }))
            .collect();
        let total: f64 = raw.values().sum();
        let shares = raw
            .into_iter()
            .map(|(k, v)| (k, if total > 0.0 { r4(v / total) } else { 0.0 }))
            .collect();
        Side {
            source: source.into(),
            report: None,
            shares,
        }
    }
}

/// Load a side: `.json` is a leakhound report, `.csv` an importance table.
pub fn load(path: &Path) -> Result<Side> {
    let source = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Error::Malformed {
                    path: path.into(),
                    message: format!("not JSON ({e})"),
                })?;
            let version = value
                .get("schema_version")
                .and_then(|v| v.as_u64())
                .ok_or_else(|| Error::Malformed {
                    path: path.into(),
                    message: "not a leakhound report (no schema_version)".into(),
                })?;
            if version != u64::from(SCHEMA_VERSION) {
                return Err(Error::Malformed {
                    path: path.into(),
                    message: format!("report schema_version {version} is not supported (this leakhound reads {SCHEMA_VERSION})"),
                });
            }
            let report: Report = serde_json::from_value(value).map_err(|e| Error::Malformed {
                path: path.into(),
                message: format!("not a leakhound report ({e})"),
            })?;
            Ok(Side::from_report(report, source))
        }
        "csv" | "tsv" | "txt" => Ok(Side {
            source,
            report: None,
            shares: read_importances(path)?,
        }),
        _ => Err(Error::UnsupportedExtension {
            path: path.into(),
            ext: format!(".{ext}"),
        }),
    }
}

/// Read a `feature,importance` table (e.g. XGBoost/LightGBM gain or mean |SHAP|); importances
/// are made non-negative shares.
fn read_importances(path: &Path) -> Result<BTreeMap<String, f64>> {
    let frame = crate::data::read_frame(path, &crate::data::ReadOptions::default())?;
    let names = frame.names();
    let find = |want: &[&str]| {
        names
            .iter()
            .position(|n| want.contains(&n.to_lowercase().as_str()))
    };
    let (Some(fi), Some(ii)) = (
        find(&["feature", "name", "column"]),
        find(&["importance", "gain", "value", "mean_abs_shap"]),
    ) else {
        return Err(Error::Malformed {
            path: path.into(),
            message: format!(
                "expected columns 'feature' and 'importance', found {}",
                names.join(", ")
            ),
        });
    };
    let crate::data::Values::Numeric(imp) = &frame.columns[ii].values else {
        return Err(Error::Malformed {
            path: path.into(),
            message: format!("column '{}' is not numeric", names[ii]),
        });
    };
    let labels: Vec<String> = match &frame.columns[fi].values {
        crate::data::Values::Categorical { codes, levels } => codes
            .iter()
            .map(|&c| levels.get(c as usize).cloned().unwrap_or_default())
            .collect(),
        crate::data::Values::Numeric(v) => v.iter().map(|x| x.to_string()).collect(),
    };
    let mut raw: BTreeMap<String, f64> = BTreeMap::new();
    for (name, v) in labels.into_iter().zip(imp.iter()) {
        if name.is_empty() {
            continue;
        }
        if raw
            .insert(name.clone(), if v.is_nan() { 0.0 } else { v.max(0.0) })
            .is_some()
        {
            return Err(Error::DuplicateColumn {
                path: path.into(),
                column: name,
            });
        }
    }
    let total: f64 = raw.values().sum();
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, if total > 0.0 { r4(v / total) } else { 0.0 }))
        .collect())
}

/// What a side is, for the JSON.
fn info(side: &Side) -> SideInfo {
    let (metric, score) = match &side.report {
        Some(r) => {
            let (m, v) = crate::importance::metrics::headline(&r.model.out_of_fold);
            (Some(m), Some(v))
        }
        None => (None, None),
    };
    SideInfo {
        source: side.source.clone(),
        kind: if side.report.is_some() {
            "report"
        } else {
            "importances"
        }
        .into(),
        target: side.report.as_ref().map(|r| r.dataset.target.clone()),
        task: side.report.as_ref().map(|r| r.dataset.task),
        metric,
        score,
        model: side.report.as_ref().and_then(models::ModelSide::of),
    }
}

fn ranks(shares: &BTreeMap<String, f64>) -> BTreeMap<String, usize> {
    let mut v: Vec<(&String, f64)> = shares.iter().map(|(k, &s)| (k, s)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .enumerate()
        .map(|(i, (k, _))| (k.clone(), i + 1))
        .collect()
}

fn power_of(side: &Side, name: &str) -> Option<f64> {
    side.report
        .as_ref()?
        .features
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.single_feature_power.power)
}

fn severity_of(side: &Side, name: &str) -> Option<Severity> {
    side.report
        .as_ref()?
        .features
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.severity)
}

/// Compare two sides.
pub fn compare(old: &Side, new: &Side, t: &Thresholds) -> Comparison {
    let mut warnings = Vec::new();
    if let (Some(a), Some(b)) = (&old.report, &new.report) {
        if a.dataset.target != b.dataset.target {
            warnings.push(format!(
                "the reports predict different targets ('{}' vs '{}')",
                a.dataset.target, b.dataset.target
            ));
        }
        if a.dataset.task != b.dataset.task {
            warnings.push(format!(
                "the reports have different tasks ({:?} vs {:?})",
                a.dataset.task, b.dataset.task
            ));
        }
    }
    let (ro, rn) = (ranks(&old.shares), ranks(&new.shares));
    let (mo, mn) = (models::shares(old), models::shares(new));
    let (mro, mrn) = (ranks(&mo), ranks(&mn));
    let mut names: Vec<&String> = new
        .shares
        .keys()
        .chain(old.shares.keys())
        .chain(mn.keys())
        .chain(mo.keys())
        .collect();
    names.sort();
    names.dedup();
    let mut features: Vec<FeatureDelta> = names
        .into_iter()
        .map(|n| {
            let (so, sn) = (old.shares.get(n).copied(), new.shares.get(n).copied());
            let in_old = so.is_some() || mo.contains_key(n);
            let in_new = sn.is_some() || mn.contains_key(n);
            let status = match (in_old, in_new) {
                (true, true) => "both",
                (false, true) => "added",
                _ => "removed",
            };
            let (rko, rkn) = (ro.get(n).copied(), rn.get(n).copied());
            FeatureDelta {
                name: n.clone(),
                status: status.into(),
                renamed_from: None,
                share_old: so,
                share_new: sn,
                rank_old: rko,
                rank_new: rkn,
                rank_change: rko.zip(rkn).map(|(a, b)| a as i64 - b as i64),
                model_share_old: mo.get(n).copied(),
                model_share_new: mn.get(n).copied(),
                model_rank_old: mro.get(n).copied(),
                model_rank_new: mrn.get(n).copied(),
                power_old: power_of(old, n),
                power_new: power_of(new, n),
                severity_old: severity_of(old, n),
                severity_new: severity_of(new, n),
            }
        })
        .collect();
    // An added feature whose share and power match a removed one's looks like a rename.
    let removed: Vec<FeatureDelta> = features
        .iter()
        .filter(|f| f.status == "removed")
        .cloned()
        .collect();
    for f in features.iter_mut().filter(|f| f.status == "added") {
        let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => {
                (a - b).abs() <= RENAME_ABSOLUTE + RENAME_RELATIVE * a.abs().max(b.abs())
            }
            (None, None) => true,
            _ => false,
        };
        if let Some(r) = removed.iter().find(|r| {
            close(r.share_old, f.share_new)
                && close(r.power_old, f.power_new)
                && r.share_old.unwrap_or(0.0) > 0.0
        }) {
            f.renamed_from = Some(r.name.clone());
        }
    }
    features.sort_by(|a, b| {
        let key = |f: &FeatureDelta| {
            (
                f.model_share_new.unwrap_or(-1.0),
                f.share_new.unwrap_or(-1.0),
            )
        };
        let (ka, kb) = (key(a), key(b));
        kb.0.total_cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then(a.name.cmp(&b.name))
    });
    let (old_info, new_info) = (info(old), info(new));
    let reliance = models::reliance(&old_info, &new_info, t);
    let mut findings = findings(old, new, &features, t);
    if let (Some(a), Some(b)) = (&old.report, &new.report) {
        findings.extend(models::findings(
            a,
            b,
            &old_info,
            &new_info,
            reliance.as_ref(),
            &features,
            t,
        ));
        crate::finding::sort(&mut findings);
    }
    Comparison {
        schema_version: COMPARISON_SCHEMA_VERSION,
        tool: Tool {
            name: "leakhound".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        changed: models::changed(old, new),
        metrics: models::metric_deltas(old, new, &old_info, &new_info),
        reliance,
        old: old_info,
        new: new_info,
        features,
        findings,
        warnings,
    }
}

/// What a leak finding (`high` or above) is matched on across versions: its feature and kind.
/// Findings about the user's model are left to the reliance comparison when both versions
/// audited a model (`None`); otherwise `model_relies_on_leak` is matched on its kind alone, as
/// the feature it names is only the largest of the features it sums.
fn diff_key(f: &Finding, both_models: bool) -> Option<(Option<String>, FindingKind)> {
    if f.severity < Severity::High {
        return None;
    }
    let about_model = f.kind == FindingKind::ModelReliesOnLeak || f.from_user_model();
    match (about_model, both_models) {
        (true, true) => None,
        _ if f.kind == FindingKind::ModelReliesOnLeak => Some((None, f.kind)),
        _ => Some((f.feature.clone(), f.kind)),
    }
}

fn findings(old: &Side, new: &Side, features: &[FeatureDelta], t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (&old.report, &new.report) {
        let both_models = a.user_model.is_some() && b.user_model.is_some();
        let keys = |r: &Report| -> Vec<(Option<String>, FindingKind)> {
            r.findings
                .iter()
                .filter_map(|f| diff_key(f, both_models))
                .collect()
        };
        let (ka, kb) = (keys(a), keys(b));
        for f in &b.findings {
            let Some(key) = diff_key(f, both_models) else {
                continue;
            };
            if !ka.contains(&key) {
                let who = f.feature.clone().unwrap_or_else(|| "(dataset)".into());
                out.push(Finding::new(
                    f.feature.as_deref(),
                    FindingKind::NewLeak,
                    f.severity,
                    format!(
                        "New in this version: {} on '{who}' ({}). {}",
                        f.kind.as_str().replace('_', " "),
                        f.severity.as_str(),
                        f.message
                    ),
                    NewLeakEvidence {
                        kind: f.kind,
                        evidence: f.evidence.clone(),
                    },
                ));
            }
        }
        for f in &a.findings {
            let Some(key) = diff_key(f, both_models) else {
                continue;
            };
            if !kb.contains(&key) {
                let who = f.feature.clone().unwrap_or_else(|| "(dataset)".into());
                out.push(Finding::new(
                    f.feature.as_deref(),
                    FindingKind::Resolved,
                    Severity::Low,
                    format!(
                        "Gone in this version: {} on '{who}' (was {}).",
                        f.kind.as_str().replace('_', " "),
                        f.severity.as_str()
                    ),
                    ResolvedEvidence {
                        kind: f.kind,
                        severity_old: f.severity,
                    },
                ));
            }
        }
        let (ma, va) = crate::importance::metrics::headline(&a.model.out_of_fold);
        let (mb, vb) = crate::importance::metrics::headline(&b.model.out_of_fold);
        let top_new = features
            .iter()
            .filter_map(|f| f.share_new)
            .fold(0.0, f64::max);
        let top_old = features
            .iter()
            .filter_map(|f| f.share_old)
            .fold(0.0, f64::max);
        if ma == mb && vb - va >= METRIC_JUMP && top_new >= t.dominant_share && top_new > top_old {
            out.push(Finding::new(
                None,
                FindingKind::MetricJump,
                Severity::High,
                format!(
                    "The score rose from {ma} {va:.3} to {vb:.3} while importance concentrated (top feature {:.0}% → {:.0}%); a leak typically does both.",
                    top_old * 100.0,
                    top_new * 100.0
                ),
                MetricJumpEvidence {
                    metric: ma,
                    old: va,
                    new: vb,
                    top_share_old: r4(top_old),
                    top_share_new: r4(top_new),
                },
            ));
        }
    }
    for f in features {
        let (Some(sn), so) = (
            f.share_new,
            f.share_old
                .or_else(|| f.renamed_from.as_ref().and(Some(0.0))),
        ) else {
            continue;
        };
        let so = so.unwrap_or(0.0);
        if sn >= t.dominant_share
            && sn >= JUMP_FACTOR * so.max(JUMP_FLOOR)
            && f.renamed_from.is_none()
        {
            out.push(Finding::new(
                Some(&f.name),
                FindingKind::ImportanceJump,
                Severity::High,
                format!(
                    "'{}' now carries {:.0}% of the importance, up from {:.0}%{}; a feature that suddenly dominates is the first place to look for a leak.",
                    f.name,
                    sn * 100.0,
                    so * 100.0,
                    if f.status == "added" { " (it is new)" } else { "" }
                ),
                JumpEvidence {
                    share_old: so,
                    share_new: sn,
                    status: f.status.clone(),
                },
            ));
        }
    }
    crate::finding::sort(&mut out);
    out
}

/// `inspect`: the dominance check on one importance table, with the audit's `dominant_share`:
/// a feature carrying that share is `medium`; one carrying most of the rest too (halfway from
/// the threshold to all of it) is `high`, and so is a pair of features reaching that point.
pub fn inspect(side: &Side, t: &Thresholds) -> Vec<Finding> {
    let alone = t.dominant_share;
    let high = (1.0 + alone) / 2.0;
    let mut v: Vec<(&String, f64)> = side.shares.iter().map(|(k, &s)| (k, s)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let mut out = Vec::new();
    if let Some(&(name, top)) = v.first() {
        let second = v.get(1).map_or(0.0, |x| x.1);
        if top >= alone {
            let severity = if top >= high {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(Finding::new(
                Some(name),
                FindingKind::DominantFeature,
                severity,
                format!(
                    "'{name}' carries {:.0}% of the model's importance, {:.1}x the next feature; check that it is known at prediction time.",
                    top * 100.0,
                    top / second.max(1e-9)
                ),
                InspectEvidence {
                    importance_share: top,
                    next_share: second,
                    ratio: r4(top / second.max(1e-9)),
                },
            ));
        }
        let top2 = top + second;
        if top < alone && top2 >= high && v.len() > PAIR_MIN_FEATURES {
            let other = v[1].0;
            let mut f = Finding::new(
                Some(name),
                FindingKind::DominantFeature,
                Severity::Medium,
                format!("'{name}' and '{other}' together carry {:.0}% of the importance; check both are known at prediction time.", top2 * 100.0),
                InspectPairEvidence {
                    importance_share: top2,
                    cluster: [name.clone(), other.clone()],
                },
            );
            f.features = vec![name.clone(), other.clone()];
            out.push(f);
        }
    }
    out
}

/// The evidence of a `new_leak`: the new report's finding.
#[derive(Serialize)]
struct NewLeakEvidence {
    kind: FindingKind,
    evidence: BTreeMap<String, serde_json::Value>,
}

/// The evidence of a `resolved`: the old report's finding.
#[derive(Serialize)]
struct ResolvedEvidence {
    kind: FindingKind,
    severity_old: Severity,
}

/// The evidence of a `metric_jump` of the surrogates' scores.
#[derive(Serialize)]
struct MetricJumpEvidence {
    metric: crate::metric::Metric,
    old: f64,
    new: f64,
    top_share_old: f64,
    top_share_new: f64,
}

/// The evidence of an `importance_jump` in the surrogates' importances.
#[derive(Serialize)]
struct JumpEvidence {
    share_old: f64,
    share_new: f64,
    /// The feature's status between the versions ("kept", "added", ...).
    status: String,
}

/// The evidence of `inspect`'s `dominant_feature` on one feature.
#[derive(Serialize)]
struct InspectEvidence {
    importance_share: f64,
    next_share: f64,
    ratio: f64,
}

/// The evidence of `inspect`'s `dominant_feature` on a pair of features.
#[derive(Serialize)]
struct InspectPairEvidence {
    importance_share: f64,
    cluster: [String; 2],
}
