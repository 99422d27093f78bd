//! ONNX models, decoded from the protobuf with prost and evaluated natively on tensors: the
//! graph is cut back from its probability (or value) output to the nodes that output needs, and
//! each node must be one of the operators listed in [`supported_operators`]; anything else is
//! refused by name. Nothing in the file is executed as code.
//!
//! Every graph input is fed from the audited data: one input per column (skl2onnx's export of a
//! DataFrame pipeline, with string tensors for categorical columns), or one wide float input
//! holding every feature.

mod ml;
mod ops;
pub mod proto;
mod standard;
pub mod tensor;

use std::collections::{HashMap, HashSet};

use prost::Message;

pub use ops::{logistic, softmax, Mat};
use ops::{Ensemble, Linear};
use proto::{dtype, ModelProto, NodeProto, ValueInfoProto};
use tensor::{Data, Tensor};

/// A node ready to run.
#[derive(Debug, Clone)]
enum Op {
    Trees(Ensemble),
    Linear(Linear),
    /// Another `ai.onnx.ml` operator (by name).
    Ml,
    /// A default-domain operator.
    Standard,
}

#[derive(Debug, Clone)]
struct Step {
    op: Op,
    node: NodeProto,
}

/// One graph input the data feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Its name in the graph.
    pub name: String,
    /// ONNX element type code (see [`proto::dtype`]).
    pub elem: i32,
    /// Columns it takes (its second dimension), when declared.
    pub width: Option<usize>,
}

/// An ONNX model reduced to the steps that compute its scores.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    /// The inputs the data feeds, in graph order.
    pub inputs: Vec<Input>,
    /// Number of data columns the model takes, when every input's width is declared.
    pub n_features: Option<usize>,
    /// The data column behind each input slot: the input names when there is one input per
    /// column, else `feature_names` from the model's metadata (comma-separated), if any.
    pub feature_names: Option<Vec<String>>,
    /// Class labels of a classifier (in output column order); `None` for a regressor.
    pub classes: Option<Vec<String>>,
    /// Whether the class labels are stored in the file (not class indices).
    pub labels_stored: bool,
    /// The output is one probability per row (a sigmoid), widened to two classes.
    binary_from_one: bool,
    steps: Vec<Step>,
    constants: HashMap<String, Tensor>,
    output: String,
    opset: i64,
    /// Who exported it (`producer_name producer_version`).
    pub producer: String,
}

const ML: &str = "ai.onnx.ml";

/// The `ai.onnx.ml` operators evaluated.
const ML_OPERATORS: &[&str] = &[
    "ArrayFeatureExtractor",
    "Binarizer",
    "FeatureVectorizer",
    "Imputer",
    "LabelEncoder",
    "LinearClassifier",
    "LinearRegressor",
    "Normalizer",
    "OneHotEncoder",
    "Scaler",
    "TreeEnsembleClassifier",
    "TreeEnsembleRegressor",
    "ZipMap",
];

/// Every operator leakhound evaluates, as `(domain, operator)`.
#[cfg(test)]
fn supported_operators() -> Vec<(&'static str, &'static str)> {
    ML_OPERATORS
        .iter()
        .map(|o| (ML, *o))
        .chain(standard::OPERATORS.iter().map(|o| ("ai.onnx", *o)))
        .collect()
}

/// Ops that pass a value through with its meaning intact (followed when tracing labels).
const PASS_THROUGH: &[&str] = &[
    "Cast",
    "Reshape",
    "Identity",
    "Squeeze",
    "Flatten",
    "Unsqueeze",
];

fn declared(v: &ValueInfoProto) -> Option<&proto::TensorTypeProto> {
    v.r#type.as_ref().and_then(|t| t.tensor_type.as_ref())
}

fn dim(t: &proto::TensorTypeProto, i: usize) -> Option<usize> {
    t.shape
        .as_ref()
        .and_then(|s| s.dim.get(i))
        .and_then(|d| d.dim_value)
        .and_then(|v| usize::try_from(v).ok())
        .filter(|&v| v > 0)
}

