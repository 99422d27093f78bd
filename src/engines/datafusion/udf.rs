//! The engine's user-defined functions, each a plain function over Arrow arrays behind one
//! [`Udf`] type:
//!
//! - `lh_row_hash(step, column, step, column, ...)`: the in-memory engine's row hash (see
//!   `checks::split::duplicates`): numbers mixed by their bits, or rounded to `step` when it is
//!   positive; texts (and anything else) by their text; missing values by their own path.
//! - `lh_sample_key(seed, hash)`: where a row falls in the seeded sample.
//! - `lh_seconds(time)`: a time column as the in-memory engine reads it: timestamps and dates as
//!   seconds since 1970, numbers as they are, texts parsed as ISO-8601 dates (or numbers).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, ListArray, RecordBatch, StringArray, UInt64Array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::Field;
use datafusion::arrow::datatypes::{DataType, Float64Type, UInt64Type};
use datafusion::common::{plan_err, DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::checks::split::duplicates::{mix, mix_missing, text_hash};
use crate::data::sample::splitmix64;
use crate::importance::counts::{ColumnRead, ColumnValues, CountPlan};
use crate::seeds::Stream;
use crate::table::Table;

/// The functions, to register.
pub(super) fn all() -> Vec<ScalarUDF> {
    let udf = |name, signature, returns, body| {
        ScalarUDF::from(Udf {
            name,
            signature,
            returns,
            body,
        })
    };
    vec![
        udf(
            "lh_row_hash",
            Signature::variadic_any(Volatility::Immutable),
            DataType::UInt64,
            row_hash,
        ),
        udf(
            "lh_sample_key",
            Signature::any(2, Volatility::Immutable),
            DataType::UInt64,
            sample_key,
        ),
        udf(
            "lh_seconds",
            Signature::any(1, Volatility::Immutable),
            DataType::Float64,
            seconds,
        ),
    ]
}

/// A scalar function: its arguments as arrays and the number of rows in, an array out.
type Body = fn(&[ArrayRef], usize) -> Result<ArrayRef>;

#[derive(Debug)]
struct Udf {
    name: &'static str,
    signature: Signature,
    returns: DataType,
    body: Body,
}

/// A function is its name (each is registered once); its body, a function pointer, has no
/// meaningful identity to compare.
impl PartialEq for Udf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Udf {}

impl std::hash::Hash for Udf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for Udf {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.returns.clone())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        Ok(ColumnarValue::Array((self.body)(
            &arrays,
            args.number_rows,
        )?))
    }
}

/// One argument's values as the hash reads them.
enum Hashed {
    Numbers(Float64Array, f64),
    Texts(ArrayRef),
}

impl Hashed {
    fn of(values: &ArrayRef, step: f64) -> Result<Hashed> {
        let t = values.data_type();
        Ok(if t.is_numeric() || *t == DataType::Boolean {
            let v = cast(values, &DataType::Float64)?;
            Hashed::Numbers(v.as_primitive::<Float64Type>().clone(), step)
        } else if let Some(v) = seconds_of(values) {
            Hashed::Numbers(v, step)
        } else {
            Hashed::Texts(cast(values, &DataType::Utf8)?)
        })
    }

    fn mix_into(&self, h: u64, r: usize) -> u64 {
        match self {
            Hashed::Numbers(v, step) => {
                if v.is_null(r) || v.value(r).is_nan() {
                    mix_missing(h)
                } else if *step > 0.0 {
                    mix(h, ((v.value(r) / step).round() as i64) as u64)
                } else {
                    mix(h, (v.value(r) + 0.0).to_bits())
                }
            }
            Hashed::Texts(v) => {
                let v = v.as_string::<i32>();
                if v.is_null(r) {
                    mix_missing(h)
                } else {
                    mix(h, text_hash(v.value(r)))
                }
            }
        }
    }
}

fn row_hash(arrays: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let mut parts = Vec::with_capacity(arrays.len() / 2);
    for pair in arrays.chunks(2) {
        let [step, values] = pair else {
            return plan_err!("lh_row_hash takes (step, column) pairs");
        };
        let step = cast(step, &DataType::Float64)?;
        let step = step.as_primitive::<Float64Type>();
        let step = if rows == 0 || step.is_null(0) {
            0.0
        } else {
            step.value(0)
        };
        parts.push(Hashed::of(values, step)?);
    }
    let out: UInt64Array = (0..rows)
        .map(|r| parts.iter().fold(0, |h, p| p.mix_into(h, r)))
        .collect();
    Ok(Arc::new(out))
}

fn sample_key(arrays: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let seed = cast(&arrays[0], &DataType::UInt64)?;
    let seed = seed.as_primitive::<UInt64Type>();
    let hash = cast(&arrays[1], &DataType::UInt64)?;
    let hash = hash.as_primitive::<UInt64Type>();
    let out: UInt64Array = (0..rows)
        .map(|r| {
            let s = if seed.is_null(r) { 0 } else { seed.value(r) };
            splitmix64(Stream::EngineSample.seed(s) ^ hash.value(r))
        })
        .collect();
    Ok(Arc::new(out))
}

/// A timestamp or date array as seconds (`None` for other types).
fn seconds_of(values: &ArrayRef) -> Option<Float64Array> {
    let mut out = Vec::with_capacity(values.len());
    crate::data::arrow::seconds(values, &mut out)?;
    Some(
        out.into_iter()
            .map(|x| (!x.is_nan()).then_some(x))
            .collect(),
    )
}

