//! Engines over tables that are not loaded: they count the split checks' statistics
//! ([`ExactStatistics`](crate::ExactStatistics)) over every row with a real query engine, draw a
//! seeded stratified sample for the models, and hand both to the [`Audit`](crate::Audit), whose
//! decisions are the same whichever engine counted. The in-memory engine is the audit itself.
//!
//! - [`datafusion`]: DataFusion, embedded (feature `datafusion`): a Parquet file or a directory
//!   of them (hive partitions included), with a bounded memory pool that spills to disk.
//! - Spark runs in the Python package (extra `spark`) and hands its counts over as JSON.

pub mod datafusion;
