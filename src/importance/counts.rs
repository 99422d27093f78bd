//! The per-feature checks' sufficient statistics over every row of a table that is not loaded:
//! counts per (feature, bin, fold, class), or for a numeric target the count and the sums of the
//! (centred) target and of its ranks per (feature, bin, fold). An engine bins its rows with the
//! sample's bins ([`CountPlan`], from [`BinnedMatrix`]), places each row in a fold by the hash of
//! its bins, aggregates the cells with its own operators (SQL `GROUP BY` in DataFusion, a
//! `groupBy` in Spark), and hands the [`FeatureCounts`] to the audit, whose single-feature power
//! and missingness decisions then read every row ([`FeatureCounts::power`],
//! [`FeatureCounts::missingness`]).
//!
//! The binning of one row is this module's ([`CountPlan::cells`]), so every engine places a
//! row in the same cell: the in-memory producer ([`FeatureCounts::of_binned`]) and the engines
//! give equal counts on the same rows.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::single_feature::{self, Power};
use crate::data::sample::splitmix64;
use crate::data::{by_code, class_label, Column, Dataset, Target, Values, MISSING_CODE};
use crate::error::{Error, Result};
use crate::surrogate::binned::{BinKind, MISSING_BIN};
use crate::surrogate::BinnedMatrix;
use crate::table::Table;

/// Bins a cell id reserves per feature (a bin is a `u8`).
const BIN_SLOTS: u64 = 256;
/// Points of the sample's target quantiles the ranks of a numeric target are read from.
const RANK_POINTS: usize = 1024;

/// How an engine bins every row: the sample's bins per feature, the folds and the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountPlan {
    /// The audit's seed (the folds are keyed by it).
    pub seed: u64,
    /// Out-of-fold folds.
    pub folds: usize,
    /// The features, in the audit's order.
    pub features: Vec<FeaturePlan>,
    /// The target.
    pub target: TargetPlan,
    /// The level aggregates of the target-encoding check (none counted when empty).
    #[serde(default)]
    pub encodings: EncodingPlan,
}

/// What the target-encoding check's identities read over every row: per level of each level
/// column, per numeric feature, the rows where the feature is present, their target sums and
/// the feature's least and greatest value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncodingPlan {
    /// Columns whose levels an encoding may be of (categories, integer codes).
    pub level_columns: Vec<String>,
    /// Numeric features an encoding may be.
    pub numeric: Vec<String>,
}

/// One (level column, level, numeric feature)'s rows, over every counted row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSums {
    /// Index into [`EncodingPlan::level_columns`].
    pub column: u32,
    /// The level, as the audit names it.
    pub level: String,
    /// Index into [`EncodingPlan::numeric`].
    pub feature: u32,
    /// Rows of the level where the feature is present.
    pub n: u64,
    /// Their target sums, one per encoded target ([`CountPlan::encoded_targets`]).
    pub sums: Vec<f64>,
    /// The feature's least value there.
    pub min: f64,
    /// The feature's greatest value there.
    pub max: f64,
}

impl LevelSums {
    fn merge(&mut self, o: &LevelSums) {
        self.n += o.n;
        self.sums.iter_mut().zip(&o.sums).for_each(|(a, b)| *a += b);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }
}

/// What [`CountPlan::column_values`] reads of a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnRead {
    /// Its levels.
    Level,
    /// Its numbers.
    Number,
    /// The target's encoded target of this index.
    Target(usize),
}

/// A column's values as [`CountPlan::column_values`] reads them (`None` missing).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// Levels.
    Texts(Vec<Option<String>>),
    /// Numbers.
    Numbers(Vec<Option<f64>>),
}

/// One feature's bins, from the sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturePlan {
    /// Column name.
    pub name: String,
    /// Bins counted, the missing bin 0 included (a categorical feature may have one more than
    /// the sample: levels the sample never saw).
    pub bins: usize,
    /// Ordered: the upper edge of bin `b` is `edges[b - 1]`.
    pub edges: Vec<f64>,
    /// Categorical: the level of bin `b` is `levels[b - 1]`; other levels go to `other`.
    pub levels: Vec<String>,
    /// Categorical: the bin of a level not in `levels`.
    pub other: u8,
    /// Whether the bins are ordered (numbers) rather than categories.
    pub ordered: bool,
}

/// The target as the engines read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TargetPlan {
    /// Class labels, in the audit's order.
    Classes {
        /// Column name.
        name: String,
        /// The labels.
        classes: Vec<String>,
    },
    /// A number: sums are of `y - shift` (the sample's mean, so sums of squares keep their
    /// precision), ranks read from the sample's quantiles.
    Values {
        /// Column name.
        name: String,
        /// Subtracted before summing.
        shift: f64,
        /// Evenly spaced quantiles of the sample's target (`RANK_POINTS + 1` at most).
        quantiles: Vec<f64>,
    },
}

