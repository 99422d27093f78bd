//! Split-aware checks: leakage in how the data was split rather than in one column.
//! Train/test come from two files (`--test`), a split column (`--split-col`), or, with one file
//! and no split, from a seeded 80/20 split leakhound makes itself (then only the checks that
//! make sense on a random split run: duplicates, group and temporal validation gaps).
//!
//! This module makes the two sides and holds the report's section on them; the checks that
//! read them are in `checks::split`.

pub mod exact;

use std::borrow::Cow;

use crate::seeds::Stream;
use serde::{Deserialize, Serialize};

use crate::data::{Column, ColumnType, Dataset, Values, MISSING_CODE};

/// How train and test were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitMode {
    /// Two files.
    Files,
    /// A train/test column.
    Column,
    /// leakhound's own seeded random split.
    Own,
}

/// Split settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SplitSettings {
    /// Near-duplicate tolerance, as a fraction of each numeric column's standard deviation.
    pub dup_tolerance: f64,
}

impl Default for SplitSettings {
    fn default() -> Self {
        SplitSettings {
            dup_tolerance: 0.001,
        }
    }
}

/// What the report says about the split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitInfo {
    /// How the split was obtained.
    pub mode: SplitMode,
    /// Training rows.
    pub train_rows: usize,
    /// Test rows.
    pub test_rows: usize,
    /// Out-of-fold score of the surrogate under random K-fold (headline metric).
    pub random_kfold: Option<(String, f64)>,
    /// The same under group K-fold (with `--group-col`).
    pub group_kfold: Option<f64>,
    /// The same under forward-chaining time-ordered validation (with `--time-col`).
    pub time_ordered: Option<f64>,
    /// Adversarial validation AUC (train vs test), for real splits.
    pub adversarial_auc: Option<f64>,
    /// Exact duplicates: test rows repeating a train row (features only).
    pub duplicate_test_rows: usize,
    /// Duplicate rows within the training data.
    pub duplicate_train_rows: usize,
}

impl SplitInfo {
    /// The section of a split of `train_rows` and `test_rows` obtained by `mode`, before any
    /// check ran.
    pub fn new(mode: SplitMode, train_rows: usize, test_rows: usize) -> Self {
        SplitInfo {
            mode,
            train_rows,
            test_rows,
            random_kfold: None,
            group_kfold: None,
            time_ordered: None,
            adversarial_auc: None,
            duplicate_test_rows: 0,
            duplicate_train_rows: 0,
        }
    }
}

/// Stack two columns (train rows then test rows) into one, merging dictionaries.
pub fn concat(a: &Column, b: &Column) -> Column {
    let values = match (&a.values, &b.values) {
        (Values::Numeric(x), Values::Numeric(y)) => {
            let mut v = x.clone();
            v.append(y.clone());
            Values::Numeric(v)
        }
        _ => {
            let mut levels: Vec<String> = Vec::new();
            let mut index = std::collections::HashMap::new();
            let mut codes = Vec::with_capacity(a.len() + b.len());
            for (c, n) in [(a, a.len()), (b, b.len())] {
                for r in 0..n {
                    codes.push(match c.text(r) {
                        None => MISSING_CODE,
                        Some(t) => *index.entry(t.clone()).or_insert_with(|| {
                            levels.push(t);
                            (levels.len() - 1) as u32
                        }),
                    });
                }
            }
            Values::Categorical { codes, levels }
        }
    };
    let ty = if a.ty == b.ty {
        a.ty
    } else {
        ColumnType::Categorical
    };
    Column {
        name: a.name.clone(),
        ty,
        values,
        missing: a.missing + b.missing,
        bool_tokens: a.bool_tokens.clone(),
    }
}

/// Rows leakhound's own train/test split checks use, at most.
const OWN_SPLIT_ROWS: usize = 250_000;

/// The two sides the split checks compare, and where each row came from.
pub(crate) struct Sides<'a> {
    /// How the split came about.
    pub mode: SplitMode,
    train: Cow<'a, Dataset>,
    test: Cow<'a, Dataset>,
    /// Data row number of each training row.
    pub train_index: Vec<usize>,
    /// Data row number of each test row.
    pub test_index: Vec<usize>,
    /// A note when leakhound's own split ran on a sample.
    pub note: Option<String>,
}

impl<'a> Sides<'a> {
    /// A real split: the audited data against a test file or the test rows of a split column.
    pub fn given(train: &'a Dataset, test: &'a Dataset, mode: SplitMode) -> Self {
        Sides {
            mode,
            train_index: (0..train.rows()).collect(),
            test_index: (0..test.rows()).collect(),
            train: Cow::Borrowed(train),
            test: Cow::Borrowed(test),
            note: None,
        }
    }

    /// leakhound's own seeded 80/20 split of `ds`. It only stands in for a real one: on large
    /// files its checks run on a seeded sample, which keeps a second copy of the data small.
    pub fn own(ds: &Dataset, row_keys: &[u64], seed: u64) -> Self {
        let (mut a, mut b) = own_split(row_keys, seed);
        let mut note = None;
        if a.len() + b.len() > OWN_SPLIT_ROWS {
            let sample = |rows: &[usize], max: usize| -> Vec<usize> {
                let r: Vec<u32> = rows.iter().map(|&r| r as u32).collect();
                crate::importance::folds::subsample(
                    &r,
                    row_keys,
                    max,
                    Stream::OwnSplitSample.seed(seed),
                )
                .into_iter()
                .map(|r| r as usize)
                .collect()
            };
            a = sample(&a, OWN_SPLIT_ROWS * 4 / 5);
            b = sample(&b, OWN_SPLIT_ROWS / 5);
            note = Some(format!(
                "the split checks of leakhound's own 80/20 split ran on a seeded sample of {} train and {} test rows",
                a.len(),
                b.len()
            ));
        }
        Sides {
            mode: SplitMode::Own,
            train: Cow::Owned(ds.take(&a)),
            test: Cow::Owned(ds.take(&b)),
            train_index: a,
            test_index: b,
            note,
        }
    }

    /// Let go of the features an own split copied: after the row-level checks, the other split
    /// checks read only the sides' targets, times, groups and ids.
    pub fn drop_features(&mut self) {
        for side in [&mut self.train, &mut self.test] {
            if let Cow::Owned(ds) = side {
                ds.features = Vec::new();
            }
        }
    }

    /// The training side.
    pub fn train(&self) -> &Dataset {
        &self.train
    }

    /// The test side.
    pub fn test(&self) -> &Dataset {
        &self.test
    }
}

/// Make leakhound's own split: a seeded 80/20 partition keyed by row content.
pub fn own_split(row_keys: &[u64], seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (r, &k) in row_keys.iter().enumerate() {
        if crate::data::sample::splitmix64(Stream::OwnSplit.seed(seed) ^ k).is_multiple_of(5) {
            test.push(r);
        } else {
            train.push(r);
        }
    }
    (train, test)
}
