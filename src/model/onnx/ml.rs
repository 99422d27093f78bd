//! The `ai.onnx.ml` preprocessing operators a scikit-learn pipeline exports to: OneHotEncoder,
//! LabelEncoder, Imputer, Binarizer, ArrayFeatureExtractor, FeatureVectorizer, Scaler and
//! Normalizer, with onnxruntime's semantics.

use std::collections::HashMap;

use super::ops::Attrs;
use super::proto::{dtype, NodeProto};
use super::tensor::{size, Data, Tensor};

/// A 2-D view of a tensor for the row-wise ML operators: `[C]` is one row, `[N, C]` is itself,
/// higher ranks keep their first dimension.
pub fn rows_cols(x: &Tensor) -> (usize, usize) {
    match x.shape.as_slice() {
        [] => (1, 1),
        [c] => (1, *c),
        [n, rest @ ..] => (*n, rest.iter().product()),
    }
}

/// OneHotEncoder: each value becomes a 0/1 vector over the categories (`cats_int64s` or
/// `cats_strings`), appended as a last dimension. Unknown values are all zeros (`zeros=1`) or an
/// error.
pub fn one_hot(node: &NodeProto, x: &Tensor) -> Result<Tensor, String> {
    let a = Attrs::new(node);
    let zeros = a.int("zeros", 1) != 0;
    let ints = a.ints("cats_int64s");
    let strings = a.strings("cats_strings");
    let k = ints.len().max(strings.len());
    if k == 0 {
        return Err("OneHotEncoder has no categories".into());
    }
    let position: Vec<Option<usize>> = match &x.data {
        Data::Str(v) => {
            let map: HashMap<&str, usize> = strings
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            v.iter().map(|s| map.get(s.as_str()).copied()).collect()
        }
        _ => {
            let map: HashMap<i64, usize> = ints.iter().enumerate().map(|(i, &c)| (c, i)).collect();
            x.as_f64()?
                .iter()
                .map(|&f| {
                    (f.fract() == 0.0)
                        .then(|| map.get(&(f as i64)).copied())
                        .flatten()
                })
                .collect()
        }
    };
    let mut out = vec![0.0; size(&[position.len(), k])?];
    for (i, p) in position.iter().enumerate() {
        match p {
            Some(j) => out[i * k + j] = 1.0,
            None if zeros => {}
            None => return Err("OneHotEncoder met a value outside its categories (zeros=0)".into()),
        }
    }
    let mut shape = x.shape.clone();
    shape.push(k);
    Ok(Tensor::floats(shape, out, dtype::FLOAT))
}

