//! The part of the ONNX protobuf schema (`onnx/onnx.proto3`) a tabular model needs, as prost
//! messages written by hand (field numbers from the schema; no protoc at build time). Fields not
//! declared here are skipped by the decoder.

#![allow(missing_docs)]

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct ModelProto {
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    #[prost(string, tag = "2")]
    pub producer_name: String,
    #[prost(string, tag = "3")]
    pub producer_version: String,
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
    #[prost(message, repeated, tag = "14")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct StringStringEntryProto {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct OperatorSetIdProto {
    #[prost(string, tag = "1")]
    pub domain: String,
    #[prost(int64, tag = "2")]
    pub version: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(string, tag = "4")]
    pub op_type: String,
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
    #[prost(string, tag = "7")]
    pub domain: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct AttributeProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(float, tag = "2")]
    pub f: f32,
    #[prost(int64, tag = "3")]
    pub i: i64,
    #[prost(bytes = "vec", tag = "4")]
    pub s: Vec<u8>,
    #[prost(message, optional, tag = "5")]
    pub t: Option<TensorProto>,
    #[prost(float, repeated, tag = "7")]
    pub floats: Vec<f32>,
    #[prost(int64, repeated, tag = "8")]
    pub ints: Vec<i64>,
    #[prost(bytes = "vec", repeated, tag = "9")]
    pub strings: Vec<Vec<u8>>,
    #[prost(message, repeated, tag = "10")]
    pub tensors: Vec<TensorProto>,
    #[prost(int32, tag = "20")]
    pub r#type: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    #[prost(float, repeated, tag = "4")]
    pub float_data: Vec<f32>,
    #[prost(int32, repeated, tag = "5")]
    pub int32_data: Vec<i32>,
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_data: Vec<Vec<u8>>,
    #[prost(int64, repeated, tag = "7")]
    pub int64_data: Vec<i64>,
    #[prost(string, tag = "8")]
    pub name: String,
    #[prost(bytes = "vec", tag = "9")]
    pub raw_data: Vec<u8>,
    #[prost(double, repeated, tag = "10")]
    pub double_data: Vec<f64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueInfoProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TypeProto {
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TensorTypeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorTypeProto {
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Dimension {
    #[prost(int64, optional, tag = "1")]
    pub dim_value: Option<i64>,
    #[prost(string, optional, tag = "2")]
    pub dim_param: Option<String>,
}

/// ONNX `TensorProto.DataType` codes used here.
pub mod dtype {
    pub const FLOAT: i32 = 1;
    pub const UINT8: i32 = 2;
    pub const INT8: i32 = 3;
    pub const UINT16: i32 = 4;
    pub const INT16: i32 = 5;
    pub const INT32: i32 = 6;
    pub const INT64: i32 = 7;
    pub const STRING: i32 = 8;
    pub const BOOL: i32 = 9;
    pub const FLOAT16: i32 = 10;
    pub const DOUBLE: i32 = 11;
    pub const UINT32: i32 = 12;
    pub const UINT64: i32 = 13;

    /// The name of a type code, for messages.
    pub fn name(code: i32) -> String {
        match code {
            FLOAT => "float".into(),
            UINT8 => "uint8".into(),
            INT8 => "int8".into(),
            UINT16 => "uint16".into(),
            INT16 => "int16".into(),
            INT32 => "int32".into(),
            INT64 => "int64".into(),
            STRING => "string".into(),
            BOOL => "bool".into(),
            FLOAT16 => "float16".into(),
            DOUBLE => "double".into(),
            UINT32 => "uint32".into(),
            UINT64 => "uint64".into(),
            other => format!("type {other}"),
        }
    }
}

impl TensorProto {
    /// The tensor's values as f64 (float, double, int32 and int64 tensors; raw or typed data).
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        let raw = &self.raw_data;
        let chunks = |w: usize| {
            (!raw.is_empty() && raw.len().is_multiple_of(w)).then(|| raw.chunks_exact(w))
        };
        Some(match self.data_type {
            dtype::FLOAT => match chunks(4) {
                Some(c) => c
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
                    .collect(),
                None => self.float_data.iter().map(|&v| v as f64).collect(),
            },
            dtype::DOUBLE => match chunks(8) {
                Some(c) => c
                    .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                    .collect(),
                None => self.double_data.clone(),
            },
            dtype::FLOAT16 => match chunks(2) {
                Some(c) => c.map(|b| half(u16::from_le_bytes([b[0], b[1]]))).collect(),
                None => self.int32_data.iter().map(|&v| half(v as u16)).collect(),
            },
            _ => self.to_i64()?.into_iter().map(|v| v as f64).collect(),
        })
    }

    /// The values of an integer or bool tensor (raw or typed data).
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        let raw = &self.raw_data;
        let width = match self.data_type {
            dtype::INT8 | dtype::UINT8 | dtype::BOOL => 1,
            dtype::INT16 | dtype::UINT16 => 2,
            dtype::INT32 | dtype::UINT32 => 4,
            dtype::INT64 | dtype::UINT64 => 8,
            _ => return None,
        };
        if raw.is_empty() {
            return Some(match self.data_type {
                dtype::INT64 => self.int64_data.clone(),
                dtype::UINT32 | dtype::UINT64 => {
                    // uint64_data (field 11) is not declared; these are rare in tabular models.
                    return None;
                }
                _ => self.int32_data.iter().map(|&v| i64::from(v)).collect(),
            });
        }
        if !raw.len().is_multiple_of(width) {
            return None;
        }
        Some(
            raw.chunks_exact(width)
                .map(|b| match (self.data_type, width) {
                    (dtype::INT8, _) => i64::from(b[0] as i8),
                    (_, 1) => i64::from(b[0]),
                    (dtype::INT16, _) => i64::from(i16::from_le_bytes([b[0], b[1]])),
                    (_, 2) => i64::from(u16::from_le_bytes([b[0], b[1]])),
                    (dtype::INT32, _) => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    (_, 4) => i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    _ => i64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
                })
                .collect(),
        )
    }
}

/// An IEEE half-precision value.
fn half(bits: u16) -> f64 {
    let sign = if bits >> 15 == 1 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}
