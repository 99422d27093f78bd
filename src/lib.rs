//! leakhound: audit tabular machine-learning data for information leakage.

mod audit;
mod checks;
pub mod compare;
mod data;
pub mod error;
pub mod finding;
mod importance;
mod model;
pub mod report;
mod seeds;
mod settings;
mod split;
mod surrogate;
#[cfg(feature = "synth")]
pub mod synth;
mod table;

pub use audit::{Audit, Progress};
pub use checks::Thresholds;
pub use data::{ColumnType, ReadOptions, Task, TaskChoice};
pub use error::{Error, Result};
pub use finding::{Finding, FindingKind, Severity};
pub use importance::EngineSettings;
pub use model::{ModelFormat, Output as ModelOutput, UserModel};
pub use report::Report;
pub use settings::Settings;
pub use split::SplitSettings;
pub use surrogate::SurrogateKind;
#[cfg(feature = "linfa")]
pub use table::TargetValue;
pub use table::{Table, TableBuilder};

/// Engine internals for the benches and fuzz targets (feature `internals`): not a stable API.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::data::sample::splitmix64;
    pub use crate::data::time::format_iso;
    pub use crate::data::{
        read_delimited_bytes, read_frame, Column, Dataset, Frame, Roles, Target, Values,
    };
    pub use crate::importance::{drop_column, folds, permutation, single_feature_powers};
    pub use crate::split::duplicates::count_matches;
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
