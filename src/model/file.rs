//! A model file (feature `models`): ONNX, CatBoost JSON, XGBoost JSON / UBJSON, LightGBM text,
//! read and evaluated natively, never executed as code.

use std::path::{Path, PathBuf};

use hessboost::model::{BoostedModel, ModelFormat as HbFormat};

use super::{catboost, feed, onnx, ubjson, EvalRows, ModelFormat, Output, Scorer};
use crate::data::{Column, Values};
use crate::error::{Error, Result};
use crate::surrogate::Predictions;

enum Engine {
    Boosted {
        model: Box<BoostedModel>,
        link: Link,
    },
    Onnx(Box<onnx::OnnxModel>),
    CatBoost(Box<catboost::CatBoostModel>),
}

/// How a boosted model's margins become probabilities or values.
#[derive(Debug, Clone, Copy)]
enum Link {
    /// `binary:logistic` and relatives: sigmoid of the margin.
    Sigmoid,
    /// `binary:hinge`: 0/1 predictions.
    Hinge,
    /// `multi:*`: softmax of the margins.
    Softmax,
    /// Regression: the objective's own transform.
    Value,
}

/// A loaded model.
pub struct UserModel {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its format.
    pub format: ModelFormat,
    /// Feature names stored in the file, in input order.
    pub feature_names: Option<Vec<String>>,
    /// Number of inputs, when the file says.
    pub n_features: Option<usize>,
    /// Classes or values.
    pub output: Output,
    /// A short description (objective, producer, trees).
    pub description: String,
    /// SHA-256 of the file's bytes, lowercase hex: what `compare` tells model versions apart by.
    pub sha256: String,
    engine: Engine,
}

/// How to export instead of pickling, shown when a pickle is refused.
const EXPORT_HINT: &str = "export it instead: scikit-learn with skl2onnx (to_onnx(model_or_pipeline, X[:1]) -> model.onnx), PyTorch with torch.onnx.export, CatBoost with model.save_model(\"m.json\", format=\"json\"), XGBoost with booster.save_model(\"m.json\") or \"m.ubj\", LightGBM with booster.save_model(\"m.txt\")";

