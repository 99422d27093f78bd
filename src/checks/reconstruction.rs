//! `multi_feature_leak` (regression): a target that an exact linear combination of a few
//! features reconstructs, directly (a sum, a mean, a difference) or on the log scale (a product
//! or a ratio: a "price per unit" column times the units). Trees approximate such a target only
//! coarsely, so importance-based checks see a strong model, not an identity; a least-squares fit
//! sees the identity to machine precision. A measured target is never an exact combination of
//! measured inputs, so an identity that holds on held-out rows names columns computed from the
//! target (or the target computed from them).

use serde_json::json;

use super::{Check, Context};
use crate::data::{ColumnType, Values};
use crate::finding::{r4, Finding, FindingKind, Severity};
use crate::importance::folds;
use crate::surrogate::Labels;

/// The check.
pub struct Reconstruction;

/// Held-out R² of an exact reconstruction (rounding of stored values stays far above it).
const EXACT_R2: f64 = 0.9999;
/// Columns in a reconstruction at most.
const MAX_TERMS: usize = 5;
/// Candidate columns at most (the most powerful alone).
const MAX_CANDIDATES: usize = 60;
/// Rows fitted at most (half fit, half check).
const MAX_ROWS: usize = 20_000;
/// Rows per term at least on each half, so an identity is not an over-fit.
const ROWS_PER_TERM: usize = 10;

/// Standardised design: columns (centred, unit variance) and the target, on one row set.
struct Design {
    cols: Vec<Vec<f64>>,
    y: Vec<f64>,
}

impl Design {
    /// The fitting half and the checking half, both scaled by the fitting half's means and
    /// standard deviations (coefficients fitted on one apply to the other as they are).
    fn pair(
        cols_a: Vec<Vec<f64>>,
        y_a: Vec<f64>,
        cols_b: Vec<Vec<f64>>,
        y_b: Vec<f64>,
    ) -> Option<(Design, Design)> {
        let scale = |v: &[f64]| -> Option<(f64, f64)> {
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt();
            (sd > 0.0 && sd.is_finite()).then_some((m, sd))
        };
        let apply = |v: Vec<f64>, s: Option<(f64, f64)>| -> Vec<f64> {
            match s {
                Some((m, sd)) => v.into_iter().map(|x| (x - m) / sd).collect(),
                None => vec![0.0; v.len()],
            }
        };
        let sy = Some(scale(&y_a)?);
        let scales: Vec<Option<(f64, f64)>> = cols_a.iter().map(|c| scale(c)).collect();
        let scaled = |cols: Vec<Vec<f64>>, y: Vec<f64>| Design {
            cols: cols
                .into_iter()
                .zip(&scales)
                .map(|(c, &s)| apply(c, s))
                .collect(),
            y: apply(y, sy),
        };
        let a = scaled(cols_a, y_a);
        let b = scaled(cols_b, y_b);
        Some((a, b))
    }

    /// Cross-products of the (centred) columns and the target: the normal equations of every
    /// subset come from these without another pass over the rows.
    fn gram(&self) -> Gram {
        let p = self.cols.len();
        let mut g = vec![0.0; p * p];
        for i in 0..p {
            for j in 0..=i {
                let v = dot(&self.cols[i], &self.cols[j]);
                g[i * p + j] = v;
                g[j * p + i] = v;
            }
        }
        Gram {
            p,
            g,
            c: self.cols.iter().map(|col| dot(col, &self.y)).collect(),
            yy: dot(&self.y, &self.y),
        }
    }

    /// R² of coefficients fitted elsewhere (no intercept: both halves are centred by the
    /// fitting half, so the checking half's mean offset counts as error), on this design's rows.
    fn r2(&self, set: &[usize], beta: &[f64]) -> f64 {
        let n = self.y.len() as f64;
        let mean = self.y.iter().sum::<f64>() / n;
        let (mut ss, mut tot) = (0.0, 0.0);
        for r in 0..self.y.len() {
            let pred: f64 = set
                .iter()
                .zip(beta)
                .map(|(&c, b)| b * self.cols[c][r])
                .sum();
            ss += (self.y[r] - pred).powi(2);
            tot += (self.y[r] - mean).powi(2);
        }
        if tot <= 0.0 {
            0.0
        } else {
            1.0 - ss / tot
        }
    }
}

struct Gram {
    p: usize,
    g: Vec<f64>,
    c: Vec<f64>,
    yy: f64,
}

