//! ONNX models, decoded from the protobuf with prost and evaluated natively: the graph is cut
//! back from its probability (or value) output to the nodes that output needs, and each node
//! must be one of the operators in [`ops`]; anything else (a neural network layer, say) is
//! refused by name.

mod ops;
pub mod proto;

use std::collections::{HashMap, HashSet};

use prost::Message;

pub use ops::{logistic, softmax, Mat};
use ops::{Ensemble, Linear};
use proto::{dtype, ModelProto, NodeProto};

/// A node ready to run.
#[derive(Debug, Clone)]
enum Op {
    Trees(Ensemble),
    Linear(Linear),
    Scaler,
    Normalizer,
    Unary,
    Binary,
}

#[derive(Debug, Clone)]
struct Step {
    op: Op,
    node: NodeProto,
}

/// An ONNX model reduced to the steps that compute its scores.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    input: String,
    /// Input width from the declared shape, when fixed.
    pub n_features: Option<usize>,
    /// Feature names from the model's metadata (`feature_names`, comma-separated), if any.
    pub feature_names: Option<Vec<String>>,
    /// Class labels of a classifier (in output column order); `None` for a regressor.
    pub classes: Option<Vec<String>>,
    steps: Vec<Step>,
    constants: HashMap<String, Mat>,
    output: String,
    /// Who exported it (`producer_name producer_version`).
    pub producer: String,
}

const ML: &str = "ai.onnx.ml";

