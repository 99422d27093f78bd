//! The alternative surrogates (smartcore decision tree, smartcore random forest)
//! run end to end from the CLI and rank a planted leak first, on classification and regression.

use crate::common::{run, tempdir, text};

#[test]
fn tree_and_forest_surrogates_find_the_planted_leak() {
    let d = tempdir("surrogates");
    for (task, name) in [
        (leakhound::Task::Binary, "bin.csv"),
        (leakhound::Task::Regression, "reg.csv"),
    ] {
        let s = leakhound::synth::generate(leakhound::synth::Plant::PostOutcome, task, 600, 5);
        std::fs::write(d.join(name), s.csv()).unwrap();
        for surrogate in ["tree", "forest"] {
            let out = d.join(format!("out-{surrogate}"));
            let o = run(
                &d,
                &[
                    "audit",
                    name,
                    "--target",
                    "y",
                    "--surrogate",
                    surrogate,
                    "--json",
                    "-q",
                    "--out",
                    out.to_str().unwrap(),
                ],
            );
            let (stdout, err) = text(&o);
            assert_eq!(o.status.code(), Some(0), "{surrogate} {name}: {err}");
            let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(r["model"]["surrogate"], surrogate);
            let top = r["features"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["ranks"]["permutation"] == 1)
                .map(|f| f["name"].clone());
            assert_eq!(
                top,
                Some(serde_json::json!("outcome_code")),
                "{surrogate} {name}"
            );
        }
    }
}
