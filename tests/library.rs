//! The library as a Rust user calls it: the builder validates every setting before any work and
//! says which one is wrong; tables from columns audit like files; compare works on reports.

use leakhound::synth::{generate, Plant};
use leakhound::{compare, Audit, Error, FindingKind, Settings, Severity, Table, Task, Thresholds};

fn small() -> Table {
    generate(Plant::PostOutcome, Task::Binary, 400, 3).table()
}

fn setting_error(audit: Audit) -> (String, String) {
    match audit.run(small()) {
        Err(Error::Setting { name, problem }) => (name, problem),
        other => panic!("expected a setting error, got {other:?}"),
    }
}

#[test]
fn invalid_settings_are_typed_errors_not_panics() {
    let (name, problem) = setting_error(Audit::new("y").repeats(0));
    assert_eq!(
        (name.as_str(), problem.as_str()),
        ("repeats", "must be between 1 and 100, got 0")
    );
    assert_eq!(setting_error(Audit::new("y").folds(1)).0, "folds");
    let (name, problem) = setting_error(Audit::new("y").folds(300));
    assert_eq!(name, "folds");
    assert!(problem.contains("got 300"), "{problem}");
    assert_eq!(
        setting_error(Audit::new("y").dup_tolerance(-0.5)).0,
        "dup_tolerance"
    );
    assert_eq!(
        setting_error(Audit::new("y").dup_tolerance(f64::NAN)).0,
        "dup_tolerance"
    );
    assert_eq!(setting_error(Audit::new("y").max_rows(0)).0, "max_rows");
    let (name, problem) = setting_error(Audit::new("y").threshold("no_such_threshold", 0.5));
    assert_eq!(name, "no_such_threshold");
    assert!(problem.contains("unknown threshold"), "{problem}");
    assert_eq!(
        setting_error(Audit::new("y").threshold("strong_power", 1.5)).0,
        "strong_power"
    );
    let mut s = Settings::default();
    s.engine.permutation_rows = 0;
    assert_eq!(
        setting_error(Audit::new("y").settings(s)).0,
        "permutation_rows"
    );
    // check() needs no data: a caller can fail before reading a file.
    assert!(Audit::new("y").repeats(0).check().is_err());
    assert!(Audit::new("y").check().is_ok());
}

#[test]
fn roles_are_checked_against_the_table() {
    let e = Audit::new("nope").run(small()).unwrap_err().to_string();
    assert!(
        e.starts_with("unknown column 'nope' given to `target`"),
        "{e}"
    );
    let e = Audit::new("y")
        .allow("outcome_cod")
        .run(small())
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean 'outcome_code'"), "{e}");
    let e = Audit::new("y")
        .split_col("y")
        .test(small())
        .check()
        .unwrap_err();
    assert!(matches!(e, Error::Setting { ref name, .. } if name == "split_col"));
}

#[test]
fn a_table_from_columns_audits_like_its_csv() {
    let s = generate(Plant::Missingness, Task::Binary, 1500, 9);
    let from_builder = Audit::new("y").run(s.table()).unwrap();
    let dir = std::env::temp_dir().join(format!("leakhound-lib-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.csv");
    std::fs::write(&path, s.csv()).unwrap();
    let from_file = Audit::new("y")
        .run(Table::from_path(&path).unwrap().with_name("test"))
        .unwrap();
    let json = |r: &leakhound::Report| {
        let mut v = serde_json::to_value(r).unwrap();
        v.as_object_mut().unwrap().remove("timings");
        v
    };
    assert_eq!(json(&from_builder), json(&from_file));
    assert!(from_builder
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::MissingnessLeak && f.severity >= Severity::High));
}

#[test]
fn compare_two_library_reports() {
    let old = Audit::new("y")
        .run(generate(Plant::None, Task::Binary, 800, 4).table())
        .unwrap();
    let new = Audit::new("y")
        .run(generate(Plant::PostOutcome, Task::Binary, 800, 4).table())
        .unwrap();
    let c = compare::compare(
        &compare::Side::from_report(old, "v1"),
        &compare::Side::from_report(new, "v2"),
        &Thresholds::default(),
    );
    assert!(c
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::NewLeak && f.feature.as_deref() == Some("outcome_code")));
    assert!(c.max_severity() >= Some(Severity::High));
}

