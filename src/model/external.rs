//! A model that lives outside the library, called on rows of the table the audit was given: a
//! fitted Python object (the Python package's), a model served elsewhere. The audit scores it
//! and measures its permutation importance as it does a model file's.

use super::{EvalRows, ModelFormat, Output, Scorer};
use crate::surrogate::Predictions;

/// A model the audit calls on rows of the data it was given.
///
/// The audit asks for predictions of some rows of the table it was given (the test table when
/// there is one), reading the model's input columns by name; for permutation importance one
/// column takes the values of other rows.
pub trait ExternalModel: Send + Sync {
    /// What the report calls it (its class).
    fn name(&self) -> String;
    /// A short description (kind, classes).
    fn description(&self) -> String;
    /// The input columns it was fitted on, in order, when it knows them.
    fn feature_names(&self) -> Option<Vec<String>>;
    /// Classes (one probability each) or one value.
    fn output(&self) -> Output;
    /// Predictions for rows `rows` of the table (0-based row numbers of the table as given),
    /// reading `columns`. With `permute = Some((column, from))`, that column holds, in the
    /// `i`-th row, the value of row `from[i]`. Returns the values per row and the row-major
    /// values; an error is one line.
    fn predict(
        &self,
        columns: &[String],
        rows: &[usize],
        permute: Option<(&str, &[usize])>,
    ) -> std::result::Result<(usize, Vec<f64>), String>;
}

/// An [`ExternalModel`] as the audit's [`Scorer`].
pub(crate) struct External(pub Box<dyn ExternalModel>);

impl Scorer for External {
    fn name(&self) -> String {
        self.0.name()
    }

    fn format(&self) -> ModelFormat {
        ModelFormat::Python
    }

    fn description(&self) -> String {
        self.0.description()
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
        let columns: Vec<String> = eval
            .inputs
            .iter()
            .map(|&f| eval.data.features[f].name.clone())
            .collect();
        let rows: Vec<usize> = eval.rows.iter().map(|&r| eval.data.source_row(r)).collect();
        let permuted: Option<Vec<usize>> =
            permute.map(|(_, order)| order.iter().map(|&o| rows[o]).collect());
        let permute = permute
            .zip(permuted.as_deref())
            .map(|((j, _), from)| (columns[j].as_str(), from));
        let (width, values) = self.0.predict(&columns, &rows, permute)?;
        Ok(Predictions { width, values })
    }
}