fn seconds(arrays: &[ArrayRef], _: usize) -> Result<ArrayRef> {
    let values = &arrays[0];
    let out = if let Some(v) = seconds_of(values) {
        v
    } else if values.data_type().is_numeric() {
        cast(values, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .clone()
    } else {
        let text = cast(values, &DataType::Utf8)?;
        text.as_string::<i32>()
            .iter()
            .map(|s| {
                s.and_then(|s| {
                    crate::data::time::parse_iso(s.trim()).or_else(|| s.trim().parse().ok())
                })
            })
            .collect()
    };
    Ok(Arc::new(out))
}

/// The per-feature counts' functions, over the [`CountPlan`] they were made with:
///
/// - `lh_cells(target, feature, ...)`: each row's cells ([`CountPlan::cells`]), a list (empty
///   for a row left out), to `unnest` and group by;
/// - `lh_value(target)` and `lh_rank(target)`: a numeric target minus the plan's shift, and its
///   rank read from the sample's quantiles.
#[derive(Debug)]
pub(super) struct PlanUdf {
    name: &'static str,
    plan: Arc<CountPlan>,
    signature: Signature,
}

impl PlanUdf {
    /// The functions of `plan`, to register.
    pub(super) fn all(plan: &Arc<CountPlan>) -> Vec<ScalarUDF> {
        [
            "lh_cells",
            "lh_value",
            "lh_rank",
            "lh_level",
            "lh_number",
            "lh_target",
        ]
        .into_iter()
        .map(|name| {
            ScalarUDF::from(PlanUdf {
                name,
                plan: plan.clone(),
                signature: Signature::variadic_any(Volatility::Immutable),
            })
        })
        .collect()
    }

    /// The table the arrays make under the plan's names: the target, then the features.
    fn table(&self, arrays: &[ArrayRef]) -> Result<Table> {
        let names = std::iter::once(self.plan.target_name())
            .chain(self.plan.features.iter().map(|f| f.name.as_str()));
        let columns: Vec<(&str, ArrayRef)> = names.zip(arrays.iter().cloned()).collect();
        let batch = RecordBatch::try_from_iter(columns)?;
        Table::from_record_batch(batch).map_err(|e| DataFusionError::External(Box::new(e)))
    }
}

impl PartialEq for PlanUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.plan == other.plan
    }
}

impl Eq for PlanUdf {}

impl std::hash::Hash for PlanUdf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for PlanUdf {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.name {
            "lh_cells" => DataType::new_list(DataType::UInt64, true),
            "lh_level" => DataType::Utf8,
            _ => DataType::Float64,
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let rows = args.number_rows;
        let external = |e: crate::error::Error| DataFusionError::External(Box::new(e));
        if let Some(what) = match self.name {
            "lh_level" => Some(ColumnRead::Level),
            "lh_number" => Some(ColumnRead::Number),
            "lh_target" => {
                let t = cast(&arrays[1], &DataType::UInt64)?;
                let t = t.as_primitive::<UInt64Type>();
                Some(ColumnRead::Target(if t.is_empty() {
                    0
                } else {
                    t.value(0) as usize
                }))
            }
            _ => None,
        } {
            // Numbers stored as numbers are read as the audit reads them (as f64, non-finite
            // missing) without building a column; dates, times and texts are built as columns.
            let t = arrays[0].data_type();
            if what == ColumnRead::Number && (t.is_numeric() || *t == DataType::Boolean) {
                let v = cast(&arrays[0], &DataType::Float64)?;
                let v = v.as_primitive::<Float64Type>();
                let out: Float64Array = v.iter().map(|x| x.filter(|x| x.is_finite())).collect();
                return Ok(ColumnarValue::Array(Arc::new(out)));
            }
            let name = match what {
                ColumnRead::Target(_) => self.plan.target_name(),
                _ => "column",
            };
            let batch = RecordBatch::try_from_iter([(name, arrays[0].clone())])?;
            let table = Table::from_record_batch(batch).map_err(external)?;
            let out: ArrayRef = match self.plan.column_values(table, what).map_err(external)? {
                ColumnValues::Texts(v) => Arc::new(StringArray::from(v)),
                ColumnValues::Numbers(v) => Arc::new(Float64Array::from(v)),
            };
            return Ok(ColumnarValue::Array(out));
        }
        if self.name != "lh_cells" {
            let y = cast(&arrays[0], &DataType::Float64)?;
            let y = y.as_primitive::<Float64Type>();
            let out: Float64Array = (0..rows)
                .map(|r| {
                    let (v, rank) = self.plan.value_and_rank(y.value(r));
                    (!y.is_null(r)).then_some(if self.name == "lh_value" { v } else { rank })
                })
                .collect();
            return Ok(ColumnarValue::Array(Arc::new(out)));
        }
        if arrays.len() != self.plan.features.len() + 1 {
            return plan_err!("lh_cells takes the target and every feature of its plan");
        }
        let cells = self.plan.cells(self.table(&arrays)?).map_err(external)?;
        let nf = cells.features;
        let mut offsets = vec![0i32; rows + 1];
        for &r in &cells.row {
            offsets[r as usize + 1] = nf as i32;
        }
        for r in 0..rows {
            offsets[r + 1] += offsets[r];
        }
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::UInt64, true)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(UInt64Array::from(cells.cells)),
            None,
        )?;
        Ok(ColumnarValue::Array(Arc::new(list)))
    }
}
