//! Operators of the default ONNX domain that tabular exporters emit: the dense-network set
//! (Gemm, MatMul, activations, Softmax, BatchNormalization) and the glue around it (elementwise
//! arithmetic with numpy broadcasting, Concat, Reshape, Gather, Cast, Where, reductions), with
//! the semantics of the ONNX specification for opsets 9 to 21.

use rayon::prelude::*;

use super::ops::{logistic, softmax, Attrs};
use super::proto::{dtype, NodeProto};
use super::tensor::{
    axis, broadcast_index, broadcast_shape, class_of, fit, size, strides, Class, Data, Tensor,
};

/// The default-domain operators evaluated here.
pub const OPERATORS: &[&str] = &[
    "Abs",
    "Add",
    "ArgMax",
    "ArgMin",
    "BatchNormalization",
    "Cast",
    "Clip",
    "Concat",
    "Constant",
    "Div",
    "Dropout",
    "Equal",
    "Exp",
    "Flatten",
    "Gather",
    "Gemm",
    "Greater",
    "Identity",
    "IsNaN",
    "LeakyRelu",
    "Less",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "Min",
    "Mul",
    "Neg",
    "Not",
    "Pow",
    "Reciprocal",
    "ReduceMax",
    "ReduceMean",
    "ReduceMin",
    "ReduceSum",
    "Relu",
    "Reshape",
    "Shape",
    "Sigmoid",
    "Softmax",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Tanh",
    "Transpose",
    "Unsqueeze",
    "Where",
];

/// Evaluate one default-domain node. `args[i]` is input `i` (`None` for an omitted optional
/// input); `opset` is the model's default-domain opset version.
pub fn eval(node: &NodeProto, args: &[Option<&Tensor>], opset: i64) -> Result<Tensor, String> {
    let a = Attrs::new(node);
    let arg = |i: usize| -> Result<&Tensor, String> {
        args.get(i)
            .copied()
            .flatten()
            .ok_or_else(|| format!("input {i} is missing"))
    };
    let op = node.op_type.as_str();
    match op {
        "Identity" | "Dropout" => Ok(arg(0)?.clone()),
        "Constant" => constant(&a),
        "Add" | "Sub" | "Mul" | "Div" | "Pow" => arithmetic(op, arg(0)?, arg(1)?),
        "Max" | "Min" => {
            let mut acc = arg(0)?.clone();
            for i in 1..args.len() {
                acc = arithmetic(op, &acc, arg(i)?)?;
            }
            Ok(acc)
        }
        "Equal" | "Less" | "Greater" => compare(op, arg(0)?, arg(1)?),
        "Not" => {
            let x = arg(0)?;
            Ok(Tensor::bools(
                x.shape.clone(),
                x.as_i64()?.iter().map(|&v| v == 0).collect(),
            ))
        }
        "IsNaN" => {
            let x = arg(0)?;
            Ok(Tensor::bools(
                x.shape.clone(),
                x.as_f64()?.iter().map(|v| v.is_nan()).collect(),
            ))
        }
        "Where" => where_(arg(0)?, arg(1)?, arg(2)?),
        "Relu" | "Sigmoid" | "Tanh" | "Exp" | "Log" | "Abs" | "Neg" | "Sqrt" | "Reciprocal" => {
            unary(arg(0)?, |v| activation(op, v))
        }
        "LeakyRelu" => {
            let alpha = a.float("alpha", 0.01);
            unary(arg(0)?, |v| if v < 0.0 { alpha * v } else { v })
        }
        "Clip" => {
            let x = arg(0)?;
            let bound = |i: usize, name: &str, default: f64| -> Result<f64, String> {
                if opset >= 11 {
                    match args.get(i).copied().flatten() {
                        Some(t) => t
                            .as_f64()?
                            .first()
                            .copied()
                            .ok_or("empty Clip bound".into()),
                        None => Ok(default),
                    }
                } else {
                    Ok(a.float(name, default))
                }
            };
            let lo = bound(1, "min", f64::NEG_INFINITY)?;
            let hi = bound(2, "max", f64::INFINITY)?;
            unary(x, |v| if v.is_nan() { v } else { v.max(lo).min(hi) })
        }
        "Softmax" | "LogSoftmax" => softmax_op(op, arg(0)?, &a, opset),
        "ArgMax" | "ArgMin" => argext(op, arg(0)?, &a),
        "Gemm" => gemm(arg(0)?, arg(1)?, args.get(2).copied().flatten(), &a),
        "MatMul" => matmul(arg(0)?, arg(1)?),
        "BatchNormalization" => batch_norm(args, &a),
        "Concat" => {
            let parts: Vec<&Tensor> = (0..args.len()).map(arg).collect::<Result<_, _>>()?;
            concat(&parts, a.int("axis", 0))
        }
        "Reshape" => reshape(arg(0)?, arg(1)?, a.int("allowzero", 0) != 0),
        "Flatten" => {
            let x = arg(0)?;
            let k = axis(a.int("axis", 1), x.rank() + 1)?;
            let outer: usize = x.shape[..k].iter().product();
            x.reshaped(vec![outer, x.shape[k..].iter().product()])
        }
        "Squeeze" | "Unsqueeze" => {
            let x = arg(0)?;
            let axes = if opset >= 13 {
                match args.get(1).copied().flatten() {
                    Some(t) => t.as_i64()?,
                    None => Vec::new(),
                }
            } else {
                a.ints("axes")
            };
            if op == "Squeeze" {
                squeeze(x, &axes)
            } else {
                unsqueeze(x, &axes)
            }
        }
        "Shape" => {
            let x = arg(0)?;
            Ok(Tensor::ints(
                vec![x.rank()],
                x.shape.iter().map(|&d| d as i64).collect(),
            ))
        }
        "Gather" => gather(arg(0)?, arg(1)?, a.int("axis", 0)),
        "Transpose" => transpose(arg(0)?, &a.ints("perm")),
        "Cast" => cast(arg(0)?, a.int("to", 0) as i32),
        "ReduceSum" | "ReduceMean" | "ReduceMax" | "ReduceMin" => {
            let x = arg(0)?;
            let axes = if (op == "ReduceSum" && opset >= 13) || opset >= 18 {
                match args.get(1).copied().flatten() {
                    Some(t) => t.as_i64()?,
                    None => Vec::new(),
                }
            } else {
                a.ints("axes")
            };
            let noop = a.int("noop_with_empty_axes", 0) != 0;
            if axes.is_empty() && noop {
                return Ok(x.clone());
            }
            reduce(op, x, &axes, a.int("keepdims", 1) != 0)
        }
        other => Err(format!("operator {other} is not evaluated")),
    }
}

