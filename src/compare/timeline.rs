//! More than two versions: a [`Timeline`]. Per version, the model's score, its reliance on
//! flagged features and the top features' shares; between consecutive versions, the
//! [`Comparison`] of the pair. The newest step's findings are the timeline's findings (what
//! `--fail-on` gates: whether the newest version may ship); the earlier steps' stay in `steps`.
//!
//! # JSON format (`timeline.json`, `schema_version` 1)
//! `{schema_version, tool, importance_source, versions, features, steps, findings, warnings}`;
//! `versions[i]`: `label`, `side` (as `old`/`new` in `comparison.json`: `source`, the
//! surrogate's `metric` and `score`, the user's `model`), `metric` and `score` (the model's when
//! every version audited one, else the surrogate's, as `importance_source` says),
//! `leak_reliance`, `changed` (against the version before) and `max_severity` (of that step's
//! findings); `features[j]`: `name` and
//! `shares` (one per version, null when that version has no such feature); `steps`: the
//! pairwise comparisons, each a `comparison.json`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{compare, info, Changed, Comparison, Side, SideInfo};
use crate::checks::Thresholds;
use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};
use crate::metric::Metric;
use crate::report::Tool;

/// Timeline schema version.
pub const TIMELINE_SCHEMA_VERSION: u32 = 1;
/// Features followed: each version's top ones, at most this many in all.
const TOP_FEATURES: usize = 8;
/// Per version, the features counted as its top ones.
const TOP_PER_VERSION: usize = 5;

/// One version in a timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionPoint {
    /// `v1`, `v2`, ... and a short name (the model file, or the report's folder).
    pub label: String,
    /// The version as a side of a comparison: its source, the surrogate's headline and the
    /// user's model, as in `comparison.json`.
    pub side: SideInfo,
    /// Headline metric name: the model's when every version audited one, else the surrogate's.
    pub metric: Option<Metric>,
    /// Headline value, of the same.
    pub score: Option<f64>,
    /// The model's share of importance on features its audit flags as leaks.
    pub leak_reliance: Option<f64>,
    /// What changed since the version before (null for the first).
    pub changed: Option<Changed>,
    /// The worst finding of the step into this version (null for the first, or none).
    pub max_severity: Option<Severity>,
}

/// One feature's importance share over the versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSeries {
    /// Feature name.
    pub name: String,
    /// One share per version (null when that version has no such feature).
    pub shares: Vec<Option<f64>>,
}

/// Model versions in order, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Schema version.
    pub schema_version: u32,
    /// Tool.
    pub tool: Tool,
    /// `model` when every version audited the user's model (scores and shares are the
    /// models'), else `surrogate`.
    pub importance_source: String,
    /// The versions, oldest first.
    pub versions: Vec<VersionPoint>,
    /// The top features' shares over the versions.
    pub features: Vec<FeatureSeries>,
    /// Each version against the one before.
    pub steps: Vec<Comparison>,
    /// The newest step's findings, most severe first.
    pub findings: Vec<Finding>,
    /// Warnings of every step, once each.
    pub warnings: Vec<String>,
}

/// A short name for a side: the model file, else the folder of `report.json`, else the file.
fn short_name(side: &Side) -> String {
    let file = |p: &str| {
        Path::new(p)
            .file_name()
            .map_or(p.to_string(), |f| f.to_string_lossy().into_owned())
    };
    if let Some(u) = side.report.as_ref().and_then(|r| r.user_model.as_ref()) {
        return file(&u.path);
    }
    let path = Path::new(&side.source);
    match (path.file_name(), path.parent().and_then(|p| p.file_name())) {
        (Some(f), Some(dir)) if f == "report.json" => dir.to_string_lossy().into_owned(),
        _ => file(&side.source),
    }
}

