//! The engines agree: a split with planted leaks, repeated rows, shared entities and an
//! overlapping period, audited in memory and by DataFusion over a hive-partitioned Parquet
//! directory, gives the same exact counts and the same findings.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use leakhound::engines::datafusion::DataFusion;
use leakhound::{Audit, FeatureCounts, FindingKind, Report, Severity, Table, Task};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::common::{run, tempdir, text};

/// Rows of a side, as column vectors.
#[derive(Default, Clone)]
struct Rows {
    x1: Vec<Option<f64>>,
    x2: Vec<f64>,
    size: Vec<i64>,
    colour: Vec<Option<String>>,
    spend_after: Vec<f64>,
    colour_rate: Vec<Option<f64>>,
    status_code: Vec<String>,
    customer: Vec<String>,
    day: Vec<i32>,
    y: Vec<String>,
    region: Vec<String>,
}

impl Rows {
    fn push_from(&mut self, o: &Rows, r: usize) {
        self.x1.push(o.x1[r]);
        self.x2.push(o.x2[r]);
        self.size.push(o.size[r]);
        self.colour.push(o.colour[r].clone());
        self.spend_after.push(o.spend_after[r]);
        self.colour_rate.push(o.colour_rate[r]);
        self.status_code.push(o.status_code[r].clone());
        self.customer.push(o.customer[r].clone());
        self.day.push(o.day[r]);
        self.y.push(o.y[r].clone());
        self.region.push(o.region[r].clone());
    }

    fn take(&self, rows: &[usize]) -> Rows {
        let mut out = Rows::default();
        for &r in rows {
            out.push_from(self, r);
        }
        out
    }

    fn len(&self) -> usize {
        self.y.len()
    }

    /// A batch; with `region` unless it is a partition of the directory.
    fn batch(&self, with_region: bool) -> RecordBatch {
        let mut cols: Vec<(&str, ArrayRef)> = vec![
            ("x1", Arc::new(Float64Array::from(self.x1.clone()))),
            ("x2", Arc::new(Float64Array::from(self.x2.clone()))),
            ("size", Arc::new(Int64Array::from(self.size.clone()))),
            ("colour", Arc::new(StringArray::from(self.colour.clone()))),
            (
                "spend_after",
                Arc::new(Float64Array::from(self.spend_after.clone())),
            ),
            (
                "colour_rate",
                Arc::new(Float64Array::from(self.colour_rate.clone())),
            ),
            (
                "status_code",
                Arc::new(StringArray::from(self.status_code.clone())),
            ),
            (
                "customer",
                Arc::new(StringArray::from(self.customer.clone())),
            ),
            ("day", Arc::new(Date32Array::from(self.day.clone()))),
            ("y", Arc::new(StringArray::from(self.y.clone()))),
        ];
        if with_region {
            cols.push(("region", Arc::new(StringArray::from(self.region.clone()))));
        }
        RecordBatch::try_from_iter(cols).unwrap()
    }
}

/// A side of `n` rows: `y` from x1 and the colour; `spend_after` recorded after the outcome;
/// `status_code` coding the outcome; customers from `first_customer`, days from `first_day`.
fn side(rng: &mut ChaCha8Rng, n: usize, first_customer: usize, first_day: i32) -> Rows {
    let colours = ["red", "green", "blue", "black"];
    let mut s = Rows::default();
    for i in 0..n {
        let x1: f64 = rng.gen_range(-2.0..2.0);
        let colour = colours[rng.gen_range(0..4)];
        let p = 1.0 / (1.0 + (-(x1 + if colour == "red" { 0.8 } else { 0.0 })).exp());
        let y = rng.gen_bool(p);
        s.x1.push((i % 37 != 0).then_some((x1 * 1000.0).round() / 1000.0));
        s.x2.push((rng.gen_range(0.0..100.0_f64) * 100.0).round() / 100.0);
        s.size.push(rng.gen_range(1..40));
        s.colour.push((i % 53 != 0).then(|| colour.to_string()));
        s.spend_after.push(if y {
            (rng.gen_range(50.0..500.0_f64) * 100.0).round() / 100.0
        } else {
            0.0
        });
        s.colour_rate.push(None);
        s.status_code
            .push(format!("S{}{}", if y { 9 } else { 1 }, rng.gen_range(0..3)));
        s.customer
            .push(format!("c{}", first_customer + rng.gen_range(0..n / 3)));
        s.day.push(first_day + (i as i32 * 365) / n as i32);
        s.y.push(if y { "yes" } else { "no" }.into());
        s.region.push(["north", "south"][i % 2].into());
    }
    s
}