impl OnnxModel {
    /// Decode and check a model.
    pub fn decode(bytes: &[u8]) -> Result<OnnxModel, String> {
        let model =
            ModelProto::decode(bytes).map_err(|e| format!("not a valid ONNX protobuf ({e})"))?;
        let graph = model.graph.ok_or("ONNX model has no graph")?;
        if graph.node.is_empty() {
            return Err("ONNX graph has no nodes".into());
        }
        let opset = model
            .opset_import
            .iter()
            .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
            .map_or(13, |o| o.version);
        let constants: HashMap<String, Tensor> = graph
            .initializer
            .iter()
            .filter_map(|t| Some((t.name.clone(), Tensor::from_proto(t)?)))
            .collect();
        let graph_inputs: Vec<&ValueInfoProto> = graph
            .input
            .iter()
            .filter(|i| !constants.contains_key(&i.name))
            .collect();
        if graph_inputs.is_empty() {
            return Err("ONNX graph has no input".into());
        }
        let mut inputs = Vec::new();
        for i in &graph_inputs {
            let t = declared(i);
            let elem = t.map_or(dtype::FLOAT, |t| t.elem_type);
            let elem = if elem == 0 { dtype::FLOAT } else { elem };
            if tensor::class_of(elem).is_none() {
                return Err(format!(
                    "ONNX input '{}' is a {} tensor; leakhound feeds numbers and strings",
                    i.name,
                    dtype::name(elem)
                ));
            }
            let rank = t.and_then(|t| t.shape.as_ref()).map(|s| s.dim.len());
            let width = match rank {
                Some(1) => Some(1),
                _ => t.and_then(|t| dim(t, 1)),
            };
            inputs.push(Input {
                name: i.name.clone(),
                elem,
                width,
            });
        }
        let metadata_names: Option<Vec<String>> = model
            .metadata_props
            .iter()
            .find(|p| p.key == "feature_names")
            .map(|p| p.value.split(',').map(|s| s.trim().to_string()).collect());
        let n_features = inputs.iter().map(|i| i.width).sum::<Option<usize>>();
        let one_per_column = inputs.len() > 1 && inputs.iter().all(|i| i.width == Some(1));
        let feature_names = if one_per_column {
            Some(inputs.iter().map(|i| i.name.clone()).collect())
        } else {
            metadata_names.filter(|n| n_features.is_none_or(|k| n.len() == k))
        };
        if inputs.len() > 1 && n_features.is_none() {
            return Err(format!(
                "ONNX graph has {} inputs ({}) and not every one declares how many columns it takes; export each input with a fixed second dimension",
                inputs.len(),
                inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        let producer_of: HashMap<&str, usize> = graph
            .node
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i)))
            .collect();
        // The score output: the first float tensor output (a classifier's probabilities, a
        // regressor's values; its label output is int64 or string), or the tensor a ZipMap
        // turns into a map.
        let float_output = graph.output.iter().find(|o| {
            declared(o).is_some_and(|t| [dtype::FLOAT, dtype::DOUBLE].contains(&t.elem_type))
        });
        let mut classes: Option<Vec<String>> = None;
        let output = match float_output {
            Some(o) => o.name.clone(),
            None => {
                let zipmap = graph
                    .node
                    .iter()
                    .find(|n| n.domain == ML && n.op_type == "ZipMap")
                    .ok_or("ONNX graph has no float tensor output")?;
                let a = ops::Attrs::new(zipmap);
                let ints = a.ints("classlabels_int64s");
                classes = Some(if ints.is_empty() {
                    a.strings("classlabels_strings")
                } else {
                    ints.iter().map(i64::to_string).collect()
                });
                zipmap.input.first().cloned().ok_or("ZipMap has no input")?
            }
        };
        let output_info = graph.output.iter().find(|o| o.name == output);
        // Walk back from the output to the nodes it needs.
        let mut needed = HashSet::new();
        let mut stack = vec![output.as_str()];
        while let Some(name) = stack.pop() {
            if let Some(&i) = producer_of.get(name) {
                if needed.insert(i) {
                    stack.extend(graph.node[i].input.iter().map(String::as_str));
                }
            }
        }
        let mut steps = Vec::new();
        for (i, node) in graph.node.iter().enumerate() {
            if !needed.contains(&i) {
                continue;
            }
            let domain = node.domain.as_str();
            let op = match (domain, node.op_type.as_str()) {
                (ML, "TreeEnsembleClassifier") | (ML, "LinearClassifier") => {
                    let labels = classifier_labels(node)?;
                    let k = labels.len();
                    classes = Some(labels);
                    if node.op_type == "LinearClassifier" {
                        Op::Linear(Linear::parse(node, Some(k)).map_err(|e| at(node, e))?)
                    } else {
                        Op::Trees(Ensemble::parse(node, Some(k)).map_err(|e| at(node, e))?)
                    }
                }
                (ML, "TreeEnsembleRegressor") => {
                    Op::Trees(Ensemble::parse(node, None).map_err(|e| at(node, e))?)
                }
                (ML, "LinearRegressor") => {
                    Op::Linear(Linear::parse(node, None).map_err(|e| at(node, e))?)
                }
                (ML, op) if ML_OPERATORS.contains(&op) => Op::Ml,
                ("" | "ai.onnx", op) if standard::OPERATORS.contains(&op) => Op::Standard,
                (d, op) => {
                    let d = if d.is_empty() { "ai.onnx" } else { d };
                    return Err(format!(
                        "unsupported operator {op} (domain {d}) in node '{}': leakhound evaluates the tabular and dense-network operators listed in models/README.md, nothing else",
                        node.name
                    ));
                }
            };
            steps.push(Step {
                op,
                node: node.clone(),
            });
        }
        let width = output_info.and_then(declared).and_then(|t| dim(t, 1));
        let mut labels_stored = classes.is_some();
        if classes.is_none() {
            // A graph without a classifier operator (a network, a hand-built pipeline): the
            // labels come from the label output's lookup table, and the kind of model from the
            // last activation.
            let label_output = graph.output.iter().filter(|o| o.name != output).find(|o| {
                declared(o).is_some_and(|t| [dtype::INT64, dtype::STRING].contains(&t.elem_type))
            });
            classes = label_output
                .and_then(|o| labels_of(&o.name, &graph.node, &producer_of, &constants));
        }
        let mut binary_from_one = false;
        if classes.is_none() {
            match last_activation(&output, &graph.node, &producer_of) {
                Some("Softmax") | Some("LogSoftmax") => {
                    let k = width.filter(|&k| k >= 2).ok_or(
                        "the ONNX output ends in a softmax but does not declare how many classes it has",
                    )?;
                    classes = Some((0..k).map(|c| c.to_string()).collect());
                    labels_stored = false;
                }
                Some("Sigmoid") if width == Some(1) => {
                    classes = Some(vec!["0".into(), "1".into()]);
                    labels_stored = false;
                    binary_from_one = true;
                }
                Some("Sigmoid") => {
                    return Err(format!(
                        "the ONNX output is {} independent sigmoids (a multi-label model); leakhound audits classifiers and single-output regressors",
                        width.map_or("several".to_string(), |w| w.to_string())
                    ))
                }
                _ => {
                    if let Some(w) = width.filter(|&w| w > 1) {
                        return Err(format!(
                            "the ONNX output has {w} values per row and no softmax or class labels; leakhound audits classifiers and single-output regressors"
                        ));
                    }
                }
            }
        }
        if let Some(labels) = &classes {
            if labels.len() < 2 {
                return Err(format!(
                    "the ONNX classifier has {} class labels",
                    labels.len()
                ));
            }
        }
        Ok(OnnxModel {
            inputs,
            n_features,
            feature_names,
            classes,
            labels_stored,
            binary_from_one,
            steps,
            constants,
            output,
            opset,
            producer: format!("{} {}", model.producer_name, model.producer_version)
                .trim()
                .to_string(),
        })
    }

