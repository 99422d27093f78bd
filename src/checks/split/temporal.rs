//! `temporal_leak` (`--time-col`): test rows dated before the end of training; the score gap
//! between random K-fold and forward-chaining (time-ordered) validation; and, per feature,
//! whether it is built from the target's *future*. The validation gap barely moves for a
//! next-period value (it is about as predictive as a legitimate lag), so the per-feature test
//! looks at the direction of time instead: regress the feature on the target's values around
//! its own time (t-3 .. t+2); a lag or trailing window is explained by present and past values,
//! a next-period value or a centred moving average needs the future ones.

use serde::Serialize;
use std::collections::HashSet;

use super::{validate, SplitContext};
use crate::checks::{About, Check, Stage};
use crate::data::{Dataset, Target, Values};
use crate::error::Result;
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::split::exact::TimeOrder;
use crate::split::{SplitInfo, SplitMode};

/// A feature is tested for the target's future with this many complete windows at least: the
/// regression on t-3..t+2 needs them. A sample-size guard.
const MIN_WINDOWS: usize = 50;

/// Forward chaining scores a block only with this many rows: fewer give no score. A
/// sample-size guard.
const MIN_BLOCK_ROWS: usize = 10;

/// Test rows dated before the training rows end are `high` from this share of the test rows
/// (`medium` below): a split by time that lets one row in twenty see its future is not one. Not
/// a setting: the count and the share are in the evidence.
const HIGH_BEFORE_SHARE: f64 = 0.05;
/// Shifts mean "next period" only when timestamps (per group) are this distinct: a structural
/// condition of the shift test, not a detection threshold.
const DISTINCT_TIMES: f64 = 0.9;
/// A feature whose correlation with the target t+1 or t+2 periods ahead reaches this is a copy
/// of the future, decided without the regression (`temporal_derived_r2` grades the rest). A
/// copy's correlation is 1 up to rounding; this only allows the rounding.
const FUTURE_COPY_CORR: f64 = 0.995;

/// The order of the two periods over two loaded sides: test rows before the latest training
/// row, test rows sharing a training timestamp.
pub(crate) fn order_statistics(train: &Dataset, test: &Dataset) -> TimeOrder {
    let time_of = |ds: &Dataset| -> Vec<f64> {
        match ds.time.as_ref().map(|c| &c.values) {
            Some(Values::Numeric(v)) => v.to_vec(),
            _ => Vec::new(),
        }
    };
    let (tr, te) = (time_of(train), time_of(test));
    let last_train = tr
        .iter()
        .copied()
        .filter(|t| !t.is_nan())
        .fold(f64::NEG_INFINITY, f64::max);
    // A missing time is no timestamp: two missing times are not shared.
    let train_set: HashSet<u64> = tr
        .iter()
        .filter(|t| !t.is_nan())
        .map(|t| t.to_bits())
        .collect();
    TimeOrder {
        test_rows_before_train_end: te.iter().filter(|&&t| t < last_train).count(),
        shared_timestamps: te
            .iter()
            .filter(|t| train_set.contains(&t.to_bits()))
            .count(),
        last_train_time: last_train.is_finite().then_some(last_train),
    }
}

/// Future information: test rows before training rows, features from the future, and the
/// validation gap of a time-ordered split.
pub struct Temporal;

impl Check for Temporal {
    fn about(&self) -> About {
        About {
            name: "temporal leakage",
            stage: Stage::Split,
            kinds: &[FindingKind::TemporalLeak],
            thresholds: &["time_gap", "temporal_future_share", "temporal_derived_r2"],
            corroborates: &[],
        }
    }

    fn split(&self, ctx: &SplitContext, info: &mut SplitInfo) -> Result<Vec<Finding>> {
        check(ctx, info)
    }
}

