//! Metric names, once: the names `report.json` uses for scores (`roc_auc`, `r2`, ...) and the
//! words people read ("AUC", "R²"). A leaf module: scoring, the checks, the reports and
//! `compare` all name metrics through [`Metric`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A score's name.
///
/// ```
/// use leakhound::Metric;
/// assert_eq!(Metric::RocAuc.as_str(), "roc_auc");
/// assert_eq!(Metric::RankR2.words(), "R² on the target's ranks");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Area under the ROC curve (binary).
    RocAuc,
    /// Mean one-vs-rest AUC (multiclass).
    MacroAuc,
    /// Coefficient of determination (regression).
    R2,
    /// R² against the target's ranks (regression, heavy tails).
    RankR2,
    /// Share of rows classified right.
    Accuracy,
    /// Mean F1 over the classes (multiclass).
    MacroF1,
    /// Mean negative log-likelihood of the true class.
    LogLoss,
    /// Mean absolute error (regression).
    Mae,
    /// The score every importance is measured in: Brier skill (classes) or R² (values).
    Skill,
}

crate::names::names!(Metric {
    RocAuc => "roc_auc",
    MacroAuc => "macro_auc",
    R2 => "r2",
    RankR2 => "rank_r2",
    Accuracy => "accuracy",
    MacroF1 => "macro_f1",
    LogLoss => "log_loss",
    Mae => "mae",
    Skill => "skill",
});

impl Metric {
    /// The headline metrics, in the order a table of scores is read for one.
    pub const HEADLINES: [Metric; 3] = [Metric::RocAuc, Metric::MacroAuc, Metric::R2];

    /// Whether a smaller value is better (a loss or an error).
    pub fn lower_is_better(self) -> bool {
        matches!(self, Metric::LogLoss | Metric::Mae)
    }

    /// How a person reads it.
    pub fn words(self) -> &'static str {
        match self {
            Metric::RocAuc => "AUC",
            Metric::MacroAuc => "macro AUC",
            Metric::R2 => "R²",
            Metric::RankR2 => "R² on the target's ranks",
            Metric::Accuracy => "accuracy",
            Metric::MacroF1 => "macro F1",
            Metric::LogLoss => "log loss",
            Metric::Mae => "mean absolute error",
            Metric::Skill => "skill",
        }
    }

    /// Its value in a table of scores (`out_of_fold`, `user_model.metrics`).
    pub fn of(self, scores: &BTreeMap<String, f64>) -> Option<f64> {
        scores.get(self.as_str()).copied()
    }

    /// The headline score of a table of scores: AUC, macro AUC or R², else skill.
    pub fn headline(scores: &BTreeMap<String, f64>) -> (Metric, f64) {
        Metric::HEADLINES
            .iter()
            .find_map(|&m| m.of(scores).map(|v| (m, v)))
            .unwrap_or((Metric::Skill, Metric::Skill.of(scores).unwrap_or(0.0)))
    }
}
