//! The one adapter to smartcore: a seeded decision tree and a random forest (the model rfpimp
//! uses), for users who want those baselines. The only file that sees smartcore's types.
//!
//! linfa-trees was the requested tree until a property test found its fits differ between runs
//! (it breaks ties in `HashMap` order); smartcore's tree is seeded and deterministic. Both
//! models are slow on large data (the forest takes tens of seconds for 100k rows) and give no
//! probabilities: classification predictions are one-hot.

use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};
use smartcore::tree::decision_tree_regressor::{
    DecisionTreeRegressor, DecisionTreeRegressorParameters,
};

use super::{dense, BinnedMatrix, Fitted, Labels, Predictions, Surrogate};
use crate::error::{Error, Result};

type Matrix = DenseMatrix<f64>;

/// A smartcore surrogate.
#[derive(Debug, Clone, Copy)]
pub enum Smartcore {
    /// One seeded decision tree of at most this depth.
    Tree {
        /// Maximum depth.
        max_depth: u16,
    },
    /// A random forest.
    Forest {
        /// Number of trees.
        n_trees: u16,
        /// Maximum depth per tree.
        max_depth: u16,
    },
}

enum Model {
    TreeClass(DecisionTreeClassifier<f64, u32, Matrix, Vec<u32>>),
    TreeReg(DecisionTreeRegressor<f64, f64, Matrix, Vec<f64>>),
    ForestClass(RandomForestClassifier<f64, u32, Matrix, Vec<u32>>),
    ForestReg(RandomForestRegressor<f64, f64, Matrix, Vec<f64>>),
}

struct FittedModel {
    model: Model,
    /// Classes (classification) or 1.
    k: usize,
    features: Vec<usize>,
}

/// Rows of values as smartcore's row-major matrix (one zero column when there is no feature).
fn matrix(rows: Vec<Vec<f64>>, width: usize) -> Result<Matrix> {
    let n = rows.len();
    let values = if width == 0 {
        vec![0.0; n]
    } else {
        rows.into_iter().flatten().collect()
    };
    DenseMatrix::new(n, width.max(1), values, false)
        .map_err(|e| Error::Data(format!("surrogate matrix: {e}")))
}

impl Surrogate for Smartcore {
    fn name(&self) -> &'static str {
        match self {
            Smartcore::Tree { .. } => "tree",
            Smartcore::Forest { .. } => "forest",
        }
    }

    fn fit(
        &self,
        x: &BinnedMatrix,
        labels: &Labels,
        train: &[u32],
        features: &[usize],
        seed: u64,
    ) -> Result<Box<dyn Fitted>> {
        let feats: Vec<usize> = if features.is_empty() {
            vec![0]
        } else {
            features.to_vec()
        };
        let m = matrix(dense(&x.view(), train, &feats), feats.len())?;
        let what = match self {
            Smartcore::Tree { .. } => "decision tree",
            Smartcore::Forest { .. } => "random forest",
        };
        let fail = |e: smartcore::error::Failed| Error::Data(format!("{what}: {e}"));
        let (model, k) = match (*self, labels) {
            (Smartcore::Tree { max_depth }, Labels::Classes { y, k }) => {
                let t: Vec<u32> = train.iter().map(|&r| y[r as usize]).collect();
                let mut params =
                    DecisionTreeClassifierParameters::default().with_max_depth(max_depth);
                params.seed = Some(seed);
                let tree = DecisionTreeClassifier::fit(&m, &t, params).map_err(fail)?;
                (Model::TreeClass(tree), *k)
            }
            (Smartcore::Tree { max_depth }, Labels::Values(y)) => {
                let t: Vec<f64> = train.iter().map(|&r| y[r as usize]).collect();
                let params = DecisionTreeRegressorParameters::default().with_max_depth(max_depth);
                let tree = DecisionTreeRegressor::fit(&m, &t, params).map_err(fail)?;
                (Model::TreeReg(tree), 1)
            }
            (Smartcore::Forest { n_trees, max_depth }, Labels::Classes { y, k }) => {
                let t: Vec<u32> = train.iter().map(|&r| y[r as usize]).collect();
                let params = RandomForestClassifierParameters::default()
                    .with_n_trees(n_trees)
                    .with_max_depth(max_depth)
                    .with_seed(seed);
                let forest = RandomForestClassifier::fit(&m, &t, params).map_err(fail)?;
                (Model::ForestClass(forest), *k)
            }
            (Smartcore::Forest { n_trees, max_depth }, Labels::Values(y)) => {
                let t: Vec<f64> = train.iter().map(|&r| y[r as usize]).collect();
                let params = RandomForestRegressorParameters::default()
                    .with_n_trees(usize::from(n_trees))
                    .with_max_depth(max_depth)
                    .with_seed(seed);
                let forest = RandomForestRegressor::fit(&m, &t, params).map_err(fail)?;
                (Model::ForestReg(forest), 1)
            }
        };
        Ok(Box::new(FittedModel {
            model,
            k,
            features: feats,
        }))
    }

    fn trees_per_fit(&self, _classes: usize) -> usize {
        match *self {
            Smartcore::Tree { .. } => 1,
            Smartcore::Forest { n_trees, .. } => usize::from(n_trees),
        }
    }

    fn light(&self) -> Box<dyn Surrogate> {
        Box::new(match *self {
            Smartcore::Tree { max_depth } => Smartcore::Tree {
                max_depth: max_depth.min(6),
            },
            Smartcore::Forest { n_trees, max_depth } => Smartcore::Forest {
                n_trees: n_trees.min(10),
                max_depth: max_depth.min(8),
            },
        })
    }
}

impl Fitted for FittedModel {
    fn predict(&self, cols: &[&[u8]], rows: &[u32]) -> Predictions {
        let m = matrix(dense(cols, rows, &self.features), self.features.len()).ok();
        // A prediction that fails (it cannot for a matrix of the fitted width) scores as
        // missing: an impossible class or NaN, never a panic.
        let classes = |p: Option<Vec<u32>>| {
            let labels = p.unwrap_or_else(|| vec![u32::MAX; rows.len()]);
            Predictions::one_hot(labels.into_iter().map(|l| l as usize), self.k)
        };
        let values = |p: Option<Vec<f64>>| Predictions {
            width: 1,
            values: p.unwrap_or_else(|| vec![f64::NAN; rows.len()]),
        };
        match &self.model {
            Model::TreeClass(t) => classes(m.and_then(|m| t.predict(&m).ok())),
            Model::TreeReg(t) => values(m.and_then(|m| t.predict(&m).ok())),
            Model::ForestClass(f) => classes(m.and_then(|m| f.predict(&m).ok())),
            Model::ForestReg(f) => values(m.and_then(|m| f.predict(&m).ok())),
        }
    }
}
