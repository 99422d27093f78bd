//! The values flowing through an ONNX graph: n-dimensional tensors of numbers or strings, with
//! the ONNX element type they carry (a `float` tensor holds values rounded to f32 after every
//! operator, as onnxruntime computes them) and numpy's broadcasting.

use super::proto::{dtype, TensorProto};

/// Tensor storage.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// float, double (and float16, kept as f32 values).
    Float(Vec<f64>),
    /// Every integer type and bool (0/1).
    Int(Vec<i64>),
    /// Strings.
    Str(Vec<String>),
}

/// A tensor: shape, row-major values and element type (an ONNX `TensorProto.DataType` code).
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Data,
    pub elem: i32,
}

/// The storage class of an ONNX element type, or `None` for types leakhound does not compute
/// with (complex, bfloat16 ...).
pub fn class_of(elem: i32) -> Option<Class> {
    Some(match elem {
        dtype::FLOAT | dtype::DOUBLE | dtype::FLOAT16 => Class::Float,
        dtype::UINT8
        | dtype::INT8
        | dtype::UINT16
        | dtype::INT16
        | dtype::INT32
        | dtype::INT64
        | dtype::BOOL
        | dtype::UINT32
        | dtype::UINT64 => Class::Int,
        dtype::STRING => Class::Str,
        _ => return None,
    })
}

/// Storage classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Float,
    Int,
    Str,
}

/// Round to what a tensor of element type `elem` can hold.
pub fn fit(v: f64, elem: i32) -> f64 {
    if elem == dtype::FLOAT || elem == dtype::FLOAT16 {
        v as f32 as f64
    } else {
        v
    }
}

impl Tensor {
    pub fn floats(shape: Vec<usize>, values: Vec<f64>, elem: i32) -> Tensor {
        let values = if elem == dtype::DOUBLE {
            values
        } else {
            values.into_iter().map(|v| fit(v, elem)).collect()
        };
        Tensor {
            shape,
            data: Data::Float(values),
            elem,
        }
    }

    pub fn ints(shape: Vec<usize>, values: Vec<i64>) -> Tensor {
        Tensor {
            shape,
            data: Data::Int(values),
            elem: dtype::INT64,
        }
    }

    pub fn bools(shape: Vec<usize>, values: Vec<bool>) -> Tensor {
        Tensor {
            shape,
            data: Data::Int(values.into_iter().map(i64::from).collect()),
            elem: dtype::BOOL,
        }
    }

    pub fn strings(shape: Vec<usize>, values: Vec<String>) -> Tensor {
        Tensor {
            shape,
            data: Data::Str(values),
            elem: dtype::STRING,
        }
    }

    pub fn len(&self) -> usize {
        match &self.data {
            Data::Float(v) => v.len(),
            Data::Int(v) => v.len(),
            Data::Str(v) => v.len(),
        }
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// Numeric values as f64 (ints converted); strings are an error.
    pub fn as_f64(&self) -> Result<std::borrow::Cow<'_, [f64]>, String> {
        match &self.data {
            Data::Float(v) => Ok(std::borrow::Cow::Borrowed(v)),
            Data::Int(v) => Ok(std::borrow::Cow::Owned(
                v.iter().map(|&x| x as f64).collect(),
            )),
            Data::Str(_) => Err("expected a numeric tensor, got strings".into()),
        }
    }

    /// Integer values (indices, shapes, axes); floats must be whole numbers.
    pub fn as_i64(&self) -> Result<Vec<i64>, String> {
        match &self.data {
            Data::Int(v) => Ok(v.clone()),
            Data::Float(v) => v
                .iter()
                .map(|&x| {
                    (x.fract() == 0.0 && x.abs() < 9.0e15)
                        .then_some(x as i64)
                        .ok_or_else(|| format!("expected integers, got {x}"))
                })
                .collect(),
            Data::Str(_) => Err("expected an integer tensor, got strings".into()),
        }
    }

    /// A copy with a new shape (same element count).
    pub fn reshaped(&self, shape: Vec<usize>) -> Result<Tensor, String> {
        if size(&shape)? != self.len() {
            return Err(format!("cannot reshape {} values to {shape:?}", self.len()));
        }
        Ok(Tensor {
            shape,
            data: self.data.clone(),
            elem: self.elem,
        })
    }

    /// Elements at the given flat positions, in that order.
    pub fn gather_flat(&self, positions: &[usize], shape: Vec<usize>) -> Tensor {
        let data = match &self.data {
            Data::Float(v) => Data::Float(positions.iter().map(|&p| v[p]).collect()),
            Data::Int(v) => Data::Int(positions.iter().map(|&p| v[p]).collect()),
            Data::Str(v) => Data::Str(positions.iter().map(|&p| v[p].clone()).collect()),
        };
        Tensor {
            shape,
            data,
            elem: self.elem,
        }
    }

