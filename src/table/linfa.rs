//! A [`Table`] from a linfa dataset: its records, feature names and single target. linfa is
//! the Rust ecosystem's scikit-learn; a model trained on a `Dataset` can be audited on it.

use linfa::dataset::{AsSingleTargets, DatasetBase};
use ndarray::{ArrayBase, Data, Ix2};

use super::Table;
use crate::error::{Error, Result};

/// A target value a linfa dataset can hold: numbers, booleans and labels.
pub trait TargetValue {
    /// The value as a number, when it is one.
    fn number(&self) -> Option<f64>;
    /// The value as text (labels).
    fn label(&self) -> String;
}

macro_rules! numeric_target {
    ($($t:ty),*) => {$(
        impl TargetValue for $t {
            fn number(&self) -> Option<f64> {
                Some(*self as f64)
            }
            fn label(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
numeric_target!(f64, f32, usize, u8, u16, u32, u64, i8, i16, i32, i64);

impl TargetValue for bool {
    fn number(&self) -> Option<f64> {
        Some(f64::from(u8::from(*self)))
    }
    fn label(&self) -> String {
        self.to_string()
    }
}

impl TargetValue for String {
    fn number(&self) -> Option<f64> {
        None
    }
    fn label(&self) -> String {
        self.clone()
    }
}

impl TargetValue for &str {
    fn number(&self) -> Option<f64> {
        None
    }
    fn label(&self) -> String {
        (*self).to_string()
    }
}

impl Table {
    /// A table from a linfa dataset with a single target: one numeric column per feature,
    /// named by the dataset's feature names, and the target named by its target name (or
    /// "target" when it has none). Numeric and boolean targets are numbers, others labels.
    ///
    /// ```
    /// use leakhound::{Audit, Table};
    /// use linfa::Dataset;
    /// use ndarray::{Array1, Array2};
    ///
    /// let y: Array1<usize> = Array1::from_shape_fn(300, |i| i % 2);
    /// let x = Array2::from_shape_fn((300, 2), |(i, j)| {
    ///     if j == 0 { y[i] as f64 + 0.5 } else { ((i * 7919) % 101) as f64 }
    /// });
    /// let ds = Dataset::new(x, y)
    ///     .with_feature_names(vec!["refund_issued", "age"])
    ///     .with_target_names(vec!["churned"]);
    /// let report = Audit::new("churned").run(Table::from_linfa(&ds)?)?;
    /// assert_eq!(report.verdict.likely_leaks, ["refund_issued"]);
    /// # Ok::<(), leakhound::Error>(())
    /// ```
    pub fn from_linfa<D, T>(ds: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Table>
    where
        D: Data<Elem = f64>,
        T: AsSingleTargets,
        T::Elem: TargetValue,
    {
        let x = ds.records();
        let (rows, cols) = x.dim();
        let names: Vec<String> = if ds.feature_names().len() == cols {
            ds.feature_names().to_vec()
        } else {
            (0..cols).map(|j| format!("feature_{j}")).collect()
        };
        let target = ds
            .target_names()
            .first()
            .cloned()
            .unwrap_or_else(|| "target".into());
        let y = ds.as_single_targets();
        if y.len() != rows {
            return Err(Error::Data(format!(
                "the dataset has {rows} records but {} targets",
                y.len()
            )));
        }
        let mut b = Table::builder();
        for (j, name) in names.iter().enumerate() {
            b = b.numeric(name.as_str(), x.column(j).iter().copied());
        }
        let numbers: Option<Vec<f64>> = y.iter().map(TargetValue::number).collect();
        b = match numbers {
            Some(v) => b.numeric(target, v),
            None => b.categorical(target, y.iter().map(|v| Some(v.label()))),
        };
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::Dataset;
    use ndarray::{Array1, Array2};

    #[test]
    fn names_default_and_labels_are_categories() {
        let x = Array2::from_shape_fn((6, 2), |(i, j)| (i + j) as f64);
        let y = Array1::from(vec!["a", "b", "a", "b", "a", "b"]);
        let t = Table::from_linfa(&Dataset::new(x, y)).unwrap();
        assert_eq!(t.column_names(), ["feature_0", "feature_1", "target"]);
        assert_eq!(
            t.column_type("target"),
            Some(crate::ColumnType::Categorical)
        );
    }
}
