//! leakhound audits tabular machine-learning data, and the models trained on it, for
//! information leakage: features recorded after the outcome or derived from the target
//! (target leakage), codes and missingness that proxy the label (feature leakage), rows or
//! entities on both sides of a split (train-test contamination) and the future used to predict
//! the past (temporal leakage). It trains fast surrogate models, measures permutation,
//! drop-column and single-feature power, and reports each suspicious feature with a severity and
//! the evidence behind it.
//!
//! # Audit a table
//! An [`Audit`] names the target and the roles of other columns; [`Audit::run`] validates every
//! setting, audits a [`Table`] and returns a [`Report`]:
//!
//! ```
//! use leakhound::{Audit, Severity, Table};
//!
//! // Loan outcomes, an honest feature, and `days_in_collections`, known only after default.
//! let n = 500;
//! let default: Vec<f64> = (0..n).map(|i| ((i * 7) % 10 < 3) as u8 as f64).collect();
//! let table = Table::builder()
//!     .numeric("income", (0..n).map(|i| ((i * 7919) % 1000) as f64))
//!     .numeric("days_in_collections", default.iter().map(|d| d * 45.0))
//!     .numeric("default", default.clone())
//!     .build()?;
//!
//! let report = Audit::new("default").seed(42).run(table)?;
//! assert_eq!(report.verdict.likely_leaks, ["days_in_collections"]);
//! for f in report.findings.iter().filter(|f| f.severity >= Severity::High) {
//!     println!("{} {} {}: {}", f.severity, f.kind, f.feature.as_deref().unwrap_or("-"), f.message);
//! }
//! # Ok::<(), leakhound::Error>(())
//! ```
//!
//! Tables come from a file ([`Table::from_path`]: CSV, TSV, gzip, Parquet), from named typed
//! columns ([`Table::builder`]), from Arrow record batches (`Table::from_record_batch`, feature
//! `arrow`, on by default), from an `ndarray` matrix (`Table::from_ndarray`, feature `ndarray`)
//! and from a linfa dataset (`Table::from_linfa`, feature `linfa`).
//!
//! # Read the report
//! [`Report`] is the contract every output is rendered from: [`Report::verdict`] is the
//! one-line conclusion, [`Report::findings`] are most severe first, [`Report::features`] has a
//! row per feature with its single-feature power and importances. It serialises to
//! `report.json` ([`Report::to_json`]; the format is documented on [`report`]) and
//! [`Report::save`] writes the folder the command line writes: JSON, Markdown, HTML and PNG
//! plots. A release gate is `report.max_severity() >= Some(Severity::High)`.
//!
//! # Splits, your model, versions
//! - A separate test table ([`Audit::test`]) or a split column ([`Audit::split_col`]) turns on
//!   the train/test checks: duplicates, shared entities ([`Audit::group_col`]), temporal order
//!   ([`Audit::time_col`]), adversarial validation.
//! - [`Audit::model`] audits your own exported model ([`UserModel::load`]: ONNX, XGBoost,
//!   LightGBM) beside the surrogates.
//! - [`compare::compare`] puts two reports (or importance tables) side by side and flags new
//!   leaks and importance jumps.
//!
//! # Settings and errors
//! Every threshold is a field of [`Thresholds`], every engine setting of [`Settings`]; both are
//! recorded in the report. Invalid values are an [`Error::Setting`] naming the setting, raised
//! by [`Audit::check`] before any work. Every error names the file, column or setting to fix.
//!
//! # Determinism
//! Every random step derives from [`Audit::seed`] (default 42): the same data and seed give
//! the same report, byte for byte apart from `timings`. Work is spread over rayon's global
//! pool; build one with `rayon::ThreadPoolBuilder` to limit the threads.
#![warn(missing_docs)]

mod audit;
mod checks;
pub mod compare;
mod data;
#[cfg(feature = "datafusion")]
pub mod engines;
pub mod error;
pub mod finding;
mod importance;
pub mod metric;
mod model;
mod names;
pub mod report;
mod seeds;
pub mod settings;
mod split;
mod surrogate;
#[cfg(feature = "synth")]
pub mod synth;
mod table;

pub use audit::{Audit, Progress};
pub use checks::thresholds::ThresholdSpec;
pub use checks::Thresholds;
pub use data::{ColumnType, ReadOptions, ReadProgress, Task, TaskChoice};
pub use error::{Error, Result};
pub use finding::{Finding, FindingKind, Severity};
pub use importance::counts::{
    CellSums, CountPlan, EncodingPlan, FeatureCounts, LevelSums, RowCells,
};
pub use importance::EngineSettings;
pub use metric::Metric;
#[cfg(feature = "models")]
pub use model::UserModel;
pub use model::{
    ExternalModel, ModelFormat, ModelInput, Output as ModelOutput, PredictError, Predictor,
};
pub use report::Report;
pub use settings::{OptionKind, OptionSpec, OptionValue, Settings, OPTIONS};
pub use split::exact::{DuplicateCounts, ExactStatistics, GroupCounts, TimeOrder};
pub use split::SplitSettings;
pub use surrogate::SurrogateKind;
#[cfg(feature = "linfa")]
pub use table::TargetValue;
pub use table::{Table, TableBuilder};

/// Engine internals for the benches and fuzz targets (feature `internals`): not a stable API.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::checks::split::duplicates::count_matches;
    #[cfg(feature = "parquet")]
    pub use crate::data::read_parquet_records;
    pub use crate::data::sample::splitmix64;
    pub use crate::data::time::format_iso;
    pub use crate::data::{
        read_delimited_bytes, read_frame, Column, Dataset, Frame, Roles, Target, Values,
    };
    pub use crate::importance::{drop_column, folds, permutation, single_feature_powers};
    pub use crate::surrogate::{BinnedMatrix, Gbm, Labels, Surrogate};

    /// The dataset an audit of `table` predicting `target` runs on.
    pub fn dataset(table: crate::Table, target: &str) -> crate::Result<Dataset> {
        let roles = Roles {
            target: target.into(),
            ..Default::default()
        };
        Dataset::from_frame(table.into_frame(), &roles)
    }
}
