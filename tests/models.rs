//! The model fixtures in `models/`: every file loads and reproduces the predictions its own
//! library (or onnxruntime) made, and broken or foreign model files are refused by name.

use std::path::{Path, PathBuf};

use leakhound::{ModelOutput as Output, UserModel};

use crate::common::{fixture, run, tempdir, text};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(models_dir().join("fixtures.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest json")
}

/// The first `n` rows of a fixture table, as f64 columns by name.
fn rows(data: &str, features: &[String], n: usize) -> Vec<f64> {
    let mut reader = csv::Reader::from_path(models_dir().join(data)).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let idx: Vec<usize> = features
        .iter()
        .map(|f| header.iter().position(|h| h == f).expect("column"))
        .collect();
    let mut out = Vec::new();
    for rec in reader.records().take(n) {
        let rec = rec.expect("record");
        for &i in &idx {
            out.push(rec[i].parse::<f32>().map_or(f64::NAN, f64::from));
        }
    }
    out
}

fn reference(path: &str) -> Vec<Vec<f64>> {
    let mut reader = csv::Reader::from_path(models_dir().join(path)).expect("reference");
    reader
        .records()
        .map(|r| {
            r.expect("record")
                .iter()
                .map(|v| v.parse().expect("number"))
                .collect()
        })
        .collect()
}

