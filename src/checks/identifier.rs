//! `identifier_leak`: an id-like column (unique or near-unique, or named like an id) that
//! predicts the target, as when ids are assigned after sorting by outcome; and the row order
//! itself predicting the target (a file sorted by outcome: any index column then leaks it).

use super::column_names::{named_like_id, named_like_time};
use super::{noise_floor, About, Check, Context, Stage};
use crate::data::{Column, ColumnType, Values, MISSING_CODE};
use crate::finding::{r4, Finding, FindingKind, Severity};
use crate::importance::{single_feature, Power};
use crate::surrogate::binned::BinnedMatrix;
use crate::surrogate::Labels;
use serde::Serialize;

/// A text id is read as a number from its digits when there are at most this many (beyond, an
/// f64 no longer holds them exactly), and when nine levels in ten ([`NUMBERED`]) have digits.
/// How a key is read, not a detection threshold.
const MAX_ID_DIGITS: usize = 15;
const NUMBERED: (usize, usize) = (9, 10);

/// Fewer ids than this: their order has too few points for a power. A sample-size guard.
const MIN_GROUP_IDS: usize = 20;

/// An id column is unique when it has at least [`UNIQUE_MIN_ROWS`] present values and this share
/// of them distinct (a few repeats are typos or merges). It decides what kind of key a column
/// is, not how sure the finding is.
const UNIQUE_SHARE: f64 = 0.95;
const UNIQUE_MIN_ROWS: usize = 20;
/// A sequence packs its distinct integers into a range at most this many times their count
/// (ids with gaps); a unique measured quantity spreads far wider. A description of a key, not a
/// detection threshold.
const DENSE_RANGE: f64 = 2.0;
/// An id predicting the target with this power is `high` (`identifier_power` to here is
/// `medium`). Not a setting: it is the step above the setting where an id's order spells the
/// label for most rows; the setting moves the floor.
const HIGH_POWER: f64 = 0.5;
/// The file's row order predicting the target with this power is `medium` (`low` from
/// `identifier_power`): a file sorted by outcome is a preparation hazard, never more.
const ORDER_POWER: f64 = 0.9;

/// The check.
pub struct Identifier;

/// A numeric ordering key for an id column: its value, or the number embedded in string ids.
fn numeric_key(col: &Column) -> Option<Vec<f64>> {
    match &col.values {
        Values::Numeric(v) => Some(v.to_vec()),
        Values::Categorical { codes, levels } => {
            let parsed: Vec<Option<f64>> = levels
                .iter()
                .map(|l| {
                    let d: String = l.chars().filter(char::is_ascii_digit).collect();
                    (!d.is_empty() && d.len() <= MAX_ID_DIGITS)
                        .then(|| d.parse().ok())
                        .flatten()
                })
                .collect();
            let ok = parsed.iter().filter(|p| p.is_some()).count();
            if ok * NUMBERED.1 < levels.len() * NUMBERED.0 {
                return None;
            }
            Some(
                codes
                    .iter()
                    .map(|&c| {
                        if c == MISSING_CODE {
                            f64::NAN
                        } else {
                            parsed[c as usize].unwrap_or(f64::NAN)
                        }
                    })
                    .collect(),
            )
        }
    }
}

fn key_power(ctx: &Context, key: Vec<f64>) -> Power {
    order_power(&ctx.labels, ctx.folds, ctx.k, key)
}

/// Out-of-fold power of an ordering key (binned as an ordered feature) on `labels`.
fn order_power(labels: &Labels, folds: &[u8], k: usize, key: Vec<f64>) -> Power {
    let col = Column {
        name: String::new(),
        ty: ColumnType::Numeric,
        values: Values::Numeric(key.into()),
        missing: 0,
        bool_tokens: None,
    };
    let m = BinnedMatrix::from_columns(&[col]);
    let ranks = match labels {
        Labels::Values(y) => Some(single_feature::ranks(y)),
        Labels::Classes { .. } => None,
    };
    single_feature::power_with_ranks(
        &m.cols[0],
        m.n_bins[0],
        true,
        labels,
        ranks.as_deref(),
        folds,
        k,
    )
}

