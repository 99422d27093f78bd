//! The audit pipeline as short phases: bin the features, measure single-feature power, fit the
//! surrogate with permutation and drop-column importance, run the checks, peel, audit the
//! user's model, run the split checks, and assemble the report. Orchestration only: every phase
//! is a function of its own module.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::checks::{self, peel, Context, Thresholds};
use crate::data::{ColumnType, Dataset, Target};
use crate::error::{Error, Result};
use crate::finding::{self, Finding};
use crate::importance::counts::FeatureCounts;
use crate::importance::{self, folds, metrics::round6, EngineSettings, ModelRun};
use crate::metric::Metric;
use crate::model::audit::{self as user_audit, UserModelInfo};
use crate::model::Scorer;
use crate::report::assemble::{assemble, Parts};
use crate::report::Report;
use crate::settings::Settings;
use crate::split::exact::ExactStatistics;
use crate::split::{self, SplitMode};
use crate::surrogate::{BinnedMatrix, Labels};

/// Features the surrogate models at most (the rest are screened out by single-feature power).
const MAX_MODEL_FEATURES: usize = 500;

/// What one audit runs on.
pub(crate) struct Inputs<'a> {
    /// The training data (or all of it).
    pub ds: &'a Dataset,
    /// The test side, from a file or a split column.
    pub test: Option<(&'a Dataset, SplitMode)>,
    /// The user's model, the names of its inputs (empty: from the model or file order), and the
    /// score its permutation importance is the loss of.
    pub user: Option<(&'a dyn Scorer, &'a [String], Metric)>,
    /// Where the data came from, for the report.
    pub source: &'a str,
    /// Columns of the source table.
    pub columns: usize,
    /// Set from another thread to stop the audit at the next phase (Ctrl-C in a notebook).
    pub cancel: Option<&'a AtomicBool>,
    /// Seconds of the stages before the pipeline (reading the files, preparing the dataset).
    pub timings: BTreeMap<String, f64>,
    /// Counts over every row of a real split, from an engine that did not load them (the
    /// datasets above are then seeded samples).
    pub exact: Option<&'a ExactStatistics>,
    /// The features' cells counted over every row by the same engine (the datasets above are
    /// then seeded samples, binned as the counts were).
    pub features: Option<&'a FeatureCounts>,
    /// The engine that read the rows.
    pub engine: &'a str,
}

/// Seconds per phase.
struct Clock {
    start: Instant,
    timings: BTreeMap<String, f64>,
}

impl Clock {
    /// A clock that starts now, after the stages already timed.
    fn new(before: &BTreeMap<String, f64>) -> Self {
        Clock {
            start: Instant::now(),
            timings: before
                .iter()
                .map(|(k, v)| (k.clone(), round6(*v)))
                .collect(),
        }
    }

    /// Time since the last lap, added to `name` (a stage may run in two parts).
    fn lap(&mut self, name: &str) {
        let t = self.timings.entry(name.into()).or_insert(0.0);
        *t = round6(*t + self.start.elapsed().as_secs_f64());
        self.start = Instant::now();
    }
}

