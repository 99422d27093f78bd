//! Drop-column importance: refit without a feature (or a whole correlated cluster) and measure
//! the skill lost on the same held-out rows, with the same seed.

use rayon::prelude::*;

use super::metrics::skill;
use crate::error::Result;
use crate::surrogate::{BinnedMatrix, Labels, Surrogate};

/// Baseline skill with all `features`, and the skill drop for each group removed (NaN for the
/// groups `refit` leaves out). (The audit fits the baseline beside its folds instead.)
#[cfg(feature = "internals")]
#[allow(clippy::too_many_arguments)]
pub fn drop_column(
    surrogate: &dyn Surrogate,
    x: &BinnedMatrix,
    labels: &Labels,
    rows: (&[u32], &[u32]),
    features: &[usize],
    groups: &[Vec<usize>],
    refit: &[bool],
    seed: u64,
) -> Result<(f64, Vec<f64>)> {
    let base = baseline(surrogate, x, labels, rows, features, seed)?;
    let drops = drops(
        surrogate,
        x,
        labels,
        rows,
        features,
        (groups, refit),
        seed,
        base,
    )?;
    Ok((base, drops))
}

/// Skill of the model fitted on `train` with every feature, on `test`. It needs no importance:
/// the audit fits it while the folds are still being fitted.
pub fn baseline(
    surrogate: &dyn Surrogate,
    x: &BinnedMatrix,
    labels: &Labels,
    rows: (&[u32], &[u32]),
    features: &[usize],
    seed: u64,
) -> Result<f64> {
    fit_skill(surrogate, x, labels, rows, features, seed)
}

/// The skill drop from `base` for each group removed (NaN for the groups `refit` leaves out).
#[allow(clippy::too_many_arguments)]
pub fn drops(
    surrogate: &dyn Surrogate,
    x: &BinnedMatrix,
    labels: &Labels,
    rows: (&[u32], &[u32]),
    features: &[usize],
    (groups, refit): (&[Vec<usize>], &[bool]),
    seed: u64,
    base: f64,
) -> Result<Vec<f64>> {
    groups
        .par_iter()
        .zip(refit)
        .map(|(g, &refit)| {
            if !refit {
                return Ok(f64::NAN);
            }
            let kept: Vec<usize> = features
                .iter()
                .copied()
                .filter(|f| !g.contains(f))
                .collect();
            Ok(base - fit_skill(surrogate, x, labels, rows, &kept, seed)?)
        })
        .collect()
}

fn fit_skill(
    surrogate: &dyn Surrogate,
    x: &BinnedMatrix,
    labels: &Labels,
    (train, test): (&[u32], &[u32]),
    features: &[usize],
    seed: u64,
) -> Result<f64> {
    let m = surrogate.fit(x, labels, train, features, seed)?;
    Ok(skill(labels, &m.predict(&x.view(), test), test))
}
