//! Surrogate models behind one [`Surrogate`] trait. Every surrogate reads the shared
//! [`BinnedMatrix`] through row and feature index lists, so importances never copy the data.
//! The adapter files are the only code that sees smartcore types.

use rayon::prelude::*;

pub mod binned;
pub mod gbm;
mod smartcore;

pub use self::smartcore::Smartcore;
pub use binned::BinnedMatrix;
pub use gbm::Gbm;

/// Training labels.
#[derive(Debug, Clone, Copy)]
pub enum Labels<'a> {
    /// Class index per row and the number of classes.
    Classes {
        /// Class index per row.
        y: &'a [u32],
        /// Number of classes.
        k: usize,
    },
    /// Regression values per row.
    Values(&'a [f64]),
}

/// The labels of some rows, owned ([`Labels::take`]); [`OwnedLabels::labels`] borrows them back.
#[derive(Debug, Clone)]
pub enum OwnedLabels {
    /// Class index per row and the number of classes.
    Classes {
        /// Class index per row.
        y: Vec<u32>,
        /// Number of classes.
        k: usize,
    },
    /// Regression values per row.
    Values(Vec<f64>),
}

impl OwnedLabels {
    /// The labels, borrowed.
    pub fn labels(&self) -> Labels<'_> {
        match self {
            OwnedLabels::Classes { y, k } => Labels::Classes { y, k: *k },
            OwnedLabels::Values(v) => Labels::Values(v),
        }
    }
}

impl Labels<'_> {
    /// The labels of `rows`, in that order (the number of classes kept).
    pub fn take(&self, rows: &[usize]) -> OwnedLabels {
        match *self {
            Labels::Classes { y, k } => OwnedLabels::Classes {
                y: rows.iter().map(|&r| y[r]).collect(),
                k,
            },
            Labels::Values(v) => OwnedLabels::Values(rows.iter().map(|&r| v[r]).collect()),
        }
    }
}

/// Model outputs for a list of rows: class probabilities (`width` = classes) or values (`width` = 1).
#[derive(Debug, Clone)]
pub struct Predictions {
    /// Values per row.
    pub width: usize,
    /// Row-major values.
    pub values: Vec<f64>,
}

impl Predictions {
    /// Hard labels to probabilities (one-hot), for models without `predict_proba`.
    pub fn one_hot(labels: impl Iterator<Item = usize>, k: usize) -> Self {
        let mut values = Vec::new();
        for l in labels {
            let start = values.len();
            values.resize(start + k, 0.0);
            if l < k {
                values[start + l] = 1.0;
            }
        }
        Predictions { width: k, values }
    }
}

/// Columns with some features replaced (e.g. permuted).
pub struct Variant<'a> {
    /// The replaced features.
    pub changed: &'a [usize],
    /// All columns, with the replacements.
    pub cols: Vec<&'a [u8]>,
}

/// A fitted model that predicts rows of a (possibly partly permuted) binned matrix.
pub trait Fitted: Send + Sync {
    /// Predict `rows`, reading feature `f` of row `r` as `cols[f][r]`.
    fn predict(&self, cols: &[&[u8]], rows: &[u32]) -> Predictions;

    /// Predict several variants of `cols`, each differing from it only in its `changed`
    /// features (permutation importance). Models that can skip unaffected parts override this.
    fn predict_variants(
        &self,
        cols: &[&[u8]],
        variants: &[Variant],
        rows: &[u32],
    ) -> Vec<Predictions> {
        let _ = cols;
        variants
            .par_iter()
            .map(|v| self.predict(&v.cols, rows))
            .collect()
    }
}

/// A model family that can be fitted on any subset of rows and features of the matrix.
pub trait Surrogate: Send + Sync {
    /// Short name used in reports and on the command line.
    fn name(&self) -> &'static str;
    /// Fit on `train` rows using only `features`.
    fn fit(
        &self,
        x: &BinnedMatrix,
        labels: &Labels,
        train: &[u32],
        features: &[usize],
        seed: u64,
    ) -> crate::Result<Box<dyn Fitted>>;
    /// Trees one fit grows at most on a target of `classes` classes (0 for regression): what a
    /// fit costs, for the rules that decide how many refits an audit affords.
    fn trees_per_fit(&self, classes: usize) -> usize;
    /// A cheaper configuration for the many drop-column refits.
    fn light(&self) -> Box<dyn Surrogate>;
}

/// Which surrogate family to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurrogateKind {
    /// Histogram gradient boosting (fast, default).
    #[default]
    Gbm,
    /// One seeded smartcore decision tree.
    Tree,
    /// smartcore random forest, 20 trees (slow on large data).
    Forest,
}

crate::names::names!(SurrogateKind {
    Gbm => "gbm",
    Tree => "tree",
    Forest => "forest",
});

impl SurrogateKind {
    /// Instantiate the surrogate.
    pub fn build(self) -> Box<dyn Surrogate> {
        match self {
            SurrogateKind::Gbm => Box::new(Gbm::default()),
            SurrogateKind::Tree => Box::new(Smartcore::Tree { max_depth: 8 }),
            SurrogateKind::Forest => Box::new(Smartcore::Forest {
                n_trees: 20,
                max_depth: 12,
            }),
        }
    }
}

/// Dense row-major f64 copy of the selected rows and features (bin indices as ordinal values),
/// for crates that need their own matrix type. Missing (bin 0) sorts below every value.
fn dense(cols: &[&[u8]], rows: &[u32], features: &[usize]) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|&r| {
            features
                .iter()
                .map(|&f| f64::from(cols[f][r as usize]))
                .collect()
        })
        .collect()
}
