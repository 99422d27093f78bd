//! The user's fitted Python model as an [`ExternalModel`]: called with a frame of the same kind and
//! columns as the data it was given (pandas, polars or pyarrow), sliced to the evaluation rows
//! with one column permuted, in batches; `predict_proba` for classifiers, `predict` otherwise.
//! The frame handling is in `leakhound/_bridge.py`.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use leakhound::{ExternalModel, ModelOutput as Output};

/// Rows per call of the model.
const BATCH: usize = 20_000;

/// A live Python model.
pub(super) struct PyPredictor {
    model: Py<PyAny>,
    frame: Py<PyAny>,
    kind: String,
    name: String,
    description: String,
    feature_names: Option<Vec<String>>,
    output: Output,
}

impl PyPredictor {
    /// Inspect `model` once: its class, its input names (`feature_names_in_`) and its classes
    /// (`classes_` with `predict_proba`) or values (`predict`).
    pub(super) fn new(
        py: Python<'_>,
        model: Py<PyAny>,
        frame: Option<Py<PyAny>>,
        kind: Option<String>,
    ) -> PyResult<Self> {
        let m = model.bind(py);
        let ty = m.get_type();
        let name = format!("{}.{}", ty.module()?, ty.qualname()?);
        let frame = frame.ok_or_else(|| {
            super::error(
                "ModelError",
                "model: the frame to call it on is missing".into(),
            )
        })?;
        let output = if m.hasattr("predict_proba")? && m.hasattr("classes_")? {
            let classes: Vec<Bound<'_, PyAny>> =
                m.getattr("classes_")?.call_method0("tolist")?.extract()?;
            let labels = classes
                .iter()
                .map(|c| c.str().map(|s| s.to_string()))
                .collect::<PyResult<Vec<String>>>()?;
            Output::Classes {
                labels,
                stored: true,
            }
        } else if m.hasattr("predict")? {
            Output::Values
        } else {
            return Err(super::error(
                "ModelError",
                format!("model: {name} has neither predict_proba nor predict; pass a fitted model"),
            ));
        };
        let feature_names = if m.hasattr("feature_names_in_")? {
            Some(
                m.getattr("feature_names_in_")?
                    .call_method0("tolist")?
                    .extract::<Vec<String>>()?,
            )
        } else {
            None
        };
        let description = match &output {
            Output::Classes { labels, .. } => format!("live {name}, {} classes", labels.len()),
            Output::Values => format!("live {name}, regression"),
        };
        Ok(PyPredictor {
            model,
            frame,
            kind: kind.unwrap_or_else(|| "pandas".into()),
            name,
            description,
            feature_names,
            output,
        })
    }
}

fn bytes_of(v: &[usize]) -> Vec<u8> {
    v.iter().flat_map(|&r| (r as i64).to_le_bytes()).collect()
}

impl ExternalModel for PyPredictor {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn description(&self) -> String {
        self.description.clone()
    }

    fn feature_names(&self) -> Option<Vec<String>> {
        self.feature_names.clone()
    }

    fn output(&self) -> Output {
        self.output.clone()
    }

    fn predict(
        &self,
        columns: &[String],
        source: &[usize],
        permute: Option<(&str, &[usize])>,
    ) -> Result<(usize, Vec<f64>), String> {
        let proba = matches!(self.output, Output::Classes { .. });
        let mut values = Vec::new();
        let mut width = 0;
        for start in (0..source.len()).step_by(BATCH) {
            let end = (start + BATCH).min(source.len());
            let (w, v) = Python::attach(|py| -> PyResult<(usize, Vec<f64>)> {
                let bridge = py.import("leakhound._bridge")?;
                let rows = PyBytes::new(py, &bytes_of(&source[start..end]));
                let (col, order) = match permute {
                    Some((c, o)) => (Some(c), Some(PyBytes::new(py, &bytes_of(&o[start..end])))),
                    None => (None, None),
                };
                let out = bridge.getattr("predict")?.call1((
                    self.model.bind(py),
                    self.frame.bind(py),
                    self.kind.as_str(),
                    columns.to_vec(),
                    rows,
                    col,
                    order,
                    proba,
                ))?;
                let (raw, w): (Vec<u8>, usize) = out.extract()?;
                let v = raw
                    .chunks_exact(8)
                    .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                    .collect();
                Ok((w, v))
            })
            .map_err(|e| Python::attach(|py| describe(py, &e)))?;
            width = w;
            values.extend(v);
        }
        Ok((width, values))
    }
}

/// A Python exception as one line: "TypeError: message".
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let ty = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    format!(
        "calling the model raised {ty}: {}",
        msg.lines().next().unwrap_or("")
    )
}
