//! `multi_feature_leak` (regression, and classes labelled by numbers: a count of events): a
//! target that an exact linear combination of a few features reconstructs, directly (a sum, a mean, a difference) or on the log scale (a product
//! or a ratio: a "price per unit" column times the units). Trees approximate such a target only
//! coarsely, so importance-based checks see a strong model, not an identity; a least-squares fit
//! sees the identity to machine precision. A measured target is never an exact combination of
//! measured inputs, so an identity that holds on held-out rows names columns computed from the
//! target (or the target computed from them).

use super::{About, Check, Context, Stage};
use crate::data::{ColumnType, Values};
use crate::finding::{r4, Finding, FindingKind, Severity};
use crate::importance::{folds, single_feature};
use crate::surrogate::Labels;
use serde::Serialize;

/// A class target is reconstructed as a number only with this many classes: two classes are a
/// rule's business (the rule check), not a sum's. Which check judges, not a threshold.
const MIN_NUMBER_CLASSES: usize = 3;

/// A column joins the joint fit only with the rows a fit of this many terms needs
/// ([`ROWS_PER_TERM`] each): a sample-size guard.
const MIN_FIT_TERMS: usize = 4;

/// Candidates for a joint reconstruction are missing in at most this share of rows: the fit runs
/// on complete rows, and more gaps would leave it few. A sample-size guard, not a detection
/// threshold.
const MAX_MISSING: f64 = 0.2;
/// A column is "positive" (a candidate for a log-scale product or ratio) when this share of its
/// present values are above zero: a few zero placeholders do not stop a log, many do. Which form
/// is tried, not how sure the finding is.
const POSITIVE_SHARE: f64 = 0.9;

/// The check.
pub struct Reconstruction;

/// Held-out R² of an exact reconstruction (rounding of stored values stays far above it).
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const EXACT_R2: f64 = 0.9999;
/// Columns in a reconstruction at most.
/// The size of the search (how many columns an identity may join), not a threshold.
const MAX_TERMS: usize = 5;
/// Candidate columns at most (the most powerful alone).
/// A work budget for large tables, not a threshold.
const MAX_CANDIDATES: usize = 60;
/// Rows fitted at most (half fit, half check).
/// A work budget for large tables, not a threshold.
const MAX_ROWS: usize = 20_000;
/// Rows per term at least on each half, so an identity is not an over-fit.
/// A sample-size guard, not a threshold.
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

/// Identities reported at most: after each, its columns leave the search and it runs again, so
/// a second identity (a price per square foot beside a sale-to-list ratio) is found too.
/// What the report lists, not a threshold.
const MAX_IDENTITIES: usize = 3;
/// Candidates whose every pair is tried (the most powerful alone first).
/// A work budget for large tables, not a threshold.
const PAIR_CANDIDATES: usize = 40;
/// Candidates whose every triple is tried.
/// A work budget for large tables, not a threshold.
const TRIPLE_CANDIDATES: usize = 15;

/// The rows and values one search runs on.
struct Search<'a> {
    ctx: &'a Context<'a>,
    y: &'a [f64],
    /// A seeded sample of the rows with a target.
    sample: Vec<usize>,
    /// The sample interleaved (every so many rows, then the rows after them, ...): a set is
    /// screened on its first usable rows in this order.
    screen: Vec<usize>,
    /// Per feature, whether it is positive on nearly every sampled row where present (a
    /// quantity a product or ratio can be of), read once by every search.
    positive: Vec<bool>,
}

/// Fewer usable rows than a fit of the set needs.
struct TooFewRows;

/// Rows candidate sets are screened on.
/// A work budget for large tables, not a threshold.
const SCREEN_ROWS: usize = 400;