/// Every fixture's predictions on the first rows of the table it was trained on. Models that
/// store their input names are fed the raw table (strings as strings, through the model's own
/// preprocessing); the others the manifest's columns as numbers.
#[test]
fn every_fixture_matches_its_reference_predictions() {
    let m = manifest();
    let n = m["reference_rows"].as_u64().expect("rows") as usize;
    let models = m["models"].as_array().expect("models");
    assert!(models.len() >= 37, "fixtures missing");
    for entry in models {
        let file = entry["file"].as_str().expect("file");
        let data = entry["data"]
            .as_str()
            .unwrap_or(m["data"].as_str().expect("data"));
        let features: Vec<String> = entry["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|v| v.as_str().expect("name").to_string())
            .collect();
        let model =
            UserModel::load(&models_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        // Every exporter but onnxmltools and PyTorch stores the names.
        let pred = match &model.feature_names {
            Some(names) => {
                assert_eq!(names, &features, "{file}: stored feature names");
                let table = leakhound::Table::from_path(models_dir().join(data)).expect("table");
                model
                    .predict_table(&table)
                    .unwrap_or_else(|e| panic!("{file}: {e}"))
            }
            None => {
                assert!(
                    file.starts_with("onnxmltools") || file.starts_with("torch"),
                    "{file}: names not read"
                );
                model
                    .predict(&rows(data, &features, n), features.len())
                    .unwrap_or_else(|e| panic!("{file}: {e}"))
            }
        };
        let want = reference(entry["reference"].as_str().expect("reference"));
        assert_eq!(want.len(), n, "{file}");
        let task = entry["task"].as_str().expect("task");
        match (&model.output, task) {
            (Output::Values, "regression") => assert_eq!(pred.width, 1, "{file}"),
            (Output::Classes { labels, .. }, "binary") => assert_eq!(labels.len(), 2, "{file}"),
            (Output::Classes { labels, .. }, "multiclass") => {
                assert!((3..=5).contains(&labels.len()), "{file}")
            }
            (o, t) => panic!("{file}: output {o:?} for a {t} model"),
        }
        for (r, want_row) in want.iter().enumerate() {
            // Binary references from XGBoost/LightGBM/PyTorch hold P(class 1) only.
            let got = &pred.values[r * pred.width..(r + 1) * pred.width];
            let got = if want_row.len() == 1 && pred.width == 2 {
                &got[1..]
            } else {
                got
            };
            assert_eq!(got.len(), want_row.len(), "{file} row {r}");
            for (g, w) in got.iter().zip(want_row) {
                // 1e-5 relative to the value (to 1 for probabilities and small values).
                let tol = 1e-5 * w.abs().max(1.0);
                assert!(
                    (g - w).abs() <= tol,
                    "{file} row {r}: leakhound {g}, reference {w}"
                );
            }
        }
    }
}

fn model(name: &str) -> String {
    models_dir().join(name).display().to_string()
}

fn audit_with(model_file: &str, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    audit_on("data/loans.csv", "default", model_file, extra)
}

/// Audit a fixture table (under `models/`) with a model; the exit status and the report.
fn audit_on(
    data: &str,
    target: &str,
    model_file: &str,
    extra: &[&str],
) -> (std::process::Output, serde_json::Value) {
    let dir = tempdir(&format!(
        "model-{}-{}",
        data.replace(['/', '.'], "_"),
        model_file
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace('.', "_")
    ));
    let data = models_dir().join(data).display().to_string();
    let mut args = vec![
        "audit",
        &data,
        "--target",
        target,
        "--model-file",
        model_file,
        "--no-plots",
        "-q",
        "--no-peel",
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    let o = run(&dir, &args);
    let report = std::fs::read_to_string(dir.join("out/report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (o, report)
}

/// The user model's importance shares add up to one.
fn assert_shares_sum_to_one(user_model: &serde_json::Value, file: &str) {
    let shares: f64 = user_model["importance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["importance_share"].as_f64().unwrap())
        .sum();
    assert!(
        (shares - 1.0).abs() < 1e-3,
        "{file}: shares sum to {shares}"
    );
}

fn relies_on(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["kind"] == "model_relies_on_leak")
        .map(|f| f["feature"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_leaky_model_is_caught_leaning_on_the_leak() {
    let (o, r) = audit_with(&model("xgboost_binary_leaky.json"), &["--fail-on", "high"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(relies_on(&r), vec!["days_in_collections".to_string()]);
    let u = &r["user_model"];
    assert_eq!(u["format"], "xgboost_json");
    assert_eq!(
        u["features_matched_by"],
        "feature names stored in the model"
    );
    assert_eq!(u["importance"][0]["feature"], "days_in_collections");
    assert!(u["importance"][0]["importance_share"].as_f64().unwrap() > 0.5);
    assert!(u["metrics"]["roc_auc"].as_f64().unwrap() > 0.99);
    assert!(out.contains("your model:"), "{out}");
}

/// The models people ship, audited from the raw table they were trained on: a network and a
/// gradient-boosted model trained with the credit card table's post-outcome columns are caught
/// leaning on them; pipelines over strings and missing values, networks and CatBoost trained on
/// clean columns are not accused.
#[test]
fn shipped_models_are_audited_from_their_raw_tables() {
    for (data, target, file) in [
        ("data/creditcard.csv", "card", "catboost_binary_leaky.json"),
        (
            "data/creditcard.csv",
            "card",
            "sklearn_pipeline_mlp_leaky_binary.onnx",
        ),
    ] {
        let (o, r) = audit_on(data, target, &model(file), &["--fail-on", "high"]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: {err}");
        let flagged = &r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "model_relies_on_leak")
            .unwrap_or_else(|| panic!("{file}: no model_relies_on_leak"))["features"];
        let names: Vec<&str> = flagged
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(names.contains(&"expenditure"), "{file}: {names:?}");
        assert!(
            names.iter().all(|n| ["expenditure", "share"].contains(n)),
            "{file}: {names:?}"
        );
    }
    let loans = "age,income,employment_years,debt_ratio,credit_score,late_payments_12m,loan_amount";
    for (data, target, file, extra, metric, range) in [
        (
            "data/titanic.csv",
            "survived",
            "sklearn_pipeline_onehot_binary.onnx",
            vec![],
            "roc_auc",
            (0.75, 0.95),
        ),
        (
            "data/penguins.csv",
            "species",
            "sklearn_pipeline_imputer_multiclass.onnx",
            vec![],
            "accuracy",
            (0.9, 1.01),
        ),
        (
            "data/penguins.csv",
            "body_mass_g",
            "sklearn_pipeline_imputer_regression.onnx",
            vec![],
            "r2",
            (0.6, 0.95),
        ),
        (
            "data/penguins.csv",
            "species",
            "catboost_multiclass.json",
            vec![],
            "accuracy",
            (0.9, 1.01),
        ),
        (
            "data/loans.csv",
            "income",
            "catboost_regression.json",
            vec!["--task", "regression"],
            "r2",
            (0.2, 0.6),
        ),
        (
            "data/loans.csv",
            "default",
            "sklearn_mlp_binary.onnx",
            vec![],
            "roc_auc",
            (0.75, 0.99),
        ),
        (
            "data/loans.csv",
            "default",
            "torch_mlp_binary.onnx",
            vec!["--model-features", loans],
            "roc_auc",
            (0.7, 0.99),
        ),
    ] {
        let (o, r) = audit_on(data, target, &model(file), &extra);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{file}: {err}");
        assert!(relies_on(&r).is_empty(), "{file}");
        let u = &r["user_model"];
        let score = u["metrics"][metric].as_f64().unwrap();
        assert!(
            score > range.0 && score < range.1,
            "{file}: {metric} {score}"
        );
        assert_shares_sum_to_one(u, file);
    }
    // The string input matters: the pipeline's importance on 'sex' (a text column).
    let (_, r) = audit_on(
        "data/titanic.csv",
        "survived",
        &model("sklearn_pipeline_onehot_binary.onnx"),
        &[],
    );
    let sex = r["user_model"]["importance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["feature"] == "sex")
        .unwrap()["importance_share"]
        .as_f64()
        .unwrap();
    assert!(sex > 0.3, "sex share {sex}");
    assert_eq!(r["user_model"]["format"], "onnx");
}

#[test]
fn clean_models_of_every_format_are_not_accused() {
    let names = "age,income,employment_years,debt_ratio,credit_score,late_payments_12m,loan_amount";
    for (file, extra) in [
        ("lightgbm_binary.txt", vec![]),
        ("sklearn_hist_gradient_boosting_binary.onnx", vec![]),
        ("sklearn_linear_binary.onnx", vec![]),
        (
            "onnxmltools_xgboost_binary.onnx",
            vec!["--model-features", names],
        ),
    ] {
        let (o, r) = audit_with(&model(file), &extra);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{file}: {err}");
        assert!(relies_on(&r).is_empty(), "{file}");
        let auc = r["user_model"]["metrics"]["roc_auc"].as_f64().unwrap();
        assert!((0.8..0.99).contains(&auc), "{file}: auc {auc}");
        assert_shares_sum_to_one(&r["user_model"], file);
    }
}

#[test]
fn a_test_file_is_the_evaluation_data() {
    let dir = tempdir("model-test-file");
    let text_all = std::fs::read_to_string(models_dir().join("data/loans.csv")).unwrap();
    let mut lines = text_all.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (train, test) = rows.split_at(2000);
    std::fs::write(
        dir.join("train.csv"),
        format!("{header}\n{}\n", train.join("\n")),
    )
    .unwrap();
    std::fs::write(
        dir.join("test.csv"),
        format!("{header}\n{}\n", test.join("\n")),
    )
    .unwrap();
    let m = model("lightgbm_binary.txt");
    let o = run(
        &dir,
        &[
            "audit",
            "train.csv",
            "--target",
            "default",
            "--test",
            "test.csv",
            "--model-file",
            &m,
            "--no-plots",
            "-q",
            "--no-peel",
            "--out",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(r["user_model"]["evaluated_on"], "the test file");
    assert_eq!(r["user_model"]["rows"], 1000);
}

/// Each bad model file: exit 2, one line naming the file and the problem, no report.
#[test]
fn bad_model_files_are_refused_by_name() {
    let dir = tempdir("model-bad");
    std::fs::write(dir.join("model.pkl"), b"\x80\x04\x95\x10\x00\x00\x00").unwrap();
    std::fs::write(dir.join("sneaky.onnx"), b"\x80\x04\x95\x10\x00\x00\x00").unwrap();
    std::fs::copy(
        models_dir().join("lightgbm_binary.txt"),
        dir.join("lgbm.onnx"),
    )
    .unwrap();
    std::fs::copy(
        models_dir().join("lightgbm_binary.txt"),
        dir.join("lgbm.json"),
    )
    .unwrap();
    let onnx = std::fs::read(models_dir().join("sklearn_random_forest_binary.onnx")).unwrap();
    std::fs::write(dir.join("truncated.onnx"), &onnx[..onnx.len() / 2]).unwrap();
    let xgb = std::fs::read(models_dir().join("xgboost_regression.json")).unwrap();
    std::fs::write(dir.join("truncated.json"), &xgb[..xgb.len() / 2]).unwrap();
    let lgb = std::fs::read_to_string(models_dir().join("lightgbm_binary.txt")).unwrap();
    std::fs::write(dir.join("truncated.txt"), &lgb[..lgb.len() / 3]).unwrap();
    std::fs::write(dir.join("model.h5"), b"\x89HDF\r\n").unwrap();
    std::fs::write(dir.join("empty.onnx"), b"").unwrap();
    std::fs::copy(fixture("unsupported_op.onnx"), dir.join("gelu.onnx")).unwrap();
    std::fs::copy(fixture("catboost_ctr.json"), dir.join("ctr.json")).unwrap();
    std::fs::write(dir.join("model.cbm"), b"CBM1").unwrap();
    let data = models_dir().join("data/loans.csv").display().to_string();
    let leaky = model("xgboost_binary_leaky.json");
    // A titanic pipeline run over the loans table: its inputs (besides age) are not columns.
    let pipeline = model("sklearn_pipeline_onehot_binary.onnx");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--model-file", "model.pkl"], "skl2onnx"),
        (vec!["--model-file", "sneaky.onnx"], "save_model"),
        (vec!["--model-file", "lgbm.onnx"], "extension says ONNX"),
        (
            vec!["--model-file", "lgbm.json"],
            "extension says an XGBoost JSON model",
        ),
        (vec!["--model-file", "truncated.onnx"], "truncated.onnx"),
        (vec!["--model-file", "truncated.json"], "truncated.json"),
        (vec!["--model-file", "truncated.txt"], "truncated.txt"),
        (
            vec!["--model-file", "model.h5"],
            "unknown model file type '.h5'",
        ),
        (vec!["--model-file", "empty.onnx"], "model file is empty"),
        (
            vec!["--model-file", "missing.onnx"],
            "missing.onnx: no such file",
        ),
        (
            vec!["--model-file", "gelu.onnx"],
            "unsupported operator Erf (domain ai.onnx) in node 'gelu_erf'",
        ),
        (
            vec!["--model-file", "ctr.json"],
            "splits on CTR target statistics",
        ),
        (vec!["--model-file", "model.cbm"], "format=\"json\""),
        (
            vec!["--model-file", &pipeline],
            "expects columns the data does not have as features: sex, passengerClass",
        ),
        (
            vec!["--model-file", &leaky, "--ignore", "days_in_collections"],
            "expects columns the data does not have as features: days_in_collections",
        ),
        (
            vec!["--model-file", &leaky, "--model-features", "age,income"],
            "the model expects 8 inputs, --model-features names 2",
        ),
    ];
    for (extra, expect) in cases {
        let mut args = vec!["audit", &data, "--target", "default", "--out", "out", "-q"];
        args.extend_from_slice(&extra);
        let o = run(&dir, &args);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains(expect),
            "{extra:?}: expected '{expect}' in: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{extra:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            !dir.join("out/report.json").exists(),
            "{extra:?} wrote a report"
        );
    }
    // A regression model against a class target, and a classifier against a numeric target.
    let reg = model("lightgbm_regression.txt");
    for (file, task, expect) in [
        (reg.as_str(), "auto", "the model is a regressor"),
        (leaky.as_str(), "regression", "the model is a classifier"),
    ] {
        let args = [
            "audit",
            &data,
            "--target",
            "default",
            "--task",
            task,
            "--model-file",
            file,
            "--out",
            "out",
            "-q",
        ];
        let o = run(&dir, &args);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(expect), "{err}");
    }
}