/// A model in memory, behind the public `Predictor`: it leans on the planted post-outcome
/// column, and the audit says so; a model that fails is a clear error naming it.
#[test]
fn an_in_memory_model_is_audited_through_the_predictor_trait() {
    use leakhound::{ModelInput, ModelOutput, PredictError, Predictor};

    /// Reads one column and thresholds it: a model that uses nothing else. It takes the
    /// table's numeric columns.
    struct OneColumn {
        column: String,
        inputs: Vec<String>,
        fail: bool,
    }

    impl Predictor for OneColumn {
        fn name(&self) -> String {
            format!("threshold on {}", self.column)
        }
        fn output(&self) -> ModelOutput {
            ModelOutput::Classes {
                labels: vec!["0".into(), "1".into()],
                stored: true,
            }
        }
        fn feature_names(&self) -> Option<Vec<String>> {
            Some(self.inputs.clone())
        }
        fn predict(&self, x: &ModelInput) -> Result<Vec<f64>, PredictError> {
            if self.fail {
                return Err("the model is not fitted".into());
            }
            let j = x
                .columns
                .iter()
                .position(|c| *c == self.column)
                .ok_or("no such input")?;
            Ok((0..x.rows)
                .flat_map(|r| {
                    let v = x.row(r)[j];
                    let p = if v.is_nan() {
                        0.5
                    } else if v > 0.0 {
                        0.95
                    } else {
                        0.05
                    };
                    [1.0 - p, p]
                })
                .collect())
        }
    }

    let data = generate(Plant::PostOutcome, Task::Binary, 1500, 5);
    let table = data.table();
    let leak = data.leaks[0].0.clone();
    let inputs: Vec<String> = table
        .column_names()
        .into_iter()
        .filter(|c| *c != "y" && table.column_type(c) != Some(leakhound::ColumnType::Categorical))
        .map(str::to_string)
        .collect();
    assert!(
        inputs.contains(&leak),
        "the planted leak is numeric: {inputs:?}"
    );
    let model = OneColumn {
        column: leak.clone(),
        inputs: inputs.clone(),
        fail: false,
    };
    let report = Audit::new("y")
        .predictor(Box::new(model))
        .run(table)
        .unwrap();
    let user = report.user_model.as_ref().expect("the model was audited");
    assert_eq!(user.format, leakhound::ModelFormat::Rust);
    assert_eq!(user.importance[0].feature, leak);
    assert!(
        user.importance[0].importance_share > 0.9,
        "{:?}",
        user.importance
    );
    assert!(report
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::ModelReliesOnLeak && f.concerns(&leak)));

    let broken = OneColumn {
        column: leak,
        inputs,
        fail: true,
    };
    match Audit::new("y")
        .predictor(Box::new(broken))
        .run(data.table())
    {
        Err(Error::Model { message, .. }) => assert!(message.contains("not fitted"), "{message}"),
        other => panic!("expected a model error, got {other:?}"),
    }
}

/// A table wide and long enough for drop-column importance to go over its work budget, whose
/// leak is a pair of near-identical copies of the target (a correlated cluster, each copy
/// standing in for the other): the budget refits the five most important features and cannot
/// afford the cluster, yet the cluster holds the importance and is judged on its refit.
#[test]
fn a_dominant_cluster_the_work_budget_skipped_is_still_judged() {
    let n = 12_000;
    let unit = |i: usize, salt: u64| {
        (leakhound::internals::splitmix64((i as u64) ^ salt.wrapping_mul(0x9E37_79B9)) >> 11) as f64
            / (1u64 << 53) as f64
    };
    let y: Vec<f64> = (0..n).map(|i| f64::from(unit(i, 1) < 0.4)).collect();
    let copy = |salt: u64| -> Vec<f64> {
        (0..n)
            .map(|i| y[i] * 2.0 + 0.3 * unit(i, 2) + 0.01 * unit(i, salt))
            .collect()
    };
    let mut b = Table::builder()
        .name("cluster")
        .numeric("settled_a", copy(3))
        .numeric("settled_b", copy(4));
    for j in 0..13u64 {
        b = b.numeric(format!("noise_{j}"), (0..n).map(|i| unit(i, 10 + j)));
    }
    let table = b.numeric("y", y.iter().copied()).build().unwrap();
    let report = Audit::new("y").run(table).unwrap();
    let cluster = report
        .clusters
        .iter()
        .find(|c| c.features.contains(&"settled_a".to_string()))
        .expect("the copies form a cluster");
    assert!(cluster.importance_share >= 0.5, "{cluster:?}");
    assert!(cluster.drop_column_importance.is_some(), "{cluster:?}");
    // Over the budget: the five most important features, then the cluster the audit refitted.
    assert_eq!(report.model.drop_column_refits, 6);
    assert!(report
        .features
        .iter()
        .any(|f| f.name.starts_with("noise_") && f.drop_column_importance.is_none()));
    assert!(report.findings.iter().any(
        |f| f.kind == FindingKind::DominantFeature && f.feature.as_deref() == Some("settled_a")
    ));
}