/// Run the audit: each phase is one call, timed, announced through `phase`.
pub(crate) fn run(inp: &Inputs, settings: &Settings, phase: &dyn Fn(&str)) -> Result<Report> {
    let ds = inp.ds;
    let mut clock = Clock::new(&inp.timings);
    let phase = |name: &str| -> Result<()> {
        if inp.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::Cancelled);
        }
        phase(name);
        Ok(())
    };

    phase("binning features")?;
    let x = BinnedMatrix::from_columns(&ds.features);
    let labels = labels(&ds.target);
    // Folds: as many as asked, at most one per row.
    let k = settings.engine.folds.clamp(2, ds.rows());
    let fold_of = folds::assign(&labels, &x.row_keys, k, settings.seed);
    let engine = EngineSettings {
        folds: k,
        ..settings.engine.clone()
    };
    let problem = importance::Problem {
        x: &x,
        labels: &labels,
        folds: &fold_of,
    };
    release_freed_memory();
    clock.lap("binning");

    // The row-level split checks need only the sides and the row keys. Run here, they let an
    // own split's copy of the features go before the importance stage allocates.
    phase("split checks: duplicates and oversampling")?;
    let mut sides = match inp.test {
        Some((test, mode)) => split::Sides::given(ds, test, mode),
        None => split::Sides::own(ds, &x.row_keys, settings.seed),
    };
    let (row_findings, mut split_info) = checks::run_rows(&checks::RowContext {
        train: sides.train(),
        test: sides.test(),
        mode: sides.mode,
        seed: settings.seed,
        settings: &settings.split,
        train_index: &sides.train_index,
        test_index: &sides.test_index,
        exact: inp.exact,
    });
    sides.drop_features();
    release_freed_memory();
    clock.lap("split");

    phase("single-feature power")?;
    let powers = match inp.features {
        Some(counts) => {
            if counts.plan != super::count_plan(ds, &x, settings.seed, k) {
                return Err(Error::Data(
                    "the engine's feature counts were binned on another sample than the one audited"
                        .into(),
                ));
            }
            (0..x.features()).map(|f| counts.power(f)).collect()
        }
        None => importance::single_feature_powers(&x, &labels, &fold_of, k),
    };
    release_freed_memory();
    clock.lap("single_feature_power");

    phase("surrogate, permutation and drop-column importance")?;
    let (model_features, screening_note) = model_features(ds, &x, &powers)?;
    let surrogate = settings.surrogate.build();
    let run = importance::run_model(
        surrogate.as_ref(),
        &problem,
        &model_features,
        &engine,
        settings.seed,
        true,
    )?;
    let refits = importance::Refits::new(
        surrogate.as_ref(),
        problem,
        &model_features,
        (&engine, settings.seed),
        run.drop_column_base,
    );
    let run = refit_judged(run, &refits, &settings.thresholds)?;
    release_freed_memory();
    clock.lap("importance");

    phase("checks")?;
    let ctx = Context {
        ds,
        x: &x,
        labels,
        folds: &fold_of,
        k,
        powers: &powers,
        run: &run,
        t: &settings.thresholds,
        counts: inp.features,
    };
    let mut findings = checks::run_all(&ctx);
    clock.lap("checks");

    let peeling = if settings.peel {
        phase("iterative peeling")?;
        let p = peel::peel(
            &ctx,
            surrogate.as_ref(),
            &engine,
            settings.seed,
            &settings.allow,
            &model_features,
            &mut findings,
        )?;
        clock.lap("peeling");
        Some(p)
    } else {
        None
    };

    let mut user = None;
    if let Some(user_inputs) = inp.user {
        phase("your model: score and permutation importance")?;
        user = Some(user_model(
            inp,
            &ctx,
            user_inputs,
            (&engine, settings.seed),
            &refits,
            &mut findings,
        )?);
        clock.lap("user_model");
    }

    phase("split checks")?;
    let split_ctx = checks::SplitContext {
        train: sides.train(),
        test: sides.test(),
        mode: sides.mode,
        data: ds,
        problem,
        model_features: &model_features,
        surrogate: surrogate.as_ref(),
        random_headline: importance::metrics::headline(&run.oof),
        seed: settings.seed,
        thresholds: &settings.thresholds,
        exact: inp.exact,
    };
    findings.extend(row_findings);
    findings.extend(checks::run_split(&split_ctx, &mut split_info)?);
    clock.lap("split");

    let (user_model, user_warnings) = user.unzip();
    let mut warnings = ds.warnings.clone();
    warnings.extend(screening_note);
    warnings.extend(sides.note.clone());
    warnings.extend(user_warnings.into_iter().flatten());
    if let Some((test, _)) = inp.test {
        warnings.extend(test.warnings.iter().map(|w| format!("test: {w}")));
    }
    warnings.extend(drop_allowed(&mut findings, &settings.allow));
    finding::sort(&mut findings);

    Ok(assemble(Parts {
        ds,
        x: &x,
        labels: &labels,
        source: inp.source,
        columns: inp.columns,
        settings: Settings {
            engine,
            ..settings.clone()
        },
        surrogate: surrogate.name(),
        features_used: model_features.len(),
        powers: &powers,
        run: &run,
        findings,
        peeling,
        split: split_info,
        engine: crate::report::EngineInfo::of(
            inp.engine,
            ds.sampled,
            inp.exact.is_some(),
            inp.features.is_some(),
        ),
        user_model,
        warnings,
        timings: clock.timings,
    }))
}

/// A feature or cluster holding enough of the importance to be judged dominant is judged on its
/// drop-column importance, which the work budget may have left out (it refits the most
/// important features first and ranks clusters among the rest): refit those now, with the
/// run's rows and seed, as the run would have.
fn refit_judged(
    mut run: ModelRun,
    refits: &importance::Refits,
    t: &Thresholds,
) -> Result<ModelRun> {
    if !run.drop_column_base.is_finite() {
        return Ok(run);
    }
    let judged = t.dominant_share.min(t.determining_share);
    let mut refitted = 0;
    for f in 0..run.importance.len() {
        if let Some(imp) = run.importance[f].as_mut() {
            if imp.share >= judged && refits.fill(imp, &[f])? {
                refitted += 1;
            }
        }
    }
    for (members, imp) in &mut run.clusters {
        if imp.share >= judged && refits.fill(imp, members)? {
            refitted += 1;
        }
    }
    run.drop_column_refits += refitted;
    Ok(run)
}

