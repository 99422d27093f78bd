//! The three importances and the surrogate's scores, as pure functions of the binned data,
//! the labels, the folds and the seed.

pub mod clusters;
pub mod counts;
pub mod drop_column;
pub mod folds;
pub mod metrics;
pub mod permutation;
pub mod single_feature;

use crate::seeds::Stream;
use std::collections::BTreeMap;

use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::surrogate::{BinnedMatrix, Labels, Predictions, Surrogate};
pub use single_feature::Power;

/// Settings of the importance engine (all recorded in `report.json`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct EngineSettings {
    /// Cross-validation folds.
    pub folds: usize,
    /// Permutation repeats.
    pub repeats: usize,
    /// Held-out rows used for permutation importance, at most, over all folds (5,000 by
    /// default: what a 25% holdout of a 20,000-row table gives scikit-learn's
    /// `permutation_importance`, here spread over five models).
    pub permutation_rows: usize,
    /// Training rows used for each drop-column refit, at most.
    pub drop_column_rows: usize,
    /// Training rows of each fold's surrogate fit, at most (a seeded, row-content-keyed sample
    /// of the fold's training rows; every row is still predicted out of fold).
    #[serde(default = "default_fit_rows")]
    pub max_fit_rows: usize,
    /// |rank correlation| at which features form a cluster.
    pub cluster_threshold: f64,
}

fn default_fit_rows() -> usize {
    50_000
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            folds: 5,
            repeats: 5,
            permutation_rows: 5_000,
            drop_column_rows: 20_000,
            max_fit_rows: default_fit_rows(),
            cluster_threshold: 0.9,
        }
    }
}

/// The data every model run shares: binned features, labels, and the fold of each row.
#[derive(Clone, Copy)]
pub struct Problem<'a> {
    /// Binned features.
    pub x: &'a BinnedMatrix,
    /// Labels.
    pub labels: &'a Labels<'a>,
    /// Fold per row.
    pub folds: &'a [u8],
}

/// Importance of one feature (or one cluster) in one model run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Importance {
    /// Mean skill drop when permuted.
    pub permutation_mean: f64,
    /// Standard deviation over repeats.
    pub permutation_std: f64,
    /// Skill drop when dropped and refitted.
    pub drop_column: f64,
    /// Share of the total (positive) permutation importance.
    pub share: f64,
}

/// One model run over a set of features: scores and importances.
#[derive(Debug, Clone)]
pub struct ModelRun {
    /// Out-of-fold metrics over all rows.
    pub oof: BTreeMap<String, f64>,
    /// Metrics on the first fold held out.
    pub holdout: BTreeMap<String, f64>,
    /// Importance per matrix feature (None when not in `features`).
    pub importance: Vec<Option<Importance>>,
    /// Clusters of correlated features and their joint importance.
    pub clusters: Vec<(Vec<usize>, Importance)>,
    /// Skill of the light model used as the drop-column baseline.
    pub drop_column_base: f64,
    /// Training rows in each drop-column refit.
    pub drop_column_rows: usize,
    /// Groups (features and clusters) refitted for drop-column importance.
    pub drop_column_refits: usize,
    /// Held-out rows used for permutation importance.
    pub permutation_rows: usize,
    /// Trees each fold's fit could grow ([`Surrogate::trees_per_fit`]).
    pub trees_per_fit: usize,
    /// Out-of-fold predictions, per row.
    pub oof_predictions: Predictions,
}