impl CountPlan {
    /// The plan of an audit of `ds`, whose features the audit binned as `x`.
    pub fn new(ds: &Dataset, x: &BinnedMatrix, seed: u64, folds: usize) -> CountPlan {
        let features = (0..x.features())
            .map(|f| {
                let ordered = x.kinds[f] == BinKind::Ordered;
                let n = x.n_bins[f];
                let levels: Vec<String> = if ordered {
                    Vec::new()
                } else {
                    // The "(other: …)" bin is not a level: every unknown level joins it.
                    let own = x.labels[f].len() - usize::from(has_other(x, f));
                    x.labels[f][..own].to_vec()
                };
                let (bins, other) = match (ordered, has_other(x, f)) {
                    (true, _) => (n.max(2), 0),
                    (false, true) => (n, (n - 1) as u8),
                    // A level the sample never saw gets a bin of its own, room allowing.
                    (false, false) if n < BIN_SLOTS as usize => (n + 1, n as u8),
                    (false, false) => (n, (n - 1) as u8),
                };
                FeaturePlan {
                    name: ds.features[f].name.clone(),
                    bins,
                    edges: x.edges[f].clone(),
                    levels,
                    other,
                    ordered,
                }
            })
            .collect();
        let target = match &ds.target {
            Target::Classes { classes, .. } => TargetPlan::Classes {
                name: ds.target_name.clone(),
                classes: classes.clone(),
            },
            Target::Values(y) => {
                let mut sorted = y.clone();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len().max(1);
                let points = (n - 1).min(RANK_POINTS);
                TargetPlan::Values {
                    name: ds.target_name.clone(),
                    shift: y.iter().sum::<f64>() / n as f64,
                    quantiles: (0..=points)
                        .map(|i| sorted[(i * (n - 1)).checked_div(points).unwrap_or(0)])
                        .collect(),
                }
            }
        };
        CountPlan {
            seed,
            folds,
            features,
            target,
            encodings: EncodingPlan::default(),
        }
    }

    /// The targets an encoding may be of: one class's indicator per class (the positive class
    /// only of two), or the number itself.
    pub fn encoded_targets(&self) -> Vec<Option<u32>> {
        match &self.target {
            TargetPlan::Classes { classes, .. } if classes.len() == 2 => vec![Some(1)],
            TargetPlan::Classes { classes, .. } => (0..classes.len() as u32).map(Some).collect(),
            TargetPlan::Values { .. } => vec![None],
        }
    }

