//! Command-line definitions (clap derive). Parsing only; validation happens in `commands`.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use leakhound::report::PlotKind;
use leakhound::{OptionKind, OptionSpec, Severity, SurrogateKind, TaskChoice};

/// A parser accepting `names` (listed in `--help`) and turning the value into a `T`: the
/// library's enums stay free of clap.
fn one_of<T>(names: Vec<&'static str>) -> impl TypedValueParser<Value = T>
where
    T: std::str::FromStr<Err = String> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|s| s.parse::<T>())
}

fn tasks() -> impl TypedValueParser<Value = TaskChoice> {
    one_of(TaskChoice::ALL.iter().map(|t| t.as_str()).collect())
}

fn surrogates() -> impl TypedValueParser<Value = SurrogateKind> {
    one_of(SurrogateKind::ALL.iter().map(|t| t.as_str()).collect())
}

fn plots() -> impl TypedValueParser<Value = PlotKind> {
    one_of(PlotKind::ALL.iter().map(|t| t.as_str()).collect())
}

/// Audit tabular ML data for information leakage: target leakage, label proxies, missingness
/// and identifier leaks, dominant features.
#[derive(Debug, Parser)]
#[command(name = "leakhound", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a CSV/TSV/Parquet file for leakage.
    ///
    /// Example: leakhound audit loans.csv --target default --out report/ --fail-on high
    #[command(
        after_help = "Examples:\n  leakhound audit loans.csv --target default\n  leakhound audit data.csv.gz --target y --id-col customer_id --max-rows 200000 --json\n  leakhound audit train.parquet --target churn --fail-on high --allow tenure_months\n  leakhound audit train.csv --target y --test test.csv --model-file model.onnx\n\nExit codes: 0 no finding at or above --fail-on, 1 such a finding, 2 error."
    )]
    Audit(Box<AuditArgs>),
    /// Run a full audit on built-in loan data with planted leaks (no files needed).
    ///
    /// Example: leakhound demo --write demo-data/
    #[command(
        after_help = "Examples:\n  leakhound demo\n  leakhound demo --write demo-data/   # also writes demo-data/loans.csv to rerun with `audit`\n  leakhound demo --json | jq '.findings[].kind'"
    )]
    Demo(DemoArgs),
    /// Compare model versions: their report.json files (or feature,importance CSV tables).
    ///
    /// Example: leakhound compare v1/report.json v2/report.json --fail-on reliance_rise,new_leak
    #[command(
        after_help = "Examples:\n  leakhound compare v1/report.json v2/report.json\n  leakhound compare v1/report.json xgb_gain.csv --out cmp/ --fail-on high\n  leakhound compare v1/report.json v2/report.json v3/report.json   # a timeline\n  leakhound compare v2/report.json v3/report.json --fail-on reliance_rise,new_leak\n\nEach version is a leakhound report.json or a CSV with columns feature,importance (XGBoost/LightGBM\ngain, mean |SHAP|). When the reports audited your model (--model-file), its own scores and\nimportances are compared, and its reliance on features flagged as leaks is followed across versions.\nTwo versions write comparison.{json,md,html,png}; three or more write timeline.{json,md,html,png},\nwhose findings (and --fail-on) are those of the newest version against the one before.\nFindings: new_leak, importance_jump, metric_jump, resolved, still_relies_on_leak, reliance_rise.\nExit codes: 0 no finding at or above --fail-on, 1 such a finding, 2 error."
    )]
    Compare(CompareArgs),
    /// Run the dominance checks on a feature,importance table alone.
    ///
    /// Example: leakhound inspect shap_importance.csv --fail-on high
    #[command(
        after_help = "Examples:\n  leakhound inspect lightgbm_gain.csv\n  leakhound inspect shap.csv --json"
    )]
    Inspect(InspectArgs),
}

