//! The leak signatures a hidden suite of real tables showed missed or graded too low, each on a
//! small seeded table shaped like the real case, with the clean shape beside it that must not be
//! raised: a code whose one value is the outcome, a one-class dummy, a follow-up length, a leak
//! hidden behind others, an exact copy on a small table, identities beyond the first, the label
//! spelled in a text key, the chosen alternative's attribute; and a group id, a day number and a
//! genuinely separable table, which are not leaks.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use leakhound::{Finding, FindingKind, Report, Settings, Severity, Table, Task};

use crate::common::audit_table_task;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn normal(r: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = r.gen_range(f64::EPSILON..1.0);
    let u2: f64 = r.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn audit(table: Table, target: &str, task: Task) -> Report {
    let mut s = Settings::default();
    s.engine.repeats = 3;
    audit_table_task(table, target, task, &s)
}

fn on<'a>(r: &'a Report, name: &str) -> impl Iterator<Item = &'a Finding> + 'a {
    let name = name.to_string();
    r.findings.iter().filter(move |f| f.concerns(&name))
}

/// The highest severity of a finding that points at `name` (its feature, or a multi-feature
/// leak listing it).
fn graded(r: &Report, name: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| {
            f.feature.as_deref() == Some(name)
                || (f.kind == FindingKind::MultiFeatureLeak && f.features.iter().any(|n| n == name))
        })
        .map(|f| f.severity)
        .max()
}

fn assert_flagged(r: &Report, name: &str, kinds: &[FindingKind]) {
    let hit = on(r, name).any(|f| f.severity >= Severity::High && kinds.contains(&f.kind));
    assert!(
        hit,
        "'{name}' not flagged high as {kinds:?}: {:#?}",
        on(r, name)
            .map(|f| (f.kind, f.severity, &f.message))
            .collect::<Vec<_>>()
    );
}

fn assert_not_high(r: &Report, name: &str) {
    assert!(
        graded(r, name).is_none_or(|s| s < Severity::High),
        "'{name}' graded {:?}: {:#?}",
        graded(r, name),
        on(r, name)
            .map(|f| (f.kind, f.severity, &f.message))
            .collect::<Vec<_>>()
    );
}

/// Legitimate inputs and a binary outcome of moderate strength from them.
fn risk_rows(r: &mut ChaCha8Rng, n: usize) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
    let a: Vec<f64> = (0..n).map(|_| normal(r)).collect();
    let b: Vec<f64> = (0..n).map(|_| normal(r)).collect();
    let y = (0..n)
        .map(|i| a[i] + 0.5 * b[i] + normal(r) > 2.2)
        .collect();
    (a, b, y)
}

#[test]
fn a_code_one_of_whose_values_is_the_outcome_is_high() {
    // A severity code assigned after the crash: 4 means killed (a few coding lags either way).
    let mut r = rng(1);
    let n = 4000;
    let (a, b, dead) = risk_rows(&mut r, n);
    let code: Vec<f64> = dead
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            // A few coding lags: 3% of deaths coded otherwise, 0.15% of survivors coded 4.
            let four = if d {
                !r.gen_bool(0.03)
            } else {
                r.gen_bool(0.0015)
            };
            if four {
                4.0
            } else {
                (f64::from(r.gen_range(0..4)) + if a[i] > 1.0 { 1.0 } else { 0.0 }).min(3.0)
            }
        })
        .collect();
    let t = Table::builder()
        .numeric("a", a)
        .numeric("b", b)
        .numeric("severity_code", code)
        .boolean("dead", dead.iter().map(|&d| Some(d)))
        .build()
        .unwrap();
    let rep = audit(t, "dead", Task::Binary);
    assert_flagged(
        &rep,
        "severity_code",
        &[FindingKind::PureSegment, FindingKind::DominantFeature],
    );
    assert_not_high(&rep, "a");
}

