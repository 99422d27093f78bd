//! CatBoost models from their documented JSON export (`model.save_model("m.json",
//! format="json")`): symmetric (oblivious) trees over float borders and one-hot categorical
//! splits, leaf values, scale and bias. A categorical value is matched by CatBoost's hash of its
//! text (see [`super::cityhash`]), so raw string columns feed the model. Splits on CTR target
//! statistics, text and embedding features are refused by name.

use rayon::prelude::*;
use serde_json::Value;

use super::cityhash::catboost_hash;
use super::feed;
use crate::data::Column;

/// One input of the model, in CatBoost's flat feature order.
#[derive(Debug, Clone)]
enum Feature {
    /// A number; NaN goes to the "true" side of every border when `nan_true`.
    Float { nan_true: bool },
    /// A categorical value, compared by hash.
    Categorical,
}

#[derive(Debug, Clone)]
enum Split {
    /// `x > border` (in float32, as CatBoost binarises).
    Float { input: usize, border: f32 },
    /// `hash(x) == value`.
    OneHot { input: usize, hash: i32 },
}

#[derive(Debug, Clone)]
struct Tree {
    splits: Vec<Split>,
    /// `2^depth × dimension` values, leaf-major.
    leaves: Vec<f64>,
}

/// How raw sums become predictions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Link {
    /// Two classes: sigmoid of the one raw value.
    Sigmoid,
    /// Softmax over one raw value per class.
    Softmax,
    /// Independent sigmoids per class (MultiClassOneVsAll).
    OneVsAll,
    /// The raw value (RMSE, MAE, quantiles ...).
    Identity,
    /// exp of the raw value (Poisson, Tweedie).
    Exp,
}

/// A CatBoost model ready to evaluate.
#[derive(Debug, Clone)]
pub struct CatBoostModel {
    features: Vec<Feature>,
    /// Input names in flat order.
    pub names: Vec<String>,
    trees: Vec<Tree>,
    dimension: usize,
    scale: f64,
    bias: Vec<f64>,
    /// How raw values become predictions.
    pub link: Link,
    /// The loss it was trained with.
    pub loss: String,
    /// Class labels (classifiers), as stored; `None` when the file stores none.
    pub classes: Option<Vec<String>>,
    /// Number of classes of a classifier.
    pub n_classes: usize,
}

/// Whether JSON bytes look like a CatBoost export (rather than XGBoost's).
pub fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 20)];
    head.windows(17).any(|w| w == b"\"oblivious_trees\"")
}

const RETRAIN: &str = "retrain with one_hot_max_size at least the number of levels (e.g. one_hot_max_size=255) so every categorical split is one-hot";

