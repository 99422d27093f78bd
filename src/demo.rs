//! The built-in demo: loan applications with a `default` target, legitimately strong features,
//! and planted leaks of several kinds, so `leakhound demo` shows what the tool finds.
//!
//! Planted leaks and legitimate features are listed, with what each one is, in [`COLUMNS`].

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use leakhound::Table;

/// The demo's columns with what each one is, for the README and `demo --help`.
pub const COLUMNS: &[(&str, &str)] = &[
    (
        "application_id",
        "LEAK (identifier): ids assigned after sorting applications by outcome",
    ),
    ("age", "legitimate"),
    ("income", "legitimate"),
    ("employment_years", "legitimate"),
    ("debt_ratio", "legitimate, strong"),
    ("credit_score", "legitimate, strong"),
    ("late_payments_12m", "legitimate, strong"),
    ("loan_amount", "legitimate"),
    ("region", "legitimate categorical"),
    ("home_owner", "legitimate boolean"),
    (
        "days_in_collections",
        "LEAK (post-outcome): zero unless the loan defaulted",
    ),
    (
        "recovery_agent_notes_len",
        "LEAK (missingness): filled in only for most defaulted loans, values are noise",
    ),
    (
        "risk_code_final",
        "LEAK (target proxy): a re-coded copy of the label with 2% flips",
    ),
    ("total_repaid", "LEAK (multi-feature): recorded at loan close; below loan_amount exactly when the loan defaulted"),
    ("collections_contact_score", "LEAK (dominant, hidden): contact intensity of the collections team, mostly after default; strong, not perfect"),
    ("marketing_channel", "noise"),
    ("default", "target"),
];

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Generate the demo table as (header, rows of strings).
pub fn generate(n: usize, seed: u64) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let regions = ["north", "south", "east", "west", "central"];
    let channels = ["web", "branch", "partner", "phone"];
    struct Row {
        v: Vec<String>,
        default: bool,
        key: f64,
    }
    let mut rows: Vec<Row> = (0..n)
        .map(|_| {
            let age = (18.0 + 47.0 * rng.gen::<f64>()).round();
            let income = (10.8 + 0.5 * normal(&mut rng)).exp().round();
            let employment = ((age - 18.0) * rng.gen::<f64>()).round();
            let debt_ratio = (0.35 + 0.15 * normal(&mut rng)).clamp(0.0, 1.5);
            let credit_score = (680.0 + 70.0 * normal(&mut rng))
                .clamp(300.0, 850.0)
                .round();
            let late = {
                let lam = 0.3 + 2.0 * (1.0 - (credit_score - 300.0) / 550.0);
                let mut k = 0;
                let mut p = (-lam).exp();
                let mut s = p;
                let u: f64 = rng.gen();
                while u > s && k < 12 {
                    k += 1;
                    p *= lam / k as f64;
                    s += p;
                }
                k
            };
            let loan = (5_000.0 + 30_000.0 * rng.gen::<f64>()).round();
            let region = regions[rng.gen_range(0..regions.len())];
            let home = rng.gen_bool(0.45);
            let z = -1.9 - 0.018 * (credit_score - 680.0)
                + 4.0 * (debt_ratio - 0.35)
                + 0.35 * late as f64
                - 0.4 * (income.ln() - 10.8)
                - 0.03 * employment
                + 0.4 * (loan / income - 0.4)
                + if region == "south" { 0.3 } else { 0.0 }
                - if home { 0.2 } else { 0.0 }
                + 0.5 * normal(&mut rng);
            let default = rng.gen::<f64>() < 1.0 / (1.0 + (-z).exp());
            let days = if default || rng.gen_bool(0.005) {
                rng.gen_range(15..400).to_string()
            } else {
                "0".into()
            };
            let notes = if (default && rng.gen_bool(0.8)) || (!default && rng.gen_bool(0.02)) {
                rng.gen_range(20..2000).to_string()
            } else {
                String::new()
            };
            let flipped = if rng.gen_bool(0.02) {
                !default
            } else {
                default
            };
            let code = if flipped {
                format!("D{:02}", rng.gen_range(1..=8))
            } else {
                format!("R{:02}", rng.gen_range(1..=12))
            };
            let channel = channels[rng.gen_range(0..channels.len())];
            let calls = if default {
                6.0 + 2.0 * normal(&mut rng)
            } else {
                1.5 + 1.2 * normal(&mut rng)
            };
            let repaid = loan
                * if default {
                    rng.gen_range(0.6..0.95)
                } else {
                    rng.gen_range(1.02..1.2)
                };
            let v = vec![
                String::new(), // application_id, assigned below
                format!("{age}"),
                format!("{income}"),
                format!("{employment}"),
                format!("{debt_ratio:.3}"),
                format!("{credit_score}"),
                format!("{late}"),
                format!("{loan}"),
                region.to_string(),
                if home { "yes" } else { "no" }.to_string(),
                days,
                notes,
                code,
                format!("{repaid:.0}"),
                format!("{calls:.2}"),
                channel.to_string(),
                if default { "1" } else { "0" }.to_string(),
            ];
            Row {
                v,
                default,
                key: rng.gen(),
            }
        })
        .collect();
    // Ids assigned after sorting by outcome (the leak), then rows shuffled so file order is clean.
    rows.sort_by(|a, b| a.default.cmp(&b.default).then(a.key.total_cmp(&b.key)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.v[0] = format!("{}", 100_000 + i);
    }
    rows.sort_by(|a, b| a.key.total_cmp(&b.key));
    let header = COLUMNS.iter().map(|(c, _)| c.to_string()).collect();
    (header, rows.into_iter().map(|r| r.v).collect())
}

/// The demo as a table.
pub fn table(n: usize, seed: u64) -> leakhound::Result<Table> {
    let (header, rows) = generate(n, seed);
    let mut b = Table::builder().name("demo (built-in loan applications)");
    for (j, h) in header.iter().enumerate() {
        b = b.text(h.as_str(), rows.iter().map(|r| r[j].as_str()));
    }
    b.build()
}

/// The demo as CSV text.
pub fn csv(n: usize, seed: u64) -> String {
    let (header, rows) = generate(n, seed);
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}