/// LabelEncoder (opsets 1 to 4): maps keys to values (strings, int64s, floats), with a default.
pub fn label_encoder(node: &NodeProto, x: &Tensor) -> Result<Tensor, String> {
    let a = Attrs::new(node);
    // Opset 1: classes_strings; strings map to their index, integers to the string at theirs.
    let classes = a.strings("classes_strings");
    if !classes.is_empty() {
        return Ok(match &x.data {
            Data::Str(v) => {
                let map: HashMap<&str, i64> = classes
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.as_str(), i as i64))
                    .collect();
                let d = a.int("default_int64", -1);
                Tensor::ints(
                    x.shape.clone(),
                    v.iter()
                        .map(|s| *map.get(s.as_str()).unwrap_or(&d))
                        .collect(),
                )
            }
            _ => {
                let d = a
                    .string("default_string")
                    .unwrap_or_else(|| "_Unused".into());
                Tensor::strings(
                    x.shape.clone(),
                    x.as_i64()?
                        .iter()
                        .map(|&i| {
                            usize::try_from(i)
                                .ok()
                                .and_then(|i| classes.get(i).cloned())
                                .unwrap_or_else(|| d.clone())
                        })
                        .collect(),
                )
            }
        });
    }
    let keys = Keys::read(&a, "keys")?;
    let values = Keys::read(&a, "values")?;
    if keys.len() != values.len() {
        return Err(format!("{} keys for {} values", keys.len(), values.len()));
    }
    // The default takes the values' type.
    let default = match &values {
        Keys::Str(_) => Keys::Str(vec![a
            .tensor("default_tensor")
            .and_then(Tensor::from_proto)
            .and_then(|t| match t.data {
                Data::Str(v) => v.into_iter().next(),
                _ => None,
            })
            .or_else(|| a.string("default_string"))
            .unwrap_or_else(|| "_Unused".into())]),
        Keys::Int(_) => Keys::Int(vec![a
            .tensor("default_tensor")
            .and_then(Tensor::from_proto)
            .and_then(|t| t.as_i64().ok()?.into_iter().next())
            .unwrap_or_else(|| a.int("default_int64", -1))]),
        Keys::Float(_) => Keys::Float(vec![a
            .tensor("default_tensor")
            .and_then(Tensor::from_proto)
            .and_then(|t| t.as_f64().ok()?.first().copied())
            .unwrap_or_else(|| a.float("default_float", -0.0))]),
    };
    // Index of each input element's key.
    let index: Vec<Option<usize>> = match (&keys, &x.data) {
        (Keys::Str(k), Data::Str(v)) => {
            let map: HashMap<&str, usize> =
                k.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
            v.iter().map(|s| map.get(s.as_str()).copied()).collect()
        }
        (Keys::Int(k), Data::Int(v)) => {
            let map: HashMap<i64, usize> = k.iter().enumerate().map(|(i, &s)| (s, i)).collect();
            v.iter().map(|s| map.get(s).copied()).collect()
        }
        (Keys::Float(k), Data::Float(v)) => v
            .iter()
            .map(|f| k.iter().position(|c| c == f || (c.is_nan() && f.is_nan())))
            .collect(),
        _ => return Err("LabelEncoder input type does not match its keys".into()),
    };
    Ok(match (values, default) {
        (Keys::Str(v), Keys::Str(d)) => Tensor::strings(
            x.shape.clone(),
            index
                .iter()
                .map(|i| i.map_or_else(|| d[0].clone(), |i| v[i].clone()))
                .collect(),
        ),
        (Keys::Int(v), Keys::Int(d)) => Tensor::ints(
            x.shape.clone(),
            index.iter().map(|i| i.map_or(d[0], |i| v[i])).collect(),
        ),
        (Keys::Float(v), Keys::Float(d)) => Tensor::floats(
            x.shape.clone(),
            index.iter().map(|i| i.map_or(d[0], |i| v[i])).collect(),
            dtype::FLOAT,
        ),
        _ => unreachable!("the default takes the values' type"),
    })
}

/// LabelEncoder keys or values, from `<name>_strings`, `_int64s`, `_floats` or `_tensor`.
enum Keys {
    Str(Vec<String>),
    Int(Vec<i64>),
    Float(Vec<f64>),
}

impl Keys {
    fn len(&self) -> usize {
        match self {
            Keys::Str(v) => v.len(),
            Keys::Int(v) => v.len(),
            Keys::Float(v) => v.len(),
        }
    }

    fn read(a: &Attrs, name: &str) -> Result<Keys, String> {
        if let Some(t) = a.tensor(&format!("{name}_tensor")) {
            let t =
                Tensor::from_proto(t).ok_or(format!("{name}_tensor has an unsupported type"))?;
            return Ok(match t.data {
                Data::Str(v) => Keys::Str(v),
                Data::Int(v) => Keys::Int(v),
                Data::Float(v) => Keys::Float(v),
            });
        }
        if a.has(&format!("{name}_strings")) {
            return Ok(Keys::Str(a.strings(&format!("{name}_strings"))));
        }
        if a.has(&format!("{name}_int64s")) {
            return Ok(Keys::Int(a.ints(&format!("{name}_int64s"))));
        }
        if a.has(&format!("{name}_floats")) {
            return Ok(Keys::Float(a.floats(&format!("{name}_floats"))?));
        }
        Err(format!("LabelEncoder has no {name}"))
    }
}

