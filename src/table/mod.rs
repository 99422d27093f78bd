//! [`Table`]: the data an audit runs on, with honest constructors for every place a table comes
//! from: a file ([`Table::from_path`], [`Table::read`]), named typed columns
//! ([`Table::builder`]), an `ndarray` matrix (feature `ndarray`), a `linfa` dataset (feature
//! `linfa`) and an Arrow `RecordBatch` (feature `arrow`).
//!
//! Columns are typed once, the way a CSV column is typed: numbers (booleans when they hold
//! exactly 0 and 1), datetimes, categories (text with repeated values) and identifiers
//! (near-unique text). Missing values are NaN in numbers and null in text.

#[cfg(feature = "arrow")]
mod arrow;
#[cfg(feature = "linfa")]
mod linfa;
#[cfg(feature = "ndarray")]
mod ndarray;

#[cfg(feature = "linfa")]
pub use self::linfa::TargetValue;

use std::path::Path;

use crate::data::{
    self, builder, Column, ColumnBuilder, ColumnType, Frame, ReadOptions, MISSING_CODE,
};
use crate::error::{Error, Result};

/// A table of typed columns: what [`Audit::run`](crate::Audit::run) audits.
///
/// ```
/// use leakhound::{ColumnType, Table};
///
/// let t = Table::builder()
///     .numeric("income", [52_000.0, 61_000.0, f64::NAN])
///     .text("city", ["Lyon", "Paris", "Lyon"])
///     .text("approved", ["yes", "no", "yes"])
///     .build()?;
/// assert_eq!((t.rows(), t.columns()), (3, 3));
/// assert_eq!(t.column_type("income"), Some(ColumnType::Numeric));
/// assert_eq!(t.column_type("approved"), Some(ColumnType::Boolean));
/// # Ok::<(), leakhound::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    frame: Frame,
    name: String,
    columns: usize,
    /// Seconds spent reading it from a file (the report's `reading` timing).
    read_seconds: Option<f64>,
}

impl Table {
    /// Read a CSV, TSV, gzip-compressed CSV/TSV or Parquet file with default options (the
    /// delimiter sniffed, every row, a memory limit of three quarters of the machine's memory).
    ///
    /// ```no_run
    /// let table = leakhound::Table::from_path("loans.csv")?;
    /// # Ok::<(), leakhound::Error>(())
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<Table> {
        let opts = ReadOptions {
            memory_limit: data::default_memory_limit(),
            ..ReadOptions::default()
        };
        Table::read(path, &opts)
    }

