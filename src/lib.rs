//! leakhound: audit tabular machine-learning data for information leakage.

pub mod data;
pub mod error;
pub mod surrogate;

pub use error::{Error, Result};
pub mod importance;
pub mod checks;
pub mod report;
pub mod audit;
pub mod demo;
pub mod cli;
pub mod commands;
pub mod synth;
