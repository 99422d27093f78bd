//! Leaks made by the preparation pipeline, planted the way pipelines make them: target
//! encodings computed on the rows they encode (in-sample means, smoothed or not, and
//! leave-one-out, with the raw category kept or dropped) are `target_encoding` at `high` or
//! above; the proper out-of-fold (K-fold) encoding of the same category is not flagged above
//! `medium`.

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