    /// Read a file with explicit options (delimiter, a reproducible `max_rows` sample
    /// stratified by a column, memory limit).
    pub fn read(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<Table> {
        let path = path.as_ref();
        let start = std::time::Instant::now();
        let frame = data::read_frame(path, opts)?;
        let mut table = Table::from_frame(frame, path.display().to_string());
        table.read_seconds = Some(start.elapsed().as_secs_f64());
        Ok(table)
    }

    /// A builder of a table from named typed columns.
    pub fn builder() -> TableBuilder {
        TableBuilder::default()
    }

    pub(crate) fn from_frame(frame: Frame, name: String) -> Table {
        let columns = frame.columns.len();
        Table {
            frame,
            name,
            columns,
            read_seconds: None,
        }
    }

    pub(crate) fn into_frame(self) -> Frame {
        self.frame
    }

    /// Seconds spent reading the table from its file, when it was read from one.
    pub fn read_seconds(&self) -> Option<f64> {
        self.read_seconds
    }

    #[cfg(feature = "models")]
    pub(crate) fn frame(&self) -> &Frame {
        &self.frame
    }

    /// What the report calls the data: the file path, or "memory" (see [`Table::with_name`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same table with another name for the report (`dataset.path`).
    pub fn with_name(mut self, name: impl Into<String>) -> Table {
        self.name = name.into();
        self
    }

    /// The same table as a seeded sample of a source of `rows_total` rows (the report's
    /// `dataset.rows`, with `sampled` set when fewer rows are held), and `seconds` spent
    /// reading it.
    pub fn as_sample_of(mut self, rows_total: usize, seconds: f64) -> Table {
        self.frame.sampled = rows_total > self.frame.rows;
        self.frame.rows_total = rows_total.max(self.frame.rows);
        self.read_seconds = Some(seconds);
        self
    }

    /// Rows held (after any `max_rows` sampling while reading).
    pub fn rows(&self) -> usize {
        self.frame.rows
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Column names, in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.frame.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The inferred type of column `name`.
    pub fn column_type(&self, name: &str) -> Option<ColumnType> {
        self.frame.index_of(name).map(|i| self.frame.columns[i].ty)
    }

    /// Notes made while reading (e.g. infinite values treated as missing).
    pub fn warnings(&self) -> &[String] {
        &self.frame.warnings
    }
}

/// Builds a [`Table`] column by column; [`TableBuilder::build`] checks the columns agree.
///
/// Every column method takes the column's name and its values; errors (unequal lengths,
/// duplicate names) are reported by `build`, naming the column.
#[derive(Debug, Default)]
pub struct TableBuilder {
    columns: Vec<Column>,
    warnings: Vec<String>,
    name: Option<String>,
}

impl TableBuilder {
    /// A numeric column; NaN is missing, infinite values are treated as missing (with a
    /// warning). A column of only 0 and 1 is boolean.
    pub fn numeric(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = f64>,
    ) -> Self {
        let (c, infinite) = builder::numeric_column(name.into(), values.into_iter().collect());
        if infinite > 0 {
            self.warnings.push(format!(
                "column '{}': {infinite} infinite values treated as missing",
                c.name
            ));
        }
        self.columns.push(c);
        self
    }

    /// A numeric column with explicit missing values (`None`).
    pub fn numeric_opt(
        self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<f64>>,
    ) -> Self {
        self.numeric(name, values.into_iter().map(|v| v.unwrap_or(f64::NAN)))
    }

    /// A boolean column (`None` missing).
    pub fn boolean(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<bool>>,
    ) -> Self {
        let v: Vec<f64> = values
            .into_iter()
            .map(|b| b.map_or(f64::NAN, |b| f64::from(u8::from(b))))
            .collect();
        let (mut c, _) = builder::numeric_column(name.into(), v);
        c.ty = ColumnType::Boolean;
        self.columns.push(c);
        self
    }

    /// A datetime column in seconds since 1970-01-01 UTC (NaN missing).
    pub fn datetime_seconds(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = f64>,
    ) -> Self {
        self.columns.push(builder::datetime_column(
            name.into(),
            values.into_iter().collect(),
        ));
        self
    }

    /// A column of text fields typed exactly as a CSV column: numbers, ISO-8601 datetimes,
    /// true/false-like booleans, categories or identifiers; "", "NA", "null", ... are missing.
    pub fn text<S: AsRef<str>>(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut b = ColumnBuilder::new();
        for v in values {
            b.push(v.as_ref());
        }
        let name = name.into();
        if b.infinite() > 0 {
            self.warnings.push(format!(
                "column '{name}': {} infinite values treated as missing",
                b.infinite()
            ));
        }
        self.columns.push(b.finish(name));
        self
    }

    /// A categorical column (`None` missing). Near-unique values make it an identifier and
    /// true/false-like levels a boolean, as in a CSV file.
    pub fn categorical<S: AsRef<str>>(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<S>>,
    ) -> Self {
        let mut levels: Vec<String> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let codes = values
            .into_iter()
            .map(|v| match v {
                None => MISSING_CODE,
                Some(s) => *index.entry(s.as_ref().to_string()).or_insert_with(|| {
                    levels.push(s.as_ref().to_string());
                    (levels.len() - 1) as u32
                }),
            })
            .collect();
        self.columns
            .push(builder::text_column_of(name.into(), codes, levels));
        self
    }

    /// The name the report gives the data (default "memory").
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Check the columns and build the table: at least one column and one row, equal lengths,
    /// distinct names.
    pub fn build(self) -> Result<Table> {
        let first = self
            .columns
            .first()
            .ok_or_else(|| Error::Data("the table has no columns".into()))?;
        let rows = first.len();
        if rows == 0 {
            return Err(Error::Data("the table has no rows".into()));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if c.len() != rows {
                return Err(Error::Data(format!(
                    "column '{}' has {} values but column '{}' has {rows}",
                    c.name,
                    c.len(),
                    first.name
                )));
            }
            if self.columns[..i].iter().any(|o| o.name == c.name) {
                return Err(Error::Data(format!("duplicate column name '{}'", c.name)));
            }
        }
        let frame = Frame {
            columns: self.columns,
            rows,
            rows_total: rows,
            sampled: false,
            warnings: self.warnings,
            source_rows: None,
        };
        Ok(Table::from_frame(
            frame,
            self.name.unwrap_or_else(|| "memory".into()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_checks_lengths_and_names() {
        let e = Table::builder()
            .numeric("a", [1.0, 2.0])
            .numeric("b", [1.0])
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "column 'b' has 1 values but column 'a' has 2"
        );
        let e = Table::builder()
            .numeric("a", [1.0])
            .text("a", ["x"])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("duplicate column name 'a'"));
        assert!(Table::builder().build().is_err());
    }

    #[test]
    fn columns_are_typed_like_a_csv() {
        let t = Table::builder()
            .text("n", ["1", "2.5", "NA"])
            .text("d", ["2024-01-01", "2024-01-02", ""])
            .categorical("c", [Some("a"), None, Some("a")])
            .boolean("b", [Some(true), Some(false), None])
            .numeric("inf", [1.0, f64::INFINITY, 3.0])
            .build()
            .unwrap();
        assert_eq!(t.column_type("n"), Some(ColumnType::Numeric));
        assert_eq!(t.column_type("d"), Some(ColumnType::Datetime));
        assert_eq!(t.column_type("c"), Some(ColumnType::Categorical));
        assert_eq!(t.column_type("b"), Some(ColumnType::Boolean));
        assert_eq!(t.warnings().len(), 1);
        assert_eq!(t.name(), "memory");
    }
}