fn activation(op: &str, v: f64) -> f64 {
    match op {
        "Relu" => v.max(0.0),
        "Sigmoid" => logistic(v),
        "Tanh" => v.tanh(),
        "Exp" => v.exp(),
        "Log" => v.ln(),
        "Abs" => v.abs(),
        "Neg" => -v,
        "Sqrt" => v.sqrt(),
        _ => 1.0 / v, // Reciprocal
    }
}

fn constant(a: &Attrs) -> Result<Tensor, String> {
    if let Some(t) = a.tensor("value") {
        return Tensor::from_proto(t)
            .ok_or_else(|| "Constant value has an unsupported type".into());
    }
    if a.has("value_float") {
        return Ok(Tensor::floats(
            vec![],
            vec![a.float("value_float", 0.0)],
            dtype::FLOAT,
        ));
    }
    if a.has("value_floats") {
        let v = a.floats("value_floats")?;
        return Ok(Tensor::floats(vec![v.len()], v, dtype::FLOAT));
    }
    if a.has("value_int") {
        return Ok(Tensor::ints(vec![], vec![a.int("value_int", 0)]));
    }
    if a.has("value_ints") {
        let v = a.ints("value_ints");
        return Ok(Tensor::ints(vec![v.len()], v));
    }
    if let Some(s) = a.string("value_string") {
        return Ok(Tensor::strings(vec![], vec![s]));
    }
    if a.has("value_strings") {
        let v = a.strings("value_strings");
        return Ok(Tensor::strings(vec![v.len()], v));
    }
    Err("Constant without a value".into())
}

/// Elementwise map of a float tensor, keeping its type.
fn unary(x: &Tensor, f: impl Fn(f64) -> f64 + Sync) -> Result<Tensor, String> {
    let v = x.as_f64()?;
    let elem = if class_of(x.elem) == Some(Class::Float) {
        x.elem
    } else {
        dtype::FLOAT
    };
    Ok(Tensor::floats(
        x.shape.clone(),
        v.par_iter().map(|&v| f(v)).collect(),
        elem,
    ))
}

