//! `leakhound audit FILE --target COL`: arguments and `leakhound.toml` become an
//! [`Audit`](leakhound::Audit), checked before any file is read; the library does the rest.

use std::path::{Path, PathBuf};

use leakhound::{Audit, Error, ReadOptions, Result, Table, Thresholds, UserModel};
use serde::Deserialize;

use super::{deliver, init_threads, threshold_flags, Outcome, Progress};
use crate::cli::AuditArgs;

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
    /// Threshold overrides by name, deserialised straight into the typed thresholds (unknown
    /// names are an error; the rest keep their defaults).
    #[serde(default)]
    pub thresholds: Thresholds,
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
    cfg.thresholds.validate().map_err(|e| Error::Config {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok((cfg, Some(path)))
}

/// The audit the arguments describe: config thresholds, then `--threshold KEY=VALUE` flags.
fn build(args: &AuditArgs, cfg: &Config) -> Result<Audit> {
    let mut audit = Audit::new(&args.target)
        .task(args.task)
        .seed(args.output.seed)
        .surrogate(args.surrogate)
        .folds(args.folds)
        .repeats(args.repeats)
        .thresholds(threshold_flags(cfg.thresholds.clone(), &args.threshold)?)
        .peel(!args.no_peel)
        .dup_tolerance(args.dup_tolerance);
    if let Some(max) = args.max_rows {
        audit = audit.max_rows(max);
    }
    if let Some(c) = &args.time_col {
        audit = audit.time_col(c);
    }
    if let Some(c) = &args.group_col {
        audit = audit.group_col(c);
    }
    for c in &args.id_col {
        audit = audit.id_col(c);
    }
    for c in args.ignore.iter().chain(&cfg.ignore) {
        audit = audit.ignore(c);
    }
    for c in args.allow.iter().chain(&cfg.allow) {
        audit = audit.allow(c);
    }
    if let Some(col) = &args.split_col {
        audit = audit.split_col(col);
    }
    if !args.model_features.is_empty() {
        audit = audit.model_features(args.model_features.iter().cloned());
    }
    Ok(audit)
}

/// Run the command.
pub fn run(args: AuditArgs) -> Result<Outcome> {
    init_threads(args.output.threads)?;
    let (cfg, _) = load_config(args.config.as_deref())?;
    let mut audit = build(&args, &cfg)?;
    // Invalid settings, an unwritable output directory, a missing test file and a model that
    // cannot be loaded are all reported before a large file is read.
    audit.check()?;
    leakhound::report::prepare_dir(&args.output.out)?;
    if let Some(test) = args.test.as_deref().filter(|t| !t.exists()) {
        return Err(Error::FileNotFound {
            path: test.to_path_buf(),
        });
    }
    if let Some(path) = &args.model_file {
        audit = audit.model(UserModel::load(path)?).scoring(args.scoring);
    }
    let memory_limit = match args.memory_limit {
        Some(gb) if gb.is_finite() && gb > 0.0 => Some((gb * 1e9) as u64),
        Some(gb) => {
            return Err(Error::Setting {
                name: "memory_limit".into(),
                problem: format!("must be a positive number of GB, got {gb}"),
            })
        }
        None => leakhound::ReadOptions::default_memory_limit(),
    };
    let progress = Progress::new(args.output.quiet);
    if engine(&args)? == "datafusion" {
        let report = datafusion(audit, &args, memory_limit, &progress)?;
        drop(progress);
        return deliver(&report, &args.output);
    }
    let opts = ReadOptions {
        memory_limit,
        delimiter: args.delimiter,
        max_rows: args.max_rows,
        seed: args.output.seed,
        stratify_by: Some(args.target.clone()),
        progress: progress.reader("reading data"),
    };
    progress.phase("reading data");
    // A Parquet table too large to load is counted by DataFusion instead, when it is built in
    // and no engine was named.
    let too_large = |e: &Error| {
        matches!(e, Error::OverMemory { .. })
            && args.engine == "auto"
            && cfg!(feature = "datafusion")
            && args.split_col.is_none()
            && [Some(&args.input), args.test.as_ref()]
                .into_iter()
                .flatten()
                .all(|p| p.extension().is_some_and(|e| e == "parquet"))
    };
    let data = match Table::read(&args.input, &opts) {
        Err(e) if too_large(&e) => return over_memory(e, audit, &args, memory_limit, progress),
        read => read?,
    };
    if let Some(path) = &args.test {
        progress.phase("reading test data");
        let opts = ReadOptions {
            progress: progress.reader("reading test data"),
            ..opts
        };
        let test = match Table::read(path, &opts) {
            Err(e) if too_large(&e) => return over_memory(e, audit, &args, memory_limit, progress),
            read => read?,
        };
        audit = audit.test(test);
    }
    let bar = progress.clone();
    let report = audit.on_progress(move |p| bar.phase(p)).run(data)?;
    drop(progress);
    deliver(&report, &args.output)
}

/// The DataFusion engine in place of loading a table `e` says is too large.
fn over_memory(
    e: Error,
    audit: Audit,
    args: &AuditArgs,
    memory_limit: Option<u64>,
    progress: Progress,
) -> Result<Outcome> {
    if let (Error::OverMemory { path, .. }, false) = (&e, args.output.quiet) {
        eprintln!(
            "leakhound: {} would not fit --memory-limit loaded: counting every row with DataFusion, modelling a seeded sample",
            path.display()
        );
    }
    let report = datafusion(audit, args, memory_limit, &progress)?;
    drop(progress);
    deliver(&report, &args.output)
}

/// The engine that counts the rows: `--engine`, or for `auto` DataFusion over a directory.
fn engine(args: &AuditArgs) -> Result<&'static str> {
    let engine = match args.engine.as_str() {
        "auto" if args.input.is_dir() => "datafusion",
        "datafusion" => "datafusion",
        _ => return Ok("in-memory"),
    };
    let conflict = |flag: &str, instead: &str| {
        Error::Usage(format!(
            "{flag} is not taken by the datafusion engine: {instead}"
        ))
    };
    if args.max_rows.is_some() {
        return Err(conflict(
            "--max-rows",
            "it models a seeded sample of --sample-rows rows",
        ));
    }
    if args.split_col.is_some() {
        return Err(conflict(
            "--split-col",
            "give the test rows as their own files with --test",
        ));
    }
    Ok(engine)
}