#[test]
fn a_dummy_of_one_class_in_a_multiclass_table_is_high() {
    let mut r = rng(2);
    let n = 3000;
    let x: Vec<f64> = (0..n).map(|_| normal(&mut r)).collect();
    let class: Vec<usize> = x
        .iter()
        .map(|&v| {
            let z = v + normal(&mut r);
            if z > 0.8 {
                2
            } else if z > -0.5 {
                1
            } else {
                0
            }
        })
        .collect();
    let names = ["not too happy", "pretty happy", "very happy"];
    let t = Table::builder()
        .numeric("x", x)
        .numeric("noise", (0..n).map(|_| normal(&mut r)).collect::<Vec<_>>())
        .numeric("vhappy", class.iter().map(|&c| f64::from(u8::from(c == 2))))
        .categorical("happy", class.iter().map(|&c| Some(names[c])))
        .build()
        .unwrap();
    let rep = audit(t, "happy", Task::Multiclass);
    assert_flagged(&rep, "vhappy", &[FindingKind::PureSegment]);
    assert_not_high(&rep, "x");
}

/// Follow-up of a cohort: entry over four years, study end after seven; the event ends the
/// follow-up, the others are censored at the end.
fn cohort(seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<bool>) {
    let mut r = rng(seed);
    let n = 1500;
    let (mut risk, mut age, mut fu, mut ev) = (vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let entry = r.gen_range(0.0..1500.0);
        let z = normal(&mut r);
        let u: f64 = r.gen_range(f64::EPSILON..1.0);
        let t = -u.ln() * 1800.0 * (-0.8 * z).exp();
        let end = 2600.0 - entry;
        risk.push(((z + 0.5 * normal(&mut r)) * 1000.0).round() / 1000.0);
        age.push((60.0 + 8.0 * normal(&mut r)).round());
        fu.push(t.min(end).round());
        ev.push(t < end);
    }
    (risk, age, fu, ev)
}

#[test]
fn a_follow_up_length_that_settles_the_outcome_is_censoring() {
    let (risk, age, fu, ev) = cohort(3);
    let t = Table::builder()
        .numeric("risk_score", risk)
        .numeric("age", age)
        .numeric("followup_days", fu)
        .boolean("death", ev.iter().map(|&e| Some(e)))
        .build()
        .unwrap();
    let rep = audit(t, "death", Task::Binary);
    assert_flagged(&rep, "followup_days", &[FindingKind::PureSegment]);
    assert!(on(&rep, "followup_days").any(|f| f.evidence.contains_key("censoring")));
    // Beside a target named as the event status, the follow-up length is named as such too.
    assert_flagged(&rep, "followup_days", &[FindingKind::CensoringTime]);
    assert_not_high(&rep, "risk_score");
}

#[test]
fn a_measured_quantity_with_a_pure_tail_is_not_censoring() {
    // The same numbers under a measurement's name: a pure tail alone is what clean data has
    // (iris' petal width), and only a follow-up length reads as censoring.
    let (risk, age, fu, ev) = cohort(3);
    let t = Table::builder()
        .numeric("risk_score", risk)
        .numeric("age", age)
        .numeric("plasma_level", fu)
        .boolean("death", ev.iter().map(|&e| Some(e)))
        .build()
        .unwrap();
    let rep = audit(t, "death", Task::Binary);
    assert!(!on(&rep, "plasma_level")
        .any(|f| f.kind == FindingKind::PureSegment && f.severity >= Severity::High));
}

#[test]
fn an_exact_log_copy_on_a_small_table_is_critical() {
    let mut r = rng(4);
    let n = 200;
    let a: Vec<f64> = (0..n).map(|_| normal(&mut r)).collect();
    let y: Vec<f64> = a
        .iter()
        .map(|v| ((1.0 + 0.5 * v + 0.6 * normal(&mut r)).exp() * 1000.0).round() / 100.0)
        .collect();
    let log: Vec<f64> = y.iter().map(|v| (v.ln() * 1e6).round() / 1e6).collect();
    let t = Table::builder()
        .numeric("a", a)
        .numeric("log_y", log)
        .numeric("y", y)
        .build()
        .unwrap();
    let rep = audit(t, "y", Task::Regression);
    assert_eq!(graded(&rep, "log_y"), Some(Severity::Critical));
    assert_not_high(&rep, "a");
}

