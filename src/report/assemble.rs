//! Report assembly: the pieces an audit computed (single-feature power, the surrogate run,
//! findings, peeling, split checks) become the [`Report`] contract, with the feature table and
//! the distributions the plots of flagged features draw.

use std::collections::BTreeMap;

use super::{
    ClusterInfo, DatasetInfo, Distribution, FeatureInfo, ModelInfo, PermutationInfo, PowerInfo,
    Ranks, Report, Tool, Verdict, SCHEMA_VERSION,
};
use crate::checks::peel::Peeling;
use crate::data::{Dataset, Target};
use crate::finding::{Finding, FindingKind, Severity};
use crate::importance::{self, metrics::round6, ModelRun};
use crate::model::audit::UserModelInfo;
use crate::settings::Settings;
use crate::split::SplitInfo;
use crate::surrogate::{BinnedMatrix, Labels};
use rayon::prelude::*;

/// Everything an audit computed, for [`assemble`].
pub(crate) struct Parts<'a> {
    /// The audited data.
    pub ds: &'a Dataset,
    /// Its binned features.
    pub x: &'a BinnedMatrix,
    /// Its labels.
    pub labels: &'a Labels<'a>,
    /// Where it came from ("demo", a path, "memory").
    pub source: &'a str,
    /// Columns of the source table.
    pub columns: usize,
    /// Settings as used (folds clamped to the rows).
    pub settings: Settings,
    /// Surrogate name.
    pub surrogate: &'static str,
    /// Features the surrogate modelled.
    pub features_used: usize,
    /// Single-feature power per feature.
    pub powers: &'a [importance::Power],
    /// The surrogate run.
    pub run: &'a ModelRun,
    /// Findings, sorted, with allowed features removed.
    pub findings: Vec<Finding>,
    /// Iterative peeling, when it ran.
    pub peeling: Option<Peeling>,
    /// The split checks' summary.
    pub split: SplitInfo,
    /// The engine and what it counted exactly.
    pub engine: crate::report::EngineInfo,
    /// The user's model, when one was audited.
    pub user_model: Option<UserModelInfo>,
    /// Non-fatal notes.
    pub warnings: Vec<String>,
    /// Seconds per phase.
    pub timings: BTreeMap<String, f64>,
}

/// Build the report.
pub(crate) fn assemble(p: Parts) -> Report {
    let Parts {
        ds,
        x,
        labels,
        source,
        columns,
        settings,
        surrogate,
        features_used,
        powers,
        run,
        findings,
        peeling,
        split,
        engine,
        user_model,
        warnings,
        timings,
    } = p;
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
                .then(|| distribution(x, labels, ds, f, &on_feature))
        })
        .collect();
    let (peeling, honest_model) = match peeling {
        Some(Peeling { steps, honest }) => (steps, honest),
        None => (Vec::new(), None),
    };
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "leakhound".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        dataset: DatasetInfo {
            path: source.to_string(),
            rows: ds.rows_total,
            rows_used: ds.rows(),
            columns,
            target: ds.target_name.clone(),
            task: ds.task,
            classes: match &ds.target {
                Target::Classes { classes, .. } => classes.clone(),
                Target::Values(_) => Vec::new(),
            },
            sampled: ds.sampled,
        },
        settings,
        model: ModelInfo {
            surrogate: surrogate.into(),
            features_used,
            out_of_fold: run.oof.clone(),
            holdout: run.holdout.clone(),
            permutation_rows: run.permutation_rows,
            drop_column_rows: run.drop_column_rows,
            drop_column_refits: run.drop_column_refits,
            trees_per_fit: run.trees_per_fit,
            drop_column_base_skill: round6(run.drop_column_base),
        },
        features: feature_table(ds, x, powers, run, &findings),
        clusters: run
            .clusters
            .iter()
            .map(|(m, imp)| ClusterInfo {
                features: m.iter().map(|&f| ds.features[f].name.clone()).collect(),
                permutation_importance: PermutationInfo {
                    mean: round6(imp.permutation_mean),
                    std: round6(imp.permutation_std),
                },
                drop_column_importance: Some(round6(imp.drop_column)).filter(|d| d.is_finite()),
                importance_share: round6(imp.share),
            })
            .collect(),
        verdict: Verdict::of(&findings),
        findings,
        peeling,
        honest_model,
        split: Some(split),
        engine,
        distributions,
        user_model,
        warnings,
        timings,
    }
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
    // Counting distinct values sorts each column: in parallel, in column order.
    let mut table: Vec<FeatureInfo> = ds
        .features
        .par_iter()
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
