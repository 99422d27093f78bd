//! The audit pipeline: dataset -> binned matrix -> single-feature power -> surrogate run with
//! permutation and drop-column importance -> checks -> iterative peeling -> [`Report`].

use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;

use crate::checks::{self, Context, Thresholds};
use crate::data::{ColumnType, Dataset, Target};
use crate::error::{Error, Result};
use crate::importance::{self, folds, metrics::round6, EngineSettings, ModelRun};
use crate::report::{
    ClusterInfo, DatasetInfo, Distribution, FeatureInfo, HonestModel, ModelInfo, PeelStep,
    PermutationInfo, PowerInfo, Ranks, Report, Tool, SCHEMA_VERSION,
};
use crate::split::{SplitMode, SplitSettings};
use crate::surrogate::{BinnedMatrix, Labels, SurrogateKind};

/// Features the surrogate models at most (the rest are screened out by single-feature power).
const MAX_MODEL_FEATURES: usize = 500;

/// Rows leakhound's own train/test split checks use, at most.
const OWN_SPLIT_ROWS: usize = 250_000;

/// Rows the peeling refits use, at most.
const PEEL_ROWS: usize = 20_000;

/// Everything that shapes an audit besides the data.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// Seed for folds, sampling and models.
    pub seed: u64,
    /// Surrogate family.
    pub surrogate: SurrogateKind,
    /// Engine settings.
    pub engine: EngineSettings,
    /// Detection thresholds.
    pub thresholds: Thresholds,
    /// Features known to be legitimate: no findings are reported on them.
    pub allow: Vec<String>,
    /// Refit without flagged features to find leaks hidden behind them.
    pub peel: bool,
    /// `--max-rows`, recorded in the settings.
    pub max_rows: Option<usize>,
    /// Split-aware check settings.
    pub split: SplitSettings,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
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

/// Where the data came from, for the report.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path or "demo".
    pub path: String,
    /// Columns in the file.
    pub columns: usize,
}

/// Run the whole audit and build the report. `phase` is called as each phase starts.
pub fn audit(
    ds: &Dataset,
    settings: &AuditSettings,
    source: &Source,
    phase: &dyn Fn(&str),
) -> Result<Report> {
    audit_split(ds, None, None, settings, source, phase)
}

/// The user's own model to audit beside the surrogates (`--model-file`).
pub struct UserModelInput<'a> {
    /// The loaded model.
    pub model: &'a crate::model::UserModel,
    /// `--model-features`: the model's inputs in order, for models that store no names.
    pub features: &'a [String],
}

/// The test side of a split audit: a test dataset (from a file or a split column).
pub struct TestSide<'a> {
    /// Test rows with the same roles as the training data.
    pub data: &'a Dataset,
    /// Where it came from.
    pub mode: SplitMode,
}