#[test]
fn identities_on_small_and_partial_tables_and_beyond_the_first() {
    let mut r = rng(5);
    // The mean of two columns on 93 rows.
    let n = 93;
    let x1: Vec<f64> = (0..n)
        .map(|_| r.gen_range(10.0..100.0f64).round())
        .collect();
    let x2: Vec<f64> = (0..n)
        .map(|_| r.gen_range(10.0..100.0f64).round())
        .collect();
    let w: Vec<f64> = x1.iter().map(|v| v * 0.3 + 10.0 * normal(&mut r)).collect();
    let y: Vec<f64> = (0..n).map(|i| (x1[i] + x2[i]) / 2.0).collect();
    let t = Table::builder()
        .numeric("w", w)
        .numeric("x1", x1)
        .numeric("x2", x2)
        .numeric("y", y)
        .build()
        .unwrap();
    let rep = audit(t, "y", Task::Regression);
    assert_flagged(&rep, "x1", &[FindingKind::MultiFeatureLeak]);
    assert_flagged(&rep, "x2", &[FindingKind::MultiFeatureLeak]);
    assert_not_high(&rep, "w");

    // A sale price with its per-square-foot price and its sale-to-list ratio: two identities.
    let n = 600;
    let sqft: Vec<f64> = (0..n)
        .map(|_| r.gen_range(600.0..3500.0f64).round())
        .collect();
    let beds: Vec<f64> = sqft.iter().map(|s| (s / 700.0).round()).collect();
    let list: Vec<f64> = sqft
        .iter()
        .map(|s| ((s * 110.0 * (0.3 * normal(&mut r)).exp()) / 100.0).round() * 100.0)
        .collect();
    let price: Vec<f64> = list
        .iter()
        .map(|l| (l * r.gen_range(0.85..1.02) / 50.0).round() * 50.0)
        .collect();
    let per_sqft: Vec<f64> = (0..n).map(|i| price[i] / sqft[i]).collect();
    let ratio: Vec<f64> = (0..n).map(|i| 100.0 * price[i] / list[i]).collect();
    let t = Table::builder()
        .numeric("sqft", sqft)
        .numeric("bedrooms", beds)
        .numeric("list_price", list)
        .numeric("price_per_sqft", per_sqft)
        .numeric("sale_to_list_pct", ratio)
        .numeric("price", price)
        .build()
        .unwrap();
    let rep = audit(t, "price", Task::Regression);
    let identities: Vec<&Finding> = rep
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::MultiFeatureLeak && f.severity >= Severity::High)
        .collect();
    for leak in ["price_per_sqft", "sale_to_list_pct"] {
        assert!(
            identities
                .iter()
                .any(|f| f.features.iter().any(|n| n == leak)),
            "{leak}: {identities:#?}"
        );
    }

    // A target that is the sum of two columns where they are recorded (two thirds of the rows).
    let n = 900;
    let recorded: Vec<bool> = (0..n).map(|i| i % 3 != 0).collect();
    let base: Vec<f64> = (0..n)
        .map(|_| r.gen_range(100.0..900.0f64).round())
        .collect();
    let extra: Vec<f64> = (0..n).map(|_| r.gen_range(0.0..300.0f64).round()).collect();
    let total: Vec<f64> = (0..n)
        .map(|i| {
            if recorded[i] {
                base[i] + extra[i]
            } else {
                base[i] * 1.2 + 50.0 * normal(&mut r)
            }
        })
        .collect();
    let part = |v: &[f64]| -> Vec<Option<f64>> {
        v.iter()
            .zip(&recorded)
            .map(|(&x, &k)| k.then_some(x))
            .collect()
    };
    let t = Table::builder()
        .numeric_opt("base_paid", part(&base))
        .numeric_opt("extra_paid", part(&extra))
        .numeric(
            "region_index",
            (0..n).map(|_| normal(&mut r)).collect::<Vec<_>>(),
        )
        .numeric("total", total)
        .build()
        .unwrap();
    let rep = audit(t, "total", Task::Regression);
    assert_flagged(&rep, "extra_paid", &[FindingKind::MultiFeatureLeak]);
    assert_not_high(&rep, "region_index");
}

