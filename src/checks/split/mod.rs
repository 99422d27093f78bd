//! The split checks: leakage in how the data was split rather than in one column. They read
//! the two sides `split::Sides` made (two files, a split column, or leakhound's own seeded
//! split); with leakhound's own split only those that make sense on a random split run
//! (duplicates, group and temporal validation gaps).

pub mod counts;
pub mod duplicates;
pub mod groups;
pub mod oversampling;
pub mod shift;
pub mod temporal;

use crate::data::Dataset;
use crate::error::Result;
use crate::importance::Problem;
use crate::seeds::Stream;
use crate::split::exact::ExactStatistics;
use crate::split::{SplitMode, SplitSettings};
use crate::surrogate::Surrogate;

/// A validation split is scored only with this many training rows: fewer fit no surrogate. A
/// sample-size guard.
const MIN_TRAIN_ROWS: usize = 10;

/// Inputs every split check reads.
pub struct SplitContext<'a> {
    /// Training data.
    pub train: &'a Dataset,
    /// Test data.
    pub test: &'a Dataset,
    /// How the split came about.
    pub mode: SplitMode,
    /// The dataset the main audit ran on (train, or everything for leakhound's own split).
    pub data: &'a Dataset,
    /// Its binned features, labels and folds (for validation-scheme comparisons).
    pub problem: Problem<'a>,
    /// Features the surrogate uses.
    pub model_features: &'a [usize],
    /// The surrogate.
    pub surrogate: &'a dyn Surrogate,
    /// Random K-fold out-of-fold skill and headline of the main run.
    pub random_headline: (crate::metric::Metric, f64),
    /// Seed.
    pub seed: u64,
    /// Detection thresholds.
    pub thresholds: &'a crate::checks::Thresholds,
    /// Counts over every row an engine brought (the sides above are then samples of them).
    pub exact: Option<&'a ExactStatistics>,
}

impl SplitContext<'_> {
    /// Folds of the audited data (as many as the random K-fold used).
    pub fn folds(&self) -> usize {
        self.problem
            .folds
            .iter()
            .copied()
            .max()
            .map_or(5, |m| m as usize + 1)
    }
}

/// What the row-level split checks (duplicates, oversampling) read: the two sides and where their
/// rows came from, nothing of the model. The audit runs them right after binning, so the copy an
/// own split takes of every feature is gone before the importance stage allocates.
pub struct RowContext<'a> {
    /// Training data.
    pub train: &'a Dataset,
    /// Test data.
    pub test: &'a Dataset,
    /// How the split came about.
    pub mode: SplitMode,
    /// Seed.
    pub seed: u64,
    /// Settings.
    pub settings: &'a SplitSettings,
    /// Data row number (0-based, in its file) of each training row.
    pub train_index: &'a [usize],
    /// Data row number (0-based, in its file) of each test row.
    pub test_index: &'a [usize],
    /// Counts over every row an engine brought (the sides above are then samples of them).
    pub exact: Option<&'a ExactStatistics>,
}

/// Out-of-fold headline score of the surrogate on the training data under custom
/// (train rows, test rows) splits, over the rows that were tested.
pub fn validate(ctx: &SplitContext, splits: &[(Vec<u32>, Vec<u32>)]) -> Result<Option<f64>> {
    use rayon::prelude::*;
    let p = ctx.problem;
    let results: Vec<(Vec<u32>, crate::surrogate::Predictions)> = splits
        .par_iter()
        .enumerate()
        .filter(|(_, (tr, te))| tr.len() >= MIN_TRAIN_ROWS && !te.is_empty())
        .map(|(i, (tr, te))| {
            let m = ctx.surrogate.fit(
                p.x,
                p.labels,
                tr,
                ctx.model_features,
                Stream::Validation.nth(ctx.seed, i),
            )?;
            Ok((te.clone(), m.predict(&p.x.view(), te)))
        })
        .collect::<Result<_>>()?;
    if results.is_empty() {
        return Ok(None);
    }
    let width = results[0].1.width;
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (te, pred) in results {
        rows.extend(te);
        values.extend(pred.values);
    }
    let pred = crate::surrogate::Predictions { width, values };
    let m = crate::importance::metrics::summary(p.labels, &pred, &rows);
    Ok(Some(crate::importance::metrics::headline(&m).1))
}
