//! [`Settings`]: everything that shapes an audit besides the data and the roles of its columns,
//! validated once. Recorded in `report.json` under `settings`.

use serde::{Deserialize, Serialize};

use crate::checks::Thresholds;
use crate::error::{Error, Result};
use crate::importance::EngineSettings;
use crate::split::SplitSettings;
use crate::surrogate::SurrogateKind;

/// Fewest and most cross-validation folds.
pub const FOLDS: std::ops::RangeInclusive<usize> = 2..=20;
/// Fewest and most permutation repeats.
pub const REPEATS: std::ops::RangeInclusive<usize> = 1..=100;

/// Everything that shapes an audit besides the data and the roles of its columns. Recorded in
/// `report.json` under `settings` (with `engine.folds` as used: at most the number of rows).
///
/// Build one through [`Audit`](crate::Audit)'s methods, or change the fields and pass it to
/// [`Audit::settings`](crate::Audit::settings); either way [`Audit::check`](crate::Audit::check) validates it before any work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Seed of every random step (folds, sampling, permutations, models).
    pub seed: u64,
    /// Surrogate model family.
    pub surrogate: SurrogateKind,
    /// Cross-validation, permutation and drop-column settings.
    pub engine: EngineSettings,
    /// Detection thresholds.
    pub thresholds: Thresholds,
    /// Features known to be legitimate: no findings are reported on them, and peeling never
    /// removes them.
    pub allow: Vec<String>,
    /// Refit without the flagged features to find leaks hidden behind them.
    pub peel: bool,
    /// Audit a reproducible sample of at most this many rows (stratified by the target).
    pub max_rows: Option<usize>,
    /// Split-aware check settings.
    pub split: SplitSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 42,
            surrogate: SurrogateKind::Gbm,
            engine: EngineSettings::default(),
            thresholds: Thresholds::default(),
            allow: Vec::new(),
            peel: true,
            max_rows: None,
            split: SplitSettings::default(),
        }
    }
}

impl Settings {
    /// Check every value; the first invalid one is an [`Error::Setting`] naming it.
    ///
    /// ```
    /// let mut s = leakhound::Settings::default();
    /// assert!(s.validate().is_ok());
    /// s.engine.repeats = 0;
    /// let e = s.validate().unwrap_err();
    /// assert!(matches!(e, leakhound::Error::Setting { ref name, .. } if name == "repeats"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, problem: String| {
            Err(Error::Setting {
                name: name.into(),
                problem,
            })
        };
        let e = &self.engine;
        if !FOLDS.contains(&e.folds) {
            return bad(
                "folds",
                format!("must be between 2 and 20, got {}", e.folds),
            );
        }
        if !REPEATS.contains(&e.repeats) {
            return bad(
                "repeats",
                format!("must be between 1 and 100, got {}", e.repeats),
            );
        }
        for (name, v) in [
            ("permutation_rows", e.permutation_rows),
            ("drop_column_rows", e.drop_column_rows),
            ("max_fit_rows", e.max_fit_rows),
        ] {
            if v < 10 {
                return bad(name, format!("must be at least 10, got {v}"));
            }
        }
        if !(e.cluster_threshold > 0.0 && e.cluster_threshold <= 1.0) {
            return bad(
                "cluster_threshold",
                format!("must be in (0, 1], got {}", e.cluster_threshold),
            );
        }
        let tol = self.split.dup_tolerance;
        if !(tol.is_finite() && tol >= 0.0) {
            return bad(
                "dup_tolerance",
                format!("must be a non-negative number, got {tol}"),
            );
        }
        if self.max_rows == Some(0) {
            return bad("max_rows", "must be at least 1".into());
        }
        self.thresholds
            .validate()
            .map_err(|(name, problem)| Error::Setting { name, problem })
    }
}
