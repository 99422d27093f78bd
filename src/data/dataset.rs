//! Roles (target, time, group, ids, ignored) applied to a [`Frame`], producing the [`Dataset`]
//! the engine audits.

use super::{Column, ColumnType, Frame, Values, MISSING_CODE};
use crate::error::{suggest, Error, Result};

/// Fewest rows (with a target) worth auditing.
pub const MIN_ROWS: usize = 10;
/// A numeric target with more distinct values than this (or non-integers) is a regression target.
const MAX_AUTO_CLASSES: usize = 20;
/// Classification with more classes than this is refused (use --task regression).
const MAX_CLASSES: usize = 200;

/// What the user asked the task to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskChoice {
    /// Decide from the target column.
    #[default]
    Auto,
    /// Two classes.
    Binary,
    /// More than two classes.
    Multiclass,
    /// A numeric target.
    Regression,
}

crate::names::names!(TaskChoice {
    Auto => "auto",
    Binary => "binary",
    Multiclass => "multiclass",
    Regression => "regression",
});

impl From<Task> for TaskChoice {
    fn from(t: Task) -> Self {
        match t {
            Task::Binary => TaskChoice::Binary,
            Task::Multiclass => TaskChoice::Multiclass,
            Task::Regression => TaskChoice::Regression,
        }
    }
}

/// The learning task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Two classes.
    Binary,
    /// More than two classes.
    Multiclass,
    /// A numeric target.
    Regression,
}

/// Column roles from the command line.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// The column to predict.
    pub target: String,
    /// Timestamp column (temporal checks; not a feature).
    pub time: Option<String>,
    /// Entity column (group checks; not a feature).
    pub group: Option<String>,
    /// Identifier columns (not features; checked for identifier leaks).
    pub ids: Vec<String>,
    /// Columns left out entirely.
    pub ignore: Vec<String>,
    /// Requested task.
    pub task: TaskChoice,
}

/// The prediction target.
#[derive(Debug, Clone)]
pub enum Target {
    /// Class index per row and class labels.
    Classes {
        /// Class index per row.
        y: Vec<u32>,
        /// Class labels.
        classes: Vec<String>,
    },
    /// Numeric values.
    Values(Vec<f64>),
}

impl Target {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            Target::Classes { y, .. } => y.len(),
            Target::Values(v) => v.len(),
        }
    }
}

/// A frame with roles assigned: what the audit runs on.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Candidate features, in file order.
    pub features: Vec<Column>,
    /// Target column name.
    pub target_name: String,
    /// Target values (rows with a missing target are dropped).
    pub target: Target,
    /// The task.
    pub task: Task,
    /// Time column, if given.
    pub time: Option<Column>,
    /// Group column, if given.
    pub group: Option<Column>,
    /// Identifier columns given with `--id-col`.
    pub ids: Vec<Column>,
    /// Data rows in the file.
    pub rows_total: usize,
    /// Whether the rows are a `--max-rows` sample.
    pub sampled: bool,
    /// Notes for the report.
    pub warnings: Vec<String>,
    /// The source row of each row (`None`: row `r` is source row `r`).
    pub source_rows: Option<Vec<usize>>,
}

impl Dataset {
    /// Rows used.
    pub fn rows(&self) -> usize {
        self.target.rows()
    }

    /// The same dataset restricted to `rows` (in that order).
    pub fn take(&self, rows: &[usize]) -> Dataset {
        let target = match &self.target {
            Target::Classes { y, classes } => Target::Classes {
                y: rows.iter().map(|&r| y[r]).collect(),
                classes: classes.clone(),
            },
            Target::Values(v) => Target::Values(rows.iter().map(|&r| v[r]).collect()),
        };
        Dataset {
            features: self.features.iter().map(|c| c.take(rows)).collect(),
            target_name: self.target_name.clone(),
            target,
            task: self.task,
            time: self.time.as_ref().map(|c| c.take(rows)),
            group: self.group.as_ref().map(|c| c.take(rows)),
            ids: self.ids.iter().map(|c| c.take(rows)).collect(),
            rows_total: rows.len(),
            sampled: self.sampled,
            warnings: Vec::new(),
            source_rows: Some(rows.iter().map(|&r| self.source_row(r)).collect()),
        }
    }

    /// The row of the source table (file or frame) that row `r` came from.
    pub fn source_row(&self, r: usize) -> usize {
        self.source_rows.as_ref().map_or(r, |s| s[r])
    }