impl UserModel {
    /// Load a model file, choosing the format by extension and checking the content agrees.
    pub fn load(path: &Path) -> Result<UserModel> {
        let bytes = std::fs::read(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::FileNotFound {
                    path: path.to_path_buf(),
                }
            } else {
                Error::io(path, e)
            }
        })?;
        Self::from_bytes(path, &bytes)
    }

    /// Load a model from bytes; `path` gives the format (by extension) and names the file in
    /// errors.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<UserModel> {
        let fail = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        if is_pickle(path, bytes) {
            return Err(fail(format!(
                "pickle/joblib files can run arbitrary code when loaded and are never opened; {EXPORT_HINT}"
            )));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let format = match ext.as_str() {
            "onnx" => ModelFormat::Onnx,
            "json" if catboost::sniff(bytes) => ModelFormat::CatboostJson,
            "json" => ModelFormat::XgboostJson,
            "cbm" => {
                return Err(fail(
                    "a CatBoost binary model is not read; save it as JSON: model.save_model(\"m.json\", format=\"json\")".into(),
                ))
            }
            "ubj" | "ubjson" => ModelFormat::XgboostUbjson,
            "txt" | "model" | "lgb" | "lgbm" => ModelFormat::LightgbmText,
            _ => {
                return Err(fail(format!(
                    "unknown model file type '.{ext}' (expected .onnx, .json or .ubj from XGBoost, .json from CatBoost, .txt from LightGBM)"
                )))
            }
        };
        if bytes.is_empty() {
            return Err(fail("model file is empty".into()));
        }
        let sniffed = HbFormat::detect(bytes);
        let mismatch = |what: &str| {
            fail(format!(
                "the extension says {what} but the content is not; is this the right file?"
            ))
        };
        let mut model = match format {
            ModelFormat::Onnx => {
                if sniffed.is_some() {
                    return Err(mismatch("ONNX"));
                }
                let m = onnx::OnnxModel::decode(bytes).map_err(fail)?;
                let output = match &m.classes {
                    Some(labels) => Output::Classes {
                        labels: labels.clone(),
                        stored: m.labels_stored,
                    },
                    None => Output::Values,
                };
                UserModel {
                    path: path.to_path_buf(),
                    format,
                    feature_names: m.feature_names.clone(),
                    n_features: m.n_features,
                    output,
                    description: format!("ONNX from {}", m.producer),
                    sha256: String::new(),
                    engine: Engine::Onnx(Box::new(m)),
                }
            }
            ModelFormat::CatboostJson => {
                let m = catboost::CatBoostModel::decode(bytes)
                    .map_err(|e| fail(format!("cannot read a CatBoost JSON model: {e}")))?;
                let output = if m.n_classes > 0 {
                    Output::Classes {
                        labels: m
                            .classes
                            .clone()
                            .unwrap_or_else(|| (0..m.n_classes).map(|c| c.to_string()).collect()),
                        stored: m.classes.is_some(),
                    }
                } else {
                    Output::Values
                };
                UserModel {
                    path: path.to_path_buf(),
                    format,
                    feature_names: Some(m.names.clone()),
                    n_features: Some(m.n_features()),
                    output,
                    description: format!("CatBoost {}, {} trees", m.loss, m.n_trees()),
                    sha256: String::new(),
                    engine: Engine::CatBoost(Box::new(m)),
                }
            }
            _ => {
                let (expected, name) = match format {
                    ModelFormat::XgboostJson => (HbFormat::XgboostJson, "an XGBoost JSON model"),
                    ModelFormat::XgboostUbjson => {
                        (HbFormat::XgboostUbjson, "an XGBoost UBJSON model")
                    }
                    _ => (HbFormat::LightgbmText, "a LightGBM text model"),
                };
                if sniffed != Some(expected) {
                    return Err(mismatch(name));
                }
                let model = BoostedModel::decode(bytes, expected)
                    .map_err(|e| fail(format!("cannot read {name}: {e}")))?;
                let names = match format {
                    ModelFormat::XgboostJson => xgboost_json_names(bytes),
                    ModelFormat::XgboostUbjson => ubjson::feature_names(bytes),
                    _ => lightgbm_names(bytes),
                };
                boosted(path, format, model, names).map_err(fail)?
            }
        };
        if let (Some(names), Some(n)) = (&model.feature_names, model.n_features) {
            if names.len() != n {
                model.feature_names = None;
            }
        }
        model.sha256 = sha256_hex(bytes);
        Ok(model)
    }

    /// Predict rows (row-major, `cols` values each, NaN for missing). Classifiers give one
    /// probability column per entry of [`Output::Classes`]; regressors one value.
    pub fn predict(&self, rows: &[f64], cols: usize) -> std::result::Result<Predictions, String> {
        let n = rows.len().checked_div(cols).unwrap_or(0);
        let columns: Vec<Column> = (0..cols)
            .map(|j| Column {
                name: format!("input {j}"),
                ty: crate::data::ColumnType::Numeric,
                values: Values::Numeric((0..n).map(|r| rows[r * cols + j]).collect()),
                missing: 0,
                bool_tokens: None,
            })
            .collect();
        self.predict_columns(&columns)
    }

    /// Predict every row of a table, its columns matched to the model's inputs as an audit
    /// matches them (by the names the model stores, else in column order).
    pub fn predict_table(&self, table: &crate::Table) -> Result<Predictions> {
        let frame = table.frame();
        let columns: Vec<Column> = match &self.feature_names {
            Some(names) => names
                .iter()
                .map(|n| {
                    frame
                        .columns
                        .iter()
                        .find(|c| &c.name == n)
                        .cloned()
                        .ok_or_else(|| Error::Model {
                            path: self.path.clone(),
                            message: format!(
                                "the model takes column '{n}', which the table does not have"
                            ),
                        })
                })
                .collect::<Result<_>>()?,
            None => frame.columns.clone(),
        };
        self.predict_columns(&columns)
            .map_err(|message| Error::Model {
                path: self.path.clone(),
                message,
            })
    }

    /// Predict from one column per model input, in input order.
    pub(crate) fn predict_columns(
        &self,
        cols: &[Column],
    ) -> std::result::Result<Predictions, String> {
        let n = cols.first().map_or(0, Column::len);
        let width = match &self.output {
            Output::Classes { labels, .. } => labels.len(),
            Output::Values => 1,
        };
        let values = match &self.engine {
            Engine::Onnx(m) => {
                let out = m.run(onnx_feeds(m, cols)?)?;
                if out.rows != n || out.cols != width {
                    return Err(format!(
                        "the model output {}x{} values for {n} rows, expected {width} per row",
                        out.rows, out.cols
                    ));
                }
                out.data
            }
            Engine::CatBoost(m) => m.predict(cols)?,
            Engine::Boosted { model, link } => {
                let numeric: Vec<Vec<f64>> = cols
                    .iter()
                    .map(feed::numbers)
                    .collect::<std::result::Result<_, _>>()?;
                let x: Vec<f32> = interleave(&numeric, n)
                    .into_iter()
                    .map(|v| if v.is_finite() { v as f32 } else { f32::NAN })
                    .collect();
                let raw = match link {
                    Link::Sigmoid | Link::Softmax => model.predict_margin_rows(&x, Iterations),
                    Link::Hinge | Link::Value => model.predict_rows(&x, Iterations),
                }
                .map_err(|e| e.to_string())?;
                let raw: Vec<f64> = (0..raw.n_rows())
                    .flat_map(|r| raw.row(r).unwrap_or(&[]).to_vec())
                    .map(f64::from)
                    .collect();
                link.apply(raw, width)
            }
        };
        if values.len() != n * width {
            return Err(format!(
                "the model gave {} values for {n} rows of width {width}",
                values.len()
            ));
        }
        Ok(Predictions { width, values })
    }
}

