//! `censoring_time`: a follow-up length beside an event-status target. In survival and churn
//! data each row is observed until the event happens or the observation stops (censoring), so
//! the follow-up length is written together with the status: short when the event came early,
//! long when it never came. It cannot exist at prediction time for the event it follows, however
//! loosely it predicts it (a time to death or last contact beside `status`, the call `duration`
//! beside a campaign's outcome).
//!
//! Names say which column is a follow-up length and which target an event status; the values
//! must agree: the column predicts the target beyond chance (power `identifier_power` or the
//! noise floor), and the rows with the event were followed for less time than the others, as
//! censoring makes them. A duration that does not separate the statuses this way is left to the
//! other checks.

use super::{column_names, describe_power, noise_floor, About, Check, Context, Stage};
use crate::data::{ColumnType, Target, Values};
use crate::finding::{r4, Finding, FindingKind, Severity};
use serde::Serialize;

/// The event class's median follow-up at most this share of the longest class's: censoring cuts
/// the event rows short by far more than this. Not a setting: it only spares columns whose
/// classes barely differ; the duration name and the power decide.
const SHORT_MEDIAN_RATIO: f64 = 0.75;

/// The check.
pub struct Censoring;

impl Check for Censoring {
    fn about(&self) -> About {
        About {
            name: "censoring time",
            stage: Stage::Data,
            kinds: &[FindingKind::CensoringTime],
            thresholds: &["identifier_power", "segment_min_rows"],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let Target::Classes { y, classes } = &ctx.ds.target else {
            return Vec::new();
        };
        if !column_names::named_like_event(&ctx.ds.target_name) {
            return Vec::new();
        }
        let floor = ctx.t.identifier_power.max(noise_floor(ctx.rows()));
        let mut out = Vec::new();
        for (f, col) in ctx.ds.features.iter().enumerate() {
            let Values::Numeric(v) = &col.values else {
                continue;
            };
            if col.ty != ColumnType::Numeric || !column_names::named_like_duration(&col.name) {
                continue;
            }
            let p = &ctx.powers[f];
            if p.power < floor {
                continue;
            }
            // Median follow-up per class: the shortest and the longest must differ clearly.
            let mut per: Vec<Vec<f64>> = vec![Vec::new(); classes.len()];
            for (r, &c) in y.iter().enumerate() {
                let x = v.get(r);
                if !x.is_nan() {
                    per[c as usize].push(x);
                }
            }
            let medians: Vec<Option<f64>> = per
                .iter_mut()
                .map(|xs| {
                    (xs.len() >= ctx.t.segment_min_rows).then(|| {
                        xs.sort_by(f64::total_cmp);
                        xs[xs.len() / 2]
                    })
                })
                .collect();
            let known: Vec<(usize, f64)> = medians
                .iter()
                .enumerate()
                .filter_map(|(c, m)| m.map(|m| (c, m)))
                .collect();
            let (Some(&(short, lo)), Some(&(long, hi))) = (
                known.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
                known.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
            ) else {
                continue;
            };
            // Censoring cuts the event rows short: their median well below the others'.
            if short == long || hi <= 0.0 || lo > SHORT_MEDIAN_RATIO * hi {
                continue;
            }
            let name = ctx.name(f);
            out.push(Finding::new(
                Some(name),
                FindingKind::CensoringTime,
                Severity::High,
                format!(
                    "'{name}' is a follow-up length beside the event status '{}': rows that are '{}' were followed for a median of {} against {} for '{}', and it predicts the status ({}). A follow-up ends with the event or at censoring, so it is known only once the outcome is: it cannot be an input for predicting it.",
                    ctx.ds.target_name,
                    classes[short],
                    crate::surrogate::binned::fmt_num(lo),
                    crate::surrogate::binned::fmt_num(hi),
                    classes[long],
                    describe_power(p)
                ),
                Evidence {
                    median_follow_up_by_class: known
                        .iter()
                        .map(|&(c, m)| (classes[c].clone(), m))
                        .collect(),
                    single_feature_power: r4(p.power),
                    metric: p.metric,
                    metric_value: r4(p.value),
                },
            ));
        }
        out
    }
}

/// The evidence of `censoring_time`.
#[derive(Serialize)]
struct Evidence {
    /// The follow-up's median per class of the event status.
    median_follow_up_by_class: std::collections::BTreeMap<String, f64>,
    single_feature_power: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
}