/// Audit `ds` (the training data) and run the split-aware checks against `test`, or against
/// leakhound's own seeded 80/20 split of `ds` when there is no test side.
pub fn audit_split(
    ds: &Dataset,
    test: Option<TestSide>,
    user: Option<UserModelInput>,
    settings: &AuditSettings,
    source: &Source,
    phase: &dyn Fn(&str),
) -> Result<Report> {
    let mut timings = BTreeMap::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, timings: &mut BTreeMap<String, f64>| {
        timings.insert(name.to_string(), round6(clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };
    phase("binning features");
    let x = BinnedMatrix::from_columns(&ds.features);
    let target_f64;
    let labels = match &ds.target {
        Target::Classes { y, classes } => Labels::Classes {
            y,
            k: classes.len(),
        },
        Target::Values(v) => {
            target_f64 = v.clone();
            Labels::Values(&target_f64)
        }
    };
    let k = settings.engine.folds.clamp(2, ds.rows());
    let fold_of = folds::assign(&labels, &x.row_keys, k, settings.seed);
    let engine = EngineSettings {
        folds: k,
        ..settings.engine.clone()
    };
    lap("binning", &mut timings);

    phase("single-feature power");
    let powers = importance::single_feature_powers(&x, &labels, &fold_of, k);
    lap("single_feature_power", &mut timings);

    phase("surrogate, permutation and drop-column importance");
    let mut model_features: Vec<usize> = (0..x.features())
        .filter(|&f| ds.features[f].ty != ColumnType::Identifier && varies(&x, f))
        .collect();
    if model_features.is_empty() {
        return Err(Error::Data(
            "no feature varies (every column is constant, missing or an identifier)".into(),
        ));
    }
    // Very wide tables: the surrogate models the features with the most single-feature power;
    // every feature still gets the single-feature checks.
    let mut screening_note = None;
    if model_features.len() > MAX_MODEL_FEATURES {
        let total = model_features.len();
        model_features
            .sort_by(|&a, &b| powers[b].power.total_cmp(&powers[a].power).then(a.cmp(&b)));
        model_features.truncate(MAX_MODEL_FEATURES);
        model_features.sort_unstable();
        screening_note = Some(format!(
            "{total} features vary: the surrogate models the {MAX_MODEL_FEATURES} with the highest single-feature power; every feature gets the single-feature checks"
        ));
    }
    let surrogate = settings.surrogate.build();
    let problem = importance::Problem {
        x: &x,
        labels: &labels,
        folds: &fold_of,
    };
    let run = importance::run_model(
        surrogate.as_ref(),
        &problem,
        &model_features,
        &engine,
        settings.seed,
        true,
    )?;
    lap("importance", &mut timings);

    phase("checks");
    let t = &settings.thresholds;
    let ctx = Context {
        ds,
        x: &x,
        labels,
        folds: &fold_of,
        k,
        powers: &powers,
        run: &run,
        t,
    };
    let mut findings = checks::run_all(&ctx);
    lap("checks", &mut timings);

    let mut peeling = Vec::new();
    let mut honest_model = None;
    if settings.peel {
        phase("iterative peeling");
        honest_model = peel(
            &ctx,
            surrogate.as_ref(),
            &engine,
            settings,
            &model_features,
            &mut findings,
            &mut peeling,
        )?;
        lap("peeling", &mut timings);
    }

    let mut user_model = None;
    let mut user_warnings = Vec::new();
    if let Some(u) = &user {
        phase("your model: score and permutation importance");
        let eval = crate::model::audit::EvalSource {
            data: test.as_ref().map_or(ds, |t| t.data),
            described: match test.as_ref().map(|t| t.mode) {
                Some(SplitMode::Files) => "the test file",
                Some(_) => "the test rows of --split-col",
                None => "the audited file (no --test given)",
            },
        };
        let ev = crate::model::audit::evaluate(
            u.model,
            eval.data,
            u.features,
            engine.repeats,
            settings.seed,
        )?;
        user_warnings = ev.warnings.clone();
        user_model = Some(crate::model::audit::apply(
            &ctx,
            u.model,
            &ev,
            &eval,
            &mut findings,
        ));
        lap("user_model", &mut timings);
    }

    phase("split checks");
    let (train_own, test_own, idx_train, idx_test);
    let mut own_split_note = None;
    let (train_side, test_side, mode, index_train, index_test): (
        &Dataset,
        &Dataset,
        SplitMode,
        &[usize],
        &[usize],
    ) = match &test {
        Some(t) => {
            idx_train = (0..ds.rows()).collect::<Vec<_>>();
            idx_test = (0..t.data.rows()).collect::<Vec<_>>();
            (ds, t.data, t.mode, &idx_train, &idx_test)
        }
        None => {
            let (mut a, mut b) = crate::split::own_split(&x.row_keys, settings.seed);
            // Leakhound's own split only stands in for a real one: on large files its checks
            // run on a seeded sample, which keeps a second copy of the data small.
            if a.len() + b.len() > OWN_SPLIT_ROWS {
                let sample = |rows: &[usize], max: usize| -> Vec<usize> {
                    let r: Vec<u32> = rows.iter().map(|&r| r as u32).collect();
                    folds::subsample(&r, &x.row_keys, max, settings.seed ^ 0x5A11)
                        .into_iter()
                        .map(|r| r as usize)
                        .collect()
                };
                a = sample(&a, OWN_SPLIT_ROWS * 4 / 5);
                b = sample(&b, OWN_SPLIT_ROWS / 5);
                own_split_note = Some(format!(
                    "the split checks of leakhound's own 80/20 split ran on a seeded sample of {} train and {} test rows",
                    a.len(),
                    b.len()
                ));
            }
            train_own = ds.take(&a);
            test_own = ds.take(&b);
            idx_train = a;
            idx_test = b;
            (&train_own, &test_own, SplitMode::Own, &idx_train, &idx_test)
        }
    };
    let split_ctx = crate::split::SplitContext {
        train: train_side,
        test: test_side,
        mode,
        data: ds,
        problem,
        model_features: &model_features,
        surrogate: surrogate.as_ref(),
        random_headline: crate::importance::metrics::headline(&run.oof),
        seed: settings.seed,
        settings: &settings.split,
        thresholds: &settings.thresholds,
        train_index: index_train,
        test_index: index_test,
    };
    let (split_findings, split_info) = crate::split::run(&split_ctx)?;
    findings.extend(split_findings);
    lap("split", &mut timings);

    let mut warnings = ds.warnings.clone();
    warnings.extend(screening_note);
    warnings.extend(own_split_note);
    warnings.extend(
        user_warnings
            .into_iter()
            .map(|w| format!("your model: {w}")),
    );
    if let Some(t) = &test {
        warnings.extend(t.data.warnings.iter().map(|w| format!("test: {w}")));
    }
    if !settings.allow.is_empty() {
        let before = findings.len();
        findings.retain(|f| {
            !f.features.iter().any(|n| settings.allow.contains(n))
                && !f
                    .feature
                    .as_ref()
                    .is_some_and(|n| settings.allow.contains(n))
        });
        if findings.len() < before {
            warnings.push(format!(
                "{} findings on allowed features ({}) were not reported",
                before - findings.len(),
                settings.allow.join(", ")
            ));
        }
    }
    checks::sort(&mut findings);

    let distributions = ds
        .features
        .iter()
        .enumerate()
        .filter_map(|(f, col)| {
            let on_feature: Vec<&Finding> = findings
                .iter()
                .filter(|fd| fd.concerns(&col.name))
                .collect();
            on_feature
                .iter()
                .any(|fd| fd.severity >= Severity::High)
                .then(|| distribution(&x, &labels, ds, f, &on_feature))
        })
        .collect();
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "leakhound".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        dataset: DatasetInfo {
            path: source.path.clone(),
            rows: ds.rows_total,
            rows_used: ds.rows(),
            columns: source.columns,
            target: ds.target_name.clone(),
            task: ds.task,
            classes: match &ds.target {
                Target::Classes { classes, .. } => classes.clone(),
                Target::Values(_) => Vec::new(),
            },
            sampled: ds.sampled,
        },
        settings: json!({
            "seed": settings.seed,
            "surrogate": settings.surrogate,
            "engine": engine,
            "thresholds": settings.thresholds,
            "allow": settings.allow,
            "peel": settings.peel,
            "max_rows": settings.max_rows,
            "split": settings.split,
        }),
        model: ModelInfo {
            surrogate: surrogate.name().into(),
            features_used: model_features.len(),
            out_of_fold: run.oof.clone(),
            holdout: run.holdout.clone(),
            permutation_rows: run.permutation_rows,
            drop_column_rows: run.drop_column_rows,
            drop_column_refits: run.drop_column_refits,
            drop_column_base_skill: round6(run.drop_column_base),
        },
        features: feature_table(ds, &x, &powers, &run, &findings),
        clusters: run
            .clusters
            .iter()
            .map(|(m, imp)| ClusterInfo {
                features: m.iter().map(|&f| ds.features[f].name.clone()).collect(),
                permutation_importance: PermutationInfo {
                    mean: round6(imp.permutation_mean),
                    std: round6(imp.permutation_std),
                },
                drop_column_importance: round6(imp.drop_column),
                importance_share: round6(imp.share),
            })
            .collect(),
        verdict: crate::report::Verdict::of(&findings),
        findings,
        peeling,
        honest_model,
        split: Some(split_info),
        distributions,
        user_model,
        warnings,
        timings,
    };
    Ok(report)
}

/// Whether a binned feature takes more than one value (counting "missing" as a value).
fn varies(x: &BinnedMatrix, f: usize) -> bool {
    let col = &x.cols[f];
    col.iter().any(|&b| b != col[0])
}

/// Iterative peeling: refit without every feature flagged `high` or above, and look at what the
/// model leans on then. A model that still scores implausibly well is relying on a leak spread
/// over several columns; name that set and peel again.
fn peel(
    ctx: &Context,
    surrogate: &dyn crate::surrogate::Surrogate,
    engine: &EngineSettings,
    settings: &AuditSettings,
    model_features: &[usize],
    findings: &mut Vec<Finding>,
    steps: &mut Vec<PeelStep>,
) -> Result<Option<HonestModel>> {
    let t = ctx.t;
    let name_of = |f: usize| ctx.ds.features[f].name.clone();
    // Only what a leak signature flags `high` or above is removed: a strong legitimate feature
    // with a note stays, so the peeled model is the honest one.
    // Features the user allows are legitimate by their word: never peeled. In model order.
    let peelable = |findings: &[Finding]| -> Vec<usize> {
        let suspects = checks::conclude::flagged(findings);
        model_features
            .iter()
            .copied()
            .filter(|&f| {
                let name = &ctx.ds.features[f].name;
                suspects.contains(name) && !settings.allow.contains(name)
            })
            .collect()
    };
    let mut removed = peelable(findings);
    let peel_surrogate = surrogate.light();
    // Refits run on a seeded sample of at most PEEL_ROWS rows (stratified through the folds).
    let all: Vec<u32> = (0..ctx.x.rows as u32).collect();
    let rows: Vec<usize> =
        folds::subsample(&all, &ctx.x.row_keys, PEEL_ROWS, settings.seed ^ 0x9EE1)
            .into_iter()
            .map(|r| r as usize)
            .collect();
    let x = ctx.x.take_rows(&rows);
    let fold_of: Vec<u8> = rows.iter().map(|&r| ctx.folds[r]).collect();
    let (y_cls, y_val);
    let labels = match ctx.labels {
        Labels::Classes { y, k } => {
            y_cls = rows.iter().map(|&r| y[r]).collect::<Vec<u32>>();
            Labels::Classes { y: &y_cls, k }
        }
        Labels::Values(v) => {
            y_val = rows.iter().map(|&r| v[r]).collect::<Vec<f64>>();
            Labels::Values(&y_val)
        }
    };
    // Only the importance shares matter here: fewer repeats, no drop-column refits.
    let light = EngineSettings {
        repeats: engine.repeats.min(2),
        ..engine.clone()
    };
    let problem = importance::Problem {
        x: &x,
        labels: &labels,
        folds: &fold_of,
    };
    // The lighter configuration of the surrogate: peeling needs shares and a score, and
    // peeled data rarely lets the booster stop early.
    let refit = |removed: &[usize]| -> Result<Option<ModelRun>> {
        let remaining: Vec<usize> = model_features
            .iter()
            .copied()
            .filter(|f| !removed.contains(f))
            .collect();
        if remaining.is_empty() {
            return Ok(None);
        }
        importance::run_model(
            peel_surrogate.as_ref(),
            &problem,
            &remaining,
            &light,
            settings.seed ^ 0x5EE1,
            false,
        )
        .map(Some)
    };
    for _ in 0..t.max_peel_rounds {
        if removed.is_empty() {
            break;
        }
        let Some(run) = refit(&removed)? else {
            break;
        };
        let top = checks::suspicious::responsible(ctx, &run.importance);
        steps.push(PeelStep {
            removed: removed.iter().map(|&f| name_of(f)).collect(),
            out_of_fold: run.oof.clone(),
            top_features: top.clone(),
            rows: rows.len(),
        });
        // A strong predictor the peeled model now leans on for most of its importance was hidden
        // behind the leaks just removed. A legitimate strong feature looks the same, so this is a
        // review (medium), not an alarm.
        let mut dominant = Vec::new();
        for (f, imp) in run.importance.iter().enumerate() {
            let Some(imp) = imp else { continue };
            let name = name_of(f);
            let already = checks::conclude::flagged(findings).contains(&name);
            if imp.share >= t.dominant_share && ctx.powers[f].power >= t.strong_power && !already {
                findings.push(Finding::new(
                    Some(&name),
                    FindingKind::DominantFeature,
                    Severity::Medium,
                    format!(
                        "Once {} are removed, the model leans on '{name}' for {} of its importance, and it is a strong predictor alone ({}); it was hidden behind them: confirm it is known at prediction time.",
                        steps.last().map(|s| s.removed.join(", ")).unwrap_or_default(),
                        pct(imp.share),
                        checks::describe_power(&ctx.powers[f])
                    ),
                    json!({
                        "after_peeling": steps.last().map(|s| s.removed.clone()),
                        "importance_share": r4(imp.share),
                        "single_feature_power": r4(ctx.powers[f].power),
                        "round": steps.len(),
                    }),
                ));
                dominant.push(f);
            }
        }
        let (metric, score) = crate::importance::metrics::headline(&run.oof);
        if !dominant.is_empty() {
            removed.extend(dominant);
            continue;
        }
        if score < t.suspicious_score || top.is_empty() {
            break;
        }
        // The reconstruct-the-target signature: in a near-perfect model, columns carrying a large
        // share of the importance while predicting little alone (they only work together).
        let synergy: Vec<(String, f64, f64)> = run
            .importance
            .iter()
            .enumerate()
            .filter_map(|(f, imp)| imp.map(|i| (f, i.share)))
            .filter(|&(f, share)| {
                share >= t.synergy_share && ctx.powers[f].power < t.synergy_max_power
            })
            .map(|(f, share)| (name_of(f), r4(share), r4(ctx.powers[f].power)))
            .collect();
        if synergy.len() < 2 {
            break;
        }
        let names: Vec<String> = synergy.iter().map(|s| s.0.clone()).collect();
        let set_power = checks::suspicious::model_power(&labels, &run);
        let members_best = synergy.iter().map(|s| s.2).fold(0.0, f64::max);
        let mut fd = Finding::new(
            None,
            FindingKind::MultiFeatureLeak,
            Severity::High,
            format!(
                "Even without {}, the surrogate scores {metric} {score:.4} out of fold by combining {}: together these columns reconstruct the target.",
                steps.last().map(|s| s.removed.join(", ")).unwrap_or_default(),
                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
            ),
            json!({
                "metric": metric,
                "value": score,
                "removed_before": steps.last().map(|s| s.removed.clone()),
                "best_single_member_power": r4(members_best),
                "set_power": r4(set_power),
                "features": synergy,
                "top_features": top,
                "round": steps.len(),
            }),
        );
        fd.features = names.clone();
        findings.push(fd);
        for n in names {
            if let Some(f) = ctx.ds.features.iter().position(|c| c.name == n) {
                if !removed.contains(&f) {
                    removed.push(f);
                }
            }
        }
    }
    // What the peeled model leans on is evidence for companions; then the honest model is the
    // surrogate without exactly the features the report concludes are leaks.
    checks::conclude::conclude(ctx, findings);
    let final_removed = peelable(findings);
    if final_removed.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = final_removed.iter().map(|&f| name_of(f)).collect();
    let same = |s: &PeelStep| {
        let mut r = s.removed.clone();
        r.sort();
        let mut n = names.clone();
        n.sort();
        r == n
    };
    let (out_of_fold, leans_on) = match steps.iter().find(|s| same(s)) {
        Some(s) => (s.out_of_fold.clone(), s.top_features.clone()),
        None => match refit(&final_removed)? {
            Some(run) => (
                run.oof.clone(),
                checks::suspicious::responsible(ctx, &run.importance),
            ),
            None => return Ok(None),
        },
    };
    let (metric, with) = crate::importance::metrics::headline(&ctx.run.oof);
    let without = crate::importance::metrics::headline(&out_of_fold).1;
    Ok(Some(HonestModel {
        removed: names,
        metric: metric.to_string(),
        with_leaks: round6(with),
        without_leaks: round6(without),
        out_of_fold,
        leans_on,
        rows: rows.len(),
    }))
}

fn feature_table(
    ds: &Dataset,
    x: &BinnedMatrix,
    powers: &[importance::Power],
    run: &ModelRun,
    findings: &[Finding],
) -> Vec<FeatureInfo> {
    let rank = |vals: Vec<(usize, f64)>| -> BTreeMap<usize, usize> {
        let mut v = vals;
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter()
            .enumerate()
            .map(|(i, (f, _))| (f, i + 1))
            .collect()
    };
    let modelled = |f: usize| run.importance[f].as_ref();
    let perm_rank = rank(
        (0..x.features())
            .filter_map(|f| modelled(f).map(|i| (f, i.permutation_mean)))
            .collect(),
    );
    let drop_rank = rank(
        (0..x.features())
            .filter_map(|f| modelled(f).map(|i| (f, i.drop_column)))
            .filter(|(_, d)| d.is_finite())
            .collect(),
    );
    let power_rank = rank((0..x.features()).map(|f| (f, powers[f].power)).collect());
    let mut table: Vec<FeatureInfo> = ds
        .features
        .iter()
        .enumerate()
        .map(|(f, col)| {
            let imp = modelled(f);
            FeatureInfo {
                name: col.name.clone(),
                ty: col.ty,
                missing_fraction: round6(col.missing_fraction()),
                distinct: col.distinct(),
                modelled: imp.is_some(),
                single_feature_power: PowerInfo {
                    power: round6(powers[f].power),
                    metric: powers[f].metric.to_string(),
                    value: round6(powers[f].value),
                },
                permutation_importance: imp.map(|i| PermutationInfo {
                    mean: round6(i.permutation_mean),
                    std: round6(i.permutation_std),
                }),
                drop_column_importance: imp
                    .map(|i| round6(i.drop_column))
                    .filter(|d| d.is_finite()),
                importance_share: imp.map_or(0.0, |i| round6(i.share)),
                ranks: Ranks {
                    permutation: perm_rank.get(&f).copied(),
                    drop_column: drop_rank.get(&f).copied(),
                    single_feature_power: power_rank[&f],
                },
                severity: findings
                    .iter()
                    .filter(|fd| fd.concerns(&col.name))
                    .map(|fd| fd.severity)
                    .max(),
            }
        })
        .collect();
    table.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(
                b.single_feature_power
                    .power
                    .total_cmp(&a.single_feature_power.power),
            )
            .then(a.name.cmp(&b.name))
    });
    table
}