impl Link {
    /// Margins (or values) to probabilities (or values), `width` per row.
    fn apply(self, raw: Vec<f64>, width: usize) -> Vec<f64> {
        match self {
            Link::Sigmoid => raw
                .iter()
                .flat_map(|&m| {
                    let p = onnx::logistic(m);
                    [1.0 - p, p]
                })
                .collect(),
            Link::Hinge => raw.iter().flat_map(|&p| [1.0 - p, p]).collect(),
            Link::Softmax => {
                let mut v = raw;
                v.chunks_mut(width.max(1))
                    .for_each(|row| onnx::softmax(row, false));
                v
            }
            Link::Value => raw,
        }
    }
}

/// Columns of `n` values side by side, row-major.
fn interleave<T: Clone>(per_col: &[Vec<T>], n: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(n * per_col.len());
    for r in 0..n {
        out.extend(per_col.iter().map(|c| c[r].clone()));
    }
    out
}

/// One tensor per ONNX input from the columns (in input slot order), typed as each input
/// declares: floats rounded to the declared precision, integers, or strings.
fn onnx_feeds(m: &onnx::OnnxModel, cols: &[Column]) -> std::result::Result<Vec<Tensor>, String> {
    use onnx::tensor::{class_of, fit, Class};
    let widths = m.widths(cols.len());
    if widths.iter().sum::<usize>() != cols.len() {
        return Err(format!(
            "the model's inputs take {} columns, {} were given",
            widths.iter().sum::<usize>(),
            cols.len()
        ));
    }
    let n = cols.first().map_or(0, Column::len);
    let mut feeds = Vec::with_capacity(widths.len());
    let mut start = 0;
    for (input, w) in m.inputs.iter().zip(widths) {
        let part = &cols[start..start + w];
        start += w;
        let shape = vec![n, w];
        let tensor = match class_of(input.elem) {
            Some(Class::Str) => {
                let per: Vec<Vec<String>> = part.iter().map(feed::texts).collect();
                Tensor::strings(shape, interleave(&per, n))
            }
            Some(Class::Int) => {
                let per: Vec<Vec<i64>> = part
                    .iter()
                    .map(feed::integers)
                    .collect::<std::result::Result<_, _>>()?;
                Tensor {
                    shape,
                    data: onnx::tensor::Data::Int(interleave(&per, n)),
                    elem: input.elem,
                }
            }
            _ => {
                let per: Vec<Vec<f64>> = part
                    .iter()
                    .map(feed::numbers)
                    .collect::<std::result::Result<_, _>>()?;
                let values = interleave(&per, n)
                    .into_iter()
                    .map(|v| fit(v, input.elem))
                    .collect();
                Tensor::floats(shape, values, input.elem)
            }
        };
        feeds.push(tensor);
    }
    Ok(feeds)
}

