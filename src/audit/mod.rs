//! The audit: an [`Audit`] builder that names the target and the roles of columns, takes the
//! options, validates all of them once ([`Audit::check`]) and runs on a [`Table`]
//! ([`Audit::run`]). The command line goes through exactly this path.

mod pipeline;

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::checks::Thresholds;
use crate::data::{Dataset, Roles, TaskChoice};
use crate::error::{Error, Result};
use crate::importance::counts::{CountPlan, FeatureCounts};
use crate::model::Scorer;
#[cfg(feature = "models")]
use crate::model::UserModel;
use crate::settings::Settings;
use crate::split::exact::ExactStatistics;
use crate::split::SplitMode;
use crate::surrogate::SurrogateKind;
use crate::table::Table;

/// Progress callback: called with a short phase name as each phase starts.
pub type Progress = dyn Fn(&str) + Send + Sync;

/// An audit to run: the target, the roles of other columns, and the options.
///
/// Setters never fail; [`Audit::check`] (called by [`Audit::run`] before any work) reports the
/// first invalid value as a typed [`Error`].
///
/// ```
/// use leakhound::{Audit, Severity, Table};
///
/// // A numeric target and a feature that copies it: the textbook leak.
/// let y: Vec<f64> = (0..200).map(|i| (i % 2) as f64).collect();
/// let noise: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64).collect();
/// let table = Table::builder()
///     .numeric("label_copy", y.iter().map(|v| v * 10.0))
///     .numeric("noise", noise)
///     .numeric("y", y)
///     .build()?;
/// let report = Audit::new("y").seed(7).run(table)?;
/// assert_eq!(report.verdict.likely_leaks[0], "label_copy");
/// assert!(report.max_severity() >= Some(Severity::High));
/// # Ok::<(), leakhound::Error>(())
/// ```
pub struct Audit {
    roles: Roles,
    settings: Settings,
    threshold_overrides: Vec<(String, f64)>,
    test: Option<Table>,
    split_col: Option<String>,
    model: Option<Box<dyn Scorer>>,
    model_features: Vec<String>,
    scoring: crate::metric::Metric,
    progress: Option<Box<Progress>>,
    cancel: Option<Arc<AtomicBool>>,
    exact: Option<ExactStatistics>,
    features: Option<FeatureCounts>,
    engine: &'static str,
}

impl fmt::Debug for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Audit")
            .field("roles", &self.roles)
            .field("settings", &self.settings)
            .field("threshold_overrides", &self.threshold_overrides)
            .field("test", &self.test.as_ref().map(Table::name))
            .field("split_col", &self.split_col)
            .field("model", &self.model.as_ref().map(|m| m.name()))
            .finish_non_exhaustive()
    }
}

/// The plan of the per-feature counts of an audit of `ds`, binned as `x`: the cells of
/// [`CountPlan::new`] and the target-encoding check's level aggregates.
pub(crate) fn count_plan(
    ds: &Dataset,
    x: &crate::surrogate::BinnedMatrix,
    seed: u64,
    folds: usize,
) -> CountPlan {
    CountPlan {
        encodings: crate::checks::encoding_plan(ds, x),
        ..CountPlan::new(ds, x, seed, folds)
    }
}

impl Audit {
    /// An audit predicting the column `target`, with default settings.
    pub fn new(target: impl Into<String>) -> Self {
        Audit {
            roles: Roles {
                target: target.into(),
                ..Default::default()
            },
            settings: Settings::default(),
            threshold_overrides: Vec::new(),
            test: None,
            split_col: None,
            model: None,
            model_features: Vec::new(),
            scoring: crate::metric::Metric::Skill,
            progress: None,
            cancel: None,
            exact: None,
            features: None,
            engine: "in-memory",
        }
    }

    /// The task: [`Task`](crate::Task) `Binary`, `Multiclass` or `Regression`, or
    /// [`TaskChoice::Auto`] (the default: a numeric target with many values is regression).
    pub fn task(mut self, task: impl Into<TaskChoice>) -> Self {
        self.roles.task = task.into();
        self
    }

