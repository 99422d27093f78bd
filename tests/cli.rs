//! The binary as a user runs it: every bad input gets one clear line and exit 2; the demo and
//! `--json` work; exit codes follow `--fail-on`; same seed, same report.

use std::path::Path;

use crate::common::{fixture, run, tempdir, text};

/// Write `contents` to `dir/name` and return the path as a string.
fn file(dir: &Path, name: &str, contents: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p.display().to_string()
}

/// Assert exit 2 with a single `leakhound: error:` line containing every `needle`.
fn fails_with(dir: &Path, args: &[&str], needles: &[&str]) {
    let o = run(dir, args);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "args {args:?}: stderr {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("leakhound: error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected '{n}' in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

fn small_csv() -> String {
    let mut s = String::from("a,b,y\n");
    for i in 0..40 {
        s.push_str(&format!("{},{},{}\n", i, i % 7, i % 2));
    }
    s
}

#[test]
fn bad_inputs_get_clear_errors() {
    let d = tempdir("errors");
    let out = d.join("out").display().to_string();
    let common = |f: &str| {
        vec![
            "audit".to_string(),
            f.to_string(),
            "--target".into(),
            "y".into(),
            "--out".into(),
            out.clone(),
        ]
    };
    let args = |v: &Vec<String>| {
        v.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\u{1}")
    };
    let check = |v: Vec<String>, needles: &[&str]| {
        let joined = args(&v);
        let a: Vec<&str> = joined.split('\u{1}').collect();
        fails_with(&d, &a, needles);
    };
    check(common("missing.csv"), &["missing.csv", "no such file"]);
    check(common(&file(&d, "empty.csv", b"")), &["empty.csv", "empty"]);
    check(
        common(&file(&d, "header.csv", b"a,b,y\n")),
        &["header.csv", "header only"],
    );
    check(
        common(&file(&d, "ragged.csv", b"a,b,y\n1,2,0\n1,2\n")),
        &["ragged.csv", "line 3", "expected 3 fields, found 2"],
    );
    check(
        common(&file(&d, "bytes.csv", b"a,b,y\n1,\xff\xfe,0\n")),
        &["bytes.csv", "line 2", "UTF-8"],
    );
    check(
        common(&file(&d, "nul.csv", b"a,b,y\n1,\x00,0\n")),
        &["nul.csv", "NUL"],
    );
    check(
        common(&file(&d, "data.xlsx", b"PK")),
        &["data.xlsx", "unsupported file type"],
    );
    check(
        common(&file(&d, "dup.csv", b"a,a,y\n1,2,0\n")),
        &["dup.csv", "duplicate column name 'a'"],
    );
    let ok = file(&d, "ok.csv", small_csv().as_bytes());
    let mut v = common(&ok);
    v[3] = "yy".into();
    check(v, &["unknown column 'yy'", "--target", "did you mean 'y'"]);
    let mut v = common(&ok);
    v.extend(["--id-col".into(), "nope".into()]);
    check(v, &["unknown column 'nope'", "--id-col"]);
    let constant: String = std::iter::once("a,y\n".to_string())
        .chain((0..30).map(|i| format!("{i},1\n")))
        .collect();
    check(
        common(&file(&d, "const.csv", constant.as_bytes())),
        &["target column 'y'", "only one value"],
    );
    let all_missing: String = std::iter::once("a,y\n".to_string())
        .chain((0..30).map(|i| format!("{i},\n")))
        .collect();
    check(
        common(&file(&d, "allna.csv", all_missing.as_bytes())),
        &["target column 'y'", "missing in every row"],
    );
    check(
        common(&file(&d, "tiny.csv", b"a,y\n1,0\n2,1\n")),
        &["only 2 rows", "at least"],
    );
    check(
        common(&file(&d, "bad.csv.gz", b"\x1f\x8b\x08\x00garbage")),
        &["bad.csv.gz", "gzip"],
    );
    check(
        common(&file(&d, "bad.parquet", b"not parquet at all")),
        &["bad.parquet", "Parquet"],
    );
    let mut v = common(&ok);
    v.extend(["--threshold".into(), "bogus=1".into()]);
    check(v, &["unknown threshold 'bogus'"]);
    // An output path that is a file: error before any work, and no report written.
    let blocker = file(&d, "blocker", b"x");
    let a = [
        "audit",
        ok.as_str(),
        "--target",
        "y",
        "--out",
        blocker.as_str(),
    ];
    fails_with(&d, &a, &["blocker", "cannot write report"]);
}

#[test]
fn invalid_settings_fail_before_any_file_is_read() {
    let d = tempdir("settings");
    // The data file does not exist: the settings error must come first.
    for (flag, needle) in [
        (
            "--folds=1",
            "invalid setting --folds: must be between 2 and 20, got 1",
        ),
        ("--folds=300", "got 300"),
        ("--repeats=0", "invalid setting --repeats"),
        ("--dup-tolerance=-1", "invalid setting --dup-tolerance"),
        ("--max-rows=0", "invalid setting --max-rows"),
        (
            "--threshold=strong_power=2",
            "invalid setting `strong_power`",
        ),
        ("--threshold=nope=0.5", "unknown threshold 'nope'"),
    ] {
        fails_with(
            &d,
            &["audit", "missing.csv", "--target", "y", flag],
            &[needle],
        );
    }
}

#[test]
fn reads_tsv_gzip_bom_crlf_quotes_and_parquet() {
    let d = tempdir("formats");
    let out = d.join("out").display().to_string();
    let csv = small_csv();
    let tsv = csv.replace(',', "\t");
    let crlf = format!("\u{feff}{}", csv.replace('\n', "\r\n"));
    let quoted = csv.replacen("a,b,y", "\"a\",\"b, with comma\",y", 1);
    let mut gz = Vec::new();
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
        e.write_all(csv.as_bytes()).unwrap();
        e.finish().unwrap();
    }
    for (name, bytes) in [
        ("t.tsv", tsv.as_bytes()),
        ("c.csv", crlf.as_bytes()),
        ("q.csv", quoted.as_bytes()),
        ("z.csv.gz", &gz[..]),
    ] {
        let f = file(&d, name, bytes);
        let o = run(
            &d,
            &["audit", &f, "--target", "y", "--out", &out, "--json", "-q"],
        );
        let (stdout, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{name}: {err}");
        let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(r["dataset"]["rows_used"], 40, "{name}");
        assert_eq!(r["features"].as_array().unwrap().len(), 2, "{name}");
    }
    let pq = fixture("iris.parquet");
    let o = run(
        &d,
        &[
            "audit",
            pq.to_str().unwrap(),
            "--target",
            "target",
            "--out",
            &out,
            "--json",
            "-q",
        ],
    );
    let (stdout, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["dataset"]["rows_used"], 150);
    assert_eq!(r["dataset"]["task"], "multiclass");
}

#[test]
fn demo_json_contract_and_planted_leaks() {
    let d = tempdir("demo");
    let out = d.join("out").display().to_string();
    let o = run(
        &d,
        &[
            "demo",
            "--rows",
            "3000",
            "--json",
            "--out",
            &out,
            "--write",
            d.join("data").to_str().unwrap(),
        ],
    );
    let (stdout, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["tool"]["name"], "leakhound");
    for key in [
        "path",
        "rows",
        "rows_used",
        "columns",
        "target",
        "task",
        "sampled",
    ] {
        assert!(r["dataset"].get(key).is_some(), "dataset.{key}");
    }
    assert!(r["settings"]["seed"].is_u64());
    assert!(r["settings"]["thresholds"]["near_perfect_power"].is_f64());
    for f in r["features"].as_array().unwrap() {
        for key in [
            "name",
            "type",
            "missing_fraction",
            "single_feature_power",
            "permutation_importance",
            "drop_column_importance",
            "importance_share",
        ] {
            assert!(f.get(key).is_some(), "feature.{key}");
        }
    }
    let findings = r["findings"].as_array().unwrap();
    let has = |feature: &str, kind: &str, sev: &[&str]| {
        findings.iter().any(|f| {
            f["feature"] == feature
                && f["kind"] == kind
                && sev.contains(&f["severity"].as_str().unwrap())
        })
    };
    assert!(
        has(
            "days_in_collections",
            "near_perfect_predictor",
            &["critical"]
        ),
        "{findings:#?}"
    );
    assert!(has(
        "application_id",
        "identifier_leak",
        &["high", "critical"]
    ));
    assert!(has(
        "recovery_agent_notes_len",
        "missingness_leak",
        &["high", "critical"]
    ));
    assert!(has(
        "risk_code_final",
        "target_proxy",
        &["high", "critical"]
    ));
    // The leak hidden behind the others: the peeled model needs nothing else.
    assert!(
        has(
            "collections_contact_score",
            "dominant_feature",
            &["high", "critical"]
        ),
        "{findings:#?}"
    );
    // So the honest model is the legitimate one, as the README says.
    let honest = &r["honest_model"];
    assert!(
        honest["removed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "collections_contact_score"),
        "{honest}"
    );
    let without = honest["without_leaks"].as_f64().unwrap();
    assert!((0.75..0.86).contains(&without), "{honest}");
    assert!(
        findings.iter().any(|f| f["kind"] == "multi_feature_leak"
            && f["features"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n == "total_repaid")),
        "{findings:#?}"
    );
    for legit in ["credit_score", "debt_ratio", "late_payments_12m", "income"] {
        assert!(
            !findings
                .iter()
                .any(|f| f["feature"] == legit && f["severity"] == "critical"),
            "{legit}"
        );
    }
    // report.json on disk equals stdout; the written CSV re-audits with the same findings.
    assert_eq!(
        std::fs::read_to_string(d.join("out/report.json")).unwrap(),
        stdout
    );
    let csv = d.join("data/loans.csv");
    let o = run(
        &d,
        &[
            "audit",
            csv.to_str().unwrap(),
            "--target",
            "default",
            "--out",
            &out,
            "--json",
            "-q",
        ],
    );
    let r2: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    let kinds = |r: &serde_json::Value| {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f["feature"], f["kind"]))
            .collect();
        v.sort();
        v
    };
    assert_eq!(kinds(&r), kinds(&r2));
}

