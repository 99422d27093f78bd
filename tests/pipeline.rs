//! Leaks made by the preparation pipeline, planted the way pipelines make them: target
//! encodings computed on the rows they encode (in-sample means, smoothed or not, and
//! leave-one-out, with the raw category kept or dropped) are `target_encoding` at `high` or
//! above, while the proper out-of-fold (K-fold) encoding is not flagged above `medium`; SMOTE
//! before the split is `oversampled_before_split`, SMOTE on the training rows alone is not; random
//! oversampling before the split is named in the duplicates finding.

use leakhound::internals::splitmix64;
use leakhound::{Audit, FindingKind, Report, Severity, Table, TableBuilder};

const N: usize = 3000;
const LEVELS: u64 = 40;

fn unit(i: usize, salt: u64) -> f64 {
    (splitmix64((i as u64) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11) as f64
        / (1u64 << 53) as f64
}

/// Rows: a merchant (40 levels, each with its own rate), two honest features, the target.
struct Rows {
    merchant: Vec<u64>,
    y: Vec<f64>,
    regression: bool,
}

fn rows(regression: bool, seed: u64) -> Rows {
    let merchant: Vec<u64> = (0..N)
        .map(|i| splitmix64(i as u64 ^ seed) % LEVELS)
        .collect();
    let y = (0..N)
        .map(|i| {
            let rate = 0.1 + 0.8 * unit(merchant[i] as usize, seed ^ 77);
            if regression {
                10.0 * rate + unit(i, seed ^ 5) * 4.0
            } else {
                f64::from(u8::from(unit(i, seed ^ 5) < rate))
            }
        })
        .collect();
    Rows {
        merchant,
        y,
        regression,
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Encoding {
    InSample { smoothing: f64 },
    LeaveOneOut,
    KFold,
}

fn encode(r: &Rows, how: Encoding) -> Vec<f64> {
    let mut n = vec![0.0; LEVELS as usize];
    let mut s = vec![0.0; LEVELS as usize];
    for i in 0..N {
        n[r.merchant[i] as usize] += 1.0;
        s[r.merchant[i] as usize] += r.y[i];
    }
    let p = r.y.iter().sum::<f64>() / N as f64;
    match how {
        Encoding::InSample { smoothing: m } => (0..N)
            .map(|i| {
                let l = r.merchant[i] as usize;
                (s[l] + m * p) / (n[l] + m)
            })
            .collect(),
        Encoding::LeaveOneOut => (0..N)
            .map(|i| {
                let l = r.merchant[i] as usize;
                (s[l] - r.y[i]) / (n[l] - 1.0)
            })
            .collect(),
        Encoding::KFold => {
            let fold: Vec<usize> = (0..N)
                .map(|i| (splitmix64(i as u64 ^ 99) % 5) as usize)
                .collect();
            let mut nf = vec![[0.0; 5]; LEVELS as usize];
            let mut sf = vec![[0.0; 5]; LEVELS as usize];
            for i in 0..N {
                nf[r.merchant[i] as usize][fold[i]] += 1.0;
                sf[r.merchant[i] as usize][fold[i]] += r.y[i];
            }
            (0..N)
                .map(|i| {
                    let l = r.merchant[i] as usize;
                    let (nn, ss) = (n[l] - nf[l][fold[i]], s[l] - sf[l][fold[i]]);
                    if nn > 0.0 {
                        ss / nn
                    } else {
                        p
                    }
                })
                .collect()
        }
    }
}

fn audit(r: &Rows, how: Encoding, keep_category: bool) -> Report {
    let mut b: TableBuilder = Table::builder()
        .numeric("amount", (0..N).map(|i| (unit(i, 11) * 500.0).round()))
        .numeric("age", (0..N).map(|i| (18.0 + unit(i, 12) * 60.0).round()))
        .numeric("merchant_te", encode(r, how));
    if keep_category {
        b = b.text("merchant", r.merchant.iter().map(|m| format!("m{m}")));
    }
    let table = b.numeric("y", r.y.clone()).build().unwrap();
    let task = if r.regression {
        leakhound::Task::Regression
    } else {
        leakhound::Task::Binary
    };
    Audit::new("y").task(task).run(table).unwrap()
}

fn encoding_finding(r: &Report) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| {
            f.kind == FindingKind::TargetEncoding && f.feature.as_deref() == Some("merchant_te")
        })
        .map(|f| f.severity)
        .max()
}

fn worst_on(r: &Report, feature: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| f.concerns(feature))
        .map(|f| f.severity)
        .max()
}