    /// How many data columns each input takes, given the number of columns fed.
    pub fn widths(&self, columns: usize) -> Vec<usize> {
        match self.inputs.as_slice() {
            [_] => vec![columns],
            many => many.iter().map(|i| i.width.unwrap_or(1)).collect(),
        }
    }

    /// Scores for a batch: one tensor per input (`[rows, width]`), in input order. Returns
    /// class probabilities in the order of [`Self::classes`], or values.
    pub fn run(&self, feeds: Vec<Tensor>) -> Result<Mat, String> {
        if feeds.len() != self.inputs.len() {
            return Err(format!(
                "the model has {} inputs, {} were fed",
                self.inputs.len(),
                feeds.len()
            ));
        }
        let rows = feeds
            .first()
            .map_or(0, |t| t.shape.first().copied().unwrap_or(1));
        let mut values: HashMap<&str, Tensor> = HashMap::new();
        for (input, feed) in self.inputs.iter().zip(feeds) {
            values.insert(input.name.as_str(), feed);
        }
        for step in &self.steps {
            let node = &step.node;
            let args: Vec<Option<&Tensor>> = node
                .input
                .iter()
                .map(|name| {
                    if name.is_empty() {
                        None
                    } else {
                        values
                            .get(name.as_str())
                            .or_else(|| self.constants.get(name))
                    }
                })
                .collect();
            for (i, name) in node.input.iter().enumerate() {
                if !name.is_empty() && args[i].is_none() {
                    return Err(at(node, format!("input '{name}' is not available")));
                }
            }
            let first = || {
                args.first()
                    .copied()
                    .flatten()
                    .ok_or_else(|| at(node, "has no input".into()))
            };
            let result = match &step.op {
                Op::Trees(e) => e.eval(&matrix(first()?)?).map(Tensor::from),
                Op::Linear(l) => l.eval(&matrix(first()?)?).map(Tensor::from),
                Op::Ml => self.eval_ml(node, &args),
                Op::Standard => standard::eval(node, &args, self.opset),
            }
            .map_err(|e| at(node, e))?;
            // Classifiers output (label, scores); every other op has one output used here.
            let slot = match step.op {
                Op::Trees(_) | Op::Linear(_) if node.output.len() > 1 => 1,
                _ => 0,
            };
            if let Some(name) = node.output.get(slot) {
                values.insert(name.as_str(), result);
            }
        }
        let out = values
            .remove(self.output.as_str())
            .ok_or_else(|| format!("output '{}' was not computed", self.output))?;
        let data = out.as_f64()?.into_owned();
        let cols = data.len().checked_div(rows).unwrap_or(0);
        if cols * rows != data.len() {
            return Err(format!(
                "the output holds {} values for {rows} rows",
                data.len()
            ));
        }
        if self.binary_from_one && cols == 1 {
            return Ok(Mat {
                rows,
                cols: 2,
                data: data.iter().flat_map(|&p| [1.0 - p, p]).collect(),
            });
        }
        Ok(Mat { rows, cols, data })
    }