/// Fit the surrogate per fold, score it out of fold, and compute permutation and drop-column
/// importance for `features` and their correlated clusters.
pub fn run_model(
    surrogate: &dyn Surrogate,
    problem: &Problem,
    features: &[usize],
    settings: &EngineSettings,
    seed: u64,
    with_drop_column: bool,
) -> Result<ModelRun> {
    let Problem {
        x,
        labels,
        folds: fold_of,
    } = *problem;
    let k = settings.folds;
    let clusters = clusters::correlated_clusters(x, features, settings.cluster_threshold);
    let mut groups: Vec<Vec<usize>> = features.iter().map(|&f| vec![f]).collect();
    groups.extend(clusters.iter().cloned());
    let (train0, test0) = drop_column_rows(problem, settings, seed);
    let light = surrogate.light();
    let per_fold_perm_rows = (settings.permutation_rows / k).max(1);
    type FoldOut = (Vec<u32>, Predictions, Vec<Vec<f64>>, usize);
    // The jobs: each fold's fit, then its permutation importance, and the drop-column baseline
    // (it needs no importance). Five fits on two cores leave one core idle while the last runs
    // alone, so the fits are queued first (first in, first out) and the permutations after them:
    // those fill the idle core. Every job is a pure function of its inputs; results land in
    // their fold's slot, so the schedule changes nothing in them.
    let slots: Vec<Slot<FoldOut>> = (0..k).map(|_| Slot::default()).collect();
    let base_slot: Slot<f64> = Slot::default();
    rayon::scope_fifo(|s| {
        for f in 0..k as u8 {
            let (groups, slots) = (&groups, &slots);
            s.spawn_fifo(move |s| {
                let (train, test) = folds::split(fold_of, f);
                let fold_seed = seed ^ (u64::from(f) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let train = folds::subsample(&train, &x.row_keys, settings.max_fit_rows, fold_seed);
                let model = match surrogate.fit(x, labels, &train, features, fold_seed) {
                    Ok(m) => m,
                    Err(e) => return put(&slots[f as usize], Err(e)),
                };
                let pred = model.predict(&x.view(), &test);
                s.spawn_fifo(move |_| {
                    let perm_rows =
                        folds::subsample(&test, &x.row_keys, per_fold_perm_rows, fold_seed);
                    let drops = permutation::permutation(
                        model.as_ref(),
                        x,
                        labels,
                        &perm_rows,
                        groups,
                        settings.repeats,
                        fold_seed,
                    );
                    let n = perm_rows.len();
                    put(&slots[f as usize], Ok((test, pred, drops, n)));
                });
            });
        }
        if with_drop_column {
            let (light, train0, test0, base_slot) = (&light, &train0, &test0, &base_slot);
            s.spawn_fifo(move |_| {
                let base = drop_column::baseline(
                    light.as_ref(),
                    x,
                    labels,
                    (train0, test0),
                    features,
                    seed,
                );
                put(base_slot, base);
            });
        }
    });
    let fold_results = slots
        .into_iter()
        .map(|slot| take(slot).expect("every fold job fills its slot"))
        .collect::<Result<Vec<FoldOut>>>()?;
    let drop_base = take(base_slot).transpose()?;

    // Out-of-fold predictions in row order.
    let width = fold_results[0].1.width;
    let mut oof = Predictions {
        width,
        values: vec![0.0; x.rows * width],
    };
    for (test, pred, _, _) in &fold_results {
        for (i, &r) in test.iter().enumerate() {
            oof.values[r as usize * width..(r as usize + 1) * width]
                .copy_from_slice(&pred.values[i * width..(i + 1) * width]);
        }
    }
    let all: Vec<u32> = (0..x.rows as u32).collect();
    let oof_metrics = metrics::summary(labels, &oof, &all);
    let holdout = metrics::summary(labels, &fold_results[0].1, &fold_results[0].0);

    // Permutation: average over folds per repeat, then mean and std over repeats.
    let perm: Vec<(f64, f64)> = (0..groups.len())
        .map(|g| {
            let per_rep: Vec<f64> = (0..settings.repeats)
                .map(|r| fold_results.iter().map(|fr| fr.2[g][r]).sum::<f64>() / k as f64)
                .collect();
            let mean = per_rep.iter().sum::<f64>() / per_rep.len() as f64;
            let var = per_rep.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                / per_rep.len().max(2).saturating_sub(1) as f64;
            (mean, var.sqrt())
        })
        .collect();
    let permutation_rows = fold_results.iter().map(|fr| fr.3).sum();

    let classes = match labels {
        Labels::Classes { k, .. } => *k,
        Labels::Values(_) => 0,
    };
    let refit_work = train0.len().saturating_mul(light.trees_per_fit(classes));
    let refit = refit_groups(&perm, features.len(), refit_work);
    let drop_column_refits = if with_drop_column {
        refit.iter().filter(|&&r| r).count()
    } else {
        0
    };
    let (drop_base, drops) = match drop_base {
        Some(base) => (
            base,
            drop_column::drops(
                light.as_ref(),
                x,
                labels,
                (&train0, &test0),
                features,
                (&groups, &refit),
                seed,
                base,
            )?,
        ),
        None => (f64::NAN, vec![f64::NAN; groups.len()]),
    };

    let total: f64 = perm[..features.len()].iter().map(|p| p.0.max(0.0)).sum();
    let share = |v: f64| if total > 0.0 { v.max(0.0) / total } else { 0.0 };
    let mut importance = vec![None; x.features()];
    for (i, &f) in features.iter().enumerate() {
        importance[f] = Some(Importance {
            permutation_mean: perm[i].0,
            permutation_std: perm[i].1,
            drop_column: drops[i],
            share: share(perm[i].0),
        });
    }
    let clusters = clusters
        .into_iter()
        .enumerate()
        .map(|(c, members)| {
            let g = features.len() + c;
            let imp = Importance {
                permutation_mean: perm[g].0,
                permutation_std: perm[g].1,
                drop_column: drops[g],
                share: share(perm[g].0).min(1.0),
            };
            (members, imp)
        })
        .collect();
    Ok(ModelRun {
        oof: oof_metrics,
        holdout,
        importance,
        clusters,
        drop_column_base: drop_base,
        drop_column_rows: train0.len(),
        drop_column_refits,
        permutation_rows,
        trees_per_fit: surrogate.trees_per_fit(classes),
        oof_predictions: oof,
    })
}

/// The rows of every drop-column refit: the first fold's training rows and its held-out rows,
/// each a seeded sample.
fn drop_column_rows(
    problem: &Problem,
    settings: &EngineSettings,
    seed: u64,
) -> (Vec<u32>, Vec<u32>) {
    let (train0, test0) = folds::split(problem.folds, 0);
    let train0 = folds::subsample(
        &train0,
        &problem.x.row_keys,
        settings.drop_column_rows,
        Stream::DropColumnTrain.seed(seed),
    );
    let test0 = folds::subsample(
        &test0,
        &problem.x.row_keys,
        settings.permutation_rows,
        Stream::PermutationRows.seed(seed),
    );
    (train0, test0)
}

/// Drop-column refits after [`run_model`], computed as it computes them for the groups it
/// refits (given the same surrogate, problem, features, settings and seed, and its
/// `drop_column_base`): for a group its work budget skipped that turns out to matter (one that
/// can be judged dominant, or that a user's model leans on). The rows are drawn at the first
/// refit, once.
pub struct Refits<'a> {
    light: Box<dyn Surrogate>,
    problem: Problem<'a>,
    features: &'a [usize],
    settings: &'a EngineSettings,
    seed: u64,
    base: f64,
    rows: std::cell::OnceCell<(Vec<u32>, Vec<u32>)>,
}