    /// The class index (classes) or the value (a number) of each row of `table`'s target;
    /// `None` for a row left out (missing, or a class the sample did not have).
    fn target_of(&self, table: &crate::data::Frame) -> Result<Vec<Option<(u32, f64)>>> {
        let name = self.target_name();
        let col = column_of(table, name, "the counted target")?;
        let rows = table.rows;
        let mut out = vec![None; rows];
        match &self.target {
            TargetPlan::Classes { classes, .. } => {
                let index: HashMap<&str, u32> = classes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str(), i as u32))
                    .collect();
                match &col.values {
                    Values::Numeric(v) => {
                        for (r, x) in v.iter().enumerate() {
                            if !x.is_nan() {
                                out[r] = index.get(class_label(x).as_str()).map(|&c| (c, 0.0));
                            }
                        }
                    }
                    Values::Categorical { codes, levels } => {
                        let by_code: Vec<Option<u32>> = levels
                            .iter()
                            .map(|l| index.get(l.as_str()).copied())
                            .collect();
                        for (r, &c) in codes.iter().enumerate() {
                            if c != MISSING_CODE {
                                out[r] = by_code[c as usize].map(|c| (c, 0.0));
                            }
                        }
                    }
                }
            }
            TargetPlan::Values { .. } => {
                let Values::Numeric(v) = &col.values else {
                    return Err(Error::Data(format!(
                        "the target '{name}' is not numeric in every part of the table"
                    )));
                };
                for (r, y) in v.iter().enumerate() {
                    if !y.is_nan() {
                        out[r] = Some((0, y));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Per row of a one-column `table`: its level (`level`), its number (`number`), or, for
    /// the target, encoded target `t`'s value (`target`), as the level aggregates read them:
    /// what an engine's functions give its query, one call a batch.
    pub fn column_values(&self, table: Table, what: ColumnRead) -> Result<ColumnValues> {
        let frame = table.into_frame();
        let Some(col) = frame.columns.first() else {
            return Err(Error::Data("feature counts: an empty batch".into()));
        };
        Ok(match what {
            ColumnRead::Level => ColumnValues::Texts(level_texts(col)),
            ColumnRead::Number => ColumnValues::Numbers(
                numbers_of(col)
                    .into_iter()
                    .map(|x| (!x.is_nan()).then_some(x))
                    .collect(),
            ),
            ColumnRead::Target(t) => {
                let targets = self.encoded_targets();
                let which = targets.get(t).copied().flatten();
                ColumnValues::Numbers(
                    self.target_of(&frame)?
                        .into_iter()
                        .map(|v| {
                            v.map(|(class, y)| match which {
                                Some(k) => f64::from(u8::from(class == k)),
                                None => y,
                            })
                        })
                        .collect(),
                )
            }
        })
    }

    /// The level aggregates of one part of a table ([`EncodingPlan`]), summed per (level
    /// column, level, numeric feature): what an engine then adds up over the parts.
    pub fn level_sums(&self, table: Table) -> Result<Vec<LevelSums>> {
        let frame = table.into_frame();
        let target = self.target_of(&frame)?;
        let targets = self.encoded_targets();
        let column = |name: &str| column_of(&frame, name, "the counted levels");
        let numbers: Vec<Vec<f64>> = self
            .encodings
            .numeric
            .iter()
            .map(|n| Ok(numbers_of(column(n)?)))
            .collect::<Result<_>>()?;
        let mut by: HashMap<(u32, String, u32), LevelSums> = HashMap::new();
        for (c, name) in self.encodings.level_columns.iter().enumerate() {
            let levels = level_texts(column(name)?);
            for (r, level) in levels.iter().enumerate() {
                let (Some(level), Some((class, y))) = (level, target[r]) else {
                    continue;
                };
                let values: Vec<f64> = targets
                    .iter()
                    .map(|t| match t {
                        Some(k) => f64::from(u8::from(class == *k)),
                        None => y,
                    })
                    .collect();
                for (f, v) in numbers.iter().enumerate() {
                    if self.encodings.numeric[f] == *name || v[r].is_nan() {
                        continue;
                    }
                    let e = by
                        .entry((c as u32, level.clone(), f as u32))
                        .or_insert_with(|| LevelSums {
                            column: c as u32,
                            level: level.clone(),
                            feature: f as u32,
                            n: 0,
                            sums: vec![0.0; targets.len()],
                            min: v[r],
                            max: v[r],
                        });
                    e.merge(&LevelSums {
                        column: 0,
                        level: String::new(),
                        feature: 0,
                        n: 1,
                        sums: values.clone(),
                        min: v[r],
                        max: v[r],
                    });
                }
            }
        }
        let mut out: Vec<LevelSums> = by.into_values().collect();
        out.sort_by(|a, b| (a.column, &a.level, a.feature).cmp(&(b.column, &b.level, b.feature)));
        Ok(out)
    }

    /// The target's column name.
    pub fn target_name(&self) -> &str {
        match &self.target {
            TargetPlan::Classes { name, .. } | TargetPlan::Values { name, .. } => name,
        }
    }

    /// A numeric target's value minus the shift, and its rank from the sample's quantiles
    /// (zeros for classes).
    pub fn value_and_rank(&self, y: f64) -> (f64, f64) {
        match &self.target {
            TargetPlan::Values {
                shift, quantiles, ..
            } => (y - shift, rank_of(quantiles, y)),
            TargetPlan::Classes { .. } => (0.0, 0.0),
        }
    }

    /// Classes of the target (none for a number).
    fn classes(&self) -> usize {
        match &self.target {
            TargetPlan::Classes { classes, .. } => classes.len(),
            TargetPlan::Values { .. } => 1,
        }
    }

    /// The cell of feature `f`'s bin `bin` in fold `fold`, of class `class` (0 for a number).
    pub fn cell(&self, f: usize, bin: u8, fold: u8, class: u32) -> u64 {
        ((f as u64 * BIN_SLOTS + u64::from(bin)) * self.folds as u64 + u64::from(fold))
            * self.classes() as u64
            + u64::from(class)
    }

    /// Each row's cells (`features` of them a row, in row order) and target: what an engine
    /// aggregates. Rows with a missing target, or a class the sample did not have, are left out.
    /// `table` holds the target and the features under their names (any other columns are
    /// ignored), typed as the audit types them (see [`Table`]).
    pub fn cells(&self, table: Table) -> Result<RowCells> {
        let frame = table.into_frame();
        let column = |name: &str| column_of(&frame, name, "the counted features");
        let rows = frame.rows;
        let target = self.target_of(&frame)?;
        // The class (or value) of each row; None leaves the row out.
        let mut class = vec![None::<u32>; rows];
        let mut value = vec![0.0; rows];
        let mut rank = vec![0.0; rows];
        for (r, t) in target.iter().enumerate() {
            if let Some((c, y)) = *t {
                class[r] = Some(c);
                (value[r], rank[r]) = self.value_and_rank(y);
            }
        }
        let bins: Vec<Vec<u8>> = self
            .features
            .iter()
            .map(|p| Ok(p.bin(column(&p.name)?)))
            .collect::<Result<_>>()?;
        let mut out = RowCells::default();
        let nf = self.features.len();
        for r in 0..rows {
            let Some(c) = class[r] else { continue };
            // The row key of `BinnedMatrix::row_keys`, and the fold it keys.
            let key = bins.iter().enumerate().fold(0x5151_u64, |h, (f, b)| {
                splitmix64(h ^ u64::from(b[r]) ^ ((f as u64) << 8))
            });
            let fold = fold_of(key, self.seed, self.folds);
            out.cells
                .extend((0..nf).map(|f| self.cell(f, bins[f][r], fold, c)));
            out.values.push(value[r]);
            out.ranks.push(rank[r]);
            out.row.push(r as u32);
        }
        out.features = nf;
        Ok(out)
    }
}

/// The fold of a row of key `key`: the key [`super::folds::assign`] sorts by, modulo `folds`.
fn fold_of(key: u64, seed: u64, folds: usize) -> u8 {
    (splitmix64(seed.wrapping_mul(0x9E37_79B9) ^ key) % folds as u64) as u8
}

/// The column `name` of a part being counted, or an error naming it and its `role`.
fn column_of<'a>(frame: &'a crate::data::Frame, name: &str, role: &str) -> Result<&'a Column> {
    frame
        .index_of(name)
        .map(|i| &frame.columns[i])
        .ok_or_else(|| Error::UnknownColumn {
            column: name.to_string(),
            role: role.into(),
            suggestion: crate::error::suggest(name, &frame.names()),
        })
}

/// A column's values as numbers (NaN missing): text that spells numbers is read as them.
fn numbers_of(col: &Column) -> Vec<f64> {
    match &col.values {
        Values::Numeric(v) => v.iter().collect(),
        Values::Categorical { codes, levels } => {
            let parsed: Vec<f64> = levels
                .iter()
                .map(|l| l.trim().parse::<f64>().unwrap_or(f64::NAN))
                .collect();
            by_code(codes, &parsed, f64::NAN)
        }
    }
}

/// A column's values as levels (`None` missing): categories by their text, numbers (integer
/// codes) as the audit names a number.
fn level_texts(col: &Column) -> Vec<Option<String>> {
    match &col.values {
        Values::Numeric(v) => v
            .iter()
            .map(|x| (!x.is_nan()).then(|| class_label(x)))
            .collect(),
        Values::Categorical { codes, levels } => codes
            .iter()
            .map(|&c| (c != MISSING_CODE).then(|| levels[c as usize].clone()))
            .collect(),
    }
}

/// The rank of `y` in [0, 1], read off the sample's quantiles (linear between two points, the
/// middle of a run of equal points).
fn rank_of(quantiles: &[f64], y: f64) -> f64 {
    let m = quantiles.len();
    if m < 2 {
        return 0.5;
    }
    let lo = quantiles.partition_point(|&q| q < y);
    let hi = quantiles.partition_point(|&q| q <= y);
    let at = if hi > lo {
        (lo + hi - 1) as f64 / 2.0
    } else if lo == 0 {
        0.0
    } else if lo == m {
        (m - 1) as f64
    } else {
        let (a, b) = (quantiles[lo - 1], quantiles[lo]);
        (lo - 1) as f64 + (y - a) / (b - a)
    };
    at / (m - 1) as f64
}

fn has_other(x: &BinnedMatrix, f: usize) -> bool {
    x.labels[f]
        .last()
        .is_some_and(|l| l.starts_with("(other: "))
}

impl FeaturePlan {
    /// The bins of a column of the table being counted.
    fn bin(&self, col: &Column) -> Vec<u8> {
        match (&col.values, self.ordered) {
            (Values::Numeric(v), true) if !self.edges.is_empty() => v.bins(&self.edges, 0),
            (Values::Numeric(v), true) => v.iter().map(|x| u8::from(!x.is_nan())).collect(),
            (Values::Categorical { codes, levels }, true) => {
                // Text in this part that the sample read as numbers: the numbers it spells.
                let of_level: Vec<u8> = levels
                    .iter()
                    .map(|l| match l.trim().parse::<f64>() {
                        Ok(x) if x.is_finite() => self.ordered_bin(x),
                        _ => MISSING_BIN,
                    })
                    .collect();
                by_code(codes, &of_level, MISSING_BIN)
            }
            (Values::Categorical { codes, levels }, false) => {
                let index = self.level_index();
                let of_level: Vec<u8> = levels
                    .iter()
                    .map(|l| index.get(l.as_str()).copied().unwrap_or(self.other))
                    .collect();
                by_code(codes, &of_level, MISSING_BIN)
            }
            (Values::Numeric(v), false) => {
                // Levels that this part read as numbers: matched by the number they spell.
                let by_number: HashMap<u64, u8> = self
                    .levels
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| {
                        let x = l.trim().parse::<f64>().ok()?;
                        Some((x.to_bits(), (i + 1) as u8))
                    })
                    .collect();
                v.iter()
                    .map(|x| {
                        if x.is_nan() {
                            MISSING_BIN
                        } else {
                            by_number.get(&x.to_bits()).copied().unwrap_or(self.other)
                        }
                    })
                    .collect()
            }
        }
    }