#[test]
fn the_label_spelled_in_a_text_key_is_named() {
    let mut r = rng(6);
    let n = 800;
    let x: Vec<f64> = (0..n).map(|_| normal(&mut r)).collect();
    let classes = ["approved", "declined", "review"];
    let y: Vec<usize> = x
        .iter()
        .map(|v| {
            let z = v + normal(&mut r);
            if z > 0.7 {
                0
            } else if z < -0.7 {
                1
            } else {
                2
            }
        })
        .collect();
    let key: Vec<String> = y
        .iter()
        .map(|&c| {
            format!(
                "R{}.B{}.{}",
                r.gen_range(1..500),
                r.gen_range(1..90),
                classes[c]
            )
        })
        .collect();
    // A reference number of the same shape that carries no label.
    let reference: Vec<String> = (0..n)
        .map(|_| {
            format!(
                "R{}.B{}.{}",
                r.gen_range(1..500),
                r.gen_range(1..90),
                r.gen_range(1..9)
            )
        })
        .collect();
    let t = Table::builder()
        .numeric("x", x)
        .text("case_key", &key)
        .text("reference", &reference)
        .categorical("decision", y.iter().map(|&c| Some(classes[c])))
        .build()
        .unwrap();
    let rep = audit(t, "decision", Task::Multiclass);
    assert_flagged(&rep, "case_key", &[FindingKind::TargetProxy]);
    assert_not_high(&rep, "reference");
    assert_not_high(&rep, "x");
}

#[test]
fn the_chosen_alternatives_attribute_is_a_leak() {
    // Choice data: a price per alternative, and the price of the one chosen.
    let mut r = rng(7);
    let n = 1200;
    let modes = ["beach", "pier", "boat", "charter"];
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 4];
    let (mut price, mut chosen, mut income) = (vec![], vec![], vec![]);
    for _ in 0..n {
        let p: Vec<f64> = (0..4)
            .map(|m| (r.gen_range(10.0..60.0) * (1.0 + m as f64) * 100.0f64).round() / 100.0)
            .collect();
        let inc: f64 = r.gen_range(1000.0..9000.0);
        let utility: Vec<f64> = (0..4)
            .map(|m| -p[m] / 40.0 + inc / 4000.0 * m as f64 + 1.5 * normal(&mut r))
            .collect();
        let c = (0..4)
            .max_by(|&a, &b| utility[a].total_cmp(&utility[b]))
            .unwrap();
        for m in 0..4 {
            cols[m].push(p[m]);
        }
        price.push(p[c]);
        chosen.push(c);
        income.push(inc.round());
    }
    let mut b = Table::builder().numeric("price", price);
    for (m, name) in ["pbeach", "ppier", "pboat", "pcharter"].iter().enumerate() {
        b = b.numeric(*name, cols[m].clone());
    }
    let t = b
        .numeric("income", income)
        .categorical("mode", chosen.iter().map(|&c| Some(modes[c])))
        .build()
        .unwrap();
    let rep = audit(t, "mode", Task::Multiclass);
    assert_flagged(&rep, "price", &[FindingKind::MultiFeatureLeak]);
    for legit in ["pbeach", "pboat", "income"] {
        assert_not_high(&rep, legit);
    }
}

