//! Drop-column importance: refit without a feature (or a whole correlated cluster) and measure
//! the skill lost on the same held-out rows, with the same seed.

use rayon::prelude::*;

use super::metrics::skill;
use crate::error::Result;
use crate::surrogate::{BinnedMatrix, Labels, Surrogate};

/// Baseline skill with all `features`, and the skill drop for each group removed (NaN for the
/// groups `refit` leaves out).
#[allow(clippy::too_many_arguments)]
pub fn drop_column(
    surrogate: &dyn Surrogate,
    x: &BinnedMatrix,
    labels: &Labels,
    (train, test): (&[u32], &[u32]),
    features: &[usize],
    groups: &[Vec<usize>],
    refit: &[bool],
    seed: u64,
) -> Result<(f64, Vec<f64>)> {
    let view = x.view();
    let fit_skill = |feats: &[usize]| -> Result<f64> {
        let m = surrogate.fit(x, labels, train, feats, seed)?;
        Ok(skill(labels, &m.predict(&view, test), test))
    };
    let base = fit_skill(features)?;
    let drops = groups
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
            Ok(base - fit_skill(&kept)?)
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok((base, drops))
}