use onnx::tensor::Tensor;

/// hessboost's "use every boosting round the model has" (its best iteration when recorded).
#[allow(non_upper_case_globals)]
const Iterations: hessboost::model::Iterations = hessboost::model::Iterations::Best;

fn boosted(
    path: &Path,
    format: ModelFormat,
    model: BoostedModel,
    names: Option<Vec<String>>,
) -> std::result::Result<UserModel, String> {
    let objective = model.objective().name().to_string();
    let k = model.n_outputs();
    let (link, output) = if objective.starts_with("multi:") {
        (
            Link::Softmax,
            Output::Classes {
                labels: (0..k).map(|c| c.to_string()).collect(),
                stored: false,
            },
        )
    } else if objective.starts_with("binary:") {
        let link = if objective == "binary:hinge" {
            Link::Hinge
        } else {
            Link::Sigmoid
        };
        (
            link,
            Output::Classes {
                labels: vec!["0".into(), "1".into()],
                stored: false,
            },
        )
    } else if k == 1 {
        (Link::Value, Output::Values)
    } else {
        return Err(format!(
            "objective '{objective}' has {k} outputs per row; leakhound audits classifiers and single-output regressors"
        ));
    };
    Ok(UserModel {
        path: path.to_path_buf(),
        format,
        feature_names: names,
        n_features: Some(model.n_features()),
        output,
        description: format!("{objective}, {} trees", model.num_trees()),
        sha256: String::new(),
        engine: Engine::Boosted {
            model: Box::new(model),
            link,
        },
    })
}

/// SHA-256 of `bytes` in lowercase hex, as `sha256sum` prints it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the file is a Python pickle (or a joblib dump of one).
fn is_pickle(path: &Path, bytes: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    // Protocol 2+ starts with PROTO (0x80) then the version; joblib may zlib-compress.
    ["pkl", "pickle", "joblib", "sav", "pck"].contains(&ext.as_str())
        || (bytes.len() > 2 && bytes[0] == 0x80 && (2..=5).contains(&bytes[1]))
}

/// `learner.feature_names` of an XGBoost JSON model (empty when trained without names).
fn xgboost_json_names(bytes: &[u8]) -> Option<Vec<String>> {
    let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let names: Vec<String> = doc
        .get("learner")?
        .get("feature_names")?
        .as_array()?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    (!names.is_empty()).then_some(names)
}

/// `feature_names=` of a LightGBM text model (LightGBM writes Column_0.. when it had none).
fn lightgbm_names(bytes: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("feature_names="))?;
    let names: Vec<String> = line.split(' ').map(str::to_string).collect();
    let generic = names
        .iter()
        .enumerate()
        .all(|(i, n)| *n == format!("Column_{i}"));
    (!names.is_empty() && !generic).then_some(names)
}

impl Scorer for UserModel {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn format(&self) -> ModelFormat {
        self.format
    }

    fn description(&self) -> String {
        self.description.clone()
    }

    fn sha256(&self) -> Option<String> {
        Some(self.sha256.clone())
    }

    fn feature_names(&self) -> Option<Vec<String>> {
        self.feature_names.clone()
    }

    fn n_features(&self) -> Option<usize> {
        self.n_features
    }

    fn output(&self) -> Output {
        self.output.clone()
    }

    /// Columns go to the model as its inputs declare them: numbers, integers or strings.
    fn predict_rows(
        &self,
        eval: &EvalRows,
        permute: Option<(usize, &[usize])>,
    ) -> std::result::Result<Predictions, String> {
        let cols: Vec<Column> = (0..eval.inputs.len())
            .map(|j| eval.column(j, permute))
            .collect();
        self.predict_columns(&cols)
    }
}
