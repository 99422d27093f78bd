//! [`Settings`]: everything that shapes an audit besides the data and the roles of its columns,
//! validated once. Recorded in `report.json` under `settings`.

use serde::{Deserialize, Serialize};

use crate::checks::Thresholds;
use crate::error::{Error, Result};
use crate::importance::EngineSettings;
use crate::split::SplitSettings;
use crate::surrogate::SurrogateKind;

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptionKind {
    /// A column of the data.
    Column,
    /// Columns of the data (repeatable on the command line, a list in Python).
    Columns,
    /// A whole number in a range.
    Count {
        /// Smallest valid value.
        min: u64,
        /// Largest valid value.
        max: u64,
    },
    /// A number in a range.
    Number {
        /// Smallest valid value.
        min: f64,
        /// Largest valid value.
        max: f64,
    },
    /// On or off.
    Flag,
    /// One of these names.
    Choice(&'static [&'static str]),
    /// A file (a test table, a model), or in Python the object itself.
    File,
    /// Detection thresholds by name ([`Thresholds::SPECS`]).
    Thresholds,
    /// A short text.
    Text,
}

/// The value of an option given by name ([`Audit::set`](crate::Audit::set)): what a front end
/// that takes options by name (Python's keywords) hands the library.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// A column, a choice or a text.
    Text(String),
    /// Columns.
    Texts(Vec<String>),
    /// A number (a count must be whole).
    Number(f64),
    /// On or off.
    Flag(bool),
    /// Thresholds by name.
    Thresholds(Vec<(String, f64)>),
}

/// One audit option, defined once: its library name, how each front end spells it, what it
/// takes, its default and what it does. Validation reads the ranges here; a test checks the
/// command line's flags and defaults, the Python signature, its stubs and the README against
/// this list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionSpec {
    /// The library's name: [`Audit`](crate::Audit)'s method and the error's setting name.
    pub name: &'static str,
    /// The command line's flag, without dashes (`None`: not on the command line).
    pub cli: Option<&'static str>,
    /// The keyword of Python's `leakhound.audit` (`None`: not in Python): the ecosystem's
    /// name where it has one (`random_state`, `n_jobs`).
    pub python: Option<&'static str>,
    /// Older Python keywords still taken for it.
    pub python_aliases: &'static [&'static str],
    /// Whether `leakhound.toml` takes it (as a top-level key of the same name; the thresholds
    /// as a `[thresholds]` table).
    pub toml: bool,
    /// What it takes.
    pub kind: OptionKind,
    /// Its default, as the command line shows it (`None`: no default, or "unset").
    pub default: Option<&'static str>,
    /// What it does.
    pub doc: &'static str,
}

