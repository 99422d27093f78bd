//! The model fixtures in `models/`: every file loads and reproduces the predictions its own
//! library (or onnxruntime) made, and broken or foreign model files are refused by name.

use std::path::{Path, PathBuf};

use leakhound::model::{Output, UserModel};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(models_dir().join("fixtures.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest json")
}

/// The first `n` rows of the fixture data, as f64 columns by name.
fn rows(features: &[String], n: usize) -> Vec<f64> {
    let mut reader = csv::Reader::from_path(models_dir().join("data/loans.csv")).expect("csv");
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

#[test]
fn every_fixture_matches_its_reference_predictions() {
    let m = manifest();
    let n = m["reference_rows"].as_u64().expect("rows") as usize;
    let models = m["models"].as_array().expect("models");
    assert!(models.len() >= 20, "fixtures missing");
    for entry in models {
        let file = entry["file"].as_str().expect("file");
        let features: Vec<String> = entry["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|v| v.as_str().expect("name").to_string())
            .collect();
        let model =
            UserModel::load(&models_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        if let Some(names) = &model.feature_names {
            assert_eq!(names, &features, "{file}: stored feature names");
        }
        let x = rows(&features, n);
        let pred = model
            .predict(&x, features.len())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let want = reference(entry["reference"].as_str().expect("reference"));
        assert_eq!(want.len(), n, "{file}");
        let task = entry["task"].as_str().expect("task");
        match (&model.output, task) {
            (Output::Values, "regression") => assert_eq!(pred.width, 1, "{file}"),
            (Output::Classes { labels, .. }, "binary") => assert_eq!(labels.len(), 2, "{file}"),
            (Output::Classes { labels, .. }, "multiclass") => assert_eq!(labels.len(), 5, "{file}"),
            (o, t) => panic!("{file}: output {o:?} for a {t} model"),
        }
        for (r, want_row) in want.iter().enumerate() {
            // Binary references from XGBoost/LightGBM hold P(class 1) only.
            let got = &pred.values[r * pred.width..(r + 1) * pred.width];
            let got = if want_row.len() == 1 && pred.width == 2 {
                &got[1..]
            } else {
                got
            };
            assert_eq!(got.len(), want_row.len(), "{file} row {r}");
            for (g, w) in got.iter().zip(want_row) {
                let tol = 2e-5 * w.abs().max(1.0);
                assert!(
                    (g - w).abs() <= tol,
                    "{file} row {r}: leakhound {g}, reference {w}"
                );
            }
        }
    }
}