/// Rows per id at least, on average, for an id to be a group rather than a row key.
/// What kind of key a column is, not a detection threshold.
const GROUP_ROWS: f64 = 1.5;

/// For a key repeated across rows (a person in a panel), whether its power comes from group
/// structure: every id's rows share one target value (class, or a value within 1% of the
/// target's spread), and over one row per id the key's order predicts nothing. Then the id
/// is a group to split by, not an id assigned in outcome order. Returns the power over ids.
fn group_structure(ctx: &Context, key: &[f64]) -> Option<f64> {
    let mut by_id: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
    for (r, &v) in key.iter().enumerate() {
        if !v.is_nan() {
            by_id.entry(v.to_bits()).or_default().push(r);
        }
    }
    let ids = by_id.len();
    let present: usize = by_id.values().map(Vec::len).sum();
    if ids < MIN_GROUP_IDS || (present as f64) < GROUP_ROWS * ids as f64 {
        return None;
    }
    // One row per id: its first row's target; constant within ids, or not a group.
    let (firsts, keys): (Vec<usize>, Vec<f64>) = by_id
        .iter()
        .map(|(&bits, rows)| (rows[0], f64::from_bits(bits)))
        .unzip();
    let constant = match ctx.labels {
        Labels::Classes { y, .. } => by_id
            .values()
            .all(|rows| rows.iter().all(|&r| y[r] == y[rows[0]])),
        Labels::Values(y) => {
            let (lo, hi) = y
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            let tol = 0.01 * (hi - lo);
            by_id
                .values()
                .all(|rows| rows.iter().all(|&r| (y[r] - y[rows[0]]).abs() <= tol))
        }
    };
    if !constant {
        return None;
    }
    // Folds over ids, as the audit's folds are over rows: the id's own hash.
    let folds: Vec<u8> = keys
        .iter()
        .map(|v| (crate::data::sample::splitmix64(v.to_bits()) % ctx.k as u64) as u8)
        .collect();
    let labels = ctx.labels.take(&firsts);
    Some(order_power(&labels.labels(), &folds, ctx.k, keys).power)
}

