//! A [`Table`] from Arrow record batches: numbers stay numbers, dictionaries (pandas
//! categoricals) stay categories, timestamps and dates become datetimes, strings are typed as a
//! CSV column would be. The conversion itself lives in `data::arrow`, which the Parquet reader
//! shares.

use arrow_array::RecordBatch;

use super::Table;
use crate::data::arrow::Accumulator;
use crate::error::Result;

impl Table {
    /// A table from one Arrow record batch, consumed so its `Float64` buffers can be adopted
    /// without a copy. Supported column types: integers, floats, decimals, booleans, strings
    /// (`Utf8`, `LargeUtf8`, `Utf8View`), dictionaries of strings, timestamps, dates and
    /// all-null columns; any other type is an error naming the column.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Float64Array, RecordBatch, StringArray};
    /// use leakhound::{ColumnType, Table};
    ///
    /// let batch = RecordBatch::try_from_iter([
    ///     ("amount", Arc::new(Float64Array::from(vec![Some(1.5), None, Some(3.0)])) as _),
    ///     ("city", Arc::new(StringArray::from(vec!["Lyon", "Nice", "Lyon"])) as _),
    /// ]).unwrap();
    /// let t = Table::from_record_batch(batch)?;
    /// assert_eq!(t.column_type("amount"), Some(ColumnType::Numeric));
    /// assert_eq!(t.column_type("city"), Some(ColumnType::Categorical));
    /// # Ok::<(), leakhound::Error>(())
    /// ```
    pub fn from_record_batch(batch: RecordBatch) -> Result<Table> {
        Table::from_record_batches(std::iter::once(Ok(batch)))
    }

    /// A table from a stream of record batches with one schema (a Parquet reader, an Arrow
    /// stream). Errors of the stream are passed through.
    pub fn from_record_batches(
        batches: impl IntoIterator<Item = Result<RecordBatch>>,
    ) -> Result<Table> {
        let mut acc = Accumulator::default();
        for batch in batches {
            acc.push(batch?)?;
        }
        let frame = acc.finish()?;
        Ok(Table::from_frame(frame, "memory".into()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        BooleanArray, Date32Array, DictionaryArray, Int64Array, ListArray, StringArray,
        TimestampMillisecondArray,
    };

    use super::*;
    use crate::data::Values;
    use crate::error::Error;
    use crate::ColumnType;
    use arrow_array::{ArrayRef, Float64Array};

    fn numeric(t: &Table, name: &str) -> Vec<f64> {
        let f = &t.frame;
        match &f.columns[f.index_of(name).unwrap()].values {
            Values::Numeric(v) => v.to_vec(),
            Values::Categorical { .. } => panic!("not numeric"),
        }
    }

    #[test]
    fn types_map_to_columns() {
        let dict: DictionaryArray<arrow_array::types::Int8Type> =
            vec![Some("a"), None, Some("b")].into_iter().collect();
        let batch = RecordBatch::try_from_iter([
            (
                "f",
                Arc::new(Float64Array::from(vec![
                    Some(1.5),
                    None,
                    Some(f64::INFINITY),
                ])) as ArrayRef,
            ),
            (
                "i",
                Arc::new(Int64Array::from(vec![Some(3), Some(4), None])) as ArrayRef,
            ),
            (
                "b",
                Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])) as ArrayRef,
            ),
            (
                "s",
                Arc::new(StringArray::from(vec![Some("1"), Some("2"), None])) as ArrayRef,
            ),
            ("c", Arc::new(dict) as ArrayRef),
            (
                "d",
                Arc::new(Date32Array::from(vec![Some(1), None, Some(2)])) as ArrayRef,
            ),
            (
                "t",
                Arc::new(TimestampMillisecondArray::from(vec![
                    Some(1000),
                    Some(2000),
                    None,
                ])) as ArrayRef,
            ),
        ])
        .unwrap();
        let t = Table::from_record_batch(batch).unwrap();
        assert_eq!(t.rows(), 3);
        let f = numeric(&t, "f");
        assert_eq!(f[0], 1.5);
        assert!(f[1].is_nan() && f[2].is_nan());
        assert_eq!(t.warnings().len(), 1, "the infinite value is reported");
        assert_eq!(t.column_type("i"), Some(ColumnType::Numeric));
        assert_eq!(t.column_type("b"), Some(ColumnType::Boolean));
        assert_eq!(
            t.column_type("s"),
            Some(ColumnType::Numeric),
            "typed like a CSV"
        );
        assert_eq!(t.column_type("c"), Some(ColumnType::Categorical));
        assert_eq!(t.column_type("d"), Some(ColumnType::Datetime));
        assert_eq!(numeric(&t, "d")[2], 2.0 * 86_400.0);
        assert_eq!(numeric(&t, "t")[1], 2.0);
    }

    /// Doubles are adopted without a copy; short decimals are held as digits (half the memory).
    #[test]
    fn unshared_float_buffers_are_adopted() {
        let table = |values: Vec<f64>| {
            let batch = RecordBatch::try_from_iter([(
                "x",
                Arc::new(Float64Array::from(values)) as ArrayRef,
            )])
            .unwrap();
            Table::from_record_batch(batch).unwrap()
        };
        let values: Vec<f64> = (0..1000)
            .map(|i| f64::from(i) * std::f64::consts::PI)
            .collect();
        let ptr = values.as_ptr();
        let t = table(values);
        match &t.frame.columns[0].values {
            Values::Numeric(crate::data::Numbers::F64(v)) => assert_eq!(v.as_ptr(), ptr, "no copy"),
            Values::Numeric(_) => panic!("not held as f64"),
            Values::Categorical { .. } => panic!("not numeric"),
        }
        let t = table((0..1000).map(|i| f64::from(i) / 4.0).collect());
        assert!(matches!(
            &t.frame.columns[0].values,
            Values::Numeric(crate::data::Numbers::Decimal { scale: 2, .. })
        ));
        assert_eq!(numeric(&t, "x")[3], 0.75);
    }

    #[test]
    fn unsupported_types_name_the_column() {
        let list =
            ListArray::from_iter_primitive::<arrow_array::types::Int32Type, _, _>(vec![Some(
                vec![Some(1)],
            )]);
        let batch = RecordBatch::try_from_iter([("tags", Arc::new(list) as ArrayRef)]).unwrap();
        let e = Table::from_record_batch(batch).unwrap_err().to_string();
        assert!(e.starts_with("column 'tags': Arrow type List"), "{e}");
    }

    #[test]
    fn batches_accumulate_and_dictionaries_merge() {
        let mk = |v: Vec<&'static str>| {
            let d: DictionaryArray<arrow_array::types::Int32Type> = v.into_iter().collect();
            RecordBatch::try_from_iter([("c", Arc::new(d) as ArrayRef)])
                .map_err(|e| Error::Data(e.to_string()))
        };
        let t = Table::from_record_batches([mk(vec!["x", "y"]), mk(vec!["y", "z", "x"])]).unwrap();
        assert_eq!(t.rows(), 5);
        match &t.frame.columns[0].values {
            Values::Categorical { codes, levels } => {
                assert_eq!(levels, &["x", "y", "z"]);
                assert_eq!(codes, &[0, 1, 1, 2, 0]);
            }
            Values::Numeric(_) => panic!("not categorical"),
        }
    }
}
