//! The split checks' sufficient statistics: counts over every row of both sides, which the
//! checks' decisions read whichever engine computed them. The in-memory engine computes them
//! from the loaded sides (`checks::split::*::statistics`); an engine over data that is not
//! loaded (DataFusion over Parquet directories, Spark on a cluster) computes the same counts
//! with queries and hands them to the audit, which then models a sample of the rows and reads
//! these exact counts for the needles a sample misses: repeated test rows, shared entities, a
//! test period overlapping training.
//!
//! Serializable, so an engine outside this crate (Spark, from Python) can hand them over as
//! JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counts over every row of a real split (a test table given beside the training data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ExactStatistics {
    /// The engine that counted: `in-memory`, `datafusion`, `spark`.
    pub engine: String,
    /// Training rows with a target.
    pub train_rows: usize,
    /// Test rows with a target.
    pub test_rows: usize,
    /// Test rows per class (classification; empty for a regression).
    #[serde(default)]
    pub test_rows_by_class: BTreeMap<String, usize>,
    /// Repeated rows.
    pub duplicates: DuplicateCounts,
    /// Entities on both sides (with a group column).
    #[serde(default)]
    pub groups: Option<GroupCounts>,
    /// The test period against the training period (with a time column).
    #[serde(default)]
    pub time_order: Option<TimeOrder>,
    /// Seconds the engine took to count (the report's `counting` timing).
    #[serde(default)]
    pub seconds: f64,
}

/// What `train_test_duplicates` decides on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DuplicateCounts {
    /// Test rows whose features (those both sides have) equal a training row's.
    pub exact_test_rows: usize,
    /// ... and whose target equals it too.
    pub exact_with_target_rows: usize,
    /// Test rows equal to a training row after rounding numbers to the tolerance (a fraction
    /// of the training column's standard deviation).
    pub near_test_rows: usize,
    /// Training rows repeating an earlier training row (on every training feature).
    pub within_train_rows: usize,
    /// Distinct training rows (on every training feature).
    pub distinct_train_rows: usize,
    /// Exactly repeated test rows per class (classification).
    #[serde(default)]
    pub exact_test_rows_by_class: BTreeMap<String, usize>,
    /// The first (training row, test row) pairs, 1-based data rows; an engine that does not
    /// number rows leaves them out.
    #[serde(default)]
    pub sample_rows_train_test: Vec<[usize; 2]>,
    /// The first (row, the row it repeats) pairs within the training data, 1-based.
    #[serde(default)]
    pub sample_rows_within_train: Vec<[usize; 2]>,
}

/// What `group_overlap` counts on the two sides (its validation gap comes from the surrogate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GroupCounts {
    /// Groups with rows on both sides.
    pub shared_groups: usize,
    /// Distinct groups of the test side.
    pub test_groups: usize,
    /// Test rows whose group has training rows.
    pub test_rows_in_shared_groups: usize,
}

/// What `temporal_leak` counts of the two periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TimeOrder {
    /// Test rows dated before the latest training row.
    pub test_rows_before_train_end: usize,
    /// Test rows whose timestamp a training row has.
    pub shared_timestamps: usize,
    /// The latest training timestamp (seconds since 1970, or the column's number).
    pub last_train_time: Option<f64>,
}