impl Check for Identifier {
    fn about(&self) -> About {
        About {
            name: "identifier leak",
            stage: Stage::Data,
            kinds: &[FindingKind::IdentifierLeak],
            thresholds: &["identifier_power"],
            corroborates: &[FindingKind::IdentifierLeak],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let n = ctx.rows();
        let floor = noise_floor(n);
        let min_power = ctx.t.identifier_power.max(floor);
        let mut out = Vec::new();
        let given: Vec<&Column> = ctx.ds.ids.iter().collect();
        let candidates = ctx.ds.features.iter().chain(given.iter().copied());
        for col in candidates {
            let present = n - col.missing;
            let integral = matches!(&col.values, Values::Numeric(v) if v.iter().all(|x| x.is_nan() || x.fract() == 0.0));
            let explicit = ctx.ds.ids.iter().any(|c| c.name == col.name);
            // Counting distinct values sorts the column: only for columns that can be id-like
            // (a measurement with fractions and an ordinary name cannot).
            let may_be_id = explicit
                || col.ty == ColumnType::Identifier
                || named_like_id(&col.name)
                || (integral && col.ty == ColumnType::Numeric && !named_like_time(&col.name));
            if !may_be_id {
                continue;
            }
            let distinct = col.distinct();
            let unique =
                present >= UNIQUE_MIN_ROWS && distinct as f64 >= UNIQUE_SHARE * present as f64;
            // A sequence: unique integers packed into a range not much wider than their count
            // (ids, row numbers). A unique measured quantity (a credit limit) is not one.
            let dense = match &col.values {
                Values::Numeric(v) => {
                    let (lo, hi) = v
                        .iter()
                        .filter(|x| !x.is_nan())
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
                            (l.min(x), h.max(x))
                        });
                    hi - lo + 1.0 <= DENSE_RANGE * distinct as f64
                }
                Values::Categorical { .. } => false,
            };
            let id_like = explicit
                || col.ty == ColumnType::Identifier
                || (named_like_id(&col.name)
                    && (unique || col.ty != ColumnType::Numeric || integral))
                || (unique && integral && dense && col.ty == ColumnType::Numeric);
            if !id_like {
                continue;
            }
            let Some(key) = numeric_key(col) else {
                continue;
            };
            let over_ids = if unique {
                None
            } else {
                group_structure(ctx, &key)
            };
            let p = key_power(ctx, key);
            if p.power < min_power {
                continue;
            }
            // A group whose order over ids says nothing: a split question, not a leak.
            let group = over_ids.filter(|&g| g < min_power);
            let severity = if group.is_some() {
                Severity::Medium
            } else if p.power >= HIGH_POWER {
                Severity::High
            } else {
                Severity::Medium
            };
            let why = if unique {
                "unique per row"
            } else {
                "named like an identifier"
            };
            let message = match group {
                Some(g) => format!(
                    "'{}' identifies groups of rows (several rows each) whose '{}' never changes within a group, so it predicts the target across rows (power {:.2}); over one row per id its order predicts nothing (power {g:.2}), so the ids were not assigned in outcome order. Validate with a split by group on it, so that one group is never on both sides.",
                    col.name, ctx.ds.target_name, p.power
                ),
                None => format!(
                    "'{}' looks like an identifier ({why}) yet its order predicts '{}' (power {:.2}); ids assigned after sorting by outcome, or per outcome batch, leak the label.",
                    col.name, ctx.ds.target_name, p.power
                ),
            };
            out.push(Finding::new(
                Some(&col.name),
                FindingKind::IdentifierLeak,
                severity,
                message,
                Evidence {
                    group_structure: group.is_some(),
                    power_over_ids: over_ids.map(r4),
                    distinct_fraction: r4(distinct as f64 / present.max(1) as f64),
                    named_like_id: named_like_id(&col.name),
                    power: r4(p.power),
                    metric: p.metric,
                    metric_value: r4(p.value),
                    noise_floor: r4(floor),
                },
            ));
        }
        // Row order as a pseudo-feature.
        let order = key_power(ctx, (0..n).map(|i| i as f64).collect());
        let sorted_by_time = ctx.ds.time.is_some();
        // A file sorted by outcome is a data-preparation hazard, not a leak in a feature (an
        // index column derived from it is caught above), so it is never graded above medium.
        let severity = if order.power >= ORDER_POWER {
            Some(Severity::Medium)
        } else if order.power >= ctx.t.identifier_power.max(floor) && !sorted_by_time {
            Some(Severity::Low)
        } else {
            None
        };
        if let Some(severity) = severity {
            out.push(Finding::new(
                None,
                FindingKind::IdentifierLeak,
                severity,
                format!(
                    "The row order of the file predicts '{}' (power {:.2}): the data is sorted by or grouped by outcome, so any index or id assigned in file order leaks it, and unshuffled splits are biased.",
                    ctx.ds.target_name, order.power
                ),
                RowOrderEvidence {
                    feature: "(row order)",
                    power: r4(order.power),
                    metric: order.metric,
                    metric_value: r4(order.value),
                },
            ));
        }
        out
    }
}

/// The evidence of `identifier_leak` on a column.
#[derive(Serialize)]
struct Evidence {
    /// Whether the ids repeat in groups (an entity key rather than a row number).
    group_structure: bool,
    /// The power of the ids' order when each id is one value (groups collapsed).
    power_over_ids: Option<f64>,
    distinct_fraction: f64,
    named_like_id: bool,
    power: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
    /// The power chance reaches at this many rows.
    noise_floor: f64,
}

/// The evidence of `identifier_leak` on the row order.
#[derive(Serialize)]
struct RowOrderEvidence {
    feature: &'static str,
    power: f64,
    metric: crate::metric::Metric,
    metric_value: f64,
}