#[test]
fn a_panel_id_and_a_day_number_are_not_identifier_leaks() {
    // A person keeps one label across years: group structure, not ids assigned in outcome order.
    let mut r = rng(8);
    let (mut id, mut year, mut x, mut y) = (vec![], vec![], vec![], vec![]);
    for p in 0..300 {
        let trait_: f64 = normal(&mut r);
        let label = trait_ + 0.5 * normal(&mut r) > 0.0;
        for yr in 2001..2005 {
            id.push(f64::from(p + 1));
            year.push(f64::from(yr));
            x.push(trait_ + 0.8 * normal(&mut r));
            y.push(label);
        }
    }
    let t = Table::builder()
        .numeric("person_id", id.clone())
        .numeric("year", year.clone())
        .numeric("x", x.clone())
        .boolean("y", y.iter().map(|&v| Some(v)))
        .build()
        .unwrap();
    let rep = audit(t, "y", Task::Binary);
    assert_not_high(&rep, "person_id");
    assert!(
        on(&rep, "person_id").any(|f| f.kind == FindingKind::IdentifierLeak
            && f.evidence.get("group_structure") == Some(&serde_json::json!(true)))
    );

    // The same panel with ids handed out after sorting people by outcome is a leak.
    let mut order: Vec<usize> = (0..300).collect();
    order.sort_by_key(|&p| (y[p * 4], p));
    let mut new_id = vec![0.0; 300];
    for (rank, &p) in order.iter().enumerate() {
        new_id[p] = (rank + 1) as f64;
    }
    let sorted: Vec<f64> = id.iter().map(|&v| new_id[v as usize - 1]).collect();
    let t = Table::builder()
        .numeric("person_id", sorted)
        .numeric("year", year)
        .numeric("x", x)
        .boolean("y", y.iter().map(|&v| Some(v)))
        .build()
        .unwrap();
    let rep = audit(t, "y", Task::Binary);
    assert!(on(&rep, "person_id")
        .any(|f| f.kind == FindingKind::IdentifierLeak && f.severity >= Severity::High));

    // A date stored as a day number, with a trend over time.
    let n = 800;
    let day: Vec<f64> = (0..n).map(|i| 16_000.0 + i as f64).collect();
    let y: Vec<bool> = (0..n)
        .map(|i| 3.0 * i as f64 / n as f64 + 0.7 * normal(&mut r) > 1.5)
        .collect();
    let t = Table::builder()
        .numeric("Date", day)
        .numeric("x", (0..n).map(|_| normal(&mut r)).collect::<Vec<_>>())
        .boolean("y", y.iter().map(|&v| Some(v)))
        .build()
        .unwrap();
    let rep = audit(t, "y", Task::Binary);
    assert_not_high(&rep, "Date");
}

#[test]
fn a_genuinely_easy_table_is_not_a_leak_alarm() {
    // A production function (in logs): output from capital and labour with little noise. The surrogate
    // scores R² above 0.99 leaning mostly on capital, yet no feature is a leak: a score with
    // nothing to point at is a review, not an alarm.
    let mut r = rng(9);
    let n = 2000;
    let capital: Vec<f64> = (0..n).map(|_| 3.0 + normal(&mut r)).collect();
    let labour: Vec<f64> = (0..n).map(|_| 2.0 + 0.6 * normal(&mut r)).collect();
    let output: Vec<f64> = (0..n)
        .map(|i| 0.7 * capital[i] + 0.3 * labour[i] + 0.03 * normal(&mut r))
        .collect();
    let t = Table::builder()
        .numeric("log_capital", capital)
        .numeric("log_labour", labour)
        .numeric("output", output)
        .build()
        .unwrap();
    let rep = audit(t, "output", Task::Regression);
    let score = rep.model.out_of_fold.get("r2").copied().unwrap_or(0.0);
    assert!(score >= 0.99, "the table is as easy as meant: r2 {score}");
    assert!(
        rep.findings.iter().all(|f| f.severity < Severity::High),
        "{:#?}",
        rep.findings
            .iter()
            .map(|f| (f.kind, f.severity, &f.message))
            .collect::<Vec<_>>()
    );
    assert!(rep
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::SuspiciousPerformance && f.severity == Severity::Medium));
}

