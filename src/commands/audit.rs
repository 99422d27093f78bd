//! `leakhound audit FILE --target COL`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{deliver, init_threads, Outcome, Progress};
use crate::audit::{audit_split, AuditSettings, Source, TestSide, UserModelInput};
use crate::checks::Thresholds;
use crate::cli::AuditArgs;
use crate::data::{read_frame, Dataset, ReadOptions, Roles};
use crate::error::{Error, Result};
use crate::importance::EngineSettings;
use crate::report::write::prepare_dir;
use crate::split::{SplitMode, SplitSettings};

/// `leakhound.toml`: features known to be legitimate, columns to ignore, thresholds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Features with no findings reported.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Columns left out.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Threshold overrides by name.
    #[serde(default)]
    pub thresholds: toml::Table,
}

/// Load the config from `--config`, or `./leakhound.toml` when it exists.
pub fn load_config(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from("leakhound.toml");
            if !p.is_file() {
                return Ok((Config::default(), None));
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let cfg: Config = toml::from_str(&text).map_err(|e| Error::Config {
        path: path.clone(),
        message: e.message().to_string(),
    })?;
    Ok((cfg, Some(path)))
}

/// Thresholds from the config, then `--threshold KEY=VALUE` flags.
pub fn thresholds(cfg: &Config, cfg_path: Option<&Path>, flags: &[String]) -> Result<Thresholds> {
    let mut t = Thresholds::default();
    for (k, v) in &cfg.thresholds {
        let value = match v {
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            other => format!("{other:?}"),
        };
        t.set(k, &value).map_err(|message| Error::Config {
            path: cfg_path.map(Path::to_path_buf).unwrap_or_default(),
            message,
        })?;
    }
    for flag in flags {
        let (k, v) = flag
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--threshold expects KEY=VALUE, got '{flag}'")))?;
        t.set(k.trim(), v.trim()).map_err(Error::Usage)?;
    }
    Ok(t)
}

/// Run the command.
pub fn run(args: AuditArgs) -> Result<Outcome> {
    init_threads(args.output.threads)?;
    let (cfg, cfg_path) = load_config(args.config.as_deref())?;
    let thresholds = thresholds(&cfg, cfg_path.as_deref(), &args.threshold)?;
    if args.max_rows == Some(0) {
        return Err(Error::Usage("--max-rows must be at least 1".into()));
    }
    // Fail on an unwritable output directory or a missing test file before reading a large file.
    prepare_dir(&args.output.out)?;
    if let Some(test) = args.test.as_deref().filter(|t| !t.exists()) {
        return Err(Error::FileNotFound {
            path: test.to_path_buf(),
        });
    }
    // A model that cannot be loaded is reported before any data is read.
    let user_model = args
        .model_file
        .as_deref()
        .map(crate::model::UserModel::load)
        .transpose()?;
    let progress = Progress::new(args.output.quiet);
    progress.phase("reading data");
    let memory_limit = match args.memory_limit {
        Some(gb) if gb.is_finite() && gb > 0.0 => Some((gb * 1e9) as u64),
        Some(_) => {
            return Err(Error::Usage(
                "--memory-limit must be a positive number of GB".into(),
            ))
        }
        None => crate::data::default_memory_limit(),
    };
    let opts = ReadOptions {
        memory_limit,
        delimiter: args.delimiter,
        max_rows: args.max_rows,
        seed: args.output.seed,
        stratify_by: Some(args.target.clone()),
    };
    let frame = read_frame(&args.input, &opts)?;
    let columns = frame.columns.len();
    let mut ignore = args.ignore.clone();
    ignore.extend(cfg.ignore.iter().cloned());
    if !(args.dup_tolerance >= 0.0 && args.dup_tolerance.is_finite()) {
        return Err(Error::Usage(
            "--dup-tolerance must be a non-negative number".into(),
        ));
    }
    // Split into train and test by a column, when asked.
    let (frame, split_test) = match &args.split_col {
        Some(col) => {
            let (train, test) = split_by_column(&frame, col)?;
            (frame.take(&train), Some(frame.take(&test)))
        }
        None => (frame, None),
    };
    if let Some(col) = &args.split_col {
        ignore.push(col.clone());
    }
    let roles = Roles {
        target: args.target.clone(),
        time: args.time_col.clone(),
        group: args.group_col.clone(),
        ids: args.id_col.clone(),
        ignore,
        task: args.task,
    };
    let ds = Dataset::from_frame(frame, &roles)?;
    let test_ds = match (&args.test, split_test) {
        (Some(path), _) => {
            progress.phase("reading test data");
            let test_frame = read_frame(path, &opts)?;
            let mut test_roles = roles.clone();
            // Columns named on the command line must exist in train; the test file may lack some.
            test_roles
                .ignore
                .retain(|c| test_frame.index_of(c).is_some());
            Some((
                Dataset::from_frame(test_frame, &test_roles).map_err(|e| in_test(path, e))?,
                SplitMode::Files,
            ))
        }
        (None, Some(f)) => Some((Dataset::from_frame(f, &roles)?, SplitMode::Column)),
        (None, None) => None,
    };
    let mut allow = args.allow.clone();
    allow.extend(cfg.allow.iter().cloned());
    for a in &allow {
        if !ds.features.iter().any(|c| &c.name == a) {
            let names: Vec<String> = ds.features.iter().map(|c| c.name.clone()).collect();
            return Err(Error::UnknownColumn {
                column: a.clone(),
                role: "--allow".into(),
                suggestion: crate::error::suggest(a, &names),
            });
        }
    }
    let settings = AuditSettings {
        seed: args.output.seed,
        surrogate: args.surrogate,
        engine: EngineSettings {
            folds: args.folds as usize,
            repeats: args.repeats as usize,
            ..Default::default()
        },
        thresholds,
        allow,
        peel: !args.no_peel,
        max_rows: args.max_rows,
        split: SplitSettings {
            dup_tolerance: args.dup_tolerance,
        },
    };
    let source = Source {
        path: args.input.display().to_string(),
        columns,
    };
    let test = test_ds
        .as_ref()
        .map(|(data, mode)| TestSide { data, mode: *mode });
    let user = user_model.as_ref().map(|model| UserModelInput {
        model,
        features: &args.model_features,
    });
    let report = audit_split(&ds, test, user, &settings, &source, &|p| progress.phase(p))?;
    drop(progress);
    deliver(&report, &args.output)
}

/// Say that an error about roles concerns the test file.
fn in_test(path: &Path, e: Error) -> Error {
    match e {
        Error::UnknownColumn {
            column,
            role,
            suggestion,
        } => Error::UnknownColumn {
            column,
            role: format!("{role} (in test file {})", path.display()),
            suggestion,
        },
        Error::BadTarget { column, problem } => Error::BadTarget {
            column,
            problem: format!("{problem} in test file {}", path.display()),
        },
        other => other,
    }
}

/// Rows marked train and test by the values of `col` (train/test, training/validation/holdout,
/// 0/1, false/true, no/yes).
fn split_by_column(frame: &crate::data::Frame, col: &str) -> Result<(Vec<usize>, Vec<usize>)> {
    let i = frame.index_of(col).ok_or_else(|| Error::UnknownColumn {
        column: col.to_string(),
        role: "--split-col".into(),
        suggestion: crate::error::suggest(col, &frame.names()),
    })?;
    let c = &frame.columns[i];
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for r in 0..frame.rows {
        let v = crate::split::text(c, r).unwrap_or_default().to_lowercase();
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
                "--split-col '{col}': data row {} has value '{v}', which is neither train nor test",
                r + 1
            )))
            }
        }
    }
    if train.is_empty() || test.is_empty() {
        return Err(Error::Usage(format!(
            "--split-col '{col}' marks {} train and {} test rows; both sides need rows",
            train.len(),
            test.len()
        )));
    }
    Ok((train, test))
}
