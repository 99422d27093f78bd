//! Findings: what the audit concludes, each with a [`FindingKind`], a [`Severity`], one sentence
//! and the numbers behind it. A leaf module: every check, the split checks, the model audit,
//! `compare` and the renderers build on it, and it imports nothing above itself.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How sure the audit is that a finding is a leak.
///
/// Ordered: `Low < Medium < High < Critical`, so `report.max_severity() >= Some(Severity::High)`
/// is the usual gate.
///
/// ```
/// use leakhound::Severity;
/// assert!(Severity::Critical > Severity::High);
/// assert_eq!("high".parse::<Severity>().unwrap(), Severity::High);
/// assert_eq!(Severity::Medium.to_string(), "medium");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Review before trusting the model.
    Medium,
    /// Probably a leak.
    High,
    /// Almost certainly a leak.
    Critical,
}

crate::names::names!(Severity {
    Low => "low",
    Medium => "medium",
    High => "high",
    Critical => "critical",
});

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// What a finding is about. Serialised in snake_case (`near_perfect_predictor`), the
        /// names `report.json` has always used.
        ///
        /// ```
        /// use leakhound::FindingKind;
        /// assert_eq!(FindingKind::NearPerfectPredictor.as_str(), "near_perfect_predictor");
        /// assert!(FindingKind::TargetProxy.is_leak_signature());
        /// assert!(!FindingKind::StrongPredictor.is_leak_signature());
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum FindingKind {
            $( $(#[$doc])* $variant, )*
        }

        impl FindingKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [FindingKind] = &[ $( FindingKind::$variant, )* ];

            /// The snake_case name used in `report.json`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( FindingKind::$variant => $name, )*
                }
            }
        }
    };
}

kinds! {
    /// A feature predicts the target (almost) perfectly on its own.
    NearPerfectPredictor => "near_perfect_predictor",
    /// A strong predictor below near-perfect: a note, likely legitimate.
    StrongPredictor => "strong_predictor",
    /// A feature that predicts the target perfectly on part of the rows.
    PartialLeak => "partial_leak",
    /// A follow-up length beside an event-status target: it ends with the event or at
    /// censoring, so it exists only once the outcome is known.
    CensoringTime => "censoring_time",
    /// Several features that reconstruct the target together.
    MultiFeatureLeak => "multi_feature_leak",
    /// One feature (or cluster) carries most of the surrogate's importance.
    DominantFeature => "dominant_feature",
    /// A value, category or interval where the target is (almost) constant.
    PureSegment => "pure_segment",
    /// Whether a value is missing predicts the target.
    MissingnessLeak => "missingness_leak",
    /// A categorical whose levels each map to one class (a code for the label).
    TargetProxy => "target_proxy",
    /// An identifier (row id, sorted key) that predicts the target.
    IdentifierLeak => "identifier_leak",
    /// Out-of-fold scores real data rarely allows.
    SuspiciousPerformance => "suspicious_performance",
    /// A feature carrying the same information as a flagged leak.
    LeakCompanion => "leak_companion",
    /// A target encoding computed on the rows it encodes (in-sample or leave-one-out).
    TargetEncoding => "target_encoding",
    /// Test rows interpolated between training rows: oversampling (SMOTE) before the split.
    OversampledBeforeSplit => "oversampled_before_split",
    /// A count or frequency encoding computed over the training and test rows together.
    EncodedWithTestRows => "encoded_with_test_rows",
    /// The user's model puts much of its importance on likely leaks.
    ModelReliesOnLeak => "model_relies_on_leak",
    /// The same or near-same rows on both sides of a split.
    TrainTestDuplicates => "train_test_duplicates",
    /// Train and test differ (adversarial validation, unseen categories).
    TrainTestShift => "train_test_shift",
    /// Test rows continue the training rows' index or id sequence.
    IndexOverlap => "index_overlap",
    /// Train and test have different columns.
    SchemaMismatch => "schema_mismatch",
    /// Future information: test rows before training rows, features from the future.
    TemporalLeak => "temporal_leak",
    /// The same entity (patient, customer) in train and test.
    GroupOverlap => "group_overlap",
    /// `compare`: a leak finding present in the new report only.
    NewLeak => "new_leak",
    /// `compare`: a feature's importance share jumped between versions.
    ImportanceJump => "importance_jump",
    /// `compare`: the headline metric jumped between versions.
    MetricJump => "metric_jump",
    /// `compare`: a leak finding of the old report that is gone, or a model that no longer
    /// relies on flagged features.
    Resolved => "resolved",
    /// `compare`: both versions' models rely on features flagged as leaks, by about as much.
    StillReliesOnLeak => "still_relies_on_leak",
    /// `compare`: the new model relies more on features flagged as leaks than the old one.
    RelianceRise => "reliance_rise",
}