#[test]
fn a_rounded_in_sample_smoothed_encoding_without_its_category_is_named() {
    // A merchant's smoothed default rate (m = 10) computed on the rows it encodes, written to
    // four decimals, with the merchant column dropped: 2 to 65 rows per merchant.
    let mut r = rng(10);
    let merchants = 120;
    let effect: Vec<f64> = (0..merchants).map(|_| 0.8 * normal(&mut r)).collect();
    let mut level = Vec::new();
    for m in 0..merchants {
        level.extend(std::iter::repeat_n(m, r.gen_range(2..66)));
    }
    let n = level.len();
    let x: Vec<f64> = (0..n).map(|_| normal(&mut r)).collect();
    let y: Vec<bool> = (0..n)
        .map(|i| {
            let z = effect[level[i]] + 0.8 * x[i] - 0.5;
            r.gen::<f64>() < 1.0 / (1.0 + (-z).exp())
        })
        .collect();
    let prior = y.iter().filter(|&&v| v).count() as f64 / n as f64;
    let (mut sum, mut count) = (vec![0.0; merchants], vec![0.0; merchants]);
    for i in 0..n {
        sum[level[i]] += f64::from(u8::from(y[i]));
        count[level[i]] += 1.0;
    }
    let encoded: Vec<String> = level
        .iter()
        .map(|&l| format!("{:.4}", (sum[l] + 10.0 * prior) / (count[l] + 10.0)))
        .collect();
    let t = Table::builder()
        .numeric("x", x.iter().map(|v| (v * 1e4).round() / 1e4))
        .text("merchant_default_rate", &encoded)
        .boolean("y", y.iter().map(|&v| Some(v)))
        .build()
        .unwrap();
    let rep = audit(t, "y", Task::Binary);
    assert_flagged(
        &rep,
        "merchant_default_rate",
        &[FindingKind::TargetEncoding],
    );
    assert_not_high(&rep, "x");
}

#[test]
fn outcomes_defined_by_a_rule_over_columns_are_named_with_every_column() {
    let mut r = rng(11);
    let n = 1500;
    // A match won by the higher score: the two scores, not only a difference of them.
    let home: Vec<f64> = (0..n)
        .map(|_| (70.0 + 12.0 * normal(&mut r)).round())
        .collect();
    let away: Vec<f64> = home
        .iter()
        .map(|&h| {
            let a = (70.0 + 12.0 * normal(&mut r)).round();
            if a == h {
                a + 1.0
            } else {
                a
            }
        })
        .collect();
    let rating: Vec<f64> = home.iter().map(|h| h / 10.0 + normal(&mut r)).collect();
    let t = Table::builder()
        .numeric("home_rating", rating)
        .numeric("score_home", home.clone())
        .numeric("score_away", away.clone())
        .boolean("win", (0..n).map(|i| Some(home[i] > away[i])))
        .build()
        .unwrap();
    let rep = audit(t, "win", Task::Binary);
    for leak in ["score_home", "score_away"] {
        assert_flagged(&rep, leak, &[FindingKind::MultiFeatureLeak]);
    }
    assert_not_high(&rep, "home_rating");

    // A flag set when either of two indicators is.
    let a: Vec<bool> = (0..n).map(|_| r.gen_bool(0.2)).collect();
    let b: Vec<bool> = (0..n).map(|_| r.gen_bool(0.25)).collect();
    let t = Table::builder()
        .numeric("x", (0..n).map(|_| normal(&mut r)).collect::<Vec<_>>())
        .boolean("flag_a", a.iter().map(|&v| Some(v)))
        .boolean("flag_b", b.iter().map(|&v| Some(v)))
        .boolean("any", (0..n).map(|i| Some(a[i] || b[i])))
        .build()
        .unwrap();
    let rep = audit(t, "any", Task::Binary);
    for leak in ["flag_a", "flag_b"] {
        assert_flagged(&rep, leak, &[FindingKind::MultiFeatureLeak]);
    }
    assert_not_high(&rep, "x");

    // A count of events (a class target labelled by numbers) that sums three indicators.
    let c: Vec<[bool; 3]> = (0..n)
        .map(|_| [r.gen_bool(0.4), r.gen_bool(0.3), r.gen_bool(0.5)])
        .collect();
    let t = Table::builder()
        .numeric("x", (0..n).map(|_| normal(&mut r)).collect::<Vec<_>>())
        .boolean("c1", c.iter().map(|v| Some(v[0])))
        .boolean("c2", c.iter().map(|v| Some(v[1])))
        .boolean("c3", c.iter().map(|v| Some(v[2])))
        .categorical(
            "count",
            c.iter()
                .map(|v| Some(v.iter().filter(|&&b| b).count().to_string())),
        )
        .build()
        .unwrap();
    let rep = audit(t, "count", Task::Multiclass);
    for leak in ["c1", "c2", "c3"] {
        assert_flagged(&rep, leak, &[FindingKind::MultiFeatureLeak]);
    }
    assert_not_high(&rep, "x");
}