/// Add, Sub, Mul, Div, Pow, Max, Min with numpy broadcasting; integer tensors stay integers.
pub fn arithmetic(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor, String> {
    let shape = broadcast_shape(&[&a.shape, &b.shape])?;
    let ia = broadcast_index(&a.shape, &shape);
    let ib = broadcast_index(&b.shape, &shape);
    if let (Data::Int(x), Data::Int(y), true) = (&a.data, &b.data, op != "Pow") {
        let values = ia
            .iter()
            .zip(&ib)
            .map(|(&i, &j)| {
                let (p, q) = (x[i], y[j]);
                match op {
                    "Add" => p.wrapping_add(q),
                    "Sub" => p.wrapping_sub(q),
                    "Mul" => p.wrapping_mul(q),
                    "Max" => p.max(q),
                    "Min" => p.min(q),
                    _ => p.checked_div(q).unwrap_or(0),
                }
            })
            .collect();
        return Ok(Tensor {
            shape,
            data: Data::Int(values),
            elem: a.elem,
        });
    }
    let (x, y) = (a.as_f64()?, b.as_f64()?);
    let f = match op {
        "Add" => |p: f64, q: f64| p + q,
        "Sub" => |p: f64, q: f64| p - q,
        "Mul" => |p: f64, q: f64| p * q,
        "Div" => |p: f64, q: f64| p / q,
        "Pow" => f64::powf,
        "Max" => |p: f64, q: f64| {
            if p.is_nan() || q.is_nan() {
                f64::NAN
            } else {
                p.max(q)
            }
        },
        _ => |p: f64, q: f64| {
            if p.is_nan() || q.is_nan() {
                f64::NAN
            } else {
                p.min(q)
            }
        },
    };
    let elem = [a.elem, b.elem]
        .into_iter()
        .find(|&e| class_of(e) == Some(Class::Float))
        .unwrap_or(dtype::FLOAT);
    let values = ia
        .par_iter()
        .zip(&ib)
        .map(|(&i, &j)| f(x[i], y[j]))
        .collect();
    Ok(Tensor::floats(shape, values, elem))
}

fn compare(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor, String> {
    let shape = broadcast_shape(&[&a.shape, &b.shape])?;
    let ia = broadcast_index(&a.shape, &shape);
    let ib = broadcast_index(&b.shape, &shape);
    let values: Vec<bool> = match (&a.data, &b.data) {
        (Data::Str(x), Data::Str(y)) if op == "Equal" => {
            ia.iter().zip(&ib).map(|(&i, &j)| x[i] == y[j]).collect()
        }
        _ => {
            let (x, y) = (a.as_f64()?, b.as_f64()?);
            ia.iter()
                .zip(&ib)
                .map(|(&i, &j)| match op {
                    "Equal" => x[i] == y[j],
                    "Less" => x[i] < y[j],
                    _ => x[i] > y[j],
                })
                .collect()
        }
    };
    Ok(Tensor::bools(shape, values))
}

fn where_(c: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor, String> {
    let shape = broadcast_shape(&[&c.shape, &x.shape, &y.shape])?;
    let cond = c.as_i64()?;
    let (ic, ix, iy) = (
        broadcast_index(&c.shape, &shape),
        broadcast_index(&x.shape, &shape),
        broadcast_index(&y.shape, &shape),
    );
    // Element k from x where the condition holds, else from y.
    fn choose<T: Clone>(
        cond: &[i64],
        ic: &[usize],
        ix: &[usize],
        iy: &[usize],
        p: &[T],
        q: &[T],
    ) -> Vec<T> {
        (0..ic.len())
            .map(|k| {
                if cond[ic[k]] != 0 {
                    p[ix[k]].clone()
                } else {
                    q[iy[k]].clone()
                }
            })
            .collect()
    }
    let data = match (&x.data, &y.data) {
        (Data::Str(p), Data::Str(q)) => Data::Str(choose(&cond, &ic, &ix, &iy, p, q)),
        (Data::Int(p), Data::Int(q)) => Data::Int(choose(&cond, &ic, &ix, &iy, p, q)),
        _ => Data::Float(choose(&cond, &ic, &ix, &iy, &x.as_f64()?, &y.as_f64()?)),
    };
    Ok(Tensor {
        shape,
        data,
        elem: x.elem,
    })
}

/// (outer, axis length, inner) of a tensor split at `k`.
fn split_at(shape: &[usize], k: usize) -> (usize, usize, usize) {
    (
        shape[..k].iter().product(),
        shape[k],
        shape[k + 1..].iter().product(),
    )
}

fn softmax_op(op: &str, x: &Tensor, a: &Attrs, opset: i64) -> Result<Tensor, String> {
    let v = x.as_f64()?;
    let log = op == "LogSoftmax";
    if x.rank() == 0 {
        return Ok(x.clone());
    }
    let default_axis = if opset >= 13 { -1 } else { 1 };
    let k = axis(a.int("axis", default_axis), x.rank())?;
    let mut out = v.into_owned();
    let finish = |row: &mut [f64]| {
        softmax(row, false);
        if log {
            row.iter_mut().for_each(|p| *p = p.ln());
        }
    };
    if opset < 13 {
        // Older opsets: the input is coerced to 2-D at `axis`, softmax over each row.
        let inner: usize = x.shape[k..].iter().product();
        out.par_chunks_mut(inner.max(1)).for_each(finish);
    } else {
        let (outer, len, inner) = split_at(&x.shape, k);
        if inner == 1 {
            out.par_chunks_mut(len.max(1)).for_each(finish);
        } else {
            for o in 0..outer {
                for i in 0..inner {
                    let mut row: Vec<f64> =
                        (0..len).map(|j| out[(o * len + j) * inner + i]).collect();
                    finish(&mut row);
                    for (j, p) in row.into_iter().enumerate() {
                        out[(o * len + j) * inner + i] = p;
                    }
                }
            }
        }
    }
    Ok(Tensor::floats(x.shape.clone(), out, float_elem(x)))
}

fn float_elem(x: &Tensor) -> i32 {
    if class_of(x.elem) == Some(Class::Float) {
        x.elem
    } else {
        dtype::FLOAT
    }
}

fn argext(op: &str, x: &Tensor, a: &Attrs) -> Result<Tensor, String> {
    let v = x.as_f64()?;
    let k = axis(a.int("axis", 0), x.rank())?;
    let keep = a.int("keepdims", 1) != 0;
    let last = a.int("select_last_index", 0) != 0;
    let (outer, len, inner) = split_at(&x.shape, k);
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            let mut best = 0usize;
            for j in 1..len {
                let (cur, b) = (
                    v[(o * len + j) * inner + i],
                    v[(o * len + best) * inner + i],
                );
                let better = if op == "ArgMax" { cur > b } else { cur < b };
                if better || (last && cur == b) {
                    best = j;
                }
            }
            out.push(best as i64);
        }
    }
    let mut shape = x.shape.clone();
    if keep {
        shape[k] = 1;
    } else {
        shape.remove(k);
    }
    Ok(Tensor::ints(shape, out))
}

/// A 2-D view of a matrix argument (rows, cols, values), transposed on request.
fn matrix(t: &Tensor, transpose: bool) -> Result<(usize, usize, Vec<f64>), String> {
    let (r, c) = match t.shape.as_slice() {
        [r, c] => (*r, *c),
        [c] => (1, *c),
        s => return Err(format!("expected a matrix, got shape {s:?}")),
    };
    let v = t.as_f64()?;
    if !transpose {
        return Ok((r, c, v.into_owned()));
    }
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = v[i * c + j];
        }
    }
    Ok((c, r, out))
}