#[test]
fn target_encodings_on_their_own_rows_are_named() {
    let mut found = Vec::new();
    for regression in [false, true] {
        for seed in [1u64, 2] {
            let r = rows(regression, seed);
            for how in [
                Encoding::InSample { smoothing: 0.0 },
                Encoding::InSample { smoothing: 10.0 },
                Encoding::LeaveOneOut,
            ] {
                for keep in [true, false] {
                    // Leave-one-out on a continuous target without the category leaves no
                    // trace a table can show (every value is unique); it is not claimed.
                    if regression && how == Encoding::LeaveOneOut && !keep {
                        continue;
                    }
                    let report = audit(&r, how, keep);
                    let sev = encoding_finding(&report);
                    found.push((regression, seed, how, keep, sev));
                    assert!(
                        sev >= Some(Severity::High),
                        "regression {regression}, seed {seed}, {how:?}, category kept {keep}: {sev:?}\n{:#?}",
                        report.findings.iter().map(|f| (&f.feature, f.kind, f.severity)).collect::<Vec<_>>()
                    );
                    let f = report
                        .findings
                        .iter()
                        .find(|f| f.kind == FindingKind::TargetEncoding)
                        .unwrap();
                    assert!(f
                        .message
                        .contains("fit the encoder inside each cross-validation fold"));
                    if keep {
                        assert_eq!(f.evidence["category"], "merchant");
                        // The raw category is legitimate: never called a leak.
                        assert!(
                            !report
                                .verdict
                                .likely_leaks
                                .contains(&"merchant".to_string()),
                            "{how:?}: {:?}",
                            report.verdict
                        );
                    }
                    if how == Encoding::LeaveOneOut && !regression {
                        assert_eq!(
                            f.severity,
                            Severity::Critical,
                            "leave-one-out inflates a lot"
                        );
                    }
                    let plots = report
                        .plots(&[leakhound::report::PlotKind::Suspect])
                        .unwrap();
                    let picture = plots
                        .iter()
                        .find(|p| p.name.starts_with("pipeline_merchant_te"))
                        .expect("the encoding picture");
                    if how == Encoding::LeaveOneOut && keep && seed == 1 {
                        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
                        std::fs::write(dir.join(format!("loo_{regression}.png")), &picture.png)
                            .unwrap();
                    }
                }
            }
        }
    }
    assert!(found.len() >= 20);
}