    fn ordered_bin(&self, x: f64) -> u8 {
        if self.edges.is_empty() {
            return 1;
        }
        1 + self
            .edges
            .partition_point(|&e| e < x)
            .min(self.edges.len() - 1) as u8
    }

    fn level_index(&self) -> HashMap<&str, u8> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), (i + 1) as u8))
            .collect()
    }
}

/// Each counted row's cells and target, as [`CountPlan::cells`] gives them to an engine.
#[derive(Debug, Clone, Default)]
pub struct RowCells {
    /// Cells per row.
    pub features: usize,
    /// `features` cells a row, row after row.
    pub cells: Vec<u64>,
    /// A numeric target minus the plan's shift (0 for classes), one a row.
    pub values: Vec<f64>,
    /// A numeric target's rank in [0, 1] (0 for classes), one a row.
    pub ranks: Vec<f64>,
    /// The row of the table counted each row is (rows left out have none).
    pub row: Vec<u32>,
}

impl RowCells {
    /// Rows.
    pub fn rows(&self) -> usize {
        self.values.len()
    }

    /// Summed per cell: what an engine's partial aggregate of these rows holds.
    pub fn sums(&self) -> Vec<CellSums> {
        let mut by: HashMap<u64, CellSums> = HashMap::new();
        for (r, cells) in self.cells.chunks(self.features.max(1)).enumerate() {
            for &cell in cells {
                by.entry(cell)
                    .or_insert(CellSums {
                        cell,
                        ..CellSums::default()
                    })
                    .add_row(self.values[r], self.ranks[r]);
            }
        }
        let mut out: Vec<CellSums> = by.into_values().collect();
        out.sort_by_key(|c| c.cell);
        out
    }
}