    /// A timestamp column: temporal checks; not used as a feature.
    pub fn time_col(mut self, col: impl Into<String>) -> Self {
        self.roles.time = Some(col.into());
        self
    }

    /// An entity column (patient, customer): group checks; not used as a feature.
    pub fn group_col(mut self, col: impl Into<String>) -> Self {
        self.roles.group = Some(col.into());
        self
    }

    /// An identifier column (repeatable): checked for identifier leaks, not modelled.
    pub fn id_col(mut self, col: impl Into<String>) -> Self {
        self.roles.ids.push(col.into());
        self
    }

    /// A column to leave out entirely (repeatable).
    pub fn ignore(mut self, col: impl Into<String>) -> Self {
        self.roles.ignore.push(col.into());
        self
    }

    /// A feature known to be legitimate (repeatable): no findings are reported on it.
    pub fn allow(mut self, col: impl Into<String>) -> Self {
        self.settings.allow.push(col.into());
        self
    }

    /// Seed of every random step (default 42): same data, same seed, same report.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    /// The surrogate model family (default gradient boosting).
    pub fn surrogate(mut self, kind: SurrogateKind) -> Self {
        self.settings.surrogate = kind;
        self
    }

    /// Cross-validation folds (2 to 20; default 5).
    pub fn folds(mut self, folds: usize) -> Self {
        self.settings.engine.folds = folds;
        self
    }

    /// Permutation repeats (1 to 100; default 5).
    pub fn repeats(mut self, repeats: usize) -> Self {
        self.settings.engine.repeats = repeats;
        self
    }

    /// Override one detection threshold by its name in [`Thresholds`] (an unknown name is an
    /// error at [`Audit::check`]).
    pub fn threshold(mut self, name: impl Into<String>, value: f64) -> Self {
        self.threshold_overrides.push((name.into(), value));
        self
    }

    /// All detection thresholds at once.
    pub fn thresholds(mut self, thresholds: Thresholds) -> Self {
        self.settings.thresholds = thresholds;
        self
    }

    /// Skip iterative peeling (refits without the flagged features).
    pub fn peel(mut self, peel: bool) -> Self {
        self.settings.peel = peel;
        self
    }

    /// Near-duplicate tolerance, as a fraction of each numeric column's standard deviation
    /// (default 0.001).
    pub fn dup_tolerance(mut self, tolerance: f64) -> Self {
        self.settings.split.dup_tolerance = tolerance;
        self
    }

