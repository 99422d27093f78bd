//! The audited data's columns as a model's inputs: numbers, integers or strings, whichever the
//! model declares. A text column feeds a numeric input only when its text reads as numbers;
//! a boolean read from text feeds a string input with its own spelling.

use crate::data::builder::format_number;
use crate::data::{Column, Values, MISSING_CODE};

/// A column as numbers (NaN for missing); text must read as numbers.
pub fn numbers(col: &Column) -> Result<Vec<f64>, String> {
    match &col.values {
        Values::Numeric(v) => Ok(v.to_vec()),
        Values::Categorical { codes, levels } => {
            let parsed: Option<Vec<f64>> = levels.iter().map(|l| l.trim().parse().ok()).collect();
            let parsed = parsed.ok_or_else(|| {
                format!(
                    "column '{}' holds text (e.g. '{}'), the model takes numbers: encode it in the file the way the model was trained",
                    col.name,
                    levels.first().map(String::as_str).unwrap_or_default()
                )
            })?;
            Ok(codes
                .iter()
                .map(|&c| parsed.get(c as usize).copied().unwrap_or(f64::NAN))
                .collect())
        }
    }
}

/// A column as integers; a missing or fractional value is an error naming the column.
pub fn integers(col: &Column) -> Result<Vec<i64>, String> {
    numbers(col)?
        .into_iter()
        .map(|v| {
            if v.is_nan() {
                Err(format!(
                    "column '{}' has missing values, and the model's integer input cannot hold them",
                    col.name
                ))
            } else if v.fract() != 0.0 || v.abs() > 9.0e15 {
                Err(format!(
                    "column '{}' holds {v}, and the model's input takes integers",
                    col.name
                ))
            } else {
                Ok(v as i64)
            }
        })
        .collect()
}

/// A column as text, the empty string for a missing value: levels as read, booleans in their
/// own spelling, numbers in their shortest form (whole numbers without a decimal point).
pub fn texts(col: &Column) -> Vec<String> {
    match &col.values {
        Values::Categorical { codes, levels } => codes
            .iter()
            .map(|&c| {
                if c == MISSING_CODE {
                    String::new()
                } else {
                    levels.get(c as usize).cloned().unwrap_or_default()
                }
            })
            .collect(),
        Values::Numeric(v) => v
            .iter()
            .map(|x| {
                if x.is_nan() {
                    String::new()
                } else if let (Some(t), true) = (&col.bool_tokens, x == 0.0 || x == 1.0) {
                    t[usize::from(x == 1.0)].clone()
                } else {
                    format_number(x)
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ColumnType;

    #[test]
    fn booleans_keep_their_spelling_and_numbers_read_plainly() {
        let col = Column {
            name: "owner".into(),
            ty: ColumnType::Boolean,
            values: Values::Numeric(vec![1.0, 0.0, f64::NAN].into()),
            missing: 1,
            bool_tokens: Some(Box::new(["no".into(), "yes".into()])),
        };
        assert_eq!(texts(&col), vec!["yes", "no", ""]);
        assert!(integers(&col)
            .unwrap_err()
            .contains("'owner' has missing values"));
        let n = Column {
            name: "zip".into(),
            ty: ColumnType::Numeric,
            values: Values::Numeric(vec![12345.0, 2.5].into()),
            missing: 0,
            bool_tokens: None,
        };
        assert_eq!(texts(&n), vec!["12345", "2.5"]);
    }
}
