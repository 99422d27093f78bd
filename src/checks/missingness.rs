//! `missingness_leak`: whether a value is missing predicts the target (a field filled in only
//! after the outcome). Reported even when the present values carry no signal; PPS-style tools
//! drop missing rows and cannot see it.

use super::{noise_floor, About, Check, Context, Stage};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::counts::MissingCounts;
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
        for f in 0..ctx.ds.features.len() {
            let Some(s) = statistics(ctx, f) else {
                continue;
            };
            let (n, missing, p) = (s.rows as usize, s.missing as usize, s.power);
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
            let detail = match (&ctx.ds.target, s.means) {
                (crate::data::Target::Classes { classes, .. }, _) => {
                    let rates: Vec<f64> = s.rate_by_class.iter().map(|&r| r4(r)).collect();
                    let text: Vec<String> = classes
                        .iter()
                        .zip(&rates)
                        .map(|(c, r)| format!("{} when '{c}'", pct(*r)))
                        .collect();
                    evidence.missing_rate_by_class =
                        Some(classes.iter().cloned().zip(rates).collect());
                    format!("it is missing in {}", text.join(", "))
                }
                (crate::data::Target::Values(_), Some((when_missing, when_present))) => {
                    evidence.target_mean_missing = Some(r4(when_missing));
                    evidence.target_mean_present = Some(r4(when_present));
                    format!(
                        "the mean target is {when_missing:.3} when missing and {when_present:.3} when present"
                    )
                }
                (crate::data::Target::Values(_), None) => continue,
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

/// The statistics of feature `f`'s missingness: over every row when an engine counted them,
/// else over the rows audited. `None` when it is missing (or present) in too few rows.
fn statistics(ctx: &Context, f: usize) -> Option<MissingCounts> {
    let s = match ctx.counts {
        Some(counts) => counts.missingness(f),
        None => rows_statistics(ctx, f),
    };
    let (n, missing) = (s.rows as usize, s.missing as usize);
    (missing >= MIN_ROWS && missing + MIN_ROWS <= n).then_some(s)
}

/// [`statistics`] over the rows audited.
fn rows_statistics(ctx: &Context, f: usize) -> MissingCounts {
    let n = ctx.rows();
    let missing = ctx.ds.features[f].missing;
    let bins = &ctx.x.cols[f];
    let mut s = MissingCounts {
        rows: n as u64,
        missing: missing as u64,
        power: Power {
            power: 0.0,
            metric: crate::metric::Metric::RocAuc,
            value: 0.5,
        },
        rate_by_class: Vec::new(),
        means: None,
    };
    if missing < MIN_ROWS || missing + MIN_ROWS > n {
        return s;
    }
    let mask: Vec<bool> = bins.iter().map(|&b| b == MISSING_BIN).collect();
    s.power = indicator_power(&mask, &ctx.labels);
    match ctx.labels {
        Labels::Classes { y, k } => {
            let mut miss = vec![0.0f64; k];
            let mut tot = vec![0.0f64; k];
            for (r, &b) in bins.iter().enumerate() {
                tot[y[r] as usize] += 1.0;
                if b == MISSING_BIN {
                    miss[y[r] as usize] += 1.0;
                }
            }
            s.rate_by_class = (0..k).map(|c| miss[c] / tot[c].max(1.0)).collect();
        }
        Labels::Values(y) => {
            let (mut sm, mut nm, mut sp, mut np) = (0.0, 0.0, 0.0, 0.0);
            for (r, &b) in bins.iter().enumerate() {
                if b == MISSING_BIN {
                    sm += y[r];
                    nm += 1.0;
                } else {
                    sp += y[r];
                    np += 1.0;
                }
            }
            s.means = Some((sm / nm, sp / np));
        }
    }
    s
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Target};
    use crate::importance::counts::tests::{roles, table};
    use crate::importance::counts::{CountPlan, FeatureCounts};
    use crate::surrogate::BinnedMatrix;

    /// The statistics an engine counts give the indicator power of the rows.
    #[test]
    fn missingness_from_counts_matches_the_rows() {
        let t = table(2_000, true);
        let ds = Dataset::from_frame(t.into_frame(), &roles()).unwrap();
        let x = BinnedMatrix::from_columns(&ds.features);
        let counts = FeatureCounts::of_binned(CountPlan::new(&ds, &x, 1, 5), &ds, &x);
        let f = ds.features.iter().position(|c| c.name == "gappy").unwrap();
        let m = counts.missingness(f);
        assert_eq!(m.missing as usize, ds.features[f].missing);
        let Target::Classes { y, classes } = &ds.target else {
            unreachable!()
        };
        let mask: Vec<bool> = x.cols[f].iter().map(|&b| b == MISSING_BIN).collect();
        let by_row = indicator_power(
            &mask,
            &Labels::Classes {
                y,
                k: classes.len(),
            },
        );
        assert!(
            (by_row.power - m.power.power).abs() < 1e-12,
            "{by_row:?} {m:?}"
        );
    }
}