    /// Audit a reproducible sample of at most `rows` rows, stratified by the target (a table
    /// read with [`ReadOptions::max_rows`](crate::ReadOptions) is already sampled).
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.settings.max_rows = Some(rows);
        self
    }

    /// Replace all settings (roles, test data and model are kept).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// A separate test table: the train/test checks (duplicates, group and id overlap,
    /// temporal order, adversarial validation, schema) run against it. Without a test table
    /// or a split column, leakhound makes its own seeded 80/20 split.
    pub fn test(mut self, test: Table) -> Self {
        self.test = Some(test);
        self
    }

    /// Counts over every row of the split, from an engine that did not load the rows
    /// (DataFusion over Parquet, Spark): the data and [`Audit::test`] tables are then seeded
    /// samples of them. The split checks decide on these counts, the rest of the audit runs on
    /// the samples, and the report's `engine` says which is which. Needs a test table.
    pub fn exact_statistics(mut self, counts: ExactStatistics) -> Self {
        self.exact = Some(counts);
        self
    }

    /// The features' cells counted over every row by an engine that did not load them, under
    /// [`Audit::count_plan`] of the data table given to [`Audit::run`] (its seeded sample):
    /// single-feature power and the missingness check then decide on every row.
    pub fn feature_counts(mut self, counts: FeatureCounts) -> Self {
        self.features = Some(counts);
        self
    }

    /// How an engine bins every row for [`Audit::feature_counts`]: the bins this audit gives
    /// the features of `sample` (the data table it will run on), its folds and its target.
    /// Needs neither `max_rows` nor `split_col`, which an engine does not take.
    pub fn count_plan(&self, sample: &Table) -> Result<CountPlan> {
        self.count_plan_of(&Dataset::from_frame(
            sample.clone().into_frame(),
            &self.roles,
        )?)
    }

    /// [`Audit::count_plan`] of the sample's dataset, for an engine that has built it.
    pub(crate) fn count_plan_of(&self, ds: &Dataset) -> Result<CountPlan> {
        let settings = self.check()?;
        if self.split_col.is_some() || settings.max_rows.is_some() {
            return Err(Error::Setting {
                name: "feature_counts".into(),
                problem: "not taken with `split_col` or `max_rows`".into(),
            });
        }
        let x = crate::surrogate::BinnedMatrix::from_columns(&ds.features);
        let k = settings.engine.folds.clamp(2, ds.rows());
        Ok(count_plan(ds, &x, settings.seed, k))
    }

    /// The engine that read the data (the report's `engine.name`), when not this audit itself.
    #[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
    pub(crate) fn read_by(mut self, engine: &'static str) -> Self {
        self.engine = engine;
        self
    }

    /// The roles and the validated settings, for an engine preparing the rows to audit.
    #[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
    pub(crate) fn plan(&self) -> Result<(&Roles, Settings)> {
        Ok((&self.roles, self.check()?))
    }

    /// A column marking each row as train or test (values like train/test, 0/1).
    pub fn split_col(mut self, col: impl Into<String>) -> Self {
        self.split_col = Some(col.into());
        self
    }

    /// Also audit the user's own trained model: its score and permutation importance on the
    /// test data (or the audited data without one) are read beside the surrogate's (feature
    /// `models`).
    #[cfg(feature = "models")]
    pub fn model(mut self, model: UserModel) -> Self {
        self.model = Some(Box::new(model));
        self
    }

    /// Stop at the start of the next phase once `flag` is set (from another thread, on
    /// Ctrl-C), with [`Error::Cancelled`].
    pub fn cancel_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Also audit a model that lives outside the library (a fitted Python object, a served
    /// model), called on rows of the data, in place of a model file.
    pub fn external_model(mut self, model: Box<dyn crate::model::ExternalModel>) -> Self {
        self.model = Some(Box::new(crate::model::External(model)));
        self
    }

    /// Also audit a model in memory (a linfa or smartcore model behind [`Predictor`]), scored
    /// on the evaluation rows as a model file is, in place of a model file.
    ///
    /// [`Predictor`]: crate::Predictor
    pub fn predictor(mut self, model: Box<dyn crate::model::Predictor>) -> Self {
        self.model = Some(Box::new(crate::model::InMemory(model)));
        self
    }

    /// The score the user's model's permutation importance is the loss of (default
    /// [`Metric::Skill`](crate::Metric::Skill): Brier skill score or R²); one the target has no
    /// score for (`roc_auc` for a regression) is an [`Error::Setting`] when the audit runs.
    pub fn scoring(mut self, metric: crate::metric::Metric) -> Self {
        self.scoring = metric;
        self
    }

    /// The model's input columns in order, for a model that stores no feature names.
    pub fn model_features<S: Into<String>>(mut self, cols: impl IntoIterator<Item = S>) -> Self {
        self.model_features = cols.into_iter().map(Into::into).collect();
        self
    }

    /// Set the option `name` (its library name in [`OPTIONS`](crate::OPTIONS)) to `value`: what
    /// a front end taking options by name (Python's keywords) calls. The options about the
    /// inputs rather than the audit (`target`, `test`, `model`, `threads`, `memory_limit`,
    /// `delimiter`, `engine`, `sample_rows`) are the caller's. An unknown name or a value of the wrong kind is an
    /// [`Error::Setting`] naming the option; ranges are checked by [`Audit::check`].
    ///
    /// ```
    /// use leakhound::{Audit, OptionValue};
    /// let a = Audit::new("y").set("folds", OptionValue::Number(3.0))?;
    /// assert_eq!(a.check()?.engine.folds, 3);
    /// assert!(Audit::new("y").set("folds", OptionValue::Number(2.5)).is_err());
    /// assert!(Audit::new("y").set("fold", OptionValue::Number(3.0)).is_err());
    /// # Ok::<(), leakhound::Error>(())
    /// ```
    pub fn set(self, name: &str, value: crate::settings::OptionValue) -> Result<Self> {
        use crate::settings::OptionValue as V;
        let wrong = |expected: &str| Error::Setting {
            name: name.into(),
            problem: format!("expected {expected}, got {value:?}"),
        };
        let whole = |x: f64| -> Result<u64> {
            if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= u64::MAX as f64 {
                Ok(x as u64)
            } else {
                Err(Error::Setting {
                    name: name.into(),
                    problem: format!("must be a whole number, got {x}"),
                })
            }
        };
        Ok(match (name, &value) {
            ("task", V::Text(t)) => {
                self.task(t.parse::<TaskChoice>().map_err(|problem| Error::Setting {
                    name: name.into(),
                    problem,
                })?)
            }
            ("time_col", V::Text(c)) => self.time_col(c),
            ("group_col", V::Text(c)) => self.group_col(c),
            ("split_col", V::Text(c)) => self.split_col(c),
            ("id_col", V::Texts(cs)) => cs.iter().fold(self, |a, c| a.id_col(c)),
            ("ignore", V::Texts(cs)) => cs.iter().fold(self, |a, c| a.ignore(c)),
            ("allow", V::Texts(cs)) => cs.iter().fold(self, |a, c| a.allow(c)),
            ("model_features", V::Texts(cs)) => self.model_features(cs.clone()),
            ("max_rows", V::Number(x)) => self.max_rows(whole(*x)? as usize),
            ("folds", V::Number(x)) => self.folds(whole(*x)? as usize),
            ("repeats", V::Number(x)) => self.repeats(whole(*x)? as usize),
            ("seed", V::Number(x)) => self.seed(whole(*x)?),
            ("surrogate", V::Text(k)) => self.surrogate(k.parse::<SurrogateKind>().map_err(
                |problem| Error::Setting {
                    name: name.into(),
                    problem,
                },
            )?),
            ("peel", V::Flag(b)) => self.peel(*b),
            ("scoring", V::Text(m)) => {
                self.scoring(m.parse::<crate::metric::Metric>().map_err(|problem| {
                    Error::Setting {
                        name: name.into(),
                        problem,
                    }
                })?)
            }
            ("dup_tolerance", V::Number(x)) => self.dup_tolerance(*x),
            ("thresholds", V::Thresholds(ts)) => {
                ts.iter().fold(self, |a, (k, v)| a.threshold(k, *v))
            }
            ("task" | "time_col" | "group_col" | "split_col" | "surrogate" | "scoring", _) => {
                return Err(wrong("a text"))
            }
            ("id_col" | "ignore" | "allow" | "model_features", _) => {
                return Err(wrong("a list of column names"))
            }
            ("max_rows" | "folds" | "repeats" | "seed" | "dup_tolerance", _) => {
                return Err(wrong("a number"))
            }
            ("peel", _) => return Err(wrong("true or false")),
            ("thresholds", _) => return Err(wrong("thresholds by name")),
            _ => {
                return Err(Error::Setting {
                    name: name.into(),
                    problem: "not an option of an audit".into(),
                })
            }
        })
    }

    /// Called with a short phase name ("single-feature power", ...) as each phase starts.
    pub fn on_progress(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// The settings the audit will run with, validated: threshold overrides applied, every
    /// value in range. Needs no data, so a caller can fail before reading a large file.
    pub fn check(&self) -> Result<Settings> {
        let mut s = self.settings.clone();
        for (name, value) in &self.threshold_overrides {
            s.thresholds.set_value(name, *value)?;
        }
        if self.exact.is_some() && self.test.is_none() {
            return Err(Error::Setting {
                name: "exact_statistics".into(),
                problem: "counts of a split need the test table they were counted on".into(),
            });
        }
        if self.test.is_some() && self.split_col.is_some() {
            return Err(Error::Setting {
                name: "split_col".into(),
                problem: "cannot be combined with a test table".into(),
            });
        }
        s.validate()?;
        Ok(s)
    }

    /// Run the audit on `data` (the training data, or all of it).
    ///
    /// Fails before any work on invalid settings, an unknown column in a role or in `allow`, or
    /// a target that cannot be learned from.
    pub fn run(self, data: Table) -> Result<crate::Report> {
        let settings = self.check()?;
        if !self.model_features.is_empty() && self.model.is_none() {
            return Err(Error::Setting {
                name: "model_features".into(),
                problem: "given without a model".into(),
            });
        }
        let started = std::time::Instant::now();
        let mut timings = std::collections::BTreeMap::new();
        if let Some(t) = data.read_seconds() {
            timings.insert("reading".to_string(), t);
        }
        if let Some(t) = self.test.as_ref().and_then(Table::read_seconds) {
            timings.insert("reading_test".to_string(), t);
        }
        let counted = self.exact.as_ref().map_or(0.0, |e| e.seconds)
            + self.features.as_ref().map_or(0.0, |c| c.seconds);
        if self.exact.is_some() || self.features.is_some() {
            timings.insert("counting".to_string(), counted);
        }
        let source = data.name().to_string();
        let columns = data.columns();
        let mut frame = data.into_frame();
        let mut roles = self.roles.clone();
        if let Some(max) = settings.max_rows {
            frame = crate::data::sample::frame(frame, &roles.target, max, settings.seed);
        }
        let (frame, split_test) = match &self.split_col {
            Some(col) => {
                let (train, test) = crate::data::split_by_column(&frame, col)?;
                roles.ignore.push(col.clone());
                (frame.take(&train), Some(frame.take(&test)))
            }
            None => (frame, None),
        };
        let ds = Dataset::from_frame(frame, &roles)?;
        for a in &settings.allow {
            if !ds.features.iter().any(|c| &c.name == a) {
                let names: Vec<String> = ds.features.iter().map(|c| c.name.clone()).collect();
                return Err(Error::UnknownColumn {
                    column: a.clone(),
                    role: "`allow`".into(),
                    suggestion: crate::error::suggest(a, &names),
                });
            }
        }
        let test = match (self.test, split_test) {
            (Some(t), _) => {
                let name = t.name().to_string();
                let frame = t.into_frame();
                let mut test_roles = roles.clone();
                // Columns named for the training data may be absent from the test data.
                test_roles.ignore.retain(|c| frame.index_of(c).is_some());
                Some((
                    Dataset::from_frame(frame, &test_roles).map_err(|e| e.in_test(&name))?,
                    SplitMode::Files,
                ))
            }
            (None, Some(f)) => Some((Dataset::from_frame(f, &roles)?, SplitMode::Column)),
            (None, None) => None,
        };
        timings.insert("preparing".to_string(), started.elapsed().as_secs_f64());
        let quiet = |_: &str| {};
        let phase: &dyn Fn(&str) = match &self.progress {
            Some(p) => p.as_ref(),
            None => &quiet,
        };
        pipeline::run(
            &pipeline::Inputs {
                ds: &ds,
                test: test.as_ref().map(|(d, m)| (d, *m)),
                user: self
                    .model
                    .as_ref()
                    .map(|m| (m.as_ref(), self.model_features.as_slice(), self.scoring)),
                source: &source,
                columns,
                cancel: self.cancel.as_deref(),
                timings,
                exact: self.exact.as_ref(),
                features: self.features.as_ref(),
                engine: self
                    .exact
                    .as_ref()
                    .map_or(self.engine, |e| e.engine.as_str()),
            },
            &settings,
            phase,
        )
    }
}