    /// Assign roles to a frame.
    pub fn from_frame(mut frame: Frame, roles: &Roles) -> Result<Dataset> {
        let names = frame.names();
        let find = |col: &str, role: &str| -> Result<usize> {
            names
                .iter()
                .position(|n| n == col)
                .ok_or_else(|| Error::UnknownColumn {
                    column: col.to_string(),
                    role: role.to_string(),
                    suggestion: suggest(col, &names),
                })
        };
        let t_idx = find(&roles.target, "`target`")?;
        let time_idx = roles
            .time
            .as_deref()
            .map(|c| find(c, "`time_col`"))
            .transpose()?;
        let group_idx = roles
            .group
            .as_deref()
            .map(|c| find(c, "`group_col`"))
            .transpose()?;
        let id_idx = roles
            .ids
            .iter()
            .map(|c| find(c, "`id_col`"))
            .collect::<Result<Vec<_>>>()?;
        let ignore_idx = roles
            .ignore
            .iter()
            .map(|c| find(c, "`ignore`"))
            .collect::<Result<Vec<_>>>()?;
        for (i, role) in time_idx
            .iter()
            .map(|&i| (i, "`time_col`"))
            .chain(group_idx.iter().map(|&i| (i, "`group_col`")))
        {
            if i == t_idx {
                return Err(Error::Usage(format!(
                    "column '{}' cannot be both `target` and {role}",
                    names[i]
                )));
            }
        }
        if let Some(i) = time_idx {
            let c = &frame.columns[i];
            if !matches!(c.ty, ColumnType::Datetime | ColumnType::Numeric) {
                return Err(Error::Usage(format!(
                    "`time_col` '{}' is {:?}, not a date, timestamp or number",
                    c.name, c.ty
                )));
            }
        }

        let target_col = &frame.columns[t_idx];
        let keep: Vec<usize> = (0..frame.rows)
            .filter(|&i| !target_col.is_missing(i))
            .collect();
        if keep.is_empty() {
            return Err(Error::BadTarget {
                column: roles.target.clone(),
                problem: "is missing in every row".into(),
            });
        }
        let mut warnings = std::mem::take(&mut frame.warnings);
        let source_rows = if keep.len() < frame.rows {
            Some(keep.iter().map(|&r| frame.source_row(r)).collect())
        } else {
            frame.source_rows.take()
        };
        if keep.len() < frame.rows {
            warnings.push(format!(
                "{} rows with a missing target '{}' were left out",
                frame.rows - keep.len(),
                roles.target
            ));
            frame.columns = frame.columns.iter().map(|c| c.take(&keep)).collect();
        }
        let target_col = &frame.columns[t_idx];
        let (target, task) = build_target(target_col, roles.task)?;
        if keep.len() < MIN_ROWS {
            return Err(Error::Data(format!(
                "only {} rows have a target value; an audit needs at least {MIN_ROWS}",
                keep.len()
            )));
        }

        let mut features = Vec::new();
        let mut ids = Vec::new();
        let (mut time, mut group) = (None, None);
        for (i, col) in frame.columns.into_iter().enumerate() {
            if i == t_idx || ignore_idx.contains(&i) {
                continue;
            }
            if Some(i) == time_idx {
                time = Some(col);
            } else if Some(i) == group_idx {
                group = Some(col);
            } else if id_idx.contains(&i) {
                ids.push(col);
            } else {
                features.push(col);
            }
        }
        if features.is_empty() {
            return Err(Error::Data(format!(
                "no feature columns left besides the target '{}' (check `ignore` and `id_col`)",
                roles.target
            )));
        }
        Ok(Dataset {
            features,
            target_name: roles.target.clone(),
            target,
            task,
            time,
            group,
            ids,
            rows_total: frame.rows_total,
            sampled: frame.sampled,
            warnings,
            source_rows,
        })
    }
}

