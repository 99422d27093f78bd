//! `temporal_leak` (without `--time-col`): a column that is the target of another row, a few
//! rows away, in a file ordered by time: `next_value[t] == y[t + 1]`. In a time series a copy of
//! the target from *later* rows is its future (a lead), which the model will not have; a copy
//! from earlier rows is a lag, legitimate when that value is known at prediction time. The
//! direction of time comes from a column named like a date or period that rises (or falls)
//! along the rows; without one, the shift is reported for review.

use super::{column_names, About, Check, Context, Stage};
use crate::data::{ColumnType, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::surrogate::Labels;
use serde::Serialize;

/// A time-like column orders the rows only with this many values: two points always rise or
/// fall. A sample-size guard.
const DIRECTION_MIN_VALUES: usize = 3;

/// A numeric column of this many bins or fewer (the missing bin included) is a flag or a grade,
/// no series to shift. The shape of a column, not a detection threshold.
const MAX_CODE_BINS: usize = 3;
/// Rows needed, in multiples of `segment_min_rows`: shifts lose rows at the ends, and a copy
/// must hold on many. A multiple keeps it in proportion to the setting.
const MIN_ROWS_FACTOR: usize = 4;

/// The check.
pub struct ShiftedTarget;

/// Rows a copy may be shifted by, at most.
/// The size of the search, not a threshold.
const MAX_SHIFT: usize = 3;
/// Share of the comparable rows on which the column must equal the shifted target.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const COPY_SHARE: f64 = 0.95;
/// Share of consecutive rows a time column must not go back on to give the file's direction.
/// Whether the rows run along time: a property of the file, not a detection threshold.
const ORDERED: f64 = 0.99;

/// +1 when some time-like column rises along the rows, -1 when it falls, 0 when none orders
/// them.
fn time_direction(ctx: &Context) -> f64 {
    let ordered = |v: &crate::data::Numbers| -> f64 {
        let x: Vec<f64> = v.iter().filter(|x| !x.is_nan()).collect();
        if x.len() < DIRECTION_MIN_VALUES || x.first() == x.last() {
            return 0.0;
        }
        let steps = x.len() - 1;
        let up = x.windows(2).filter(|w| w[1] >= w[0]).count();
        let down = x.windows(2).filter(|w| w[1] <= w[0]).count();
        if up as f64 >= ORDERED * steps as f64 {
            1.0
        } else if down as f64 >= ORDERED * steps as f64 {
            -1.0
        } else {
            0.0
        }
    };
    let given = ctx.ds.time.iter();
    let named = ctx
        .ds
        .features
        .iter()
        .filter(|c| column_names::named_like_time(&c.name));
    for c in given.chain(named) {
        if let Values::Numeric(v) = &c.values {
            let d = ordered(v);
            if d != 0.0 {
                return d;
            }
        }
    }
    0.0
}

impl Check for ShiftedTarget {
    fn about(&self) -> About {
        About {
            name: "shifted target",
            stage: Stage::Data,
            kinds: &[FindingKind::TemporalLeak],
            thresholds: &["segment_min_rows"],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let Labels::Values(y) = ctx.labels else {
            return Vec::new();
        };
        let n = y.len();
        if n < MIN_ROWS_FACTOR * ctx.t.segment_min_rows {
            return Vec::new();
        }
        let mut direction = None;
        let mut out = Vec::new();
        for (f, col) in ctx.ds.features.iter().enumerate() {
            let Values::Numeric(v) = &col.values else {
                continue;
            };
            if col.ty != ColumnType::Numeric || ctx.x.n_bins[f] <= MAX_CODE_BINS {
                continue;
            }
            // The shift (rows later when positive) at which the column copies the target.
            let found = (1..=MAX_SHIFT as isize)
                .flat_map(|k| [k, -k])
                .find_map(|k| {
                    let (mut same, mut compared) = (0usize, 0usize);
                    for r in 0..n {
                        let s = r as isize + k;
                        if s < 0 || s >= n as isize {
                            continue;
                        }
                        let (x, t) = (v.get(r), y[s as usize]);
                        if x.is_nan() || t.is_nan() {
                            continue;
                        }
                        compared += 1;
                        same += usize::from((x - t).abs() <= 1e-9 * t.abs().max(1.0));
                    }
                    (compared >= 2 * ctx.t.segment_min_rows
                        && same as f64 >= COPY_SHARE * compared as f64)
                        .then_some((k, same as f64 / compared as f64))
                });
            let Some((k, share)) = found else {
                continue;
            };
            let d = *direction.get_or_insert_with(|| time_direction(ctx));
            let later = d * k as f64;
            // A lag in time order is a legitimate input when the value is known in time.
            if later < 0.0 {
                continue;
            }
            let name = ctx.name(f);
            let rows = k.unsigned_abs();
            let (severity, reading) = if later > 0.0 {
                (
                    Severity::High,
                    format!(
                        "the rows are in time order, so it is the target's value {rows} period(s) ahead: its future, which a model predicting it will not have"
                    ),
                )
            } else {
                (
                    Severity::Medium,
                    "no column tells the direction of time: if the rows run forward it is the target's future, if backward a lag".to_string(),
                )
            };
            out.push(Finding::new(
                Some(name),
                FindingKind::TemporalLeak,
                severity,
                format!(
                    "'{name}' equals '{}' of the row {rows} {} on {} of rows; {reading}.",
                    ctx.ds.target_name,
                    if k > 0 { "below" } else { "above" },
                    pct(share)
                ),
                Evidence {
                    shift_rows: k,
                    copy_share: r4(share),
                    time_direction: d,
                },
            ));
        }
        out
    }
}

/// The evidence of a shifted-target `temporal_leak`.
#[derive(Serialize)]
struct Evidence {
    /// By how many rows the feature runs ahead of the target.
    shift_rows: isize,
    /// Share of rows where it equals the target that many rows later.
    copy_share: f64,
    /// Whether the rows run forward (1) or backward (-1) in time.
    time_direction: f64,
}
