//! `compare` and `inspect` from the CLI: a version that adds a leaking column is caught and
//! fails the gate; identical reports give nothing; bad inputs give clear errors.

use std::path::Path;

use leakhound::synth::{generate, Plant};
use leakhound::Task;

use crate::common::{run, tempdir, text};

/// Audit generated data into `dir/<name>/report.json`.
fn audited(dir: &Path, name: &str, plant: Plant) -> String {
    let s = generate(plant, Task::Binary, 1200, 3);
    // Same base rows in both versions: the leak is the only difference.
    std::fs::write(dir.join(format!("{name}.csv")), s.csv()).unwrap();
    let out = dir.join(name);
    let o = run(
        dir,
        &[
            "audit",
            &format!("{name}.csv"),
            "--target",
            "y",
            "-q",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    out.join("report.json").display().to_string()
}

#[test]
fn new_leaking_column_is_a_new_leak_and_fails_the_gate() {
    let d = tempdir("compare");
    let v1 = audited(&d, "v1", Plant::None);
    let v2 = audited(&d, "v2", Plant::PostOutcome);
    let out = d.join("cmp");
    let o = run(
        &d,
        &[
            "compare",
            &v1,
            &v2,
            "--json",
            "--fail-on",
            "high",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let (stdout, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let c: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(c["schema_version"], 1);
    let findings = c["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["kind"] == "new_leak" && f["feature"] == "outcome_code"),
        "{findings:#?}"
    );
    assert!(findings
        .iter()
        .any(|f| f["kind"] == "importance_jump" && f["feature"] == "outcome_code"));
    let added = c["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "outcome_code")
        .unwrap();
    assert_eq!(added["status"], "added");
    for file in ["comparison.json", "comparison.md", "comparison.png"] {
        assert!(out.join(file).exists(), "{file}");
    }
    // The reverse direction resolves the leak.
    let o = run(
        &d,
        &[
            "compare",
            &v2,
            &v1,
            "--json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let c: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert!(c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "resolved"));
}

#[test]
fn identical_reports_have_no_findings() {
    let d = tempdir("compare-same");
    let v1 = audited(&d, "v1", Plant::TargetProxy);
    let o = run(
        &d,
        &[
            "compare",
            &v1,
            &v1,
            "--json",
            "--fail-on",
            "low",
            "--out",
            d.join("c").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let c: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert!(c["findings"].as_array().unwrap().is_empty());
}

#[test]
fn schema_mismatch_and_bad_files_are_clear_errors() {
    let d = tempdir("compare-bad");
    let v1 = audited(&d, "v1", Plant::None);
    let text_v1 = std::fs::read_to_string(&v1).unwrap();
    let future = d.join("future.json");
    std::fs::write(
        &future,
        text_v1.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1),
    )
    .unwrap();
    let out = d.join("c");
    let o = run(
        &d,
        &[
            "compare",
            &v1,
            future.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("future.json") && err.contains("schema_version 99"),
        "{err}"
    );
    std::fs::write(d.join("junk.json"), "{\"hello\": 1}").unwrap();
    let o = run(
        &d,
        &["compare", &v1, "junk.json", "--out", out.to_str().unwrap()],
    );
    assert!(
        text(&o).1.contains("not a leakhound report"),
        "{}",
        text(&o).1
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &d,
        &[
            "compare",
            &v1,
            "missing.json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn importance_tables_compare_and_inspect() {
    let d = tempdir("importances");
    let v1 = audited(&d, "v1", Plant::None);
    std::fs::write(
        d.join("gain.csv"),
        "feature,importance\nstrong,10\nx1,2\nleaky_code,90\nnoise,0.5\n",
    )
    .unwrap();
    let o = run(
        &d,
        &[
            "compare",
            &v1,
            "gain.csv",
            "--json",
            "--fail-on",
            "high",
            "--out",
            d.join("c").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let c: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(c["new"]["kind"], "importances");
    assert!(c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "importance_jump" && f["feature"] == "leaky_code"));
    let o = run(&d, &["inspect", "gain.csv", "--fail-on", "high"]);
    let (stdout, _) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout.contains("dominant_feature") && stdout.contains("leaky_code"),
        "{stdout}"
    );
    // inspect reads the audit's thresholds: with dominant_share at 0.99 neither the 88% feature
    // nor the pair carrying 98% is dominant; a threshold that does not exist is an error.
    let o = run(
        &d,
        &[
            "inspect",
            "gain.csv",
            "--threshold",
            "dominant_share=0.99",
            "--fail-on",
            "low",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).0);
    let o = run(
        &d,
        &["inspect", "gain.csv", "--threshold", "dominant_shar=0.6"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("unknown threshold 'dominant_shar'"),
        "{}",
        text(&o).1
    );
    std::fs::write(
        d.join("flat.csv"),
        "feature,importance\na,1\nb,1\nc,1\nd,1\n",
    )
    .unwrap();
    assert_eq!(
        run(&d, &["inspect", "flat.csv", "--fail-on", "low"])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(d.join("wrong.csv"), "name_of_thing,score\na,1\n").unwrap();
    let o = run(&d, &["inspect", "wrong.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .1
            .contains("expected columns 'feature' and 'importance'"),
        "{}",
        text(&o).1
    );
}

/// The credit card table audited with each model version of `models/` (the reports are made
/// once and shared by the tests below): `models/<file>` -> `<dir>/<file>/report.json`.
fn model_reports() -> &'static (std::path::PathBuf, Vec<(String, String)>) {
    static REPORTS: std::sync::OnceLock<(std::path::PathBuf, Vec<(String, String)>)> =
        std::sync::OnceLock::new();
    REPORTS.get_or_init(|| {
        let d = tempdir("compare-models");
        let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
        let data = models.join("data").join("creditcard.csv");
        let files = [
            "sklearn_pipeline_mlp_leaky_binary.onnx",
            "xgboost_creditcard_v1.json",
            "lightgbm_creditcard_v2.txt",
            "lightgbm_creditcard_v3.txt",
        ];
        let reports = files
            .iter()
            .map(|f| {
                let out = d.join(f);
                let o = run(
                    &d,
                    &[
                        "audit",
                        data.to_str().unwrap(),
                        "--target",
                        "card",
                        "--model-file",
                        models.join(f).to_str().unwrap(),
                        "-q",
                        "--no-plots",
                        "--out",
                        out.to_str().unwrap(),
                    ],
                );
                assert!(
                    o.status.code().is_some_and(|c| c < 2),
                    "{f}: {}",
                    text(&o).1
                );
                (f.to_string(), out.join("report.json").display().to_string())
            })
            .collect();
        (d, reports)
    })
}

fn model_report(file: &str) -> (String, serde_json::Value) {
    let (_, reports) = model_reports();
    let path = reports.iter().find(|r| r.0 == file).unwrap().1.clone();
    let value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (path, value)
}

fn compare_json(args: &[&str], out: &str) -> (Option<i32>, serde_json::Value, String) {
    let (d, _) = model_reports();
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    let o = run(d, &[all.as_slice(), &["--json", "--out", out]].concat());
    let (stdout, err) = text(&o);
    let value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}\n{err}"));
    (o.status.code(), value, err)
}

#[test]
fn two_model_versions_compare_the_models_own_scores_and_importances() {
    let (v1, r1) = model_report("xgboost_creditcard_v1.json");
    let (v2, r2) = model_report("lightgbm_creditcard_v2.txt");
    let (d, _) = model_reports();
    let out = d.join("cmp-v1-v2");
    let (code, c, err) = compare_json(&[&v1, &v2], out.to_str().unwrap());
    assert_eq!(code, Some(0), "{err}");
    // Each model's identity and every metric, old -> new, from the models themselves.
    let (m1, m2) = (&c["old"]["model"], &c["new"]["model"]);
    assert_eq!(m1["format"], "xgboost_json");
    assert_eq!(m2["format"], "lightgbm_text");
    let hash = |m: &serde_json::Value| m["sha256"].as_str().unwrap().to_string();
    assert_eq!(hash(m1).len(), 64);
    assert_ne!(hash(m1), hash(m2));
    for metric in ["roc_auc", "accuracy", "log_loss"] {
        let row = c["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["source"] == "model" && m["name"] == metric)
            .unwrap_or_else(|| panic!("no model {metric}"));
        assert_eq!(row["old"], r1["user_model"]["metrics"][metric]);
        assert_eq!(row["new"], r2["user_model"]["metrics"][metric]);
    }
    assert_ne!(
        r1["user_model"]["metrics"]["roc_auc"], r1["model"]["out_of_fold"]["roc_auc"],
        "the model's score differs from the surrogate's"
    );
    // Per feature, each model's own importance beside the surrogate's.
    for (side, r) in [("old", &r1), ("new", &r2)] {
        for u in r["user_model"]["importance"].as_array().unwrap() {
            let row = c["features"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == u["feature"])
                .unwrap();
            assert_eq!(row[format!("model_share_{side}")], u["importance_share"]);
            assert!(row[format!("share_{side}")].is_number());
        }
    }
    // The same data, another model.
    assert_eq!(c["changed"]["summary"], "model", "{}", c["changed"]);
    assert_eq!(c["changed"]["data"], false);
    // Reliance on the flagged features is one quantity, one finding; no new_leak/resolved pair.
    let share = |r: &serde_json::Value| r["user_model"]["leak_reliance"]["share"].as_f64().unwrap();
    assert!(share(&r1) > 0.5 && share(&r2) > 0.5);
    assert_eq!(c["reliance"]["old"].as_f64(), Some(share(&r1)));
    assert_eq!(c["reliance"]["new"].as_f64(), Some(share(&r2)));
    let kinds: Vec<&str> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["still_relies_on_leak"], "{}", c["findings"]);
    let f = &c["findings"][0];
    assert_eq!(f["severity"], "high");
    assert_eq!(f["features"], serde_json::json!(["expenditure", "share"]));
    // The Markdown, the HTML page and the picture.
    let md = std::fs::read_to_string(out.join("comparison.md")).unwrap();
    assert!(md.contains("model share old") && md.contains("reliance on flagged features"));
    let html = std::fs::read_to_string(out.join("comparison.html")).unwrap();
    assert!(html.contains("still_relies_on_leak") && html.contains("data:image/png;base64,"));
    let png = std::fs::read(out.join("comparison.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
}

#[test]
fn rising_reliance_is_one_finding_that_gates_a_release() {
    let (v1, r1) = model_report("sklearn_pipeline_mlp_leaky_binary.onnx");
    let (v2, r2) = model_report("xgboost_creditcard_v1.json");
    let (d, _) = model_reports();
    let out = d.join("cmp-rise");
    let share = |r: &serde_json::Value| r["user_model"]["leak_reliance"]["share"].as_f64().unwrap();
    assert!(
        share(&r2) - share(&r1) >= 0.05,
        "{} {}",
        share(&r1),
        share(&r2)
    );
    let (code, c, _) = compare_json(
        &[&v1, &v2, "--fail-on", "reliance_rise,new_leak"],
        out.to_str().unwrap(),
    );
    assert_eq!(code, Some(1));
    assert_eq!(c["reliance"]["status"], "rising");
    let rel: Vec<&serde_json::Value> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] != "metric_jump")
        .collect();
    assert_eq!(rel.len(), 1, "{}", c["findings"]);
    assert_eq!(rel[0]["kind"], "reliance_rise");
    // A gate on other kinds passes; an unknown kind is a clear error.
    let (code, _, _) = compare_json(&[&v1, &v2, "--fail-on", "new_leak"], out.to_str().unwrap());
    assert_eq!(code, Some(0));
    let o = run(
        d,
        &[
            "compare",
            &v1,
            &v2,
            "--fail-on",
            "leaky",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("reliance_rise"), "{}", text(&o).1);
}

#[test]
fn a_model_without_the_leaks_resolves_the_reliance() {
    let (v2, _) = model_report("lightgbm_creditcard_v2.txt");
    let (v3, r3) = model_report("lightgbm_creditcard_v3.txt");
    let (d, _) = model_reports();
    let out = d.join("cmp-resolved");
    assert_eq!(
        r3["user_model"]["leak_reliance"]["share"].as_f64(),
        Some(0.0)
    );
    let (code, c, _) = compare_json(
        &[&v2, &v3, "--fail-on", "reliance_rise,new_leak"],
        out.to_str().unwrap(),
    );
    assert_eq!(code, Some(0));
    assert_eq!(c["reliance"]["status"], "resolved");
    let f = &c["findings"][0];
    assert_eq!(
        (f["kind"].as_str(), f["severity"].as_str()),
        (Some("resolved"), Some("low"))
    );
}

#[test]
fn three_model_versions_make_a_timeline() {
    let (_, reports) = model_reports();
    let (d, _) = model_reports();
    let paths: Vec<&str> = reports[..3].iter().map(|r| r.1.as_str()).collect();
    let out = d.join("timeline");
    let o = run(
        d,
        &[
            &["compare"],
            paths.as_slice(),
            &["--out", out.to_str().unwrap()],
        ]
        .concat(),
    );
    let (stdout, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        stdout.contains("3 versions") && stdout.contains("v3 lightgbm_creditcard_v2.txt"),
        "{stdout}"
    );
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("timeline.json")).unwrap()).unwrap();
    assert_eq!(t["importance_source"], "model");
    let versions = t["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    let formats: Vec<&str> = versions
        .iter()
        .map(|v| v["side"]["model"]["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["onnx", "xgboost_json", "lightgbm_text"]);
    for (v, r) in versions.iter().zip(reports) {
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&r.1).unwrap()).unwrap();
        assert_eq!(v["score"], report["user_model"]["metrics"]["roc_auc"]);
        assert_eq!(
            v["leak_reliance"],
            report["user_model"]["leak_reliance"]["share"]
        );
    }
    assert!(versions[0]["changed"].is_null());
    assert_eq!(versions[2]["changed"]["summary"], "model");
    let exp = t["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "expenditure")
        .unwrap();
    assert_eq!(exp["shares"].as_array().unwrap().len(), 3);
    assert_eq!(t["steps"].as_array().unwrap().len(), 2);
    assert_eq!(t["findings"], t["steps"][1]["findings"]);
    let html = std::fs::read_to_string(out.join("timeline.html")).unwrap();
    assert!(html.contains("v2 → v3") || html.contains("v1 → v2"));
    assert!(html.contains("data:image/png;base64,"));
    assert_eq!(
        &std::fs::read(out.join("timeline.png")).unwrap()[..4],
        b"\x89PNG"
    );
    assert!(out.join("timeline.md").exists());
    // The gate reads the newest step: v2 -> v3 still relies (high).
    let o = run(
        d,
        &[
            &["compare"],
            paths.as_slice(),
            &["--out", out.to_str().unwrap(), "--fail-on", "high"],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
}

#[test]
fn a_model_audited_in_the_new_version_only_is_one_new_leak() {
    let (d, _) = model_reports();
    let (v1, _) = model_report("xgboost_creditcard_v1.json");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/data/creditcard.csv");
    let plain = d.join("no-model");
    let o = run(
        d,
        &[
            "audit",
            data.to_str().unwrap(),
            "--target",
            "card",
            "-q",
            "--no-plots",
            "--out",
            plain.to_str().unwrap(),
        ],
    );
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", text(&o).1);
    let v0 = plain.join("report.json").display().to_string();
    let (_, c, _) = compare_json(&[&v0, &v1], d.join("cmp-added").to_str().unwrap());
    assert_eq!(
        c["changed"]["summary"], "the model was added",
        "{}",
        c["changed"]
    );
    assert!(c["reliance"].is_null());
    let kinds: Vec<(&str, &str)> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["evidence"]["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("new_leak", "model_relies_on_leak")],
        "{}",
        c["findings"]
    );
}