/// `a` (n×k) times `b` (k×m), rows in parallel.
fn product(n: usize, k: usize, m: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; n * m];
    out.par_chunks_mut(m.max(1) * 64)
        .enumerate()
        .for_each(|(chunk, block)| {
            for (r, row) in block.chunks_mut(m.max(1)).enumerate() {
                let i = chunk * 64 + r;
                let ar = &a[i * k..(i + 1) * k];
                for (p, &x) in ar.iter().enumerate() {
                    if x == 0.0 {
                        continue;
                    }
                    let br = &b[p * m..(p + 1) * m];
                    for (o, &y) in row.iter_mut().zip(br) {
                        *o += x * y;
                    }
                }
            }
        });
    out
}

fn gemm(a: &Tensor, b: &Tensor, c: Option<&Tensor>, at: &Attrs) -> Result<Tensor, String> {
    let alpha = at.float("alpha", 1.0);
    let beta = at.float("beta", 1.0);
    let (n, k, av) = matrix(a, at.int("transA", 0) != 0)?;
    let (k2, m, bv) = matrix(b, at.int("transB", 0) != 0)?;
    if k != k2 {
        return Err(format!("Gemm: inner dimensions {k} and {k2} differ"));
    }
    size(&[n, m])?;
    let mut out = product(n, k, m, &av, &bv);
    if alpha != 1.0 {
        out.iter_mut().for_each(|v| *v *= alpha);
    }
    if let Some(c) = c {
        let idx = broadcast_index(&c.shape, &[n, m]);
        if broadcast_shape(&[&c.shape, &[n, m]])? != [n, m] {
            return Err(format!(
                "Gemm: C of shape {:?} does not broadcast to {n}x{m}",
                c.shape
            ));
        }
        let cv = c.as_f64()?;
        out.iter_mut()
            .zip(idx)
            .for_each(|(o, i)| *o += beta * cv[i]);
    }
    Ok(Tensor::floats(vec![n, m], out, float_elem(a)))
}

fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, String> {
    // numpy matmul: 1-D operands are promoted and the added dimension removed afterwards;
    // leading (batch) dimensions broadcast.
    let (mut sa, mut sb) = (a.shape.clone(), b.shape.clone());
    let (va, vb) = (a.rank() == 1, b.rank() == 1);
    if va {
        sa.insert(0, 1);
    }
    if vb {
        sb.push(1);
    }
    if sa.len() < 2 || sb.len() < 2 {
        return Err("MatMul of a scalar".into());
    }
    let (n, k) = (sa[sa.len() - 2], sa[sa.len() - 1]);
    let (k2, m) = (sb[sb.len() - 2], sb[sb.len() - 1]);
    if k != k2 {
        return Err(format!("MatMul: inner dimensions {k} and {k2} differ"));
    }
    let batch_a = &sa[..sa.len() - 2];
    let batch_b = &sb[..sb.len() - 2];
    let batch = broadcast_shape(&[batch_a, batch_b])?;
    size(&[size(&batch)?, n, m])?;
    let ia = broadcast_index(batch_a, &batch);
    let ib = broadcast_index(batch_b, &batch);
    let (x, y) = (a.as_f64()?, b.as_f64()?);
    let mut out = Vec::with_capacity(ia.len() * n * m);
    for (&i, &j) in ia.iter().zip(&ib) {
        out.extend(product(
            n,
            k,
            m,
            &x[i * n * k..(i + 1) * n * k],
            &y[j * k * m..(j + 1) * k * m],
        ));
    }
    let mut shape = batch;
    if !va {
        shape.push(n);
    }
    if !vb {
        shape.push(m);
    }
    Ok(Tensor::floats(shape, out, float_elem(a)))
}

fn batch_norm(args: &[Option<&Tensor>], a: &Attrs) -> Result<Tensor, String> {
    let get = |i: usize| -> Result<std::borrow::Cow<'_, [f64]>, String> {
        args.get(i)
            .copied()
            .flatten()
            .ok_or_else(|| format!("BatchNormalization input {i} is missing"))?
            .as_f64()
    };
    let x = args[0].ok_or("BatchNormalization without input")?;
    let (scale, bias, mean, var) = (get(1)?, get(2)?, get(3)?, get(4)?);
    let eps = a.float("epsilon", 1e-5);
    let c = *x.shape.get(1).unwrap_or(&1);
    if [scale.len(), bias.len(), mean.len(), var.len()] != [c; 4] {
        return Err(format!(
            "BatchNormalization parameters do not have {c} channels"
        ));
    }
    let inner: usize = x.shape.iter().skip(2).product();
    let v = x.as_f64()?;
    let out = v
        .iter()
        .enumerate()
        .map(|(i, &xv)| {
            let ch = (i / inner.max(1)) % c.max(1);
            (xv - mean[ch]) / (var[ch] + eps).sqrt() * scale[ch] + bias[ch]
        })
        .collect();
    Ok(Tensor::floats(x.shape.clone(), out, float_elem(x)))
}

