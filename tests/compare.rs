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
