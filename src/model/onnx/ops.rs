//! The `ai.onnx.ml` model operators (tree ensembles and linear models), evaluated on row
//! batches with onnxruntime's semantics (including its handling of two-class ensembles that
//! score one class), and the attribute reader the other operators share.

use super::proto::{AttributeProto, NodeProto, TensorProto};

/// A row-major batch: `rows` × `cols` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    /// Rows.
    pub rows: usize,
    /// Values per row.
    pub cols: usize,
    /// Row-major values.
    pub data: Vec<f64>,
}

impl Mat {
    pub fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }
}

/// Attribute lookup on one node.
pub struct Attrs<'a> {
    node: &'a NodeProto,
}

impl<'a> Attrs<'a> {
    pub fn new(node: &'a NodeProto) -> Self {
        Attrs { node }
    }

    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name == name)
    }

    /// Whether the node sets `name`.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A float attribute.
    pub fn float(&self, name: &str, default: f64) -> f64 {
        self.get(name).map_or(default, |a| f64::from(a.f))
    }

    /// A tensor attribute.
    pub fn tensor(&self, name: &str) -> Option<&'a TensorProto> {
        self.get(name).and_then(|a| a.t.as_ref())
    }

    pub fn ints(&self, name: &str) -> Vec<i64> {
        self.get(name).map(|a| a.ints.clone()).unwrap_or_default()
    }

    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.get(name).map_or(default, |a| a.i)
    }

    /// Floats from `name`, or from the `name_as_tensor` form newer opsets use.
    pub fn floats(&self, name: &str) -> Result<Vec<f64>, String> {
        if let Some(t) = self.tensor(&format!("{name}_as_tensor")) {
            return t
                .to_f64()
                .ok_or_else(|| format!("attribute {name}_as_tensor has an unsupported type"));
        }
        Ok(self
            .get(name)
            .map(|a| a.floats.iter().map(|&v| v as f64).collect())
            .unwrap_or_default())
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|a| {
                a.strings
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|a| String::from_utf8_lossy(&a.s).into_owned())
    }
}

/// `post_transform` of the ML operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Post {
    None,
    Logistic,
    Softmax,
    SoftmaxZero,
    Probit,
}

impl Post {
    pub fn parse(attrs: &Attrs) -> Result<Post, String> {
        Ok(match attrs.string("post_transform").as_deref() {
            None | Some("NONE") => Post::None,
            Some("LOGISTIC") => Post::Logistic,
            Some("SOFTMAX") => Post::Softmax,
            Some("SOFTMAX_ZERO") => Post::SoftmaxZero,
            Some("PROBIT") => Post::Probit,
            Some(other) => return Err(format!("unknown post_transform '{other}'")),
        })
    }

    /// Transform one row of scores in place.
    fn apply(self, scores: &mut [f64]) {
        match self {
            Post::None => {}
            Post::Logistic => scores.iter_mut().for_each(|s| *s = logistic(*s)),
            Post::Probit => scores.iter_mut().for_each(|s| *s = probit(*s)),
            Post::Softmax => softmax(scores, false),
            Post::SoftmaxZero => softmax(scores, true),
        }
    }
}

pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// onnxruntime's probit: √2 · erfinv(2p − 1).
fn probit(p: f64) -> f64 {
    std::f64::consts::SQRT_2 * erfinv(2.0 * p - 1.0)
}

