//! `missingness_leak`: whether a value is missing predicts the target (a field filled in only
//! after the outcome). Reported even when the present values carry no signal; PPS-style tools
//! drop missing rows and cannot see it.

use super::{noise_floor, About, Check, Context, Stage};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::metrics::roc_auc;
use crate::importance::Power;
use crate::surrogate::binned::MISSING_BIN;
use crate::surrogate::Labels;
use serde::Serialize;

/// A missingness indicator with this power is `high` (`missingness_power` is `medium`, half of
/// it `low`). Not a setting: the step above the setting at which "missing" spells the class for
/// most rows; the setting moves the floor.
const HIGH_POWER: f64 = 0.5;
/// Missing (and present) in this many rows at least: fewer give the indicator no power to speak
/// of. A sample-size guard.
const MIN_ROWS: usize = 5;

/// How well "is missing" separates the target: |2·AUC − 1| of the indicator against the best
/// single class (one-vs-rest), or against the target's ranks for regression. One parameter, so
/// no folds are needed; the noise floor guards small samples.
pub fn indicator_power(missing: &[bool], labels: &Labels) -> Power {
    let score: Vec<f64> = missing.iter().map(|&m| f64::from(u8::from(m))).collect();
    match labels {
        Labels::Values(y) => {
            let auc = roc_auc(y, missing);
            Power {
                power: (2.0 * auc - 1.0).abs(),
                metric: crate::metric::Metric::RocAuc,
                value: auc,
            }
        }
        Labels::Classes { y, k } => {
            let mut best = Power {
                power: 0.0,
                metric: crate::metric::Metric::RocAuc,
                value: 0.5,
            };
            for c in 0..*k as u32 {
                let pos: Vec<bool> = y.iter().map(|&t| t == c).collect();
                let auc = roc_auc(&score, &pos);
                let power = (2.0 * auc - 1.0).abs();
                if power > best.power {
                    best = Power {
                        power,
                        metric: crate::metric::Metric::RocAuc,
                        value: auc,
                    };
                }
                if *k == 2 {
                    break;
                }
            }
            best
        }
    }
}

/// The check.
pub struct Missingness;

impl Check for Missingness {
    fn about(&self) -> About {
        About {
            name: "missingness leak",
            stage: Stage::Data,
            kinds: &[FindingKind::MissingnessLeak],
            thresholds: &["missingness_power"],
            corroborates: &[FindingKind::MissingnessLeak],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let n = ctx.rows();
        for (f, col) in ctx.ds.features.iter().enumerate() {
            let missing = col.missing;
            if missing < MIN_ROWS || missing + MIN_ROWS > n {
                continue;
            }
            let missing_mask: Vec<bool> = ctx.x.cols[f].iter().map(|&b| b == MISSING_BIN).collect();
            let p = indicator_power(&missing_mask, &ctx.labels);
            let floor = noise_floor(2 * missing.min(n - missing));
            let t = ctx.t.missingness_power;
            let severity = if p.power >= HIGH_POWER && p.power > floor {
                Severity::High
            } else if p.power >= t && p.power > floor {
                Severity::Medium
            } else if p.power >= t / 2.0 && p.power > floor {
                Severity::Low
            } else {
                continue;
            };
            let name = ctx.name(f);
            let mut evidence = Evidence {
                missing_fraction: r4(missing as f64 / n as f64),
                indicator_power: r4(p.power),
                metric: p.metric,
                metric_value: r4(p.value),
                values_power: r4(ctx.powers[f].power),
                missing_rate_by_class: None,
                target_mean_missing: None,
                target_mean_present: None,
            };
            let detail = match ctx.labels {
                Labels::Classes { y, k } => {
                    let mut miss = vec![0.0f64; k];
                    let mut tot = vec![0.0f64; k];
                    for (r, &b) in ctx.x.cols[f].iter().enumerate() {
                        tot[y[r] as usize] += 1.0;
                        if b == 0 {
                            miss[y[r] as usize] += 1.0;
                        }
                    }
                    let rates: Vec<f64> = (0..k).map(|c| r4(miss[c] / tot[c].max(1.0))).collect();
                    let classes = match &ctx.ds.target {
                        crate::data::Target::Classes { classes, .. } => classes.clone(),
                        crate::data::Target::Values(_) => Vec::new(),
                    };
                    let text: Vec<String> = classes
                        .iter()
                        .zip(&rates)
                        .map(|(c, r)| format!("{} when '{c}'", pct(*r)))
                        .collect();
                    evidence.missing_rate_by_class =
                        Some(classes.iter().cloned().zip(rates).collect());
                    format!("it is missing in {}", text.join(", "))
                }
                Labels::Values(y) => {
                    let (mut sm, mut nm, mut sp, mut np) = (0.0, 0.0, 0.0, 0.0);
                    for (r, &b) in ctx.x.cols[f].iter().enumerate() {
                        if b == 0 {
                            sm += y[r];
                            nm += 1.0;
                        } else {
                            sp += y[r];
                            np += 1.0;
                        }
                    }
                    evidence.target_mean_missing = Some(r4(sm / nm));
                    evidence.target_mean_present = Some(r4(sp / np));
                    format!(
                        "the mean target is {:.3} when missing and {:.3} when present",
                        sm / nm,
                        sp / np
                    )
                }
            };
            out.push(Finding::new(
                Some(name),
                FindingKind::MissingnessLeak,
                severity,
                format!(
                    "Whether '{name}' is missing predicts '{}' (indicator power {:.2}): {detail}; a field filled only after the outcome looks like this.",
                    ctx.ds.target_name, p.power
                ),
                evidence,
            ));
        }
        out
    }
}

/// The evidence of `missingness_leak`.
#[derive(Serialize)]
struct Evidence {
    missing_fraction: f64,
    /// The power of "is missing" alone.
    indicator_power: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
    /// The power of the feature's values.
    values_power: f64,
    /// Classes: the share of each class's rows where it is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    missing_rate_by_class: Option<std::collections::BTreeMap<String, f64>>,
    /// Regression: the mean target where it is missing and where present.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_mean_missing: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_mean_present: Option<f64>,
}