/// Display bins of at most this many groups for a feature's diagnostic plot.
const DISPLAY_BINS: usize = 16;

/// How feature `f` is distributed over the target, grouped into a few display bins.
fn distribution(
    x: &BinnedMatrix,
    labels: &Labels,
    ds: &Dataset,
    f: usize,
    findings: &[&Finding],
) -> Distribution {
    use crate::surrogate::binned::{fmt_num, BinKind};
    let col = &x.cols[f];
    let nb = x.n_bins[f];
    let mut fine_counts = vec![0usize; nb];
    col.iter().for_each(|&b| fine_counts[b as usize] += 1);
    // Map fine bins to display groups: missing alone; ordered bins merged to equal counts;
    // categories by frequency (bins are already frequency-ordered), the tail as "other".
    let mut group = vec![usize::MAX; nb];
    let mut names: Vec<String> = Vec::new();
    if fine_counts[0] > 0 {
        group[0] = 0;
        names.push("missing".into());
    }
    let present: usize = fine_counts[1..].iter().sum();
    match x.kinds[f] {
        BinKind::Categorical => {
            for (b, slot) in group.iter_mut().enumerate().skip(1) {
                if b < DISPLAY_BINS {
                    *slot = names.len();
                    names.push(x.describe_bin(f, b as u8));
                } else {
                    if b == DISPLAY_BINS {
                        names.push("(other)".into());
                    }
                    *slot = names.len() - 1;
                }
            }
        }
        BinKind::Ordered => {
            let quota = (present / DISPLAY_BINS).max(1);
            let mut start = 1;
            let mut acc = 0;
            for b in 1..nb {
                group[b] = names.len();
                acc += fine_counts[b];
                if acc >= quota || b == nb - 1 {
                    let label = if start == b {
                        x.describe_bin(f, b as u8)
                    } else if start == 1 {
                        format!("<= {}", fmt_num(x.edges[f][b - 1]))
                    } else {
                        format!(
                            "({}, {}]",
                            fmt_num(x.edges[f][start - 2]),
                            fmt_num(x.edges[f][b - 1])
                        )
                    };
                    names.push(label);
                    start = b + 1;
                    acc = 0;
                }
            }
        }
    }
    let g = names.len();
    let mut rows = vec![0u64; g];
    for (b, &c) in fine_counts.iter().enumerate() {
        if group[b] != usize::MAX {
            rows[group[b]] += c as u64;
        }
    }
    let kinds: Vec<FindingKind> = findings.iter().map(|fd| fd.kind).collect();
    let mut marked = Vec::new();
    if kinds.contains(&FindingKind::MissingnessLeak) && fine_counts[0] > 0 {
        marked.push(0);
    }
    let (series, values) = match labels {
        Labels::Classes { y, k } => {
            let mut counts = vec![vec![0.0; g]; *k];
            let mut totals = vec![0.0f64; *k];
            for (r, &b) in col.iter().enumerate() {
                counts[y[r] as usize][group[b as usize]] += 1.0;
                totals[y[r] as usize] += 1.0;
            }
            for d in 0..g {
                let in_bin: f64 = counts.iter().map(|c| c[d]).sum();
                let top = counts.iter().map(|c| c[d]).fold(0.0, f64::max);
                if in_bin >= 0.05 * x.rows as f64 && top / in_bin >= 0.97 && !marked.contains(&d) {
                    marked.push(d);
                }
            }
            let values = (0..*k)
                .map(|c| {
                    counts[c]
                        .iter()
                        .map(|v| round6(v / totals[c].max(1.0)))
                        .collect()
                })
                .collect();
            let classes = match &ds.target {
                Target::Classes { classes, .. } => classes.clone(),
                Target::Values(_) => Vec::new(),
            };
            (classes, values)
        }
        Labels::Values(y) => {
            let mut sum = vec![0.0; g];
            for (r, &b) in col.iter().enumerate() {
                sum[group[b as usize]] += y[r];
            }
            let means = sum
                .iter()
                .zip(&rows)
                .map(|(s, &n)| if n > 0 { round6(s / n as f64) } else { 0.0 })
                .collect();
            (vec![format!("mean {}", ds.target_name)], vec![means])
        }
    };
    marked.sort_unstable();
    Distribution {
        feature: ds.features[f].name.clone(),
        bins: names,
        series,
        values,
        rows,
        marked,
        kinds,
    }
}