    fn eval_ml(&self, node: &NodeProto, args: &[Option<&Tensor>]) -> Result<Tensor, String> {
        let arg = |i: usize| {
            args.get(i)
                .copied()
                .flatten()
                .ok_or_else(|| format!("input {i} is missing"))
        };
        match node.op_type.as_str() {
            "OneHotEncoder" => ml::one_hot(node, arg(0)?),
            "LabelEncoder" => ml::label_encoder(node, arg(0)?),
            "Imputer" => ml::imputer(node, arg(0)?),
            "Binarizer" => ml::binarizer(node, arg(0)?),
            "ArrayFeatureExtractor" => ml::array_feature_extractor(arg(0)?, arg(1)?),
            "FeatureVectorizer" => {
                let parts: Vec<&Tensor> = (0..args.len()).map(arg).collect::<Result<_, _>>()?;
                ml::feature_vectorizer(node, &parts)
            }
            "Scaler" => ml::scaler(node, arg(0)?),
            "Normalizer" => ml::normalizer(node, arg(0)?),
            // A ZipMap is never on the path to the score tensor (its input is the output).
            other => Err(format!("{other} is not evaluated here")),
        }
    }
}

/// A tensor as the row-major batch the model operators take.
fn matrix(t: &Tensor) -> Result<Mat, String> {
    let (rows, cols) = ml::rows_cols(t);
    Ok(Mat {
        rows,
        cols,
        data: t.as_f64()?.into_owned(),
    })
}

