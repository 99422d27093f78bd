//! All integration tests in one binary (one file per theme).

mod common;

mod clean_data;
mod cli;
mod compare;
mod models;
mod planted;
mod properties;
mod realdata;
mod reports;
mod robustness;
mod split;
mod surrogates;
