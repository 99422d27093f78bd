//! Split-aware checks on generated cases with known answers: exact duplicate counts, shared
//! groups and ids, test rows dated before training ends, future-derived features; and clean
//! group and time splits with nothing above `low`.

use std::fmt::Write;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{run, tempdir, text};

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Audit with extra args; the parsed report.
fn audit(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = dir.join("out");
    let mut all = vec![
        "audit",
        "--json",
        "-q",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let o = run(dir, &all);
    let (stdout, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    serde_json::from_str(&stdout).unwrap()
}

fn findings<'a>(r: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

fn row(rng: &mut ChaCha8Rng) -> (String, u8) {
    let (a, b, c) = (normal(rng), normal(rng), normal(rng));
    let y = u8::from(a + 0.5 * b + 0.8 * normal(rng) > 0.0);
    (format!("{a:.6},{b:.6},{c:.6}"), y)
}

#[test]
fn duplicates_are_counted_exactly() {
    let d = tempdir("split-dups");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut train = String::from("a,b,c,y\n");
    let mut rows = Vec::new();
    for _ in 0..1000 {
        let (x, y) = row(&mut rng);
        writeln!(train, "{x},{y}").unwrap();
        rows.push((x, y));
    }
    for (x, y) in rows.iter().take(15) {
        writeln!(train, "{x},{y}").unwrap(); // 15 duplicates within train
    }
    let mut test = String::from("a,b,c,y\n");
    for _ in 0..200 {
        let (x, y) = row(&mut rng);
        writeln!(test, "{x},{y}").unwrap();
    }
    for (x, y) in rows.iter().skip(100).take(30) {
        writeln!(test, "{x},{y}").unwrap(); // 30 exact copies, same target
    }
    for (x, _) in rows.iter().skip(200).take(10) {
        let v: Vec<f64> = x.split(',').map(|s| s.parse().unwrap()).collect();
        writeln!(test, "{:.6},{:.6},{:.6},1", v[0] + 1e-5, v[1], v[2]).unwrap();
        // 10 near copies
    }
    std::fs::write(d.join("train.csv"), train).unwrap();
    std::fs::write(d.join("test.csv"), test).unwrap();
    let r = audit(&d, &["train.csv", "--target", "y", "--test", "test.csv"]);
    let dups = findings(&r, "train_test_duplicates");
    let across = dups
        .iter()
        .find(|f| f["evidence"].get("exact_test_rows").is_some())
        .expect("duplicate finding");
    assert_eq!(across["evidence"]["exact_test_rows"], 30);
    assert_eq!(across["evidence"]["exact_with_target_rows"], 30);
    assert_eq!(across["evidence"]["near_test_rows"], 40);
    let sample = across["evidence"]["sample_rows_train_test"]
        .as_array()
        .unwrap();
    assert_eq!(
        sample[0],
        serde_json::json!([101, 201]),
        "1-based data rows in each file"
    );
    let within = dups
        .iter()
        .find(|f| f["evidence"].get("within_train_rows").is_some())
        .expect("within-train finding");
    assert_eq!(within["evidence"]["within_train_rows"], 15);
    assert_eq!(r["split"]["mode"], "files");
    assert_eq!(r["split"]["test_rows"], 240);
}

/// Customers with several rows each; the target depends on the customer.
fn customers(rng: &mut ChaCha8Rng, ids: std::ops::Range<usize>, out: &mut String) {
    for c in ids {
        let latent = 1.5 * normal(rng);
        let profile = latent + 0.3 * normal(rng); // a per-customer attribute
        for _ in 0..5 {
            let visit = normal(rng);
            let y = u8::from(latent + 0.3 * visit + 0.5 * normal(rng) > 0.0);
            writeln!(
                out,
                "C{c:04},{profile:.5},{:.5},{visit:.5},{y}",
                profile + 0.05 * normal(rng)
            )
            .unwrap();
        }
    }
}

#[test]
fn group_overlap_counts_shared_entities() {
    let d = tempdir("split-groups");
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let header = "customer,profile,profile_noisy,visit,y\n";
    let (mut train, mut test) = (header.to_string(), header.to_string());
    customers(&mut rng, 0..300, &mut train);
    customers(&mut rng, 270..350, &mut test); // customers 270..299 on both sides
    std::fs::write(d.join("train.csv"), &train).unwrap();
    std::fs::write(d.join("test.csv"), &test).unwrap();
    let r = audit(
        &d,
        &[
            "train.csv",
            "--target",
            "y",
            "--test",
            "test.csv",
            "--group-col",
            "customer",
        ],
    );
    let g = findings(&r, "group_overlap");
    assert_eq!(g.len(), 1, "{r:#}");
    assert_eq!(g[0]["evidence"]["shared_groups"], 30);
    assert_eq!(g[0]["evidence"]["test_rows_in_shared_groups"], 150);
    assert!(g[0]["severity"] == "high" || g[0]["severity"] == "medium");
    // A proper group split: no overlap finding.
    let mut clean = header.to_string();
    customers(&mut rng, 400..480, &mut clean);
    std::fs::write(d.join("clean.csv"), &clean).unwrap();
    let r = audit(
        &d,
        &[
            "train.csv",
            "--target",
            "y",
            "--test",
            "clean.csv",
            "--group-col",
            "customer",
        ],
    );
    assert!(findings(&r, "group_overlap").is_empty());
    assert!(r["split"]["group_kfold"].is_number());
}

/// A daily AR(1) series with legitimate lags, a trailing mean and an exogenous driver, and two
/// leaks: tomorrow's value and a centred moving average.
fn series(n: usize, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = vec![0.0; n];
    let mut y = vec![0.0; n];
    for t in 1..n {
        x[t] = 0.8 * x[t - 1] + normal(&mut rng);
        y[t] = 0.7 * y[t - 1] + x[t] + 0.5 * normal(&mut rng);
    }
    let mut s = String::from("date,driver,lag1,trailing_mean3,next_day,centred_ma3,y\n");
    for t in 3..n - 1 {
        let days = t as i64;
        let date =
            leakhound::internals::format_iso(days as f64 * 86_400.0 + 1.6e9 - (1.6e9 % 86_400.0));
        let trailing = (y[t - 1] + y[t - 2] + y[t - 3]) / 3.0;
        let centred = (y[t - 1] + y[t] + y[t + 1]) / 3.0;
        writeln!(
            s,
            "{date},{:.5},{:.5},{trailing:.5},{:.5},{centred:.5},{:.5}",
            x[t],
            y[t - 1],
            y[t + 1],
            y[t]
        )
        .unwrap();
    }
    s
}

#[test]
fn future_derived_features_are_flagged_and_lags_are_not() {
    let d = tempdir("split-time");
    std::fs::write(d.join("series.csv"), series(1500, 3)).unwrap();
    let r = audit(&d, &["series.csv", "--target", "y", "--time-col", "date"]);
    let t = findings(&r, "temporal_leak");
    let sev = |name: &str| {
        t.iter()
            .find(|f| f["feature"] == name)
            .map(|f| f["severity"].as_str().unwrap().to_string())
    };
    assert_eq!(sev("next_day").as_deref(), Some("high"), "{t:#?}");
    assert_eq!(sev("centred_ma3").as_deref(), Some("high"), "{t:#?}");
    for legit in ["lag1", "trailing_mean3", "driver"] {
        assert!(
            sev(legit).is_none() || sev(legit).as_deref() == Some("low"),
            "{legit}: {t:#?}"
        );
    }
    assert!(r["split"]["time_ordered"].is_number());
}

#[test]
fn test_rows_before_train_end_and_shared_ids() {
    let d = tempdir("split-order");
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let header = "id,day,a,b,y\n";
    let (mut train, mut test) = (header.to_string(), header.to_string());
    for i in 0..800 {
        let (x, y) = row(&mut rng);
        let v: Vec<&str> = x.split(',').collect();
        writeln!(
            train,
            "{i},{},{},{},{y}",
            leakhound::internals::format_iso(1.6e9 + 3600.0 * i as f64),
            v[0],
            v[1]
        )
        .unwrap();
    }
    for i in 0..200 {
        let (x, y) = row(&mut rng);
        let v: Vec<&str> = x.split(',').collect();
        // 25 test rows dated inside the training period; ids 780.. overlap 20 training ids.
        let hour = if i < 25 { 100 + i } else { 1000 + i };
        writeln!(
            test,
            "{},{},{},{},{y}",
            780 + i,
            leakhound::internals::format_iso(1.6e9 + 3600.0 * hour as f64),
            v[0],
            v[1]
        )
        .unwrap();
    }
    std::fs::write(d.join("train.csv"), &train).unwrap();
    std::fs::write(d.join("test.csv"), &test).unwrap();
    let r = audit(
        &d,
        &[
            "train.csv",
            "--target",
            "y",
            "--test",
            "test.csv",
            "--time-col",
            "day",
            "--id-col",
            "id",
        ],
    );
    let t = findings(&r, "temporal_leak");
    let order = t
        .iter()
        .find(|f| f["evidence"].get("test_rows_before_train_end").is_some())
        .expect("order finding");
    assert_eq!(order["evidence"]["test_rows_before_train_end"], 25);
    assert_eq!(order["severity"], "high");
    let ids = findings(&r, "index_overlap");
    assert_eq!(ids[0]["evidence"]["test_rows"], 20);
    // The time column separates a time split almost perfectly: noted, not alarmed.
    let shift: Vec<_> = findings(&r, "train_test_shift");
    assert!(
        shift
            .iter()
            .all(|f| f["feature"] != "a" && f["feature"] != "b"),
        "{shift:#?}"
    );
}

#[test]
fn shifted_test_set_and_split_column() {
    let d = tempdir("split-shift");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut data = String::from("a,b,c,y,part\n");
    for i in 0..1200 {
        let (x, y) = row(&mut rng);
        let v: Vec<f64> = x.split(',').map(|s| s.parse().unwrap()).collect();
        let test = i >= 900;
        // The test part's 'c' is shifted: a drifted feature.
        let c = if test { v[2] + 4.0 } else { v[2] };
        writeln!(
            data,
            "{:.5},{:.5},{c:.5},{y},{}",
            v[0],
            v[1],
            if test { "test" } else { "train" }
        )
        .unwrap();
    }
    std::fs::write(d.join("all.csv"), &data).unwrap();
    let r = audit(&d, &["all.csv", "--target", "y", "--split-col", "part"]);
    assert_eq!(r["split"]["mode"], "column");
    assert_eq!(r["split"]["test_rows"], 300);
    assert!(r["split"]["adversarial_auc"].as_f64().unwrap() > 0.95);
    let s = findings(&r, "train_test_shift");
    assert!(
        s.iter()
            .any(|f| f["feature"] == "c" && f["severity"] == "high"),
        "{s:#?}"
    );
    assert!(
        !r["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "part"),
        "split column is not a feature"
    );
    std::fs::write(d.join("bad.csv"), data.replacen(",train\n", ",maybe\n", 1)).unwrap();
    let o = run(
        &d,
        &[
            "audit",
            "bad.csv",
            "--target",
            "y",
            "--split-col",
            "part",
            "--out",
            d.join("o").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("neither train nor test"),
        "{}",
        text(&o).1
    );
}

#[test]
fn split_plot_shows_validation_scores() {
    let d = tempdir("split-plot");
    std::fs::write(d.join("series.csv"), series(600, 9)).unwrap();
    let out = d.join("out");
    let o = run(
        &d,
        &[
            "audit",
            "series.csv",
            "--target",
            "y",
            "--time-col",
            "date",
            "-q",
            "--png",
            "split",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let img = image::open(out.join("split.png")).unwrap().to_rgb8();
    assert_eq!(img.width(), 1100);
    assert!(
        img.pixels().any(|p| p.0 == [50, 110, 190]),
        "the time-ordered bar is drawn"
    );
    assert!(!out.join("importance.png").exists(), "--png selects");
}

/// Kinds the split-aware checks report.
const SPLIT_KINDS: &[&str] = &[
    "train_test_duplicates",
    "group_overlap",
    "temporal_leak",
    "train_test_shift",
    "index_overlap",
    "schema_mismatch",
];

#[test]
fn proper_time_and_group_splits_raise_nothing_above_low() {
    let d = tempdir("split-clean");
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let header = "customer,day,a,b,y\n";
    let (mut train, mut test) = (header.to_string(), header.to_string());
    for i in 0..1500 {
        let (x, y) = row(&mut rng);
        let v: Vec<&str> = x.split(',').collect();
        // Time-ordered and group-disjoint: customers 0..299 train, 300..399 test; test after train.
        let (out, cust, hour) = if i < 1200 {
            (&mut train, i / 4, i)
        } else {
            (&mut test, 300 + (i - 1200) / 3, i + 10)
        };
        writeln!(
            out,
            "C{cust:04},{},{},{},{y}",
            leakhound::internals::format_iso(1.6e9 + 3600.0 * hour as f64),
            v[0],
            v[1]
        )
        .unwrap();
    }
    std::fs::write(d.join("train.csv"), &train).unwrap();
    std::fs::write(d.join("test.csv"), &test).unwrap();
    let r = audit(
        &d,
        &[
            "train.csv",
            "--target",
            "y",
            "--test",
            "test.csv",
            "--time-col",
            "day",
            "--group-col",
            "customer",
        ],
    );
    let above_low: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| SPLIT_KINDS.contains(&f["kind"].as_str().unwrap()) && f["severity"] != "low")
        .collect();
    assert!(above_low.is_empty(), "{above_low:#?}");
    assert!(r["split"]["adversarial_auc"].as_f64().unwrap() < 0.8);
}
