//! Every detection threshold a user may tune, in one place, with the reasoning behind each. All
//! are overridable (the command line's `--threshold KEY=VALUE`, `leakhound.toml`'s
//! `[thresholds]`, Python's keywords, `Audit::threshold`) and recorded in `report.json` under
//! `settings.thresholds`. The other numbers the checks compare against are named constants in
//! the check that reads them, each saying why it is not a setting (a work budget, a sample-size
//! guard, exactness, a severity step in proportion to a threshold); a test of
//! `tests/architecture.rs` refuses an unnamed one.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One threshold's definition: what validation, `--threshold`, `leakhound.toml`, Python's
/// `thresholds=` and the README's table are checked against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdSpec {
    /// Its name (a field of [`Thresholds`]).
    pub name: &'static str,
    /// Whether it takes whole numbers (a count of rows or rounds).
    pub whole: bool,
    /// Its default.
    pub default: f64,
    /// Smallest valid value.
    pub min: f64,
    /// Largest valid value.
    pub max: f64,
    /// What it means and why its default, as documented on the field.
    pub doc: &'static str,
}

/// The type of a threshold: a number or a count.
trait Value: Copy {
    const WHOLE: bool;
    fn to_f64(self) -> f64;
    fn from_f64(x: f64) -> Self;
}

impl Value for f64 {
    const WHOLE: bool = false;
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(x: f64) -> Self {
        x
    }
}

impl Value for usize {
    const WHOLE: bool = true;
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(x: f64) -> Self {
        x as usize
    }
}

/// Declares every threshold once: `name: type = default, min..=max;` with its doc comment. The
/// struct, its default, [`Thresholds::SPECS`], setting by name and validation all come from
/// this list.
macro_rules! thresholds {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ident = $default:literal, $lo:literal ..= $hi:literal; )*) => {
        /// Detection thresholds.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Thresholds {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Default for Thresholds {
            fn default() -> Self {
                Thresholds { $( $name: $default, )* }
            }
        }

        impl Thresholds {
            /// Every threshold's definition, in declaration order.
            pub const SPECS: &'static [ThresholdSpec] = &[ $(
                ThresholdSpec {
                    name: stringify!($name),
                    whole: <$ty as Value>::WHOLE,
                    default: $default as f64,
                    min: $lo as f64,
                    max: $hi as f64,
                    doc: concat!($($doc, "\n"),*),
                },
            )* ];

            /// A threshold's value by name.
            pub fn get(&self, name: &str) -> Option<f64> {
                match name {
                    $( stringify!($name) => Some(Value::to_f64(self.$name)), )*
                    _ => None,
                }
            }

            fn assign(&mut self, name: &str, value: f64) {
                match name {
                    $( stringify!($name) => self.$name = <$ty as Value>::from_f64(value), )*
                    _ => {}
                }
            }
        }
    };
}

thresholds! {
    /// Single-feature power at which a feature is "near-perfect" (binary: AUC >= 0.99).
    /// Legitimate features rarely predict a real outcome this well alone.
    near_perfect_power: f64 = 0.98, 0.0..=1.0;
    /// Power at which a feature is a "strong predictor, review" (low; medium halfway to
    /// near-perfect).
    strong_power: f64 = 0.9, 0.0..=1.0;
    /// Share of permutation importance above which one feature (or cluster) dominates.
    dominant_share: f64 = 0.5, 0.0..=1.0;
    /// Fraction of the model's skill lost without the feature for it to be dominant.
    dominant_collapse: f64 = 0.5, 0.0..=1.0;
    /// Share of the importance at which a dominant feature that is also a strong predictor
    /// alone (`strong_power`) *determines* the target: the model needs nothing else. Legitimate
    /// dominant features carry 57-77% of the importance in real tables and predict far less
    /// alone; a post-outcome field or a label code carries 88% to all of it.
    determining_share: f64 = 0.85, 0.0..=1.0;
    /// Smallest share of rows a pure segment must cover.
    segment_min_support: f64 = 0.05, 0.0..=1.0;
    /// Smallest number of rows a pure segment must cover.
    segment_min_rows: usize = 30, 1..=1_000_000_000;
    /// Majority-class share inside a segment for it to be pure.
    segment_purity: f64 = 0.99, 0.0..=1.0;
    /// Majority-class share for a segment defined by one exact value (or all but one value):
    /// looser than `segment_purity` because post-outcome fields lag for a few rows.
    segment_point_purity: f64 = 0.97, 0.0..=1.0;
    /// Agreement (Matthews correlation) between "the feature has this one value" and "the target
    /// is this class" at which the value is the class spelled another way: pure inside *and*
    /// the class (almost) absent outside, as a severity code's "killed" or a one-class dummy.
    /// A legitimate value is pure on one side at most (an island where one species lives).
    segment_indicator_mcc: f64 = 0.9, 0.0..=1.0;
    /// Regression: share of the trivial rule's errors a sentinel segment must remove when it
    /// marks a threshold of the target (high halfway between this and 1).
    segment_error_reduction: f64 = 0.9, 0.0..=1.0;
    /// Missing-indicator power for a missingness leak (high at 0.5, medium at this).
    missingness_power: f64 = 0.3, 0.0..=1.0;
    /// Power at which an identifier-like column is flagged (high at 0.5).
    identifier_power: f64 = 0.3, 0.0..=1.0;
    /// Share of rows in (almost) single-class categories for a target proxy.
    proxy_pure_share: f64 = 0.9, 0.0..=1.0;
    /// Out-of-fold score (AUC, macro-AUC or R²) that real data rarely allows.
    suspicious_score: f64 = 0.99, 0.0..=1.0;
    /// Rounds of iterative peeling at most.
    max_peel_rounds: usize = 3, 1..=10;
    /// Majority share within a category for a target proxy (a copy with a few flips still maps).
    proxy_level_purity: f64 = 0.9, 0.0..=1.0;
    /// Share of a peeled model's importance that makes a column part of a multi-feature leak...
    synergy_share: f64 = 0.1, 0.0..=1.0;
    /// ... when its own single-feature power stays below this.
    synergy_max_power: f64 = 0.5, 0.0..=1.0;
    /// Random K-fold beating group K-fold by this much (headline metric) shows group overlap.
    group_gap: f64 = 0.02, 0.0..=1.0;
    /// Random K-fold beating time-ordered validation by this much is reported.
    time_gap: f64 = 0.1, 0.0..=1.0;
    /// A feature is derived from the target when its values at t-3..t+2 explain this much...
    temporal_derived_r2: f64 = 0.8, 0.0..=1.0;
    /// ... and uses the future when t+1, t+2 explain this share of what the present and past
    /// leave unexplained (medium at half).
    temporal_future_share: f64 = 0.5, 0.0..=1.0;
    /// Share of the user's model's importance on features flagged `high` or above by a leak
    /// signature at which the model is said to rely on a likely leak (`model_relies_on_leak`).
    model_reliance_share: f64 = 0.25, 0.0..=1.0;
}