/// Train (hive-partitioned by region, two files a partition) and test (one file) under `dir`,
/// and the same rows as in-memory tables.
fn write_split(dir: &Path) -> (Table, Table) {
    let mut rng = ChaCha8Rng::seed_from_u64(30);
    let mut train = side(&mut rng, 3_000, 0, 19_000);
    // Ten training rows repeated within training.
    for r in 0..10 {
        train.push_from(&train.clone(), r * 7);
    }
    // A target encoding of the colour computed on the training rows themselves (the same
    // mapping on the test side): each colour's share of "yes" among its training rows.
    let (colours, ys) = (train.colour.clone(), train.y.clone());
    let rate = |colour: &Option<String>| -> Option<f64> {
        let rows: Vec<usize> = (0..colours.len())
            .filter(|&r| colour.is_some() && colours[r] == *colour)
            .collect();
        let yes = rows.iter().filter(|&&r| ys[r] == "yes").count();
        (!rows.is_empty()).then(|| yes as f64 / rows.len() as f64)
    };
    train.colour_rate = train.colour.iter().map(rate).collect();
    let mut test = side(&mut rng, 800, 5_000, 19_000 + 358);
    test.colour_rate = test.colour.iter().map(rate).collect();
    // 60 test rows copied from training (features and target), 40 customers shared.
    for r in 0..60 {
        test.push_from(&train, 100 + r * 13);
    }
    for r in 0..40 {
        test.customer[r * 3] = train.customer[r * 11].clone();
    }
    for region in ["north", "south"] {
        let part = dir.join("train").join(format!("region={region}"));
        std::fs::create_dir_all(&part).unwrap();
        let rows: Vec<usize> = (0..train.len())
            .filter(|&r| train.region[r] == region)
            .collect();
        let (a, b) = rows.split_at(rows.len() / 2);
        for (i, half) in [a, b].into_iter().enumerate() {
            write(
                &part.join(format!("part-{i}.parquet")),
                &train.take(half).batch(false),
            );
        }
    }
    std::fs::create_dir_all(dir.join("test")).unwrap();
    write(&dir.join("test").join("part-0.parquet"), &test.batch(true));
    (
        Table::from_record_batch(train.batch(true)).unwrap(),
        Table::from_record_batch(test.batch(true)).unwrap(),
    )
}

fn write(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn audit() -> Audit {
    Audit::new("y")
        .task(Task::Binary)
        .group_col("customer")
        .time_col("day")
        .seed(7)
}

/// The evidence of the first finding of `kind`.
fn evidence(r: &Report, kind: FindingKind, field: &str) -> Value {
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == kind && f.evidence.contains_key(field))
        .unwrap_or_else(|| panic!("no {kind:?} finding with '{field}'"));
    f.evidence[field].clone()
}

