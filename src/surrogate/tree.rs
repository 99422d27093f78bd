//! A single decision tree (smartcore), seeded. linfa-trees was used for classification until a
//! property test found its fits differ between runs (it breaks ties in `HashMap` order).
//! Interpretable and slow-ish; used as an alternative surrogate and for evidence.

use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};
use smartcore::tree::decision_tree_regressor::{
    DecisionTreeRegressor, DecisionTreeRegressorParameters,
};

use super::{dense, BinnedMatrix, Fitted, Labels, Predictions, Surrogate};
use crate::error::{Error, Result};

/// Decision-tree surrogate.
#[derive(Debug, Clone)]
pub struct Tree {
    /// Maximum depth.
    pub max_depth: usize,
}

enum Model {
    Class {
        tree: DecisionTreeClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>,
        k: usize,
    },
    Reg(DecisionTreeRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>),
}

struct FittedTree {
    model: Model,
    features: Vec<usize>,
}

pub(super) fn dense_matrix(rows: Vec<Vec<f64>>, width: usize) -> Result<DenseMatrix<f64>> {
    let n = rows.len();
    DenseMatrix::new(
        n,
        width.max(1),
        if width == 0 {
            vec![0.0; n]
        } else {
            rows.into_iter().flatten().collect()
        },
        false,
    )
    .map_err(|e| Error::Data(format!("surrogate matrix: {e}")))
}

impl Surrogate for Tree {
    fn name(&self) -> &'static str {
        "tree"
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
        let records = dense(&cols, train, &feats);
        let model = match labels {
            Labels::Classes { y, k } => {
                let m = dense_matrix(records, feats.len())?;
                let t: Vec<u32> = train.iter().map(|&r| y[r as usize]).collect();
                let mut params = DecisionTreeClassifierParameters::default()
                    .with_max_depth(self.max_depth as u16);
                params.seed = Some(seed);
                let tree = DecisionTreeClassifier::fit(&m, &t, params)
                    .map_err(|e| Error::Data(format!("decision tree: {e}")))?;
                Model::Class { tree, k: *k }
            }
            Labels::Values(y) => {
                let m = dense_matrix(records, feats.len())?;
                let t: Vec<f64> = train.iter().map(|&r| y[r as usize]).collect();
                let params = DecisionTreeRegressorParameters::default()
                    .with_max_depth(self.max_depth as u16);
                Model::Reg(
                    DecisionTreeRegressor::fit(&m, &t, params)
                        .map_err(|e| Error::Data(format!("decision tree: {e}")))?,
                )
            }
        };
        Ok(Box::new(FittedTree {
            model,
            features: feats,
        }))
    }

    fn light(&self) -> Box<dyn Surrogate> {
        Box::new(Tree {
            max_depth: self.max_depth.min(6),
        })
    }
}

impl Fitted for FittedTree {
    fn predict(&self, cols: &[&[u8]], rows: &[u32]) -> Predictions {
        let records = dense(cols, rows, &self.features);
        match &self.model {
            Model::Class { tree, k } => {
                let labels = dense_matrix(records, self.features.len())
                    .ok()
                    .and_then(|m| tree.predict(&m).ok())
                    .unwrap_or_else(|| vec![u32::MAX; rows.len()]);
                Predictions::one_hot(labels.iter().map(|&l| l as usize), *k)
            }
            Model::Reg(tree) => {
                let values = dense_matrix(records, self.features.len())
                    .ok()
                    .and_then(|m| tree.predict(&m).ok())
                    .unwrap_or_else(|| vec![f64::NAN; rows.len()]);
                Predictions { width: 1, values }
            }
        }
    }
}