impl ThresholdSpec {
    /// The definition of the threshold `name`.
    pub fn of(name: &str) -> Option<&'static ThresholdSpec> {
        Thresholds::SPECS.iter().find(|s| s.name == name)
    }

    /// Whether `x` is a valid value; the problem otherwise.
    fn check(&self, x: f64) -> std::result::Result<(), String> {
        let range = if self.whole {
            format!("a whole number from {} to {}", self.min, self.max)
        } else {
            format!("a number between {} and {}", self.min, self.max)
        };
        if !(self.min..=self.max).contains(&x) || (self.whole && x.fract() != 0.0) {
            return Err(format!("must be {range}, got {x}"));
        }
        Ok(())
    }
}

impl Thresholds {
    /// Set one threshold by name from text (`--threshold KEY=VALUE`); an unknown name, a value
    /// that is not a number or one out of range is an [`Error::Setting`] naming it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let x: f64 = value.trim().parse().map_err(|_| Error::Setting {
            name: key.to_string(),
            problem: format!("needs a number, got '{value}'"),
        })?;
        self.set_value(key, x)
    }

    /// Set one threshold by name (`Audit::threshold`, Python's `thresholds=`).
    pub fn set_value(&mut self, key: &str, x: f64) -> Result<()> {
        let bad = |problem: String| Error::Setting {
            name: key.to_string(),
            problem,
        };
        let Some(spec) = ThresholdSpec::of(key) else {
            let known: Vec<&str> = Thresholds::SPECS.iter().map(|s| s.name).collect();
            return Err(bad(format!(
                "unknown threshold '{key}' (known: {})",
                known.join(", ")
            )));
        };
        spec.check(x).map_err(bad)?;
        self.assign(key, x);
        Ok(())
    }

    /// Check that every threshold is in its range; the first one that is not is an
    /// [`Error::Setting`] naming it.
    pub fn validate(&self) -> Result<()> {
        for spec in Thresholds::SPECS {
            let x = self.get(spec.name).unwrap_or(f64::NAN);
            spec.check(x).map_err(|problem| Error::Setting {
                name: spec.name.to_string(),
                problem,
            })?;
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

    fn name_of(e: Error) -> String {
        match e {
            Error::Setting { name, .. } => name,
            other => panic!("not a setting error: {other}"),
        }
    }

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
            .to_string()
            .contains("unknown threshold 'nope'"));
        assert!(t.set("segment_min_rows", "1.5").is_err());
        assert!(t.set("strong_power", "abc").is_err());
        assert_eq!(
            name_of(t.set("max_peel_rounds", "0").unwrap_err()),
            "max_peel_rounds"
        );
        assert_eq!(t.get("segment_min_rows"), Some(10.0));
    }

    #[test]
    fn validate_names_the_threshold() {
        assert!(Thresholds::default().validate().is_ok());
        let t = Thresholds {
            strong_power: 1.5,
            ..Default::default()
        };
        assert_eq!(name_of(t.validate().unwrap_err()), "strong_power");
        let t = Thresholds {
            group_gap: -0.1,
            ..Default::default()
        };
        assert_eq!(name_of(t.validate().unwrap_err()), "group_gap");
        let t = Thresholds {
            max_peel_rounds: 0,
            ..Default::default()
        };
        assert_eq!(name_of(t.validate().unwrap_err()), "max_peel_rounds");
    }

    #[test]
    fn every_field_has_a_definition_with_its_default() {
        let fields = serde_json::to_value(Thresholds::default()).unwrap();
        let fields = fields.as_object().unwrap();
        assert_eq!(fields.len(), Thresholds::SPECS.len());
        for spec in Thresholds::SPECS {
            assert_eq!(
                fields[spec.name].as_f64(),
                Some(spec.default),
                "{}",
                spec.name
            );
            assert!(
                spec.min <= spec.default && spec.default <= spec.max,
                "{}",
                spec.name
            );
            assert!(!spec.doc.trim().is_empty(), "{}", spec.name);
        }
    }

    #[test]
    fn noise_floor_shrinks_with_n() {
        assert!(noise_floor(150) > 0.3);
        assert!(noise_floor(100_000) < 0.02);
    }
}