impl<'a> Refits<'a> {
    /// Refits of `features` as the run with this surrogate, settings and seed made them.
    pub fn new(
        surrogate: &dyn Surrogate,
        problem: Problem<'a>,
        features: &'a [usize],
        (settings, seed): (&'a EngineSettings, u64),
        base: f64,
    ) -> Self {
        Refits {
            light: surrogate.light(),
            problem,
            features,
            settings,
            seed,
            base,
            rows: std::cell::OnceCell::new(),
        }
    }

    /// The drop-column importance of `group`.
    pub fn drop_column(&self, group: &[usize]) -> Result<f64> {
        let rows = self
            .rows
            .get_or_init(|| drop_column_rows(&self.problem, self.settings, self.seed));
        let drops = drop_column::drops(
            self.light.as_ref(),
            self.problem.x,
            self.problem.labels,
            (&rows.0, &rows.1),
            self.features,
            (&[group.to_vec()], &[true]),
            self.seed,
            self.base,
        )?;
        Ok(drops[0])
    }

    /// Give `imp` (the importance of `group`) its drop-column importance when the run left it
    /// out; whether it refitted.
    pub fn fill(&self, imp: &mut Importance, group: &[usize]) -> Result<bool> {
        if !imp.drop_column.is_nan() {
            return Ok(false);
        }
        imp.drop_column = self.drop_column(group)?;
        Ok(true)
    }
}

/// Where a job run on the pool leaves its result.
type Slot<T> = std::sync::Mutex<Option<Result<T>>>;

fn put<T>(slot: &Slot<T>, value: Result<T>) {
    *slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(value);
}

fn take<T>(slot: Slot<T>) -> Option<Result<T>> {
    slot.into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Work (training rows x trees x features x refits) drop-column importance may take: on the
/// light surrogate about a twentieth of a second on two cores, about what the folds' fits of
/// a mid-size table take. Trees count because a round of a many-class fit grows one per class.
pub const DROP_COLUMN_WORK: usize = 25_000_000;
/// Share of the permutation importance below which a feature is not refitted for drop-column
/// importance when the work is over [`DROP_COLUMN_WORK`] (its drop-column importance is
/// reported as null)...
pub const DROP_COLUMN_MIN_SHARE: f64 = 0.005;
/// ... and the features refitted whatever the work: the most important ones (dominance needs
/// half the importance, so only the first can be dominant; the next ones give it context). A
/// cluster holding enough of the importance to be judged is refitted by the audit when the
/// work left it out (`audit::pipeline`).
pub const DROP_COLUMN_ALWAYS: usize = 5;

/// Which groups (single features, then clusters) get a drop-column refit. When refitting them
/// all fits in [`DROP_COLUMN_WORK`] (decided by the work, not a feature count: `refit_work` is
/// one refit's training rows x trees) every group is refitted. Otherwise the
/// [`DROP_COLUMN_ALWAYS`] most important features are, and then, most important first, the
/// other features and the clusters with at least [`DROP_COLUMN_MIN_SHARE`] of the importance
/// while the work allows. A group the model barely uses cannot dominate it (dominance needs
/// half the importance), and its refit is most of the cost on wide data and with many classes.
fn refit_groups(perm: &[(f64, f64)], n_features: usize, refit_work: usize) -> Vec<bool> {
    let per_refit = refit_work.saturating_mul(n_features);
    if per_refit.saturating_mul(perm.len()) <= DROP_COLUMN_WORK {
        return vec![true; perm.len()];
    }
    let total: f64 = perm[..n_features].iter().map(|p| p.0.max(0.0)).sum();
    let share = |g: usize| {
        if total > 0.0 {
            perm[g].0.max(0.0) / total
        } else {
            0.0
        }
    };
    let by_importance = |a: &usize, b: &usize| perm[*b].0.total_cmp(&perm[*a].0).then(a.cmp(b));
    let mut features: Vec<usize> = (0..n_features).collect();
    features.sort_by(by_importance);
    let mut refit = vec![false; perm.len()];
    let mut spent = 0usize;
    for &g in features.iter().take(DROP_COLUMN_ALWAYS) {
        refit[g] = true;
        spent = spent.saturating_add(per_refit);
    }
    let mut rest: Vec<usize> = (0..perm.len()).filter(|&g| !refit[g]).collect();
    rest.sort_by(by_importance);
    for g in rest {
        let affordable = spent.saturating_add(per_refit) <= DROP_COLUMN_WORK;
        if share(g) >= DROP_COLUMN_MIN_SHARE && affordable {
            refit[g] = true;
            spent = spent.saturating_add(per_refit);
        }
    }
    refit
}

/// Single-feature power of every feature of the matrix. For regression each feature is scored
/// twice, against the target and against its ranks, and keeps the better: a binned lookup cannot
/// reach a heavy tail, so an exact re-expression of the target (`log(y)`, `y / 16`) scores like a
/// good feature on the raw scale and near-perfectly on the rank scale.
pub fn single_feature_powers(
    x: &BinnedMatrix,
    labels: &Labels,
    fold_of: &[u8],
    k: usize,
) -> Vec<Power> {
    let ranks = match labels {
        Labels::Values(y) => Some(single_feature::ranks(y)),
        Labels::Classes { .. } => None,
    };
    (0..x.features())
        .into_par_iter()
        .map(|f| {
            let ordered = x.kinds[f] == crate::surrogate::binned::BinKind::Ordered;
            single_feature::power_with_ranks(
                &x.cols[f],
                x.n_bins[f],
                ordered,
                labels,
                ranks.as_deref(),
                fold_of,
                k,
            )
        })
        .collect()
}

/// Permutation importance as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PermutationInfo {
    /// Mean skill drop.
    pub mean: f64,
    /// Standard deviation over repeats.
    pub std: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ColumnBuilder;
    use crate::surrogate::Gbm;

    /// One group refitted on its own gives the bits `run_model` gave it: the same rows, the same
    /// light surrogate, the same seed.
    #[test]
    fn a_group_refitted_alone_matches_the_run() {
        let n = 600;
        let columns: Vec<_> = (0..4)
            .map(|j| {
                let mut b = ColumnBuilder::new();
                (0..n).for_each(|i| b.push(&(((i * (j + 3) * 7) % 23) as f64).to_string()));
                b.finish(format!("x{j}"))
            })
            .collect();
        let x = BinnedMatrix::from_columns(&columns);
        let y: Vec<u32> = (0..n)
            .map(|i| u32::from((i * 3 * 7) % 23 + (i * 5 * 7) % 23 > 22))
            .collect();
        let labels = Labels::Classes { y: &y, k: 2 };
        let folds: Vec<u8> = (0..n).map(|i| (i % 5) as u8).collect();
        let problem = Problem {
            x: &x,
            labels: &labels,
            folds: &folds,
        };
        let (gbm, settings, features) = (Gbm::default(), EngineSettings::default(), [0, 1, 2, 3]);
        let run = run_model(&gbm, &problem, &features, &settings, 7, true).unwrap();
        let refits = Refits::new(
            &gbm,
            problem,
            &features,
            (&settings, 7),
            run.drop_column_base,
        );
        for f in features {
            let alone = refits.drop_column(&[f]).unwrap();
            let in_run = run.importance[f].unwrap().drop_column;
            assert!(in_run.is_finite(), "feature {f} refitted in the run");
            assert_eq!(alone.to_bits(), in_run.to_bits(), "feature {f}");
        }
    }

    /// Refitting every group is decided by the work, trees included: a table the binary light
    /// model refits in full is cut to the important features when its target has many classes
    /// (each round grows a tree per class).
    #[test]
    fn drop_column_refits_count_the_trees_of_many_classes() {
        let light = Gbm::default().light();
        let features = 40;
        // Importance falling off: a few features carry it, most have under 0.5%.
        let perm: Vec<(f64, f64)> = (0..features)
            .map(|i| (0.5f64.powi(i as i32), 0.0))
            .collect();
        let rows = 300;
        let binary = refit_groups(&perm, features, rows * light.trees_per_fit(2));
        assert!(binary.iter().all(|&r| r), "binary: every feature refitted");
        let many = refit_groups(&perm, features, rows * light.trees_per_fit(32));
        // The always-refitted first, then while the work allows the others over 0.5%: features
        // 5 and 6 (1.6% and 0.8% of the importance); feature 7 holds 0.4%.
        let refitted: Vec<usize> = (0..perm.len()).filter(|&g| many[g]).collect();
        assert_eq!(refitted, (0..7).collect::<Vec<_>>(), "32 classes");
    }

    /// Over the work limit, the groups past the always-refitted features are refitted most
    /// important first while the work allows, clusters ranked among the features by their
    /// joint importance.
    #[test]
    fn drop_column_refits_stop_at_the_work_limit() {
        let features = 30;
        // Importance spread evenly (every feature over 0.5%), falling slowly, and two clusters:
        // one jointly above all but the first six features, one below them all.
        let mut perm: Vec<(f64, f64)> = (0..features)
            .map(|i| (1.0 - i as f64 / 100.0, 0.0))
            .collect();
        perm.extend([(0.955, 0.0), (0.5, 0.0)]);
        let per_refit = DROP_COLUMN_WORK / 15;
        let refit = refit_groups(&perm, features, per_refit / features);
        let affordable = DROP_COLUMN_WORK / (per_refit / features * features);
        assert_eq!(affordable, 15);
        assert!(refit[features], "the important cluster is refitted");
        assert!(!refit[features + 1], "the work ran out before the other");
        let singles: Vec<usize> = (0..features).filter(|&f| refit[f]).collect();
        assert_eq!(singles, (0..affordable - 1).collect::<Vec<_>>());
    }
}
