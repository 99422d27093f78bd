//! Every detection threshold in one place, with the reasoning behind each. All are overridable
//! from the command line (`--threshold KEY=VALUE`) and from `leakhound.toml`, and recorded in
//! `report.json` under `settings.thresholds`.

use serde::{Deserialize, Serialize};

/// Detection thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Single-feature power at which a feature is "near-perfect" (binary: AUC >= 0.99).
    /// Legitimate features rarely predict a real outcome this well alone.
    pub near_perfect_power: f64,
    /// Power at which a feature is a "strong predictor, review" (low; medium halfway to
    /// near-perfect).
    pub strong_power: f64,
    /// Share of permutation importance above which one feature (or cluster) dominates.
    pub dominant_share: f64,
    /// Fraction of the model's skill lost without the feature for it to be dominant.
    pub dominant_collapse: f64,
    /// Share of the importance at which a dominant feature that is also a strong predictor
    /// alone (`strong_power`) *determines* the target: the model needs nothing else. Legitimate
    /// dominant features carry 57-77% of the importance in real tables and predict far less
    /// alone; a post-outcome field or a label code carries 88% to all of it.
    pub determining_share: f64,
    /// Smallest share of rows a pure segment must cover.
    pub segment_min_support: f64,
    /// Smallest number of rows a pure segment must cover.
    pub segment_min_rows: usize,
    /// Majority-class share inside a segment for it to be pure.
    pub segment_purity: f64,
    /// Majority-class share for a segment defined by one exact value (or all but one value):
    /// looser than `segment_purity` because post-outcome fields lag for a few rows.
    pub segment_point_purity: f64,
    /// Agreement (Matthews correlation) between "the feature has this one value" and "the target
    /// is this class" at which the value is the class spelled another way: pure inside *and*
    /// the class (almost) absent outside, as a severity code's "killed" or a one-class dummy.
    /// A legitimate value is pure on one side at most (an island where one species lives).
    pub segment_indicator_mcc: f64,
    /// Regression: share of the trivial rule's errors a sentinel segment must remove when it
    /// marks a threshold of the target (high halfway between this and 1).
    pub segment_error_reduction: f64,
    /// Missing-indicator power for a missingness leak (high at 0.5, medium at this).
    pub missingness_power: f64,
    /// Power at which an identifier-like column is flagged (high at 0.5).
    pub identifier_power: f64,
    /// Share of rows in (almost) single-class categories for a target proxy.
    pub proxy_pure_share: f64,
    /// Out-of-fold score (AUC, macro-AUC or R²) that real data rarely allows.
    pub suspicious_score: f64,
    /// Rounds of iterative peeling at most.
    pub max_peel_rounds: usize,
    /// Majority share within a category for a target proxy (a copy with a few flips still maps).
    pub proxy_level_purity: f64,
    /// Share of a peeled model's importance that makes a column part of a multi-feature leak...
    pub synergy_share: f64,
    /// ... when its own single-feature power stays below this.
    pub synergy_max_power: f64,
    /// Random K-fold beating group K-fold by this much (headline metric) shows group overlap.
    pub group_gap: f64,
    /// Random K-fold beating time-ordered validation by this much is reported.
    pub time_gap: f64,
    /// A feature is derived from the target when its values at t-3..t+2 explain this much...
    pub temporal_derived_r2: f64,
    /// ... and uses the future when t+1, t+2 explain this share of what the present and past
    /// leave unexplained (medium at half).
    pub temporal_future_share: f64,
    /// Share of the user's model's importance on features flagged `high` or above by a leak
    /// signature at which the model is said to rely on a likely leak (`model_relies_on_leak`).
    pub model_reliance_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            near_perfect_power: 0.98,
            strong_power: 0.9,
            dominant_share: 0.5,
            dominant_collapse: 0.5,
            determining_share: 0.85,
            segment_min_support: 0.05,
            segment_min_rows: 30,
            segment_purity: 0.99,
            segment_point_purity: 0.97,
            segment_indicator_mcc: 0.9,
            segment_error_reduction: 0.9,
            missingness_power: 0.3,
            identifier_power: 0.3,
            proxy_pure_share: 0.9,
            suspicious_score: 0.99,
            max_peel_rounds: 3,
            proxy_level_purity: 0.9,
            synergy_share: 0.1,
            synergy_max_power: 0.5,
            group_gap: 0.02,
            time_gap: 0.1,
            temporal_derived_r2: 0.8,
            temporal_future_share: 0.5,
            model_reliance_share: 0.25,
        }
    }
}

impl Thresholds {
    /// Set one threshold by name from a string value.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let mut v = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
        let obj = v.as_object_mut().ok_or("thresholds are not an object")?;
        if !obj.contains_key(key) {
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            return Err(format!(
                "unknown threshold '{key}' (known: {})",
                keys.join(", ")
            ));
        }
        let slot = obj.get_mut(key).ok_or("unknown threshold")?;
        let parsed: f64 = value
            .parse()
            .map_err(|_| format!("threshold '{key}' needs a number, got '{value}'"))?;
        *slot = if slot.is_u64() {
            if parsed < 0.0 || parsed.fract() != 0.0 {
                return Err(format!(
                    "threshold '{key}' needs a whole number, got '{value}'"
                ));
            }
            serde_json::json!(parsed as u64)
        } else {
            serde_json::json!(parsed)
        };
        *self = serde_json::from_value(v).map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl Thresholds {
    /// Check that every threshold is in range: shares, powers and scores in [0, 1], at least
    /// one row for a segment. The error names the threshold and the problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let v =
            serde_json::to_value(self).map_err(|e| ("thresholds".to_string(), e.to_string()))?;
        for (name, value) in v.as_object().into_iter().flatten() {
            if value.is_u64() {
                continue;
            }
            let x = value.as_f64().unwrap_or(f64::NAN);
            if !(0.0..=1.0).contains(&x) {
                return Err((
                    name.clone(),
                    format!("must be a number between 0 and 1, got {x}"),
                ));
            }
        }
        if self.segment_min_rows == 0 {
            return Err(("segment_min_rows".into(), "must be at least 1".into()));
        }
        Ok(())
    }
}

/// Power a feature with no signal can reach by chance on `n` rows (about four standard errors
/// of the normalised AUC), so small datasets do not raise alarms on noise.
pub fn noise_floor(n: usize) -> f64 {
    let n = n.max(4) as f64;
    (8.0 * ((n + 1.0) / (3.0 * n * n)).sqrt()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_by_name() {
        let mut t = Thresholds::default();
        t.set("near_perfect_power", "0.9").unwrap();
        assert_eq!(t.near_perfect_power, 0.9);
        t.set("segment_min_rows", "10").unwrap();
        assert_eq!(t.segment_min_rows, 10);
        assert!(t
            .set("nope", "1")
            .unwrap_err()
            .contains("unknown threshold"));
        assert!(t.set("segment_min_rows", "1.5").is_err());
    }

    #[test]
    fn validate_names_the_threshold() {
        assert!(Thresholds::default().validate().is_ok());
        let t = Thresholds {
            strong_power: 1.5,
            ..Default::default()
        };
        assert_eq!(t.validate().unwrap_err().0, "strong_power");
        let t = Thresholds {
            group_gap: -0.1,
            ..Default::default()
        };
        assert_eq!(t.validate().unwrap_err().0, "group_gap");
    }

    #[test]
    fn noise_floor_shrinks_with_n() {
        assert!(noise_floor(150) > 0.3);
        assert!(noise_floor(100_000) < 0.02);
    }
}