/// Every audit option. Output options of the command line (`--out`, `--json`, `--png`,
/// `--fail-on`, `--quiet`, `--timings`) and Python's table and model arguments are the front
/// ends' own and are not listed.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "target",
        cli: Some("target"),
        python: Some("target"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Column,
        default: None,
        doc: "Column to predict.",
    },
    OptionSpec {
        name: "task",
        cli: Some("task"),
        python: Some("task"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Choice(&["auto", "binary", "multiclass", "regression"]),
        default: Some("auto"),
        doc: "binary, multiclass, regression, or auto (a numeric target with many values is regression).",
    },
    OptionSpec {
        name: "time_col",
        cli: Some("time-col"),
        python: Some("time_col"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Column,
        default: None,
        doc: "Timestamp column (not used as a feature).",
    },
    OptionSpec {
        name: "group_col",
        cli: Some("group-col"),
        python: Some("group_col"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Column,
        default: None,
        doc: "Entity column such as patient or customer (not used as a feature).",
    },
    OptionSpec {
        name: "id_col",
        cli: Some("id-col"),
        python: Some("id_cols"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Columns,
        default: None,
        doc: "Identifier column; checked for identifier leaks, not modelled.",
    },
    OptionSpec {
        name: "ignore",
        cli: Some("ignore"),
        python: Some("ignore"),
        python_aliases: &[],
        toml: true,
        kind: OptionKind::Columns,
        default: None,
        doc: "Column to leave out entirely.",
    },
    OptionSpec {
        name: "allow",
        cli: Some("allow"),
        python: Some("allow"),
        python_aliases: &[],
        toml: true,
        kind: OptionKind::Columns,
        default: None,
        doc: "Feature known to be legitimate: no findings on it, never peeled.",
    },
    OptionSpec {
        name: "max_rows",
        cli: Some("max-rows"),
        python: Some("max_rows"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Count { min: 1, max: u64::MAX },
        default: None,
        doc: "Audit a reproducible sample of at most this many rows (stratified by the target).",
    },
    OptionSpec {
        name: "surrogate",
        cli: Some("surrogate"),
        python: Some("surrogate"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Choice(&["gbm", "tree", "forest"]),
        default: Some("gbm"),
        doc: "Surrogate model: gbm (histogram gradient boosting), tree (one decision tree) or forest (a random forest, slow).",
    },
    OptionSpec {
        name: "folds",
        cli: Some("folds"),
        python: Some("folds"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Count { min: 2, max: 20 },
        default: Some("5"),
        doc: "Cross-validation folds.",
    },
    OptionSpec {
        name: "repeats",
        cli: Some("repeats"),
        python: Some("repeats"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Count { min: 1, max: 100 },
        default: Some("5"),
        doc: "Permutation importance repeats.",
    },
    OptionSpec {
        name: "seed",
        cli: Some("seed"),
        python: Some("random_state"),
        python_aliases: &["seed"],
        toml: false,
        kind: OptionKind::Count { min: 0, max: u64::MAX },
        default: Some("42"),
        doc: "Seed of every random step (folds, sampling, permutations, models): same data and seed, same report.",
    },
    OptionSpec {
        name: "peel",
        cli: Some("no-peel"),
        python: Some("peel"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Flag,
        default: Some("true"),
        doc: "Refit without the flagged features to find leaks hidden behind them (iterative peeling).",
    },
    OptionSpec {
        name: "dup_tolerance",
        cli: Some("dup-tolerance"),
        python: Some("dup_tolerance"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Number { min: 0.0, max: f64::MAX },
        default: Some("0.001"),
        doc: "Near-duplicate tolerance, in standard deviations of each numeric column.",
    },
    OptionSpec {
        name: "threads",
        cli: Some("threads"),
        python: Some("n_jobs"),
        python_aliases: &["threads"],
        toml: false,
        kind: OptionKind::Count { min: 1, max: 4096 },
        default: None,
        doc: "Worker threads (default: all cores).",
    },
    OptionSpec {
        name: "test",
        cli: Some("test"),
        python: Some("test"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::File,
        default: None,
        doc: "Test data: the train/test checks (duplicates, group and id overlap, temporal order, adversarial validation, schema) run against it. Without test data or a split column, leakhound makes its own seeded 80/20 split for the checks that apply.",
    },
    OptionSpec {
        name: "split_col",
        cli: Some("split-col"),
        python: Some("split_col"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Column,
        default: None,
        doc: "Column marking train/test rows (train/test, 0/1, true/false); enables the split-aware checks.",
    },
    OptionSpec {
        name: "model",
        cli: Some("model-file"),
        python: Some("model"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::File,
        default: None,
        doc: "Your trained model, exported, audited beside the data: ONNX (skl2onnx pipelines fed the raw columns, onnxmltools, torch.onnx.export), CatBoost or XGBoost JSON, XGBoost UBJSON, LightGBM text. It is scored and its permutation importance computed on the test data (or the audited data without any). Pickle and joblib files are refused: they can run code when loaded.",
    },
    OptionSpec {
        name: "model_features",
        cli: Some("model-features"),
        python: Some("model_features"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Columns,
        default: None,
        doc: "The model's input columns in order, for a model that stores no feature names (a single wide ONNX input, PyTorch); without them such a model takes the feature columns in file order.",
    },
    OptionSpec {
        name: "scoring",
        cli: Some("scoring"),
        python: Some("scoring"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Choice(&[
            "skill", "roc_auc", "macro_auc", "r2", "accuracy", "macro_f1", "log_loss", "mae",
        ]),
        default: Some("skill"),
        doc: "The score your model's permutation importance is the loss of: skill (Brier skill score, or R² for a value), or one the target has (roc_auc, macro_auc, r2, accuracy, macro_f1, log_loss, mae).",
    },
    OptionSpec {
        name: "delimiter",
        cli: Some("delimiter"),
        python: Some("delimiter"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Text,
        default: None,
        doc: "Field delimiter of a delimited file (sniffed from the header by default; `tab` for tabs).",
    },
    OptionSpec {
        name: "memory_limit",
        cli: Some("memory-limit"),
        python: Some("memory_limit"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Number { min: 0.0, max: f64::MAX },
        default: None,
        doc: "Stop with advice (a sample) rather than run out of memory when the loaded table would need more than this many GB; default: three quarters of the machine's memory.",
    },
    OptionSpec {
        name: "engine",
        cli: Some("engine"),
        python: None,
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Choice(&["auto", "in-memory", "datafusion"]),
        default: Some("auto"),
        doc: "Where the rows are counted: in-memory loads them; datafusion (a build with the `datafusion` feature) queries a Parquet file or directory without loading it, spilling to disk beyond `memory_limit`, counts the split checks over every row and models a seeded sample of `sample_rows`; auto is datafusion for a directory, and for a Parquet file too large to load.",
    },
    OptionSpec {
        name: "sample_rows",
        cli: Some("sample-rows"),
        python: Some("sample_rows"),
        python_aliases: &[],
        toml: false,
        kind: OptionKind::Count { min: 1, max: u64::MAX },
        default: Some("1000000"),
        doc: "With the datafusion engine (or a Spark DataFrame in Python), the training rows the models see: a seeded sample stratified by the target, at least 1,000 rows of each class (the test rows are drawn at the same rate).",
    },
    OptionSpec {
        name: "thresholds",
        cli: Some("threshold"),
        python: Some("thresholds"),
        python_aliases: &[],
        toml: true,
        kind: OptionKind::Thresholds,
        default: None,
        doc: "Override a detection threshold by name.",
    },
];

/// The `delimiter` option's value: one ASCII character, or `tab`.
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(Error::Setting {
            name: "delimiter".into(),
            problem: format!("must be one ASCII character or 'tab', got '{s}'"),
        }),
    }
}

/// A front end, for the words it uses for an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// The library: the option's name in backticks (`` `max_rows` ``).
    Library,
    /// The command line: its flag (`--max-rows`).
    CommandLine,
    /// Python: its keyword in backticks (`` `id_cols` ``).
    Python,
}

/// `text` with the options it names in the words of `front`. The library's messages name an
/// option by its name in backticks (`` `max_rows` ``, `` `task` ``); the command line shows
/// `--max-rows`, Python the keyword of `leakhound.audit`. See [`error_in_words_of`] for an
/// error, whose text may quote a file in words of its own.
///
/// ```
/// use leakhound::settings::{in_words_of, Front};
/// let m = "rerun with `max_rows` 100000 or set `id_col`";
/// assert_eq!(in_words_of(Front::CommandLine, m), "rerun with --max-rows 100000 or set --id-col");
/// assert_eq!(in_words_of(Front::Python, m), "rerun with `max_rows` 100000 or set `id_cols`");
/// ```
pub fn in_words_of(front: Front, text: &str) -> String {
    if front == Front::Library {
        return text.to_string();
    }
    let mut out = text.to_string();
    for o in OPTIONS {
        let named = format!("`{}`", o.name);
        if !out.contains(&named) {
            continue;
        }
        let spelled = match (front, o.cli, o.python) {
            (Front::CommandLine, Some(flag), _) => format!("--{flag}"),
            (Front::Python, _, Some(kw)) => format!("`{kw}`"),
            _ => continue,
        };
        out = out.replace(&named, &spelled);
    }
    out
}

/// An error's one line in the words of `front`. A config file's error quotes the file's own
/// keys (`` `allow` ``, `` `time_col` ``), which stay as they are.
pub fn error_in_words_of(front: Front, e: &Error) -> String {
    match e {
        Error::Config { .. } => e.to_string(),
        _ => in_words_of(front, &e.to_string()),
    }
}

impl OptionSpec {
    /// The option `name`.
    ///
    /// # Panics
    /// When no option has that name: the names are the program's own.
    pub fn of(name: &str) -> &'static OptionSpec {
        OPTIONS
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("no option '{name}'"))
    }

    /// The documentation of option `name` (the command line's help).
    pub fn doc(name: &str) -> &'static str {
        OptionSpec::of(name).doc
    }

    /// `Ok` when `value` is in the option's range, else an [`Error::Setting`] naming it.
    pub fn check(&self, value: f64) -> Result<()> {
        let ok = match self.kind {
            OptionKind::Count { min, max } => {
                value.fract() == 0.0 && value >= min as f64 && value <= max as f64
            }
            OptionKind::Number { min, max } => value.is_finite() && value >= min && value <= max,
            _ => true,
        };
        if ok {
            return Ok(());
        }
        let problem = match self.kind {
            OptionKind::Count { min, max } if max == u64::MAX => {
                format!("must be at least {min}, got {value}")
            }
            OptionKind::Count { min, max } => {
                format!("must be between {min} and {max}, got {value}")
            }
            _ => format!("must be a non-negative number, got {value}"),
        };
        Err(Error::Setting {
            name: self.name.into(),
            problem,
        })
    }
}

/// Everything that shapes an audit besides the data and the roles of its columns. Recorded in
/// `report.json` under `settings` (with `engine.folds` as used: at most the number of rows).
///
/// Build one through [`Audit`](crate::Audit)'s methods, or change the fields and pass it to
/// [`Audit::settings`](crate::Audit::settings); either way [`Audit::check`](crate::Audit::check) validates it before any work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Seed of every random step (folds, sampling, permutations, models).
    pub seed: u64,
    /// Surrogate model family.
    pub surrogate: SurrogateKind,
    /// Cross-validation, permutation and drop-column settings.
    pub engine: EngineSettings,
    /// Detection thresholds.
    pub thresholds: Thresholds,
    /// Features known to be legitimate: no findings are reported on them, and peeling never
    /// removes them.
    pub allow: Vec<String>,
    /// Refit without the flagged features to find leaks hidden behind them.
    pub peel: bool,
    /// Audit a reproducible sample of at most this many rows (stratified by the target).
    pub max_rows: Option<usize>,
    /// Split-aware check settings.
    pub split: SplitSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 42,
            surrogate: SurrogateKind::Gbm,
            engine: EngineSettings::default(),
            thresholds: Thresholds::default(),
            allow: Vec::new(),
            peel: true,
            max_rows: None,
            split: SplitSettings::default(),
        }
    }
}

impl Settings {
    /// Check every value; the first invalid one is an [`Error::Setting`] naming it.
    ///
    /// ```
    /// let mut s = leakhound::Settings::default();
    /// assert!(s.validate().is_ok());
    /// s.engine.repeats = 0;
    /// let e = s.validate().unwrap_err();
    /// assert!(matches!(e, leakhound::Error::Setting { ref name, .. } if name == "repeats"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, problem: String| {
            Err(Error::Setting {
                name: name.into(),
                problem,
            })
        };
        let e = &self.engine;
        OptionSpec::of("folds").check(e.folds as f64)?;
        OptionSpec::of("repeats").check(e.repeats as f64)?;
        for (name, v) in [
            ("permutation_rows", e.permutation_rows),
            ("drop_column_rows", e.drop_column_rows),
            ("max_fit_rows", e.max_fit_rows),
        ] {
            if v < 10 {
                return bad(name, format!("must be at least 10, got {v}"));
            }
        }
        if !(e.cluster_threshold > 0.0 && e.cluster_threshold <= 1.0) {
            return bad(
                "cluster_threshold",
                format!("must be in (0, 1], got {}", e.cluster_threshold),
            );
        }
        OptionSpec::of("dup_tolerance").check(self.split.dup_tolerance)?;
        if let Some(n) = self.max_rows {
            OptionSpec::of("max_rows").check(n as f64)?;
        }
        self.thresholds.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults the front ends show are the library's.
    #[test]
    fn option_defaults_are_the_settings_defaults() {
        let s = Settings::default();
        let d = |n: &str| OptionSpec::of(n).default.unwrap().to_string();
        assert_eq!(d("folds"), s.engine.folds.to_string());
        assert_eq!(d("repeats"), s.engine.repeats.to_string());
        assert_eq!(d("seed"), s.seed.to_string());
        assert_eq!(d("peel"), s.peel.to_string());
        assert_eq!(d("surrogate"), s.surrogate.as_str());
        assert_eq!(d("dup_tolerance"), s.split.dup_tolerance.to_string());
        assert_eq!(d("task"), crate::TaskChoice::default().as_str());
        let names: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "an option is defined twice");
    }

    #[test]
    fn ranges_come_from_the_definitions() {
        let mut s = Settings::default();
        s.engine.folds = 21;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("between 2 and 20"));
        s.engine.folds = 5;
        s.max_rows = Some(0);
        assert!(matches!(s.validate(), Err(Error::Setting { ref name, .. }) if name == "max_rows"));
        s.max_rows = None;
        s.split.dup_tolerance = f64::NAN;
        assert!(
            matches!(s.validate(), Err(Error::Setting { ref name, .. }) if name == "dup_tolerance")
        );
    }
}
