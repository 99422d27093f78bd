//! Seeded generator of datasets with planted leaks of every kind, plus legitimate decoys (a
//! strong feature, a correlated pair, a categorical, noise). Used by the tests that measure
//! recall and false alarms, and by the benchmarks.

use crate::finding::FindingKind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::Task;
use crate::Table;

/// Kinds of planted leak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plant {
    /// A copy of the target with noise (recorded after the outcome).
    PostOutcome,
    /// Zero until the outcome happens: the "expenditure" signature.
    ZeroUntilOutcome,
    /// Filled in only after the outcome; the values themselves are noise.
    Missingness,
    /// Category codes that encode the label, with 2% flips.
    TargetProxy,
    /// Ids assigned after sorting by the target.
    Identifier,
    /// A noisy but dominant copy of the target signal. Indistinguishable from a legitimate
    /// single driver (a diamond's carat), so the expected grade is a review (`medium`).
    Dominant,
    /// Two columns carrying the same leak (e.g. spending and spending share).
    CorrelatedPair,
    /// A column that reconstructs the target together with a legitimate input, hidden behind a
    /// stronger post-outcome leak.
    MultiFeature,
    /// Regression: an exact monotone re-expression of the target (its log, shifted positive).
    Reexpression,
    /// The target's band (one of 20 quantile bands), recorded for a quarter of the rows only.
    Partial,
    /// Regression: the target is the mean of two columns, neither strong alone.
    Reconstruction,
    /// No leak at all.
    None,
}

/// All plants with leaks.
pub const ALL: &[Plant] = &[
    Plant::PostOutcome,
    Plant::ZeroUntilOutcome,
    Plant::Missingness,
    Plant::TargetProxy,
    Plant::Identifier,
    Plant::Dominant,
    Plant::CorrelatedPair,
    Plant::MultiFeature,
    Plant::Reexpression,
    Plant::Partial,
    Plant::Reconstruction,
];

impl Plant {
    /// Whether the plant exists for `task` (some are regression-only, one binary-only).
    pub fn applies(self, task: Task) -> bool {
        match self {
            Plant::MultiFeature => task == Task::Binary,
            Plant::Reexpression | Plant::Reconstruction => task == Task::Regression,
            _ => true,
        }
    }
}

/// A generated dataset and what was planted in it.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// Column names (the target is `y`).
    pub header: Vec<String>,
    /// Rows of raw strings.
    pub rows: Vec<Vec<String>>,
    /// Leaking columns with the finding kinds that correctly describe each.
    pub leaks: Vec<(String, Vec<FindingKind>)>,
    /// Legitimate columns (must never be `critical`).
    pub decoys: Vec<String>,
}

impl Synthetic {
    /// As a table (named "test"), typed as its CSV would be.
    pub fn table(&self) -> Table {
        let mut b = Table::builder().name("test");
        for (j, h) in self.header.iter().enumerate() {
            b = b.text(h.as_str(), self.rows.iter().map(|r| r[j].as_str()));
        }
        // The generators always produce equal-length, distinctly named columns.
        b.build().expect("synthetic tables are well-formed")
    }