/// The counts of every row of `table`, in memory, under the plan of `like`.
fn in_memory_counts(like: &FeatureCounts, table: &Table) -> FeatureCounts {
    let rows = like.plan.cells(table.clone()).unwrap();
    let levels = like.plan.level_sums(table.clone()).unwrap();
    FeatureCounts::from_sums(like.plan.clone(), rows.sums())
        .unwrap()
        .with_levels(levels)
        .unwrap()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[test]
fn in_memory_and_datafusion_count_the_same_and_find_the_same() {
    let dir = tempdir("engines-equivalence");
    let (train, test) = write_split(&dir);
    let train_table = train.clone();
    let memory = audit().test(test).run(train).unwrap();
    let engine = DataFusion::new().threads(2).spill_dir(&dir);
    let fused = engine
        .audit(audit(), &dir.join("train"), Some(&dir.join("test")))
        .unwrap();

    assert_eq!(memory.engine.name, "in-memory");
    assert_eq!(fused.engine.name, "datafusion");
    // Every row fits the sample: nothing was sampled, and every statistic is exact.
    assert!(fused.engine.sampled.is_empty(), "{:?}", fused.engine);
    assert_eq!(fused.dataset.rows, 3_010);
    assert_eq!(fused.dataset.rows_used, 3_010);

    let counts = [
        (FindingKind::TrainTestDuplicates, "exact_test_rows"),
        (FindingKind::TrainTestDuplicates, "exact_with_target_rows"),
        (FindingKind::TrainTestDuplicates, "near_test_rows"),
        (FindingKind::TrainTestDuplicates, "within_train_rows"),
        (FindingKind::GroupOverlap, "shared_groups"),
        (FindingKind::GroupOverlap, "test_groups"),
        (FindingKind::GroupOverlap, "test_rows_in_shared_groups"),
        (FindingKind::TemporalLeak, "test_rows_before_train_end"),
        (FindingKind::TemporalLeak, "shared_timestamps"),
        (FindingKind::TemporalLeak, "last_train_time"),
    ];
    for (kind, field) in counts {
        assert_eq!(
            evidence(&memory, kind, field),
            evidence(&fused, kind, field),
            "{kind:?} {field}"
        );
    }
    // The planted counts themselves: 60 copied rows (a few copies of rows repeated within
    // training, none elsewhere by chance), 10 repeats within training, 40 shared customers
    // at least, the last week of training overlapping.
    assert_eq!(
        evidence(&fused, FindingKind::TrainTestDuplicates, "exact_test_rows"),
        60
    );
    assert_eq!(
        evidence(
            &fused,
            FindingKind::TrainTestDuplicates,
            "within_train_rows"
        ),
        10
    );
    assert!(evidence(&fused, FindingKind::GroupOverlap, "shared_groups").as_u64() >= Some(40));
    assert!(
        evidence(
            &fused,
            FindingKind::TemporalLeak,
            "test_rows_before_train_end"
        )
        .as_u64()
            > Some(0)
    );
    let split = |r: &Report| {
        let s = r.split.as_ref().unwrap();
        (
            s.train_rows,
            s.test_rows,
            s.duplicate_test_rows,
            s.duplicate_train_rows,
        )
    };
    assert_eq!(split(&memory), split(&fused));

    // The same findings, and the planted leaks among them.
    let found = |r: &Report| {
        let mut v: Vec<(FindingKind, Option<String>, Severity)> = r
            .findings
            .iter()
            .map(|f| (f.kind, f.feature.clone(), f.severity))
            .collect();
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    };
    assert_eq!(found(&memory), found(&fused));

    // The features' cells: DataFusion's over the files are the table's own, counted in memory
    // under the same plan, so every single-feature power is the same number, over every row.
    let plan = audit().count_plan(&train_table).unwrap();
    let counted = engine.feature_counts(&audit(), &dir.join("train")).unwrap();
    assert_eq!(counted.plan, plan);
    assert_eq!(
        counted.cells,
        in_memory_counts(&counted, &train_table).cells
    );
    assert_eq!(counted.rows, 3_010);
    for (f, p) in plan.features.iter().enumerate() {
        let info = &fused
            .features
            .iter()
            .find(|x| x.name == p.name)
            .unwrap()
            .single_feature_power;
        let power = counted.power(f);
        assert_eq!(
            (info.power, info.value),
            (round6(power.power), round6(power.value)),
            "{}",
            p.name
        );
    }
    for leak in ["spend_after", "status_code"] {
        assert!(
            fused
                .findings
                .iter()
                .any(|f| f.feature.as_deref() == Some(leak) && f.severity >= Severity::High),
            "{leak} not found"
        );
    }
}

#[test]
fn a_sample_is_stated_and_the_counts_stay_exact() {
    let dir = tempdir("engines-sample");
    let (train, test) = write_split(&dir);
    let train_table = train.clone();
    let memory = audit().test(test).run(train).unwrap();
    let fused = DataFusion::new()
        .sample_rows(1_200)
        .memory_limit(64 << 20)
        .spill_dir(&dir)
        .audit(audit(), &dir.join("train"), Some(&dir.join("test")))
        .unwrap();
    assert!(fused.dataset.sampled);
    assert_eq!(fused.dataset.rows, 3_010);
    // 1,200 rows asked, and at least 1,000 of each class (a stratified sample keeps a class
    // learnable): about 1,000 of each here.
    assert!(
        (1_900..2_100).contains(&fused.dataset.rows_used),
        "{}",
        fused.dataset.rows_used
    );
    assert!(!fused.engine.exact.is_empty() && !fused.engine.sampled.is_empty());
    for (kind, field) in [
        (FindingKind::TrainTestDuplicates, "exact_test_rows"),
        (FindingKind::GroupOverlap, "test_rows_in_shared_groups"),
        (FindingKind::TemporalLeak, "test_rows_before_train_end"),
    ] {
        assert_eq!(
            evidence(&memory, kind, field),
            evidence(&fused, kind, field),
            "{kind:?} {field}"
        );
    }
    // The features' cells are counted over every row, binned as the sample is: equal to the
    // whole table's counted in memory under that plan, and stated exact.
    let counted = DataFusion::new()
        .sample_rows(1_200)
        .spill_dir(&dir)
        .feature_counts(&audit(), &dir.join("train"))
        .unwrap();
    assert_eq!(counted.rows, 3_010);
    assert_eq!(
        counted.cells,
        in_memory_counts(&counted, &train_table).cells
    );
    assert!(
        fused
            .engine
            .exact
            .iter()
            .any(|s| s.starts_with("single-feature power")),
        "{:?}",
        fused.engine
    );
    for (f, p) in counted.plan.features.iter().enumerate() {
        let info = &fused
            .features
            .iter()
            .find(|x| x.name == p.name)
            .unwrap()
            .single_feature_power;
        assert_eq!(info.power, round6(counted.power(f).power), "{}", p.name);
    }
    // The checks that read the counts judge every row: the code's pure levels and the
    // post-outcome field's pure segment hold the whole table's rows, not the sample's.
    for (kind, feature, field) in [
        (FindingKind::TargetProxy, "status_code", "pure_level_rows"),
        (FindingKind::PureSegment, "spend_after", "rows"),
        (FindingKind::PureSegment, "spend_after", "support"),
        (FindingKind::TargetEncoding, "colour_rate", "levels"),
    ] {
        let of = |r: &Report| {
            r.findings
                .iter()
                .find(|f| f.kind == kind && f.feature.as_deref() == Some(feature))
                .map(|f| f.evidence[field].clone())
                .unwrap_or_else(|| panic!("no {kind:?} on {feature}"))
        };
        assert_eq!(of(&memory), of(&fused), "{kind:?} {feature} {field}");
    }
    // The same seed draws the same sample: the report is the same apart from timings.
    let again = DataFusion::new()
        .sample_rows(1_200)
        .spill_dir(&dir)
        .threads(1)
        .audit(audit(), &dir.join("train"), Some(&dir.join("test")))
        .unwrap();
    let strip = |r: &Report| {
        let mut r = r.clone();
        r.timings.clear();
        r.to_json()
    };
    assert_eq!(strip(&fused), strip(&again));
}

#[test]
fn the_command_line_audits_a_directory_and_names_bad_input() {
    let dir = tempdir("engines-cli");
    write_split(&dir);
    let out = dir.join("out");
    let o = run(
        &dir,
        &[
            "audit",
            "train",
            "--test",
            "test",
            "--target",
            "y",
            "--group-col",
            "customer",
            "--time-col",
            "day",
            "--out",
            "out",
            "--quiet",
        ],
    );
    let (stdout, stderr) = text(&o);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{stdout}{stderr}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["engine"]["name"], "datafusion");

    let o = run(&dir, &["audit", "train", "--target", "z", "--out", "out2"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("'z'") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(!dir.join("out2").join("report.json").exists());

    std::fs::write(
        dir.join("train")
            .join("region=north")
            .join("broken.parquet"),
        b"PAR1 no",
    )
    .unwrap();
    let o = run(&dir, &["audit", "train", "--target", "y", "--out", "out3"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("train") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn a_parquet_file_too_large_to_load_is_counted_by_datafusion() {
    let dir = tempdir("engines-over-memory");
    write_split(&dir);
    let file = "train/region=north/part-0.parquet";
    // In memory, named: the limit stops the read with advice that names the engine.
    let o = run(
        &dir,
        &[
            "audit",
            file,
            "--target",
            "y",
            "--engine",
            "in-memory",
            "--memory-limit",
            "0.0001",
            "--out",
            "a",
        ],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--engine datafusion"), "{stderr}");
    // Left to choose: DataFusion counts it.
    let o = run(
        &dir,
        &[
            "audit",
            file,
            "--target",
            "y",
            "--memory-limit",
            "0.0001",
            "--out",
            "b",
        ],
    );
    let (stdout, stderr) = text(&o);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{stdout}{stderr}");
    assert!(stderr.contains("DataFusion"), "{stderr}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("b/report.json")).unwrap()).unwrap();
    assert_eq!(json["engine"]["name"], "datafusion");
    assert_eq!(json["dataset"]["rows"], 752);
}

/// A numeric target through DataFusion: the cells' rows are the table's own, their sums the
/// same to rounding (DataFusion adds them in its own order), and so are the powers, the rank
/// variant's included; a post-outcome copy of the target is found on the sample.
#[test]
fn a_numeric_target_is_counted_into_the_same_cells() {
    let dir = tempdir("engines-regression");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 4_000;
    let x1: Vec<f64> = (0..n).map(|_| rng.gen_range(0.0..10.0)).collect();
    let x2: Vec<Option<f64>> = (0..n)
        .map(|i| (i % 7 != 0).then(|| rng.gen_range(-1.0..1.0)))
        .collect();
    let y: Vec<f64> = x1
        .iter()
        .map(|x| ((x * 3.0 + rng.gen_range(-2.0..2.0_f64)).exp() * 100.0).round() / 100.0)
        .collect();
    let refund: Vec<f64> = y.iter().map(|v| (v.ln() * 1e4).round() / 1e4).collect();
    let shop: Vec<String> = (0..n).map(|i| format!("s{}", i % 9)).collect();
    let batch = |rows: std::ops::Range<usize>| {
        RecordBatch::try_from_iter([
            (
                "x1",
                Arc::new(Float64Array::from(x1[rows.clone()].to_vec())) as ArrayRef,
            ),
            (
                "x2",
                Arc::new(Float64Array::from(x2[rows.clone()].to_vec())) as ArrayRef,
            ),
            (
                "refund",
                Arc::new(Float64Array::from(refund[rows.clone()].to_vec())) as ArrayRef,
            ),
            (
                "shop",
                Arc::new(StringArray::from(shop[rows.clone()].to_vec())) as ArrayRef,
            ),
            (
                "y",
                Arc::new(Float64Array::from(y[rows].to_vec())) as ArrayRef,
            ),
        ])
        .unwrap()
    };
    std::fs::create_dir_all(dir.join("train")).unwrap();
    write(&dir.join("train").join("a.parquet"), &batch(0..n / 2));
    write(&dir.join("train").join("b.parquet"), &batch(n / 2..n));
    let table = Table::from_record_batch(batch(0..n)).unwrap();
    let audit = || Audit::new("y").task(Task::Regression).seed(3);
    let engine = DataFusion::new().sample_rows(1_500).spill_dir(&dir);
    let counted = engine.feature_counts(&audit(), &dir.join("train")).unwrap();
    let mine = in_memory_counts(&counted, &table);
    assert_eq!(counted.rows, n as u64);
    assert_eq!(counted.cells.len(), mine.cells.len());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()));
    for (a, b) in counted.cells.iter().zip(&mine.cells) {
        assert_eq!((a.cell, a.n), (b.cell, b.n));
        assert!(
            close(a.sum, b.sum) && close(a.sum_sq, b.sum_sq),
            "{a:?} {b:?}"
        );
        assert!(close(a.rank_sum, b.rank_sum) && close(a.rank_sum_sq, b.rank_sum_sq));
    }
    for (f, p) in counted.plan.features.iter().enumerate() {
        let (a, b) = (counted.power(f), mine.power(f));
        assert_eq!(a.metric, b.metric, "{}", p.name);
        assert!(close(a.power, b.power), "{}: {a:?} {b:?}", p.name);
    }
    let refund_at = counted
        .plan
        .features
        .iter()
        .position(|p| p.name == "refund")
        .unwrap();
    // log(y), rounded: the rank variant sees the re-expression the raw R² cannot.
    let power = counted.power(refund_at);
    assert_eq!(power.metric.to_string(), "rank_r2");
    assert!(power.power > 0.99, "{power:?}");

    let report = engine.audit(audit(), &dir.join("train"), None).unwrap();
    assert!(report.dataset.sampled);
    assert!(report
        .engine
        .exact
        .iter()
        .any(|s| s.starts_with("single-feature power")));
    assert!(report
        .findings
        .iter()
        .any(|f| f.feature.as_deref() == Some("refund") && f.severity >= Severity::High));
}
