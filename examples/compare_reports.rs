//! Compare two model versions' audits: `cargo run --release --example compare_reports`.
//! Version 2 of the table gained `settlement_code`, a re-coded copy of the outcome; the
//! comparison names it as a new leak. Pass two report.json paths to compare saved reports.

use leakhound::compare::{self, Side};
use leakhound::{Audit, Table, Thresholds};

/// A seeded pseudo-random number in [0, 1) for row `i` (SplitMix64), so the example needs no
/// extra crate.
fn rand01(i: usize, salt: u64) -> f64 {
    let mut x = (i as u64) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 31)) as f64 / u64::MAX as f64
}

fn version(with_leak: bool) -> leakhound::Result<leakhound::Report> {
    let n = 1200;
    let y: Vec<f64> = (0..n).map(|i| (rand01(i, 1) < 0.4) as u8 as f64).collect();
    let mut b = Table::builder()
        .numeric(
            "income",
            (0..n).map(|i| ((i * 37) % 211) as f64 + 40.0 * y[i]),
        )
        .numeric("age", (0..n).map(|i| (20.0 + 50.0 * rand01(i, 3)).round()));
    if with_leak {
        b = b.text(
            "settlement_code",
            y.iter().map(|&v| if v > 0.5 { "S1" } else { "S0" }),
        );
    }
    Audit::new("defaulted").run(b.numeric("defaulted", y.clone()).build()?)
}

fn main() -> leakhound::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (old, new) = match args.as_slice() {
        [a, b] => (compare::load(a.as_ref())?, compare::load(b.as_ref())?),
        _ => (
            Side::from_report(version(false)?, "v1"),
            Side::from_report(version(true)?, "v2"),
        ),
    };
    let c = compare::compare(&old, &new, &Thresholds::default());
    print!("{}", c.to_terminal());
    Ok(())
}
