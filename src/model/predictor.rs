//! A model in the caller's own memory, scored by the audit as a model file is: a linfa or
//! smartcore model in Rust, anything that predicts from a matrix of numbers. The audit hands it
//! the evaluation rows of its input columns as a row-major matrix ([`ModelInput`]) and asks for
//! class probabilities or values; for permutation importance one column is shuffled.

use std::fmt;

use super::{EvalRows, ModelFormat, Output, Scorer};
use crate::data::Values;
use crate::surrogate::Predictions;

/// Why a model could not predict, in one line (the audit's error names the model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredictError(pub String);

impl fmt::Display for PredictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PredictError {}

impl From<String> for PredictError {
    fn from(s: String) -> Self {
        PredictError(s)
    }
}

impl From<&str> for PredictError {
    fn from(s: &str) -> Self {
        PredictError(s.to_string())
    }
}

/// The rows a [`Predictor`] is asked about: `rows` x `columns.len()` numbers, row-major. A
/// missing value is NaN, a boolean 0 or 1, a datetime seconds since 1970.
#[derive(Debug, Clone, Copy)]
pub struct ModelInput<'a> {
    /// The model's input columns, in order.
    pub columns: &'a [String],
    /// Rows asked about.
    pub rows: usize,
    /// The values, row after row.
    pub values: &'a [f64],
}

impl ModelInput<'_> {
    /// Row `r`'s values.
    pub fn row(&self, r: usize) -> &[f64] {
        let k = self.columns.len();
        &self.values[r * k..(r + 1) * k]
    }

    /// As an ndarray matrix (rows x columns), what linfa and smartcore models predict from.
    #[cfg(feature = "ndarray")]
    pub fn to_ndarray(&self) -> ndarray::Array2<f64> {
        ndarray::Array2::from_shape_vec((self.rows, self.columns.len()), self.values.to_vec())
            .expect("rows x columns values")
    }
}

/// A model the audit scores from memory ([`Audit::predictor`](crate::Audit::predictor)): its
/// score and permutation importance are reported as a model file's are, and the checks read
/// its reliance on leaks.
///
/// ```
/// use leakhound::{ModelInput, ModelOutput, PredictError, Predictor};
///
/// /// Predicts the class from the sign of the first input.
/// struct Sign;
///
/// impl Predictor for Sign {
///     fn name(&self) -> String {
///         "sign".into()
///     }
///     fn output(&self) -> ModelOutput {
///         ModelOutput::Classes { labels: vec!["0".into(), "1".into()], stored: true }
///     }
///     fn predict(&self, x: &ModelInput) -> Result<Vec<f64>, PredictError> {
///         Ok((0..x.rows).flat_map(|r| {
///             let p = if x.row(r)[0] > 0.0 { 0.9 } else { 0.1 };
///             [1.0 - p, p]
///         }).collect())
///     }
/// }
/// # let _ = Sign.predict(&ModelInput { columns: &["a".into()], rows: 1, values: &[1.0] });
/// ```
pub trait Predictor: Send + Sync {
    /// What the report calls it.
    fn name(&self) -> String;

    /// What it predicts: class probabilities (one per label, in order) or one value.
    fn output(&self) -> Output;

    /// The input columns it was fitted on, in order, when it knows them (else `model_features`
    /// names them, or the data's feature columns in order are used).
    fn feature_names(&self) -> Option<Vec<String>> {
        None
    }

    /// Predictions for the rows of `x`: per row one probability per class of
    /// [`Predictor::output`], or one value; row after row.
    fn predict(&self, x: &ModelInput) -> Result<Vec<f64>, PredictError>;
}

/// A [`Predictor`] as the audit's scorer.
pub(crate) struct InMemory(pub Box<dyn Predictor>);

impl Scorer for InMemory {
    fn name(&self) -> String {
        self.0.name()
    }

    fn format(&self) -> ModelFormat {
        ModelFormat::Rust
    }

    fn description(&self) -> String {
        match self.0.output() {
            Output::Classes { labels, .. } => {
                format!("in-memory {}, {} classes", self.0.name(), labels.len())
            }
            Output::Values => format!("in-memory {}, regression", self.0.name()),
        }
    }

    fn feature_names(&self) -> Option<Vec<String>> {
        self.0.feature_names()
    }

    fn output(&self) -> Output {
        self.0.output()
    }

    fn predict_rows(
        &self,
        eval: &EvalRows,
        permute: Option<(usize, &[usize])>,
    ) -> std::result::Result<Predictions, String> {
        let k = eval.inputs.len();
        let n = eval.rows.len();
        let columns: Vec<String> = eval
            .inputs
            .iter()
            .map(|&f| eval.data.features[f].name.clone())
            .collect();
        let mut values = vec![f64::NAN; n * k];
        for j in 0..k {
            let col = eval.column(j, permute);
            match &col.values {
                Values::Numeric(v) => {
                    for r in 0..n {
                        values[r * k + j] = v.get(r);
                    }
                }
                // Whole-number codes the data holds as categories (a grade 1-5) are numbers.
                Values::Categorical { codes, levels } => {
                    let numbers: Vec<Option<f64>> = levels
                        .iter()
                        .map(|l| l.trim().parse::<f64>().ok())
                        .collect();
                    for r in 0..n {
                        let code = codes[r];
                        if code == crate::data::MISSING_CODE {
                            continue;
                        }
                        values[r * k + j] = numbers[code as usize].ok_or_else(|| {
                            format!(
                                "'{}' is text ('{}'); a Predictor takes numbers (encode it first)",
                                columns[j], levels[code as usize]
                            )
                        })?;
                    }
                }
            }
        }
        let x = ModelInput {
            columns: &columns,
            rows: n,
            values: &values,
        };
        let out = self.0.predict(&x).map_err(|e| e.0)?;
        let width = match self.0.output() {
            Output::Classes { labels, .. } => labels.len(),
            Output::Values => 1,
        };
        if out.len() != n * width {
            return Err(format!(
                "the model gave {} values for {n} rows of {width}",
                out.len()
            ));
        }
        Ok(Predictions { width, values: out })
    }
}