/// Imputer: replaces `replaced_value_float` (NaN by default) or `replaced_value_int64` with
/// the imputed value of its column (one value for all columns, or one per column).
pub fn imputer(node: &NodeProto, x: &Tensor) -> Result<Tensor, String> {
    let a = Attrs::new(node);
    let (_, cols) = rows_cols(x);
    let pick = |n: usize, i: usize| if n == 1 { 0 } else { i % cols.max(1) };
    match &x.data {
        Data::Int(v) => {
            let with = a.ints("imputed_value_int64s");
            if with.len() != 1 && with.len() != cols {
                return Err(format!(
                    "Imputer has {} values for {cols} columns",
                    with.len()
                ));
            }
            let replaced = a.int("replaced_value_int64", 0);
            let out = v
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    if x == replaced {
                        with[pick(with.len(), i)]
                    } else {
                        x
                    }
                })
                .collect();
            Ok(Tensor {
                shape: x.shape.clone(),
                data: Data::Int(out),
                elem: x.elem,
            })
        }
        _ => {
            let with = a.floats("imputed_value_floats")?;
            if with.len() != 1 && with.len() != cols {
                return Err(format!(
                    "Imputer has {} values for {cols} columns",
                    with.len()
                ));
            }
            let replaced = if a.has("replaced_value_float") {
                a.float("replaced_value_float", f64::NAN)
            } else {
                f64::NAN
            };
            let v = x.as_f64()?;
            let out = v
                .iter()
                .enumerate()
                .map(|(i, &f)| {
                    let hit = if replaced.is_nan() {
                        f.is_nan()
                    } else {
                        f == replaced
                    };
                    if hit {
                        with[pick(with.len(), i)]
                    } else {
                        f
                    }
                })
                .collect();
            Ok(Tensor::floats(x.shape.clone(), out, float_or(x.elem)))
        }
    }
}

fn float_or(elem: i32) -> i32 {
    if elem == dtype::DOUBLE {
        dtype::DOUBLE
    } else {
        dtype::FLOAT
    }
}

/// Binarizer: 1 where the value exceeds `threshold`, else 0.
pub fn binarizer(node: &NodeProto, x: &Tensor) -> Result<Tensor, String> {
    let t = Attrs::new(node).float("threshold", 0.0);
    let v = x.as_f64()?;
    Ok(Tensor::floats(
        x.shape.clone(),
        v.iter().map(|&f| if f > t { 1.0 } else { 0.0 }).collect(),
        float_or(x.elem),
    ))
}

/// ArrayFeatureExtractor: the entries of the last axis of `x` at `indices`.
pub fn array_feature_extractor(x: &Tensor, indices: &Tensor) -> Result<Tensor, String> {
    let idx = indices.as_i64()?;
    let last = *x.shape.last().unwrap_or(&1);
    let idx: Vec<usize> = idx
        .iter()
        .map(|&i| {
            usize::try_from(i)
                .ok()
                .filter(|&i| i < last)
                .ok_or_else(|| format!("index {i} out of range 0..{last}"))
        })
        .collect::<Result<_, _>>()?;
    let outer = x.len() / last.max(1);
    let mut positions = Vec::with_capacity(size(&[outer, idx.len()])?);
    for o in 0..outer {
        positions.extend(idx.iter().map(|&i| o * last + i));
    }
    let shape = if x.rank() <= 1 {
        vec![1, idx.len()]
    } else {
        let mut s = x.shape[..x.rank() - 1].to_vec();
        s.push(idx.len());
        s
    };
    Ok(x.gather_flat(&positions, shape))
}

/// FeatureVectorizer: the inputs side by side per row, each taking `inputdimensions[i]` columns
/// (padded with zeros or cut).
pub fn feature_vectorizer(node: &NodeProto, parts: &[&Tensor]) -> Result<Tensor, String> {
    let dims = Attrs::new(node).ints("inputdimensions");
    if dims.len() != parts.len() {
        return Err(format!(
            "{} inputs but {} input dimensions",
            parts.len(),
            dims.len()
        ));
    }
    let n = parts.first().map_or(0, |p| rows_cols(p).0);
    let width = dims
        .iter()
        .try_fold(0usize, |w, &d| {
            w.checked_add(usize::try_from(d).unwrap_or(0))
        })
        .ok_or("input dimensions overflow")?;
    size(&[n, width])?;
    let values: Vec<_> = parts.iter().map(|p| p.as_f64()).collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(n * width);
    for r in 0..n {
        for ((p, v), &d) in parts.iter().zip(&values).zip(&dims) {
            let (rows, cols) = rows_cols(p);
            if rows != n {
                return Err(format!("inputs have {rows} and {n} rows"));
            }
            let d = d.max(0) as usize;
            let row = &v[r * cols..(r + 1) * cols];
            out.extend((0..d).map(|j| row.get(j).copied().unwrap_or(0.0)));
        }
    }
    Ok(Tensor::floats(vec![n, width], out, dtype::FLOAT))
}