/// `compare` arguments.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The versions, oldest first: report.json files or feature,importance CSVs (two for a
    /// comparison, more for a timeline).
    #[arg(required = true, num_args = 2.., value_name = "VERSION")]
    pub versions: Vec<PathBuf>,
    /// Directory for comparison.{json,md,html,png} (timeline.* with three or more versions).
    #[arg(long, default_value = "leakhound-compare", value_name = "DIR")]
    pub out: PathBuf,
    /// Print the JSON to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a finding at or above this severity exists, or when a finding of one of
    /// these kinds does (comma-separated, e.g. reliance_rise,new_leak).
    #[arg(long, value_name = "SEVERITY|KINDS", default_value = "never", value_parser = parse_compare_fail_on)]
    pub fail_on: CompareFailOn,
    /// Write no PNG.
    #[arg(long)]
    pub no_plots: bool,
    /// Override a detection threshold, e.g. --threshold dominant_share=0.6 (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub threshold: Vec<String>,
    /// Config file with [thresholds] (default: ./leakhound.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `inspect` arguments.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A CSV with columns feature,importance.
    pub importances: PathBuf,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_name = "SEVERITY", default_value = "never", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// Override a detection threshold, e.g. --threshold dominant_share=0.6 (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub threshold: Vec<String>,
    /// Config file with [thresholds] (default: ./leakhound.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Options shared by commands that produce a report.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Directory for report.json (created if missing).
    #[arg(long, default_value = "leakhound-report", value_name = "DIR")]
    pub out: PathBuf,
    /// Print report.json to stdout instead of the summary table.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a finding at or above this severity exists (for CI gates).
    #[arg(long, value_name = "SEVERITY", default_value = "never", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// Which PNG plots to write (comma-separated): importance, power, suspect, split, peeling.
    #[arg(
        long,
        value_parser = plots(),
        value_delimiter = ',',
        default_value = "importance,power,suspect,split,peeling"
    )]
    pub png: Vec<PlotKind>,
    /// Write no PNG plots.
    #[arg(long)]
    pub no_plots: bool,
    /// The `threads` option ([`OptionSpec`]).
    #[arg(long, help = help_for("threads"), value_name = "N")]
    pub threads: Option<usize>,
    /// No progress output on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the seconds each stage took (reading included) after the summary.
    #[arg(long)]
    pub timings: bool,
    /// The `seed` option ([`OptionSpec`]).
    #[arg(long, help = help_for("seed"), default_value = default_for("seed"))]
    pub seed: u64,
}

/// The command line's help for an audit option: its definition, then what is particular to
/// the command line.
fn help_for(name: &str) -> String {
    let spec = OptionSpec::of(name);
    let range;
    let extra = match (name, spec.kind) {
        (_, OptionKind::Count { min, max }) if max <= 1000 => {
            range = format!("From {min} to {max}.");
            range.as_str()
        }
        ("peel", _) => "Given: skip it.",
        ("thresholds", _) => "KEY=VALUE, repeatable, e.g. --threshold near_perfect_power=0.97; `leakhound.toml` takes them under [thresholds].",
        ("model_features", _) => "Comma-separated.",
        ("test", _) => "Conflicts with --split-col.",
        (_, OptionKind::Columns) => "Repeatable.",
        _ => "",
    };
    if extra.is_empty() {
        spec.doc.to_string()
    } else {
        format!("{} {extra}", spec.doc)
    }
}

/// An audit option's default, from its definition.
fn default_for(name: &str) -> &'static str {
    OptionSpec::of(name).default.unwrap_or_default()
}

/// `--fail-on` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Never fail on findings.
    Never,
    /// Fail at this severity or above.
    At(Severity),
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    match s.to_ascii_lowercase().as_str() {
        "never" => Ok(FailOn::Never),
        "critical" => Ok(FailOn::At(Severity::Critical)),
        "high" => Ok(FailOn::At(Severity::High)),
        "medium" => Ok(FailOn::At(Severity::Medium)),
        "low" => Ok(FailOn::At(Severity::Low)),
        _ => Err(format!(
            "'{s}' is not one of critical, high, medium, low, never"
        )),
    }
}

/// `compare --fail-on`: a severity, or finding kinds of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareFailOn {
    /// As for an audit.
    Severity(FailOn),
    /// Fail when a finding of one of these kinds exists.
    Kinds(Vec<leakhound::FindingKind>),
}

/// The finding kinds a comparison gives.
pub const COMPARE_KINDS: [leakhound::FindingKind; 6] = [
    leakhound::FindingKind::NewLeak,
    leakhound::FindingKind::ImportanceJump,
    leakhound::FindingKind::MetricJump,
    leakhound::FindingKind::Resolved,
    leakhound::FindingKind::StillReliesOnLeak,
    leakhound::FindingKind::RelianceRise,
];