impl FindingKind {
    /// Whether the kind says "this feature leaks" (as opposed to notes, dataset-level findings
    /// and findings about the user's model or a comparison).
    pub fn is_leak_signature(self) -> bool {
        matches!(
            self,
            FindingKind::NearPerfectPredictor
                | FindingKind::PureSegment
                | FindingKind::MissingnessLeak
                | FindingKind::IdentifierLeak
                | FindingKind::TargetProxy
                | FindingKind::DominantFeature
                | FindingKind::PartialLeak
                | FindingKind::CensoringTime
                | FindingKind::TemporalLeak
                | FindingKind::MultiFeatureLeak
                | FindingKind::LeakCompanion
                | FindingKind::TargetEncoding
        )
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FindingKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FindingKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown finding kind '{s}'"))
    }
}

/// One thing the audit found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The feature concerned, or `None` for dataset-level findings.
    pub feature: Option<String>,
    /// All features involved (one for single-feature findings; several for multi-feature leaks).
    #[serde(default)]
    pub features: Vec<String>,
    /// What it is about.
    pub kind: FindingKind,
    /// How sure the audit is.
    pub severity: Severity,
    /// One sentence a person understands.
    pub message: String,
    /// The numbers behind it (names and meaning depend on the kind: each check's `Evidence`
    /// struct declares them).
    pub evidence: BTreeMap<String, Value>,
    /// The picture of a pipeline leak, drawn as `pipeline_<feature>.png`. In `report.json` it is
    /// `evidence.plot`; a report read back from a file has none.
    #[serde(skip)]
    pub picture: Option<Picture>,
}

/// The picture of a leak made by the preparation pipeline, in the data's units.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Picture {
    /// Named point series: a target encoding's largest levels, the feature against each row's
    /// own target.
    Levels {
        /// The horizontal axis.
        x_label: String,
        /// The vertical axis.
        y_label: String,
        /// The series.
        series: Vec<PointSeries>,
    },
    /// Rows lying between two others: (parent a, parent b, the row between them), each
    /// (x, y), as oversampling before the split makes them.
    Segments {
        /// The horizontal axis.
        x_label: String,
        /// The vertical axis.
        y_label: String,
        /// The triples.
        segments: Vec<[[f64; 2]; 3]>,
    },
}

/// Named points of a [`Picture`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointSeries {
    /// The legend's name.
    pub name: String,
    /// (x, y) points.
    pub points: Vec<[f64; 2]>,
}

