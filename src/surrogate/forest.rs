//! smartcore random forest (the model rfpimp uses), for users who want that baseline. Slow on
//! large data (tens of seconds for 100k rows) and without probabilities: predictions are one-hot.

use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use super::tree::dense_matrix;
use super::{dense, BinnedMatrix, Fitted, Labels, Predictions, Surrogate};
use crate::error::{Error, Result};

/// Random-forest surrogate.
#[derive(Debug, Clone)]
pub struct Forest {
    /// Number of trees.
    pub n_trees: u16,
    /// Maximum depth per tree.
    pub max_depth: u16,
}

enum Model {
    Class {
        forest: RandomForestClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>,
        k: usize,
    },
    Reg(RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>),
}

struct FittedForest {
    model: Model,
    features: Vec<usize>,
}

impl Surrogate for Forest {
    fn name(&self) -> &'static str {
        "forest"
    }

    fn fit(
        &self,
        x: &BinnedMatrix,
        labels: &Labels,
        train: &[u32],
        features: &[usize],
        seed: u64,
    ) -> Result<Box<dyn Fitted>> {
        let cols = x.view();
        let feats: Vec<usize> = if features.is_empty() {
            vec![0]
        } else {
            features.to_vec()
        };
        let m = dense_matrix(dense(&cols, train, &feats), feats.len())?;
        let fail = |e: smartcore::error::Failed| Error::Data(format!("random forest: {e}"));
        let model = match labels {
            Labels::Classes { y, k } => {
                let t: Vec<u32> = train.iter().map(|&r| y[r as usize]).collect();
                let params = RandomForestClassifierParameters::default()
                    .with_n_trees(self.n_trees)
                    .with_max_depth(self.max_depth)
                    .with_seed(seed);
                Model::Class {
                    forest: RandomForestClassifier::fit(&m, &t, params).map_err(fail)?,
                    k: *k,
                }
            }
            Labels::Values(y) => {
                let t: Vec<f64> = train.iter().map(|&r| y[r as usize]).collect();
                let params = RandomForestRegressorParameters::default()
                    .with_n_trees(self.n_trees as usize)
                    .with_max_depth(self.max_depth)
                    .with_seed(seed);
                Model::Reg(RandomForestRegressor::fit(&m, &t, params).map_err(fail)?)
            }
        };
        Ok(Box::new(FittedForest {
            model,
            features: feats,
        }))
    }

    fn light(&self) -> Box<dyn Surrogate> {
        Box::new(Forest {
            n_trees: self.n_trees.min(10),
            max_depth: self.max_depth.min(8),
        })
    }
}

impl Fitted for FittedForest {
    fn predict(&self, cols: &[&[u8]], rows: &[u32]) -> Predictions {
        let m = dense_matrix(dense(cols, rows, &self.features), self.features.len()).ok();
        match &self.model {
            Model::Class { forest, k } => {
                let labels = m
                    .and_then(|m| forest.predict(&m).ok())
                    .unwrap_or_else(|| vec![u32::MAX; rows.len()]);
                Predictions::one_hot(labels.into_iter().map(|l| l as usize), *k)
            }
            Model::Reg(forest) => {
                let values = m
                    .and_then(|m| forest.predict(&m).ok())
                    .unwrap_or_else(|| vec![f64::NAN; rows.len()]);
                Predictions { width: 1, values }
            }
        }
    }
}