#[test]
fn out_of_fold_encodings_are_not_flagged_above_medium() {
    for regression in [false, true] {
        for seed in [1u64, 2, 3] {
            let r = rows(regression, seed);
            for keep in [true, false] {
                let report = audit(&r, Encoding::KFold, keep);
                assert_eq!(encoding_finding(&report), None);
                assert!(
                    worst_on(&report, "merchant_te") <= Some(Severity::Medium),
                    "regression {regression} seed {seed} keep {keep}: {:?}",
                    report
                        .findings
                        .iter()
                        .map(|f| (&f.feature, f.kind, f.severity))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}

/// Rows of six continuous features and a 0/1 label, 10% positives.
fn imbalanced(n: usize, seed: u64) -> Vec<(Vec<f64>, f64)> {
    (0..n)
        .map(|i| {
            let y = f64::from(u8::from(unit(i, seed) < 0.1));
            let x = (0..6)
                .map(|j| {
                    let u = unit(i, seed ^ (100 + j));
                    // A rough normal from a uniform, shifted for the positives.
                    (u - 0.5) * 3.0 + y * if j < 2 { 1.2 } else { 0.0 }
                })
                .collect();
            (x, y)
        })
        .collect()
}

/// SMOTE: minority rows interpolated towards one of their five nearest minority neighbours
/// until the classes balance.
fn smote(rows: &[(Vec<f64>, f64)], seed: u64) -> Vec<(Vec<f64>, f64)> {
    let minority: Vec<&Vec<f64>> = rows.iter().filter(|r| r.1 == 1.0).map(|r| &r.0).collect();
    let need = rows.len() - 2 * minority.len();
    (0..need)
        .map(|i| {
            let a = minority[(splitmix64(i as u64 ^ seed) % minority.len() as u64) as usize];
            let mut near: Vec<(f64, usize)> = minority
                .iter()
                .enumerate()
                .map(|(j, b)| {
                    (
                        a.iter().zip(b.iter()).map(|(p, q)| (p - q).powi(2)).sum(),
                        j,
                    )
                })
                .filter(|&(d, _)| d > 0.0)
                .collect();
            near.sort_by(|p, q| p.0.total_cmp(&q.0));
            let b = minority[near[(splitmix64(i as u64 ^ seed ^ 7) % 5) as usize].1];
            let lambda = unit(i, seed ^ 9);
            (
                a.iter().zip(b).map(|(p, q)| p + lambda * (q - p)).collect(),
                1.0,
            )
        })
        .collect()
}

fn table_of(rows: &[(Vec<f64>, f64)]) -> Table {
    let mut b = Table::builder();
    for j in 0..6 {
        b = b.numeric(format!("x{j}"), rows.iter().map(|r| r.0[j]));
    }
    b.numeric("y", rows.iter().map(|r| r.1)).build().unwrap()
}

type Rows2 = Vec<(Vec<f64>, f64)>;

/// Split rows 75/25 by a seeded hash.
fn split(rows: Rows2, seed: u64) -> (Rows2, Rows2) {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (i, r) in rows.into_iter().enumerate() {
        if splitmix64(i as u64 ^ seed).is_multiple_of(4) {
            test.push(r);
        } else {
            train.push(r);
        }
    }
    (train, test)
}

fn oversampling_finding(r: &Report) -> Option<&leakhound::Finding> {
    r.findings
        .iter()
        .find(|f| f.kind == FindingKind::OversampledBeforeSplit)
}

#[test]
fn smote_before_the_split_is_found_and_after_it_is_not() {
    for seed in [1u64, 2] {
        let real = imbalanced(2000, seed);
        // Before the split: synthetic rows land on both sides.
        let mut all = real.clone();
        all.extend(smote(&real, seed));
        let (train, test) = split(all, seed);
        let report = Audit::new("y")
            .test(table_of(&test))
            .run(table_of(&train))
            .unwrap();
        let f = oversampling_finding(&report).expect("SMOTE before the split");
        let plots = report
            .plots(&[leakhound::report::PlotKind::Suspect])
            .unwrap();
        let picture = plots
            .iter()
            .find(|p| p.name.starts_with("pipeline_oversampled_before_split"))
            .expect("the segment picture");
        assert!(picture.png.starts_with(b"\x89PNG"));
        if seed == 1 {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
            std::fs::write(dir.join("smote.png"), &picture.png).unwrap();
        }
        assert!(f.severity >= Severity::High, "{}", f.message);
        assert!(
            f.evidence["test_rows_on_segments"].as_u64().unwrap() >= 50,
            "{}",
            f.message
        );
        assert_eq!(f.evidence["by_class"].as_object().unwrap().len(), 1);
        let sample = f.evidence["sample_rows_test_parent_a_parent_b"]
            .as_array()
            .unwrap();
        assert!(!sample.is_empty());
        assert!(f.message.contains("Split first, then oversample"));
        // After the split, on the training rows only: the test rows are real, nothing to find.
        let (train, test) = split(real.clone(), seed);
        let mut train_smote = train.clone();
        train_smote.extend(smote(&train, seed));
        let report = Audit::new("y")
            .test(table_of(&test))
            .run(table_of(&train_smote))
            .unwrap();
        assert!(
            oversampling_finding(&report).is_none(),
            "{:?}",
            oversampling_finding(&report)
        );
        // The oversampled file alone (leakhound's own split): said, at most medium.
        let report = Audit::new("y").run(table_of(&train_smote)).unwrap();
        let f = oversampling_finding(&report).expect("interpolated rows in the file");
        assert_eq!(f.severity, Severity::Medium);
        // Clean data, no oversampling anywhere: nothing.
        let report = Audit::new("y")
            .test(table_of(&test))
            .run(table_of(&train))
            .unwrap();
        assert!(oversampling_finding(&report).is_none());
    }
}

#[test]
fn smote_that_rounds_its_count_columns_is_found_too() {
    // A churn table's counts (calls, messages) are whole numbers; an oversampler that keeps the
    // column's integer type writes the interpolated count back rounded, off the segment by up to
    // half a unit, while the continuous columns stay exactly on it.
    let counts = |rows: Rows2| -> Rows2 {
        rows.into_iter()
            .map(|(mut x, y)| {
                for v in &mut x[4..] {
                    *v = ((*v + 2.0) * 20.0).round();
                }
                (x, y)
            })
            .collect()
    };
    let rounded = |rows: Rows2| -> Rows2 {
        rows.into_iter()
            .map(|(mut x, y)| {
                for v in &mut x[4..] {
                    *v = v.round();
                }
                (x, y)
            })
            .collect()
    };
    for seed in [3u64, 4] {
        let real = counts(imbalanced(2000, seed));
        let mut all = real.clone();
        all.extend(rounded(smote(&real, seed)));
        let (train, test) = split(all, seed);
        let report = Audit::new("y")
            .test(table_of(&test))
            .run(table_of(&train))
            .unwrap();
        let f = oversampling_finding(&report).expect("SMOTE with rounded counts");
        assert!(f.severity >= Severity::High, "{}", f.message);
        // The real rows alone, split the same way: nothing.
        let (train, test) = split(real, seed);
        let report = Audit::new("y")
            .test(table_of(&test))
            .run(table_of(&train))
            .unwrap();
        assert!(oversampling_finding(&report).is_none());
    }
}

#[test]
fn random_oversampling_before_the_split_is_attributed() {
    let real = imbalanced(2000, 5);
    let minority: Vec<(Vec<f64>, f64)> = real.iter().filter(|r| r.1 == 1.0).cloned().collect();
    let mut all = real.clone();
    for _ in 0..7 {
        all.extend(minority.iter().cloned());
    }
    let (train, test) = split(all, 5);
    let report = Audit::new("y")
        .test(table_of(&test))
        .run(table_of(&train))
        .unwrap();
    let dup = report
        .findings
        .iter()
        .find(|f| {
            f.kind == FindingKind::TrainTestDuplicates && f.evidence.contains_key("exact_test_rows")
        })
        .expect("duplicates");
    assert_eq!(dup.evidence["oversampled_class"], "1");
    assert!(dup.message.contains("oversampling"), "{}", dup.message);
}

#[test]
fn count_encodings_fitted_with_the_test_rows_are_said() {
    let r = rows(false, 4);
    let levels = |from: usize, to: usize| -> Vec<String> {
        (from..to).map(|i| format!("m{}", r.merchant[i])).collect()
    };
    let count = |rows: &[String], l: &str| rows.iter().filter(|x| *x == l).count() as f64;
    let (train_l, test_l) = (levels(0, 2200), levels(2200, N));
    let all: Vec<String> = train_l.iter().chain(&test_l).cloned().collect();
    for (with_test, expect) in [(true, true), (false, false)] {
        let basis = if with_test { &all } else { &train_l };
        let side = |ls: &[String], ys: &[f64]| {
            Table::builder()
                .text("merchant", ls.iter().map(String::as_str))
                .numeric("merchant_count", ls.iter().map(|l| count(basis, l)))
                .numeric(
                    "amount",
                    (0..ls.len()).map(|i| (unit(i, 31) * 100.0).round()),
                )
                .numeric("y", ys.iter().copied())
                .build()
                .unwrap()
        };
        let report = Audit::new("y")
            .test(side(&test_l, &r.y[2200..]))
            .run(side(&train_l, &r.y[..2200]))
            .unwrap();
        let f = report
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::EncodedWithTestRows);
        assert_eq!(f.is_some(), expect, "with test rows {with_test}: {f:?}");
        if let Some(f) = f {
            assert_eq!(f.severity, Severity::Medium);
            assert_eq!(f.feature.as_deref(), Some("merchant_count"));
        }
    }
}

#[test]
fn target_encodings_on_a_real_table() {
    // The telco churn table of the real-data corpus, its payment method target-encoded.
    let path = crate::common::fixture("real/telco_churn.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let records: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (pay, churn) = (col("payment_method"), col("churn"));
    // `encode` works over N rows; the telco table has more, so it is cut to N.
    assert!(records.len() >= N);
    let records = &records[..N];
    let y: Vec<f64> = records
        .iter()
        .map(|r| f64::from(u8::from(r[churn] == "Yes")))
        .collect();
    let r = Rows {
        merchant: {
            let mut levels: Vec<&str> = records.iter().map(|r| r[pay].as_str()).collect();
            levels.sort_unstable();
            levels.dedup();
            records
                .iter()
                .map(|r| levels.iter().position(|l| *l == r[pay]).unwrap() as u64)
                .collect()
        },
        y,
        regression: false,
    };
    for (how, keep, expect) in [
        (Encoding::InSample { smoothing: 0.0 }, true, true),
        (Encoding::InSample { smoothing: 20.0 }, false, true),
        (Encoding::LeaveOneOut, true, true),
        (Encoding::KFold, true, false),
    ] {
        let enc = encode(&r, how);
        let mut b = Table::builder();
        for (j, h) in header.iter().enumerate() {
            if j == pay && !keep {
                continue;
            }
            b = b.text(h.as_str(), records.iter().map(|row| row[j].as_str()));
        }
        let table = b.numeric("payment_te", enc).build().unwrap();
        let report = Audit::new("churn").run(table).unwrap();
        let sev = report
            .findings
            .iter()
            .filter(|f| {
                f.kind == FindingKind::TargetEncoding && f.feature.as_deref() == Some("payment_te")
            })
            .map(|f| f.severity)
            .max();
        assert_eq!(
            sev >= Some(Severity::High),
            expect,
            "{how:?} keep {keep}: {sev:?}"
        );
        assert!(
            !report
                .verdict
                .likely_leaks
                .contains(&"payment_method".to_string()),
            "{how:?}: {:?}",
            report.verdict
        );
    }
}

#[test]
fn integer_coded_categories_are_levels_too() {
    let r = rows(false, 6);
    for (how, expect) in [
        (Encoding::InSample { smoothing: 0.0 }, true),
        (Encoding::LeaveOneOut, true),
        (Encoding::KFold, false),
    ] {
        let table = Table::builder()
            .numeric("amount", (0..N).map(|i| (unit(i, 11) * 500.0).round()))
            .numeric("merchant_id", r.merchant.iter().map(|&m| m as f64 + 100.0))
            .numeric("merchant_te", encode(&r, how))
            .numeric("y", r.y.clone())
            .build()
            .unwrap();
        let report = Audit::new("y").run(table).unwrap();
        let f = report.findings.iter().find(|f| {
            f.kind == FindingKind::TargetEncoding && f.feature.as_deref() == Some("merchant_te")
        });
        assert_eq!(f.is_some(), expect, "{how:?}: {f:?}");
        if let Some(f) = f {
            assert!(f.severity >= Severity::High);
            assert_eq!(f.evidence["category"], "merchant_id");
        }
    }
}