#[test]
fn a_copy_of_the_target_for_one_year_each_is_named() {
    // Per-year columns equal to the target in their year and 0 in every other.
    let mut r = rng(12);
    let n = 2000;
    let year: Vec<u32> = (0..n).map(|_| r.gen_range(2010..2020)).collect();
    let x: Vec<f64> = (0..n).map(|_| normal(&mut r)).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|v| ((50.0 + 10.0 * v + 8.0 * normal(&mut r)) * 100.0).round() / 100.0)
        .collect();
    let mut b = Table::builder()
        .numeric("year", year.iter().map(|&v| f64::from(v)))
        .numeric("x", x);
    for yr in 2010..2020u32 {
        b = b.numeric(
            format!("sales_{yr}"),
            (0..n)
                .map(|i| if year[i] == yr { y[i] } else { 0.0 })
                .collect::<Vec<_>>(),
        );
    }
    let t = b.numeric("sales", y).build().unwrap();
    let rep = audit(t, "sales", Task::Regression);
    for yr in 2010..2020 {
        assert_flagged(&rep, &format!("sales_{yr}"), &[FindingKind::PartialLeak]);
    }
    assert_not_high(&rep, "x");
    assert_not_high(&rep, "year");
}

#[test]
fn an_instalment_that_gives_the_rate_with_the_amount_and_term_is_named() {
    // The instalment of an amortised loan, rounded to the cent: with the amount and the term it
    // gives the interest rate exactly, through a formula linear on no scale.
    let mut r = rng(13);
    let n = 6000;
    let (mut grade, mut amount, mut term, mut inst, mut rate, mut income) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let g = r.gen_range(0..7u8);
        let rt = ((0.06 + 0.035 * f64::from(g) + r.gen_range(0.0..0.03)) * 1e4).round() / 1e4;
        let a = (r.gen_range(1000.0..35000.0f64) / 25.0).round() * 25.0;
        let t = if r.gen_bool(0.7) { 36.0 } else { 60.0 };
        let m = rt / 12.0;
        grade.push(["A", "B", "C", "D", "E", "F", "G"][g as usize]);
        amount.push(a);
        term.push(t);
        inst.push((a * m / (1.0 - (1.0 + m).powf(-t)) * 100.0).round() / 100.0);
        rate.push(rt);
        income.push((11.0 + 0.5 * normal(&mut r)).exp().round());
    }
    let t = Table::builder()
        .categorical("grade", grade.iter().map(|g| Some(*g)))
        .numeric("loan_amount", amount)
        .numeric("term", term)
        .numeric("installment", inst)
        .numeric("annual_income", income)
        .numeric("interest_rate", rate)
        .build()
        .unwrap();
    let rep = audit(t, "interest_rate", Task::Regression);
    assert_flagged(&rep, "installment", &[FindingKind::MultiFeatureLeak]);
    assert_not_high(&rep, "annual_income");
}

#[test]
fn next_periods_value_in_a_time_ordered_file_is_the_future() {
    // A weekly series with its lags (legitimate) and next week's value (the future).
    let mut r = rng(14);
    let n = 800;
    let mut y = vec![0.0f64; n];
    for t in 1..n {
        y[t] = ((0.6 * y[t - 1] + normal(&mut r)) * 1000.0).round() / 1000.0;
    }
    let shift = |k: isize| -> Vec<Option<f64>> {
        (0..n as isize)
            .map(|t| {
                let s = t - k;
                (0..n as isize).contains(&s).then(|| y[s as usize])
            })
            .collect()
    };
    let t = Table::builder()
        .numeric("week", (0..n).map(|t| t as f64))
        .numeric_opt("lag1", shift(1))
        .numeric_opt("lag2", shift(2))
        .numeric_opt("next_week", shift(-1))
        .numeric(
            "volume",
            (0..n).map(|_| normal(&mut r).exp()).collect::<Vec<_>>(),
        )
        .numeric("today", y)
        .build()
        .unwrap();
    let rep = audit(t, "today", Task::Regression);
    assert_flagged(&rep, "next_week", &[FindingKind::TemporalLeak]);
    for legit in ["lag1", "lag2", "volume"] {
        assert_not_high(&rep, legit);
    }
}
