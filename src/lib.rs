//! leakhound: audit tabular machine-learning data for information leakage.

pub mod data;
pub mod error;
pub mod finding;
pub mod surrogate;

pub use error::{Error, Result};
pub use finding::{Finding, FindingKind, Severity};
pub mod audit;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod demo;
pub mod importance;
pub mod model;
pub mod report;
pub mod split;
pub mod synth;