/// Concatenate along `axis`.
pub fn concat(parts: &[&Tensor], ax: i64) -> Result<Tensor, String> {
    let first = parts.first().ok_or("Concat of nothing")?;
    let k = axis(ax, first.rank())?;
    for p in parts {
        if p.rank() != first.rank()
            || p.shape
                .iter()
                .enumerate()
                .any(|(d, &s)| d != k && s != first.shape[d])
        {
            return Err(format!(
                "Concat: shapes {:?} do not match off axis {k}",
                parts.iter().map(|p| p.shape.clone()).collect::<Vec<_>>()
            ));
        }
    }
    let outer: usize = first.shape[..k].iter().product();
    let mut shape = first.shape.clone();
    shape[k] = parts.iter().map(|p| p.shape[k]).sum();
    // Mixed numeric types: concatenate as floats.
    let strings = parts.iter().all(|p| matches!(p.data, Data::Str(_)));
    let ints = parts.iter().all(|p| matches!(p.data, Data::Int(_)));
    let blocks: Vec<usize> = parts
        .iter()
        .map(|p| p.shape[k..].iter().product())
        .collect();
    // Block o of every part in turn, for each o.
    fn stack<T: Clone>(values: &[&[T]], blocks: &[usize], outer: usize) -> Vec<T> {
        let mut out = Vec::with_capacity(values.iter().map(|v| v.len()).sum());
        for o in 0..outer {
            for (v, &b) in values.iter().zip(blocks) {
                out.extend_from_slice(&v[o * b..(o + 1) * b]);
            }
        }
        out
    }
    let data = if strings {
        let values: Vec<&[String]> = parts
            .iter()
            .filter_map(|p| match &p.data {
                Data::Str(v) => Some(v.as_slice()),
                _ => None,
            })
            .collect();
        Data::Str(stack(&values, &blocks, outer))
    } else if ints {
        let values: Vec<&[i64]> = parts
            .iter()
            .filter_map(|p| match &p.data {
                Data::Int(v) => Some(v.as_slice()),
                _ => None,
            })
            .collect();
        Data::Int(stack(&values, &blocks, outer))
    } else {
        let owned: Vec<_> = parts.iter().map(|p| p.as_f64()).collect::<Result<_, _>>()?;
        let values: Vec<&[f64]> = owned.iter().map(|v| v.as_ref()).collect();
        Data::Float(stack(&values, &blocks, outer))
    };
    let elem = if strings || ints {
        first.elem
    } else {
        parts
            .iter()
            .map(|p| p.elem)
            .find(|&e| class_of(e) == Some(Class::Float))
            .unwrap_or(dtype::FLOAT)
    };
    Ok(Tensor { shape, data, elem })
}

fn reshape(x: &Tensor, shape: &Tensor, allow_zero: bool) -> Result<Tensor, String> {
    let want = shape.as_i64()?;
    let mut out = Vec::with_capacity(want.len());
    let mut infer = None;
    for (i, &d) in want.iter().enumerate() {
        match d {
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            0 if !allow_zero => out.push(
                *x.shape
                    .get(i)
                    .ok_or_else(|| format!("Reshape: 0 at {i} has no input dimension"))?,
            ),
            d if d >= 0 => out.push(d as usize),
            d => return Err(format!("Reshape: bad dimension {d}")),
        }
    }
    if let Some(i) = infer {
        let known = size(&out)?;
        if known == 0 || !x.len().is_multiple_of(known) {
            return Err(format!("Reshape: {} values do not fit {want:?}", x.len()));
        }
        out[i] = x.len() / known;
    }
    x.reshaped(out)
}

fn squeeze(x: &Tensor, axes: &[i64]) -> Result<Tensor, String> {
    let drop: Vec<usize> = if axes.is_empty() {
        (0..x.rank()).filter(|&d| x.shape[d] == 1).collect()
    } else {
        axes.iter()
            .map(|&a| axis(a, x.rank()))
            .collect::<Result<_, _>>()?
    };
    if drop.iter().any(|&d| x.shape[d] != 1) {
        return Err(format!(
            "Squeeze: an axis of {:?} in {:?} is not 1",
            axes, x.shape
        ));
    }
    let shape = (0..x.rank())
        .filter(|d| !drop.contains(d))
        .map(|d| x.shape[d])
        .collect();
    x.reshaped(shape)
}

fn unsqueeze(x: &Tensor, axes: &[i64]) -> Result<Tensor, String> {
    let rank = x.rank() + axes.len();
    let mut at: Vec<usize> = axes
        .iter()
        .map(|&a| axis(a, rank))
        .collect::<Result<_, _>>()?;
    at.sort_unstable();
    let mut shape = x.shape.clone();
    for d in at {
        shape.insert(d, 1);
    }
    x.reshaped(shape)
}

