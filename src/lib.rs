//! leakhound: audit tabular machine-learning data for information leakage.

pub mod data;
pub mod error;
pub mod surrogate;

pub use error::{Error, Result};