impl Timeline {
    /// The timeline of `sides`, oldest first (at least two).
    pub fn new(sides: &[Side], t: &Thresholds) -> Result<Timeline> {
        if sides.len() < 2 {
            return Err(Error::Setting {
                name: "versions".into(),
                problem: format!("a timeline needs at least 2 versions, got {}", sides.len()),
            });
        }
        let steps: Vec<Comparison> = sides.windows(2).map(|w| compare(&w[0], &w[1], t)).collect();
        let all_models = sides
            .iter()
            .all(|s| s.report.as_ref().is_some_and(|r| r.user_model.is_some()));
        let source = if all_models { "model" } else { "surrogate" };
        let shares = |s: &Side| {
            if all_models {
                super::models::shares(s)
            } else {
                s.shares.clone()
            }
        };
        let versions: Vec<VersionPoint> = sides
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let side = info(s);
                let (metric, score) = match &side.model {
                    Some(m) if all_models => (Some(m.metric), Some(m.score)),
                    _ => (side.metric, side.score),
                };
                let step = i.checked_sub(1).map(|k| &steps[k]);
                VersionPoint {
                    label: format!("v{} {}", i + 1, short_name(s)),
                    leak_reliance: side.model.as_ref().map(|m| m.leak_reliance.share),
                    side,
                    metric,
                    score,
                    changed: step.and_then(|c| c.changed.clone()),
                    max_severity: step.and_then(Comparison::max_severity),
                }
            })
            .collect();
        // Each version's top features, then the largest share any version gives them.
        let per_version: Vec<_> = sides.iter().map(shares).collect();
        let mut names: Vec<(String, f64)> = Vec::new();
        for s in &per_version {
            let mut v: Vec<(&String, f64)> = s.iter().map(|(k, &x)| (k, x)).collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            for (name, share) in v.into_iter().take(TOP_PER_VERSION).filter(|x| x.1 > 0.0) {
                match names.iter_mut().find(|n| &n.0 == name) {
                    Some(n) => n.1 = n.1.max(share),
                    None => names.push((name.clone(), share)),
                }
            }
        }
        names.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        names.truncate(TOP_FEATURES);
        let features = names
            .into_iter()
            .map(|(name, _)| FeatureSeries {
                shares: per_version.iter().map(|s| s.get(&name).copied()).collect(),
                name,
            })
            .collect();
        let mut warnings: Vec<String> = Vec::new();
        for w in steps.iter().flat_map(|c| &c.warnings) {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
        Ok(Timeline {
            schema_version: TIMELINE_SCHEMA_VERSION,
            tool: Tool {
                name: "leakhound".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            importance_source: source.into(),
            versions,
            features,
            findings: steps.last().map(|c| c.findings.clone()).unwrap_or_default(),
            steps,
            warnings,
        })
    }

    /// Worst severity among the newest step's findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// `timeline.json`: pretty-printed, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }

    /// The terminal summary.
    pub fn to_terminal(&self) -> String {
        super::render::timeline_terminal(self)
    }

    /// `timeline.md`, referring to `png` when a plot was written.
    pub fn to_markdown(&self, png: Option<&str>) -> String {
        super::render::timeline_markdown(self, png)
    }

    /// `timeline.html`: one self-contained page, `png` embedded when given.
    pub fn to_html(&self, png: Option<&[u8]>) -> String {
        super::render::timeline_html(self, png)
    }

    /// `timeline.png`: score and reliance over the versions, and the top features' shares.
    pub fn png(&self) -> Result<Vec<u8>> {
        super::render::timeline_png(self)
    }

    /// Write `timeline.png` (when `plot`), `timeline.md`, `timeline.html` and `timeline.json`
    /// (last) into `dir`, created if missing; each via a temporary name. Returns the paths.
    pub fn save(&self, dir: &Path, plot: bool) -> Result<Vec<PathBuf>> {
        super::save_files(
            dir,
            "timeline",
            plot.then(|| self.png()),
            |png| self.to_markdown(png),
            |png| self.to_html(png),
            &self.to_json(),
        )
    }
}