/// Scaler: (x − offset) · scale, with one value for all columns or one per column.
pub fn scaler(node: &NodeProto, x: &Tensor) -> Result<Tensor, String> {
    let a = Attrs::new(node);
    let offset = a.floats("offset")?;
    let scale = a.floats("scale")?;
    let (_, cols) = rows_cols(x);
    let pick = |v: &[f64], c: usize, default: f64| -> Result<f64, String> {
        match v.len() {
            0 => Ok(default),
            1 => Ok(v[0]),
            n if n == cols => Ok(v[c]),
            n => Err(format!("Scaler has {n} values for {cols} columns")),
        }
    };
    let v = x.as_f64()?;
    let out = v
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            let c = i % cols.max(1);
            Ok((f - pick(&offset, c, 0.0)?) * pick(&scale, c, 1.0)?)
        })
        .collect::<Result<_, String>>()?;
    Ok(Tensor::floats(x.shape.clone(), out, dtype::FLOAT))
}

/// Normalizer: rows scaled to unit MAX, L1 or L2 norm.
pub fn normalizer(node: &NodeProto, x: &Tensor) -> Result<Tensor, String> {
    let norm = Attrs::new(node).string("norm").unwrap_or_default();
    let (_, cols) = rows_cols(x);
    let mut out = x.as_f64()?.into_owned();
    for row in out.chunks_mut(cols.max(1)) {
        let n = match norm.as_str() {
            "MAX" => row.iter().fold(0.0f64, |m, v| m.max(*v)),
            "L1" => row.iter().map(|v| v.abs()).sum(),
            "L2" => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
            other => return Err(format!("Normalizer norm '{other}' is not supported")),
        };
        if n != 0.0 {
            row.iter_mut().for_each(|v| *v /= n);
        }
    }
    Ok(Tensor::floats(x.shape.clone(), out, dtype::FLOAT))
}

#[cfg(test)]
mod tests {
    use super::super::proto::AttributeProto;
    use super::*;

    fn node(attrs: Vec<AttributeProto>) -> NodeProto {
        NodeProto {
            attribute: attrs,
            ..Default::default()
        }
    }

    fn strings(name: &str, v: &[&str]) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn one_hot_and_label_encoder_map_strings() {
        let x = Tensor::strings(vec![3, 1], vec!["b".into(), "z".into(), "a".into()]);
        let oh = one_hot(&node(vec![strings("cats_strings", &["a", "b"])]), &x).unwrap();
        assert_eq!(oh.shape, vec![3, 1, 2]);
        assert_eq!(oh.data, Data::Float(vec![0., 1., 0., 0., 1., 0.]));
        let le = label_encoder(
            &node(vec![
                strings("keys_strings", &["a", "b"]),
                AttributeProto {
                    name: "values_int64s".into(),
                    ints: vec![10, 20],
                    ..Default::default()
                },
                AttributeProto {
                    name: "default_int64".into(),
                    i: -7,
                    ..Default::default()
                },
            ]),
            &x,
        )
        .unwrap();
        assert_eq!(le.data, Data::Int(vec![20, -7, 10]));
    }

    #[test]
    fn imputer_fills_nan_per_column() {
        let x = Tensor::floats(vec![2, 2], vec![f64::NAN, 1.0, 2.0, f64::NAN], dtype::FLOAT);
        let n = node(vec![AttributeProto {
            name: "imputed_value_floats".into(),
            floats: vec![5.0, 6.0],
            ..Default::default()
        }]);
        assert_eq!(
            imputer(&n, &x).unwrap().data,
            Data::Float(vec![5.0, 1.0, 2.0, 6.0])
        );
    }
}