    /// A constant from the model file.
    pub fn from_proto(t: &TensorProto) -> Option<Tensor> {
        let shape: Vec<usize> = t
            .dims
            .iter()
            .map(|&d| usize::try_from(d).ok())
            .collect::<Option<_>>()?;
        let n = size(&shape).ok()?;
        let tensor = match class_of(t.data_type)? {
            Class::Str => Tensor {
                shape,
                data: Data::Str(
                    t.string_data
                        .iter()
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect(),
                ),
                elem: dtype::STRING,
            },
            Class::Float => Tensor {
                shape,
                data: Data::Float(t.to_f64()?),
                elem: t.data_type,
            },
            Class::Int => Tensor {
                shape,
                data: Data::Int(t.to_i64()?),
                elem: t.data_type,
            },
        };
        (tensor.len() == n).then_some(tensor)
    }
}

/// The most elements a tensor may hold (a model file cannot make leakhound allocate without
/// bound).
pub const MAX_ELEMENTS: usize = 1 << 31;

/// Elements of a shape, or an error when it is beyond [`MAX_ELEMENTS`] (zero-sized dimensions
/// do not hide huge ones: every product of dimensions stays in range).
pub fn size(shape: &[usize]) -> Result<usize, String> {
    let mut nonzero = 1usize;
    let mut zero = false;
    for &d in shape {
        if d == 0 {
            zero = true;
        } else {
            nonzero = nonzero
                .checked_mul(d)
                .filter(|&n| n <= MAX_ELEMENTS)
                .ok_or_else(|| format!("a tensor of shape {shape:?} is too large"))?;
        }
    }
    Ok(if zero { 0 } else { nonzero })
}

/// Normalise a possibly negative axis for a tensor of `rank` dimensions.
pub fn axis(a: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    let v = if a < 0 { a + r } else { a };
    // A scalar has no axis.
    (0..r)
        .contains(&v)
        .then_some(v as usize)
        .ok_or_else(|| format!("axis {a} out of range for rank {rank}"))
}

/// The numpy broadcast of shapes.
pub fn broadcast_shape(shapes: &[&[usize]]) -> Result<Vec<usize>, String> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; rank];
    for s in shapes {
        let pad = rank - s.len();
        for (i, &d) in s.iter().enumerate() {
            let o = &mut out[pad + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                return Err(format!(
                    "shapes {:?} do not broadcast",
                    shapes.iter().map(|s| s.to_vec()).collect::<Vec<_>>()
                ));
            }
        }
    }
    size(&out)?;
    Ok(out)
}

/// For each element of the broadcast shape `out`, the flat position it reads in a tensor of
/// shape `shape`.
pub fn broadcast_index(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let total: usize = out.iter().product();
    let n: usize = shape.iter().product();
    if shape == out {
        return (0..total).collect();
    }
    if n == 1 {
        return vec![0; total];
    }
    let pad = out.len() - shape.len();
    // Strides of `shape` laid over `out` (0 where broadcast).
    let mut strides = vec![0usize; out.len()];
    let mut s = 1;
    for i in (0..shape.len()).rev() {
        strides[pad + i] = if shape[i] == 1 { 0 } else { s };
        s *= shape[i];
    }
    let mut idx = Vec::with_capacity(total);
    let mut counter = vec![0usize; out.len()];
    let mut pos = 0usize;
    for _ in 0..total {
        idx.push(pos);
        for d in (0..out.len()).rev() {
            counter[d] += 1;
            pos += strides[d];
            if counter[d] < out[d] {
                break;
            }
            pos -= strides[d] * counter[d];
            counter[d] = 0;
        }
    }
    idx
}

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shape(&[&[3, 1], &[4]]).unwrap(), vec![3, 4]);
        assert_eq!(broadcast_index(&[3, 1], &[3, 2]), vec![0, 0, 1, 1, 2, 2]);
        assert_eq!(broadcast_index(&[2], &[3, 2]), vec![0, 1, 0, 1, 0, 1]);
        assert_eq!(broadcast_index(&[], &[2, 2]), vec![0; 4]);
        assert!(broadcast_shape(&[&[3], &[4]]).is_err());
        assert_eq!(axis(-1, 2).unwrap(), 1);
        assert!(axis(2, 2).is_err());
        assert!(axis(0, 0).is_err());
    }
}