/// One cell's rows and sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CellSums {
    /// The cell ([`CountPlan::cell`]).
    pub cell: u64,
    /// Rows.
    pub n: u64,
    /// Σ (y − shift) of a numeric target.
    pub sum: f64,
    /// Σ (y − shift)².
    pub sum_sq: f64,
    /// Σ rank.
    pub rank_sum: f64,
    /// Σ rank².
    pub rank_sum_sq: f64,
}

impl CellSums {
    fn add_row(&mut self, v: f64, r: f64) {
        self.n += 1;
        self.sum += v;
        self.sum_sq += v * v;
        self.rank_sum += r;
        self.rank_sum_sq += r * r;
    }

    fn merge(&mut self, o: &CellSums) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
        self.rank_sum += o.rank_sum;
        self.rank_sum_sq += o.rank_sum_sq;
    }
}

/// The per-feature counts over every row, under a [`CountPlan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureCounts {
    /// The binning the rows were counted under.
    pub plan: CountPlan,
    /// Rows counted.
    pub rows: u64,
    /// The cells that hold rows, by cell id.
    pub cells: Vec<CellSums>,
    /// The level aggregates of [`EncodingPlan`], by (column, level, feature).
    #[serde(default)]
    pub levels: Vec<LevelSums>,
    /// Seconds the engine took to count.
    #[serde(default)]
    pub seconds: f64,
}

/// One feature's cells, dense: `(fold * bins + bin) * classes + class`.
struct Dense {
    bins: usize,
    classes: usize,
    n: Vec<u64>,
    sums: Vec<CellSums>,
}

/// Statistics of whether a feature is missing, over every row.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingCounts {
    /// Rows counted.
    pub rows: u64,
    /// Rows where the feature is missing.
    pub missing: u64,
    /// The power of "is missing" (the missingness check's indicator power).
    pub power: Power,
    /// Classes: the share of each class's rows where it is missing.
    pub rate_by_class: Vec<f64>,
    /// A number: the mean target where missing and where present.
    pub means: Option<(f64, f64)>,
}

impl FeatureCounts {
    /// Counts from aggregated cells (an engine's `GROUP BY cell` result, in any order; a cell
    /// may come in several parts, which are added).
    pub fn from_sums(plan: CountPlan, parts: impl IntoIterator<Item = CellSums>) -> Result<Self> {
        let mut by: std::collections::BTreeMap<u64, CellSums> = Default::default();
        let nf = plan.features.len() as u64;
        let limit = nf * BIN_SLOTS * plan.folds as u64 * plan.classes() as u64;
        for c in parts {
            if c.cell >= limit {
                return Err(Error::Data(format!(
                    "feature counts: cell {} is outside the plan",
                    c.cell
                )));
            }
            by.entry(c.cell)
                .or_insert(CellSums {
                    cell: c.cell,
                    ..CellSums::default()
                })
                .merge(&c);
        }
        let cells: Vec<CellSums> = by.into_values().collect();
        let per_feature = BIN_SLOTS * plan.folds as u64 * plan.classes() as u64;
        let rows = cells
            .iter()
            .filter(|c| c.cell < per_feature)
            .map(|c| c.n)
            .sum();
        Ok(FeatureCounts {
            plan,
            rows,
            cells,
            levels: Vec::new(),
            seconds: 0.0,
        })
    }

