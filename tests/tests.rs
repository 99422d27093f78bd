//! All integration tests in one binary (one file per theme).

mod common;

mod architecture;
mod clean_data;
mod cli;
mod compare;
#[cfg(feature = "datafusion")]
mod engines;
mod library;
mod models;
mod pipeline;
mod planted;
mod properties;
mod realdata;
mod reports;
mod robustness;
mod settings;
mod signatures;
mod split;
mod surrogates;