impl CatBoostModel {
    /// Parse a JSON export.
    pub fn decode(bytes: &[u8]) -> Result<CatBoostModel, String> {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON ({e})"))?;
        let info = doc.get("features_info").ok_or("no features_info")?;
        for (key, what) in [
            ("text_features", "text features"),
            ("embedding_features", "embedding features"),
        ] {
            if info
                .get(key)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
            {
                return Err(format!(
                    "the CatBoost model has {what}, which leakhound does not evaluate"
                ));
            }
        }
        let list = |key: &str| -> Vec<Value> {
            info.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let floats = list("float_features");
        let cats = list("categorical_features");
        let flat = |f: &Value| -> Result<usize, String> {
            f.get("flat_feature_index")
                .and_then(Value::as_u64)
                .map(|v| v as usize)
                .ok_or_else(|| "a feature has no flat_feature_index".into())
        };
        let n = floats.len() + cats.len();
        if n == 0 || n > 1 << 20 {
            return Err(format!("the model has {n} features"));
        }
        let mut features: Vec<Option<Feature>> = vec![None; n];
        let mut names = vec![String::new(); n];
        let mut float_input = Vec::with_capacity(floats.len());
        let mut cat_input = Vec::with_capacity(cats.len());
        for (list, categorical) in [(&floats, false), (&cats, true)] {
            for f in list.iter() {
                let i = flat(f)?;
                let slot = features
                    .get_mut(i)
                    .ok_or_else(|| format!("flat_feature_index {i} out of range"))?;
                if slot.is_some() {
                    return Err(format!("flat_feature_index {i} is used twice"));
                }
                *slot = Some(if categorical {
                    Feature::Categorical
                } else {
                    let treatment = f
                        .get("nan_value_treatment")
                        .and_then(Value::as_str)
                        .unwrap_or("AsIs");
                    Feature::Float {
                        nan_true: treatment == "AsTrue",
                    }
                });
                names[i] = f
                    .get("feature_id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map_or_else(|| i.to_string(), str::to_string);
                if categorical {
                    cat_input.push(i);
                } else {
                    float_input.push(i);
                }
            }
        }
        let features: Vec<Feature> = features
            .into_iter()
            .collect::<Option<_>>()
            .ok_or("the flat feature indices have gaps")?;
        let model_info = doc.get("model_info");
        let loss = model_info
            .and_then(|m| m.get("params"))
            .and_then(|p| p.get("loss_function"))
            .and_then(|l| l.get("type"))
            .and_then(Value::as_str)
            .or_else(|| {
                model_info
                    .and_then(|m| m.get("loss_function"))
                    .and_then(|l| l.get("type"))
                    .and_then(Value::as_str)
            })
            .unwrap_or("RMSE")
            .to_string();
        let (scale, bias) = match doc.get("scale_and_bias") {
            Some(Value::Array(sb)) if sb.len() == 2 => {
                let scale = sb[0].as_f64().ok_or("scale_and_bias has no scale")?;
                let bias: Vec<f64> = match &sb[1] {
                    Value::Array(b) => b.iter().filter_map(Value::as_f64).collect(),
                    v => v.as_f64().into_iter().collect(),
                };
                (scale, bias)
            }
            _ => (1.0, Vec::new()),
        };
        let class_names: Option<Vec<String>> = model_info
            .and_then(|m| m.get("class_params"))
            .and_then(|c| c.get("class_names"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => {
                            n.as_i64().map_or_else(|| n.to_string(), |i| i.to_string())
                        }
                        other => other.to_string(),
                    })
                    .collect()
            })
            .filter(|v: &Vec<String>| !v.is_empty());
        let raw_trees = doc
            .get("oblivious_trees")
            .and_then(Value::as_array)
            .ok_or("no oblivious_trees (only symmetric-tree models can be exported to JSON)")?;
        let mut trees = Vec::with_capacity(raw_trees.len());
        let mut dimension = 0;
        for (t, tree) in raw_trees.iter().enumerate() {
            let splits: Vec<Split> = tree
                .get("splits")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|s| parse_split(s, &float_input, &cat_input))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("tree {t}: {e}"))?;
            if splits.len() > 16 {
                return Err(format!("tree {t} has depth {}", splits.len()));
            }
            let leaves: Vec<f64> = tree
                .get("leaf_values")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("tree {t} has no leaf_values"))?
                .iter()
                .map(|v| {
                    v.as_f64()
                        .ok_or_else(|| format!("tree {t}: a leaf value is not a number"))
                })
                .collect::<Result<_, _>>()?;
            let n_leaves = 1usize << splits.len();
            if leaves.is_empty() || !leaves.len().is_multiple_of(n_leaves) {
                return Err(format!(
                    "tree {t} has {} leaf values for {n_leaves} leaves",
                    leaves.len()
                ));
            }
            let d = leaves.len() / n_leaves;
            if dimension != 0 && d != dimension {
                return Err(format!(
                    "tree {t} has {d} values per leaf, others {dimension}"
                ));
            }
            dimension = d;
            trees.push(Tree { splits, leaves });
        }
        if trees.is_empty() {
            return Err("the model has no trees".into());
        }
        let link = match loss.as_str() {
            "Logloss" | "CrossEntropy" => Link::Sigmoid,
            "MultiClass" => Link::Softmax,
            "MultiClassOneVsAll" => Link::OneVsAll,
            "Poisson" | "Tweedie" => Link::Exp,
            "RMSE" | "MAE" | "Quantile" | "MAPE" | "Huber" | "Expectile" | "LogLinQuantile"
            | "Lq" | "RMSEWithUncertainty" | "SurvivalAft" | "Cox" | "LogCosh" => Link::Identity,
            other => {
                return Err(format!(
                    "CatBoost loss '{other}' (a ranking or multi-target model?) is not one leakhound audits: classifiers and single-output regressors"
                ))
            }
        };
        let n_classes = match link {
            Link::Sigmoid => 2,
            Link::Softmax | Link::OneVsAll => dimension,
            _ => 0,
        };
        if matches!(link, Link::Identity | Link::Exp) && dimension != 1 {
            return Err(format!(
                "the model predicts {dimension} values per row; leakhound audits single-output regressors"
            ));
        }
        if link == Link::Sigmoid && dimension != 1 {
            return Err(format!("a Logloss model with {dimension} values per leaf"));
        }
        let classes = class_names.filter(|c| c.len() == n_classes);
        Ok(CatBoostModel {
            features,
            names,
            trees,
            dimension,
            scale,
            bias,
            link,
            loss,
            classes,
            n_classes,
        })
    }

    /// Number of inputs.
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Predictions from one column per input (flat order): class probabilities, or values.
    pub fn predict(&self, cols: &[Column]) -> Result<Vec<f64>, String> {
        if cols.len() != self.features.len() {
            return Err(format!(
                "the model takes {} inputs, {} were given",
                self.features.len(),
                cols.len()
            ));
        }
        // Inputs as numbers (float features) or hashes (categorical ones).
        enum In {
            Num(Vec<f32>, bool),
            Hash(Vec<i32>),
        }
        let inputs: Vec<In> = cols
            .iter()
            .zip(&self.features)
            .map(|(c, f)| {
                Ok(match f {
                    Feature::Float { nan_true } => In::Num(
                        feed::numbers(c)?.into_iter().map(|v| v as f32).collect(),
                        *nan_true,
                    ),
                    Feature::Categorical => {
                        In::Hash(feed::texts(c).iter().map(|s| catboost_hash(s)).collect())
                    }
                })
            })
            .collect::<Result<_, String>>()?;
        let n = cols.first().map_or(0, Column::len);
        let d = self.dimension;
        let width = if self.link == Link::Sigmoid { 2 } else { d };
        let mut out = vec![0.0; n * width];
        out.par_chunks_mut(width.max(1))
            .enumerate()
            .for_each(|(r, row)| {
                let mut raw = vec![0.0; d];
                for tree in &self.trees {
                    let mut leaf = 0usize;
                    for (bit, split) in tree.splits.iter().enumerate() {
                        let yes = match split {
                            Split::Float { input, border } => match &inputs[*input] {
                                In::Num(v, nan_true) => {
                                    let x = v[r];
                                    if x.is_nan() {
                                        *nan_true
                                    } else {
                                        x > *border
                                    }
                                }
                                In::Hash(_) => false,
                            },
                            Split::OneHot { input, hash } => match &inputs[*input] {
                                In::Hash(h) => h[r] == *hash,
                                In::Num(..) => false,
                            },
                        };
                        leaf |= usize::from(yes) << bit;
                    }
                    for (k, v) in raw.iter_mut().enumerate() {
                        *v += tree.leaves[leaf * d + k];
                    }
                }
                for (k, v) in raw.iter_mut().enumerate() {
                    *v = *v * self.scale + self.bias.get(k).copied().unwrap_or(0.0);
                }
                match self.link {
                    Link::Sigmoid => {
                        let p = super::onnx::logistic(raw[0]);
                        row.copy_from_slice(&[1.0 - p, p]);
                    }
                    Link::Softmax => {
                        super::onnx::softmax(&mut raw, false);
                        row.copy_from_slice(&raw);
                    }
                    Link::OneVsAll => {
                        for (o, v) in row.iter_mut().zip(&raw) {
                            *o = super::onnx::logistic(*v);
                        }
                    }
                    Link::Identity => row[0] = raw[0],
                    Link::Exp => row[0] = raw[0].exp(),
                }
            });
        Ok(out)
    }
}