impl Gram {
    /// Least-squares coefficients of `set` and the in-sample R², by Cholesky on the normal
    /// equations with a tiny ridge (exactly collinear columns stay solvable).
    fn fit(&self, set: &[usize]) -> Option<(Vec<f64>, f64)> {
        let k = set.len();
        let mut a = vec![0.0; k * k];
        let mut b: Vec<f64> = set.iter().map(|&i| self.c[i]).collect();
        for (i, &si) in set.iter().enumerate() {
            for (j, &sj) in set.iter().enumerate() {
                a[i * k + j] = self.g[si * self.p + sj];
            }
            a[i * k + i] *= 1.0 + 1e-9;
        }
        if !cholesky_solve(&mut a, &mut b, k) || self.yy <= 0.0 {
            return None;
        }
        let explained: f64 = set.iter().zip(&b).map(|(&i, bi)| bi * self.c[i]).sum();
        Some((b, explained / self.yy))
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solve `a x = b` in place for symmetric positive definite `a`; false when it is not.
fn cholesky_solve(a: &mut [f64], b: &mut [f64], p: usize) -> bool {
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        if d <= 1e-14 {
            return false;
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * p + k] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = b[i];
        for k in i + 1..p {
            s -= a[k * p + i] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
    true
}

/// A reconstruction found on one scale.
struct Found {
    members: Vec<usize>,
    r2: f64,
    best_single: f64,
}

/// All candidates together on the fitting half; when they reproduce the target exactly,
/// backward elimination down to the smallest set that still does, which must then hold on the
/// checking half.
fn reconstruct(fit: &Design, check: &Design) -> Option<Found> {
    let gram = fit.gram();
    let p = gram.p.min(fit.y.len() / ROWS_PER_TERM);
    let mut set: Vec<usize> = (0..p).collect();
    if gram.fit(&set)?.1 < EXACT_R2 {
        return None;
    }
    while set.len() > 1 {
        let best = (0..set.len())
            .filter_map(|i| {
                let mut trial = set.clone();
                trial.remove(i);
                gram.fit(&trial).map(|(_, r2)| (i, r2))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
        if best.1 < EXACT_R2 {
            break;
        }
        set.remove(best.0);
    }
    if set.len() < 2 || set.len() > MAX_TERMS {
        return None;
    }
    let best_single = set
        .iter()
        .filter_map(|&i| gram.fit(&[i]).map(|f| f.1))
        .fold(f64::NEG_INFINITY, f64::max);
    let (beta, _) = gram.fit(&set)?;
    let held_out = check.r2(&set, &beta);
    (held_out >= EXACT_R2 && best_single < EXACT_R2).then_some(Found {
        members: set,
        r2: held_out,
        best_single,
    })
}

impl Check for Reconstruction {
    fn run(&self, ctx: &Context) -> Vec<Finding> {
        let Labels::Values(y) = ctx.labels else {
            return Vec::new();
        };
        // Numeric columns, mostly present, the most powerful first.
        let mut cands: Vec<usize> = (0..ctx.ds.features.len())
            .filter(|&f| {
                let c = &ctx.ds.features[f];
                c.ty == ColumnType::Numeric && c.missing_fraction() <= 0.2 && c.distinct() > 2
            })
            .collect();
        if cands.len() < 2 {
            return Vec::new();
        }
        cands.sort_by(|&a, &b| {
            ctx.powers[b]
                .power
                .total_cmp(&ctx.powers[a].power)
                .then(a.cmp(&b))
        });
        cands.truncate(MAX_CANDIDATES);
        // Candidates are numeric; a categorical one reads as missing everywhere.
        let value = |f: usize, r: usize| match &ctx.ds.features[f].values {
            Values::Numeric(v) => v.get(r),
            Values::Categorical { .. } => f64::NAN,
        };
        let present = |f: usize, r: usize| !value(f, r).is_nan();
        let all: Vec<u32> = (0..ctx.rows() as u32)
            .filter(|&r| cands.iter().all(|&f| present(f, r as usize)))
            .collect();
        let rows = folds::subsample(&all, &ctx.x.row_keys, MAX_ROWS, 0x2EC0);
        if rows.len() < 4 * ROWS_PER_TERM {
            return Vec::new();
        }
        // Alternate rows: half fits, half checks.
        let half_a: Vec<usize> = rows.iter().step_by(2).map(|&r| r as usize).collect();
        let half_b: Vec<usize> = rows
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&r| r as usize)
            .collect();
        let mut out = Vec::new();
        for log_scale in [false, true] {
            let usable: Vec<usize> = if log_scale {
                if rows.iter().any(|&r| y[r as usize] <= 0.0) {
                    continue;
                }
                cands
                    .iter()
                    .copied()
                    .filter(|&f| rows.iter().all(|&r| value(f, r as usize) > 0.0))
                    .collect()
            } else {
                cands.clone()
            };
            if usable.len() < 2 {
                continue;
            }
            let tf = |v: f64| if log_scale { v.ln() } else { v };
            let cols = |half: &[usize]| -> Vec<Vec<f64>> {
                usable
                    .iter()
                    .map(|&f| half.iter().map(|&r| tf(value(f, r))).collect())
                    .collect()
            };
            let target = |half: &[usize]| -> Vec<f64> { half.iter().map(|&r| tf(y[r])).collect() };
            let Some((a, b)) = Design::pair(
                cols(&half_a),
                target(&half_a),
                cols(&half_b),
                target(&half_b),
            ) else {
                continue;
            };
            let Some(found) = reconstruct(&a, &b) else {
                continue;
            };
            let names: Vec<String> = found
                .members
                .iter()
                .map(|&i| ctx.name(usable[i]).to_string())
                .collect();
            let quoted = names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let (form, how) = if log_scale {
                ("product", "a product or ratio of")
            } else {
                (
                    "linear",
                    "a linear combination (a sum, mean or difference) of",
                )
            };
            let mut fd = Finding::new(
                None,
                FindingKind::MultiFeatureLeak,
                Severity::High,
                format!(
                    "'{}' is exactly {how} {quoted} (held-out R² {:.6}{}), though no one of them predicts it alone (best R² {:.3}): these columns were computed from the target, or it from them.",
                    ctx.ds.target_name,
                    found.r2,
                    if log_scale { " on the log scale" } else { "" },
                    found.best_single
                ),
                json!({
                    "reconstruction": form,
                    "features": names,
                    "held_out_r2": found.r2,
                    "best_single_r2": r4(found.best_single),
                    "rows": rows.len(),
                }),
            );
            fd.features = names;
            out.push(fd);
            // One identity is enough: the log scale of a linear identity adds nothing.
            break;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn designs(ca: &[Vec<f64>], ya: &[f64], cb: &[Vec<f64>], yb: &[f64]) -> (Design, Design) {
        Design::pair(ca.to_vec(), ya.to_vec(), cb.to_vec(), yb.to_vec()).unwrap()
    }

    #[test]
    fn finds_a_mean_of_two_and_not_noise() {
        let n = 400;
        let u = |i: usize, s: u64| (crate::data::sample::splitmix64(i as u64 ^ s) % 10_000) as f64;
        let a: Vec<f64> = (0..n).map(|i| u(i, 1)).collect();
        let b: Vec<f64> = (0..n).map(|i| u(i, 2)).collect();
        let c: Vec<f64> = (0..n).map(|i| u(i, 3)).collect();
        let y: Vec<f64> = (0..n).map(|i| (a[i] + b[i]) / 2.0).collect();
        let half = |h: usize| -> (Vec<Vec<f64>>, Vec<f64>) {
            let rows: Vec<usize> = (0..n).filter(|r| r % 2 == h).collect();
            (
                [&c, &a, &b]
                    .iter()
                    .map(|col| rows.iter().map(|&r| col[r]).collect())
                    .collect(),
                rows.iter().map(|&r| y[r]).collect(),
            )
        };
        let (ca, ya) = half(0);
        let (cb, yb) = half(1);
        let (da, db) = designs(&ca, &ya, &cb, &yb);
        let found = reconstruct(&da, &db).unwrap();
        let mut m = found.members.clone();
        m.sort_unstable();
        assert_eq!(m, vec![1, 2]);
        // A noisy target is not reconstructed.
        let noisy: Vec<f64> = ya.iter().enumerate().map(|(i, v)| v + u(i, 9)).collect();
        let noisy_b: Vec<f64> = yb.iter().enumerate().map(|(i, v)| v + u(i, 8)).collect();
        let (na, nb) = designs(&ca, &noisy, &cb, &noisy_b);
        assert!(reconstruct(&na, &nb).is_none());
    }
}