impl From<Mat> for Tensor {
    fn from(m: Mat) -> Tensor {
        Tensor::floats(vec![m.rows, m.cols], m.data, dtype::FLOAT)
    }
}

/// Labels stored on a classifier operator.
fn classifier_labels(node: &NodeProto) -> Result<Vec<String>, String> {
    let a = ops::Attrs::new(node);
    let ints = [a.ints("classlabels_int64s"), a.ints("classlabels_ints")].concat();
    let labels: Vec<String> = if ints.is_empty() {
        a.strings("classlabels_strings")
    } else {
        ints.iter().map(i64::to_string).collect()
    };
    if labels.len() < 2 {
        return Err(format!(
            "{} '{}' has {} class labels",
            node.op_type,
            node.name,
            labels.len()
        ));
    }
    Ok(labels)
}

/// The class labels behind a label output: the constant an ArrayFeatureExtractor (or Gather)
/// looks the arg-max up in, through casts and reshapes.
fn labels_of(
    name: &str,
    nodes: &[NodeProto],
    producer_of: &HashMap<&str, usize>,
    constants: &HashMap<String, Tensor>,
) -> Option<Vec<String>> {
    let mut current = name;
    for _ in 0..16 {
        let node = &nodes[*producer_of.get(current)?];
        match node.op_type.as_str() {
            op if PASS_THROUGH.contains(&op) => current = node.input.first()?,
            "ArrayFeatureExtractor" | "Gather" => {
                let table = constants.get(node.input.first()?)?;
                return Some(match &table.data {
                    Data::Str(v) => v.clone(),
                    Data::Int(v) => v.iter().map(i64::to_string).collect(),
                    Data::Float(v) => v.iter().map(f64::to_string).collect(),
                });
            }
            "TreeEnsembleClassifier" | "LinearClassifier" => return classifier_labels(node).ok(),
            _ => return None,
        }
    }
    None
}

/// The activation that produces the output, through reshapes and casts.
fn last_activation<'a>(
    output: &str,
    nodes: &'a [NodeProto],
    producer_of: &HashMap<&str, usize>,
) -> Option<&'a str> {
    let mut current = output;
    for _ in 0..16 {
        let node = &nodes[*producer_of.get(current)?];
        match node.op_type.as_str() {
            op if PASS_THROUGH.contains(&op) => current = node.input.first()?,
            op => return Some(op),
        }
    }
    None
}

fn at(node: &NodeProto, message: String) -> String {
    format!("{} '{}': {message}", node.op_type, node.name)
}

#[cfg(test)]
mod tests {
    /// The operator table users read (models/README.md) lists every operator evaluated.
    #[test]
    fn the_documented_operators_are_the_evaluated_ones() {
        let doc = include_str!("../../../models/README.md");
        for (domain, op) in super::supported_operators() {
            assert!(
                doc.lines()
                    .any(|l| l.starts_with(&format!("| {domain} |"))
                        && l.contains(&format!("`{op}`"))),
                "{domain} {op} is not in the operator table of models/README.md"
            );
        }
    }
}
