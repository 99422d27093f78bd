//! The data layer: reading CSV/TSV/gzip/Parquet into typed columns, assigning roles, sampling.
//!
//! Rows are streamed; only the typed columns (numbers as decimal digits or f64, or u32 codes plus a
//! dictionary) stay in memory.

#[cfg(feature = "arrow")]
pub(crate) mod arrow;
pub(crate) mod builder;
mod chunks;
mod dataset;
pub(crate) mod keys;
pub(crate) mod numbers;
mod reader;
pub mod sample;
pub mod time;

pub use builder::ColumnBuilder;
pub(crate) use dataset::class_label;
pub(crate) use dataset::split_by_column;
pub use dataset::{Dataset, Roles, Target, Task, TaskChoice};
pub use numbers::Numbers;
#[cfg(feature = "internals")]
pub use reader::read_delimited_bytes;
#[cfg(all(feature = "parquet", feature = "internals"))]
pub use reader::read_parquet_records;
pub use reader::{default_memory_limit, read_frame, ReadOptions, ReadProgress};

/// Code used in categorical columns for a missing value.
pub const MISSING_CODE: u32 = u32::MAX;

/// The inferred type of a column, as reported in `report.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Integers or floats.
    Numeric,
    /// Two values such as true/false, yes/no or 0/1.
    Boolean,
    /// Strings with repeated values; kept as codes plus a dictionary.
    Categorical,
    /// ISO-8601 dates or timestamps, stored as seconds since 1970-01-01.
    Datetime,
    /// Unique or near-unique strings: likely an identifier or free text.
    Identifier,
}

/// Column storage.
#[derive(Debug, Clone)]
pub enum Values {
    /// Numbers (also booleans as 0/1 and datetimes as epoch seconds); NaN means missing.
    Numeric(Numbers),
    /// Codes into `levels`; [`MISSING_CODE`] means missing.
    Categorical {
        /// Level index per row.
        codes: Vec<u32>,
        /// Level names.
        levels: Vec<String>,
    },
}

/// One typed column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header name.
    pub name: String,
    /// Inferred type.
    pub ty: ColumnType,
    /// The values.
    pub values: Values,
    /// Count of missing values.
    pub missing: usize,
    /// A boolean read from text: how false and true were spelled (as first seen), so a model
    /// that takes the text gets it back.
    pub bool_tokens: Option<Box<[String; 2]>>,
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.values {
            Values::Numeric(v) => v.len(),
            Values::Categorical { codes, .. } => codes.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `i` is missing.
    pub fn is_missing(&self, i: usize) -> bool {
        match &self.values {
            Values::Numeric(v) => v.is_nan(i),
            Values::Categorical { codes, .. } => codes[i] == MISSING_CODE,
        }
    }

    /// Fraction of missing values.
    pub fn missing_fraction(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.missing as f64 / self.len() as f64
        }
    }

    /// Number of distinct non-missing values.
    pub fn distinct(&self) -> usize {
        match &self.values {
            Values::Numeric(v) => {
                let mut s: Vec<u64> = v.iter().filter(|x| !x.is_nan()).map(f64::to_bits).collect();
                s.sort_unstable();
                s.dedup();
                s.len()
            }
            Values::Categorical { codes, levels } => {
                let mut seen = vec![false; levels.len()];
                codes
                    .iter()
                    .filter(|&&c| c != MISSING_CODE)
                    .for_each(|&c| seen[c as usize] = true);
                seen.iter().filter(|&&b| b).count()
            }
        }
    }

    /// Row `r` as text (numbers formatted with [`fmt_num`]), `None` when missing.
    pub fn text(&self, r: usize) -> Option<String> {
        match &self.values {
            Values::Numeric(v) if v.is_nan(r) => None,
            Values::Numeric(v) => Some(fmt_num(v.get(r))),
            Values::Categorical { codes, levels } => {
                (codes[r] != MISSING_CODE).then(|| levels[codes[r] as usize].clone())
            }
        }
    }

    /// A copy holding only the given rows, in that order.
    pub fn take(&self, rows: &[usize]) -> Column {
        let values = match &self.values {
            Values::Numeric(v) => Values::Numeric(v.take(rows)),
            Values::Categorical { codes, levels } => Values::Categorical {
                codes: rows.iter().map(|&i| codes[i]).collect(),
                levels: levels.clone(),
            },
        };
        let mut c = Column {
            name: self.name.clone(),
            ty: self.ty,
            values,
            missing: 0,
            bool_tokens: self.bool_tokens.clone(),
        };
        c.missing = (0..c.len()).filter(|&i| c.is_missing(i)).count();
        c
    }
}

/// Each row's value of its category code (`of_level[code]`), `missing` for a missing code.
pub(crate) fn by_code<T: Copy>(codes: &[u32], of_level: &[T], missing: T) -> Vec<T> {
    codes
        .iter()
        .map(|&c| {
            if c == MISSING_CODE {
                missing
            } else {
                of_level[c as usize]
            }
        })
        .collect()
}

/// Compact number formatting for evidence strings.
pub fn fmt_num(x: f64) -> String {
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x.fract() == 0.0 && x.abs() < 1e12 {
        return format!("{}", x as i64);
    }
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A table of typed columns, as read from one file.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Columns in file order.
    pub columns: Vec<Column>,
    /// Rows held (after sampling).
    pub rows: usize,
    /// Data rows in the file.
    pub rows_total: usize,
    /// Whether `rows < rows_total` because of `--max-rows`.
    pub sampled: bool,
    /// Non-fatal observations made while reading (e.g. infinite values treated as missing).
    pub warnings: Vec<String>,
    /// The source row of each row, when rows were sampled or split off (`None`: row `r` is
    /// source row `r`). A live model is called on its own frame's rows through it.
    pub source_rows: Option<Vec<usize>>,
}

impl Frame {
    /// The source row of row `r`.
    pub fn source_row(&self, r: usize) -> usize {
        self.source_rows.as_ref().map_or(r, |s| s[r])
    }

    /// Column names in order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The same frame restricted to `rows`.
    pub fn take(&self, rows: &[usize]) -> Frame {
        Frame {
            source_rows: Some(rows.iter().map(|&r| self.source_row(r)).collect()),
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            rows: rows.len(),
            rows_total: rows.len(),
            sampled: self.sampled,
            warnings: self.warnings.clone(),
        }
    }

    /// Index of a column by exact name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}
