//! Arrow arrays to typed columns, batch by batch: numbers stay numbers, dictionaries of
//! strings (pandas categoricals) stay categories, timestamps and dates become datetimes,
//! strings are typed as a CSV column would be. Used by `Table::from_record_batch` and the
//! Parquet reader.
//!
//! Zero-copy where the types allow: the first `Float64` batch of a column whose buffer nobody
//! else shares and was allocated as a Rust `Vec` becomes the column's storage without a copy
//! (nulls are written into it as NaN). Everything else is converted once.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};

use super::{builder, Column, ColumnBuilder, ColumnType, Frame, MISSING_CODE};
use crate::error::{Error, Result};

/// Columns accumulated over batches.
#[derive(Default)]
pub(crate) struct Accumulator {
    /// Rows expected (a Parquet file's row count): columns are allocated once at that size
    /// instead of growing by doubling, which would need up to twice the memory.
    capacity: usize,
    names: Vec<String>,
    columns: Vec<Acc>,
    rows: usize,
    warnings: Vec<String>,
}

enum Acc {
    Numeric(Vec<f64>),
    Boolean(Vec<f64>),
    Datetime(Vec<f64>),
    Text(ColumnBuilder),
    Dict {
        codes: Vec<u32>,
        levels: Vec<String>,
        index: HashMap<String, u32>,
    },
}

impl Accumulator {
    /// An accumulator for about `rows` rows in total.
    pub(crate) fn with_capacity(rows: usize) -> Self {
        Accumulator {
            capacity: rows,
            ..Accumulator::default()
        }
    }

    /// Append a batch; its schema must match the first batch's.
    pub(crate) fn push(&mut self, batch: RecordBatch) -> Result<()> {
        let (schema, arrays, rows) = batch.into_parts();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        if self.columns.is_empty() && self.rows == 0 {
            for (i, n) in names.iter().enumerate() {
                if names[..i].contains(n) {
                    return Err(Error::Data(format!("duplicate column name '{n}'")));
                }
            }
            self.names = names;
            self.columns = schema
                .fields()
                .iter()
                .map(|f| Acc::for_type(f.name(), f.data_type(), self.capacity))
                .collect::<Result<_>>()?;
        } else if names != self.names {
            return Err(Error::Data(
                "record batches with different columns cannot form one table".into(),
            ));
        }
        for ((acc, array), name) in self.columns.iter_mut().zip(arrays).zip(&self.names) {
            acc.append(array, name)?;
        }
        self.rows += rows;
        Ok(())
    }

    /// The typed columns.
    pub(crate) fn finish(self) -> Result<Frame> {
        if self.names.is_empty() || self.rows == 0 {
            return Err(Error::Data("the table has no rows".into()));
        }
        let mut warnings = self.warnings;
        let columns: Vec<Column> = self
            .columns
            .into_iter()
            .zip(self.names)
            .map(|(acc, name)| acc.finish(name, &mut warnings))
            .collect();
        Ok(Frame {
            columns,
            rows: self.rows,
            rows_total: self.rows,
            sampled: false,
            warnings,
            source_rows: None,
        })
    }
}

fn unsupported(name: &str, ty: &DataType) -> Error {
    Error::Data(format!(
        "column '{name}': Arrow type {ty} is not supported (numbers, booleans, strings, dictionaries of strings, timestamps and dates are)"
    ))
}

impl Acc {
    fn for_type(name: &str, ty: &DataType, capacity: usize) -> Result<Acc> {
        Ok(match ty {
            DataType::Null
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(..) => Acc::Numeric(Vec::with_capacity(capacity)),
            DataType::Boolean => Acc::Boolean(Vec::with_capacity(capacity)),
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => {
                Acc::Datetime(Vec::with_capacity(capacity))
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                Acc::Text(ColumnBuilder::new())
            }
            DataType::Dictionary(_, v)
                if matches!(
                    v.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                Acc::Dict {
                    codes: Vec::with_capacity(capacity),
                    levels: Vec::new(),
                    index: HashMap::new(),
                }
            }
            other => return Err(unsupported(name, other)),
        })
    }