    /// As CSV text.
    pub fn csv(&self) -> String {
        let mut s = self.header.join(",");
        s.push('\n');
        for r in &self.rows {
            s.push_str(&r.join(","));
            s.push('\n');
        }
        s
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn num(x: f64) -> String {
    format!("{x:.5}")
}

/// Generate `n` rows with `plant` for `task`.
pub fn generate(plant: Plant, task: Task, n: usize, seed: u64) -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED);
    let cats = ["red", "green", "blue", "amber"];
    // Legitimate structure.
    let mut base: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut latent = Vec::with_capacity(n);
    let mut cat_idx = Vec::with_capacity(n);
    for _ in 0..n {
        let strong = normal(&mut rng);
        let x1 = normal(&mut rng);
        let x2 = normal(&mut rng);
        let c1 = normal(&mut rng);
        let c2 = c1 + 0.1 * normal(&mut rng);
        let noise = normal(&mut rng);
        let big = 3.0 * normal(&mut rng);
        let ci = rng.gen_range(0..cats.len());
        let legit = 1.5 * strong + 0.5 * x1 - 0.4 * x2
            + 0.3 * c1
            + [0.0, 0.3, -0.3, 0.5][ci]
            + 0.8 * normal(&mut rng);
        // For a dominant leak, the target is driven by a cause no legitimate column observes.
        let hidden = normal(&mut rng);
        let z = if plant == Plant::Dominant {
            0.4 * legit + 3.0 * hidden
        } else {
            legit
        };
        base.push(vec![strong, x1, x2, c1, c2, noise, big, hidden]);
        latent.push(z);
        cat_idx.push(ci);
    }
    // Target from the latent score.
    let mut sorted = latent.clone();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| sorted[((n as f64 * p) as usize).min(n - 1)];
    let y: Vec<f64> = match task {
        Task::Binary => latent
            .iter()
            .map(|&z| f64::from(u8::from(z > q(0.7))))
            .collect(),
        Task::Multiclass => latent
            .iter()
            .map(|&z| {
                if z < q(0.4) {
                    0.0
                } else if z < q(0.75) {
                    1.0
                } else {
                    2.0
                }
            })
            .collect(),
        Task::Regression => latent.clone(),
    };
    let classification = task != Task::Regression;
    let y_sd = {
        let m = y.iter().sum::<f64>() / n as f64;
        (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt()
    };
    let high_y = q(0.7);

    let mut header: Vec<String> = [
        "strong", "x1", "x2", "corr_a", "corr_b", "noise", "spread", "colour",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let decoys = header.clone();
    let mut leaks: Vec<(String, Vec<FindingKind>)> = Vec::new();
    let mut extra: Vec<Vec<String>> = vec![Vec::new(); n];
    let np = FindingKind::NearPerfectPredictor;
    match plant {
        Plant::None => {}
        Plant::PostOutcome | Plant::MultiFeature => {
            header.push("outcome_code".into());
            leaks.push((
                "outcome_code".into(),
                vec![np, FindingKind::TargetProxy, FindingKind::DominantFeature],
            ));
            for i in 0..n {
                let v = if classification {
                    y[i] * 10.0 + normal(&mut rng)
                } else {
                    y[i] + 0.03 * y_sd * normal(&mut rng)
                };
                extra[i].push(num(v));
            }
            if plant == Plant::MultiFeature && task == Task::Binary {
                // settle_gap - spread/... reconstructs y with `spread` (a legitimate input).
                header.push("settle_gap".into());
                leaks.push(("settle_gap".into(), vec![FindingKind::MultiFeatureLeak]));
                for i in 0..n {
                    let sign = if y[i] > 0.5 { 1.0 } else { -1.0 };
                    extra[i].push(num(base[i][6] + sign * rng.gen_range(0.5..1.5)));
                }
            }
        }
        Plant::ZeroUntilOutcome => {
            header.push("expenditure".into());
            leaks.push((
                "expenditure".into(),
                vec![np, FindingKind::PureSegment, FindingKind::MissingnessLeak],
            ));
            for i in 0..n {
                let active = if classification {
                    y[i] > 0.5
                } else {
                    y[i] > high_y
                };
                let v = if active && rng.gen_bool(0.99) || !active && rng.gen_bool(0.002) {
                    (4.0 + normal(&mut rng)).exp()
                } else {
                    0.0
                };
                extra[i].push(num(v));
            }
        }
        Plant::Missingness => {
            header.push("followup_score".into());
            leaks.push(("followup_score".into(), vec![FindingKind::MissingnessLeak]));
            for i in 0..n {
                let positive = match task {
                    Task::Binary => y[i] > 0.5,
                    Task::Multiclass => y[i] > 1.5,
                    Task::Regression => y[i] > high_y,
                };
                let missing = if positive {
                    rng.gen_bool(0.85)
                } else {
                    rng.gen_bool(0.02)
                };
                extra[i].push(if missing {
                    String::new()
                } else {
                    num(normal(&mut rng))
                });
            }
        }
        Plant::TargetProxy => {
            header.push("status_code".into());
            leaks.push(("status_code".into(), vec![FindingKind::TargetProxy, np]));
            for i in 0..n {
                let code = if classification {
                    let cls = if rng.gen_bool(0.02) {
                        rng.gen_range(0..3) as f64
                    } else {
                        y[i]
                    };
                    format!(
                        "{}{:02}",
                        ["A", "B", "C"][cls as usize],
                        rng.gen_range(1..=12)
                    )
                } else {
                    // 100 quantile buckets of the target.
                    let b = sorted.partition_point(|&s| s < y[i]) * 100 / n;
                    format!("Q{b:03}")
                };
                extra[i].push(code);
            }
        }
        Plant::Identifier => {
            header.push("record_id".into());
            leaks.push(("record_id".into(), vec![FindingKind::IdentifierLeak, np]));
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| y[a].total_cmp(&y[b]).then(a.cmp(&b)));
            let mut id = vec![0usize; n];
            for (k, &i) in order.iter().enumerate() {
                id[i] = 50_000 + k;
            }
            for i in 0..n {
                extra[i].push(id[i].to_string());
            }
        }
        Plant::Dominant => {
            header.push("risk_estimate".into());
            leaks.push((
                "risk_estimate".into(),
                vec![FindingKind::DominantFeature, np],
            ));
            for i in 0..n {
                extra[i].push(num(3.0 * base[i][7] + 0.3 * normal(&mut rng)));
            }
        }
        Plant::Reexpression => {
            header.push("log_amount".into());
            leaks.push(("log_amount".into(), vec![np]));
            let lo = sorted[0];
            for i in 0..n {
                extra[i].push(num((y[i] - lo + 1.0).ln()));
            }
        }
        Plant::Partial => {
            header.push("final_grade".into());
            leaks.push(("final_grade".into(), vec![FindingKind::PartialLeak, np]));
            for i in 0..n {
                let band = sorted.partition_point(|&s| s < latent[i]) * 20 / n;
                extra[i].push(if rng.gen_bool(0.25) {
                    band.to_string()
                } else {
                    String::new()
                });
            }
        }
        Plant::Reconstruction => {
            header.push("part_a".into());
            header.push("part_b".into());
            leaks.push(("part_a".into(), vec![FindingKind::MultiFeatureLeak]));
            leaks.push(("part_b".into(), vec![FindingKind::MultiFeatureLeak]));
            for i in 0..n {
                // y = (part_a + part_b) / 2 with part_a mostly noise.
                let a = y[i] + 4.0 * y_sd * normal(&mut rng);
                extra[i].push(num(a));
                extra[i].push(num(2.0 * y[i] - a));
            }
        }
        Plant::CorrelatedPair => {
            header.push("spending".into());
            header.push("spending_share".into());
            leaks.push((
                "spending".into(),
                vec![np, FindingKind::DominantFeature, FindingKind::PureSegment],
            ));
            leaks.push((
                "spending_share".into(),
                vec![np, FindingKind::DominantFeature, FindingKind::PureSegment],
            ));
            for i in 0..n {
                let s = if classification {
                    y[i] * 100.0 + 5.0 * normal(&mut rng) + 20.0
                } else {
                    50.0 + 10.0 * y[i] / y_sd + 0.2 * normal(&mut rng)
                };
                let share = s / (s.abs() + 100.0) + 0.0005 * normal(&mut rng);
                extra[i].push(num(s));
                extra[i].push(num(share));
            }
        }
    }
    header.push("y".into());
    let rows = (0..n)
        .map(|i| {
            let b = &base[i];
            let mut r: Vec<String> = b[..7].iter().map(|&v| num(v)).collect();
            r.push(cats[cat_idx[i]].to_string());
            r.append(&mut extra[i]);
            r.push(if classification {
                format!("{}", y[i] as i64)
            } else {
                num(y[i])
            });
            r
        })
        .collect();
    Synthetic {
        header,
        rows,
        leaks,
        decoys,
    }
}

/// Columns of [`write_wide`]'s table that carry a planted leak.
pub const WIDE_LEAKS: [&str; 2] = ["settled_amount", "closure_note_len"];

/// One row's features of the wide tables (standard normals in `vals`) and whether it is a
/// positive: half the columns carry a little legitimate signal.
fn wide_row(rng: &mut ChaCha8Rng, vals: &mut [f64]) -> bool {
    let mut z = 0.0;
    for (j, v) in vals.iter_mut().enumerate() {
        *v = normal(rng);
        if j % 2 == 0 {
            z += *v * 0.6 / (1.0 + j as f64 / 4.0);
        }
    }
    z += normal(rng);
    z > 0.8
}

/// The end of a wide table's row: the planted leaks ([`WIDE_LEAKS`]) and the target.
fn push_wide_leaks(line: &mut String, y: bool, rng: &mut ChaCha8Rng) {
    let settled = if y { 800.0 } else { 200.0 } + 150.0 * normal(rng);
    line.push_str(&format!("{settled:.2},"));
    if y && rng.gen_bool(0.9) {
        line.push_str(&format!("{}", rng.gen_range(20..400)));
    }
    line.push_str(if y { ",1\n" } else { ",0\n" });
}

/// Write a wide benchmark table to `out` as CSV, row by row (nothing is held in memory): `n`
/// rows, `features` feature columns plus the binary target `y`. Mostly numeric columns (half of
/// them weakly informative), one categorical in ten, 2% missing values in one column in five,
/// and two planted leaks: `settled_amount` (recorded after the outcome: a noisy copy of it)
/// and `closure_note_len` (filled in only for positive rows).
pub fn write_wide(
    out: &mut dyn std::io::Write,
    n: usize,
    features: usize,
    seed: u64,
) -> std::io::Result<()> {
    let features = features.max(4);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x01DE);
    let cats = ["north", "south", "east", "west", "central", "online"];
    let mut header: Vec<String> = (0..features - 2)
        .map(|j| {
            if j % 10 == 9 {
                format!("cat_{j}")
            } else {
                format!("num_{j}")
            }
        })
        .collect();
    header.extend(WIDE_LEAKS.iter().map(|s| s.to_string()));
    header.push("y".into());
    writeln!(out, "{}", header.join(","))?;
    let mut line = String::new();
    let mut vals = vec![0.0f64; features - 2];
    for _ in 0..n {
        line.clear();
        let y = wide_row(&mut rng, &mut vals);
        for (j, v) in vals.iter().enumerate() {
            if j % 5 == 3 && rng.gen_bool(0.02) {
                line.push(',');
                continue;
            }
            if j % 10 == 9 {
                let k = ((*v + 3.0).max(0.0) as usize).min(cats.len() - 1);
                line.push_str(cats[k]);
            } else {
                line.push_str(&format!("{v:.4}"));
            }
            line.push(',');
        }
        push_wide_leaks(&mut line, y, &mut rng);
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Write a benchmark table closer to real exports than [`write_wide`]'s: its columns cycle
/// through the shapes real tables have. Per column index `j` (mod 10): 0-2 decimals of 1 to 6 places, negatives
/// included; 3 a skewed count (log-normal); 4 a decimal with 10% missing; 5 a categorical of up
/// to 500 levels (Zipf-like frequencies); 6 a small integer code; 7 a large amount written with
/// an exponent now and then (`1.25e6`); 8 a percentage; 9 a categorical of 12 levels. The same
/// two planted leaks as [`write_wide`] end the row.
pub fn write_realistic(
    out: &mut dyn std::io::Write,
    n: usize,
    features: usize,
    seed: u64,
) -> std::io::Result<()> {
    let features = features.max(4);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0EA1);
    let width = features - 2;
    let mut header: Vec<String> = (0..width)
        .map(|j| match j % 10 {
            5 | 9 => format!("cat_{j}"),
            3 | 6 => format!("count_{j}"),
            _ => format!("num_{j}"),
        })
        .collect();
    header.extend(WIDE_LEAKS.iter().map(|s| s.to_string()));
    header.push("y".into());
    writeln!(out, "{}", header.join(","))?;
    // Levels of the high-cardinality categoricals: up to 500, a few frequent, many rare.
    let levels = |j: usize| 50 + (j * 37) % 451;
    let mut line = String::new();
    let mut vals = vec![0.0f64; width];
    for _ in 0..n {
        line.clear();
        let y = wide_row(&mut rng, &mut vals);
        for (j, &v) in vals.iter().enumerate() {
            use std::fmt::Write as _;
            let _ = match j % 10 {
                0..=2 => {
                    let places = 1 + (j / 10 + j) % 6;
                    write!(line, "{:.*}", places, v * 10f64.powi((j % 4) as i32) - 0.3)
                }
                3 => write!(line, "{}", (v * 1.2 + 1.5).exp().round() as u64),
                4 if rng.gen_bool(0.1) => Ok(()),
                4 => write!(line, "{:.5}", v * 3.7),
                5 => {
                    // Zipf-like: the level index grows with a squared uniform draw.
                    let u: f64 = rng.gen();
                    let k = ((u * u * levels(j) as f64) as usize + (v > 1.5) as usize)
                        .min(levels(j) - 1);
                    write!(line, "L{j}_{k}")
                }
                6 => write!(line, "{}", ((v + 3.0).max(0.0) as u32).min(6)),
                7 => {
                    let amount = (v * 0.8 + 11.0).exp();
                    if rng.gen_bool(0.05) {
                        write!(line, "{amount:.2e}")
                    } else {
                        write!(line, "{amount:.2}")
                    }
                }
                8 => write!(line, "{:.1}", (50.0 + 15.0 * v).clamp(0.0, 100.0)),
                _ => write!(line, "grade_{}", ((v + 3.0).max(0.0) as usize * 2).min(11)),
            };
            line.push(',');
        }
        push_wide_leaks(&mut line, y, &mut rng);
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The realistic table has the shapes it promises: varied decimal places, negatives,
    /// exponents, missing values, many-level categoricals, and the two leaks last.
    #[test]
    fn the_realistic_table_looks_like_real_data() {
        let mut out = Vec::new();
        write_realistic(&mut out, 3000, 30, 1).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), 31);
        assert_eq!(&header[28..], ["settled_amount", "closure_note_len", "y"]);
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 3000);
        assert!(rows.iter().all(|r| r.len() == 31));
        let column = |j: usize| rows.iter().map(move |r| r[j]);
        assert!(
            column(7).any(|v| v.contains('e')),
            "amounts with an exponent (6.20e4)"
        );
        assert!(column(1).any(|v| v.starts_with('-')), "negatives");
        assert!(
            column(4).filter(|v| v.is_empty()).count() > 150,
            "missing values"
        );
        let levels: std::collections::HashSet<&str> = column(15).collect();
        assert!(
            levels.len() > 100,
            "a many-level categorical: {}",
            levels.len()
        );
        let places: std::collections::HashSet<usize> = (0..3)
            .flat_map(|j| column(j).filter_map(|v| v.split('.').nth(1).map(str::len)))
            .collect();
        assert!(
            places.len() >= 3,
            "decimals of varied precision: {places:?}"
        );
    }

    /// Writes planted datasets for manual inspection: `LEAKHOUND_SYNTH_DIR=/tmp/x cargo test synth::tests::write`.
    #[test]
    fn write() {
        let Some(dir) = std::env::var_os("LEAKHOUND_SYNTH_DIR") else {
            return;
        };
        for (i, &p) in ALL.iter().enumerate() {
            for t in [Task::Binary, Task::Multiclass, Task::Regression] {
                let s = generate(p, t, 2000, 0);
                std::fs::write(
                    std::path::Path::new(&dir).join(format!("{i}_{p:?}_{t:?}.csv")),
                    s.csv(),
                )
                .unwrap();
            }
        }
    }
}