/// Audit with DataFusion: the split checks counted over every row of `args.input` and
/// `args.test`, the rest on a seeded sample.
#[cfg(feature = "datafusion")]
fn datafusion(
    audit: Audit,
    args: &AuditArgs,
    memory_limit: Option<u64>,
    progress: &Progress,
) -> Result<leakhound::Report> {
    if !args.input.exists() {
        return Err(Error::FileNotFound {
            path: args.input.clone(),
        });
    }
    let mut engine = leakhound::engines::datafusion::DataFusion::new()
        .sample_rows(args.sample_rows)
        .threads(rayon::current_num_threads());
    if let Some(bytes) = memory_limit {
        engine = engine.memory_limit(bytes);
    }
    progress.phase("counting every row with DataFusion");
    let bar = progress.clone();
    engine.audit(
        audit.on_progress(move |p| bar.phase(p)),
        &args.input,
        args.test.as_deref(),
    )
}

/// Without the `datafusion` feature, the engine is not built in.
#[cfg(not(feature = "datafusion"))]
fn datafusion(_: Audit, _: &AuditArgs, _: Option<u64>, _: &Progress) -> Result<leakhound::Report> {
    Err(Error::Usage(
        "this leakhound was built without the datafusion engine; build it with `cargo install leakhound --features datafusion` (or pass a file with --engine in-memory)".into(),
    ))
}