fn gather(x: &Tensor, indices: &Tensor, ax: i64) -> Result<Tensor, String> {
    let k = axis(ax, x.rank())?;
    let (outer, len, inner) = split_at(&x.shape, k);
    let idx: Vec<usize> = indices
        .as_i64()?
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + len as i64 } else { i };
            usize::try_from(j)
                .ok()
                .filter(|&j| j < len)
                .ok_or_else(|| format!("Gather index {i} out of range 0..{len}"))
        })
        .collect::<Result<_, _>>()?;
    let mut positions = Vec::with_capacity(size(&[outer, idx.len(), inner])?);
    for o in 0..outer {
        for &j in &idx {
            positions.extend((0..inner).map(|i| (o * len + j) * inner + i));
        }
    }
    let mut shape: Vec<usize> = x.shape[..k].to_vec();
    shape.extend_from_slice(&indices.shape);
    shape.extend_from_slice(&x.shape[k + 1..]);
    Ok(x.gather_flat(&positions, shape))
}

fn transpose(x: &Tensor, perm: &[i64]) -> Result<Tensor, String> {
    let r = x.rank();
    let perm: Vec<usize> = if perm.is_empty() {
        (0..r).rev().collect()
    } else {
        perm.iter().map(|&p| axis(p, r)).collect::<Result<_, _>>()?
    };
    let mut seen = vec![false; r];
    for &p in &perm {
        if std::mem::replace(&mut seen[p], true) {
            return Err(format!("Transpose: perm {perm:?} repeats an axis"));
        }
    }
    if perm.len() != r {
        return Err(format!("Transpose: perm {perm:?} for rank {r}"));
    }
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let src = strides(&x.shape);
    let total = x.len();
    let mut positions = Vec::with_capacity(total);
    let mut counter = vec![0usize; r];
    for _ in 0..total {
        positions.push(counter.iter().zip(&perm).map(|(&c, &p)| c * src[p]).sum());
        for d in (0..r).rev() {
            counter[d] += 1;
            if counter[d] < shape[d] {
                break;
            }
            counter[d] = 0;
        }
    }
    Ok(x.gather_flat(&positions, shape))
}

/// Cast to element type `to`.
pub fn cast(x: &Tensor, to: i32) -> Result<Tensor, String> {
    let class =
        class_of(to).ok_or_else(|| format!("Cast to {} is not supported", dtype::name(to)))?;
    let shape = x.shape.clone();
    Ok(match (class, &x.data) {
        (Class::Float, Data::Str(v)) => Tensor::floats(
            shape,
            v.iter()
                .map(|s| s.trim().parse::<f64>().unwrap_or(f64::NAN))
                .collect(),
            to,
        ),
        (Class::Float, _) => Tensor::floats(shape, x.as_f64()?.into_owned(), to),
        (Class::Int, Data::Str(v)) => Tensor {
            shape,
            data: Data::Int(v.iter().map(|s| s.trim().parse().unwrap_or(0)).collect()),
            elem: to,
        },
        (Class::Int, Data::Float(v)) => Tensor {
            shape,
            data: Data::Int(
                v.iter()
                    .map(|&f| {
                        if to == dtype::BOOL {
                            i64::from(f != 0.0)
                        } else {
                            f as i64
                        }
                    })
                    .collect(),
            ),
            elem: to,
        },
        (Class::Int, Data::Int(v)) => Tensor {
            shape,
            data: Data::Int(if to == dtype::BOOL {
                v.iter().map(|&i| i64::from(i != 0)).collect()
            } else {
                v.clone()
            }),
            elem: to,
        },
        (Class::Str, Data::Str(_)) => x.clone(),
        (Class::Str, Data::Int(v)) => {
            Tensor::strings(shape, v.iter().map(i64::to_string).collect())
        }
        (Class::Str, Data::Float(v)) => {
            Tensor::strings(shape, v.iter().map(|f| f.to_string()).collect())
        }
    })
}