    /// These counts with the level aggregates of [`EncodingPlan`] (an engine's parts, in any
    /// order; a (column, level, feature) may come in several parts, which are added).
    pub fn with_levels(mut self, parts: impl IntoIterator<Item = LevelSums>) -> Result<Self> {
        let (columns, features) = (
            self.plan.encodings.level_columns.len() as u32,
            self.plan.encodings.numeric.len() as u32,
        );
        let width = self.plan.encoded_targets().len();
        let mut by: std::collections::BTreeMap<(u32, String, u32), LevelSums> = Default::default();
        for l in parts {
            if l.column >= columns || l.feature >= features || l.sums.len() != width {
                return Err(Error::Data(format!(
                    "feature counts: level aggregate ({}, {}) is outside the plan",
                    l.column, l.feature
                )));
            }
            match by.entry((l.column, l.level.clone(), l.feature)) {
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(&l),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(l);
                }
            }
        }
        self.levels = by.into_values().collect();
        Ok(self)
    }

    /// The level aggregates of level column `column` (by name) and numeric feature `feature`
    /// (by name): `(rows, target sums, least, greatest)` per level; `None` when the plan did
    /// not count that pair.
    pub fn level_stats(&self, column: &str, feature: &str) -> Option<Vec<&LevelSums>> {
        let e = &self.plan.encodings;
        let c = e.level_columns.iter().position(|n| n == column)? as u32;
        let f = e.numeric.iter().position(|n| n == feature)? as u32;
        Some(
            self.levels
                .iter()
                .filter(|l| l.column == c && l.feature == f)
                .collect(),
        )
    }

    /// The mean of each encoded target over every counted row.
    pub fn encoded_means(&self) -> Vec<f64> {
        let n = self.rows.max(1) as f64;
        match &self.plan.target {
            TargetPlan::Classes { .. } => {
                let totals = self.class_totals();
                self.plan
                    .encoded_targets()
                    .iter()
                    .map(|t| totals[t.unwrap_or(0) as usize] / n)
                    .collect()
            }
            TargetPlan::Values { shift, .. } => {
                let d = self.dense(0);
                vec![shift + d.sums.iter().map(|s| s.sum).sum::<f64>() / n]
            }
        }
    }

    /// The in-memory producer: the counts of the rows of `ds`, binned as `x`, under `plan`
    /// (which must be `CountPlan::new(ds, x, ..)`).
    pub fn of_binned(plan: CountPlan, ds: &Dataset, x: &BinnedMatrix) -> Self {
        let nf = x.features();
        let mut rows = RowCells {
            features: nf,
            ..RowCells::default()
        };
        for r in 0..x.rows {
            let fold = fold_of(x.row_keys[r], plan.seed, plan.folds);
            let (c, v, rank) = match (&ds.target, &plan.target) {
                (Target::Classes { y, .. }, _) => (y[r], 0.0, 0.0),
                (
                    Target::Values(y),
                    TargetPlan::Values {
                        shift, quantiles, ..
                    },
                ) => (0, y[r] - shift, rank_of(quantiles, y[r])),
                (Target::Values(_), TargetPlan::Classes { .. }) => (0, 0.0, 0.0),
            };
            rows.cells
                .extend((0..nf).map(|f| plan.cell(f, x.cols[f][r], fold, c)));
            rows.values.push(v);
            rows.ranks.push(rank);
        }
        let sums = rows.sums();
        Self::from_sums(plan, sums).expect("cells of the plan")
    }

    fn dense(&self, f: usize) -> Dense {
        let p = &self.plan;
        let (bins, classes, folds) = (p.features[f].bins, p.classes(), p.folds);
        let size = folds * bins * classes;
        let mut d = Dense {
            bins,
            classes,
            n: vec![0; size],
            sums: vec![CellSums::default(); size],
        };
        let lo = p.cell(f, 0, 0, 0);
        let hi = lo + BIN_SLOTS * folds as u64 * classes as u64;
        let start = self.cells.partition_point(|c| c.cell < lo);
        for c in self.cells[start..].iter().take_while(|c| c.cell < hi) {
            let local = c.cell - lo;
            let class = (local % classes as u64) as usize;
            let fold = ((local / classes as u64) % folds as u64) as usize;
            let bin = (local / classes as u64 / folds as u64) as usize;
            if bin >= bins {
                continue;
            }
            let i = (fold * bins + bin) * classes + class;
            d.n[i] += c.n;
            d.sums[i].merge(c);
        }
        d
    }

    /// Rows per (bin, class) of feature `f` over every counted row, all folds together, for
    /// its first `bins` bins (the sample's: a level the sample never saw is left out):
    /// `bin * classes + class`.
    pub fn bin_class_counts(&self, f: usize, bins: usize) -> Vec<f64> {
        let d = self.dense(f);
        let (k, bins) = (d.classes, bins.min(d.bins));
        let mut out = vec![0.0; bins * k];
        for fold in 0..self.plan.folds {
            for (b, row) in out.chunks_mut(k).enumerate() {
                for (c, v) in row.iter_mut().enumerate() {
                    *v += d.n[(fold * d.bins + b) * k + c] as f64;
                }
            }
        }
        out
    }

    /// Rows per class over every counted row.
    pub fn class_totals(&self) -> Vec<f64> {
        let d = self.dense(0);
        let mut out = vec![0.0; d.classes];
        for (i, &n) in d.n.iter().enumerate() {
            out[i % d.classes] += n as f64;
        }
        out
    }

    /// A numeric target's rows, sum and sum of squares (of `y - shift`) per bin of feature `f`
    /// over every counted row, for its first `bins` bins.
    pub fn bin_sums(&self, f: usize, bins: usize) -> Vec<(f64, f64, f64)> {
        let d = self.dense(f);
        let bins = bins.min(d.bins);
        let mut out = vec![(0.0, 0.0, 0.0); bins];
        for fold in 0..self.plan.folds {
            for (b, o) in out.iter_mut().enumerate() {
                let s = &d.sums[fold * d.bins + b];
                o.0 += s.n as f64;
                o.1 += s.sum;
                o.2 += s.sum_sq;
            }
        }
        out
    }

    /// The single-feature power of feature `f` over every counted row: the out-of-fold lookup
    /// table of the in-memory single-feature power, built from the counts and scored on them.
    pub fn power(&self, f: usize) -> Power {
        let d = self.dense(f);
        let ordered = self.plan.features[f].ordered;
        let folds = self.plan.folds;
        match &self.plan.target {
            TargetPlan::Classes { .. } => {
                single_feature::power_of_counts(&d.n, d.bins, ordered, d.classes, folds)
            }
            TargetPlan::Values { .. } => {
                let n: Vec<u64> = d.n.clone();
                let raw = single_feature::power_of_sums(
                    &n,
                    &d.sums.iter().map(|s| s.sum).collect::<Vec<_>>(),
                    &d.sums.iter().map(|s| s.sum_sq).collect::<Vec<_>>(),
                    d.bins,
                    ordered,
                    folds,
                );
                let on_ranks = single_feature::power_of_sums(
                    &n,
                    &d.sums.iter().map(|s| s.rank_sum).collect::<Vec<_>>(),
                    &d.sums.iter().map(|s| s.rank_sum_sq).collect::<Vec<_>>(),
                    d.bins,
                    ordered,
                    folds,
                );
                single_feature::better_of(raw, on_ranks)
            }
        }
    }

    /// Whether feature `f` is missing, against the target, over every counted row. A numeric
    /// target's indicator AUC reads the ranks of the plan (the sample's quantiles).
    pub fn missingness(&self, f: usize) -> MissingCounts {
        let d = self.dense(f);
        let k = d.classes;
        // Per class (or the one stratum of a number): rows, missing rows and their sums.
        let mut total = vec![CellSums::default(); k];
        let mut missing = vec![CellSums::default(); k];
        for fold in 0..self.plan.folds {
            for b in 0..d.bins {
                for c in 0..k {
                    let s = &d.sums[(fold * d.bins + b) * k + c];
                    total[c].merge(s);
                    if b == MISSING_BIN as usize {
                        missing[c].merge(s);
                    }
                }
            }
        }
        let rows: u64 = total.iter().map(|s| s.n).sum();
        let miss: u64 = missing.iter().map(|s| s.n).sum();
        let auc_power = |auc: f64| Power {
            power: (2.0 * auc - 1.0).abs(),
            metric: crate::metric::Metric::RocAuc,
            value: auc,
        };
        match &self.plan.target {
            TargetPlan::Classes { .. } => {
                let mut best = auc_power(0.5);
                for c in 0..k {
                    // "Missing" as the score of class c against the rest: a 2 x 2 table.
                    let pos = total[c].n as f64;
                    let neg = (rows - total[c].n) as f64;
                    if pos == 0.0 || neg == 0.0 {
                        continue;
                    }
                    let pos_missing = missing[c].n as f64;
                    let neg_missing = (miss - missing[c].n) as f64;
                    let (pos_present, neg_present) = (pos - pos_missing, neg - neg_missing);
                    let auc = (pos_missing * neg_present
                        + 0.5 * (pos_missing * neg_missing + pos_present * neg_present))
                        / (pos * neg);
                    let p = auc_power(auc);
                    if p.power > best.power {
                        best = p;
                    }
                    if k == 2 {
                        break;
                    }
                }
                MissingCounts {
                    rows,
                    missing: miss,
                    power: best,
                    rate_by_class: (0..k)
                        .map(|c| missing[c].n as f64 / total[c].n.max(1) as f64)
                        .collect(),
                    means: None,
                }
            }
            TargetPlan::Values { shift, .. } => {
                let (t, m) = (&total[0], &missing[0]);
                let (n, nm) = (t.n as f64, m.n as f64);
                let np = n - nm;
                // Mann-Whitney from the ranks: the missing rows' rank sum on 1..n.
                let auc = if nm > 0.0 && np > 0.0 {
                    let rank_sum = nm + (n - 1.0) * m.rank_sum;
                    ((rank_sum - nm * (nm + 1.0) / 2.0) / (nm * np)).clamp(0.0, 1.0)
                } else {
                    0.5
                };
                MissingCounts {
                    rows,
                    missing: miss,
                    power: auc_power(auc),
                    rate_by_class: Vec::new(),
                    means: Some((
                        shift + m.sum / nm.max(1.0),
                        shift + (t.sum - m.sum) / np.max(1.0),
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::Roles;
    use crate::surrogate::Labels;

    /// A table of text columns, typed as a CSV file's.
    pub(crate) fn csv(header: &[&str], rows: &[Vec<String>]) -> Table {
        header
            .iter()
            .enumerate()
            .fold(Table::builder(), |b, (i, h)| {
                b.text(*h, rows.iter().map(|r| r[i].clone()))
            })
            .build()
            .unwrap()
    }

    /// `n` rows: a numeric `x`, a category `code`, `gappy` missing more often for class `a`,
    /// and the target `y` (three classes or a number).
    pub(crate) fn table(n: usize, classes: bool) -> Table {
        let rows: Vec<Vec<String>> = (0..n)
            .map(|i| {
                let h = splitmix64(i as u64);
                let y = if classes {
                    ["a", "b", "c"][(h % 3) as usize].to_string()
                } else {
                    format!("{:.3}", (h % 1000) as f64 / 7.0)
                };
                let x = (h >> 20) % 997 + if classes { 0 } else { h % 1000 / 3 };
                let code = ["p", "q", "r", "s"][((h >> 40) % 4) as usize].to_string();
                let gappy = if (h >> 50).is_multiple_of(5)
                    || (classes && h.is_multiple_of(3) && (h >> 8).is_multiple_of(2))
                {
                    String::new()
                } else {
                    format!("{}", (h >> 30) % 50)
                };
                vec![x.to_string(), code, gappy, y]
            })
            .collect();
        csv(&["x", "code", "gappy", "y"], &rows)
    }

    pub(crate) fn roles() -> Roles {
        Roles {
            target: "y".into(),
            ..Roles::default()
        }
    }

    /// The engines' path (binning the raw table under the plan) places every row in the cell
    /// the in-memory path does, and the power from the counts is the row-by-row power under
    /// the same folds.
    #[test]
    fn engine_cells_equal_in_memory_cells_and_power() {
        for classes in [true, false] {
            let t = table(3_000, classes);
            let ds = Dataset::from_frame(t.clone().into_frame(), &roles()).unwrap();
            let x = BinnedMatrix::from_columns(&ds.features);
            let plan = CountPlan::new(&ds, &x, 7, 5);
            let mem = FeatureCounts::of_binned(plan.clone(), &ds, &x);
            let rows = plan.cells(t).unwrap();
            let engine = FeatureCounts::from_sums(plan.clone(), rows.sums()).unwrap();
            assert_eq!(mem.rows, 3_000);
            assert_eq!(mem.cells.len(), engine.cells.len());
            for (a, b) in mem.cells.iter().zip(&engine.cells) {
                assert_eq!((a.cell, a.n), (b.cell, b.n));
                assert!((a.sum - b.sum).abs() < 1e-6 && (a.rank_sum - b.rank_sum).abs() < 1e-9);
            }
            let folds: Vec<u8> = x.row_keys.iter().map(|&k| fold_of(k, 7, 5)).collect();
            let ranks = match &ds.target {
                Target::Values(y) => single_feature::ranks(y),
                Target::Classes { .. } => Vec::new(),
            };
            let labels = match &ds.target {
                Target::Classes { y, classes } => Labels::Classes {
                    y,
                    k: classes.len(),
                },
                Target::Values(y) => Labels::Values(y),
            };
            for f in 0..x.features() {
                let ordered = x.kinds[f] == BinKind::Ordered;
                let by_row =
                    single_feature::power(&x.cols[f], x.n_bins[f], ordered, &labels, &folds, 5);
                let counted = engine.power(f);
                if classes || counted.metric == crate::metric::Metric::R2 {
                    assert_eq!(by_row.metric, counted.metric);
                    assert!(
                        (by_row.value - counted.value).abs() < 1e-9,
                        "{f}: {by_row:?} {counted:?}"
                    );
                } else {
                    // The rank variant won: its ranks are the sample quantiles', so it is held
                    // to the exact ranks' power loosely, and the raw R² stays below it.
                    let exact = single_feature::power(
                        &x.cols[f],
                        x.n_bins[f],
                        ordered,
                        &Labels::Values(&ranks),
                        &folds,
                        5,
                    );
                    assert!(
                        (exact.power - counted.power).abs() < 0.01,
                        "{exact:?} {counted:?}"
                    );
                    assert!(by_row.power <= counted.power, "{by_row:?} {counted:?}");
                }
            }
        }
    }

    #[test]
    fn unseen_levels_and_numbers_beyond_the_sample_are_counted() {
        let rows: Vec<Vec<String>> = (1..=10)
            .map(|i| vec![i.to_string(), ["a", "b"][i % 2].into(), (i % 2).to_string()])
            .collect();
        let sample = csv(&["x", "c", "y"], &rows);
        let ds = Dataset::from_frame(sample.into_frame(), &roles()).unwrap();
        let x = BinnedMatrix::from_columns(&ds.features);
        let plan = CountPlan::new(&ds, &x, 3, 2);
        let all = csv(
            &["x", "c", "y"],
            &[
                vec!["-5".into(), "zz".into(), "0".into()],
                vec!["99".into(), "a".into(), "1".into()],
                vec!["".into(), "b".into(), "2".into()],
            ],
        );
        let rows = plan.cells(all).unwrap();
        // The class 2 was not in the sample: that row is left out.
        assert_eq!(rows.rows(), 2);
        let bin = |r: usize, f: usize| {
            let c = rows.cells[r * 2 + f] / plan.folds as u64 / 2;
            (c % BIN_SLOTS) as u8
        };
        assert_eq!(bin(0, 0), 1, "below the first edge: the first bin");
        assert_eq!(bin(1, 0), 10, "above the last edge: the last bin");
        assert_eq!(bin(0, 1), plan.features[1].other);
        assert_eq!(
            plan.features[1].bins, 4,
            "a bin for levels the sample never saw"
        );
    }
}