    fn append(&mut self, array: ArrayRef, name: &str) -> Result<()> {
        let ty = array.data_type().clone();
        match self {
            Acc::Numeric(v) => {
                if v.capacity() == 0 && ty == DataType::Float64 {
                    *v = adopt_f64(array);
                } else {
                    numbers(&array, v).ok_or_else(|| unsupported(name, &ty))?;
                }
            }
            Acc::Boolean(v) => {
                let b = array.as_boolean();
                v.extend((0..b.len()).map(|i| {
                    if b.is_null(i) {
                        f64::NAN
                    } else {
                        f64::from(u8::from(b.value(i)))
                    }
                }));
            }
            Acc::Datetime(v) => seconds(&array, v).ok_or_else(|| unsupported(name, &ty))?,
            Acc::Text(b) => {
                let mut push = |s: Option<&str>| b.push(s.unwrap_or(""));
                match ty {
                    DataType::Utf8 => array.as_string::<i32>().iter().for_each(&mut push),
                    DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(&mut push),
                    DataType::Utf8View => array.as_string_view().iter().for_each(&mut push),
                    other => return Err(unsupported(name, &other)),
                }
            }
            Acc::Dict {
                codes,
                levels,
                index,
            } => {
                let d = array.as_any_dictionary();
                let values = d.values();
                let level_text: Vec<Option<String>> = match values.data_type() {
                    DataType::Utf8 => values
                        .as_string::<i32>()
                        .iter()
                        .map(|s| s.map(str::to_string))
                        .collect(),
                    DataType::LargeUtf8 => values
                        .as_string::<i64>()
                        .iter()
                        .map(|s| s.map(str::to_string))
                        .collect(),
                    DataType::Utf8View => values
                        .as_string_view()
                        .iter()
                        .map(|s| s.map(str::to_string))
                        .collect(),
                    other => return Err(unsupported(name, other)),
                };
                // One code per distinct level text across batches (dictionaries may differ
                // between batches, repeat values or carry unused ones).
                let mut code_of = |k: usize| -> u32 {
                    match level_text.get(k).and_then(|s| s.as_ref()) {
                        None => MISSING_CODE,
                        Some(s) => *index.entry(s.clone()).or_insert_with(|| {
                            levels.push(s.clone());
                            (levels.len() - 1) as u32
                        }),
                    }
                };
                let keys = d.normalized_keys();
                let nulls = d.keys().logical_nulls();
                for (i, &k) in keys.iter().enumerate() {
                    let null = nulls.as_ref().is_some_and(|n| n.is_null(i));
                    codes.push(if null { MISSING_CODE } else { code_of(k) });
                }
            }
        }
        Ok(())
    }

    fn finish(self, name: String, warnings: &mut Vec<String>) -> Column {
        match self {
            Acc::Numeric(v) => {
                let (c, infinite) = builder::numeric_column(name, v);
                if infinite > 0 {
                    warnings.push(format!(
                        "column '{}': {infinite} infinite values treated as missing",
                        c.name
                    ));
                }
                c
            }
            Acc::Boolean(v) => {
                let (mut c, _) = builder::numeric_column(name, v);
                c.ty = ColumnType::Boolean;
                c
            }
            Acc::Datetime(v) => builder::datetime_column(name, v),
            Acc::Text(b) => b.finish(name),
            Acc::Dict { codes, levels, .. } => builder::text_column_of(name, codes, levels),
        }
    }
}

/// A `Float64` array's values as a `Vec`, adopted without a copy when the buffer is unshared
/// and Vec-allocated; nulls become NaN.
fn adopt_f64(array: ArrayRef) -> Vec<f64> {
    let Some(a) = array.as_any().downcast_ref::<Float64Array>().cloned() else {
        return Vec::new();
    };
    drop(array);
    let (_, values, nulls) = a.into_parts();
    let mut v = match values.into_inner().into_vec::<f64>() {
        Ok(v) => v,
        Err(buffer) => buffer.typed_data::<f64>().to_vec(),
    };
    if let Some(n) = nulls {
        for i in n
            .iter()
            .enumerate()
            .filter(|(_, valid)| !valid)
            .map(|(i, _)| i)
        {
            v[i] = f64::NAN;
        }
    }
    v
}

/// Append a numeric array as f64 (NaN for nulls); `None` for a non-numeric type.
fn numbers(array: &ArrayRef, out: &mut Vec<f64>) -> Option<()> {
    macro_rules! prim {
        ($t:ty) => {
            out.extend(
                array
                    .as_primitive::<$t>()
                    .iter()
                    .map(|x| x.map_or(f64::NAN, |x| x as f64)),
            )
        };
    }
    match array.data_type() {
        DataType::Null => out.extend(std::iter::repeat_n(f64::NAN, array.len())),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => prim!(Float64Type),
        DataType::Decimal128(_, scale) => {
            let div = 10f64.powi(i32::from(*scale));
            out.extend(
                array
                    .as_primitive::<arrow_array::types::Decimal128Type>()
                    .iter()
                    .map(|x| x.map_or(f64::NAN, |x| x as f64 / div)),
            );
        }
        _ => return None,
    }
    Some(())
}

/// Append a timestamp or date array as seconds since 1970-01-01 (NaN for nulls).
pub(crate) fn seconds(array: &ArrayRef, out: &mut Vec<f64>) -> Option<()> {
    macro_rules! scaled {
        ($t:ty, $per_second:expr) => {
            out.extend(
                array
                    .as_primitive::<$t>()
                    .iter()
                    .map(|x| x.map_or(f64::NAN, |x| x as f64 / $per_second)),
            )
        };
    }
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => scaled!(TimestampSecondType, 1.0),
        DataType::Timestamp(TimeUnit::Millisecond, _) => scaled!(TimestampMillisecondType, 1e3),
        DataType::Timestamp(TimeUnit::Microsecond, _) => scaled!(TimestampMicrosecondType, 1e6),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => scaled!(TimestampNanosecondType, 1e9),
        DataType::Date32 => scaled!(Date32Type, 1.0 / 86_400.0),
        DataType::Date64 => scaled!(Date64Type, 1e3),
        _ => return None,
    }
    Some(())
}
