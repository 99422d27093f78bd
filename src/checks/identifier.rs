//! `identifier_leak`: an id-like column (unique or near-unique, or named like an id) that
//! predicts the target, as when ids are assigned after sorting by outcome; and the row order
//! itself predicting the target (a file sorted by outcome: any index column then leaks it).

use serde_json::json;

use super::{noise_floor, Check, Context};
use crate::data::{Column, ColumnType, Values, MISSING_CODE};
use crate::finding::{r4, Finding, FindingKind, Severity};
use crate::importance::{single_feature, Power};
use crate::surrogate::binned::BinnedMatrix;

/// The check.
pub struct Identifier;

/// Whether a column name reads like an identifier (`id`, `customer_id`, `CustomerID`, `row_index`).
pub fn named_like_id(name: &str) -> bool {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary =
            !c.is_alphanumeric() || (c.is_uppercase() && i > 0 && chars[i - 1].is_lowercase());
        if boundary && !cur.is_empty() {
            tokens.push(cur.to_lowercase());
            cur.clear();
        }
        if c.is_alphanumeric() {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        tokens.push(cur.to_lowercase());
    }
    let last = tokens.last().map(String::as_str).unwrap_or("");
    matches!(
        last,
        "id" | "uuid" | "guid" | "idx" | "index" | "key" | "rowid" | "rownum"
    ) || name.eq_ignore_ascii_case("unnamed: 0")
        || tokens.len() == 1 && matches!(last, "no" | "row")
}

/// A numeric ordering key for an id column: its value, or the number embedded in string ids.
fn numeric_key(col: &Column) -> Option<Vec<f64>> {
    match &col.values {
        Values::Numeric(v) => Some(v.to_vec()),
        Values::Categorical { codes, levels } => {
            let parsed: Vec<Option<f64>> = levels
                .iter()
                .map(|l| {
                    let d: String = l.chars().filter(char::is_ascii_digit).collect();
                    (!d.is_empty() && d.len() <= 15)
                        .then(|| d.parse().ok())
                        .flatten()
                })
                .collect();
            let ok = parsed.iter().filter(|p| p.is_some()).count();
            if ok * 10 < levels.len() * 9 {
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
    let col = Column {
        name: String::new(),
        ty: ColumnType::Numeric,
        values: Values::Numeric(key.into()),
        missing: 0,
        bool_tokens: None,
    };
    let m = BinnedMatrix::from_columns(&[col]);
    let ranks = match ctx.labels {
        crate::surrogate::Labels::Values(y) => Some(single_feature::ranks(y)),
        crate::surrogate::Labels::Classes { .. } => None,
    };
    single_feature::power_with_ranks(
        &m.cols[0],
        m.n_bins[0],
        true,
        &ctx.labels,
        ranks.as_deref(),
        ctx.folds,
        ctx.k,
    )
}

impl Check for Identifier {
    fn run(&self, ctx: &Context) -> Vec<Finding> {
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
                || (integral && col.ty == ColumnType::Numeric);
            if !may_be_id {
                continue;
            }
            let distinct = col.distinct();
            let unique = present >= 20 && distinct as f64 >= 0.95 * present as f64;
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
                    hi - lo + 1.0 <= 2.0 * distinct as f64
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
            let p = key_power(ctx, key);
            if p.power < min_power {
                continue;
            }
            let severity = if p.power >= 0.5 {
                Severity::High
            } else {
                Severity::Medium
            };
            let why = if unique {
                "unique per row"
            } else {
                "named like an identifier"
            };
            out.push(Finding::new(
                Some(&col.name),
                FindingKind::IdentifierLeak,
                severity,
                format!(
                    "'{}' looks like an identifier ({why}) yet its order predicts '{}' (power {:.2}); ids assigned after sorting by outcome, or per outcome batch, leak the label.",
                    col.name, ctx.ds.target_name, p.power
                ),
                json!({
                    "distinct_fraction": r4(distinct as f64 / present.max(1) as f64),
                    "named_like_id": named_like_id(&col.name),
                    "power": r4(p.power),
                    "metric": p.metric,
                    "metric_value": r4(p.value),
                    "noise_floor": r4(floor),
                }),
            ));
        }
        // Row order as a pseudo-feature.
        let order = key_power(ctx, (0..n).map(|i| i as f64).collect());
        let sorted_by_time = ctx.ds.time.is_some();
        // A file sorted by outcome is a data-preparation hazard, not a leak in a feature (an
        // index column derived from it is caught above), so it is never graded above medium.
        let severity = if order.power >= 0.9 {
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
                json!({ "feature": "(row order)", "power": r4(order.power), "metric": order.metric, "metric_value": r4(order.value) }),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::named_like_id;

    #[test]
    fn id_names() {
        for n in [
            "id",
            "customer_id",
            "CustomerID",
            "row_index",
            "Unnamed: 0",
            "applicationId",
        ] {
            assert!(named_like_id(n), "{n}");
        }
        for n in ["idle_time", "width", "paid", "number_of_children", "valid"] {
            assert!(!named_like_id(n), "{n}");
        }
    }
}