#[test]
fn exit_codes_follow_fail_on() {
    let d = tempdir("exit");
    let out = d.join("out").display().to_string();
    let demo = |fail: &str| {
        run(
            &d,
            &[
                "demo",
                "--rows",
                "1500",
                "--out",
                &out,
                "-q",
                "--fail-on",
                fail,
            ],
        )
        .status
        .code()
    };
    assert_eq!(demo("never"), Some(0));
    assert_eq!(demo("critical"), Some(1));
    assert_eq!(demo("high"), Some(1));
    let iris = fixture("iris.csv");
    let audit = |fail: &str| {
        run(
            &d,
            &[
                "audit",
                iris.to_str().unwrap(),
                "--target",
                "target",
                "--out",
                &out,
                "-q",
                "--fail-on",
                fail,
            ],
        )
        .status
        .code()
    };
    assert_eq!(audit("critical"), Some(0), "iris has no critical finding");
    assert_eq!(audit("high"), Some(0), "iris has no high finding");
    assert_eq!(
        run(&d, &["demo", "--fail-on", "sometimes"]).status.code(),
        Some(2)
    );
}

#[test]
fn same_seed_same_report_apart_from_timings() {
    let d = tempdir("determinism");
    let get = |seed: &str, threads: &str| {
        let out = d.join(format!("o-{seed}-{threads}"));
        let o = run(
            &d,
            &[
                "demo",
                "--rows",
                "2000",
                "--json",
                "-q",
                "--seed",
                seed,
                "--threads",
                threads,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let mut r: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
        r["timings"] = serde_json::Value::Null;
        serde_json::to_string(&r).unwrap()
    };
    let a = get("7", "2");
    assert_eq!(a, get("7", "2"));
    assert_eq!(a, get("7", "1"), "thread count does not change the report");
    assert_ne!(a, get("8", "2"));
}

#[test]
fn max_rows_samples_reproducibly_and_says_so() {
    let d = tempdir("sample");
    let out = d.join("out").display().to_string();
    let breast = fixture("breast_cancer.csv");
    let get = || {
        let o = run(
            &d,
            &[
                "audit",
                breast.to_str().unwrap(),
                "--target",
                "target",
                "--max-rows",
                "200",
                "--json",
                "-q",
                "--out",
                &out,
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
        v
    };
    let r = get();
    assert_eq!(r["dataset"]["sampled"], true);
    assert_eq!(r["dataset"]["rows"], 569);
    assert_eq!(r["dataset"]["rows_used"], 200);
    assert_eq!(r["features"], get()["features"]);
}

#[test]
fn config_file_allow_list_and_threshold_overrides() {
    let d = tempdir("config");
    let out = d.join("out").display().to_string();
    std::fs::write(
        d.join("leakhound.toml"),
        "allow = [\"days_in_collections\"]\n[thresholds]\nnear_perfect_power = 0.999\n",
    )
    .unwrap();
    let o = run(
        &d,
        &["demo", "--rows", "1500", "--json", "-q", "--out", &out],
    );
    // demo does not read the config; audit does.
    assert_eq!(o.status.code(), Some(0));
    let o = run(
        &d,
        &["demo", "--rows", "1500", "-q", "--no-plots", "--write", "."],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let o = run(
        &d,
        &[
            "audit",
            "loans.csv",
            "--target",
            "default",
            "--json",
            "-q",
            "--out",
            &out,
        ],
    );
    let (stdout, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["settings"]["thresholds"]["near_perfect_power"], 0.999);
    assert_eq!(r["settings"]["allow"][0], "days_in_collections");
    assert!(!r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["feature"] == "days_in_collections"));
    std::fs::write(d.join("leakhound.toml"), "colour = 1\n").unwrap();
    fails_with(
        &d,
        &["audit", "loans.csv", "--target", "default", "--out", &out],
        &["leakhound.toml", "config", "colour"],
    );
}

#[test]
fn help_has_examples() {
    let d = tempdir("help");
    for cmd in ["audit", "demo"] {
        let o = run(&d, &[cmd, "--help"]);
        assert!(text(&o).0.contains("Examples:"), "{cmd}");
    }
}
