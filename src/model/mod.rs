//! The user's own trained model, loaded from an exported file and never executed as code:
//! ONNX (evaluated natively on tensors, see [`onnx`]), CatBoost JSON (oblivious trees, string
//! categories by their hash), XGBoost JSON / UBJSON and LightGBM text (through `hessboost`).
//! Pickle and joblib files are refused with the export command to use instead. Reading model
//! files needs the `models` feature (on by default); a model outside the library
//! ([`ExternalModel`]) does not.
//!
//! What the model is fed: one data column per model input slot, typed as the model declares
//! (see `feed`): numbers with NaN for missing, integers, or text. XGBoost and LightGBM take
//! numbers, so a text column must already hold the encoding they were trained on.

pub mod audit;
#[cfg(feature = "models")]
mod catboost;
#[cfg(feature = "models")]
mod cityhash;
mod external;
#[cfg(feature = "models")]
mod feed;
#[cfg(feature = "models")]
mod file;
#[cfg(feature = "models")]
pub mod onnx;
mod predictor;
#[cfg(feature = "models")]
mod ubjson;

use serde::{Deserialize, Serialize};

use crate::data::Column;
use crate::data::Dataset;
use crate::surrogate::Predictions;

pub(crate) use external::External;
pub use external::ExternalModel;
#[cfg(feature = "models")]
pub use file::UserModel;
pub(crate) use predictor::InMemory;
pub use predictor::{ModelInput, PredictError, Predictor};

/// File formats of a user's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFormat {
    /// ONNX protobuf (skl2onnx, onnxmltools).
    Onnx,
    /// XGBoost `save_model("m.json")`.
    XgboostJson,
    /// XGBoost `save_model("m.ubj")`.
    XgboostUbjson,
    /// LightGBM `save_model("m.txt")`.
    LightgbmText,
    /// CatBoost `save_model("m.json", format="json")`.
    CatboostJson,
    /// A live model object in Python (`leakhound.audit(..., model=...)`).
    Python,
    /// A model in the caller's memory ([`Predictor`]): a linfa or smartcore model.
    Rust,
}

crate::names::names!(ModelFormat {
    Onnx => "onnx",
    XgboostJson => "xgboost_json",
    XgboostUbjson => "xgboost_ubjson",
    LightgbmText => "lightgbm_text",
    CatboostJson => "catboost_json",
    Python => "python",
    Rust => "rust",
});

/// What the model predicts.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Class probabilities, one column per label (labels as the model stores them, or class
    /// indices "0".."k-1" when the format stores none).
    Classes {
        /// Label per output column.
        labels: Vec<String>,
        /// Whether the labels come from the file (ONNX) or are indices (XGBoost, LightGBM).
        stored: bool,
    },
    /// One value per row.
    Values,
}

/// A model whose predictions the audit reads: the user's exported model file ([`UserModel`]) or a
/// live model (the Python bindings call the user's fitted object).
pub(crate) trait Scorer: Send + Sync {
    /// What the report calls it: the file path, or the model's class.
    fn name(&self) -> String;
    /// Its format.
    fn format(&self) -> ModelFormat;
    /// Objective / producer and size.
    fn description(&self) -> String;
    /// SHA-256 of the model file, when the model is a file.
    fn sha256(&self) -> Option<String> {
        None
    }
    /// Input names stored with the model, in input order.
    fn feature_names(&self) -> Option<Vec<String>>;
    /// Number of inputs, when known.
    fn n_features(&self) -> Option<usize> {
        self.feature_names().as_ref().map(Vec::len)
    }
    /// Classes or values.
    fn output(&self) -> Output;
    /// Predictions for the evaluation rows: one probability per class of
    /// [`Scorer::output`], or one value, per row. With `permute = Some((j, order))`, input `j`
    /// takes row `order[r]`'s value in row `r` (permutation importance).
    fn predict_rows(
        &self,
        eval: &EvalRows,
        permute: Option<(usize, &[usize])>,
    ) -> std::result::Result<Predictions, String>;
}

/// The rows a model is evaluated on.
pub(crate) struct EvalRows<'a> {
    /// The evaluation data.
    pub data: &'a Dataset,
    /// The dataset feature behind each model input, in input order.
    pub inputs: &'a [usize],
    /// The dataset rows evaluated (a sample on large data).
    pub rows: &'a [usize],
}

impl EvalRows<'_> {
    /// Model input `j` over the evaluation rows, permuted by `permute` when it names `j`.
    pub fn column(&self, j: usize, permute: Option<(usize, &[usize])>) -> Column {
        let col = &self.data.features[self.inputs[j]];
        match permute {
            Some((p, order)) if p == j => {
                let rows: Vec<usize> = order.iter().map(|&o| self.rows[o]).collect();
                col.take(&rows)
            }
            _ => col.take(self.rows),
        }
    }
}