/// The label of a numeric class: a whole number without its decimals.
pub(crate) fn class_label(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

fn build_target(col: &Column, choice: TaskChoice) -> Result<(Target, Task)> {
    let bad = |problem: String| Error::BadTarget {
        column: col.name.clone(),
        problem,
    };
    let distinct = col.distinct();
    if distinct < 2 {
        let only = match &col.values {
            Values::Numeric(v) => v
                .iter()
                .find(|x| !x.is_nan())
                .map(|x| x.to_string())
                .unwrap_or_default(),
            Values::Categorical { codes, levels } => codes
                .iter()
                .find(|&&c| c != MISSING_CODE)
                .map(|&c| levels[c as usize].clone())
                .unwrap_or_default(),
        };
        return Err(bad(format!(
            "has only one value ('{only}'); there is nothing to predict"
        )));
    }
    let task = match (choice, &col.values) {
        (TaskChoice::Regression, Values::Categorical { .. }) => {
            return Err(bad(
                "is not numeric, so `task` regression does not apply".into()
            ))
        }
        (TaskChoice::Regression, _) => Task::Regression,
        (TaskChoice::Binary, _) if distinct != 2 => {
            return Err(bad(format!(
                "has {distinct} classes, so `task` binary does not apply"
            )))
        }
        (TaskChoice::Binary, _) => Task::Binary,
        (TaskChoice::Multiclass, _) => Task::Multiclass,
        (TaskChoice::Auto, Values::Numeric(v)) => {
            let integral = v.iter().all(|x| x.is_nan() || x.fract() == 0.0);
            if col.ty == ColumnType::Boolean || (integral && distinct <= MAX_AUTO_CLASSES) {
                if distinct == 2 {
                    Task::Binary
                } else {
                    Task::Multiclass
                }
            } else {
                Task::Regression
            }
        }
        (TaskChoice::Auto, Values::Categorical { .. }) => {
            if distinct == 2 {
                Task::Binary
            } else {
                Task::Multiclass
            }
        }
    };
    if task == Task::Regression {
        let Values::Numeric(v) = &col.values else {
            unreachable!("checked above")
        };
        return Ok((Target::Values(v.to_vec()), task));
    }
    if distinct > MAX_CLASSES {
        return Err(bad(format!(
            "has {distinct} distinct values, too many classes (max {MAX_CLASSES}); set `task` to regression for a numeric target"
        )));
    }
    let (y, classes): (Vec<u32>, Vec<String>) = match &col.values {
        Values::Numeric(v) => {
            let mut uniq: Vec<f64> = v.to_vec();
            uniq.sort_by(f64::total_cmp);
            uniq.dedup();
            let y = v
                .iter()
                .map(|x| uniq.partition_point(|&u| u < x) as u32)
                .collect();
            (y, uniq.into_iter().map(class_label).collect())
        }
        Values::Categorical { codes, levels } => {
            let mut used: Vec<u32> = codes.clone();
            used.sort_unstable();
            used.dedup();
            used.sort_by(|a, b| levels[*a as usize].cmp(&levels[*b as usize]));
            let mut map = vec![0u32; levels.len()];
            for (k, &c) in used.iter().enumerate() {
                map[c as usize] = k as u32;
            }
            let y = codes.iter().map(|&c| map[c as usize]).collect();
            (
                y,
                used.iter().map(|&c| levels[c as usize].clone()).collect(),
            )
        }
    };
    let task = if classes.len() == 2 {
        Task::Binary
    } else {
        task
    };
    Ok((Target::Classes { y, classes }, task))
}

/// Rows marked train and test by the values of `col` (train/test, training/validation/holdout,
/// 0/1, false/true, no/yes).
pub(crate) fn split_by_column(frame: &Frame, col: &str) -> Result<(Vec<usize>, Vec<usize>)> {
    let i = frame.index_of(col).ok_or_else(|| Error::UnknownColumn {
        column: col.to_string(),
        role: "`split_col`".into(),
        suggestion: crate::error::suggest(col, &frame.names()),
    })?;
    let c = &frame.columns[i];
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for r in 0..frame.rows {
        let v = c.text(r).unwrap_or_default().to_lowercase();
        let is_test = ["test", "valid", "holdout", "eval", "oot"]
            .iter()
            .any(|k| v.contains(k))
            || matches!(v.as_str(), "1" | "true" | "yes");
        let is_train =
            v.contains("train") || v.contains("dev") || matches!(v.as_str(), "0" | "false" | "no");
        match (is_train, is_test) {
            (true, false) => train.push(r),
            (false, true) => test.push(r),
            _ => {
                return Err(Error::Usage(format!(
                "`split_col` '{col}': data row {} has value '{v}', which is neither train nor test",
                r + 1
            )))
            }
        }
    }
    if train.is_empty() || test.is_empty() {
        return Err(Error::Usage(format!(
            "`split_col` '{col}' marks {} train and {} test rows; both sides need rows",
            train.len(),
            test.len()
        )));
    }
    Ok((train, test))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ColumnBuilder;

    fn frame(cols: &[(&str, Vec<&str>)]) -> Frame {
        let columns: Vec<Column> = cols
            .iter()
            .map(|(n, vals)| {
                let mut b = ColumnBuilder::new();
                vals.iter().for_each(|v| b.push(v));
                b.finish(n.to_string())
            })
            .collect();
        let rows = columns[0].len();
        Frame {
            columns,
            rows,
            rows_total: rows,
            sampled: false,
            warnings: vec![],
            source_rows: None,
        }
    }

    fn roles(t: &str) -> Roles {
        Roles {
            target: t.into(),
            ..Default::default()
        }
    }

    #[test]
    fn task_detection() {
        let x: Vec<&str> = vec!["1"; 12];
        let f = frame(&[
            ("x", x.clone()),
            (
                "y",
                vec!["a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "b"],
            ),
        ]);
        assert_eq!(
            Dataset::from_frame(f, &roles("y")).unwrap().task,
            Task::Binary
        );
        let ys: Vec<String> = (0..12).map(|i| format!("{}.5", i)).collect();
        let f = frame(&[("x", x), ("y", ys.iter().map(String::as_str).collect())]);
        assert_eq!(
            Dataset::from_frame(f, &roles("y")).unwrap().task,
            Task::Regression
        );
    }

    #[test]
    fn constant_target_is_an_error() {
        let f = frame(&[("x", vec!["1"; 12]), ("y", vec!["a"; 12])]);
        let e = Dataset::from_frame(f, &roles("y")).unwrap_err().to_string();
        assert!(e.contains("target column 'y' has only one value"), "{e}");
    }

    #[test]
    fn unknown_column_suggests() {
        let f = frame(&[("x", vec!["1"; 12]), ("label", vec!["a"; 12])]);
        let e = Dataset::from_frame(f, &roles("lable"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean 'label'"), "{e}");
    }
}