impl Search<'_> {
    fn value(&self, f: usize, r: usize) -> f64 {
        match &self.ctx.ds.features[f].values {
            Values::Numeric(v) => v.get(r),
            Values::Categorical { .. } => f64::NAN,
        }
    }

    /// Whether `set` (indices into the features) reproduces the target exactly, fitted on
    /// alternate rows where every member is present (and positive on the log scale) and checked
    /// on the others, while no member alone does.
    fn exact(&self, set: &[usize], log_scale: bool) -> Option<Found> {
        // Most sets fail on a few hundred rows: screened there first (an identity holds on any
        // subset), confirmed on the whole sample. Too few usable screening rows (a column
        // recorded on a tenth of them) go straight to the sample.
        let screen: Vec<usize> = self
            .screen
            .iter()
            .copied()
            .filter(|&r| self.usable(set, log_scale, r))
            .take(SCREEN_ROWS)
            .collect();
        match self.exact_on(&screen, set, log_scale) {
            Err(TooFewRows) | Ok(Some(_)) => self.exact_on(&self.sample, set, log_scale).ok()?,
            Ok(None) => None,
        }
    }

    /// Whether 90% of the sampled rows where `f` is present hold a positive value.
    fn mostly_positive(&self, f: usize) -> bool {
        self.positive[f]
    }

    /// Whether row `r` has every member of `set` present (and it and the target positive on the
    /// log scale).
    fn usable(&self, set: &[usize], log_scale: bool, r: usize) -> bool {
        set.iter().all(|&f| {
            let v = self.value(f, r);
            !v.is_nan() && (!log_scale || v > 0.0)
        }) && (!log_scale || self.y[r] > 0.0)
    }

    /// [`Search::exact`] on `sample`.
    fn exact_on(
        &self,
        sample: &[usize],
        set: &[usize],
        log_scale: bool,
    ) -> Result<Option<Found>, TooFewRows> {
        let rows: Vec<usize> = sample
            .iter()
            .copied()
            .filter(|&r| self.usable(set, log_scale, r))
            .collect();
        if rows.len() < (MIN_FIT_TERMS * ROWS_PER_TERM).max(2 * ROWS_PER_TERM * set.len()) {
            return Err(TooFewRows);
        }
        Ok(self.fit_check(&rows, set, log_scale))
    }

    /// The identity fitted on alternate rows of `rows`, checked on the others.
    fn fit_check(&self, rows: &[usize], set: &[usize], log_scale: bool) -> Option<Found> {
        let tf = |v: f64| if log_scale { v.ln() } else { v };
        let half = |h: usize| -> (Vec<Vec<f64>>, Vec<f64>) {
            let rs: Vec<usize> = rows.iter().skip(h).step_by(2).copied().collect();
            (
                set.iter()
                    .map(|&f| rs.iter().map(|&r| tf(self.value(f, r))).collect())
                    .collect(),
                rs.iter().map(|&r| tf(self.y[r])).collect(),
            )
        };
        let ((ca, ya), (cb, yb)) = (half(0), half(1));
        let (a, b) = Design::pair(ca, ya, cb, yb)?;
        let gram = a.gram();
        let all: Vec<usize> = (0..set.len()).collect();
        let (beta, r2) = gram.fit(&all)?;
        if r2 < EXACT_R2 {
            return None;
        }
        let best_single = all
            .iter()
            .filter_map(|&i| gram.fit(&[i]).map(|f| f.1))
            .fold(f64::NEG_INFINITY, f64::max);
        let held_out = b.r2(&all, &beta);
        (held_out >= EXACT_R2 && best_single < EXACT_R2).then(|| Found {
            members: set.to_vec(),
            r2: held_out,
            best_single,
        })
    }

    /// The smallest identity among `cands`: every pair, then every triple of the strongest,
    /// then all of them at once with backward elimination (up to `MAX_TERMS` columns), on the
    /// linear scale first and then on the log scale.
    fn find(&self, cands: &[usize]) -> Option<(Found, bool)> {
        for log_scale in [false, true] {
            // A product or ratio is of quantities: columns positive on nearly every row.
            let positive: Vec<usize>;
            let cands = if log_scale {
                positive = cands
                    .iter()
                    .copied()
                    .filter(|&f| self.mostly_positive(f))
                    .collect();
                &positive[..]
            } else {
                cands
            };
            let top = &cands[..cands.len().min(PAIR_CANDIDATES)];
            for (i, &a) in top.iter().enumerate() {
                for &b in &top[i + 1..] {
                    if let Some(found) = self.exact(&[a, b], log_scale) {
                        return Some((found, log_scale));
                    }
                }
            }
            let top = &cands[..cands.len().min(TRIPLE_CANDIDATES)];
            for (i, &a) in top.iter().enumerate() {
                for (j, &b) in top.iter().enumerate().skip(i + 1) {
                    for &c in &top[j + 1..] {
                        if let Some(found) = self.exact(&[a, b, c], log_scale) {
                            return Some((found, log_scale));
                        }
                    }
                }
            }
            if let Some(found) = self.all_at_once(cands, log_scale) {
                return Some((found, log_scale));
            }
        }
        None
    }

    /// Every mostly present candidate at once, reduced by backward elimination to the smallest
    /// set that still reproduces the target, on the rows where all of them are present.
    fn all_at_once(&self, cands: &[usize], log_scale: bool) -> Option<Found> {
        let mostly: Vec<usize> = cands
            .iter()
            .copied()
            .filter(|&f| self.ctx.ds.features[f].missing_fraction() <= MAX_MISSING)
            .collect();
        let ok = |f: usize, r: usize| {
            let v = self.value(f, r);
            !v.is_nan() && (!log_scale || v > 0.0)
        };
        if log_scale && self.sample.iter().any(|&r| self.y[r] <= 0.0) {
            return None;
        }
        let usable: Vec<usize> = if log_scale {
            mostly
                .iter()
                .copied()
                .filter(|&f| {
                    self.sample
                        .iter()
                        .all(|&r| self.value(f, r).is_nan() || ok(f, r))
                })
                .collect()
        } else {
            mostly
        };
        if usable.len() < 2 {
            return None;
        }
        let rows: Vec<usize> = self
            .sample
            .iter()
            .copied()
            .filter(|&r| usable.iter().all(|&f| ok(f, r)))
            .collect();
        if rows.len() < MIN_FIT_TERMS * ROWS_PER_TERM {
            return None;
        }
        let tf = |v: f64| if log_scale { v.ln() } else { v };
        let half = |h: usize| -> (Vec<Vec<f64>>, Vec<f64>) {
            let rs: Vec<usize> = rows.iter().skip(h).step_by(2).copied().collect();
            (
                usable
                    .iter()
                    .map(|&f| rs.iter().map(|&r| tf(self.value(f, r))).collect())
                    .collect(),
                rs.iter().map(|&r| tf(self.y[r])).collect(),
            )
        };
        let ((ca, ya), (cb, yb)) = (half(0), half(1));
        let (a, b) = Design::pair(ca, ya, cb, yb)?;
        let found = reconstruct(&a, &b)?;
        Some(Found {
            members: found.members.iter().map(|&i| usable[i]).collect(),
            ..found
        })
    }
}