fn parse_compare_fail_on(s: &str) -> Result<CompareFailOn, String> {
    if let Ok(f) = parse_fail_on(s) {
        return Ok(CompareFailOn::Severity(f));
    }
    let names: Vec<&str> = COMPARE_KINDS.iter().map(|k| k.as_str()).collect();
    s.split(',')
        .map(|k| {
            let k = k.trim();
            COMPARE_KINDS
                .iter()
                .copied()
                .find(|c| c.as_str().eq_ignore_ascii_case(k))
                .ok_or_else(|| {
                    format!(
                        "'{k}' is not a severity (critical, high, medium, low, never) nor a comparison finding ({})",
                        names.join(", ")
                    )
                })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(CompareFailOn::Kinds)
}

/// `audit` arguments.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Data file: .csv, .tsv, .txt, .csv.gz, .tsv.gz or .parquet; or a directory of Parquet
    /// files (the datafusion engine).
    pub input: PathBuf,
    /// The `target` option ([`OptionSpec`]).
    #[arg(long, help = help_for("target"), short)]
    pub target: String,
    /// The `task` option ([`OptionSpec`]).
    #[arg(long, help = help_for("task"), value_parser = tasks(), default_value = default_for("task"))]
    pub task: TaskChoice,
    /// The `time_col` option ([`OptionSpec`]).
    #[arg(long, help = help_for("time_col"), value_name = "COL")]
    pub time_col: Option<String>,
    /// The `group_col` option ([`OptionSpec`]).
    #[arg(long, help = help_for("group_col"), value_name = "COL")]
    pub group_col: Option<String>,
    /// The `id_col` option ([`OptionSpec`]).
    #[arg(long, help = help_for("id_col"), value_name = "COL")]
    pub id_col: Vec<String>,
    /// The `ignore` option ([`OptionSpec`]).
    #[arg(long, help = help_for("ignore"), value_name = "COL")]
    pub ignore: Vec<String>,
    /// The `allow` option ([`OptionSpec`]).
    #[arg(long, help = help_for("allow"), value_name = "COL")]
    pub allow: Vec<String>,
    /// The `delimiter` option ([`OptionSpec`]).
    #[arg(long, help = help_for("delimiter"), value_parser = parse_delimiter, value_name = "C")]
    pub delimiter: Option<u8>,
    /// The `max_rows` option ([`OptionSpec`]).
    #[arg(long, help = help_for("max_rows"), value_name = "N")]
    pub max_rows: Option<usize>,
    /// The `surrogate` option ([`OptionSpec`]).
    #[arg(long, help = help_for("surrogate"), value_parser = surrogates(), default_value = default_for("surrogate"))]
    pub surrogate: SurrogateKind,
    /// The `folds` option ([`OptionSpec`]).
    #[arg(long, help = help_for("folds"), default_value = default_for("folds"))]
    pub folds: usize,
    /// The `repeats` option ([`OptionSpec`]).
    #[arg(long, help = help_for("repeats"), default_value = default_for("repeats"))]
    pub repeats: usize,
    /// The `thresholds` option ([`OptionSpec`]).
    #[arg(long, help = help_for("thresholds"), value_name = "KEY=VALUE")]
    pub threshold: Vec<String>,
    /// Config file (default: ./leakhound.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The `test` option ([`OptionSpec`]).
    #[arg(long, help = help_for("test"), value_name = "FILE", conflicts_with = "split_col")]
    pub test: Option<PathBuf>,
    /// The `split_col` option ([`OptionSpec`]).
    #[arg(long, help = help_for("split_col"), value_name = "COL")]
    pub split_col: Option<String>,
    /// The `dup_tolerance` option ([`OptionSpec`]).
    #[arg(long, help = help_for("dup_tolerance"), default_value = default_for("dup_tolerance"), value_name = "F")]
    pub dup_tolerance: f64,
    /// The `peel` option, negated ([`OptionSpec`]).
    #[arg(long, help = help_for("peel"))]
    pub no_peel: bool,
    /// The `memory_limit` option ([`OptionSpec`]).
    #[arg(long, help = help_for("memory_limit"), value_name = "GB")]
    pub memory_limit: Option<f64>,
    /// The `engine` option ([`OptionSpec`]).
    #[arg(long, help = help_for("engine"), value_parser = ["auto", "in-memory", "datafusion"], default_value = default_for("engine"))]
    pub engine: String,
    /// The `sample_rows` option ([`OptionSpec`]).
    #[arg(long, help = help_for("sample_rows"), default_value = default_for("sample_rows"), value_name = "N")]
    pub sample_rows: usize,
    /// The `model` option ([`OptionSpec`]).
    #[arg(long, help = help_for("model"), value_name = "FILE")]
    pub model_file: Option<PathBuf>,
    /// The `scoring` option ([`OptionSpec`]).
    #[arg(long, help = help_for("scoring"), default_value = default_for("scoring"), requires = "model_file")]
    pub scoring: leakhound::Metric,
    /// The `model_features` option ([`OptionSpec`]).
    #[arg(
        long,
        help = help_for("model_features"),
        value_name = "COLS",
        value_delimiter = ',',
        requires = "model_file"
    )]
    pub model_features: Vec<String>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    leakhound::settings::parse_delimiter(s).map_err(|e| match e {
        leakhound::Error::Setting { problem, .. } => problem,
        e => e.to_string(),
    })
}

/// `demo` arguments.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Rows to generate.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..=10_000_000))]
    pub rows: u64,
    /// Also write the demo data as DIR/loans.csv.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
