//! A [`Table`] from an `ndarray` feature matrix, its column names and a target vector: the shape
//! Rust ML code holds its data in. Uses `ndarray` 0.16, the version linfa builds on.

use ndarray::{ArrayView1, ArrayView2};

use super::Table;
use crate::error::{Error, Result};

impl Table {
    /// A table from a feature matrix `x` (rows x features, NaN for missing), one name per
    /// column, and the target `y` under `target_name`. Integer-valued targets with few distinct
    /// values are classes (the task is decided as for a CSV column), others regression values.
    ///
    /// ```
    /// use leakhound::{Audit, Table};
    /// use ndarray::{Array1, Array2};
    ///
    /// let y = Array1::from_shape_fn(300, |i| (i % 3) as f64);
    /// let x = Array2::from_shape_fn((300, 2), |(i, j)| {
    ///     if j == 0 { y[i] * 2.0 } else { ((i * 7919) % 101) as f64 }
    /// });
    /// let table = Table::from_ndarray(x.view(), &["leaky", "noise"], "y", y.view())?;
    /// let report = Audit::new("y").run(table)?;
    /// assert_eq!(report.verdict.likely_leaks, ["leaky"]);
    /// # Ok::<(), leakhound::Error>(())
    /// ```
    pub fn from_ndarray<S: AsRef<str>>(
        x: ArrayView2<'_, f64>,
        feature_names: &[S],
        target_name: &str,
        y: ArrayView1<'_, f64>,
    ) -> Result<Table> {
        let (rows, cols) = x.dim();
        if feature_names.len() != cols {
            return Err(Error::Data(format!(
                "the matrix has {cols} columns but {} feature names were given",
                feature_names.len()
            )));
        }
        if y.len() != rows {
            return Err(Error::Data(format!(
                "the matrix has {rows} rows but the target '{target_name}' has {}",
                y.len()
            )));
        }
        let mut b = Table::builder();
        for (j, name) in feature_names.iter().enumerate() {
            b = b.numeric(name.as_ref(), x.column(j).iter().copied());
        }
        b.numeric(target_name, y.iter().copied()).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};

    #[test]
    fn shapes_must_agree() {
        let x = Array2::<f64>::zeros((4, 2));
        let y = Array1::<f64>::zeros(4);
        let e = Table::from_ndarray(x.view(), &["a"], "y", y.view()).unwrap_err();
        assert!(e.to_string().contains("2 columns but 1 feature names"));
        let y3 = Array1::<f64>::zeros(3);
        let e = Table::from_ndarray(x.view(), &["a", "b"], "y", y3.view()).unwrap_err();
        assert!(e.to_string().contains("target 'y' has 3"));
        let t = Table::from_ndarray(x.view(), &["a", "b"], "y", y.view()).unwrap();
        assert_eq!(t.column_names(), ["a", "b", "y"]);
    }

    #[test]
    fn transposed_views_read_by_column() {
        let x = Array2::from_shape_fn((2, 3), |(i, j)| (i * 10 + j) as f64);
        let xt = x.t();
        let y = Array1::from(vec![0.0, 1.0, 0.0]);
        let t = Table::from_ndarray(xt, &["r0", "r1"], "y", y.view()).unwrap();
        assert_eq!(t.rows(), 3);
        let f = &t.frame.columns[1];
        assert!(
            matches!(&f.values, crate::data::Values::Numeric(v) if v.to_vec() == [10.0, 11.0, 12.0])
        );
    }
}
