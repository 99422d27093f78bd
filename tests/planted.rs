//! Planted leaks of every kind, over many seeds and all tasks: recall at `high` or above, with
//! the right kind, and never `critical` on a legitimate decoy.

use leakhound::synth::{generate, Plant, ALL};
use leakhound::Settings;
use leakhound::Severity;
use leakhound::Task;

use crate::common::audit_table;

const SEEDS: u64 = 5;
const ROWS: usize = 1500;

/// Defaults but for fewer permutation repeats, to keep the suite fast.
fn settings(seed: u64) -> Settings {
    let mut s = Settings {
        seed,
        ..Default::default()
    };
    s.engine.repeats = 3;
    s
}

/// The severity a plant must reach. A dominant driver that no other column observes is exactly
/// what a legitimate single driver looks like (carat for a diamond's price), so it is a review
/// (`medium`), never an alarm on its own; every other plant is a leak signature (`high`+).
fn required(plant: Plant) -> Severity {
    if plant == Plant::Dominant {
        Severity::Medium
    } else {
        Severity::High
    }
}

#[test]
fn planted_leaks_are_found_and_decoys_are_not_critical() {
    let mut hits = 0;
    let mut total = 0;
    let mut misses = Vec::new();
    let mut false_critical = Vec::new();
    for &plant in ALL {
        for task in [Task::Binary, Task::Multiclass, Task::Regression] {
            if !plant.applies(task) {
                continue;
            }
            for seed in 0..SEEDS {
                let s = generate(plant, task, ROWS, seed);
                let settings = settings(seed);
                let report = audit_table(s.table(), "y", &settings);
                assert_eq!(report.dataset.task, task, "{plant:?}");
                for (leak, kinds) in &s.leaks {
                    total += 1;
                    let found = report.findings.iter().any(|f| {
                        f.severity >= required(plant)
                            && kinds.contains(&f.kind)
                            && (f.feature.as_deref() == Some(leak) || f.features.contains(leak))
                    });
                    if found {
                        hits += 1;
                    } else {
                        let got: Vec<String> = report
                            .findings
                            .iter()
                            .filter(|f| f.features.contains(leak))
                            .map(|f| format!("{}:{}", f.kind, f.severity.as_str()))
                            .collect();
                        misses.push(format!("{plant:?}/{task:?}/seed {seed}: {leak} -> {got:?}"));
                    }
                }
                for d in &s.decoys {
                    if report.findings.iter().any(|f| {
                        f.severity == Severity::Critical && f.feature.as_deref() == Some(d)
                    }) {
                        false_critical.push(format!("{plant:?}/{task:?}/seed {seed}: {d}"));
                    }
                }
            }
        }
    }
    let recall = hits as f64 / total as f64;
    println!("planted-leak recall (high+, dominant medium+): {hits}/{total} = {recall:.3}");
    println!("misses: {misses:#?}");
    assert!(recall >= 0.95, "recall {recall:.3}; misses: {misses:#?}");
    assert!(
        false_critical.is_empty(),
        "critical on decoys: {false_critical:#?}"
    );
}

#[test]
fn clean_synthetic_data_has_nothing_above_medium() {
    for task in [Task::Binary, Task::Multiclass, Task::Regression] {
        for seed in 0..3 {
            let s = generate(Plant::None, task, ROWS, seed);
            let report = audit_table(s.table(), "y", &settings(seed));
            let bad: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::High)
                .collect();
            assert!(bad.is_empty(), "{task:?} seed {seed}: {bad:#?}");
        }
    }
}

#[test]
fn strong_legitimate_feature_ranks_first_and_noise_near_zero() {
    for task in [Task::Binary, Task::Multiclass, Task::Regression] {
        let s = generate(Plant::None, task, ROWS, 11);
        let r = audit_table(s.table(), "y", &Settings::default());
        let strong = r.features.iter().find(|f| f.name == "strong").unwrap();
        assert_eq!(strong.ranks.permutation, Some(1), "{task:?}");
        assert_eq!(strong.ranks.drop_column, Some(1), "{task:?}");
        assert_eq!(strong.ranks.single_feature_power, 1, "{task:?}");
        let noise = r.features.iter().find(|f| f.name == "noise").unwrap();
        assert!(
            noise.permutation_importance.unwrap().mean.abs() < 0.01,
            "{task:?}: {noise:?}"
        );
        assert!(
            noise.single_feature_power.power < 0.1,
            "{task:?}: {noise:?}"
        );
    }
}