/// Inverse error function (Giles' single-precision approximation, enough for a probit link).
fn erfinv(x: f64) -> f64 {
    let w = -((1.0 - x) * (1.0 + x)).ln();
    if !w.is_finite() {
        return if x > 0.0 {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
    }
    let p = if w < 5.0 {
        let w = w - 2.5;
        let mut p = 2.810_226_36e-08;
        for c in [
            3.432_739_39e-07,
            -3.523_387_7e-06,
            -4.391_506_54e-06,
            0.000_218_580_87,
            -0.001_253_725_03,
            -0.004_177_681_64,
            0.246_640_727,
            1.501_409_41,
        ] {
            p = c + p * w;
        }
        p
    } else {
        let w = w.sqrt() - 3.0;
        let mut p = -0.000_200_214_257;
        for c in [
            0.000_100_950_558,
            0.001_349_343_22,
            -0.003_673_428_44,
            0.005_739_507_73,
            -0.007_622_461_3,
            0.009_438_870_47,
            1.001_674_06,
            2.832_976_82,
        ] {
            p = c + p * w;
        }
        p
    };
    p * x
}

/// Softmax of one row in place; `zero` (SOFTMAX_ZERO) leaves exact zeros at zero.
pub fn softmax(scores: &mut [f64], zero: bool) {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        // SOFTMAX_ZERO leaves exact zeros at zero.
        *s = if zero && *s == 0.0 {
            0.0
        } else {
            (*s - max).exp()
        };
        sum += *s;
    }
    if sum > 0.0 {
        scores.iter_mut().for_each(|s| *s /= sum);
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Neq,
    Leaf,
}

#[derive(Debug, Clone)]
struct TreeNode {
    feature: usize,
    threshold: f64,
    mode: Mode,
    yes: u32,
    no: u32,
    missing_yes: bool,
    /// Range into `Ensemble::weights`.
    weights: (u32, u32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aggregate {
    Sum,
    Average,
    Min,
    Max,
}

/// TreeEnsembleClassifier / TreeEnsembleRegressor.
#[derive(Debug, Clone)]
pub struct Ensemble {
    nodes: Vec<TreeNode>,
    roots: Vec<u32>,
    /// (output, weight) per leaf entry.
    weights: Vec<(u32, f64)>,
    outputs: usize,
    base_values: Vec<f64>,
    post: Post,
    aggregate: Aggregate,
    /// Classifier only: two labels and every weight on one class (onnxruntime's binary case).
    binary_case: bool,
    all_positive: bool,
    classifier: bool,
    /// Largest feature index a split reads.
    pub max_feature: Option<usize>,
}

impl Ensemble {
    /// Parse a tree ensemble node; `classes` is the number of class labels (classifier) or
    /// `None` for a regressor.
    pub fn parse(node: &NodeProto, classes: Option<usize>) -> Result<Ensemble, String> {
        let a = Attrs::new(node);
        let tree_ids = a.ints("nodes_treeids");
        let node_ids = a.ints("nodes_nodeids");
        let features = a.ints("nodes_featureids");
        let values = a.floats("nodes_values")?;
        let modes = a.strings("nodes_modes");
        let yes = a.ints("nodes_truenodeids");
        let no = a.ints("nodes_falsenodeids");
        let missing = a.ints("nodes_missing_value_tracks_true");
        let n = tree_ids.len();
        if n == 0 {
            return Err("tree ensemble has no nodes".into());
        }
        for (name, len) in [
            ("nodes_nodeids", node_ids.len()),
            ("nodes_featureids", features.len()),
            ("nodes_values", values.len()),
            ("nodes_modes", modes.len()),
            ("nodes_truenodeids", yes.len()),
            ("nodes_falsenodeids", no.len()),
        ] {
            if len != n {
                return Err(format!(
                    "attribute {name} has {len} entries, nodes_treeids has {n}"
                ));
            }
        }
        if !missing.is_empty() && missing.len() != n {
            return Err("nodes_missing_value_tracks_true does not match the nodes".into());
        }
        let prefix = if classes.is_some() { "class" } else { "target" };
        let w_tree = a.ints(&format!("{prefix}_treeids"));
        let w_node = a.ints(&format!("{prefix}_nodeids"));
        let w_out = a.ints(&format!("{prefix}_ids"));
        let w_val = a.floats(&format!("{prefix}_weights"))?;
        let m = w_tree.len();
        if w_node.len() != m || w_out.len() != m || w_val.len() != m {
            return Err(format!("{prefix}_* attributes differ in length"));
        }
        let outputs = match classes {
            Some(k) => k,
            None => usize::try_from(a.int("n_targets", 1))
                .ok()
                .filter(|&t| (1..=1 << 16).contains(&t))
                .ok_or("n_targets out of range")?,
        };
        let mut index = std::collections::HashMap::with_capacity(n);
        for i in 0..n {
            if index.insert((tree_ids[i], node_ids[i]), i as u32).is_some() {
                return Err(format!(
                    "node {} of tree {} is defined twice",
                    node_ids[i], tree_ids[i]
                ));
            }
        }
        let child = |tree: i64, id: i64| -> Result<u32, String> {
            index
                .get(&(tree, id))
                .copied()
                .ok_or_else(|| format!("tree {tree} refers to a missing node {id}"))
        };
        // Leaf weights grouped by node.
        let mut per_node: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        let mut used_outputs = std::collections::BTreeSet::new();
        let mut all_positive = true;
        for j in 0..m {
            let i = child(w_tree[j], w_node[j])? as usize;
            let out = usize::try_from(w_out[j])
                .ok()
                .filter(|&o| o < outputs)
                .ok_or_else(|| format!("{prefix}_ids entry {} out of range", w_out[j]))?;
            used_outputs.insert(out);
            all_positive &= w_val[j] >= 0.0;
            per_node[i].push((out as u32, w_val[j]));
        }
        let mut nodes = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(m);
        let mut is_child = vec![false; n];
        let mut max_feature = None;
        for i in 0..n {
            let mode = match modes[i].as_str() {
                "BRANCH_LEQ" => Mode::Leq,
                "BRANCH_LT" => Mode::Lt,
                "BRANCH_GTE" => Mode::Gte,
                "BRANCH_GT" => Mode::Gt,
                "BRANCH_EQ" => Mode::Eq,
                "BRANCH_NEQ" => Mode::Neq,
                "LEAF" => Mode::Leaf,
                other => return Err(format!("unsupported node mode '{other}'")),
            };
            let start = weights.len() as u32;
            weights.extend(per_node[i].iter().copied());
            let (mut t, mut f, mut feature) = (0, 0, 0);
            if mode != Mode::Leaf {
                t = child(tree_ids[i], yes[i])?;
                f = child(tree_ids[i], no[i])?;
                is_child[t as usize] = true;
                is_child[f as usize] = true;
                feature = usize::try_from(features[i])
                    .ok()
                    .filter(|&x| x < 1 << 24)
                    .ok_or_else(|| format!("feature index {} out of range", features[i]))?;
                max_feature = Some(max_feature.map_or(feature, |m: usize| m.max(feature)));
            }
            nodes.push(TreeNode {
                feature,
                threshold: values[i],
                mode,
                yes: t,
                no: f,
                missing_yes: missing.get(i).is_some_and(|&v| v != 0),
                weights: (start, weights.len() as u32),
            });
        }
        let roots: Vec<u32> = (0..n as u32).filter(|&i| !is_child[i as usize]).collect();
        if roots.is_empty() {
            return Err("tree ensemble has no root node (cycle)".into());
        }
        // Untrusted structure: every path must end at a leaf, with no cycles.
        let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        for &r in &roots {
            let mut stack = vec![(r, false)];
            while let Some((i, expanded)) = stack.pop() {
                let i = i as usize;
                if expanded {
                    state[i] = 2;
                    continue;
                }
                match state[i] {
                    1 => return Err("tree ensemble has a cycle".into()),
                    2 => continue,
                    _ => {}
                }
                state[i] = 1;
                stack.push((i as u32, true));
                if nodes[i].mode != Mode::Leaf {
                    for c in [nodes[i].yes, nodes[i].no] {
                        if state[c as usize] == 1 {
                            return Err("tree ensemble has a cycle".into());
                        }
                        stack.push((c, false));
                    }
                }
            }
        }
        let aggregate = match a.string("aggregate_function").as_deref() {
            None | Some("SUM") => Aggregate::Sum,
            Some("AVERAGE") => Aggregate::Average,
            Some("MIN") => Aggregate::Min,
            Some("MAX") => Aggregate::Max,
            Some(other) => return Err(format!("unknown aggregate_function '{other}'")),
        };
        let base_values = a.floats("base_values")?;
        Ok(Ensemble {
            nodes,
            roots,
            weights,
            outputs,
            base_values,
            post: Post::parse(&a)?,
            aggregate,
            binary_case: classes == Some(2) && used_outputs.len() == 1,
            all_positive,
            classifier: classes.is_some(),
            max_feature,
        })
    }

    fn leaf(&self, row: &[f64], root: u32) -> &TreeNode {
        let mut node = &self.nodes[root as usize];
        while node.mode != Mode::Leaf {
            let x = row[node.feature];
            let t = node.threshold;
            let go_yes = if x.is_nan() && node.missing_yes {
                true
            } else {
                match node.mode {
                    Mode::Leq => x <= t,
                    Mode::Lt => x < t,
                    Mode::Gte => x >= t,
                    Mode::Gt => x > t,
                    Mode::Eq => x == t,
                    Mode::Neq => x != t,
                    Mode::Leaf => unreachable!("loop condition"),
                }
            };
            node = &self.nodes[if go_yes { node.yes } else { node.no } as usize];
        }
        node
    }

    /// Scores of one row (`out` has `outputs` entries for a regressor, the class count for a
    /// classifier).
    pub fn eval_row(&self, row: &[f64], out: &mut [f64]) {
        let k = self.outputs;
        let mut score = vec![0.0f64; k];
        let mut has = vec![false; k];
        for &r in &self.roots {
            let leaf = self.leaf(row, r);
            for &(o, w) in &self.weights[leaf.weights.0 as usize..leaf.weights.1 as usize] {
                let o = o as usize;
                score[o] = match (self.aggregate, has[o]) {
                    (Aggregate::Min, true) => score[o].min(w),
                    (Aggregate::Max, true) => score[o].max(w),
                    (Aggregate::Min | Aggregate::Max, false) => w,
                    _ => score[o] + w,
                };
                has[o] = true;
            }
        }
        if self.aggregate == Aggregate::Average {
            let n = self.roots.len() as f64;
            score.iter_mut().for_each(|s| *s /= n);
        }
        if !self.classifier {
            for (o, s) in score.iter_mut().enumerate() {
                *s += self.base_values.get(o).copied().unwrap_or(0.0);
            }
            self.post.apply(&mut score);
            out.copy_from_slice(&score);
            return;
        }
        if k > 2 || !self.binary_case {
            if self.base_values.len() == k {
                score
                    .iter_mut()
                    .zip(&self.base_values)
                    .for_each(|(s, b)| *s += b);
            }
            self.post.apply(&mut score);
            out.copy_from_slice(&score);
            return;
        }
        // Two classes, weights on one class only: onnxruntime scores that class and derives the
        // other from it.
        let scored = usize::from(has[1]);
        let s = score[scored]
            + match self.base_values.len() {
                1 => self.base_values[0],
                2 => self.base_values[scored],
                _ => 0.0,
            };
        out.copy_from_slice(&match self.post {
            Post::Probit => {
                let p = probit(s);
                [1.0 - p, p]
            }
            _ if self.all_positive => [1.0 - s, s],
            Post::Logistic => [logistic(-s), logistic(s)],
            _ => [-s, s],
        });
    }

    /// Evaluate a batch.
    pub fn eval(&self, x: &Mat) -> Result<Mat, String> {
        if let Some(m) = self.max_feature {
            if m >= x.cols {
                return Err(format!(
                    "a tree splits on feature {m}, the input has {} columns",
                    x.cols
                ));
            }
        }
        let k = self.outputs;
        let mut data = vec![0.0; x.rows * k];
        use rayon::prelude::*;
        data.par_chunks_mut(k.max(1) * 256)
            .enumerate()
            .for_each(|(chunk, out)| {
                for (i, o) in out.chunks_mut(k).enumerate() {
                    self.eval_row(x.row(chunk * 256 + i), o);
                }
            });
        Ok(Mat {
            rows: x.rows,
            cols: k,
            data,
        })
    }
}

/// LinearClassifier / LinearRegressor.
#[derive(Debug, Clone)]
pub struct Linear {
    coefficients: Vec<f64>,
    intercepts: Vec<f64>,
    outputs: usize,
    post: Post,
    /// Classifier: the number of class labels.
    labels: Option<usize>,
}

impl Linear {
    pub fn parse(node: &NodeProto, labels: Option<usize>) -> Result<Linear, String> {
        let a = Attrs::new(node);
        let coefficients = a.floats("coefficients")?;
        let mut intercepts = a.floats("intercepts")?;
        let outputs = match labels {
            Some(_) => intercepts.len().max(1),
            None => usize::try_from(a.int("targets", 1)).unwrap_or(0),
        };
        if outputs == 0 || coefficients.is_empty() || !coefficients.len().is_multiple_of(outputs) {
            return Err(format!(
                "{} coefficients do not divide into {outputs} outputs",
                coefficients.len()
            ));
        }
        intercepts.resize(outputs, 0.0);
        Ok(Linear {
            coefficients,
            intercepts,
            outputs,
            post: Post::parse(&a)?,
            labels,
        })
    }

    pub fn width(&self) -> usize {
        self.labels.unwrap_or(self.outputs)
    }

    pub fn eval(&self, x: &Mat) -> Result<Mat, String> {
        let f = self.coefficients.len() / self.outputs;
        if f != x.cols {
            return Err(format!(
                "linear model has {f} coefficients per output, the input has {} columns",
                x.cols
            ));
        }
        let width = self.width();
        let mut data = Vec::with_capacity(x.rows * width);
        let mut s = vec![0.0; self.outputs];
        for r in 0..x.rows {
            let row = x.row(r);
            for (o, v) in s.iter_mut().enumerate() {
                let w = &self.coefficients[o * f..(o + 1) * f];
                *v = self.intercepts[o] + w.iter().zip(row).map(|(a, b)| a * b).sum::<f64>();
            }
            if self.labels == Some(2) && self.outputs == 1 {
                let v = s[0];
                data.extend_from_slice(&match self.post {
                    Post::Logistic => [1.0 - logistic(v), logistic(v)],
                    Post::Probit => [1.0 - probit(v), probit(v)],
                    _ => [-v, v],
                });
            } else {
                let mut row_out = s.clone();
                self.post.apply(&mut row_out);
                data.extend_from_slice(&row_out);
            }
        }
        Ok(Mat {
            rows: x.rows,
            cols: width,
            data,
        })
    }
}