fn parse_split(s: &Value, float_input: &[usize], cat_input: &[usize]) -> Result<Split, String> {
    let kind = s.get("split_type").and_then(Value::as_str).unwrap_or("");
    let index = |key: &str, inputs: &[usize]| -> Result<usize, String> {
        let i = s
            .get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("a {kind} split has no {key}"))? as usize;
        inputs
            .get(i)
            .copied()
            .ok_or_else(|| format!("{key} {i} out of range"))
    };
    match kind {
        "FloatFeature" => Ok(Split::Float {
            input: index("float_feature_index", float_input)?,
            border: s
                .get("border")
                .and_then(Value::as_f64)
                .ok_or("a float split has no border")? as f32,
        }),
        "OneHotFeature" => Ok(Split::OneHot {
            input: index("cat_feature_index", cat_input)?,
            hash: s
                .get("value")
                .and_then(Value::as_i64)
                .and_then(|v| i32::try_from(v).ok().or(Some(v as u32 as i32)))
                .ok_or("a one-hot split has no value")?,
        }),
        "OnlineCtr" => Err(format!(
            "the CatBoost model splits on CTR target statistics of categorical features, which leakhound does not evaluate; {RETRAIN}"
        )),
        other => Err(format!("split type '{other}' is not supported")),
    }
}