/// Hand memory freed in the middle of the heap back to the system. glibc keeps freed blocks for
/// reuse, so what a stage dropped (the binning's sorted copies, an own split's features, the
/// single-feature predictions, the folds' row lists) would still count toward peak RSS while
/// the next stage allocates blocks of other sizes: called between stages (on the realistic
/// 1M x 100 table, a peak of 736 MB without, 669 MB with).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own heaps to the kernel;
    // it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The target as the engine's labels.
fn labels(target: &Target) -> Labels<'_> {
    match target {
        Target::Classes { y, classes } => Labels::Classes {
            y,
            k: classes.len(),
        },
        Target::Values(v) => Labels::Values(v),
    }
}

/// The user's model: scored and its permutation importance computed on the test data (or the
/// audited data without one), then read into the findings. Returns the report section and the
/// warnings, prefixed "your model:".
fn user_model(
    inp: &Inputs,
    ctx: &Context,
    (model, features, scoring): (&dyn Scorer, &[String], Metric),
    (engine, seed): (&EngineSettings, u64),
    refits: &importance::Refits,
    findings: &mut Vec<Finding>,
) -> Result<(UserModelInfo, Vec<String>)> {
    let eval = user_audit::EvalSource {
        data: inp.test.map_or(inp.ds, |t| t.0),
        described: match inp.test.map(|t| t.1) {
            Some(SplitMode::Files) => "the test file",
            Some(_) => "the test rows of the split column",
            None => "the audited data (no test data given)",
        },
    };
    let ev = user_audit::evaluate(model, eval.data, features, engine.repeats, seed, scoring)?;
    let warnings = ev
        .warnings
        .iter()
        .map(|w| format!("your model: {w}"))
        .collect();
    // A feature the model leans on for half its importance is judged on its drop-column
    // importance, which the surrogate's work budget may have skipped (it ranks features by its
    // own importance, not the model's): refit those now.
    let inputs = user_audit::InputMap::new(ctx, &ev, &eval);
    let mut run: Option<ModelRun> = None;
    for (f, share) in inputs.train_of.iter().zip(&inputs.shares) {
        let Some(f) = *f else { continue };
        let Some(mut imp) = ctx.run.importance[f] else {
            continue;
        };
        if *share >= ctx.t.dominant_share && refits.fill(&mut imp, &[f])? {
            run.get_or_insert_with(|| ctx.run.clone()).importance[f] = Some(imp);
        }
    }
    let refitted = run.as_ref().map(|run| Context { run, ..*ctx });
    let info = user_audit::apply(
        refitted.as_ref().unwrap_or(ctx),
        model,
        &ev,
        (&eval, &inputs),
        findings,
    );
    Ok((info, warnings))
}

/// The features the surrogate models: every varying non-identifier column, or on very wide
/// tables the [`MAX_MODEL_FEATURES`] with the most single-feature power (every feature still
/// gets the single-feature checks). Also the note saying so.
fn model_features(
    ds: &Dataset,
    x: &BinnedMatrix,
    powers: &[importance::Power],
) -> Result<(Vec<usize>, Option<String>)> {
    let mut features: Vec<usize> = (0..x.features())
        .filter(|&f| ds.features[f].ty != ColumnType::Identifier && varies(x, f))
        .collect();
    if features.is_empty() {
        return Err(Error::Data(
            "no feature varies (every column is constant, missing or an identifier)".into(),
        ));
    }
    if features.len() <= MAX_MODEL_FEATURES {
        return Ok((features, None));
    }
    let total = features.len();
    features.sort_by(|&a, &b| powers[b].power.total_cmp(&powers[a].power).then(a.cmp(&b)));
    features.truncate(MAX_MODEL_FEATURES);
    features.sort_unstable();
    Ok((
        features,
        Some(format!(
            "{total} features vary: the surrogate models the {MAX_MODEL_FEATURES} with the highest single-feature power; every feature gets the single-feature checks"
        )),
    ))
}

/// Whether a binned feature takes more than one value (counting "missing" as a value).
fn varies(x: &BinnedMatrix, f: usize) -> bool {
    let col = &x.cols[f];
    col.iter().any(|&b| b != col[0])
}

/// Remove findings on features the user allows; the warning saying how many.
fn drop_allowed(findings: &mut Vec<Finding>, allow: &[String]) -> Option<String> {
    if allow.is_empty() {
        return None;
    }
    let before = findings.len();
    findings.retain(|f| !allow.iter().any(|a| f.concerns(a)));
    (findings.len() < before).then(|| {
        format!(
            "{} findings on allowed features ({}) were not reported",
            before - findings.len(),
            allow.join(", ")
        )
    })
}