/// Run the check.
fn check(ctx: &SplitContext, info: &mut SplitInfo) -> Result<Vec<Finding>> {
    let Some(time_all) = &ctx.data.time else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let name = time_all.name.clone();

    // 1. Test rows dated before the latest training row.
    if ctx.mode != SplitMode::Own {
        let counted;
        let order = match ctx.exact.and_then(|e| e.time_order.as_ref()) {
            Some(o) => o,
            None => {
                counted = order_statistics(ctx.train, ctx.test);
                &counted
            }
        };
        let (before, shared) = (order.test_rows_before_train_end, order.shared_timestamps);
        let last_train = order.last_train_time;
        let test_rows = ctx.exact.map_or(ctx.test.rows(), |e| e.test_rows);
        let frac = before as f64 / test_rows.max(1) as f64;
        if before > 0 || shared > 0 {
            let mut f = Finding::new(
                None,
                FindingKind::TemporalLeak,
                if frac >= HIGH_BEFORE_SHARE { Severity::High } else { Severity::Medium },
                format!(
                    "{} of test rows ({before}) are dated before the last training row and {shared} share a timestamp with training rows: the model is tested on a past it has seen the future of.",
                    pct(frac)
                ),
                OrderEvidence {
                    time_column: name.clone(),
                    test_rows_before_train_end: before,
                    fraction: r4(frac),
                    shared_timestamps: shared,
                    last_train_time: last_train,
                },
            );
            f.features = vec![name.clone()];
            out.push(f);
        }
    }

    // 2. Random K-fold against forward chaining on the audited data.
    let Values::Numeric(t_all) = &time_all.values else {
        return Ok(out);
    };
    let t_all = t_all.as_f64();
    let t_all = t_all.as_ref();
    let mut order: Vec<u32> = (0..t_all.len() as u32)
        .filter(|&r| !t_all[r as usize].is_nan())
        .collect();
    order.sort_by(|&a, &b| {
        t_all[a as usize]
            .total_cmp(&t_all[b as usize])
            .then(a.cmp(&b))
    });
    let k = ctx.folds();
    let block = order.len() / (k + 1);
    if block >= MIN_BLOCK_ROWS {
        let splits: Vec<(Vec<u32>, Vec<u32>)> = (1..=k)
            .map(|i| {
                let mut train = order[..i * block].to_vec();
                train.sort_unstable();
                let end = if i == k { order.len() } else { (i + 1) * block };
                let mut test = order[i * block..end].to_vec();
                test.sort_unstable();
                (train, test)
            })
            .collect();
        let ordered = validate(ctx, &splits)?;
        info.time_ordered = ordered;
        let (metric, random) = ctx.random_headline;
        if let Some(o) = ordered {
            if random - o >= ctx.thresholds.time_gap {
                let mut f = Finding::new(
                    None,
                    FindingKind::TemporalLeak,
                    Severity::Medium,
                    format!(
                        "Random K-fold scores {metric} {random:.3} but time-ordered validation only {o:.3}: shuffled validation lets the model see the future; validate forward in time by '{name}'."
                    ),
                    GapEvidence {
                        time_column: name.clone(),
                        metric,
                        random_kfold: r4(random),
                        time_ordered: r4(o),
                        gap: r4(random - o),
                    },
                );
                f.features = vec![name.clone()];
                out.push(f);
            }
        }
    }

    // 3. Features built from the target's future.
    out.extend(future_features(ctx.data, t_all, ctx.thresholds));
    Ok(out)
}

/// Row order along time, split into series by the group column when there is one; `None` when
/// timestamps repeat too much for shifts to mean "next period".
fn series(ds: &Dataset, t: &[f64]) -> Option<Vec<Vec<usize>>> {
    let mut by_group: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (r, tr) in t.iter().enumerate() {
        if tr.is_nan() {
            continue;
        }
        let g = ds
            .group
            .as_ref()
            .and_then(|c| c.text(r))
            .unwrap_or_default();
        by_group.entry(g).or_default().push(r);
    }
    let mut out = Vec::new();
    let (mut rows, mut distinct) = (0, 0);
    for (_, mut rs) in by_group {
        rs.sort_by(|&a, &b| t[a].total_cmp(&t[b]).then(a.cmp(&b)));
        let mut ts: Vec<u64> = rs.iter().map(|&r| t[r].to_bits()).collect();
        rows += ts.len();
        ts.dedup();
        distinct += ts.len();
        out.push(rs);
    }
    (rows > 0 && distinct as f64 >= DISTINCT_TIMES * rows as f64).then_some(out)
}

/// Offsets of the target around time t used as regressors: future first.
/// The design of the regression, not a threshold.
const FUTURE: [isize; 2] = [2, 1];
const PRESENT_PAST: [isize; 4] = [0, -1, -2, -3];