impl Finding {
    /// A finding on `feature` (or the dataset when `None`). `evidence` is the kind's evidence
    /// struct (a check's `Evidence`, deriving `Serialize`): its fields become the report's
    /// `evidence` object; anything that does not serialise to an object gives empty evidence.
    pub(crate) fn new(
        feature: Option<&str>,
        kind: FindingKind,
        severity: Severity,
        message: String,
        evidence: impl Serialize,
    ) -> Finding {
        let evidence = match serde_json::to_value(evidence) {
            Ok(Value::Object(m)) => m.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        Finding {
            feature: feature.map(str::to_string),
            features: feature.map(|f| vec![f.to_string()]).unwrap_or_default(),
            kind,
            severity,
            message,
            evidence,
            picture: None,
        }
    }

    /// The finding with its picture (kept in the evidence as `plot` too).
    pub(crate) fn with_picture(mut self, picture: Picture) -> Finding {
        if let Ok(v) = serde_json::to_value(&picture) {
            self.evidence.insert("plot".into(), v);
        }
        self.picture = Some(picture);
        self
    }

    /// Mark a near-perfect predictor corroborated by other signals on its feature (their kinds).
    pub(crate) fn corroborated_by(&mut self, kinds: &[String]) {
        self.evidence
            .insert("corroborated_by".into(), Value::from(kinds.to_vec()));
    }

    /// Mark a pure segment that another leak signal on its feature agrees with.
    pub(crate) fn mark_corroborated(&mut self) {
        self.evidence
            .insert("corroborated".into(), Value::Bool(true));
    }

    /// Record whether a flagged leak explains a near-perfect score (`suspicious_performance`).
    pub(crate) fn mark_explained(&mut self, explained: bool) {
        self.evidence
            .insert("explained_by_flagged_leak".into(), Value::Bool(explained));
    }

    /// Mark a dominant feature found after peeling as determining the target, with the share of
    /// skill lost without it.
    pub(crate) fn mark_determines_target(&mut self, collapse: f64) {
        self.evidence
            .insert("determines_target".into(), Value::Bool(true));
        self.evidence
            .insert("collapse_without_it".into(), Value::from(collapse));
    }

    /// Mark a finding made from the user's model's importances.
    pub(crate) fn mark_from_user_model(&mut self) {
        self.evidence
            .insert("importance_source".into(), Value::from("user_model"));
    }

    /// Record the user's model's share of importance on the finding's feature; `keep` leaves
    /// one already recorded.
    pub(crate) fn set_user_model_share(&mut self, share: Option<f64>, keep: bool) {
        let value = share.map_or(Value::Null, Value::from);
        if keep {
            self.evidence
                .entry("user_model_importance_share".into())
                .or_insert(value);
        } else {
            self.evidence
                .insert("user_model_importance_share".into(), value);
        }
    }

    /// Whether the finding concerns feature `name` (as its feature or one of its features).
    pub fn concerns(&self, name: &str) -> bool {
        self.feature.as_deref() == Some(name) || self.features.iter().any(|n| n == name)
    }

    // The evidence other modules build on, read here only: the key names are this module's,
    // and a reader gets a typed value, never a JSON lookup of its own.

    fn flag(&self, key: &str) -> Option<bool> {
        self.evidence.get(key).and_then(Value::as_bool)
    }

    /// The share of the importance the feature carries (`dominant_feature`).
    pub fn importance_share(&self) -> Option<f64> {
        self.evidence
            .get("importance_share")
            .and_then(Value::as_f64)
    }

    /// Whether the finding reads the user's model's importances rather than the surrogate's
    /// (a dominance re-run on them, a comparison of models).
    pub fn from_user_model(&self) -> bool {
        self.evidence
            .get("importance_source")
            .and_then(Value::as_str)
            == Some("user_model")
    }

    /// The flagged features peeled off before this finding appeared (`dominant_feature` after
    /// peeling).
    pub fn after_peeling(&self) -> Vec<String> {
        self.evidence
            .get("after_peeling")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A pure segment defined by a sentinel (missing, 0, -1, a placeholder category).
    pub fn sentinel(&self) -> Option<bool> {
        self.flag("sentinel")
    }

    /// A pure segment defined by one value (or all but one).
    pub fn point_defined(&self) -> Option<bool> {
        self.flag("point_defined")
    }

    /// A near-perfect score that one feature carries (`suspicious_performance`).
    pub fn concentrated(&self) -> bool {
        self.flag("concentrated") == Some(true)
    }

    /// Whether an independent signal already corroborated the finding.
    pub fn corroborated(&self) -> bool {
        self.evidence.contains_key("corroborated_by")
    }
}

/// Most severe first, then by kind name and feature, for a stable order.
pub(crate) fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
            .then_with(|| a.feature.cmp(&b.feature))
    });
}

/// Serialise (name, value) pairs as an object, in their order (evidence keyed by column).
pub(crate) fn as_object<S: serde::Serializer>(
    pairs: &[(String, f64)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// Round to four decimals, for evidence.
pub(crate) fn r4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// A share as a percent string ("12.3%", "<0.1%", ">99.9%").
pub(crate) fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p > 0.0 && p < 0.1 {
        "<0.1%".into()
    } else if (99.95..100.0).contains(&p) {
        ">99.9%".into()
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for &k in FindingKind::ALL {
            assert_eq!(k.as_str().parse::<FindingKind>().unwrap(), k);
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert!("nope".parse::<FindingKind>().is_err());
    }

    #[test]
    fn severities_parse_case_insensitively() {
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("severe".parse::<Severity>().is_err());
    }
}