impl Check for Reconstruction {
    fn about(&self) -> About {
        About {
            name: "target reconstructed from features",
            stage: Stage::Data,
            kinds: &[FindingKind::MultiFeatureLeak],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        // A class target whose labels are numbers (a count of events, a score 0-3) is a value
        // an identity can reproduce too: a sum of indicators.
        let numeric_classes: Vec<f64>;
        let y: &[f64] = match (ctx.labels, &ctx.ds.target) {
            (Labels::Values(y), _) => y,
            (Labels::Classes { y, .. }, crate::data::Target::Classes { classes, .. }) => {
                let Some(values) = classes
                    .iter()
                    .map(|c| c.trim().parse::<f64>().ok())
                    .collect::<Option<Vec<f64>>>()
                else {
                    return Vec::new();
                };
                if values.len() < MIN_NUMBER_CLASSES {
                    return Vec::new();
                }
                numeric_classes = y.iter().map(|&c| values[c as usize]).collect();
                &numeric_classes
            }
            _ => return Vec::new(),
        };
        // Numeric columns, the most powerful first. A column present on part of the rows is a
        // candidate too: an identity may hold exactly where it is recorded.
        let mut cands: Vec<usize> = (0..ctx.ds.features.len())
            .filter(|&f| {
                let c = &ctx.ds.features[f];
                matches!(c.ty, ColumnType::Numeric | ColumnType::Boolean)
                    && ctx.x.n_bins[f] > 2
                    && ctx.rows() - c.missing >= MIN_FIT_TERMS * ROWS_PER_TERM
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
        let all: Vec<u32> = (0..ctx.rows() as u32).collect();
        let sample: Vec<usize> = folds::subsample(&all, &ctx.x.row_keys, MAX_ROWS, 0x2EC0)
            .into_iter()
            .map(|r| r as usize)
            .collect();
        let stride = sample.len().div_ceil(SCREEN_ROWS).max(1);
        let mut search = Search {
            ctx,
            y,
            screen: (0..stride)
                .flat_map(|o| sample.iter().skip(o).step_by(stride).copied())
                .collect(),
            sample,
            positive: vec![false; ctx.ds.features.len()],
        };
        for &f in &cands {
            let (mut present, mut positive) = (0usize, 0usize);
            for &r in &search.sample {
                let v = search.value(f, r);
                if !v.is_nan() {
                    present += 1;
                    positive += usize::from(v > 0.0);
                }
            }
            search.positive[f] = present > 0 && positive as f64 >= POSITIVE_SHARE * present as f64;
        }
        let mut out = Vec::new();
        for _ in 0..MAX_IDENTITIES {
            let Some((found, log_scale)) = search.find(&cands) else {
                break;
            };
            cands.retain(|f| !found.members.contains(f));
            out.push(finding(ctx, &found, log_scale, search.sample.len()));
            if cands.len() < 2 {
                break;
            }
        }
        if let Some(fd) = search.monotone_ratio(&cands) {
            out.push(fd);
        }
        out
    }
}

/// Columns tried as the numerator and denominator of a ratio (the strongest alone first).
/// A work budget for large tables, not a threshold.
const RATIO_CANDIDATES: usize = 20;
/// Columns of a few values tried as the groups a ratio is monotone within.
/// A work budget for large tables, not a threshold.
const RATIO_GROUPS: usize = 4;

impl Search<'_> {
    /// A target that is an exact monotone function of the ratio of two columns, over all rows
    /// or within each value of a column of a few values: an interest rate that a loan's
    /// instalment over its amount gives exactly for each term. The formula is not linear on any
    /// scale, but the order of the target follows the ratio's without one exception.
    fn monotone_ratio(&self, cands: &[usize]) -> Option<Finding> {
        let ctx = self.ctx;
        let top: Vec<usize> = cands
            .iter()
            .copied()
            .filter(|&f| self.mostly_positive(f))
            .take(RATIO_CANDIDATES)
            .collect();
        let mut groups: Vec<Option<usize>> = vec![None];
        groups.extend(
            (0..ctx.ds.features.len())
                .filter(|&g| (3..=6).contains(&ctx.x.n_bins[g]))
                .take(RATIO_GROUPS)
                .map(Some),
        );
        let monotone = |rows: &[usize], a: usize, b: usize, g: Option<usize>| -> Option<f64> {
            let mut by_group: std::collections::BTreeMap<u8, (Vec<f64>, Vec<f64>)> =
                Default::default();
            for &r in rows {
                let (x, z) = (self.value(a, r), self.value(b, r));
                if x.is_nan() || z.is_nan() || z <= 0.0 || x <= 0.0 {
                    continue;
                }
                let key = g.map_or(0, |g| ctx.x.cols[g][r]);
                let e = by_group.entry(key).or_default();
                e.0.push(x / z);
                e.1.push(self.y[r]);
            }
            // Every group of enough rows monotone the same way, with a strong tau.
            let mut taus = Vec::new();
            for (x, t) in by_group.values() {
                if x.len() < 2 * ROWS_PER_TERM {
                    continue;
                }
                taus.push(single_feature::monotone_tau(x, t, RATIO_SLACK)?);
            }
            let first = *taus.first()?;
            taus.iter()
                .all(|t| t.signum() == first.signum() && t.abs() >= RATIO_TAU)
                .then_some(first)
        };
        for (i, &a) in top.iter().enumerate() {
            for &b in &top[i + 1..] {
                for &g in &groups {
                    if g == Some(a) || g == Some(b) {
                        continue;
                    }
                    let screen: Vec<usize> =
                        self.screen.iter().copied().take(SCREEN_ROWS).collect();
                    if monotone(&screen, a, b, g).is_none() {
                        continue;
                    }
                    let Some(tau) = monotone(&self.sample, a, b, g) else {
                        continue;
                    };
                    let (na, nb) = (ctx.name(a), ctx.name(b));
                    let names = vec![na.to_string(), nb.to_string()];
                    let within = g.map_or_else(String::new, |g| {
                        format!(" within each value of '{}'", ctx.name(g))
                    });
                    let mut fd = Finding::new(
                        None,
                        FindingKind::MultiFeatureLeak,
                        Severity::High,
                        format!(
                            "'{}' is an exact monotone function of the ratio '{na}' / '{nb}'{within} (Kendall tau-b {tau:.3}; the rows out of order no more than the rounding of written values explains): a formula of these columns gives the target, or the columns were computed from it (an instalment from the rate, the amount and the term).",
                            ctx.ds.target_name
                        ),
                        RatioEvidence {
                            reconstruction: "monotone_ratio",
                            features: names.clone(),
                            kendall_tau_b: r4(tau),
                            within_groups_of: g.map(|g| ctx.name(g).to_string()),
                            rows: self.sample.len(),
                        },
                    );
                    fd.features = names;
                    return Some(fd);
                }
            }
        }
        None
    }
}

/// Kendall's tau-b at which a ratio is an exact re-expression.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const RATIO_TAU: f64 = 0.9;
/// Share of rows a ratio's order may misplace: the rounding of the written columns (cents of
/// an instalment), never a measured relation's scatter.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const RATIO_SLACK: f64 = 0.002;

/// The finding for one identity.
fn finding(ctx: &Context, found: &Found, log_scale: bool, rows: usize) -> Finding {
    let names: Vec<String> = found
        .members
        .iter()
        .map(|&f| ctx.name(f).to_string())
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
        Evidence {
            reconstruction: form.to_string(),
            features: names.clone(),
            held_out_r2: found.r2,
            best_single_r2: r4(found.best_single),
            rows,
        },
    );
    fd.features = names;
    fd
}

/// The evidence of a `multi_feature_leak` that reconstructs the target arithmetically.
#[derive(Serialize)]
struct Evidence {
    /// The form found ("sum", "difference", ...).
    reconstruction: String,
    features: Vec<String>,
    /// R² of the reconstruction on held-out rows.
    held_out_r2: f64,
    best_single_r2: f64,
    rows: usize,
}

/// The evidence of a `multi_feature_leak` whose ratio orders the target.
#[derive(Serialize)]
struct RatioEvidence {
    reconstruction: &'static str,
    features: Vec<String>,
    kendall_tau_b: f64,
    /// The grouping column the ratio is ranked within, if any.
    within_groups_of: Option<String>,
    rows: usize,
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
