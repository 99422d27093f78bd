//! `leakhound audit FILE --target COL`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{deliver, init_threads, Outcome, Progress};
use crate::audit::{audit, AuditSettings, Source};
use crate::checks::Thresholds;
use crate::cli::AuditArgs;
use crate::data::{read_frame, Dataset, ReadOptions, Roles};
use crate::error::{Error, Result};
use crate::importance::EngineSettings;
use crate::report::write::prepare_dir;

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
    // Fail on an unwritable output directory before reading a large file.
    prepare_dir(&args.output.out)?;
    let progress = Progress::new(args.output.quiet);
    progress.phase("reading data");
    let opts = ReadOptions {
        delimiter: args.delimiter,
        max_rows: args.max_rows,
        seed: args.output.seed,
        stratify_by: Some(args.target.clone()),
    };
    let frame = read_frame(&args.input, &opts)?;
    let columns = frame.columns.len();
    let mut ignore = args.ignore.clone();
    ignore.extend(cfg.ignore.iter().cloned());
    let roles = Roles {
        target: args.target.clone(),
        time: args.time_col.clone(),
        group: args.group_col.clone(),
        ids: args.id_col.clone(),
        ignore,
        task: args.task,
    };
    let ds = Dataset::from_frame(frame, &roles)?;
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
    };
    let source = Source {
        path: args.input.display().to_string(),
        columns,
    };
    let report = audit(&ds, &settings, &source, &|p| progress.phase(p))?;
    drop(progress);
    deliver(&report, &args.output)
}