impl OnnxModel {
    /// Decode and check a model.
    pub fn decode(bytes: &[u8]) -> Result<OnnxModel, String> {
        let model =
            ModelProto::decode(bytes).map_err(|e| format!("not a valid ONNX protobuf ({e})"))?;
        let graph = model.graph.ok_or("ONNX model has no graph")?;
        if graph.node.is_empty() {
            return Err("ONNX graph has no nodes".into());
        }
        let constants: HashMap<String, Mat> = graph
            .initializer
            .iter()
            .filter_map(|t| {
                let data = t.to_f64()?;
                Some((
                    t.name.clone(),
                    Mat {
                        rows: 1,
                        cols: data.len(),
                        data,
                    },
                ))
            })
            .collect();
        let inputs: Vec<_> = graph
            .input
            .iter()
            .filter(|i| !constants.contains_key(&i.name))
            .collect();
        let input = match inputs.as_slice() {
            [one] => *one,
            [] => return Err("ONNX graph has no input".into()),
            many => {
                return Err(format!(
                "ONNX graph has {} inputs ({}); leakhound needs one float tensor of all features (export with a single input, e.g. skl2onnx initial_types=[('X', FloatTensorType([None, n]))])",
                many.len(),
                many.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
            }
        };
        let tensor = input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref());
        if let Some(t) = tensor {
            if ![dtype::FLOAT, dtype::DOUBLE, 0].contains(&t.elem_type) {
                return Err(format!(
                    "ONNX input '{}' is not a float tensor (element type {}); leakhound feeds numeric features",
                    input.name, t.elem_type
                ));
            }
        }
        let n_features = tensor
            .and_then(|t| t.shape.as_ref())
            .and_then(|s| s.dim.get(1))
            .and_then(|d| d.dim_value)
            .and_then(|v| usize::try_from(v).ok())
            .filter(|&v| v > 0);
        // The score output: the first float output (a classifier's probabilities, a regressor's
        // values; its label output is int64 or string).
        let output = graph
            .output
            .iter()
            .find(|o| {
                o.r#type
                    .as_ref()
                    .and_then(|t| t.tensor_type.as_ref())
                    .is_some_and(|t| [dtype::FLOAT, dtype::DOUBLE].contains(&t.elem_type))
            })
            .map(|o| o.name.clone())
            .ok_or(
                "ONNX graph has no float tensor output; a classifier exported with ZipMap outputs a map: re-export with zipmap=False (skl2onnx options={id(model): {'zipmap': False}})",
            )?;
        // Walk back from the output to the nodes it needs.
        let producer_of: HashMap<&str, usize> = graph
            .node
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i)))
            .collect();
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
        let mut classes = None;
        for (i, node) in graph.node.iter().enumerate() {
            if !needed.contains(&i) {
                continue;
            }
            let domain = node.domain.as_str();
            let op = match (domain, node.op_type.as_str()) {
                (ML, "TreeEnsembleClassifier") | (ML, "LinearClassifier") => {
                    let a = ops::Attrs::new(node);
                    let labels: Vec<String> = {
                        let ints = [a.ints("classlabels_int64s"), a.ints("classlabels_ints")]
                            .concat();
                        if ints.is_empty() {
                            a.strings("classlabels_strings")
                        } else {
                            ints.iter().map(i64::to_string).collect()
                        }
                    };
                    if labels.len() < 2 {
                        return Err(format!(
                            "{} '{}' has {} class labels",
                            node.op_type,
                            node.name,
                            labels.len()
                        ));
                    }
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
                (ML, "Scaler") => Op::Scaler,
                (ML, "Normalizer") => Op::Normalizer,
                (ML, "ZipMap") => {
                    return Err("ONNX graph uses ZipMap (a map output): re-export with zipmap=False (skl2onnx options={id(model): {'zipmap': False}})".into())
                }
                ("" | "ai.onnx", op) if ops::UNARY.contains(&op) => Op::Unary,
                ("" | "ai.onnx", op) if ops::BINARY.contains(&op) => Op::Binary,
                (d, op) => {
                    let d = if d.is_empty() { "ai.onnx" } else { d };
                    return Err(format!(
                        "unsupported operator {op} (domain {d}) in node '{}': leakhound evaluates the tree-ensemble and linear operators of ai.onnx.ml that scikit-learn, XGBoost and LightGBM exporters emit, not general graphs",
                        node.name
                    ));
                }
            };
            steps.push(Step {
                op,
                node: node.clone(),
            });
        }
        let feature_names = model
            .metadata_props
            .iter()
            .find(|p| p.key == "feature_names")
            .map(|p| p.value.split(',').map(|s| s.trim().to_string()).collect());
        Ok(OnnxModel {
            input: input.name.clone(),
            n_features,
            feature_names,
            classes,
            steps,
            constants,
            output,
            producer: format!("{} {}", model.producer_name, model.producer_version)
                .trim()
                .to_string(),
        })
    }

    /// Scores for a batch of rows (`x.cols` features each): class probabilities in the order
    /// of [`Self::classes`], or values.
    pub fn run(&self, x: Mat) -> Result<Mat, String> {
        let mut values: HashMap<&str, Mat> = HashMap::new();
        values.insert(self.input.as_str(), x);
        for step in &self.steps {
            let node = &step.node;
            let arg = |i: usize| -> Result<&Mat, String> {
                let name = node.input.get(i).map(String::as_str).unwrap_or_default();
                values
                    .get(name)
                    .or_else(|| self.constants.get(name))
                    .ok_or_else(|| at(node, format!("input '{name}' is not available")))
            };
            let result = match &step.op {
                Op::Trees(e) => e.eval(arg(0)?),
                Op::Linear(l) => l.eval(arg(0)?),
                Op::Scaler => ops::scaler(node, arg(0)?),
                Op::Normalizer => ops::normalizer(node, arg(0)?),
                Op::Unary => Ok(ops::unary(&node.op_type, arg(0)?)),
                Op::Binary => ops::binary(&node.op_type, arg(0)?, arg(1)?),
            }
            .map_err(|e| at(node, e))?;
            // Classifiers output (label, scores); every other op has one output.
            let slot = match step.op {
                Op::Trees(_) | Op::Linear(_) if node.output.len() > 1 => 1,
                _ => 0,
            };
            if let Some(name) = node.output.get(slot) {
                values.insert(name.as_str(), result);
            }
        }
        values
            .remove(self.output.as_str())
            .ok_or_else(|| format!("output '{}' was not computed", self.output))
    }
}

fn at(node: &NodeProto, message: String) -> String {
    format!("{} '{}': {message}", node.op_type, node.name)
}
