//! Auditing the user's own model: map the data's columns to the model's inputs, score the model
//! on evaluation data, and compute its permutation importance. The checks then read these
//! importances beside the surrogate's (see `audit::audit_split`).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{EvalRows, Output, Scorer};
use crate::data::{Column, Dataset, Target, Values};
use crate::error::{Error, Result};
use crate::importance::metrics::{self, round6};
use crate::importance::permutation::shuffled;
use crate::metric::Metric;

/// The scoring of a report written before `scoring` was recorded.
fn skill() -> Metric {
    Metric::Skill
}
use crate::surrogate::{Labels, Predictions};

/// Your model "hardly uses" a feature below this share of its importance: what the report's
/// disagreements say, not a finding.
const HARDLY_USED: f64 = 0.05;

/// Evaluation rows used for the user's model's permutation importance, at most.
/// A work budget for large tables, not a threshold.
pub const MAX_EVAL_ROWS: usize = 50_000;

/// How the data's columns were matched to the model's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// Feature names stored in the model file.
    ModelNames,
    /// `--model-features`.
    Flag,
    /// The data's feature columns in file order (the model stores no names).
    Order,
}

impl MatchedBy {
    /// For the report.
    pub fn describe(self) -> &'static str {
        match self {
            MatchedBy::ModelNames => "feature names stored in the model",
            MatchedBy::Flag => "the `model_features` setting",
            MatchedBy::Order => "column order (the model stores no feature names)",
        }
    }
}

/// The user's model scored on evaluation data.
#[derive(Debug, Clone)]
pub struct ModelEvaluation {
    /// Dataset feature index of each model input, in input order.
    pub inputs: Vec<usize>,
    /// How they were matched.
    pub matched_by: MatchedBy,
    /// The score permutation importance is the loss of.
    pub scoring: Metric,
    /// Headline metrics (the same names as the surrogate's).
    pub metrics: std::collections::BTreeMap<String, f64>,
    /// Permutation importance per model input: (mean, std) of the skill drop.
    pub permutation: Vec<(f64, f64)>,
    /// Evaluation rows used.
    pub rows: usize,
    /// Notes for the report (class matching, order matching).
    pub warnings: Vec<String>,
}

/// Resolve which dataset feature feeds each model input.
pub fn match_inputs(
    model: &dyn Scorer,
    ds: &Dataset,
    given: &[String],
) -> Result<(Vec<usize>, MatchedBy)> {
    let fail = |message: String| Error::Model {
        path: model.name().into(),
        message,
    };
    let (names, by): (Vec<String>, MatchedBy) = if !given.is_empty() {
        (given.to_vec(), MatchedBy::Flag)
    } else if let Some(n) = model.feature_names() {
        (n, MatchedBy::ModelNames)
    } else {
        let usable: Vec<String> = ds.features.iter().map(|c| c.name.clone()).collect();
        if let Some(n) = model.n_features() {
            if n != usable.len() {
                return Err(fail(format!(
                    "the model stores no feature names and expects {n} inputs, but the data has {} feature columns ({}); name them in model order with `model_features` (a,b,c)",
                    usable.len(),
                    usable.join(", ")
                )));
            }
        }
        (usable, MatchedBy::Order)
    };
    if let Some(n) = model.n_features() {
        if names.len() != n {
            return Err(fail(format!(
                "the model expects {n} inputs, `model_features` names {}",
                names.len()
            )));
        }
    }
    let index = |name: &str| ds.features.iter().position(|c| c.name == name);
    let missing: Vec<&str> = names
        .iter()
        .filter(|n| index(n).is_none())
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let extra: Vec<&str> = ds
            .features
            .iter()
            .map(|c| c.name.as_str())
            .filter(|c| !names.iter().any(|n| n == c))
            .collect();
        return Err(fail(format!(
            "the model expects columns the data does not have as features: {}; data columns the model does not use: {}",
            missing.join(", "),
            if extra.is_empty() { "none".to_string() } else { extra.join(", ") }
        )));
    }
    Ok((names.iter().filter_map(|n| index(n)).collect(), by))
}