fn future_features(ds: &Dataset, t: &[f64], th: &crate::checks::Thresholds) -> Vec<Finding> {
    let y: Vec<f64> = match &ds.target {
        Target::Values(v) => v.clone(),
        Target::Classes { y, classes } if classes.len() == 2 => {
            y.iter().map(|&c| f64::from(c)).collect()
        }
        Target::Classes { .. } => return Vec::new(),
    };
    let Some(series) = series(ds, t) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for col in &ds.features {
        let Values::Numeric(x) = &col.values else {
            continue;
        };
        // Rows (within a series) where the feature and every target value at t-3..t+2 exist.
        let mut rows_x = Vec::new();
        let mut rows_y: Vec<Vec<f64>> = Vec::new();
        for s in &series {
            for i in 3..s.len().saturating_sub(2) {
                let xv = x.get(s[i]);
                let window: Vec<f64> = FUTURE
                    .iter()
                    .chain(&PRESENT_PAST)
                    .map(|&o| y[s[(i as isize + o) as usize]])
                    .collect();
                if xv.is_nan() || window.iter().any(|v| v.is_nan()) {
                    continue;
                }
                rows_x.push(xv);
                rows_y.push(window);
            }
        }
        if rows_x.len() < MIN_WINDOWS {
            continue;
        }
        let full = r_squared(&rows_x, &rows_y, &[0, 1, 2, 3, 4, 5]);
        let past = r_squared(&rows_x, &rows_y, &[2, 3, 4, 5]);
        let shifted: Vec<(isize, f64)> = [1isize, 2]
            .iter()
            .map(|&k| {
                (
                    k,
                    corr(
                        &rows_x,
                        &rows_y
                            .iter()
                            .map(|w| w[(2 - k) as usize])
                            .collect::<Vec<_>>(),
                    ),
                )
            })
            .collect();
        let copy = shifted.iter().find(|(_, c)| c.abs() >= FUTURE_COPY_CORR);
        // Share of what present and past leave unexplained that the future explains: a
        // predictable series must not hide a feature that needs t+1.
        let gain = if past >= 1.0 - 1e-9 {
            0.0
        } else {
            ((full - past) / (1.0 - past)).max(0.0)
        };
        let severity = if copy.is_some()
            || (full >= th.temporal_derived_r2 && gain >= th.temporal_future_share)
        {
            Severity::High
        } else if full >= th.temporal_derived_r2 && gain >= th.temporal_future_share / 2.0 {
            Severity::Medium
        } else {
            continue;
        };
        let detail = match copy {
            Some((k, _)) => format!(
                "it matches the target shifted forward by {k} period{}",
                if *k > 1 { "s" } else { "" }
            ),
            None => format!(
                "the target's values at t-3..t explain {} of it, adding t+1 and t+2 explains {}",
                pct(past.max(0.0)),
                pct(full.max(0.0))
            ),
        };
        out.push(Finding::new(
            Some(&col.name),
            FindingKind::TemporalLeak,
            severity,
            format!(
                "'{}' is built from the target's future: {detail}; at prediction time that future is unknown.",
                col.name
            ),
            FutureEvidence {
                r2_present_and_past: r4(past),
                r2_with_future: r4(full),
                future_share_of_unexplained: r4(gain),
                corr_with_target_t_plus_1: r4(shifted[0].1),
                corr_with_target_t_plus_2: r4(shifted[1].1),
                rows: rows_x.len(),
            },
        ));
    }
    out
}

fn corr(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa <= 0.0 || sbb <= 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// R² of the least-squares fit of `x` on an intercept and the chosen window columns.
fn r_squared(x: &[f64], w: &[Vec<f64>], cols: &[usize]) -> f64 {
    let p = cols.len() + 1;
    let mut a = vec![vec![0.0; p + 1]; p];
    for (xv, row) in x.iter().zip(w) {
        let z: Vec<f64> = std::iter::once(1.0)
            .chain(cols.iter().map(|&c| row[c]))
            .collect();
        for i in 0..p {
            for j in 0..p {
                a[i][j] += z[i] * z[j];
            }
            a[i][p] += z[i] * xv;
        }
    }
    // Ridge-stabilised Gaussian elimination with partial pivoting.
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += 1e-9 * (1.0 + row[i].abs());
    }
    for col in 0..p {
        let piv = (col..p)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, piv);
        if a[col][col].abs() < 1e-12 {
            continue;
        }
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                row.iter_mut()
                    .zip(&pivot_row)
                    .skip(col)
                    .for_each(|(v, p)| *v -= f * p);
            }
        }
    }
    let beta: Vec<f64> = (0..p)
        .map(|i| {
            if a[i][i].abs() < 1e-12 {
                0.0
            } else {
                a[i][p] / a[i][i]
            }
        })
        .collect();
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for (xv, row) in x.iter().zip(w) {
        let fit = beta[0]
            + cols
                .iter()
                .enumerate()
                .map(|(k, &c)| beta[k + 1] * row[c])
                .sum::<f64>();
        ss_res += (xv - fit).powi(2);
        ss_tot += (xv - mean).powi(2);
    }
    if ss_tot <= 0.0 {
        0.0
    } else {
        1.0 - ss_res / ss_tot
    }
}

/// The evidence of a `temporal_leak` from test rows before the training rows end.
#[derive(Serialize)]
struct OrderEvidence {
    time_column: String,
    test_rows_before_train_end: usize,
    fraction: f64,
    /// Timestamps present on both sides.
    shared_timestamps: usize,
    last_train_time: Option<f64>,
}

/// The evidence of a `temporal_leak` from random K-fold beating time-ordered validation.
#[derive(Serialize)]
struct GapEvidence {
    time_column: String,
    metric: crate::metric::Metric,
    random_kfold: f64,
    time_ordered: f64,
    gap: f64,
}

/// The evidence of a `temporal_leak` from a feature built from the target's future.
#[derive(Serialize)]
struct FutureEvidence {
    /// R² of the target at t-3..t on the feature at t, and with t+1, t+2 added.
    r2_present_and_past: f64,
    r2_with_future: f64,
    future_share_of_unexplained: f64,
    corr_with_target_t_plus_1: f64,
    corr_with_target_t_plus_2: f64,
    rows: usize,
}

#[cfg(test)]
mod tests {
    use super::r_squared;

    #[test]
    fn r_squared_of_exact_and_unrelated() {
        let w: Vec<Vec<f64>> = (0..100)
            .map(|i| vec![i as f64, ((i * 7919) % 100) as f64])
            .collect();
        let x: Vec<f64> = w.iter().map(|r| 2.0 * r[0] + 1.0).collect();
        assert!(r_squared(&x, &w, &[0]) > 0.999);
        assert!(r_squared(&x, &w, &[1]) < 0.2);
    }
}