fn reduce(op: &str, x: &Tensor, axes: &[i64], keep: bool) -> Result<Tensor, String> {
    let v = x.as_f64()?;
    let r = x.rank();
    let axes: Vec<usize> = if axes.is_empty() {
        (0..r).collect()
    } else {
        axes.iter().map(|&a| axis(a, r)).collect::<Result<_, _>>()?
    };
    let out_shape_keep: Vec<usize> = (0..r)
        .map(|d| if axes.contains(&d) { 1 } else { x.shape[d] })
        .collect();
    let n_out: usize = out_shape_keep.iter().product();
    let out_strides = strides(&out_shape_keep);
    let init = match op {
        "ReduceMax" => f64::NEG_INFINITY,
        "ReduceMin" => f64::INFINITY,
        _ => 0.0,
    };
    let mut acc = vec![init; n_out];
    let mut counter = vec![0usize; r];
    for &val in v.iter() {
        let o: usize = (0..r)
            .map(|d| {
                if axes.contains(&d) {
                    0
                } else {
                    counter[d] * out_strides[d]
                }
            })
            .sum();
        acc[o] = match op {
            "ReduceMax" => acc[o].max(val),
            "ReduceMin" => acc[o].min(val),
            _ => acc[o] + val,
        };
        for d in (0..r).rev() {
            counter[d] += 1;
            if counter[d] < x.shape[d] {
                break;
            }
            counter[d] = 0;
        }
    }
    if op == "ReduceMean" {
        let count = (x.len() / n_out.max(1)).max(1) as f64;
        acc.iter_mut().for_each(|a| *a /= count);
    }
    let shape = if keep {
        out_shape_keep
    } else {
        (0..r)
            .filter(|d| !axes.contains(d))
            .map(|d| x.shape[d])
            .collect()
    };
    let elem = float_elem(x);
    Ok(Tensor::floats(
        shape,
        acc.into_iter().map(|a| fit(a, elem)).collect(),
        elem,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], v: &[f64]) -> Tensor {
        Tensor::floats(shape.to_vec(), v.to_vec(), dtype::DOUBLE)
    }

    #[test]
    fn gemm_and_matmul_agree_with_hand_products() {
        let a = t(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
        let b = t(&[3, 2], &[1., 0., 0., 1., 1., 1.]);
        let m = matmul(&a, &b).unwrap();
        assert_eq!(m.shape, vec![2, 2]);
        assert_eq!(m.data, Data::Float(vec![4., 5., 10., 11.]));
        // transB: b given as 2x3.
        let bt = t(&[2, 3], &[1., 0., 1., 0., 1., 1.]);
        let node = NodeProto::default();
        let g = gemm(
            &a,
            &bt,
            Some(&t(&[2], &[10., 20.])),
            &Attrs::new(&{
                let mut n = node.clone();
                n.attribute.push(super::super::proto::AttributeProto {
                    name: "transB".into(),
                    i: 1,
                    ..Default::default()
                });
                n
            }),
        )
        .unwrap();
        assert_eq!(g.data, Data::Float(vec![14., 25., 20., 31.]));
    }

    #[test]
    fn ops_on_scalars_are_errors_not_panics() {
        let s = t(&[], &[1.0]);
        let node = NodeProto::default();
        assert!(argext("ArgMax", &s, &Attrs::new(&node)).is_err());
        assert!(concat(&[&s, &s], 0).is_err());
        assert!(gather(&s, &Tensor::ints(vec![1], vec![0]), 0).is_err());
        assert!(softmax_op("Softmax", &s, &Attrs::new(&node), 17).is_ok());
    }

    #[test]
    fn transpose_gather_and_reduce() {
        let x = t(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
        let tr = transpose(&x, &[]).unwrap();
        assert_eq!(tr.shape, vec![3, 2]);
        assert_eq!(tr.data, Data::Float(vec![1., 4., 2., 5., 3., 6.]));
        let g = gather(&x, &Tensor::ints(vec![2], vec![2, -3]), 1).unwrap();
        assert_eq!(g.data, Data::Float(vec![3., 1., 6., 4.]));
        let s = reduce("ReduceSum", &x, &[1], true).unwrap();
        assert_eq!(
            (s.shape.clone(), s.data),
            (vec![2, 1], Data::Float(vec![6., 15.]))
        );
        let c = concat(&[&x, &t(&[2, 1], &[7., 8.])], 1).unwrap();
        assert_eq!(c.data, Data::Float(vec![1., 2., 3., 7., 4., 5., 6., 8.]));
    }
}