/// Model output column for each of the data's classes.
fn class_map(
    model: &dyn Scorer,
    data_classes: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<usize>> {
    let Output::Classes { labels, stored } = model.output() else {
        return Err(Error::Model {
            path: model.name().into(),
            message: "the model is a regressor but the target is a class label; set `task` to regression for a numeric target".into(),
        });
    };
    // Labels match as text, as numbers, or as a boolean text target ("yes"/"no") the data
    // holds as 1/0.
    let number = |s: &str| {
        s.parse::<f64>()
            .ok()
            .or_else(|| crate::data::builder::boolean_token(s))
    };
    let same =
        |a: &str, b: &str| a == b || matches!((number(a), number(b)), (Some(x), Some(y)) if x == y);
    if stored {
        return data_classes
            .iter()
            .map(|c| {
                labels
                    .iter()
                    .position(|l| same(l, c))
                    .ok_or_else(|| Error::Model {
                        path: model.name().into(),
                        message: format!(
                            "the data's class '{c}' is not one of the model's classes ({})",
                            labels.join(", ")
                        ),
                    })
            })
            .collect();
    }
    if labels.len() != data_classes.len() {
        return Err(Error::Model {
            path: model.name().into(),
            message: format!(
                "the model predicts {} classes, the target has {} ({})",
                labels.len(),
                data_classes.len(),
                data_classes.join(", ")
            ),
        });
    }
    if !data_classes.iter().zip(&labels).all(|(c, l)| same(c, l)) {
        warnings.push(format!(
            "the model stores class indices, not labels; matched to the target's classes in sorted order ({})",
            data_classes
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{i} = {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok((0..data_classes.len()).collect())
}

/// A cell as a number for the row hash: numbers as they are, text that reads as a number as that
/// number (as an exported model sees it), other text by a hash of its level.
fn cell_value(c: &Column, r: usize) -> f64 {
    match &c.values {
        Values::Numeric(v) => v.get(r),
        Values::Categorical { codes, levels } => match levels.get(codes[r] as usize) {
            None => f64::NAN,
            Some(l) => l.trim().parse().unwrap_or_else(|_| {
                f64::from_bits(crate::data::sample::splitmix64(
                    l.bytes().fold(0u64, |h, b| {
                        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                    }),
                ))
            }),
        },
    }
}

/// A row's content hash, so the evaluation sample does not depend on row order.
fn row_key(values: impl Iterator<Item = f64>) -> u64 {
    values.fold(0xcbf2_9ce4_8422_2325u64, |h, v| {
        (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Score the model on `eval` and compute its permutation importance (`repeats` shuffles per
/// input, seeded) as the loss of `scoring` (skill: Brier skill score or R²).
pub fn evaluate(
    model: &dyn Scorer,
    eval: &Dataset,
    given_features: &[String],
    repeats: usize,
    seed: u64,
    scoring: Metric,
) -> Result<ModelEvaluation> {
    let (inputs, matched_by) = match_inputs(model, eval, given_features)?;
    let mut warnings = Vec::new();
    if matched_by == MatchedBy::Order {
        warnings.push(
            "the model stores no feature names: its inputs were matched to the data's feature columns in file order; set `model_features` to name them".into(),
        );
    }
    let width = inputs.len();
    let n_all = eval.rows();
    // A seeded, content-keyed sample keeps permutation affordable on large files.
    let mut rows: Vec<usize> = (0..n_all).collect();
    if n_all > MAX_EVAL_ROWS {
        let cols: Vec<&Column> = inputs.iter().map(|&f| &eval.features[f]).collect();
        let mut keyed: Vec<(u64, usize)> = rows
            .iter()
            .map(|&r| {
                let key = row_key(cols.iter().map(|c| cell_value(c, r)));
                (crate::data::sample::splitmix64(seed ^ key), r)
            })
            .collect();
        keyed.sort_unstable();
        rows = keyed[..MAX_EVAL_ROWS].iter().map(|&(_, r)| r).collect();
        rows.sort_unstable();
    }
    let n = rows.len();
    let rows_eval = EvalRows {
        data: eval,
        inputs: &inputs,
        rows: &rows,
    };
    let (y_cls, y_val, map);
    let labels = match &eval.target {
        Target::Classes { y, classes } => {
            map = class_map(model, classes, &mut warnings)?;
            y_cls = rows.iter().map(|&r| y[r]).collect::<Vec<u32>>();
            Labels::Classes {
                y: &y_cls,
                k: classes.len(),
            }
        }
        Target::Values(v) => {
            if model.output() != Output::Values {
                return Err(Error::Model {
                    path: model.name().into(),
                    message: "the model is a classifier but the target is numeric; set `task` to binary or multiclass".into(),
                });
            }
            map = vec![0];
            y_val = rows.iter().map(|&r| v[r]).collect::<Vec<f64>>();
            Labels::Values(&y_val)
        }
    };
    let predict = |permute: Option<(usize, &[usize])>| -> Result<Predictions> {
        let raw = model
            .predict_rows(&rows_eval, permute)
            .map_err(|message| Error::Model {
                path: model.name().into(),
                message,
            })?;
        if raw.values.len() != n * raw.width || raw.width < map.iter().max().map_or(1, |m| m + 1) {
            return Err(Error::Model {
                path: model.name().into(),
                message: format!(
                    "the model gave {} values of width {} for {n} rows",
                    raw.values.len(),
                    raw.width
                ),
            });
        }
        let k = map.len();
        let mut values = Vec::with_capacity(n * k);
        for r in 0..n {
            let row = &raw.values[r * raw.width..(r + 1) * raw.width];
            values.extend(map.iter().map(|&j| row[j]));
        }
        Ok(Predictions { width: k, values })
    };
    let positions: Vec<u32> = (0..n as u32).collect();
    let base = predict(None)?;
    let metrics = metrics::summary(&labels, &base, &positions);
    if scoring.of(&metrics).is_none() {
        let known: Vec<&str> = metrics.keys().map(String::as_str).collect();
        return Err(Error::Setting {
            name: "scoring".into(),
            problem: format!(
                "'{scoring}' does not score this target; it takes one of {}",
                known.join(", ")
            ),
        });
    }
    // Skill is computed unrounded, as the surrogate's importances are; another metric is read
    // from the table of scores, and a loss drops when it grows.
    let score = |pred: &Predictions| -> f64 {
        let s = match scoring {
            Metric::Skill => metrics::skill(&labels, pred, &positions),
            m => m
                .of(&metrics::summary(&labels, pred, &positions))
                .unwrap_or(f64::NAN),
        };
        if scoring.lower_is_better() {
            -s
        } else {
            s
        }
    };
    let skill = score(&base);
    let permutation = (0..width)
        .into_par_iter()
        .map(|j| -> Result<(f64, f64)> {
            let drops: Vec<f64> = (0..repeats.max(1))
                .map(|rep| {
                    let order =
                        shuffled(n, seed ^ (j as u64 + 1).wrapping_mul(0x9E37) ^ rep as u64);
                    Ok(skill - score(&predict(Some((j, &order)))?))
                })
                .collect::<Result<_>>()?;
            let mean = drops.iter().sum::<f64>() / drops.len() as f64;
            let var = drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / drops.len() as f64;
            Ok((round6(mean), round6(var.sqrt())))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ModelEvaluation {
        inputs,
        matched_by,
        scoring,
        metrics,
        permutation,
        rows: n,
        warnings,
    })
}

/// Where the model was evaluated, for the report.
pub struct EvalSource<'a> {
    /// The evaluation rows' dataset.
    pub data: &'a Dataset,
    /// "test file", ...
    pub described: &'static str,
}

/// Read the user's model's importances into the checks: re-run dominance on them, annotate the
/// findings on features the model uses, and flag a model that leans on a near-perfect single
/// feature. Returns the report section.
pub fn apply(
    ctx: &crate::checks::Context,
    model: &dyn Scorer,
    ev: &ModelEvaluation,
    (source, inputs): (&EvalSource, &InputMap),
    findings: &mut Vec<crate::finding::Finding>,
) -> UserModelInfo {
    use crate::checks;
    use crate::finding::{pct, r4};
    use crate::importance::{Importance, PermutationInfo};

    let t = ctx.t;
    let share = |j: usize| inputs.shares[j];
    let train_of = &inputs.train_of;
    let mut run = ctx.run.clone();
    run.importance = vec![None; ctx.ds.features.len()];
    run.clusters.clear();
    for (j, f) in train_of.iter().enumerate() {
        if let Some(f) = *f {
            run.importance[f] = Some(Importance {
                permutation_mean: ev.permutation[j].0,
                permutation_std: ev.permutation[j].1,
                drop_column: ctx.run.importance[f].map_or(0.0, |i| i.drop_column),
                share: share(j),
            });
        }
    }
    let user_ctx = checks::Context { run: &run, ..*ctx };
    for mut fd in checks::dominance(&user_ctx) {
        let same = findings
            .iter_mut()
            .find(|e| e.kind == fd.kind && e.feature == fd.feature);
        match same {
            Some(e) => {
                e.severity = e.severity.max(fd.severity);
                e.set_user_model_share(fd.importance_share(), false);
            }
            None => {
                fd.mark_from_user_model();
                fd.message = format!("In your model: {}", fd.message);
                findings.push(fd);
            }
        }
    }
    let mut disagreements = Vec::new();
    // The features (and cluster members) the report concludes are leaks, and the model's share
    // on each: the model relies on a leak when those shares add up.
    let leaks = checks::conclude::flagged(findings);
    let mut leaned: Vec<(String, f64, usize)> = Vec::new();
    // When the surrogate is swamped by a column the model does not take, its shares of the
    // model's inputs say nothing; that column is reported below instead.
    let swamped = ctx.run.importance.iter().enumerate().any(|(f, i)| {
        i.is_some_and(|i| i.share >= t.dominant_share) && !train_of.contains(&Some(f))
    });
    for (j, f) in train_of.iter().enumerate() {
        let Some(f) = *f else { continue };
        let name = ctx.name(f).to_string();
        let s = share(j);
        for fd in findings
            .iter_mut()
            .filter(|fd| fd.feature.as_deref() == Some(name.as_str()))
        {
            fd.set_user_model_share(Some(r4(s)), true);
        }
        let surrogate = ctx.run.importance[f].map(|i| i.share);
        if leaks.contains(&name) {
            if s > 0.0 {
                leaned.push((name.clone(), s, f));
            }
        } else if let Some(sur) = surrogate {
            if s >= t.dominant_share && sur < t.dominant_share / 2.0 && !swamped {
                disagreements.push(format!(
                    "your model gives '{name}' {} of its importance, the surrogate {}",
                    pct(s),
                    pct(sur)
                ));
            } else if sur >= t.dominant_share && s < HARDLY_USED && !swamped {
                disagreements.push(format!(
                    "the surrogate leans on '{name}' ({}), your model hardly uses it ({})",
                    pct(sur),
                    pct(s)
                ));
            }
        }
    }
    leaned.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let leak_reliance = LeakReliance::of(leaned.iter().map(|(n, s, _)| (n.as_str(), *s)));
    let reliance = leak_reliance.share;
    let model_findings = checks::run_model(&checks::ModelContext {
        data: ctx,
        findings,
        leaned: &leaned,
        reliance,
    });
    findings.extend(model_findings);
    if reliance >= t.model_reliance_share {
        disagreements.push(format!(
            "your model leans on {} ({} together), flagged as likely leaks",
            leaned
                .iter()
                .map(|l| format!("'{}'", l.0))
                .collect::<Vec<_>>()
                .join(", "),
            pct(reliance)
        ));
    }
    // A dominant surrogate feature the model does not take at all.
    for (f, imp) in ctx.run.importance.iter().enumerate() {
        if let Some(imp) = imp {
            if imp.share >= t.dominant_share && !train_of.contains(&Some(f)) {
                disagreements.push(format!(
                    "the surrogate leans on '{}' ({}), which your model does not take as input",
                    ctx.name(f),
                    pct(imp.share)
                ));
            }
        }
    }
    let mut importance: Vec<UserFeatureImportance> = ev
        .inputs
        .iter()
        .enumerate()
        .map(|(j, &f)| {
            let train = train_of[j];
            UserFeatureImportance {
                feature: source.data.features[f].name.clone(),
                permutation_importance: PermutationInfo {
                    mean: ev.permutation[j].0,
                    std: ev.permutation[j].1,
                },
                importance_share: round6(share(j)),
                surrogate_share: train
                    .and_then(|f| ctx.run.importance[f])
                    .map(|i| round6(i.share)),
                single_feature_power: train.map_or(0.0, |f| round6(ctx.powers[f].power)),
            }
        })
        .collect();
    importance.sort_by(|a, b| {
        b.importance_share
            .total_cmp(&a.importance_share)
            .then_with(|| a.feature.cmp(&b.feature))
    });
    UserModelInfo {
        path: model.name(),
        format: model.format(),
        description: model.description(),
        sha256: model.sha256(),
        evaluated_on: source.described.to_string(),
        rows: ev.rows,
        features_matched_by: ev.matched_by.describe().to_string(),
        scoring: ev.scoring,
        metrics: ev.metrics.clone(),
        importance,
        leak_reliance: Some(leak_reliance),
        disagreements,
    }
}

/// The user's model, audited on evaluation data. Its score and permutation importances come
/// from the user's model; single-feature power and drop-column importance (and the surrogate
/// columns here) come from leakhound's surrogates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserModelInfo {
    /// The model file.
    pub path: String,
    /// Its format.
    pub format: super::ModelFormat,
    /// Objective / producer and size.
    pub description: String,
    /// SHA-256 of the model file (lowercase hex); null for a model passed as an object.
    #[serde(default)]
    pub sha256: Option<String>,
    /// "test file", "test rows (--split-col)" or "the audited file (no --test given)".
    pub evaluated_on: String,
    /// Evaluation rows used (a seeded sample above 50,000).
    pub rows: usize,
    /// How columns were matched to the model's inputs.
    pub features_matched_by: String,
    /// The score its permutation importance is the loss of (`skill`: Brier skill score or R²;
    /// reports written before 0.3 have none and read as `skill`).
    #[serde(default = "skill")]
    pub scoring: Metric,
    /// The model's headline metrics on the evaluation rows.
    pub metrics: BTreeMap<String, f64>,
    /// Per model input, most important first.
    pub importance: Vec<UserFeatureImportance>,
    /// How much of the model's importance sits on the features this audit flags as leaks
    /// (null in reports written before 0.3).
    #[serde(default)]
    pub leak_reliance: Option<LeakReliance>,
    /// Where the user's model and the surrogates see the data differently.
    pub disagreements: Vec<String>,
}

/// One input of the user's model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserFeatureImportance {
    /// Column name.
    pub feature: String,
    /// Permutation importance in the user's model (skill drop).
    pub permutation_importance: crate::importance::PermutationInfo,
    /// Share of the user's model's positive permutation importance.
    pub importance_share: f64,
    /// Share of the surrogate's importance (null when the surrogate did not model it).
    pub surrogate_share: Option<f64>,
    /// Single-feature power (surrogate lookup table).
    pub single_feature_power: f64,
}

/// The model's inputs as the audit reads them, computed once for both the refits the budget
/// skipped and [`apply`].
pub struct InputMap {
    /// Input j of the model is training feature `train_of[j]` (matched by name), when the
    /// audited data has it.
    pub train_of: Vec<Option<usize>>,
    /// The model's share of its (positive) permutation importance, per input.
    pub shares: Vec<f64>,
}

impl InputMap {
    /// Match the evaluated inputs to the training features and share out the importance.
    pub fn new(ctx: &crate::checks::Context, ev: &ModelEvaluation, source: &EvalSource) -> Self {
        let train_of = ev
            .inputs
            .iter()
            .map(|&f| {
                let name = &source.data.features[f].name;
                ctx.ds.features.iter().position(|c| &c.name == name)
            })
            .collect();
        let total: f64 = ev.permutation.iter().map(|p| p.0.max(0.0)).sum();
        let shares = ev
            .permutation
            .iter()
            .map(|p| {
                if total > 0.0 {
                    p.0.max(0.0) / total
                } else {
                    0.0
                }
            })
            .collect();
        InputMap { train_of, shares }
    }
}

/// How much of the user's model's importance sits on the features an audit flags as leaks
/// (a leak signature at `high` or above): the quantity `model_relies_on_leak` grades and
/// `compare` follows across model versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakReliance {
    /// Share of the model's positive permutation importance on flagged features.
    pub share: f64,
    /// The flagged features the model uses, with its share on each, largest first.
    pub features: Vec<FeatureShare>,
}

/// A feature and a share of importance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureShare {
    /// Column name.
    pub feature: String,
    /// Share of importance.
    pub share: f64,
}

impl LeakReliance {
    /// From the model's share on each flagged feature it uses (zero shares are left out).
    pub fn of<'a>(flagged: impl IntoIterator<Item = (&'a str, f64)>) -> LeakReliance {
        let mut features: Vec<FeatureShare> = flagged
            .into_iter()
            .filter(|(_, s)| *s > 0.0)
            .map(|(f, s)| FeatureShare {
                feature: f.to_string(),
                share: s,
            })
            .collect();
        features.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.feature.cmp(&b.feature)));
        let share = round6(features.iter().fold(0.0, |acc, f| acc + f.share));
        for f in &mut features {
            f.share = round6(f.share);
        }
        LeakReliance { share, features }
    }

    /// Recomputed from a report: its flagged features and the model's importance shares.
    pub fn from_report(
        findings: &[crate::finding::Finding],
        model: &UserModelInfo,
    ) -> LeakReliance {
        let flagged = crate::checks::conclude::flagged(findings);
        LeakReliance::of(
            model
                .importance
                .iter()
                .filter(|u| flagged.contains(&u.feature))
                .map(|u| (u.feature.as_str(), u.importance_share)),
        )
    }
}
